"""Cohorts: hand-computed small cases for every view, the customers-only mode, charts and the CLI."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.charts import cohorts as charts
from segmentation.cli import main
from segmentation.cohorts import (
    churn_by_period,
    cohort_table,
    cohorts_from_customers,
    layer_cake,
    ltv_curves,
    matrix,
    retention_trend,
    with_period_labels,
)
from segmentation.errors import DataError


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer", "date", "amount"])
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _cohorts(rows, **options):
    return cohort_table(_tx(rows), customer_id="customer", date="date", amount="amount", **options)


def _row(cohorts, cohort: str, **where) -> list:
    """The matrix row of one cohort (and group) as a plain list, NaN for periods not reached."""
    wide = cohorts.matrix(where.pop("metric", "retention"))
    key = (where["group"], pd.Timestamp(cohort)) if "group" in where else pd.Timestamp(cohort)
    return wide.loc[key].tolist()


# Two January customers and one February customer, observed to the end of April.
#   a: pays Jan, Feb, pauses in Mar, pays again in Apr (100 each)
#   b: pays Jan 100, expands to 250 in Feb, then leaves
#   c: starts in Feb at 50 and pays every month
PAUSE_AND_EXPAND = [
    ("a", "2024-01-05", 100), ("a", "2024-02-05", 100), ("a", "2024-04-05", 100),
    ("b", "2024-01-20", 100), ("b", "2024-02-20", 250),
    ("c", "2024-02-10", 50), ("c", "2024-03-10", 50), ("c", "2024-04-10", 50),
]


def test_a_paused_customer_counts_in_months_paid_not_in_the_gap():
    cohorts = _cohorts([("a", "2024-01-05", 100), ("a", "2024-02-05", 100), ("a", "2024-04-05", 100)])
    assert _row(cohorts, "2024-01-01") == [1.0, 1.0, 0.0, 1.0]
    assert _row(cohorts, "2024-01-01", metric="customers") == [1, 1, 0, 1]


def test_logo_and_revenue_retention_with_expansion_above_100_percent():
    cohorts = _cohorts(PAUSE_AND_EXPAND)
    assert _row(cohorts, "2024-01-01") == [1.0, 1.0, 0.0, 0.5]
    # January revenue 200; February 100 + 250 = 350 (175%) although b leaves afterwards
    assert _row(cohorts, "2024-01-01", metric="revenue_retention") == pytest.approx([1.0, 1.75, 0.0, 0.5])
    assert _row(cohorts, "2024-01-01", metric="revenue") == [200, 350, 0, 100]
    table = cohorts.table.set_index(["cohort", "period"])
    assert table.loc[(pd.Timestamp("2024-01-01"), 0), "cohort_size"] == 2


def test_the_triangle_has_no_future_periods_but_zeros_inside_the_horizon():
    cohorts = _cohorts(PAUSE_AND_EXPAND)
    wide = cohorts.matrix("customers")
    assert list(wide.columns) == [0, 1, 2, 3]
    feb = wide.loc[pd.Timestamp("2024-02-01")]
    assert feb[[0, 1, 2]].tolist() == [1, 1, 1]
    assert np.isnan(feb[3])  # May has not happened
    assert wide.loc[pd.Timestamp("2024-01-01"), 2] == 0  # March happened: nobody paid, 0 not NaN
    assert len(cohorts.table) == 4 + 3
    assert cohorts.as_of == pd.Timestamp("2024-04-10")


def test_as_of_ignores_later_rows_and_cuts_the_triangle():
    cohorts = _cohorts(PAUSE_AND_EXPAND, as_of="2024-03-31")
    assert _row(cohorts, "2024-01-01") == [1.0, 1.0, 0.0]
    assert cohorts.table["period"].max() == 2


def test_quarter_periods():
    cohorts = _cohorts(PAUSE_AND_EXPAND, period="quarter")
    # Q1 cohort: a, b, c (c's February is in Q1); Q2: only a and c pay
    assert _row(cohorts, "2024-01-01", metric="customers") == [3, 2]
    assert _row(cohorts, "2024-01-01") == pytest.approx([1.0, 2 / 3])
    # Q1 revenue: a 200, b 350, c 100 = 650; Q2: a 100, c 50 = 150
    assert _row(cohorts, "2024-01-01", metric="revenue_retention") == pytest.approx([1.0, 150 / 650])
    labels = with_period_labels(cohorts.table, "quarter")
    assert labels["cohort"].unique().tolist() == ["2024-Q1"]
    assert labels["period_start"].tolist() == ["2024-Q1", "2024-Q2"]


def test_split_by_group_labels_gives_matrices_per_group():
    labels = pd.Series({"a": "Pro", "b": "Pro", "c": "Starter"}, name="plan")
    cohorts = _cohorts(PAUSE_AND_EXPAND, split=labels)
    assert cohorts.groups == ("Pro", "Starter")
    assert cohorts.split == "plan"
    assert _row(cohorts, "2024-01-01", group="Pro") == [1.0, 1.0, 0.0, 0.5]
    assert _row(cohorts, "2024-02-01", group="Starter")[:3] == [1.0, 1.0, 1.0]
    pro = cohorts.for_group("Pro")
    assert "group" not in pro.table and pro.matrix().index.tolist() == [pd.Timestamp("2024-01-01")]
    with pytest.raises(DataError, match="Enterprise"):
        cohorts.for_group("Enterprise")


def test_customers_without_a_label_form_their_own_group_and_int_ids_match_text_labels():
    tx = _tx(PAUSE_AND_EXPAND).assign(customer=lambda d: d["customer"].map({"a": 1, "b": 2, "c": 3}).astype("int64"))
    labels = pd.Series({"1": "Pro", "2": "Pro"})
    cohorts = cohort_table(tx, customer_id="customer", date="date", split=labels)
    assert cohorts.groups == ("(none)", "Pro")
    assert _row(cohorts, "2024-02-01", group="(none)")[:3] == [1.0, 1.0, 1.0]


def test_split_by_a_column_of_the_transactions_uses_each_customers_first_value():
    tx = _tx(PAUSE_AND_EXPAND).assign(channel=["Ads", "Partner", "Partner", "Ads", "Ads", "SEO", "SEO", "SEO"])
    cohorts = cohort_table(tx, customer_id="customer", date="date", split="channel")
    assert cohorts.groups == ("Ads", "SEO")
    assert _row(cohorts, "2024-01-01", group="Ads", metric="customers") == [2, 2, 0, 1]


def test_small_cohorts_are_flagged_not_hidden():
    cohorts = _cohorts(PAUSE_AND_EXPAND, min_customers=2)
    flags = cohorts.table.drop_duplicates("cohort").set_index("cohort")["small"]
    assert flags.to_dict() == {pd.Timestamp("2024-01-01"): False, pd.Timestamp("2024-02-01"): True}
    assert cohorts.n_cohorts == 2
    assert any("1 of 2 cohorts" in note for note in cohorts.notes)
    assert _cohorts(PAUSE_AND_EXPAND).table["small"].all()  # default threshold 10


def test_signup_dates_define_cohorts_and_count_signups_who_never_paid():
    signup = pd.Series(pd.to_datetime(["2023-12-15", "2024-01-20", "2024-01-25"]), index=["a", "b", "z"])
    cohorts = _cohorts(PAUSE_AND_EXPAND, signup=signup)
    # December cohort: a (pays from its period 1); January: b and z (z never pays); February: c by first payment
    assert _row(cohorts, "2023-12-01", metric="customers") == [0, 1, 1, 0, 1]
    assert _row(cohorts, "2024-01-01")[:4] == [0.5, 0.5, 0.0, 0.0]
    assert cohorts.table.drop_duplicates("cohort")["cohort_size"].tolist() == [1, 2, 1]


def test_churn_by_period_counts_last_active_periods_that_are_known():
    cohorts = _cohorts(PAUSE_AND_EXPAND, as_of="2024-04-30")  # April observed to its end
    # b's last payment is in its period 1; a and c still pay in April (the as-of month): not churned
    by_cohort = cohorts.matrix("churned")
    assert by_cohort.loc[pd.Timestamp("2024-01-01")].tolist()[:3] == [0, 1, 0]
    assert np.isnan(by_cohort.loc[pd.Timestamp("2024-01-01"), 3])  # the as-of month cannot show churn yet
    churn = churn_by_period(cohorts).set_index("period")
    # period 1: January cohort 2 active + February cohort 1 active; one of the three left
    assert churn.loc[1, "customers"] == 3 and churn.loc[1, "churned"] == 1
    assert churn.loc[1, "churn_rate"] == pytest.approx(1 / 3)
    assert churn.loc[1, "share_of_churn"] == 1.0


def test_retention_trend_has_only_periods_a_cohort_reached():
    trend = retention_trend(_cohorts(PAUSE_AND_EXPAND, as_of="2024-04-30"), periods=(1, 3))
    assert trend[["cohort", "period", "retention"]].values.tolist() == [
        [pd.Timestamp("2024-01-01"), 1, 1.0],
        [pd.Timestamp("2024-01-01"), 3, 0.5],
        [pd.Timestamp("2024-02-01"), 1, 1.0],
    ]


def test_layer_cake_shares_sum_to_one_per_calendar_period():
    cake = layer_cake(_cohorts(PAUSE_AND_EXPAND))
    feb = cake[cake["period_start"] == "2024-02-01"].set_index("cohort")
    assert feb["value"].tolist() == [350, 50]
    assert feb["share"].tolist() == pytest.approx([350 / 400, 50 / 400])
    totals = cake.groupby("period_start")["share"].sum()
    assert totals.to_numpy() == pytest.approx(np.ones(4))
    split = layer_cake(_cohorts(PAUSE_AND_EXPAND, split=pd.Series({"a": "x", "b": "y", "c": "x"})))
    per_group = split.dropna(subset=["share"]).groupby(["group", "period_start"])["share"].sum()
    assert per_group.to_numpy() == pytest.approx(np.ones(len(per_group)))
    customers = layer_cake(_cohorts(PAUSE_AND_EXPAND), measure="customers")
    assert customers.loc[customers["period_start"] == "2024-03-01", "value"].tolist() == [0, 1]


def test_ltv_curves_are_cumulative_revenue_per_customer():
    ltv = ltv_curves(_cohorts(PAUSE_AND_EXPAND))
    january = ltv[ltv["cohort"] == "2024-01-01"]["ltv"].tolist()
    assert january == pytest.approx([100, 275, 275, 325])  # (200, +350, +0, +100) / 2 customers
    assert all(np.diff(g["ltv"]).min() >= 0 for _, g in ltv.groupby("cohort"))


def test_without_an_amount_revenue_views_refuse_and_logo_views_work():
    cohorts = cohort_table(_tx(PAUSE_AND_EXPAND), customer_id="customer", date="date")
    assert cohorts.table["revenue"].isna().all()
    assert _row(cohorts, "2024-01-01") == [1.0, 1.0, 0.0, 0.5]
    with pytest.raises(DataError, match="amount"):
        cohorts.matrix("revenue_retention")
    with pytest.raises(DataError, match="amount"):
        ltv_curves(cohorts)
    assert layer_cake(cohorts)["value"].sum() == 8  # falls back to active customers


CUSTOMERS = pd.DataFrame({
    "id": ["001", "002", "003", "004"],
    "signup": pd.to_datetime(["2024-01-15", "2024-01-20", "2024-02-01", "2024-03-05"]),
    "churn": pd.to_datetime(["2024-03-10", None, "2024-02-20", None]),
    "mrr": [100.0, 50.0, 30.0, 20.0],
    "plan": ["Pro", "Starter", "Pro", "Pro"],
})


def test_customers_only_mode_from_signup_and_churn_dates():
    cohorts = cohorts_from_customers(CUSTOMERS, customer_id="id", signup_date="signup", churn_date="churn",
                                     mrr="mrr", as_of="2024-04-30")
    assert cohorts.source == "customers"
    # January: 001 active Jan-Mar (churn month included), 002 active to April
    assert _row(cohorts, "2024-01-01", metric="customers") == [2, 2, 2, 1]
    assert _row(cohorts, "2024-01-01", metric="revenue_retention") == pytest.approx([1, 1, 1, 50 / 150])
    assert _row(cohorts, "2024-02-01", metric="customers")[:3] == [1, 0, 0]
    # the explicit churn date is known at once, even in the as-of month
    churned = cohorts.matrix("churned")
    assert churned.loc[pd.Timestamp("2024-01-01")].tolist() == [0, 0, 1, 0]
    assert churned.loc[pd.Timestamp("2024-02-01")].tolist()[:3] == [1, 0, 0]
    churn = churn_by_period(cohorts).set_index("period")
    assert churn.loc[0, "customers"] == 4 and churn.loc[0, "churned"] == 1


def test_customers_only_mode_quarters_split_and_default_as_of():
    cohorts = cohorts_from_customers(CUSTOMERS, customer_id="id", signup_date="signup", churn_date="churn",
                                     mrr="mrr", period="quarter", split="plan")
    assert cohorts.as_of == pd.Timestamp("2024-03-10")  # the latest signup or churn date
    # Q1 Pro: 001 (Jan-Mar: 3 months x 100), 003 (Feb: 1 x 30), 004 (Mar: 1 x 20)
    assert _row(cohorts, "2024-01-01", group="Pro", metric="revenue") == [350]
    assert _row(cohorts, "2024-01-01", group="Starter", metric="customers") == [1]
    no_revenue = cohorts_from_customers(CUSTOMERS, customer_id="id", signup_date="signup", churn_date="churn",
                                        as_of="2024-04-30")
    assert _row(no_revenue, "2024-01-01", metric="customers") == [2, 2, 2, 1]
    assert not no_revenue.has_revenue


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 11)), min_size=1, max_size=40))
def test_logo_retention_matches_a_direct_count(payments):
    """Any payment pattern: retention(cohort, n) = share of the cohort paying in month cohort + n."""
    tx = pd.DataFrame({"customer": [f"c{c}" for c, _ in payments],
                       "date": [pd.Timestamp(2023, 1 + m, 3) for _, m in payments], "amount": 1.0})
    cohorts = cohort_table(tx, customer_id="customer", date="date")
    months = {c: {m for cc, m in payments if cc == c} for c, _ in payments}
    last = max(m for _, m in payments)
    for cohort_month in {min(ms) for ms in months.values()}:
        members = [c for c, ms in months.items() if min(ms) == cohort_month]
        expected = [sum((cohort_month + n) in months[c] for c in members) / len(members)
                    for n in range(last - cohort_month + 1)]
        row = _row(cohorts, f"2023-{cohort_month + 1:02d}-01")
        assert row[: len(expected)] == pytest.approx(expected)
        assert np.isnan(row[len(expected):]).all()  # later months have not happened for this cohort


def test_inputs_are_not_mutated():
    tx = _tx(PAUSE_AND_EXPAND).assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d"))
    before = tx.copy()
    cohort_table(tx, customer_id="customer", date="date", amount="amount")
    pd.testing.assert_frame_equal(tx, before)
    customers = CUSTOMERS.copy()
    cohorts_from_customers(customers, customer_id="id", signup_date="signup", churn_date="churn")
    pd.testing.assert_frame_equal(customers, CUSTOMERS)


def test_bad_input_raises_data_errors_that_say_what_to_do():
    tx = _tx(PAUSE_AND_EXPAND)
    with pytest.raises(DataError, match="'paid_on' is not in the transactions"):
        cohort_table(tx, customer_id="customer", date="paid_on")
    with pytest.raises(DataError, match="period"):
        cohort_table(tx, customer_id="customer", date="date", period="week")
    with pytest.raises(DataError, match="'customer'.*non-numbers"):
        cohort_table(tx, customer_id="customer", date="date", amount="customer")
    with pytest.raises(DataError, match="'soon' in row 2"):
        cohort_table(tx.assign(date=["2024-01-05", "soon"] + ["2024-02-01"] * 6), customer_id="customer",
                     date="date")
    with pytest.raises(DataError, match="more than one value for customer 'a'"):
        cohort_table(tx, customer_id="customer", date="date", split=pd.Series(["x", "y"], index=["a", "a"]))
    with pytest.raises(DataError, match="min_customers"):
        cohort_table(tx, customer_id="customer", date="date", min_customers=0)
    with pytest.raises(DataError, match="No transactions"):
        cohort_table(tx, customer_id="customer", date="date", as_of="2020-01-01")
    with pytest.raises(DataError, match="Unknown cohort metric"):
        matrix(_cohorts(PAUSE_AND_EXPAND), "arpu")


# -- charts --------------------------------------------------------------------------------------


def _marks(spec: dict) -> list[str]:
    layers = spec.get("layer") or spec.get("spec", {}).get("layer") or [spec.get("spec", spec)]
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers]


def test_heatmap_is_a_rect_triangle_with_tooltips_and_text_only_when_asked_or_small():
    cohorts = _cohorts(PAUSE_AND_EXPAND, as_of="2024-04-30")  # every period complete: one rect layer
    spec = charts.heatmap(cohorts).to_dict()
    assert _marks(spec) == ["rect", "text"]
    rect = spec["layer"][0]["encoding"]
    assert rect["color"]["type"] == "quantitative" and rect["x"]["type"] == "ordinal"
    assert {t["field"] for t in rect["tooltip"]} >= {"cohort_name", "period", "customers", "retention"}
    assert _marks(charts.heatmap(cohorts, text=False).to_dict()) == ["rect"]
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 7  # one cell per reached period, none for the future
    assert data[0]["cohort_label"] == "2024-01 · n=2 · small"


def test_split_charts_are_faceted_by_group():
    cohorts = _cohorts(PAUSE_AND_EXPAND, split=pd.Series({"a": "x", "b": "y", "c": "x"}))
    for chart in (charts.churn_chart(cohorts), charts.trend_chart(cohorts),
                  charts.layer_cake_chart(cohorts, shares=True), charts.ltv_chart(cohorts)):
        spec = chart.to_dict()
        assert spec["facet"]["field"] == "group"
    # heatmaps: one panel per group, each with its own cohorts, on one shared colour scale
    spec = charts.heatmap(cohorts, "revenue_retention").to_dict()
    assert [panel["title"] for panel in spec["concat"]] == ["x", "y"]
    assert spec["resolve"]["scale"]["color"] == "shared"


def test_other_charts_use_the_expected_marks():
    cohorts = _cohorts(PAUSE_AND_EXPAND)
    assert _marks(charts.churn_chart(cohorts).to_dict()) == ["bar"]
    assert _marks(charts.trend_chart(cohorts).to_dict()) == ["line", "point"]
    assert _marks(charts.layer_cake_chart(cohorts).to_dict()) == ["area"]
    assert _marks(charts.ltv_chart(cohorts).to_dict()) == ["line"]


# -- command line --------------------------------------------------------------------------------


@pytest.fixture
def cli(capsys):
    """`python -m segmentation cohorts ...` in-process: (exit code, stderr)."""
    def call(*args: str) -> SimpleNamespace:
        code = main(["cohorts", *args])
        return SimpleNamespace(returncode=code, stderr=capsys.readouterr().err)
    return call


@pytest.fixture
def tx_file(tmp_path):
    pytest.importorskip("segmentation.io")
    path = tmp_path / "payments.csv"
    _tx(PAUSE_AND_EXPAND).rename(columns={"customer": "account", "date": "paid_on"}).assign(
        paid_on=lambda d: d["paid_on"].dt.strftime("%Y-%m-%d"),
        plan=lambda d: d["account"].map({"a": "=Pro", "b": "=Pro", "c": "Starter"}),
    ).to_csv(path, index=False)
    return path


def test_cli_writes_the_long_form(tx_file, tmp_path, cli):
    out = tmp_path / "cohorts.csv"
    done = cli(str(tx_file), "--id", "account", "--date", "paid_on", "--amount", "amount", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == ["cohort", "period", "customers", "revenue", "retention", "complete"]
    january = table[table["cohort"] == "2024-01"]
    assert january["customers"].tolist() == [2, 2, 0, 1]
    assert january["retention"].tolist() == [1.0, 1.0, 0.0, 0.5]
    done = cli(str(tx_file), "--id", "account", "--date", "paid_on", "--amount", "amount", "--metric", "revenue",
               "--period", "quarter", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert table["cohort"].tolist() == ["2024-Q1", "2024-Q1"]
    assert table["retention"].tolist() == pytest.approx([1.0, 150 / 650], abs=1e-6)


def test_cli_split_puts_the_group_first_and_keeps_labels_inert(tx_file, tmp_path, cli):
    out = tmp_path / "cohorts.csv"
    done = cli(str(tx_file), "--id", "account", "--date", "paid_on", "--split", "plan", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == ["group", "cohort", "period", "customers", "retention", "complete"]
    assert table["group"].unique().tolist() == ["'=Pro", "Starter"]  # a spreadsheet will not run it
    pro = table[table["group"] == "'=Pro"]
    assert pro["customers"].tolist() == [2, 2, 0, 1]


def test_cli_without_amount_and_bad_input(tx_file, tmp_path, cli):
    out = tmp_path / "cohorts.csv"
    done = cli(str(tx_file), "--id", "account", "--date", "paid_on", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert list(pd.read_csv(out).columns) == ["cohort", "period", "customers", "retention", "complete"]
    done = cli(str(tx_file), "--id", "customer_id", "--date", "paid_on", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert "payments.csv" in done.stderr and "'customer_id'" in done.stderr
    # Without --amount the revenue metric finds the amount column itself, and says which it used.
    done = cli(str(tx_file), "--id", "account", "--date", "paid_on", "--metric", "revenue", "--out", str(out))
    assert done.returncode == 0 and "--amount 'amount'" in done.stderr
    no_amount = tmp_path / "no_amount.csv"
    pd.read_csv(tx_file).drop(columns=["amount"]).to_csv(no_amount, index=False)
    done = cli(str(no_amount), "--id", "account", "--date", "paid_on", "--metric", "revenue", "--out", str(out))
    assert done.returncode == 2 and "--amount" in done.stderr and "no_amount.csv" in done.stderr


# -- unfinished periods and right-censoring --------------------------------------------------------


def _invoices_ending_mid_month(n_customers: int = 60, seed: int = 7) -> pd.DataFrame:
    """An invoice export for Jan-Jun 2024 whose last row is dated 2024-06-12: June is half observed.
    Customers pay monthly from their first month until they leave; about half stay to the end."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        start = int(rng.integers(1, 5))  # first month: January to April
        last = 6 if rng.random() < 0.5 else int(rng.integers(start, 6))
        for month in range(start, last + 1):
            day = int(rng.integers(1, 13)) if month == 6 else int(rng.integers(1, 29))
            rows.append({"InvoiceNo": f"INV{len(rows):05d}", "CustomerID": f"C{c:03d}",
                         "InvoiceDate": f"2024-{month:02d}-{day:02d}", "Amount": float(rng.integers(20, 200))})
    frame = pd.DataFrame(rows)
    frame.loc[len(frame)] = ["INV99999", "C000", "2024-06-12", 50.0]  # the export's last day
    return frame


