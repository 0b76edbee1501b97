import pandas as pd
import pytest

from segmentation.cleaning import (clean_transactions, currency_warning, customers_from_transactions,
                                   notes_for_amount, quality_summary, with_derived_amount, with_derived_mrr)
from segmentation.errors import DataError
from segmentation.roles import infer_roles
from segmentation.variables import default_variables, empty_share


@pytest.fixture
def customers():
    return pd.DataFrame({
        "Customer ID": ["00017", "00018", "00019", "00020"],
        "Company": ["Acme", "Beta GmbH", "Cobalt", "Delta"],
        "Industry": ["Retail", "Software", "Retail", "Health"],
        "Sign-up Date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-02-11", "2024-03-01"]),
        "Churn date": pd.to_datetime([None, "2024-06-01", None, None]),
        "MRR": [120.0, 0.0, 560.5, 89.0],
        "Plan": ["Pro", "Free", "Business", "Pro"],
        "logins_30d": [12, 0, 40, 3],
        "integrations": [1, 0, 4, 0],
        "NPS": [9, None, 7, 3],
        "Converted to paid": ["yes", "no", "yes", "yes"],
    })


def test_infers_the_roles_a_user_would_pick(customers):
    roles = infer_roles(customers)
    assert roles.get("customer_id") == "Customer ID"
    assert roles.get("company") == "Company"
    assert roles.get("signup_date") == "Sign-up Date"
    assert roles.get("churn_date") == "Churn date"
    assert roles.get("mrr") == "MRR"
    assert roles.get("plan") == "Plan"
    assert roles.get("converted") == "Converted to paid"


def test_tags_variables_with_categories_and_levels(customers):
    roles = infer_roles(customers)
    assert roles.column("Industry").category == "firmographic"
    assert roles.column("logins_30d").category == "behavioural"
    assert roles.column("MRR").category == "value"
    assert roles.column("integrations").category == "technographic"
    assert roles.column("NPS").category == "psychographic"
    assert roles.column("Customer ID").level == "id"
    assert roles.column("Sign-up Date").level == "date"
    assert roles.column("Industry").level == "categorical"
    # The id is never offered as a segmentation variable, even though it looks numeric.
    assert "Customer ID" not in roles.candidates()
    assert "MRR" in roles.candidates()


def test_transactions_roles():
    tx = pd.DataFrame({
        "invoice_id": ["I1", "I2", "I3"],
        "customer_id": ["007", "007", "010"],
        "invoice_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
        "amount": [10.0, 12.5, 99.0],
    })
    roles = infer_roles(tx, kind="transactions")
    assert dict(roles.roles) == {"customer_id": "customer_id", "transaction_date": "invoice_date",
                                 "amount": "amount", "order_id": "invoice_id"}


def test_user_can_change_a_role_and_a_category(customers):
    roles = infer_roles(customers).with_role("mrr", None).with_category("Plan", "needs")
    assert roles.get("mrr") is None
    assert roles.column("MRR").role is None
    assert roles.column("Plan").category == "needs"
    with pytest.raises(DataError, match="no column 'nope'"):
        roles.with_role("plan", "nope")


def test_quality_summary_names_duplicate_ids_with_spreadsheet_rows(customers):
    dup = pd.concat([customers, customers.iloc[[1]]], ignore_index=True)
    summary = quality_summary(dup, infer_roles(customers), header_row=0, name="customers.csv")
    assert summary.duplicate_ids.to_dict("records") == [{"id": "00018", "rows": "3, 6"}]
    assert any("customers.csv" in note and "'00018'" in note for note in summary.notes)


def test_quality_summary_flags_constant_columns(customers):
    frame = customers.assign(region="EU")
    summary = quality_summary(frame, infer_roles(frame))
    flagged = summary.columns.set_index("column")["constant"]
    assert flagged["region"] and not flagged["MRR"]


# -- names as real exports write them -------------------------------------------------------------------

def test_camel_case_names_are_split_into_words():
    tx = pd.DataFrame({
        "InvoiceNo": ["536365", "536365", "C536379"],
        "InvoiceDate": pd.to_datetime(["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-01 09:41"]),
        "CustomerID": [17850.0, 17850.0, None],
        "Quantity": [6, 2, -1],
        "UnitPrice": [2.55, 3.39, 27.5],
    })
    assert dict(infer_roles(tx, kind="transactions").roles) == {
        "customer_id": "CustomerID", "transaction_date": "InvoiceDate", "order_id": "InvoiceNo"}
    customers = pd.DataFrame({"customerID": ["7590-VHVEG", "5575-GNVDE"], "MonthlyCharges": [29.85, 56.95],
                              "Churn": ["No", "Yes"]})
    roles = infer_roles(customers)
    assert (roles.get("customer_id"), roles.get("mrr"), roles.get("outcome")) == ("customerID", "MonthlyCharges",
                                                                                 "Churn")


