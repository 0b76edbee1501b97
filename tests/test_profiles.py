"""Segment profiles: figures against hand-computed ones, names, the ideal-customer view, charts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segmentation.charts import profiles as charts
from segmentation.errors import DataError
from segmentation.profiles import DAYS_PER_MONTH, kpi_columns, over_index, profile
from segmentation.result import Segmentation

IDS = ["001", "002", "003", "004", "005", "006", "007", "008"]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mrr": [100.0, 200.0, 0.0, 50.0, 300.0, 400.0, 10.0, 20.0],
            "logins": [1, 2, 3, 4, 50, 60, 70, 80],
            "plan": ["a", "a", "b", "b", "c", "c", "c", "a"],
            "churn_date": pd.to_datetime([None, "2024-01-01", None, None, None, None, "2024-02-01", "2024-03-01"]),
            "tenure_days": [300, 100, 200, 400, 500, 600, 60, 90],
            "nps": [10, 9, 5, 7, 10, 3, 8, 9],
            "trial_start": pd.to_datetime(["2023-01-01"] * 6 + [None, "2023-01-01"]),
            "converted": ["yes", "no", "yes", "yes", "yes", "yes", "no", "yes"],
        },
        index=pd.Index(IDS, name="customer_id"),
    )


@pytest.fixture
def segmentation() -> Segmentation:
    labels = pd.Series(["A", "A", "B", "B", "C", "C", "C", "A"], index=IDS)
    return Segmentation("test", labels, ("A", "B", "C"), ("mrr", "logins", "plan"))


def _profiles(frame, segmentation, **extra):
    return profile(frame, segmentation, mrr="mrr", churned="churn_date", converted="converted", trial="trial_start",
                   tenure="tenure_days", nps="nps", **extra)


def test_sizes_shares_and_kpis_match_hand_computed_figures(frame, segmentation):
    p = _profiles(frame, segmentation)
    a = p.summary.loc["A"]  # customers 001, 002, 008
    assert a["customers"] == 3
    assert a["share_of_customers"] == pytest.approx(3 / 8)
    # Current MRR: 002, 007 and 008 churned, so they count 0: 100 + 0 + 50 + 300 + 400 = 850 in all.
    assert a["share_of_revenue"] == pytest.approx(100 / 850)  # revenue defaults to (current) MRR
    assert a["mrr_mean"] == pytest.approx(100 / 3)
    assert a["mrr_median"] == 0
    assert a["arpa"] == pytest.approx(100.0)  # 001, the one active payer
    assert a["churn_rate"] == pytest.approx(1 / 2)  # of the payers 001 and 008, 008 churned (002 never paid)
    months = (300 + 90) / DAYS_PER_MONTH  # the payers' tenure
    assert a["monthly_churn_rate"] == pytest.approx(1 / months)
    assert a["ltv"] == pytest.approx(100 / (1 / months))  # ARPA / monthly churn
    assert a["paid_share"] == pytest.approx(2 / 3)
    assert a["conversion_rate"] == pytest.approx(2 / 3)  # 002 did not convert
    assert a["nps"] == pytest.approx(100.0)  # 10, 9, 9: all promoters
    assert a["tenure_median_days"] == 100

    b = p.summary.loc["B"]  # 003 (MRR 0) and 004
    assert b["arpa"] == pytest.approx(50.0)  # paying customers only
    assert b["mrr_mean"] == pytest.approx(25.0)
    assert b["nps"] == pytest.approx(-50.0)  # 5 is a detractor, 7 passive
    c = p.summary.loc["C"]  # 007 never started a trial: left out of conversion
    assert c["conversion_rate"] == pytest.approx(1.0)
    assert p.overall["customers"] == 8 and p.overall["share_of_revenue"] == pytest.approx(1.0)
    assert p.overall["churn_rate"] == pytest.approx(1 / 6)  # payers 001 003 004 005 006 008; 008 churned


def test_ltv_is_blank_with_a_note_when_nobody_churned(frame, segmentation):
    p = _profiles(frame, segmentation)
    assert p.summary.loc["B", "monthly_churn_rate"] == 0
    assert math.isnan(p.summary.loc["B", "ltv"])
    assert any("LTV is blank for B" in note for note in p.notes)


def test_ltv_needs_tenure_and_says_so(frame, segmentation):
    p = profile(frame, segmentation, mrr="mrr", churned="churn_date")
    assert "ltv" not in p.summary.columns
    assert any("tenure" in note for note in p.notes)


def test_medians_means_and_lift_against_all_customers(frame, segmentation):
    p = _profiles(frame, segmentation)
    assert p.medians.loc["C", "logins"] == 60
    assert p.means.loc["A", "logins"] == pytest.approx((1 + 2 + 80) / 3)
    overall_logins = frame["logins"].mean()
    assert p.lift.loc["A", "logins"] == pytest.approx(((1 + 2 + 80) / 3) / overall_logins)
    assert p.lift.loc["A", "churn_rate"] == pytest.approx((1 / 2) / (1 / 6))
    assert p.top_levels.loc["C", "plan"] == "c (100%)"
    assert list(p.variables) == ["mrr", "logins", "plan"]


def test_rules_are_kept_and_the_table_has_an_all_customers_row(frame, segmentation):
    p = _profiles(frame, segmentation, rules={"A": "plan is a", "Z": "unknown segment"})
    assert dict(p.rules) == {"A": "plan is a"}
    table = p.table()
    assert list(table.index) == ["A", "B", "C", "All customers"]
    assert table.loc["A", "rule"] == "plan is a"
    assert table.loc["All customers", "Customers"] == 8
    assert table.loc["All customers", "median logins"] == frame["logins"].median()


def test_short_names_are_unique_deterministic_and_read_like_words(frame, segmentation):
    first = _profiles(frame, segmentation).names
    again = _profiles(frame.iloc[::-1], segmentation).names  # row order does not matter
    assert dict(first) == dict(again)
    assert len(set(first.values())) == 3
    assert first["C"].startswith("Mostly c")
    assert "high logins" in first["C"]


def test_short_names_stay_unique_when_segments_look_alike():
    ids = [f"{i:02d}" for i in range(6)]
    frame = pd.DataFrame({"x": [1.0] * 6}, index=ids)
    labels = pd.Series(["P", "P", "Q", "Q", "R", "R"], index=ids)
    names = profile(frame, Segmentation("t", labels, ("P", "Q", "R"), ("x",))).names
    assert list(names.values()) == ["Typical customers", "Typical customers (2)", "Typical customers (3)"]


def test_funnel_counts_trial_paid_and_still_active(frame, segmentation):
    funnel = _profiles(frame, segmentation).funnel.set_index(["segment", "stage"])["customers"]
    assert funnel["A", "Started trial"] == 3
    assert funnel["A", "Converted to paid"] == 2  # 001, 008
    assert funnel["A", "Still active"] == 1  # 008 churned
    assert funnel["C", "Started trial"] == 2  # 007 had no trial


def test_best_segment_by_kpi(frame, segmentation):
    p = _profiles(frame, segmentation)
    assert p.best_segment("churn_rate") == "B"  # lowest churn
    assert p.best_segment("mrr_mean") == "C"
    assert p.best_segment() == "A"  # highest LTV by default: the only one with a churned payer
    with pytest.raises(DataError, match="no 'nope' figure"):
        p.best_segment("nope")


def test_over_index_levels_and_numbers(frame, segmentation):
    table = over_index(frame, segmentation.labels, "C", ["plan", "mrr"]).set_index("attribute")
    assert table.loc["plan = c", "index"] == pytest.approx(1.0 / (3 / 8) * 100)
    assert table.loc["plan = a", "index"] == 0
    assert table.loc["MRR (mean)", "index"] == pytest.approx((710 / 3) / 135 * 100)
    assert table.index[0] == "plan = c"  # sorted, strongest first


def test_kpi_columns_from_roles_and_usual_names(frame):
    roles = {"mrr": "mrr", "churn_date": "churn_date", "converted": "converted", "trial_start": "trial_start"}
    found = kpi_columns(frame, roles)
    assert found == {"mrr": "mrr", "churned": "churn_date", "converted": "converted", "trial": "trial_start",
                     "tenure": "tenure_days", "nps": "nps", "revenue": "mrr"}


def test_flags_as_text_booleans_and_numbers(segmentation, frame):
    variants = {"text": ["Yes", "no", "YES", "No", "no", "no", "no", "no"],
                "bool": [True, False, True, False, False, False, False, False],
                "number": [1, 0, 1, 0, 0, 0, 0, 0]}
    for values in variants.values():
        p = profile(frame.assign(flag=values), segmentation, churned="flag")
        assert p.summary.loc["A", "churn_rate"] == pytest.approx(1 / 3)
        assert p.summary.loc["B", "churn_rate"] == pytest.approx(1 / 2)


def test_bad_inputs_get_clear_errors(frame, segmentation):
    with pytest.raises(DataError, match="no column 'missing'"):
        profile(frame, segmentation, mrr="missing")
    other = Segmentation("t", pd.Series(["A"], index=["zzz"]), ("A",), ("mrr",))
    with pytest.raises(DataError, match="share no customer id"):
        profile(frame, other)
    with pytest.raises(DataError, match="No customer is in the segment"):
        over_index(frame, segmentation.labels, "Nope", ["plan"])


def test_input_frame_is_not_mutated(frame, segmentation):
    before = frame.copy()
    _profiles(frame, segmentation)
    pd.testing.assert_frame_equal(frame, before)


def test_integer_ids_match_text_labels(segmentation, frame):
    numeric = frame.set_axis(pd.Index([int(i) for i in IDS]))
    labels = pd.Series(segmentation.labels.to_numpy(), index=[str(int(i)) for i in IDS])
    p = profile(numeric, Segmentation("t", labels, ("A", "B", "C"), ("mrr",)), mrr="mrr")
    assert p.summary["customers"].tolist() == [3, 2, 3]


def test_charts_are_valid_vega_lite_with_typed_encodings(frame, segmentation):
    p = _profiles(frame, segmentation)
    specs = [
        charts.variable_bars(p).to_dict(),
        charts.variable_bars(p, stat="mean").to_dict(),
        charts.lift_heatmap(p).to_dict(),
        charts.kpi_bars(p).to_dict(),
        charts.funnel_chart(p).to_dict(),
        charts.over_index_chart(over_index(frame, segmentation.labels, "C", ["plan", "mrr"]), segment="C").to_dict(),
    ]
    for spec in specs:
        assert "$schema" in spec
    kpi_data = next(iter(specs[3]["datasets"].values()))
    churn_a = [row for row in kpi_data if row["segment"] == "A" and row["kpi"].startswith("Churn rate")]
    assert churn_a[0]["value"] == pytest.approx(50.0)  # shown as a percentage


def test_variable_bars_refuses_unknown_statistics(frame, segmentation):
    with pytest.raises(ValueError, match="stat"):
        charts.variable_bars(_profiles(frame, segmentation), stat="mode")


def test_profiles_on_a_segment_without_customers(frame):
    labels = pd.Series(["A"] * 8, index=IDS)
    p = profile(frame, Segmentation("t", labels, ("A", "Empty"), ("mrr",)), mrr="mrr")
    assert p.summary.loc["Empty", "customers"] == 0
    assert np.isnan(p.summary.loc["Empty", "mrr_mean"])


def test_tenure_runs_from_signup_to_churn_or_the_as_of_date(frame, segmentation):
    signed = frame.drop(columns="tenure_days").assign(signup_date=pd.to_datetime(
        ["2023-12-01", "2023-11-01", "2023-06-01", "2023-09-01", "2023-01-01", "2023-03-01", "2024-01-02",
         "2023-12-02"]))
    found = kpi_columns(signed, {"mrr": "mrr", "churn_date": "churn_date", "signup_date": "signup_date"})
    assert found["signup"] == "signup_date" and "tenure" not in found
    p = profile(signed, segmentation, **found)
    # The as-of date is the day after the latest date in the table (churn of 008 on 2024-03-01).
    # A: 001 active 2023-12-01 -> 2024-03-02 = 92 days; 002 churned 2023-11-01 -> 2024-01-01 = 61;
    #    008 churned 2023-12-02 -> 2024-03-01 = 90.
    a = p.summary.loc["A"]
    assert a["tenure_median_days"] == 90
    # The usual "converted" column is found too, so churn counts payers only: 001 and 008 (002 never paid).
    assert a["monthly_churn_rate"] == pytest.approx(1 / ((92 + 90) / DAYS_PER_MONTH))
    assert a["ltv"] == pytest.approx(100 / a["monthly_churn_rate"])  # ARPA: 001 only, 002 and 008 churned
    assert not any("LTV needs" in note for note in p.notes)
    assert p.definitions["tenure_median_days"] == ("Median days from signup (signup_date) to churn (churn_date) or "
                                                   "to the as-of date (2024-03-02, the day after the latest date "
                                                   "in the table).")
    given = profile(signed, segmentation, signup="signup_date", as_of="2024-06-30")
    assert given.summary.loc["B", "tenure_median_days"] == pytest.approx((395 + 303) / 2)  # from 06-01 and 09-01


def test_tenure_from_the_customer_table_is_defined_as_from_the_first_purchase(frame, segmentation):
    p = _profiles(frame, segmentation)
    assert p.definitions["tenure_median_days"] == "Median days from the first purchase to the as-of date (tenure_days)."
    # A signup column that was not read as dates cannot give a tenure: tenure_days stays.
    assert kpi_columns(frame.assign(signup_date="soon"), {"signup_date": "signup_date"})["tenure"] == "tenure_days"


# -- current MRR, churn among payers, labels ---------------------------------------------------------

def _subscriptions_rolled_up() -> tuple[pd.DataFrame, Segmentation]:
    """Like a ChartMogul export rolled up: churned accounts keep the MRR of their last subscription."""
    ids = ["c1", "c2", "c3", "c4", "c5"]
    frame = pd.DataFrame({
        "mrr": [600.0, 630.0, 100.0, 300.0, 200.0],
        "churn_date": pd.to_datetime(["2024-01-10", "2024-02-01", None, None, "2024-09-01"]),
        "signup_date": pd.to_datetime(["2023-01-01"] * 5),
        "monetary": [7200.0, 8190.0, 1800.0, 5400.0, 2000.0],
    }, index=pd.Index(ids, name="customer_id"))
    labels = pd.Series(["Lapsed, high MRR", "Lapsed, high MRR", "Active", "Active", "Active"], index=ids)
    return frame, Segmentation("test", labels, ("Lapsed, high MRR", "Active"), ("mrr",))


def test_churned_customers_count_as_zero_current_mrr_and_lifetime_revenue_keeps_them():
    frame, seg = _subscriptions_rolled_up()
    # as of 2024-06-30: c5's churn on 2024-09-01 is booked but has not happened, so c5 is active.
    p = profile(frame, seg, mrr="mrr", churned="churn_date", signup="signup_date", revenue="monetary",
                as_of="2024-06-30")
    lapsed, active = p.summary.loc["Lapsed, high MRR"], p.summary.loc["Active"]
    assert lapsed["churn_rate"] == 1.0
    assert lapsed["mrr_mean"] == 0 and lapsed["mrr_median"] == 0  # not 615
    assert np.isnan(lapsed["arpa"]) and np.isnan(lapsed["ltv"])
    assert active["churn_rate"] == 0
    assert active["mrr_mean"] == pytest.approx(200.0)  # (100 + 300 + 200) / 3, c5 still pays
    assert active["arpa"] == pytest.approx(200.0)
    # Lifetime revenue rightly includes what c1 and c2 paid before leaving; it is labelled as such.
    assert lapsed["share_of_revenue"] == pytest.approx((7200 + 8190) / 24590)
    assert p.label("share_of_revenue") == "Share of lifetime revenue"
    assert p.label("revenue") == "Lifetime revenue"
    assert "Share of lifetime revenue" in p.table().columns
    assert "past payments" in p.definitions["revenue"]
    assert "counts as 0" in p.definitions["mrr_mean"]

    by_mrr = profile(frame, seg, mrr="mrr", churned="churn_date", as_of="2024-06-30")
    assert by_mrr.label("share_of_revenue") == "Share of current MRR"
    assert by_mrr.summary.loc["Lapsed, high MRR", "share_of_revenue"] == 0  # was 1230 / 1830
    assert by_mrr.summary.loc["Active", "share_of_revenue"] == pytest.approx(1.0)
    # With the default as-of date (the day after the latest date) c5 has churned too.
    later = profile(frame, seg, mrr="mrr", churned="churn_date")
    assert later.summary.loc["Active", "mrr_mean"] == pytest.approx(400 / 3)
    assert later.summary.loc["Active", "churn_rate"] == pytest.approx(1 / 3)


def test_churn_counts_only_customers_who_ever_paid():
    ids = [f"{i:02d}" for i in range(7)]
    frame = pd.DataFrame({
        "converted": ["no", "no", "no", "yes", "yes", "yes", "no"],
        "churned": [False, False, False, True, False, False, False],
        "mrr": [0.0, 0.0, 0.0, 50.0, 80.0, 120.0, 0.0],
        "tenure_days": [30, 30, 30, 100, 200, 300, 30],
    }, index=ids)
    labels = pd.Series(["Accidental sign-up"] * 3 + ["Self-serve"] * 3 + ["Tire-kicker"], index=ids)
    seg = Segmentation("rules", labels, ("Accidental sign-up", "Self-serve", "Tire-kicker"), ("mrr",))
    p = profile(frame, seg, mrr="mrr", churned="churned", converted="converted", tenure="tenure_days")
    assert np.isnan(p.summary.loc["Accidental sign-up", "churn_rate"])  # n/a, not a flattering 0%
    assert np.isnan(p.summary.loc["Tire-kicker", "churn_rate"])
    assert p.summary.loc["Self-serve", "churn_rate"] == pytest.approx(1 / 3)
    assert p.overall["churn_rate"] == pytest.approx(1 / 3)  # not 1 / 7
    assert p.summary.loc["Accidental sign-up", "paid_share"] == 0
    assert p.summary.loc["Self-serve", "monthly_churn_rate"] == pytest.approx(1 / (600 / DAYS_PER_MONTH))
    assert any("Nobody in Accidental sign-up, Tire-kicker ever paid" in note for note in p.notes)
    assert "paying customers (ever converted)" in p.definitions["churn_rate"]


def test_an_empty_segment_keeps_its_own_name_and_takes_no_suggestion():
    frame = pd.DataFrame({"mrr": [10.0, 12.0, 11.0, 300.0, 320.0, 310.0]},
                         index=pd.Index([f"c{i}" for i in range(6)], name="customer_id"))
    labels = pd.Series(["Small"] * 3 + ["Big"] * 3, index=frame.index)
    seg = Segmentation("rules", labels, ("Small", "Big", "Nobody"), ("mrr",))
    names = profile(frame, seg, mrr="mrr").names
    assert names["Nobody"] == "Nobody"
    assert names["Small"] != names["Big"] and "Typical" not in names["Small"] + names["Big"]


# -- outcome kinds and tenure in months (issue 11, items 4 and 5) ---------------------------------------------

def test_a_response_outcome_is_a_response_rate_never_churn_and_gives_no_ltv(frame, segmentation):
    from segmentation.roles import RoleMap

    answered = frame.drop(columns="churn_date").assign(Response=[1, 0, 0, 0, 1, 1, 0, 1])
    roles = RoleMap("customers", {"mrr": "mrr", "outcome": "Response"})
    assert roles.outcome_kind == "response"
    found = kpi_columns(answered, roles)
    assert found["outcome"] == "Response" and found["outcome_kind"] == "response" and "churned" not in found
    p = profile(answered, segmentation, **found)
    assert "churn_rate" not in p.summary.columns and "ltv" not in p.summary.columns
    assert p.summary.loc["C", "outcome_rate"] == pytest.approx(2 / 3)  # 005 and 006 of 005, 006, 007
    table = p.table()
    assert "Response rate" in table.columns and not any("hurn" in c for c in table.columns)
    assert p.definitions["outcome_rate"] == "Share of the segment's customers who responded (Response)."
    assert any(note.startswith("LTV needs a churn outcome; Response is a response outcome") for note in p.notes)
    # The user says the same column is churn: then it is the churn rate.
    churn = kpi_columns(answered, roles.with_outcome_kind("churn"))
    assert churn["churned"] == "Response" and "outcome" not in churn
    told = profile(answered, segmentation, churned="Response", outcome="Response", outcome_kind="churn")
    assert list(told.table().columns).count("Churn rate") == 1 and "outcome_rate" not in told.summary.columns
    assert "Response rate (%)" in str(charts.kpi_bars(p).to_dict())  # the KPI bars name it too
    assert "Response rate" in str(charts.lift_heatmap(p).to_dict())


def test_tenure_in_months_gives_tenure_and_ltv(frame, segmentation):
    # IBM Telco: months as a customer, a Yes/No churn flag, monthly charges; no dates at all.
    telco = frame.drop(columns=["churn_date", "tenure_days", "converted", "trial_start"]).assign(
        tenure=[10, 2, 5, 20, 30, 40, 1, 3], Churn=["No", "Yes", "No", "No", "No", "No", "Yes", "Yes"])
    found = kpi_columns(telco, {"mrr": "mrr", "outcome": "Churn", "tenure_months": "tenure"})
    assert found["churned"] == "Churn" and found["tenure_months"] == "tenure" and "tenure" not in found
    p = profile(telco, segmentation, **found)
    a = p.summary.loc["A"]  # 001 (10 months, active), 002 (2, churned), 008 (3, churned)
    assert a["tenure_median_days"] == pytest.approx(3 * DAYS_PER_MONTH)
    assert a["monthly_churn_rate"] == pytest.approx(2 / 15)  # 2 churned over 10 + 2 + 3 customer-months
    assert a["ltv"] == pytest.approx(100 / (2 / 15))  # ARPA: 001's 100, the churned count 0
    assert not any("LTV needs" in note for note in p.notes)
    assert p.definitions["tenure_median_days"].startswith("Median of tenure (months as a customer) x 30.4375")


# -- what a reader sees beside the figures ------------------------------------------------------------

def test_mean_current_mrr_and_arpa_say_whom_they_average(frame, segmentation):
    p = _profiles(frame, segmentation)
    mean, arpa = p.label("mrr_mean"), p.label("arpa")
    assert mean == "Mean current MRR (all customers)" and arpa == "ARPA (customers paying now)"
    assert {mean, arpa} <= set(p.table().columns)
    helps = p.column_help()
    assert "counts as 0" in helps[mean] and "left out, not counted as 0" in helps[arpa]
    # Current MRR: 001 100, 002 churned, 003 0, 004 50, 005 300, 006 400, 007 and 008 churned.
    assert p.overall["mrr_mean"] == pytest.approx(850 / 8) and p.overall["arpa"] == pytest.approx(850 / 4)
    note = next(n for n in p.notes if n.startswith("Mean current MRR and ARPA"))
    assert "mean current MRR (106.25) averages all 8 customers, the 4 not paying now" in note
    assert "ARPA (212.50) averages only the 4 paying now" in note


def test_no_word_on_mean_and_arpa_when_everyone_pays():
    ids = ["1", "2", "3", "4"]
    frame = pd.DataFrame({"mrr": [10.0, 20.0, 30.0, 40.0]}, index=ids)
    p = profile(frame, Segmentation("t", pd.Series(["A", "A", "B", "B"], index=ids), ("A", "B"), ("mrr",)), mrr="mrr")
    assert p.overall["mrr_mean"] == p.overall["arpa"]
    assert not [n for n in p.notes if "ARPA" in n]


def test_kmeans_short_names_are_its_names_and_keep_their_words_after_a_rename():
    from segmentation.methods.kmeans import fit_kmeans

    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame({"mrr": np.r_[rng.normal(50, 5, n // 3), rng.normal(500, 20, n // 3),
                                       rng.normal(2000, 50, n // 3)],
                          "tenure_days": rng.integers(10, 900, n),
                          "seats": rng.integers(1, 40, n)},
                         index=pd.Index([f"{i:04d}" for i in range(n)], name="customer_id"))
    seg = fit_kmeans(frame, ["mrr", "tenure_days", "seats"], k=3, random_state=0)
    p = profile(frame, seg)
    # The same words in the same order as the segment's name (and the command line's), never other terms.
    assert list(p.names.items()) == [(s, s) for s in seg.segments]
    renamed = seg.renamed({seg.segments[0]: "Small accounts"})
    assert profile(frame, renamed).names["Small accounts"] == seg.segments[0]


def _rfm_table(n: int = 400, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frequency = rng.integers(1, 30, n)
    table = pd.DataFrame({"recency_days": rng.integers(1, 400, n).astype(float), "frequency": frequency,
                          "monetary": frequency * rng.uniform(20, 200, n)},
                         index=pd.Index([f"{i:04d}" for i in range(n)], name="customer_id"))
    table.loc[table.index[:20], ["recency_days", "frequency", "monetary"]] = [np.nan, 0, 0.0]  # never bought
    return table


def test_rfm_short_names_read_the_scores_of_the_cells_the_name_stands_for():
    from segmentation.methods.rfm import fit_rfm

    table = _rfm_table()
    seg = fit_rfm(table)
    names = profile(table, seg).names
    # The grid's cells, in words: "At Risk" is R 1-2 and FM 3-4, so it is "Not recent" and no more.
    assert names["At Risk"] == "Not recent"
    assert names["Hibernating"] == "Not recent, low value"
    assert names["About to Sleep"] == "Low value"
    assert names["Champions"] == "Most recent, high value"
    assert names["Can't Lose Them"] == "Not recent, top value"
    assert names["Lost"] == "Least recent, lowest value"
    assert names["No purchases"] == "No purchase yet"
    assert len(set(names.values())) == len(names)
    # Whatever the data, a short name never claims what a customer's own scores deny.
    scores = seg.scores.join(seg.labels)
    for segment, name in names.items():
        r, fm = scores.loc[scores["segment"] == segment, "r"], scores.loc[scores["segment"] == segment, "fm"]
        lowered = name.lower()
        if lowered.startswith(("recent", "most recent")):
            assert (r >= 4).all(), name
        if lowered.startswith(("not recent", "least recent")):
            assert (r <= 2).all(), name
        if "high value" in lowered or "top value" in lowered:
            assert (fm >= 4).all(), name
        if "low value" in lowered or "lowest value" in lowered:
            assert (fm <= 2).all(), name
    renamed = seg.renamed({"At Risk": "Win back"})
    assert profile(table, renamed).names["Win back"] == "Not recent"


def test_rfm_short_names_of_cells_with_the_same_words_add_their_scores():
    from segmentation.methods.rfm import fit_rfm

    table = _rfm_table()
    rows = [["New", "Recent B", "Recent B", "Best", "Best"], ["Recent B", "Recent A", "Recent A", "Best", "Best"],
            ["Mid"] * 5, ["Old"] * 5, ["Old"] * 5]
    names = profile(table, fit_rfm(table, grid=rows)).names
    assert names["Best"] == "Recent, high value" and names["New"] == "Most recent, lowest value"
    assert names["Mid"] == "Mixed recency and value" and names["Old"] == "Not recent"
    # Both are recent with no side of FM to name: their scores tell them apart.
    assert names["Recent A"] == "Recent (R 4, FM 2-3)" and names["Recent B"] == "Recent (R 4-5, FM 1-3)"