def test_a_period_the_data_does_not_cover_to_its_end_is_marked_and_left_out_of_churn_and_trends():
    invoices = _invoices_ending_mid_month()
    cohorts = cohort_table(invoices, customer_id="CustomerID", date="InvoiceDate", amount="Amount")
    table = cohorts.table
    assert cohorts.as_of == pd.Timestamp("2024-06-12")
    june = table["period_start"] == pd.Timestamp("2024-06-01")
    assert (~table.loc[june, "complete"]).all() and table.loc[~june, "complete"].all()
    assert cohorts.incomplete_periods == (pd.Timestamp("2024-06-01"),)
    assert any("ends on 2024-06-12, so 2024-06 is not complete" in note for note in cohorts.notes)
    # June's figures stay (what was seen so far), but June is not churn: its cells and May's (whose
    # customers may still pay in the rest of June) hold no churn count.
    assert table.loc[june, "customers"].sum() > 0
    may = table["period_start"] == pd.Timestamp("2024-05-01")
    assert table.loc[june | may, "churned"].isna().all()
    assert table.loc[~(june | may), "churned"].notna().all()
    # Churn by month adds up the known cells only.
    known = table[~(june | may)]
    churn = churn_by_period(cohorts).set_index("period")
    assert churn["customers"].to_dict() == known.groupby("period")["customers"].sum().to_dict()
    assert churn["churned"].sum() == known["churned"].sum()
    # The trends leave June out: the April cohort has no period-2 point, the January cohort no period-5 one.
    trend = retention_trend(cohorts, periods=(1, 2, 5))
    months = trend["cohort"].dt.month + trend["period"]
    assert months.max() == 5 and set(trend.loc[trend["cohort"].dt.month == 4, "period"]) == {1}
    # Observed to its last day, June is complete and counts like any other month.
    full = cohort_table(invoices, customer_id="CustomerID", date="InvoiceDate", amount="Amount", as_of="2024-06-30")
    assert full.table["complete"].all() and not full.incomplete_periods
    assert not any("not complete" in note for note in full.notes)
    assert set(retention_trend(full, periods=(5,))["cohort"]) == {pd.Timestamp("2024-01-01")}