def test_money_never_takes_an_id_a_date_a_unit_price_or_a_discount():
    tx = pd.DataFrame({
        "customer_id": ["a", "b", "a"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        "amount_id": [101, 102, 103],
        "Unit Price": [2.5, 3.0, 4.0],
        "Discount Amount": [0.0, 1.0, 0.0],
        "Quantity": [1, 2, 3],
    })
    assert infer_roles(tx, kind="transactions").get("amount") is None
    # ...and an order id never takes money, even a column named after the invoice.
    totals = pd.DataFrame({"customer_id": ["a", "b"], "invoice_total": [10.5, 12.0], "amount": [10.5, 12.0]})
    assert infer_roles(totals, kind="transactions").get("order_id") is None


def test_a_lone_price_is_the_amount_but_not_beside_a_quantity():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "price": [49.0, 99.0]})
    assert infer_roles(tx, kind="transactions").get("amount") == "price"
    assert infer_roles(tx.assign(qty=[1, 3]), kind="transactions").get("amount") is None


def test_a_shop_order_number_in_a_name_column_is_the_order_id_and_a_bare_id_is_not_the_customer():
    tx = pd.DataFrame({
        "Name": ["#1001", "#1001", "#1002"], "Email": ["a@x.com", "a@x.com", "b@y.com"],
        "Created at": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-01-06"]),
        "Paid at": pd.to_datetime(["2024-01-05", None, None]),  # blank on unpaid orders and extra lines
        "Total": [55.0, None, 19.5], "Id": [5600000000001, None, 5600000000002],
    })
    assert dict(infer_roles(tx, kind="transactions").roles) == {
        "customer_id": "Email", "transaction_date": "Created at", "amount": "Total", "order_id": "Name"}
    people = tx.assign(Name=["Ann Lee", "Ann Lee", "Bo Li"])
    assert infer_roles(people, kind="transactions").get("order_id") == "Id"


def test_a_unique_customer_id_wins_and_signup_prefers_customer_since():
    orders = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "customer_id": ["c1", "c2", "c3"],
                           "customer_unique_id": ["u1", "u1", "u2"]})
    assert infer_roles(orders, kind="transactions").get("customer_id") == "customer_unique_id"
    crm = pd.DataFrame({"Record ID": [11, 12], "Create Date": pd.to_datetime(["2023-01-01", "2023-02-01"]),
                        "Customer since": pd.to_datetime(["2023-03-01", "2023-04-01"]),
                        "Annual Revenue": [1e6, 2e6], "Status": ["Active", "Cancelled"]})
    roles = infer_roles(crm)
    assert roles.get("customer_id") == "Record ID" and roles.get("signup_date") == "Customer since"
    assert roles.get("mrr") is None
    assert roles.get("outcome") == "Status"  # Active / Cancelled says churned or not


# -- an amount from quantity x unit price --------------------------------------------------------------

def test_derived_amount_is_quantity_times_unit_price_with_a_note():
    lines = pd.DataFrame({"InvoiceNo": ["1", "1", "C2"], "Quantity": [6, 2, -1], "UnitPrice": [2.55, 3.39, 27.5]})
    before = lines.copy()
    out, note = with_derived_amount(lines)
    assert out["amount"].tolist() == [15.3, 6.78, -27.5]
    assert note == "Added 'amount' = Quantity x UnitPrice, because the file has no amount column."
    pd.testing.assert_frame_equal(lines, before)
    # "amount" taken by a column that is not money: the new one gets another name.
    out, note = with_derived_amount(lines.assign(amount=["n/a", "n/a", "n/a"]))
    assert out["amount_derived"].tolist() == [15.3, 6.78, -27.5] and "'amount_derived'" in note


def test_derived_amount_leaves_tables_that_have_one_or_cannot_make_one():
    with_amount = pd.DataFrame({"Quantity": [1, 2], "UnitPrice": [2.0, 3.0], "Total": [2.0, 6.0]})
    assert with_derived_amount(with_amount) == (with_amount, None)
    no_price = pd.DataFrame({"Quantity": [1, 2], "Description": ["a", "b"]})
    assert with_derived_amount(no_price) == (no_price, None)
    text_price = pd.DataFrame({"Quantity": [1, 2], "UnitPrice": ["cheap", "dear"]})
    assert with_derived_amount(text_price) == (text_price, None)


