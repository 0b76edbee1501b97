"""Well-known real exports work as downloaded: columns found without mapping, every step runs.

The files are look-alikes made by tests/real_exports.py (real headers, real value formats, no
network): UCI Online Retail (CSV and XLSX), IBM Telco churn, Olist orders with payments, a
Shopify orders export, a Stripe invoices export and a HubSpot/ChartMogul-style companies export.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from segmentation.cohorts import cohort_table, cohorts_from_customers
from segmentation.errors import DataError
from segmentation.export import assignments_csv
from segmentation.features import build_customer_table
from segmentation.io import load_table
from segmentation.methods.kmeans import fit_kmeans
from segmentation.outcomes import with_outcomes
from segmentation.methods.rfm import fit_rfm, rfm_inputs
from segmentation.cleaning import customers_from_transactions, with_derived_amount
from segmentation.roles import infer_roles
from tests import real_exports as real

RETAIL_NOTE = "Added 'amount' = Quantity x UnitPrice, because the file has no amount column."


@pytest.fixture(scope="module")
def retail_lines() -> pd.DataFrame:
    return real.online_retail_frame()


@pytest.fixture(scope="module")
def files(retail_lines) -> dict[str, bytes]:
    return {
        "Online Retail.csv": real.online_retail_csv(retail_lines),
        "Online Retail.xlsx": real.online_retail_xlsx(retail_lines),
        "WA_Fn-UseC_-Telco-Customer-Churn.csv": real.telco_churn_csv(),
        "olist_orders_payments.csv": real.olist_orders_csv(),
        "orders_export_1.csv": real.shopify_orders_csv(),
        "invoices.csv": real.stripe_invoices_csv(),
        "hubspot-crm-exports-all-companies.csv": real.crm_customers_csv(),
    }


@pytest.fixture(scope="module")
def tables(files):
    return {name: load_table(data, name=name) for name, data in files.items()}


def raw(files, name: str) -> pd.DataFrame:
    """The file as plain pandas reads it: an independent view to check totals against."""
    return pd.read_csv(io.BytesIO(files[name]), keep_default_na=True, encoding="latin-1")


def transactions_flow(table, expected_id: str):
    """What the app does with a transactions export alone: amount, roles, customers, customer table."""
    frame, note = with_derived_amount(table.frame)
    roles = infer_roles(frame, kind="transactions")
    customers = customers_from_transactions(frame, customer_id=roles.get("customer_id"))
    customer_roles = infer_roles(customers, kind="customers")
    assert customer_roles.get("customer_id") == expected_id
    built = build_customer_table(customers, customer_id=expected_id, transactions=frame, transaction_roles=roles)
    return frame, note, roles, built


def _no_float_ids(ids) -> bool:
    return not any(str(i).endswith(".0") for i in ids)


# -- UCI Online Retail ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Online Retail.csv", "Online Retail.xlsx"])
def test_online_retail_roles_and_an_amount_from_quantity_times_price(tables, retail_lines, name):
    table = tables[name]
    frame = table.frame
    assert frame["InvoiceDate"].dtype == "datetime64[ns]"
    assert frame["InvoiceDate"].iloc[0] == retail_lines["InvoiceDate"].iloc[0]
    assert frame["InvoiceNo"].str.startswith("C").any()  # cancellations kept, as text
    # 'C536379' among invoice numbers is a cancellation, not a typo to fix: no note about it.
    assert not any("InvoiceNo" in note or "StockCode" in note for note in table.notes)

    roles = infer_roles(frame, kind="transactions")
    assert dict(roles.roles) == {"customer_id": "CustomerID", "transaction_date": "InvoiceDate",
                                 "order_id": "InvoiceNo"}  # no amount column: UnitPrice is not one

    with_amount, note = with_derived_amount(frame)
    assert note == RETAIL_NOTE
    assert "amount" not in frame.columns  # the loaded table is left alone
    first = retail_lines.iloc[0]
    assert with_amount["amount"].iloc[0] == pytest.approx(first["Quantity"] * first["UnitPrice"])
    returns = with_amount["Quantity"] < 0
    assert returns.any() and (with_amount.loc[returns, "amount"] < 0).all()  # returns count against revenue
    assert infer_roles(with_amount, kind="transactions").get("amount") == "amount"


def test_online_retail_customers_rfm_cohorts_and_export_show_ids_as_written(tables, retail_lines):
    frame, _, roles, built = transactions_flow(tables["Online Retail.csv"], "CustomerID")
    known = retail_lines.dropna(subset=["CustomerID"])
    ids = sorted(str(int(i)) for i in known["CustomerID"].unique())
    table = built.frame
    assert sorted(table.index) == ids and _no_float_ids(table.index)  # 17850.0 in the file shows as "17850"
    assert "Country" in table.columns  # one country per customer: it describes the customer
    one = known.loc[known["InvoiceNo"].str.startswith("C"), "CustomerID"].iloc[0]  # a customer who cancelled
    lines = known[known["CustomerID"] == one]
    # Monetary is net of the cancellations; orders are the purchase invoices only.
    assert table.loc[str(int(one)), "monetary"] == pytest.approx((lines["Quantity"] * lines["UnitPrice"]).sum())
    bought = lines.loc[~lines["InvoiceNo"].str.startswith("C"), "InvoiceNo"]
    assert table.loc[str(int(one)), "frequency"] == bought.nunique() < lines["InvoiceNo"].nunique()
    assert any("no customer id" in note for note in built.notes)  # guest checkouts are said to be left out

    inputs = rfm_inputs(frame, customer_id=roles.get("customer_id"), date=roles.get("transaction_date"),
                        amount=roles.get("amount"), order_id=roles.get("order_id"))
    seg = fit_rfm(inputs)
    assert sorted(seg.labels.index) == ids
    exported = assignments_csv(table, seg, bom=False).decode("utf-8").splitlines()
    assert exported[0].startswith("customer_id,segment")
    assert sorted(line.split(",")[0] for line in exported[1:]) == ids

    cohorts = cohort_table(frame, customer_id="CustomerID", date="InvoiceDate", amount="amount", min_customers=1)
    first_period = cohorts.table[cohorts.table["period"] == 0]
    assert first_period["retention"].eq(1.0).all()
    assert first_period["customers"].sum() == len(ids)  # every customer starts in exactly one cohort


# -- IBM Telco churn -----------------------------------------------------------------------------------

def test_telco_churn_roles_customer_table_and_kmeans(tables, files):
    table = tables["WA_Fn-UseC_-Telco-Customer-Churn.csv"]
    frame = table.frame
    # New customers (tenure 0) have " " as their total: empty, and the column stays numbers.
    assert frame["TotalCharges"].dtype == "float64"
    assert frame["TotalCharges"].isna().tolist() == (frame["tenure"] == 0).tolist()
    roles = infer_roles(frame, kind="customers")
    assert roles.get("customer_id") == "customerID"
    assert roles.get("mrr") == "MonthlyCharges"
    assert roles.get("outcome") == "Churn"
    assert roles.column("SeniorCitizen").level == "boolean" and roles.column("Contract").level == "categorical"
    assert {"tenure", "MonthlyCharges", "Contract"} <= set(roles.candidates())

    built = build_customer_table(frame, customer_id="customerID").frame
    customers = with_outcomes(built, roles.roles)
    assert customers.index[0] == raw(files, "WA_Fn-UseC_-Telco-Customer-Churn.csv")["customerID"].iloc[0]
    assert int(customers["churned"].sum()) == int((frame["Churn"] == "Yes").sum())

    seg = fit_kmeans(customers, ["tenure", "MonthlyCharges"], k=3, random_state=0, n_init=3)
    assert seg.labels.nunique() == 3 and list(seg.labels.index) == list(customers.index)


# -- Olist, Shopify, Stripe: orders and invoices ---------------------------------------------------------

def test_olist_orders_with_payments(tables, files):
    frame, note, roles, built = transactions_flow(tables["olist_orders_payments.csv"], "customer_id")
    source = raw(files, "olist_orders_payments.csv")
    canceled = source["order_status"].eq("canceled")
    # payment_value is the amount; a canceled order's payment was never revenue
    assert note == (f"Left out {canceled.sum()} of {len(source)} rows whose 'order_status' is 'canceled': a draft, "
                    "a cancellation or a lost deal brings no revenue.")
    assert dict(roles.roles) == {"customer_id": "customer_id", "transaction_date": "order_purchase_timestamp",
                                 "amount": "payment_value", "order_id": "order_id"}
    source = source[~canceled]
    per_customer = source.groupby("customer_id").agg(orders=("order_id", "nunique"), paid=("payment_value", "sum"))
    table = built.frame.loc[per_customer.index]
    assert table["frequency"].tolist() == per_customer["orders"].tolist()  # a voucher split is still one order
    assert table["monetary"].to_numpy() == pytest.approx(per_customer["paid"].to_numpy())
    assert fit_rfm(table[["recency_days", "frequency", "monetary"]]).labels.notna().all()
    assert cohort_table(frame, customer_id="customer_id", date="order_purchase_timestamp").n_cohorts > 1


def test_shopify_orders_export(tables, files):
    table = tables["orders_export_1.csv"]
    frame, note, roles, built = transactions_flow(table, "Email")
    assert note is None
    # "Paid at" is blank on unpaid orders and on extra line items; "Created at" never is.
    assert dict(roles.roles) == {"customer_id": "Email", "transaction_date": "Created at", "amount": "Total",
                                 "order_id": "Name"}
    source = raw(files, "orders_export_1.csv")
    written = source["Created at"].iloc[0]  # such as "2024-01-05 10:12:00 +0100"
    assert written.endswith(" +0100")
    assert frame["Created at"].iloc[0] == pd.Timestamp(written[:19]) - pd.Timedelta(hours=1)  # in UTC
    per_customer = source.groupby("Email").agg(orders=("Name", "nunique"), total=("Total", "sum"))
    customers = built.frame.loc[per_customer.index]
    assert customers["frequency"].tolist() == per_customer["orders"].tolist()  # orders, not line items
    assert customers["monetary"].to_numpy() == pytest.approx(per_customer["total"].to_numpy())
    seg = fit_rfm(customers[["recency_days", "frequency", "monetary"]])
    assert set(seg.labels.index) == set(per_customer.index)
    assert cohort_table(frame, customer_id="Email", date="Created at", amount="Total").n_cohorts > 1


def test_stripe_invoices_export(tables, files):
    frame, note, roles, built = transactions_flow(tables["invoices.csv"], "Customer")
    source = raw(files, "invoices.csv")
    uncollectible = source["Status"].eq("uncollectible")
    assert note == (f"Left out {uncollectible.sum()} of {len(source)} rows whose 'Status' is 'uncollectible': a "
                    "failed, declined, void or uncollectible payment brings no revenue.")
    assert dict(roles.roles) == {"customer_id": "Customer", "transaction_date": "Date (UTC)",
                                 "amount": "Amount Paid", "order_id": "id"}
    paid = source.groupby("Customer")["Amount Paid"].sum()
    assert built.frame.loc[paid.index, "monetary"].to_numpy() == pytest.approx(paid.to_numpy())
    billed = source[~uncollectible].groupby("Customer")["id"].nunique()  # an invoice never paid is no purchase
    assert built.frame.loc[billed.index, "frequency"].tolist() == billed.tolist()
    assert "Customer Email" in built.frame.columns  # one email per customer comes along for the lists
    seg = fit_rfm(built.frame[["recency_days", "frequency", "monetary"]])
    assert seg.labels.index.str.startswith("cus_").all()
    cohorts = cohort_table(frame, customer_id="Customer", date="Date (UTC)", amount="Amount Paid")
    assert cohorts.table.loc[cohorts.table["period"] == 0, "retention"].eq(1.0).all()


# -- a SaaS CRM / billing customers export -----------------------------------------------------------------

def test_crm_companies_export(tables):
    frame = tables["hubspot-crm-exports-all-companies.csv"].frame
    roles = infer_roles(frame, kind="customers")
    assert roles.get("customer_id") == "Record ID"
    assert roles.get("company") == "Company name"
    assert roles.get("signup_date") == "Customer since"  # became a customer, not when the record was made
    assert roles.get("mrr") == "MRR"  # the company's annual revenue is not its MRR
    assert roles.get("outcome") == "Status"  # Active / Cancelled / Past Due: churned or not, never a variable
    assert "Status" not in roles.candidates()
    churned = with_outcomes(frame, roles.roles)["churned"]
    assert churned.tolist() == frame["Status"].eq("Cancelled").tolist()  # "Past Due" is still a customer
    assert roles.column("Number of Employees").category == "firmographic"

    customers = build_customer_table(frame, customer_id="Record ID").frame
    assert customers.index[0] == str(frame["Record ID"].iloc[0])
    seg = fit_kmeans(customers, ["MRR", "Number of Employees"], k=3, random_state=0, n_init=3)
    assert seg.labels.nunique() == 3
    # A status without a date says who left, not when: from "Customer since" alone every customer would
    # stay to the end, so cohorts are refused rather than drawn at 100%.
    with pytest.raises(DataError, match="100% retention by construction"):
        cohorts_from_customers(frame, customer_id="Record ID", signup_date="Customer since", mrr="MRR")


# -- payments in several currencies, ARR without MRR, German and UK headers ---------------------------------

def test_stripe_payments_revenue_is_converted_net_of_refunds_and_failed_charges():
    from segmentation.tables import prepare_table

    table = prepare_table(load_table(real.stripe_payments_csv(), name="payments.csv"), "transactions")
    roles = infer_roles(table.frame, kind="transactions")
    assert dict(roles.roles) == {"customer_id": "Customer ID", "transaction_date": "Created date (UTC)",
                                 "amount": "amount (net)", "order_id": "id"}
    notes = " ".join(table.notes)
    assert "Left out 1 of 6 rows whose 'Status' is 'Failed'" in notes
    assert "4 currencies (usd, jpy, eur, gbp) in column 'Currency'" in notes and "'Converted Amount'" in notes
    assert "Left out 1 payment(s) refunded in full" in notes and "Took refunds off 1 payment(s)" in notes
    customers = customers_from_transactions(table.frame, customer_id="Customer ID")
    built = build_customer_table(customers, customer_id="Customer ID", transactions=table.frame,
                                 transaction_roles=roles.roles).frame
    assert built["monetary"].to_dict() == pytest.approx({"cus_A": 1300.0, "cus_B": 72.0, "cus_C": 36.0})
    # Neither the failed charge nor the payment refunded in full is an order.
    assert built["frequency"].to_dict() == {"cus_A": 2, "cus_B": 1, "cus_C": 1}


def test_an_accounts_table_with_arr_gets_a_monthly_mrr_not_the_annual_one():
    from segmentation.tables import prepare_table

    loaded = load_table(real.accounts_parquet(), name="accounts.parquet")
    assert infer_roles(loaded.frame).get("mrr") is None  # ARR is not MRR: every revenue figure would be 12x
    table = prepare_table(loaded, "customers")
    roles = infer_roles(table.frame)
    assert roles.get("mrr") == "mrr (from arr_usd)" and roles.get("outcome") == "is_churned"
    assert table.frame["mrr (from arr_usd)"].to_numpy() == pytest.approx(loaded.frame["arr_usd"].to_numpy() / 12)
    assert table.notes[-1] == ("Added 'mrr (from arr_usd)' = arr_usd / 12, because the file has annual amounts "
                               "but no monthly one.")
    assert "is_churned" not in roles.candidates()


def test_a_german_crm_export_and_a_uk_invoice_export_are_mapped_without_help():
    from segmentation.tables import prepare_table

    kunden = prepare_table(load_table(real.kunden_csv(), name="kunden.csv"), "customers")
    roles = infer_roles(kunden.frame)
    assert {r: roles.get(r) for r in ("customer_id", "company", "signup_date", "churn_date", "mrr", "plan")} == {
        "customer_id": "Kundennummer", "company": "Firma", "signup_date": "Vertragsbeginn",
        "churn_date": "Kündigung zum", "mrr": "Monatsumsatz (EUR)", "plan": "Tarif"}
    assert kunden.frame["Monatsumsatz (EUR)"].tolist() == [1629.8, 983.38, 49.0, 99.5]

    invoices = prepare_table(load_table(real.uk_invoices_csv(), name="invoices.csv"), "transactions")
    roles = infer_roles(invoices.frame, kind="transactions")
    assert dict(roles.roles) == {"customer_id": "Account Ref", "transaction_date": "Invoice Date",
                                 "amount": "Net (GBP)", "order_id": "Invoice Number"}
    customers = customers_from_transactions(invoices.frame, customer_id="Account Ref")
    built = build_customer_table(customers, customer_id="Account Ref", transactions=invoices.frame,
                                 transaction_roles=roles.roles).frame
    assert built["monetary"].to_dict() == {"ACC0001": 298.0, "ACC0002": 297.0, "ACC0003": 49.0}


# -- billing and CRM exports: Paddle, Zuora, HubSpot deals, Chargebee, Recurly ------------------------------

def _revenue_of(data: bytes, name: str) -> tuple[object, dict, dict]:
    """Load a transactions export as the app does: its table (with notes), roles and revenue per customer."""
    from segmentation.tables import prepare_table

    table = prepare_table(load_table(data, name=name), "transactions")
    roles = infer_roles(table.frame, kind="transactions")
    customers = customers_from_transactions(table.frame, customer_id=roles.get("customer_id"))
    built = build_customer_table(customers, customer_id=roles.get("customer_id"), transactions=table.frame,
                                 transaction_roles=roles.roles).frame
    return table, dict(roles.roles), built["monetary"].to_dict()


def test_paddle_revenue_is_the_earnings_in_one_currency_billed_at():
    table, roles, revenue = _revenue_of(real.paddle_transactions_csv(), "paddle.csv")
    assert roles == {"customer_id": "Customer ID", "transaction_date": "Billed At", "amount": "amount (net)",
                     "order_id": "Transaction ID"}
    assert revenue == {"ctm_1": 56.0, "ctm_2": 9.0, "ctm_3": 40.0}
    assert not any(note.startswith("Warning:") for note in table.notes)
    assert "so revenue uses 'Earnings', which holds them in one currency" in " ".join(table.notes)


def test_zuora_drafts_and_cancelled_invoices_bring_no_revenue():
    table, roles, revenue = _revenue_of(real.zuora_invoices_csv(), "zuora.csv")
    assert roles["amount"] == "Amount" and roles["customer_id"] == "Account Number"
    assert revenue == {"A00000000": 240.0, "A00000001": 99.0}
    assert ("Left out 2 of 5 rows whose 'Status' is 'Canceled' or 'Draft': a draft, a cancellation or a lost deal "
            "brings no revenue.") in table.notes


def test_hubspot_deals_count_only_won_deals_for_the_company():
    table, roles, revenue = _revenue_of(real.hubspot_deals_csv(), "hubspot-deals.csv")
    assert roles == {"customer_id": "Associated Company IDs", "transaction_date": "Close Date", "amount": "Amount",
                     "order_id": "Record ID"}
    assert revenue == {"5000000": 40000.0, "5000001": 10500.0}
    assert ("Counted only the 3 won deals of 6 rows ('Deal Stage' is 'Closed won'); the 1 lost and 2 still open or "
            "in no stage bring no revenue.") in table.notes


def test_chargebee_and_recurly_customers_keep_the_id_and_never_a_plan_for_the_company():
    chargebee = infer_roles(load_table(real.chargebee_customers_csv(), name="customers.csv").frame)
    assert {r: chargebee.get(r) for r in ("customer_id", "company", "signup_date")} == {
        "customer_id": "customers.id", "company": "customers.company", "signup_date": "customers.created_at"}
    frame = load_table(real.recurly_subscriptions_csv(), name="subscriptions.csv").frame
    recurly = infer_roles(frame)
    assert {r: recurly.get(r) for r in ("customer_id", "company", "plan", "outcome")} == {
        "customer_id": "account_code", "company": None, "plan": "plan_name", "outcome": "state"}
    assert "state" not in recurly.candidates()
    churned = with_outcomes(frame, recurly.roles)["churned"]
    assert churned.tolist() == [False, True, False, True, False, False]


# -- the command line ------------------------------------------------------------------------------------

@pytest.fixture
def on_disk(files, tmp_path):
    def write(name: str) -> str:
        path = tmp_path / name
        path.write_bytes(files[name])
        return str(path)
    return write


def test_cli_rfm_finds_every_column_of_online_retail(on_disk, retail_lines, tmp_path, capsys):
    from segmentation.cli import main

    out = tmp_path / "rfm.csv"
    assert main(["rfm", on_disk("Online Retail.csv"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert RETAIL_NOTE in err
    assert "--id 'CustomerID', --date 'InvoiceDate', --amount 'amount', --order 'InvoiceNo'" in err
    written = pd.read_csv(out, dtype={"customer_id": str})
    known = retail_lines.dropna(subset=["CustomerID"])
    assert sorted(written["customer_id"]) == sorted(str(int(i)) for i in known["CustomerID"].unique())
    one = known.loc[known["InvoiceNo"].str.startswith("C"), "CustomerID"].iloc[0]  # a customer who cancelled
    row = written.set_index("customer_id").loc[str(int(one))]
    lines = known[known["CustomerID"] == one]
    assert row["frequency"] == lines.loc[~lines["InvoiceNo"].str.startswith("C"), "InvoiceNo"].nunique()
    assert row["monetary"] == pytest.approx((lines["Quantity"] * lines["UnitPrice"]).sum())

    # Given explicitly, the columns are used as given (purchase days count, not invoices, without --order).
    assert main(["rfm", on_disk("Online Retail.xlsx"), "--id", "CustomerID", "--date", "InvoiceDate",
                 "--out", str(out)]) == 0
    assert "--amount 'amount', --order 'InvoiceNo'" in capsys.readouterr().err


def test_cli_rfm_fast_path_writes_float_ids_as_written(tmp_path):
    from segmentation.cli import main

    plain = tmp_path / "payments.csv"  # ISO dates and plain numbers: DuckDB reads it directly
    plain.write_text("CustomerID,day,amount\n17850.0,2024-01-05,10\n,2024-01-06,5\n13047.0,2024-02-01,7.5\n"
                     "17850.0,2024-02-03,1\n", encoding="utf-8")
    out = tmp_path / "rfm.csv"
    assert main(["rfm", str(plain), "--id", "CustomerID", "--date", "day", "--amount", "amount",
                 "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    assert sorted(written.index) == ["13047", "17850"]
    assert written.loc["17850", "monetary"] == 11.0 and written.loc["17850", "frequency"] == 2


def test_cli_says_which_option_to_pass_when_a_column_cannot_be_found(on_disk, tmp_path, capsys):
    from segmentation.cli import main

    telco = on_disk("WA_Fn-UseC_-Telco-Customer-Churn.csv")
    assert main(["rfm", telco, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    # One row per customer, no purchase date: said as such, with what RFM needs and the options that name columns.
    assert err.count("\n") == 1 and err.startswith(f"error: {telco} holds one row per customer")
    assert "RFM needs a transactions" in err and "--date" in err
    no_money = tmp_path / "visits.csv"
    no_money.write_text("customer_id,order_date,Quantity\nA1,2024-01-05,2\nA2,2024-02-05,1\n", encoding="utf-8")
    assert main(["rfm", str(no_money), "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {no_money}: ") and "pass --amount COL" in err
    assert not (tmp_path / "x.csv").exists()


def test_cli_cohorts_finds_id_date_and_the_amount_for_revenue(on_disk, tmp_path, capsys):
    from segmentation.cli import main

    out = tmp_path / "cohorts.csv"
    assert main(["cohorts", on_disk("invoices.csv"), "--out", str(out)]) == 0
    assert list(pd.read_csv(out).columns) == ["cohort", "period", "customers", "retention", "complete"]
    assert "--id 'Customer', --date 'Date (UTC)'" in capsys.readouterr().err
    assert main(["cohorts", on_disk("Online Retail.csv"), "--metric", "revenue", "--out", str(out)]) == 0
    assert RETAIL_NOTE in capsys.readouterr().err
    table = pd.read_csv(out)
    assert list(table.columns) == ["cohort", "period", "customers", "revenue", "retention", "complete"]
    assert table.loc[table["period"] == 0, "retention"].eq(1.0).all()


# -- the app ---------------------------------------------------------------------------------------------

def test_an_orders_export_alone_is_enough_in_the_app(files):
    from tests.apptest import app, texts

    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Transactions")).set_value(
        ("Online Retail.csv", files["Online Retail.csv"], "text/csv"))
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    tables, roles = at.session_state["dataset"].tables, at.session_state["dataset"].roles
    assert RETAIL_NOTE in tables["transactions"].notes
    assert dict(roles["transactions"].roles) == {"customer_id": "CustomerID", "transaction_date": "InvoiceDate",
                                                 "amount": "amount", "order_id": "InvoiceNo"}
    customers = tables["customers"].frame
    assert roles["customers"].get("customer_id") == "CustomerID"
    assert customers["CustomerID"].is_unique and _no_float_ids(customers["CustomerID"])
    assert not any("Say which column" in w for w in texts(at.warning))
    preview = next(d.value for d in at.dataframe if "InvoiceNo" in d.value.columns)
    shown = preview["CustomerID"].dropna()
    assert len(shown) and shown.map(type).eq(str).all() and _no_float_ids(shown)  # 17850, not 17850.0

    at.switch_page("views/segment.py").run()  # purchases alone: RFM is the first cut offered
    assert at.segmented_control(key="method").value == "RFM"
    assert not at.exception and not at.error, texts(at.error)
    seg = at.session_state["segmentation"]
    assert seg.method == "rfm" and len(seg.labels) == len(customers) and _no_float_ids(seg.labels.index)
    at.switch_page("views/cohorts.py").run()
    assert not at.exception and not at.error, texts(at.error)


def test_changing_the_id_of_an_orders_export_alone_rebuilds_the_customers(files):
    from tests.apptest import app

    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Transactions")).set_value(
        ("invoices.csv", files["invoices.csv"], "text/csv"))
    at.run()
    assert len(at.session_state["dataset"].tables["customers"].frame) == 40
    box = next(s for s in at.selectbox if s.label == "Customer id" and "transactions" in s.key)
    box.set_value("Customer Email").run()
    assert not at.exception
    customers = at.session_state["dataset"].tables["customers"].frame
    assert list(customers.columns[:1]) == ["Customer Email"] and len(customers) == 40
    assert at.session_state["dataset"].roles["customers"].get("customer_id") == "Customer Email"
    assert at.session_state["dataset"].roles["transactions"].get("customer_id") == "Customer Email"
    assert np.all(customers["Customer Email"].str.contains("@"))


def test_cli_rfm_counts_stripe_payments_as_the_app_does(tmp_path, capsys):
    from segmentation.cli import main

    source, out = tmp_path / "payments.csv", tmp_path / "rfm.csv"
    source.write_bytes(real.stripe_payments_csv())
    assert main(["rfm", str(source), "--out", str(out)]) == 0
    assert "'Converted Amount'" in capsys.readouterr().err
    monetary = pd.read_csv(out).set_index("customer_id")["monetary"]
    assert monetary.to_dict() == pytest.approx({"cus_A": 1300.0, "cus_B": 72.0, "cus_C": 36.0})