def test_a_customer_last_seen_ten_days_before_the_as_of_date_is_not_churned():
    invoices = _tx([
        ("quiet", "2024-01-10", 10), ("quiet", "2024-02-27", 10),  # last seen 10 days before the as-of date
        ("gone", "2024-01-15", 10),  # silent through all of February: churned after January
        ("stays", "2024-01-20", 10), ("stays", "2024-02-20", 10), ("stays", "2024-03-08", 10),
    ])
    cohorts = cohort_table(invoices, customer_id="customer", date="date", amount="amount", as_of="2024-03-08")
    churned = cohorts.matrix("churned").loc[pd.Timestamp("2024-01-01")]
    assert churned[0] == 1  # "gone": a whole covered month without a payment
    assert np.isnan(churned[1]) and np.isnan(churned[2])  # February's last payers may still pay in March
    churn = churn_by_period(cohorts)
    assert churn["period"].tolist() == [0] and churn["churned"].sum() == 1
    # Once March is over without a payment, "quiet" is churned after February.
    later = cohort_table(invoices, customer_id="customer", date="date", as_of="2024-03-31")
    assert later.matrix("churned").loc[pd.Timestamp("2024-01-01"), 1] == 1
    assert "not called churned yet" in cohorts.churn_rule


def test_churn_dates_in_an_unfinished_as_of_month_are_not_a_churn_rate_yet():
    cohorts = cohorts_from_customers(CUSTOMERS, customer_id="id", signup_date="signup", churn_date="churn",
                                     as_of="2024-03-15")
    assert not cohorts.table.loc[cohorts.table["period_start"] == "2024-03-01", "complete"].any()
    # 001 left on 2024-03-10, in the unfinished March: it counts once March is over, not before.
    assert np.isnan(cohorts.matrix("churned").loc[pd.Timestamp("2024-01-01"), 2])
    assert churn_by_period(cohorts)["churned"].sum() == 1  # 003 in February
    assert "churn dates" in cohorts.churn_rule