def test_customers_from_transactions_keeps_one_row_per_id_as_text():
    tx = pd.DataFrame({
        "CustomerID": [17850.0, 17850.0, None, 13047.0],
        "Country": ["United Kingdom", "United Kingdom", "France", "EIRE"],
        "Description": ["MUG", "LANTERN", "MUG", "MUG"],  # varies per customer: stays with the purchases
        "Currency": ["GBP", "GBP", "GBP", "GBP"],  # the same for everyone: says nothing
        "Quantity": [6, 2, 1, 3],
    })
    before = tx.copy()
    customers = customers_from_transactions(tx, customer_id="CustomerID")
    assert customers.to_dict("list") == {"CustomerID": ["17850", "13047"], "Country": ["United Kingdom", "EIRE"]}
    pd.testing.assert_frame_equal(tx, before)
    with pytest.raises(DataError, match="no column 'customer'"):
        customers_from_transactions(tx, customer_id="customer")


def test_online_retail_ii_headers_and_a_bank_churn_flag():
    lines = pd.DataFrame({
        "Invoice": ["489434", "489434", "C489449"], "StockCode": ["85048", "79323P", "22087"],
        "Quantity": [12, 12, -1], "InvoiceDate": pd.to_datetime(["2009-12-01 07:45"] * 3),
        "Price": [6.95, 6.75, 2.1], "Customer ID": [13085.0, 13085.0, 12682.0],
    })
    assert dict(infer_roles(lines, kind="transactions").roles) == {
        "customer_id": "Customer ID", "transaction_date": "InvoiceDate", "order_id": "Invoice"}  # Price is per unit
    out, note = with_derived_amount(lines)
    assert out["amount"].tolist() == [83.4, 81.0, -2.1] and "Quantity x Price" in note
    bank = pd.DataFrame({"RowNumber": [1, 2, 3], "CustomerId": [15634602, 15647311, 15619304],
                         "Balance": [0.0, 83807.86, 159660.8], "Exited": [1, 0, 1]})
    roles = infer_roles(bank)
    assert (roles.get("customer_id"), roles.get("outcome"), roles.get("mrr")) == ("CustomerId", "Exited", None)


def test_a_unique_invoice_id_is_never_taken_for_the_customer_of_a_transactions_table():
    tx = pd.DataFrame({"Rechnungsnummer": [f"R-{1001 + i}" for i in range(30)],
                       "Kunde": [f"K{i % 5}" for i in range(30)],
                       "invoice_date": pd.date_range("2024-01-01", periods=30, freq="D")})
    roles = infer_roles(tx, kind="transactions")
    assert roles.column("Rechnungsnummer").level == "id"
    assert roles.get("customer_id") == "Kunde" and roles.get("order_id") == "Rechnungsnummer"


def test_a_unique_invoice_id_is_not_the_customer_even_beside_an_unknown_payer_column():
    tx = pd.DataFrame({"Rechnungsnummer": [f"R-{1001 + i}" for i in range(30)],
                       "Zahler": [f"K{i % 5}" for i in range(30)],
                       "invoice_date": pd.date_range("2024-01-01", periods=30, freq="D")})
    roles = infer_roles(tx, kind="transactions")
    assert roles.get("customer_id") is None  # unknown name: the user maps it; a wrong guess would mislead
    assert roles.get("order_id") == "Rechnungsnummer"


# -- annual amounts are not MRR -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["arr_usd", "ARR", "Annual Contract Value", "ACV", "yearly_fee", "price_per_year",
                                  "Annual Recurring Revenue", "Jahresbeitrag (EUR)"])
def test_an_annual_amount_is_never_taken_for_the_mrr(name):
    frame = pd.DataFrame({"account_id": [1, 2, 3], name: [1200.0, 600.0, 24000.0], "seats": [3, 4, 5]})
    assert infer_roles(frame).get("mrr") is None


def test_an_mrr_is_derived_from_an_annual_amount_with_a_note():
    frame = pd.DataFrame({"account_id": [1, 2, 3], "arr_usd": [1200.0, 600.0, 24000.0],
                          "weekly_active_users": [3, 4, 5]})
    before = frame.copy()
    out, note = with_derived_mrr(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.columns) == ["account_id", "arr_usd", "mrr (from arr_usd)", "weekly_active_users"]
    assert out["mrr (from arr_usd)"].tolist() == [100.0, 50.0, 2000.0]
    assert note == "Added 'mrr (from arr_usd)' = arr_usd / 12, because the file has annual amounts but no monthly one."
    roles = infer_roles(out)
    assert roles.get("mrr") == "mrr (from arr_usd)" and roles.column("mrr (from arr_usd)").category == "value"
    chosen = default_variables(out, roles, candidates=roles.candidates(), revenue=roles.get("mrr"))
    assert chosen == ["mrr (from arr_usd)", "weekly_active_users"]  # the monthly figure, not the annual one
    assert with_derived_mrr(out) == (out, None)  # applied twice, nothing more happens


