"""Subscription exports (one row per subscription) rolled up to customers and monthly MRR."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.cohorts import cohort_table
from segmentation.errors import DataError
from segmentation.features import build_customer_table
from segmentation.roles import infer_roles
from segmentation.subscriptions import (
    Rollup,
    SubscriptionColumns,
    looks_like_subscriptions,
    rollup,
    subscription_columns,
)

NaT = pd.NaT
T = pd.Timestamp


def _subs(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_uuid", "customer_name", "plan", "started_at", "ended_at", "mrr",
                                        "status"])
    for column in ("started_at", "ended_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# Hand-made: A upgrades in March; B churns in February and comes back in April; C churned on 1 May;
# D has an add-on from mid-March to 10 May; F churned with two subscriptions ending together;
# E's only row ends before it starts.
SUBS = _subs([
    ("00017", "Acme", "Starter", "2024-01-10", "2024-03-20", 100.0, "churned"),
    ("00017", "Acme", "Pro", "2024-03-20", None, 250.0, "active"),
    ("B", "Beta", "Starter", "2024-01-05", "2024-02-15", 50.0, "churned"),
    ("B", "Beta", "Starter", "2024-04-01", None, 80.0, "active"),
    ("C", "Cobalt", "Pro", "2024-02-01", "2024-05-01", 300.0, "churned"),
    ("D", "Delta", "Pro", "2024-01-01", None, 100.0, "active"),
    ("D", "Delta", "Add-on", "2024-03-15", "2024-05-10", 20.0, "churned"),
    ("E", "Echo", "Pro", "2024-03-01", "2024-02-01", 90.0, "churned"),
    ("F", "Foxtrot", "Pro", "2024-01-01", "2024-04-15", 60.0, "churned"),
    ("F", "Foxtrot", "Seats", "2024-02-01", "2024-04-15", 40.0, "churned"),
])
COLUMNS = dict(customer_id="customer_uuid", start="started_at", end="ended_at", mrr="mrr", plan="plan")


@pytest.fixture(scope="module")
def rolled() -> Rollup:
    return rollup(SUBS, **COLUMNS, as_of="2024-06-30", name="subs.csv")


def test_one_row_per_customer_with_hand_computed_dates_mrr_and_plan(rolled):
    got = rolled.customers.set_index("customer_uuid")
    assert list(got.index) == ["00017", "B", "C", "D", "F"]  # first appearance; E has no usable row
    assert list(rolled.customers.columns) == ["customer_uuid", "customer_name", "signup_date", "churn_date", "mrr",
                                              "plan", "subscriptions"]
    expected = pd.DataFrame({
        "signup_date": [T("2024-01-10"), T("2024-01-05"), T("2024-02-01"), T("2024-01-01"), T("2024-01-01")],
        "churn_date": [NaT, NaT, T("2024-05-01"), NaT, T("2024-04-15")],
        # upgraded: the new price; back after churning: the new subscription; churned: the last MRR;
        # the add-on ended: the main one only; two ending together: both.
        "mrr": [250.0, 80.0, 300.0, 100.0, 100.0],
        "plan": ["Pro", "Starter", "Pro", "Pro", "Seats"],
        "subscriptions": [2, 2, 1, 2, 2],
    }, index=pd.Index(["00017", "B", "C", "D", "F"], name="customer_uuid"))
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)
    assert got.loc["00017", "customer_name"] == "Acme"  # one name per customer comes along
    assert "status" not in got.columns  # differs between a customer's rows: it describes subscriptions
    assert rolled.as_of == T("2024-06-30") and rolled.subscriptions == 9 and rolled.left_out == 1


def test_notes_say_what_was_rolled_up_and_name_the_row_left_out(rolled):
    assert rolled.notes[0].startswith("One row per subscription: rolled up to 5 customers (9 subscriptions) as of "
                                      "2024-06-30")
    assert "(2 churned, 3 active)" in rolled.notes[0]
    # E is the 8th data row: spreadsheet row 9 under the header.
    assert any("1 row(s) of subs.csv end ('ended_at') before they start ('started_at') (first on row 9)" in n
               for n in rolled.notes)


def test_monthly_mrr_counts_an_upgrade_once_skips_the_gap_and_adds_up_add_ons(rolled):
    monthly = rolled.monthly
    assert list(monthly.columns) == ["customer_uuid", "month", "mrr"]

    def months(customer):
        rows = monthly[monthly["customer_uuid"] == customer]
        return {f"{m:%Y-%m}": v for m, v in zip(rows["month"], rows["mrr"])}

    # Upgrade on 20 March: March counts once, at the new price.
    assert months("00017") == {"2024-01": 100, "2024-02": 100, "2024-03": 250, "2024-04": 250, "2024-05": 250,
                               "2024-06": 250}
    # Churned mid-February, back in April: no March.
    assert months("B") == {"2024-01": 50, "2024-02": 50, "2024-04": 80, "2024-05": 80, "2024-06": 80}
    # Ended on 1 May: last ran on 30 April.
    assert months("C") == {"2024-02": 300, "2024-03": 300, "2024-04": 300}
    # Add-on from 15 March to 10 May: March and April add up; in May it had ended by the month's end.
    assert months("D") == {"2024-01": 100, "2024-02": 100, "2024-03": 120, "2024-04": 120, "2024-05": 100,
                           "2024-06": 100}
    assert months("F") == {"2024-01": 60, "2024-02": 100, "2024-03": 100, "2024-04": 100}
    assert monthly["month"].dt.day.eq(1).all() and len(monthly) == 6 + 5 + 3 + 6 + 4


def test_the_as_of_date_defaults_to_the_latest_start_or_end_and_decides_who_churned():
    latest = rollup(SUBS, **COLUMNS)
    assert latest.as_of == T("2024-05-10")  # D's add-on ended last
    assert "the latest start or end date in the file" in latest.notes[0]
    earlier = rollup(SUBS, **COLUMNS, as_of="2024-03-31").customers.set_index("customer_uuid")
    # On 31 March B was between subscriptions (churned on 15 February); C still ran; the later start of B is left out.
    assert earlier.loc["B", "churn_date"] == T("2024-02-15") and earlier.loc["B", "mrr"] == 50
    assert pd.isna(earlier.loc["C", "churn_date"]) and earlier.loc["D", "mrr"] == 120
    assert earlier.loc["B", "subscriptions"] == 1


def test_monthly_table_feeds_cohorts_and_rfm_with_hand_computed_retention():
    subs = _subs([
        ("X", "Xeno", "Starter", "2024-01-10", "2024-02-10", 100.0, "churned"),
        ("X", "Xeno", "Pro", "2024-02-10", None, 200.0, "active"),
        ("Y", "Yoke", "Starter", "2024-01-05", "2024-02-01", 100.0, "churned"),
    ])
    result = rollup(subs, **COLUMNS, as_of="2024-03-31")
    cohorts = cohort_table(result.monthly, customer_id="customer_uuid", date="month", amount="mrr", min_customers=1)
    jan = cohorts.table[cohorts.table["cohort"] == T("2024-01-01")].set_index("period")
    # Period 0: both pay 100. Then only X, at 200: half the logos, all the revenue.
    assert jan["retention"].tolist() == [1.0, 0.5, 0.5]
    assert jan["revenue"].tolist() == [200.0, 200.0, 200.0]
    assert jan["revenue_retention"].tolist() == [1.0, 1.0, 1.0]
    table = build_customer_table(result.customers, customer_id="customer_uuid", transactions=result.monthly,
                                 transaction_roles={"customer_id": "customer_uuid", "transaction_date": "month",
                                                    "amount": "mrr"}).frame
    assert table.loc["X", "frequency"] == 3 and table.loc["X", "monetary"] == 500
    assert table.loc["Y", "frequency"] == 1 and table.loc["Y", "monetary"] == 100
    assert bool(table.loc["Y", "churn_date"] == T("2024-02-01"))


def _reference(frame: pd.DataFrame, as_of: pd.Timestamp) -> tuple[dict, dict]:
    """The definitions, one customer and one month at a time (slow, obvious)."""
    instant = as_of + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    customers, monthly = {}, {}
    for customer, rows in frame.groupby("customer_uuid"):
        rows = rows[(rows["ended_at"].isna() | (rows["ended_at"] >= rows["started_at"]))
                    & (rows["started_at"] <= instant)]
        if rows.empty:
            continue
        ends = rows["ended_at"].fillna(T.max)
        running = ends > instant
        last_end = rows["ended_at"].max()
        current = running if running.any() else rows["ended_at"] == last_end
        customers[customer] = (rows["started_at"].min(), NaT if running.any() else last_end,
                               float(rows.loc[current, "mrr"].sum()))
        for month in pd.date_range(rows["started_at"].min().replace(day=1), instant, freq="MS"):
            month_end = month + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns")
            lasts = [min(e - pd.Timedelta(1, "ns"), month_end, instant) for e in ends]
            ran = [(s <= last and last >= month) for s, last in zip(rows["started_at"], lasts)]
            if not any(ran):
                continue
            moment = max(last for last, r in zip(lasts, ran) if r)
            at_moment = (rows["started_at"] <= moment) & (ends > moment)
            monthly[(customer, month)] = float(rows.loc[at_moment, "mrr"].sum())
    return customers, monthly


def test_vectorised_rollup_matches_the_definitions_on_random_subscriptions():
    rng = np.random.default_rng(4)
    n = 240
    start = T("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), "D")
    end = (start + pd.to_timedelta(rng.integers(0, 400, n), "D")).where(rng.random(n) < 0.7)
    frame = pd.DataFrame({"customer_uuid": rng.choice([f"c{i}" for i in range(60)], n), "customer_name": "x",
                          "plan": "p", "started_at": start, "ended_at": end,
                          "mrr": rng.choice([10.0, 25.0, 99.0], n), "status": "s"})
    as_of = T("2024-04-30")
    result = rollup(frame, **COLUMNS, as_of=as_of)
    customers, monthly = _reference(frame, as_of)
    got = result.customers.set_index("customer_uuid")
    assert sorted(got.index) == sorted(customers)
    for customer, (signup, churn, mrr) in customers.items():
        assert got.loc[customer, "signup_date"] == signup
        assert (pd.isna(churn) and pd.isna(got.loc[customer, "churn_date"])) or got.loc[customer, "churn_date"] == churn
        assert got.loc[customer, "mrr"] == pytest.approx(mrr)
    got_monthly = {(c, m): v for c, m, v in result.monthly.itertuples(index=False)}
    assert got_monthly.keys() == monthly.keys()
    assert all(got_monthly[k] == pytest.approx(v) for k, v in monthly.items())


# -- recognising an export -------------------------------------------------------------------------------


def test_a_chartmogul_export_is_recognised_from_its_columns_and_values():
    roles = infer_roles(SUBS, kind="customers")
    assert subscription_columns(SUBS, roles) == SubscriptionColumns(
        customer_id="customer_uuid", start="started_at", mrr="mrr", end="ended_at", plan="plan")
    assert looks_like_subscriptions(SUBS, roles)
    assert looks_like_subscriptions(SUBS, infer_roles(SUBS, kind="transactions"))


@pytest.mark.parametrize("change, why", [
    (lambda f: f.drop_duplicates("customer_uuid"), "every id once: a customers table"),
    (lambda f: pd.concat([f.drop_duplicates("customer_uuid")] * 2), "repeated ids are copies of one row"),
    (lambda f: f.rename(columns={"started_at": "signup_date"}), "no date named as a start"),
    (lambda f: f.rename(columns={"started_at": "trial_start"}), "a trial's start is not the subscription's"),
    (lambda f: f.rename(columns={"started_at": "current_period_start"}), "a billing period's start neither"),
    (lambda f: f.drop(columns="mrr"), "no money column"),
    (lambda f: f.assign(mrr=f["mrr"].astype(str) + " USD"), "money that is not numbers"),
])
def test_other_tables_are_not_taken_for_subscriptions(change, why):
    frame = change(SUBS)
    assert not looks_like_subscriptions(frame, infer_roles(frame, kind="customers")), why


def test_a_stripe_export_amount_per_interval_becomes_monthly():
    frame = pd.DataFrame({
        "id": ["sub_1", "sub_2", "sub_3"],
        "Customer ID": ["cus_A", "cus_A", "cus_B"],
        "Plan": ["basic", "annual", "basic"],
        "Interval": ["month", "year", "month"],
        "Amount": [30.0, 1200.0, 50.0],
        "Created (UTC)": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
        "Start (UTC)": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
        "Current Period Start (UTC)": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-05-01"]),
        "Canceled At (UTC)": pd.to_datetime(["2024-02-20", None, None]),
        "Ended At (UTC)": pd.to_datetime(["2024-03-01", None, None]),
    })
    columns = subscription_columns(frame, infer_roles(frame, kind="customers"))
    assert columns == SubscriptionColumns(customer_id="Customer ID", start="Start (UTC)", mrr="Amount",
                                          end="Ended At (UTC)", plan="Plan", interval="Interval")
    result = rollup(frame, customer_id=columns.customer_id, start=columns.start, end=columns.end, mrr=columns.mrr,
                    plan=columns.plan, interval=columns.interval, as_of="2024-05-31")
    assert result.customers.set_index("Customer ID")["mrr"].to_dict() == {"cus_A": 100.0, "cus_B": 50.0}
    assert any("amount per billing interval" in n for n in result.notes)


# -- bad input -----------------------------------------------------------------------------------------------


def test_ids_stay_text_as_written_and_the_input_is_not_changed():
    frame = SUBS.assign(customer_uuid=[17, 17, 2, 2, 3, 4, 4, 5, 6, 6])
    before = frame.copy()
    result = rollup(frame, **COLUMNS, as_of="2024-06-30")
    assert result.customers["customer_uuid"].tolist() == ["17", "2", "3", "4", "6"]
    assert result.monthly["customer_uuid"].iloc[0] == "17"
    pd.testing.assert_frame_equal(frame, before)
    assert rollup(SUBS, **COLUMNS).customers["customer_uuid"].iloc[0] == "00017"


def test_unreadable_and_missing_cells_are_counted_and_named_by_row():
    frame = SUBS.astype({"started_at": object, "mrr": object})
    frame.loc[2, "started_at"] = "soon"
    frame.loc[5, "customer_uuid"] = None
    frame.loc[3, "mrr"] = None
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)  # an exact copy of the first row
    result = rollup(frame, **COLUMNS, as_of="2024-06-30", name="subs.csv", row_numbers=np.arange(len(frame)) + 5)
    notes = " ".join(result.notes)
    assert "1 row(s) of subs.csv have no customer id in column 'customer_uuid' (first on row 10)" in notes
    assert "1 row(s) of subs.csv have no readable start date in column 'started_at' (first on row 7)" in notes
    assert "1 row(s) of subs.csv repeat an earlier row exactly (first on row 15)" in notes
    assert "1 subscription(s) of subs.csv have no MRR in column 'mrr' (first on row 8); they count as 0." in notes
    assert result.left_out == 4
    assert result.customers.set_index("customer_uuid").loc["B", "mrr"] == 0.0


def test_nothing_usable_or_wrong_columns_raise_a_sentence_naming_file_column_and_row():
    backwards = SUBS.assign(ended_at=SUBS["started_at"] - pd.Timedelta(days=1))
    with pytest.raises(DataError, match=r"No subscription of subs.csv can be used: row 2 ends \('ended_at'\) before "
                                        r"it starts \('started_at'\)"):
        rollup(backwards, **COLUMNS, name="subs.csv")
    with pytest.raises(DataError, match=r"subs.csv has no column 'start_date' \(taken as the subscription start\)"):
        rollup(SUBS, **{**COLUMNS, "start": "start_date"}, name="subs.csv")
    with pytest.raises(DataError, match=r"Column 'mrr' of subs.csv holds numbers such as 100.0 \(row 2\), not dates"):
        rollup(SUBS, **{**COLUMNS, "start": "mrr", "mrr": None}, name="subs.csv")
    with pytest.raises(DataError, match=r"Column 'plan' of subs.csv holds no numbers \('Starter' on row 2\)"):
        rollup(SUBS, **{**COLUMNS, "mrr": "plan", "plan": None}, name="subs.csv")
    with pytest.raises(DataError, match="starts after the as-of date 2023-01-01"):
        rollup(SUBS, **COLUMNS, as_of="2023-01-01")
    with pytest.raises(DataError, match="has no rows"):
        rollup(SUBS.iloc[:0], **COLUMNS)


def test_without_end_mrr_or_plan_columns_only_what_the_file_says_comes_out():
    result = rollup(SUBS, customer_id="customer_uuid", start="started_at", as_of="2024-02-29")
    assert list(result.customers.columns) == ["customer_uuid", "customer_name", "signup_date", "subscriptions"]
    assert list(result.monthly.columns) == ["customer_uuid", "month"]
    # Rows starting after 29 February are left out: A's upgrade, B's return, D's add-on and E.
    assert result.customers.set_index("customer_uuid")["subscriptions"].to_dict() == {
        "00017": 1, "B": 1, "C": 1, "D": 1, "F": 2}
    assert any("4 row(s) of the subscriptions file start after the as-of date 2024-02-29" in n for n in result.notes)
    assert "every customer counts as active" in result.notes[0]


# -- the app's glue --------------------------------------------------------------------------------------------


def test_the_dataset_rolls_up_customers_and_keeps_an_uploaded_transactions_file():
    from segmentation.io import Table
    from segmentation.tables import roll_up_subscriptions, rolled_up_export

    subs = Table(frame=SUBS, name="subs.csv", format="csv")
    invoices = Table(frame=pd.DataFrame({"customer_uuid": ["B"], "invoice_date": [T("2024-01-05")],
                                         "amount": [50.0]}), name="invoices.csv", format="csv")
    tables = {"transactions": invoices, "customers": subs}
    roles = {kind: infer_roles(t.frame, kind=kind) for kind, t in tables.items()}
    out_tables, out_roles = roll_up_subscriptions(tables, roles)
    assert list(out_tables) == ["customers", "transactions"] and out_tables["transactions"] is invoices
    assert out_tables["customers"].name == "customers of subs.csv" and len(out_tables["customers"].frame) == 5
    assert out_roles["customers"].get("customer_id") == "customer_uuid"
    assert out_roles["customers"].get("churn_date") == "churn_date" and out_roles["customers"].get("mrr") == "mrr"
    assert tables["customers"] is subs  # the inputs are not changed

    (customers, _), (monthly, monthly_roles) = rolled_up_export(subs)
    assert monthly_roles.get("transaction_date") == "month" and monthly_roles.get("amount") == "mrr"
    assert len(customers.frame) == 5 and list(monthly.frame.columns) == ["customer_uuid", "month", "mrr"]
    plain = Table(frame=SUBS.drop_duplicates("customer_uuid"), name="customers.csv", format="csv")
    assert rolled_up_export(plain) is None
    assert roll_up_subscriptions({"customers": plain}, {"customers": infer_roles(plain.frame)})[0]["customers"] is plain


def test_created_at_starts_the_subscriptions_of_a_file_with_a_subscription_id():
    frame = pd.DataFrame({
        "subscription_id": ["sub_1", "sub_2", "sub_3", "sub_4"],
        "customer_email": ["ann@x.io", "ANN@x.io", "bob@y.io", "cy@z.io"],
        "mrr": [29.0, 99.0, 29.0, 49.0],
        "created_at": pd.to_datetime(["2024-01-05", "2024-06-01", "2024-02-01", "2024-03-01"]),
        "canceled_at": pd.to_datetime(["2024-06-01", None, None, "2024-05-01"]),
    })
    columns = subscription_columns(frame, infer_roles(frame))
    assert columns is not None and (columns.start, columns.end) == ("created_at", "canceled_at")
    # Without a subscription column, "created_at" is when an account was made, not a start.
    assert subscription_columns(frame.drop(columns="subscription_id"),
                                infer_roles(frame.drop(columns="subscription_id"))) is None