def test_signup_dates_alone_are_refused_because_retention_would_be_100_percent():
    with pytest.raises(DataError, match=r"'signup'.*100% retention by construction.*churn date"):
        cohorts_from_customers(CUSTOMERS, customer_id="id", signup_date="signup", mrr="mrr")


def test_heatmap_draws_an_unfinished_period_apart_from_the_colour_scale():
    invoices = _invoices_ending_mid_month()
    cohorts = cohort_table(invoices, customer_id="CustomerID", date="InvoiceDate", amount="Amount")
    spec = charts.heatmap(cohorts).to_dict()
    assert _marks(spec) == ["rect", "rect", "text"]
    coloured, apart = spec["layer"][0], spec["layer"][1]
    assert coloured["transform"] == [{"filter": "datum.complete"}]
    assert {"filter": "!datum.complete"} in apart["transform"]
    assert "color" not in apart["encoding"] and apart["mark"]["strokeDash"]
    assert apart["encoding"]["fill"]["scale"]["domain"] == ["period not complete"]
    # The colour scale spans the complete cells only: June's half month does not stretch it down.
    table = cohorts.table
    lowest = table.loc[table["complete"], "retention"].min()
    assert coloured["encoding"]["color"]["scale"]["domain"][0] == pytest.approx(lowest)
    assert table.loc[~table["complete"], "retention"].min() < lowest
    data = next(iter(spec["datasets"].values()))
    june = [cell for cell in data if not cell["complete"]]
    assert june and all(cell["coverage"] == "not complete: the data ends on 2024-06-12" for cell in june)
    assert {t["field"] for t in coloured["encoding"]["tooltip"]} >= {"coverage"}
    # The numbers' colours are plain values: a second colour scale in the layer stops Vega drawing it at all.
    text = spec["layer"][2]["encoding"]["color"]
    assert "field" not in text and text["condition"][0] == {"test": "!datum.complete", "value": "#757575"}
    # Split by group, every panel shares the one legend entry.
    sizes = invoices.groupby("CustomerID")["Amount"].first().gt(100).map({True: "big", False: "small"})
    split = cohort_table(invoices, customer_id="CustomerID", date="InvoiceDate", split=sizes)
    assert charts.heatmap(split).to_dict()["resolve"]["scale"]["fill"] == "shared"