def test_no_mrr_is_derived_from_a_company_revenue_or_beside_a_monthly_one():
    crm = pd.DataFrame({"Id": ["a1", "a2"], "Annual Revenue": [1e6, 2e6], "Employees": [10, 40]})
    assert with_derived_mrr(crm) == (crm, None)  # what the company earns, not what it pays us
    both = pd.DataFrame({"id": ["a", "b"], "MRR": [10.0, 20.0], "ARR": [120.0, 240.0]})
    assert with_derived_mrr(both) == (both, None)
    assert infer_roles(both).get("mrr") == "MRR"


# -- payments: currencies, failures and refunds -----------------------------------------------------------

@pytest.fixture
def payments():
    """Six Stripe-style payments of three customers in four currencies; one failed, one refunded, one partly."""
    return pd.DataFrame({
        "id": [f"ch_{i}" for i in range(1, 7)],
        "Created date (UTC)": pd.date_range("2024-01-01", periods=6, freq="D"),
        "Amount": [100.0, 15000.0, 50.0, 80.0, 20.0, 30.0],
        "Amount Refunded": [0.0, 0.0, 50.0, 30.0, 0.0, 0.0],
        "Currency": ["usd", "jpy", "eur", "usd", "usd", "gbp"],
        "Converted Amount": [100.0, 100.0, 55.0, 80.0, 20.0, 38.0],
        "Fee": [3.2, 3.2, 1.9, 2.6, 0.9, 1.4],
        "Status": ["Paid", "Paid", "Refunded", "Paid", "Failed", "Paid"],
        "Customer ID": ["c1", "c1", "c2", "c2", "c3", "c3"],
    })


def _revenue(frame):
    roles = infer_roles(frame, kind="transactions")
    return frame.groupby(roles.get("customer_id"))[roles.get("amount")].sum().to_dict()


def test_payments_in_several_currencies_use_the_converted_amount_net_of_refunds_and_failures(payments):
    before = payments.copy()
    out, notes = clean_transactions(payments)
    pd.testing.assert_frame_equal(payments, before)
    # The failed payment brought nothing, and the one refunded in full was no purchase either.
    assert "ch_5" not in out["id"].tolist() and len(out) == 4
    assert infer_roles(out, kind="transactions").get("amount") == "amount (net)"
    # c1: 100 usd + 100 (15,000 jpy converted); c2: refunded in full, then 80 less 30 refunded; c3: 38 (30 gbp).
    assert _revenue(out) == {"c1": 200.0, "c2": 50.0, "c3": 38.0}
    text = " ".join(notes)
    assert "1 of 6 rows" in text and "'Status'" in text and "Failed" in text
    assert "4 currencies" in text and "'Converted Amount'" in text
    assert "Left out 1 payment(s) refunded in full" in text
    assert "Took refunds off 1 payment(s)" in text and "'Amount Refunded'" in text
    assert clean_transactions(out) == (out, ())  # applied twice, nothing more happens
    merged, note = with_derived_amount(payments)
    pd.testing.assert_frame_equal(merged, out)
    assert note == " ".join(notes)


def test_without_a_converted_amount_several_currencies_are_a_warning(payments):
    out, notes = clean_transactions(payments.drop(columns=["Converted Amount"]))
    warning = next(n for n in notes if "currencies" in n)
    assert "4 currencies (usd, jpy, eur, gbp)" in warning and "added as they are" in warning
    # Refunds still come off, in the payment's own currency.
    assert _revenue(out) == {"c1": 15100.0, "c2": 50.0, "c3": 30.0}


def test_a_refunded_order_without_a_refund_column_counts_nothing_and_a_voided_one_is_left_out():
    orders = pd.DataFrame({
        "Name": ["#1001", "#1002", "#1003", "#1004"], "Email": ["a@x.com", "a@x.com", "b@y.com", "b@y.com"],
        "Created at": pd.date_range("2024-03-01", periods=4, freq="D"), "Total": [40.0, 25.0, 60.0, 10.0],
        "Currency": ["EUR"] * 4, "Financial Status": ["paid", "refunded", "voided", "pending"],
    })
    out, notes = clean_transactions(orders)
    assert out["Name"].tolist() == ["#1001", "#1004"]  # refunded in full: no revenue and no order
    assert _revenue(out) == {"a@x.com": 40.0, "b@y.com": 10.0}
    assert any("1 of 4 rows" in n and "voided" in n for n in notes)
    assert any("Left out 1 payment(s) refunded in full" in n for n in notes)


