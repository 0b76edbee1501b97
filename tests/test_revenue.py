"""MRR movements (segmentation.revenue): each movement on hand-made invoices, the identity on random data,
service periods, returns, splits, the unfinished month and the messages for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.io import load_table
from segmentation.result import Segmentation
from segmentation.revenue import MOVEMENTS, movements_from_frame, mrr_movements


def _invoices(rows, columns=("customer", "date", "amount")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _moves(frame, **options):
    return movements_from_frame(frame, customer_id="customer", date="date", amount="amount", **options)


def _month(moves, month, split=None) -> pd.Series:
    table = moves.table if split is None else moves.table[moves.table["split"] == split]
    return table.set_index("month").loc[pd.Timestamp(month)]


def _identity_gaps(table: pd.DataFrame) -> np.ndarray:
    """MRR(m) - [MRR(m-1) + new + expansion + reactivation - contraction - churned], per row."""
    keys = ["split"] if "split" in table else []
    before = table.groupby(keys)["mrr"].shift(1).fillna(0) if keys else table["mrr"].shift(1).fillna(0)
    explained = before + table["new"] + table["expansion"] + table["reactivation"] - table["contraction"] \
        - table["churned"]
    return (table["mrr"] - explained).to_numpy()


# -- each movement on invoices made by hand --------------------------------------------------------------------

# a: new 100 in Jan, expands to 150 in Feb, contracts to 120 in Mar, churns in Apr.
# b: new 50 in Jan, churns in Feb (no invoice), reactivates at 70 in Mar, stays in Apr.
HAND = _invoices([("a", "2024-01-05", 100), ("a", "2024-02-05", 150), ("a", "2024-03-05", 120),
                  ("b", "2024-01-10", 50), ("b", "2024-03-10", 70), ("b", "2024-04-30", 70)])


def test_each_movement_kind_lands_in_its_month():
    moves = _moves(HAND)
    table = moves.table.set_index("month")
    assert list(table.index.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert table["mrr"].tolist() == [150, 150, 190, 70]
    assert dict(_month(moves, "2024-01")[list(MOVEMENTS)]) == {"new": 150, "expansion": 0, "contraction": 0,
                                                                "churned": 0, "reactivation": 0}
    assert dict(_month(moves, "2024-02")[list(MOVEMENTS)]) == {"new": 0, "expansion": 50, "contraction": 0,
                                                                "churned": 50, "reactivation": 0}
    assert dict(_month(moves, "2024-03")[list(MOVEMENTS)]) == {"new": 0, "expansion": 0, "contraction": 30,
                                                                "churned": 0, "reactivation": 70}
    assert dict(_month(moves, "2024-04")[list(MOVEMENTS)]) == {"new": 0, "expansion": 0, "contraction": 0,
                                                                "churned": 120, "reactivation": 0}
    assert np.allclose(_identity_gaps(moves.table), 0)


def test_quick_ratio_is_gains_over_losses_and_never_infinite():
    table = _moves(HAND).table.set_index("month")["quick_ratio"]
    assert np.isnan(table[pd.Timestamp("2024-01")])  # nothing lost: no ratio, not inf
    assert table[pd.Timestamp("2024-02")] == pytest.approx(50 / 50)
    assert table[pd.Timestamp("2024-03")] == pytest.approx(70 / 30)
    assert table[pd.Timestamp("2024-04")] == 0


def test_the_movement_rows_name_the_customers_with_mrr_before_and_after():
    moves = _moves(HAND)
    churn = moves.customers_behind("2024-02", "churned")
    assert churn[["customer", "mrr_before", "mrr_after", "change"]].values.tolist() == [["b", 50, 0, -50]]
    back = moves.customers_behind("2024-03", "reactivation")
    assert back[["customer", "mrr_before", "mrr_after"]].values.tolist() == [["b", 0, 70]]
    assert moves.customers_behind("2024-03", "contraction")["customer"].tolist() == ["a"]
    with pytest.raises(DataError, match="Unknown movement 'upgrade'"):
        moves.customers_behind("2024-03", "upgrade")
    with pytest.raises(DataError, match="2023-05 is not a month of these figures"):
        moves.customers_behind("2023-05", "new")


def test_several_invoices_in_a_month_add_up_and_equal_amounts_are_no_movement():
    frame = _invoices([("a", "2024-01-01", 10.1), ("a", "2024-01-20", 20.2), ("a", "2024-02-03", 20.2),
                       ("a", "2024-02-04", 10.1), ("a", "2024-03-31", 30.3)])
    moves = _moves(frame)
    assert moves.table["mrr"].round(6).tolist() == [30.3, 30.3, 30.3]
    assert set(moves.movements["movement"]) == {"new"}  # 10.1 + 20.2 in another order is no expansion


# -- where the MRR comes from ------------------------------------------------------------------------------------

def test_an_annual_invoice_is_spread_over_its_service_period():
    frame = pd.DataFrame({"customer": ["a", "b"], "date": pd.to_datetime(["2024-01-03", "2024-01-10"]),
                          "amount": [1200.0, 100.0],
                          "start": pd.to_datetime(["2024-01-01", "2024-01-10"]),
                          "end": pd.to_datetime(["2024-12-31", "2024-02-09"])})
    moves = _moves(frame, service_start="start", service_end="end", as_of="2024-12-31")
    table = moves.table.set_index("month")
    assert len(table) == 12 and table["complete"].all()
    assert table.loc[pd.Timestamp("2024-01"), "mrr"] == pytest.approx(200)
    assert table.loc[pd.Timestamp("2024-02"), "mrr"] == pytest.approx(100)  # b's month-long invoice ran out
    assert table.loc[pd.Timestamp("2024-02"), "churned"] == pytest.approx(100)
    assert np.allclose(table.loc[pd.Timestamp("2024-02"):, "mrr"], 100)
    assert "service period" in moves.source
    # Dated in the month only, the same invoice is 1,200 of MRR in January and churn in February.
    dated = _moves(frame[["customer", "date", "amount"]], as_of="2024-12-31").table.set_index("month")
    assert dated.loc[pd.Timestamp("2024-01"), "mrr"] == 1300
    assert dated.loc[pd.Timestamp("2024-02"), "churned"] == 1300


def test_a_billing_period_column_spreads_an_annual_invoice_by_twelve():
    frame = _invoices([("a", "2024-03-15", 1200, "annual"), ("b", "2024-03-15", 30, "monthly"),
                       ("c", "2024-03-15", 90, "quarterly")], columns=("customer", "date", "amount", "interval"))
    moves = _moves(frame, billing_period="interval", as_of="2024-06-30")
    table = moves.table.set_index("month")
    assert table["mrr"].tolist() == [100 + 30 + 30, 100 + 30, 100 + 30, 100]
    assert table.loc[pd.Timestamp("2024-04"), "churned"] == 30  # b paid one month


def test_the_dataset_maps_service_period_columns_by_their_names(tmp_path):
    path = tmp_path / "invoices.csv"
    pd.DataFrame({"invoice_id": ["i1", "i2", "i3", "i4"], "customer_id": ["a", "a", "b", "b"],
                  "invoice_date": ["2024-01-01", "2025-01-01", "2024-01-01", "2024-02-01"],
                  "amount": [1200, 1200, 50, 50], "period_start": ["2024-01-01", "2025-01-01", "2024-01-01",
                                                                   "2024-02-01"],
                  "period_end": ["2024-12-31", "2025-12-31", "2024-01-31", "2024-02-29"]}).to_csv(path, index=False)
    data = Dataset.read(transactions=path)
    roles = data.roles["transactions"]
    assert (roles.get("service_start"), roles.get("service_end")) == ("period_start", "period_end")
    table = mrr_movements(data, as_of="2025-03-31").table.set_index("month")
    assert table.loc[pd.Timestamp("2024-06"), "mrr"] == pytest.approx(100)  # a's annual invoice / 12, b gone
    assert table["reactivation"].sum() == 0  # an annual payer never churns between renewals


def test_returns_net_against_their_month():
    frame = pd.DataFrame({"customer": ["a", "a", "a", "b", "b", "b"],
                          "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-02-20", "2024-01-05",
                                                  "2024-02-05", "2024-02-07"]),
                          "amount": [100, 100, -40, 80, 80, 200],
                          "type": ["invoice", "invoice", "invoice", "invoice", "invoice", "refund"]})
    moves = _moves(frame, as_of="2024-02-29")
    february = _month(moves, "2024-02")
    # a: 100 - 40 = 60, a contraction of 40; b: a refund of 200 (written positive) outweighs 80: MRR 0, churned.
    assert february["mrr"] == 60
    assert february["contraction"] == 40 and february["churned"] == 80
    assert any("returns or cancellations" in note for note in moves.notes)


def test_a_subscriptions_export_gives_its_mrr_month_by_month(tmp_path):
    path = tmp_path / "subscriptions.csv"
    pd.DataFrame({"customer_id": ["c1", "c1", "c2", "c3"], "plan": ["Starter", "Pro", "Pro", "Starter"],
                  "started_at": ["2024-01-01", "2024-03-01", "2024-01-15", "2024-02-01"],
                  "ended_at": ["2024-03-01", "", "2024-04-01", ""],
                  "mrr": [50, 200, 200, 50]}).to_csv(path, index=False)
    data = Dataset.read(path)
    moves = mrr_movements(data)  # to the export's own as-of date: its latest start or end
    assert moves.source.startswith("the subscriptions' MRR")
    table = moves.table.set_index("month")
    assert table["mrr"].tolist() == [250, 300, 450, 250]
    assert table["complete"].tolist() == [True, True, True, False]
    assert _month(moves, "2024-03")["expansion"] == 150 and _month(moves, "2024-04")["churned"] == 200


# -- splits --------------------------------------------------------------------------------------------------

def test_split_by_a_customers_column_and_by_segments(tmp_path):
    customers = pd.DataFrame({"customer_id": ["a", "b"], "plan": ["Pro", "Basic"]})
    (tmp_path / "customers.csv").write_text(customers.to_csv(index=False))
    (tmp_path / "invoices.csv").write_text(HAND.rename(columns={"customer": "customer_id", "date": "invoice_date"})
                                           .to_csv(index=False))
    data = Dataset.read(customers=tmp_path / "customers.csv", transactions=tmp_path / "invoices.csv")
    by_plan = mrr_movements(data, split="plan")
    assert by_plan.groups == ("Basic", "Pro") and by_plan.split == "plan"
    assert _month(by_plan, "2024-02", "Pro")["expansion"] == 50 and _month(by_plan, "2024-02", "Basic")["churned"] == 50
    assert np.allclose(_identity_gaps(by_plan.table), 0)
    pd.testing.assert_frame_equal(by_plan.total(), mrr_movements(data).table)
    seg = Segmentation(method="rules", labels=pd.Series(["Big", "Small"], index=["a", "b"]), segments=("Big", "Small"),
                       variables=("mrr",))
    by_segment = mrr_movements(data, split=seg)
    assert by_segment.split == "segment" and by_segment.groups == ("Big", "Small")
    assert by_segment.customers_behind("2024-03", "reactivation", "Small")["customer"].tolist() == ["b"]
    assert by_segment.customers_behind("2024-03", "reactivation", "Big").empty
    with pytest.raises(DataError, match="no column 'tier'"):
        mrr_movements(data, split="tier")


def test_downgrades_per_segment_count_who_contracted_and_the_mrr_lost():
    frame = _invoices([("a", "2024-01-05", 100), ("a", "2024-02-05", 60), ("a", "2024-03-05", 60),
                       ("b", "2024-01-05", 100), ("b", "2024-02-05", 100), ("b", "2024-03-05", 90),
                       ("c", "2024-01-05", 40), ("c", "2024-02-05", 40), ("c", "2024-03-31", 40)])
    split = pd.Series({"a": "Self-serve", "b": "Sales", "c": "Self-serve"}, name="channel")
    moves = _moves(frame, split=split)
    down = moves.downgrades().set_index("split")
    assert down.loc["Self-serve", ["customers", "downgraded", "mrr_lost"]].tolist() == [2, 1, 40]
    assert down.loc["Sales", ["customers", "downgraded", "mrr_lost"]].tolist() == [1, 1, 10]
    assert down.index[0] == "Self-serve"  # the biggest loss first
    assert down.loc["Self-serve", "downgrade_rate"] == 0.5


# -- the unfinished month ------------------------------------------------------------------------------------

def test_the_unfinished_last_month_is_flagged():
    moves = _moves(HAND.iloc[:-1].pipe(lambda f: pd.concat([f, _invoices([("b", "2024-04-10", 70)])])))
    assert moves.as_of == pd.Timestamp("2024-04-10")
    assert moves.table["complete"].tolist() == [True, True, True, False]
    assert moves.incomplete_months == (pd.Timestamp("2024-04-01"),)
    assert any("2024-04 is not complete" in note for note in moves.notes)
    assert _moves(HAND).table["complete"].all()  # data to 30 April covers April


# -- bad input -----------------------------------------------------------------------------------------------

def test_bad_input_names_the_column():
    with pytest.raises(DataError, match="has no column 'price'.*given as the amount"):
        movements_from_frame(HAND, customer_id="customer", date="date", amount="price")
    text = HAND.assign(amount=["100", "n/a", "3", "4", "5", "6"])
    with pytest.raises(DataError, match=r"'amount' of the transactions holds text such as 'n/a' \(row 3\)"):
        _moves(text)
    with pytest.raises(DataError, match="holds no amounts"):
        _moves(HAND.assign(amount=np.nan))
    with pytest.raises(DataError, match="needs both its start and its end"):
        _moves(HAND.assign(start=HAND["date"]), service_start="start")


def test_a_dataset_without_money_says_what_is_needed(tmp_path):
    path = tmp_path / "customers.csv"
    pd.DataFrame({"customer_id": ["a", "b"], "mrr": [10, 20], "plan": ["x", "y"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="one MRR per customer, which says nothing about how it moved"):
        mrr_movements(Dataset.read(customers=path))
    events = load_table(b"user_id,date\na,2024-01-01\na,2024-01-02\nb,2024-01-03\nb,2024-01-04\n", name="events.csv")
    with pytest.raises(DataError, match="There is no money column"):
        mrr_movements(Dataset.read(events=events))


# -- the identity on random data -----------------------------------------------------------------------------

@st.composite
def _random_invoices(draw):
    n = draw(st.integers(1, 40))
    customers = draw(st.lists(st.sampled_from("abcdefg"), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    amounts = draw(st.lists(st.one_of(st.integers(-50, 300).map(float),
                                      st.floats(0.01, 500, allow_nan=False).map(lambda x: round(x, 2))),
                            min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["X", "Y"]), min_size=7, max_size=7))
    frame = pd.DataFrame({"customer": customers,
                          "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D"),
                          "amount": amounts})
    return frame, pd.Series(groups, index=list("abcdefg"), name="g")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_invoices())
def test_the_identity_holds_on_random_invoices_for_every_month_and_split(case):
    frame, groups = case
    if not (frame["amount"] > 0).any():
        return
    try:
        whole = _moves(frame)
    except DataError:  # every month's returns outweigh its payments: nothing to follow
        return
    assert np.allclose(_identity_gaps(whole.table), 0, atol=1e-6)
    assert (whole.table[list(MOVEMENTS)] >= 0).all().all()
    split = _moves(frame, split=groups)
    assert np.allclose(_identity_gaps(split.table), 0, atol=1e-6)
    pd.testing.assert_frame_equal(split.total()[["month", "mrr", *MOVEMENTS]],
                                  whole.table[["month", "mrr", *MOVEMENTS]], atol=1e-6)
    # Every customer's movement rows chain: each starts where the one before ended.
    for _, rows in whole.movements.groupby("customer"):
        after = rows.sort_values("month")["mrr_after"].to_numpy()[:-1]
        before = rows.sort_values("month")["mrr_before"].to_numpy()[1:]
        gaps = rows.sort_values("month")["movement"].to_numpy()[1:] == "reactivation"
        assert np.allclose(np.where(gaps, 0, after - before), 0, atol=1e-6)