def test_cli_long_form_says_which_periods_are_complete(tmp_path, cli):
    path = tmp_path / "invoices.csv"
    _invoices_ending_mid_month().to_csv(path, index=False)
    out = tmp_path / "cohorts.csv"
    done = cli(str(path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "note: The data ends on 2024-06-12, so 2024-06 is not complete" in done.stderr
    written = pd.read_csv(out, dtype={"complete": str})
    assert set(written["complete"]) == {"true", "false"}  # spelled as the help says
    months = pd.PeriodIndex(written["cohort"], freq="M") + written["period"]
    assert (written["complete"] == "false").tolist() == (months == pd.Period("2024-06", "M")).tolist()
    # The library gives the same flags (what the app draws).
    cohorts = cohort_table(_invoices_ending_mid_month(), customer_id="CustomerID", date="InvoiceDate")
    assert (written["complete"] == "true").tolist() == cohorts.table["complete"].tolist()


def test_cli_refuses_signup_dates_alone_with_the_reason(tmp_path, cli):
    path = tmp_path / "members.csv"
    pd.DataFrame({"member_id": [f"M{i:03d}" for i in range(30)],
                  "signup_date": pd.date_range("2023-01-05", periods=30, freq="13D").strftime("%Y-%m-%d"),
                  "plan": ["Basic", "Pro", "Team"] * 10}).to_csv(path, index=False)
    out = tmp_path / "cohorts.csv"
    done = cli(str(path), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == done.stderr.strip().splitlines()[-1] and "Traceback" not in done.stderr
    assert errors[0].startswith(f"error: {path}: ")
    assert "100% retention by construction" in errors[0] and "churn date" in errors[0]


def test_rows_later_on_the_as_of_day_count_and_offsets_fall_on_their_utc_day():
    import pandas as pd

    from segmentation.cohorts import cohort_table

    tx = pd.DataFrame({"cid": ["a", "a", "b"],
                       "ts": pd.to_datetime(["2024-01-05 10:00", "2024-02-10 15:30", "2024-02-10 09:00"]),
                       "amt": [10.0, 20.0, 30.0]})
    table = cohort_table(tx, customer_id="cid", date="ts", amount="amt", as_of="2024-02-10", min_customers=1).table
    assert table["customers"].sum() == 3  # a in Jan and Feb, b in Feb

    offsets = pd.DataFrame({"cid": ["a", "b"], "ts": ["2024-01-31T22:00:00-05:00", "2024-01-15T10:00:00-05:00"],
                            "amt": [1.0, 2.0]})
    months = cohort_table(offsets, customer_id="cid", date="ts", amount="amt", min_customers=1).table
    assert sorted(months.loc[months["period"] == 0, "cohort"].dt.strftime("%Y-%m")) == ["2024-01", "2024-02"]


def test_float_ids_meet_text_labels_in_a_split():
    import numpy as np
    import pandas as pd

    from segmentation.cohorts import cohort_table

    tx = pd.DataFrame({"cid": [1.0, 2.0, np.nan, 1.0], "day": pd.to_datetime(["2024-01-05", "2024-01-06",
                                                                             "2024-01-07", "2024-02-05"]),
                       "amt": [10.0, 20.0, 5.0, 10.0]})
    labels = pd.Series(["Gold", "Silver"], index=pd.Index(["1", "2"], name="customer_id"), name="segment")
    groups = set(cohort_table(tx, customer_id="cid", date="day", amount="amt", split=labels).table["group"])
    assert {"Gold", "Silver"} <= groups


def test_split_by_segment_meets_transaction_ids_written_without_leading_zeros():
    # The customers file writes "00017"; the billing export writes 17 (a number).
    transactions = pd.DataFrame({
        "customer": [17, 17, 18, 18],
        "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-09", "2024-03-02"]),
        "amount": [10.0, 10.0, 20.0, 20.0],
    })
    labels = pd.Series(["Champions", "At Risk"], index=["00017", "00018"], name="segment")
    result = cohort_table(transactions, customer_id="customer", date="date", amount="amount", split=labels)
    sizes = result.table.drop_duplicates(["group", "cohort"]).set_index("group")["cohort_size"]
    assert sizes.to_dict() == {"Champions": 1, "At Risk": 1}
    assert any("ignoring leading zeros" in note for note in result.notes)


def test_email_ids_written_in_two_cases_are_one_customer():
    transactions = pd.DataFrame({
        "email": ["ann@example.com", "ANN@Example.com ", "bob@example.com", "cy@example.com"],
        "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-09", "2024-01-20"]),
    })
    table = cohort_table(transactions, customer_id="email", date="date").table
    january = table[table["cohort"] == pd.Timestamp("2024-01-01")].set_index("period")
    assert january.loc[0, "customers"] == 3 and january.loc[1, "customers"] == 1


def test_the_typical_gap_between_payments_tells_monthly_from_quarterly_payers():
    from segmentation.cohorts import typical_gap_days

    monthly = pd.DataFrame({"c": np.repeat([f"m{i}" for i in range(10)], 4),
                            "d": np.tile(pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05"]), 10)})
    quarterly = monthly.assign(d=np.tile(pd.to_datetime(["2024-01-05", "2024-04-05", "2024-07-05", "2024-10-05"]),
                                         10))
    assert typical_gap_days(monthly, customer_id="c", date="d") == 31.0  # Jan-Feb 31, Feb-Mar 29, Mar-Apr 31
    assert typical_gap_days(quarterly, customer_id="c", date="d") == 91.0
    assert typical_gap_days(monthly.head(8), customer_id="c", date="d") is None  # too few returns to tell
