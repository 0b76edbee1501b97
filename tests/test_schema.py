import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.schema import infer_roles, quality_summary


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
