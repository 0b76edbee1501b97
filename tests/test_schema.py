import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.schema import customers_from_transactions, infer_roles, quality_summary, with_derived_amount


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
    assert roles.get("mrr") is None and roles.get("outcome") is None


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
    assert roles.get("customer_id") is None  # unknown name: the user maps it; a wrong guess would mislead