def test_clean_payments_in_one_currency_without_refunds_are_left_alone():
    paid = pd.DataFrame({"invoice_id": ["i1", "i2"], "customer_id": ["a", "b"],
                         "invoice_date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [10.0, 20.0],
                         "currency": ["usd", "USD"], "status": ["paid", "open"], "amount_refunded": [0.0, 0.0]})
    assert clean_transactions(paid) == (paid, ())


# -- headers in German, French and Spanish ---------------------------------------------------------------

def test_german_french_and_spanish_customer_headers():
    dates = pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01"])
    churn = pd.to_datetime([None, "2024-06-30", None])
    common = {"plan": ["Basis", "Profi", "Basis"], "mrr": [49.0, 1629.8, 99.5]}
    german = pd.DataFrame({"Kundennummer": ["K-1", "K-2", "K-3"], "Firma": ["Müller KG", "Schmidt AG", "Lang GmbH"],
                           "Vertragsbeginn": dates, "Kündigung zum": churn,
                           "Monatsumsatz (EUR)": common["mrr"], "Tarif": common["plan"]})
    french = pd.DataFrame({"Numéro client": ["1", "2", "3"], "Société": ["A", "B", "C"],
                           "Date d'inscription": dates, "Date de résiliation": churn,
                           "Revenu mensuel (€)": common["mrr"], "Formule": common["plan"]})
    spanish = pd.DataFrame({"Número de cliente": ["1", "2", "3"], "Empresa": ["A", "B", "C"],
                            "Fecha de alta": dates, "Fecha de baja": churn,
                            "Ingreso mensual (USD)": common["mrr"], "Tarifa": common["plan"]})
    for frame in (german, french, spanish):
        roles = infer_roles(frame)
        assert [roles.get(r) for r in ("customer_id", "company", "signup_date", "churn_date", "mrr", "plan")] == \
            list(frame.columns)


def test_german_french_spanish_and_uk_invoice_headers():
    days = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])
    files = {
        ("Rechnungsnummer", "Kunde", "Rechnungsdatum", "Betrag (EUR)"): "de",
        ("Numéro de facture", "Client", "Date de facture", "Montant TTC"): "fr",
        ("Número de factura", "Cliente", "Fecha", "Importe"): "es",
        ("Invoice Number", "Account Ref", "Invoice Date", "Net (GBP)"): "uk",
    }
    for names in files:
        frame = pd.DataFrame({names[0]: ["R1", "R2", "R3"], names[1]: ["K1", "K1", "K2"], names[2]: days,
                              names[3]: [49.0, 99.0, 249.5], "VAT": [0.0, 0.0, 0.0]})
        roles = infer_roles(frame, kind="transactions")
        assert [roles.get(r) for r in ("order_id", "customer_id", "transaction_date", "amount")] == list(names)


# -- segmentation variables: never the outcome; defaults that can be fitted ---------------------------------

def test_outcome_and_conversion_flags_are_never_offered_as_variables(customers):
    frame = customers.assign(Churn=["Yes", "No", "No", "Yes"])
    roles = infer_roles(frame)
    assert roles.get("outcome") == "Churn" and roles.get("converted") == "Converted to paid"
    offered = roles.candidates()
    assert "Churn" not in offered and "Converted to paid" not in offered and "MRR" in offered


def test_default_variables_skip_empty_id_date_and_outcome_columns():
    n = 40
    frame = pd.DataFrame({
        "Id": [f"001{i:04d}AAA" for i in range(n)],
        "Upsell__c_0": [5.0] + [None] * (n - 1),  # 97% empty
        "Start Date": [45000 + i for i in range(n)],  # Excel serial dates read as numbers
        "Legacy_ID__c": [i % 7 for i in range(n)],
        "churned": [i % 2 == 0 for i in range(n)],
        "MRR": [float(10 + i) for i in range(n)],
        "logins_30d": [i % 9 for i in range(n)],
        "Employees": [i * 3 for i in range(n)],
        "nps": [i % 11 for i in range(n)],
    })
    roles = infer_roles(frame)
    chosen = default_variables(frame, roles, candidates=roles.candidates() + ["churned"], revenue="MRR")
    assert chosen == ["MRR", "logins_30d", "Employees"]
    assert empty_share(frame["Upsell__c_0"]) == pytest.approx(39 / 40)


def test_customers_from_orders_keyed_by_email_ignore_the_case_of_the_address():
    orders = pd.DataFrame({"Order": ["#1000", "#1001", "#1002"],
                           "Email": ["CHRIS.197@GMAIL.COM", "chris.197@gmail.com", " anna.3@acme.co.uk"],
                           "Total": [18.14, 62.05, 10.0]})
    customers = customers_from_transactions(orders, customer_id="Email")
    assert customers["Email"].tolist() == ["chris.197@gmail.com", "anna.3@acme.co.uk"]


# -- status columns, unbilled invoices, deals, Paddle, ids from billing exports -------------------------------

def test_a_status_that_says_churned_or_not_is_the_outcome_and_never_a_variable():
    accounts = pd.DataFrame({"Account ID": ["A1", "A2", "A3", "A4"], "MRR": [10.0, 20.0, 30.0, 40.0],
                             "Status": ["Active", "Cancelled", "Active", "Active"]})
    roles = infer_roles(accounts)
    assert roles.get("outcome") == "Status" and "Status" not in roles.candidates()
    recurly = pd.DataFrame({"account_code": ["a-1", "a-2", "a-3", "a-4"],
                            "state": ["active", "canceled", "expired", "future"]})
    assert infer_roles(recurly).get("outcome") == "state"
    # An explicit churn flag wins; US states, one-sided statuses and other words are no outcome.
    flagged = accounts.assign(Churned=["no", "yes", "no", "no"])
    assert infer_roles(flagged).get("outcome") == "Churned"
    assert "Status" in infer_roles(flagged).candidates()
    for values in (["CA", "NY", "TX", "CA"], ["Active"] * 4, ["Active", "Cancelled", "Onboarding", "Onboarding"]):
        assert infer_roles(accounts.assign(Status=values)).get("outcome") is None, values
    assert infer_roles(accounts, kind="transactions").get("outcome") is None


def test_draft_and_cancelled_invoices_are_left_out_with_a_note():
    zuora = pd.DataFrame({
        "Account Number": ["A0", "A0", "A0", "A1", "A1"], "Invoice Number": [f"INV0{i}" for i in range(5)],
        "Invoice Date": pd.date_range("2024-01-01", periods=5, freq="MS"), "Amount": [120.0, 1500.0, 480.0, 90.0, 60.0],
        "Balance": [0.0, 1500.0, 480.0, 0.0, 60.0], "Status": ["Posted", "Draft", "Canceled", "Posted", "Posted"],
        "Currency": ["USD"] * 5})
    out, notes = clean_transactions(zuora)
    assert out["Invoice Number"].tolist() == ["INV00", "INV03", "INV04"]
    assert _revenue(out) == {"A0": 120.0, "A1": 150.0}  # an unpaid balance on a posted invoice is still billed
    assert notes == ("Left out 2 of 5 rows whose 'Status' is 'Canceled' or 'Draft': a draft, a cancellation or a "
                     "lost deal brings no revenue.",)


def test_only_won_deals_are_revenue():
    deals = pd.DataFrame({
        "Record ID": [800, 801, 802, 803, 804], "Deal Stage": ["Closed won", "Closed lost", "Contract sent",
                                                               "Closed won", "Appointment scheduled"],
        "Amount": [40000.0, 12000.0, 5000.0, 7000.0, 3000.0],
        "Close Date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01", "2024-03-05", "2024-04-01"]),
        "Pipeline": ["Sales Pipeline"] * 5, "Associated Company IDs": [5000, 5000, 5001, 5001, 5002]})
    roles = infer_roles(deals, kind="transactions")
    assert roles.get("customer_id") == "Associated Company IDs" and roles.get("order_id") == "Record ID"
    out, notes = clean_transactions(deals)
    assert out["Record ID"].tolist() == [800, 803]
    assert _revenue(out) == {5000: 40000.0, 5001: 7000.0}
    assert notes == ("Counted only the 2 won deals of 5 rows ('Deal Stage' is 'Closed won'); the 1 lost and 2 still "
                     "open or in no stage bring no revenue.",)
    # Pipedrive: open / won / lost in "Deal - Status"; no won deal at all leaves the rows alone.
    pipedrive = pd.DataFrame({"Deal - ID": [1, 2, 3], "Deal - Status": ["won", "lost", "open"],
                              "Deal - Value": [10.0, 20.0, 30.0], "Deal - Organization": ["o1", "o2", "o3"]})
    assert clean_transactions(pipedrive)[0]["Deal - ID"].tolist() == [1]
    none_won = deals.assign(**{"Deal Stage": ["Contract sent"] * 5})
    assert clean_transactions(none_won) == (none_won, ())


@pytest.fixture
def paddle():
    """Paddle Billing transactions: Total with tax in the buyer's currency, Earnings in the one balance currency."""
    return pd.DataFrame({
        "Transaction ID": ["txn_1", "txn_2", "txn_3", "txn_4"], "Status": ["completed"] * 3 + ["past_due"],
        "Customer ID": ["ctm_1", "ctm_1", "ctm_2", "ctm_2"],
        "Billed At": pd.to_datetime(["2024-01-22", "2024-02-22", "2024-01-10", "2024-02-10"]),
        "Currency Code": ["EUR", "EUR", "JPY", "JPY"], "Subtotal": [27.78, 27.78, 1500.0, 1500.0],
        "Tax": [5.56, 5.56, 300.0, 300.0], "Total": [33.34, 33.34, 1800.0, 1800.0],
        "Balance Currency": ["USD"] * 4, "Fee": [2.0, 2.0, 1.0, 1.0], "Earnings": [28.0, 28.0, 9.0, 0.0]})


def test_paddle_revenue_is_earnings_in_the_balance_currency_billed_at(paddle):
    roles = infer_roles(paddle, kind="transactions")
    assert roles.get("transaction_date") == "Billed At"
    out, notes = clean_transactions(paddle)
    assert infer_roles(out, kind="transactions").get("amount") == "amount (net)"
    assert _revenue(out) == {"ctm_1": 56.0, "ctm_2": 9.0}
    assert notes[0] == ("Amounts in 'Total' are in 2 currencies (eur, jpy) in column 'Currency Code', so revenue uses "
                        "'Earnings', which holds them in one currency.")
    # Earnings in several balance currencies are no better than the Total: the warning stays.
    mixed = paddle.assign(**{"Balance Currency": ["USD", "USD", "EUR", "EUR"]})
    assert clean_transactions(mixed)[1][0].startswith("Warning: amounts in 'Total' are in 2 currencies")


def test_the_currency_warning_follows_the_amount_the_user_maps(paddle):
    mixed = paddle.drop(columns=["Earnings"])
    out, notes = clean_transactions(mixed)
    warning = "Warning: amounts in 'Total' are in 2 currencies (eur, jpy) in column 'Currency Code'"
    assert notes[0].startswith(warning)
    assert notes_for_amount(notes, out, "Subtotal")[-1].startswith(warning.replace("'Total'", "'Subtotal'"))
    assert notes_for_amount(notes, out, None) == ()
    cleaned, cleaned_notes = clean_transactions(paddle)
    assert currency_warning(cleaned, "amount (net)") is None  # made from Earnings
    assert currency_warning(cleaned, "Earnings") is None
    assert currency_warning(cleaned, "Total") == (
        f"{warning} and are added as they are, so revenue mixes currencies. Map 'amount (net)', which holds one "
        "currency, as the amount instead.")
    assert notes_for_amount(cleaned_notes, cleaned, "Total")[-1].startswith(warning)
    assert notes_for_amount(cleaned_notes, cleaned, "amount (net)") == cleaned_notes


def test_billing_exports_ids_before_emails_and_never_a_plan_for_the_company():
    chargebee = pd.DataFrame({"customers.id": ["AzZ00cb", "AzZ01cb"], "customers.first_name": ["F0", "F1"],
                              "customers.email": ["u0@co0.com", "u1@co1.com"], "customers.company": ["Co 0", "Co 1"]})
    roles = infer_roles(chargebee)
    assert roles.get("customer_id") == "customers.id" and roles.get("company") == "customers.company"
    assert infer_roles(chargebee.drop(columns=["customers.id"])).get("customer_id") == "customers.email"
    contacts = pd.DataFrame({"Email": ["a@x.io", "b@y.io"], "Record ID": [11, 12], "First Name": ["Ann", "Bo"]})
    assert infer_roles(contacts).get("customer_id") == "Record ID"
    assert infer_roles(contacts).get("company") is None  # a first name is no company
    recurly = pd.DataFrame({"subscription_id": ["s0", "s1", "s2"], "account_code": ["acct-0", "acct-1", "acct-2"],
                            "plan_code": ["basic", "pro", "basic"], "plan_name": ["Basic Monthly", "Pro", "Basic"]})
    roles = infer_roles(recurly)
    assert roles.get("customer_id") == "account_code" and roles.get("company") is None
    assert roles.get("plan") == "plan_name"
    events = pd.DataFrame({"event": ["Upload", "Share"], "distinct_id": ["113900", "113031"],
                           "time": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    assert infer_roles(events, kind="events").get("customer_id") == "distinct_id"


def test_a_mixpanel_time_column_is_the_event_date():
    events = pd.DataFrame({"event": ["Login", "Share"], "distinct_id": [113900, 113031],
                           "time": pd.to_datetime(["2024-12-24 06:45:28", "2023-07-27 04:57:26"])})
    assert infer_roles(events, kind="events").get("event_date") == "time"


# -- outcome kinds and tenure in months (issue 11, items 4 and 5) ---------------------------------------------

def test_the_outcome_carries_its_kind_which_the_user_can_change():
    frame = pd.DataFrame({"ID": ["1", "2", "3", "4"], "Income": [1.0, 2.0, 3.0, 4.0], "Response": [0, 1, 0, 0],
                          "Flag": ["yes", "no", "no", "yes"]})
    roles = infer_roles(frame, kind="customers")
    assert roles.get("outcome") == "Response" and roles.outcome_kind == "response"
    assert roles.to_dict()["outcome_kind"] == "response"
    assert roles.with_outcome_kind("churn").outcome_kind == "churn"
    with pytest.raises(DataError, match="Unknown outcome kind"):
        roles.with_outcome_kind("refund")
    # Moved to a column whose name says nothing, the outcome keeps its kind; unmapped, it has none.
    assert roles.with_role("outcome", "Flag").outcome_kind == "response"
    assert roles.with_role("outcome", None).outcome_kind is None
    assert roles.with_role("plan", "Response").outcome_kind is None  # the column took another role
    with pytest.raises(DataError, match="No column is mapped as the outcome"):
        roles.with_role("outcome", None).with_outcome_kind("churn")


@pytest.mark.parametrize(("name", "values", "months"), [
    ("tenure", [0, 1, 34, 72, 45], True),  # IBM Telco: months, 0-72
    ("Tenure (months)", [0, 5, 400], True),  # the name says months: any whole number of them
    ("months_active", [3, 14, 2], True),
    ("tenure", [0, 12, 400, 1800], False),  # days, by their range
    ("tenure", [0.5, 1.5, 2.0], False),  # not whole months
    ("tenure", [-1, 3, 5], False),
    ("tenure_days", [0, 3, 5], False),  # another unit by name (the customer table's own column)
    ("tenure_years", [0, 3, 5], False),
])
def test_tenure_in_months_is_recognised_by_name_and_range(name, values, months):
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(len(values))], name: values})
    roles = infer_roles(frame, kind="customers")
    assert (roles.get("tenure_months") == name) is months
    assert name in roles.candidates()  # still a variable to segment on


def test_a_mostly_constant_attribute_keeps_each_customers_most_frequent_value():
    # 40 customers with two orders each from one country; A ties (UK, then France), B mostly UK.
    rows = [(f"c{i}", f"O{i}-{j}", "France" if i % 2 else "Germany") for i in range(40) for j in range(2)]
    rows += [("A", "OA1", "United Kingdom"), ("A", "OA2", "France"),
             ("B", "OB1", "France"), ("B", "OB2", "United Kingdom"), ("B", "OB3", "United Kingdom")]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "Country"])
    customers = customers_from_transactions(frame, customer_id="customer_id").set_index("customer_id")
    assert customers.loc["A", "Country"] == "United Kingdom"  # a tie: the first seen
    assert customers.loc["B", "Country"] == "United Kingdom"  # the most frequent, not the first
    assert customers.loc["c1", "Country"] == "France" and customers.attrs["mostly_constant"] == {"Country": 2}
    assert "order_id" not in customers.columns  # a value per order describes the orders
    # Changing for more than 5% of the customers with several rows, it describes purchases: left out.
    moved = pd.concat([frame, pd.DataFrame({"customer_id": ["c0", "c2", "c4"], "order_id": ["X0", "X2", "X4"],
                                            "Country": ["Spain"] * 3})])
    assert "Country" not in customers_from_transactions(moved, customer_id="customer_id").columns


def test_every_role_is_written_as_people_write_it():
    from segmentation.roles import ROLE_LABELS, ROLES, role_label

    assert set(ROLE_LABELS) == set(ROLES)  # a new role needs its label
    assert role_label("mrr") == "MRR" and role_label("customer_id") == "Customer id"
    assert role_label("signup_date") == "Signup date" and role_label("converted") == "Converted to paid"
    # In a sentence: lower case, acronyms kept.
    assert role_label("signup_date", in_sentence=True) == "signup date"
    assert role_label("mrr", in_sentence=True) == "MRR"
    # A role the list does not know yet still reads right: words, acronyms in capitals.
    assert role_label("arr_usd") == "ARR usd" and role_label("nps_score") == "NPS score"
    assert role_label("ltv") == "LTV" and role_label(None) == role_label("") == ""
    assert "Mrr" not in {role_label(role) for role in ROLES}  # never the title-cased key
