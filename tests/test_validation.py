"""The validation scorecard: each criterion passes what it should and fails what it should."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from segmentation.charts.validation import scorecard_chart, sweep_chart
from segmentation.errors import DataError
from segmentation.methods.kmeans import fit_kmeans, sweep_k
from segmentation.result import Segmentation
from segmentation.methods.rules import fit_rules
from segmentation.validation import CRITERIA, Thresholds, evaluate


def table(points: np.ndarray, **extra) -> pd.DataFrame:
    columns = {f"v{j}": points[:, j] for j in range(points.shape[1])}
    frame = pd.DataFrame({"customer_id": [f"{i:05d}" for i in range(len(points))], **columns, **extra})
    return frame


def planted(n: int = 1500, seed: int = 0, spread: float = 1.0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [10.0, 10.0, 10.0]])
    truth = np.arange(n) % 4
    return table(centres[truth] + rng.normal(scale=spread, size=(n, 3))), truth


@pytest.mark.parametrize("shape", ["uniform cube", "gaussian blob"])
@pytest.mark.parametrize("k", [3, 4])
def test_distinct_fails_when_structureless_data_is_cut_into_pieces(shape, k):
    rng = np.random.default_rng(k)
    points = rng.uniform(size=(1500, 3)) if shape == "uniform cube" else rng.normal(size=(1500, 3))
    frame = table(points)
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=k)
    distinct = evaluate(frame, seg, n_bootstrap=0)["distinct"]
    assert distinct.verdict == "fail"
    assert distinct.figures["silhouette"] < distinct.figures["reference_silhouette"] + 0.05
    assert "not natural groups" in distinct.why


def test_distinct_passes_on_well_separated_clusters():
    frame, _ = planted()
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    distinct = evaluate(frame, seg, n_bootstrap=0)["distinct"]
    assert distinct.verdict == "pass"
    assert distinct.figures["silhouette"] > 0.7
    # The planted groups are joint (v2 is high only where v0 and v1 are): shuffling the columns breaks them.
    assert distinct.figures["silhouette"] > distinct.figures["reference_shuffled"] + 0.1
    assert distinct.figures["overlapping_pairs"] == []
    assert min(distinct.figures["effect_sizes"].values()) > 0.5


def customer_personality(n: int = 2240, seed: int = 0) -> pd.DataFrame:
    """Shaped like Kaggle's Customer Personality: Income continuous, Kidhome and Teenhome 0..2, all independent."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ID": np.arange(n), "Income": rng.normal(52000, 21000, n).clip(2000, None).round(),
                         "Kidhome": rng.choice(3, n, p=[0.577, 0.401, 0.022]),
                         "Teenhome": rng.choice(3, n, p=[0.517, 0.46, 0.023])})


def test_segments_that_only_refind_the_levels_of_count_columns_are_not_distinct():
    frame = customer_personality()
    variables = ["Income", "Kidhome", "Teenhome"]
    seg = fit_kmeans(frame, variables, id_column="ID")  # the sweep's own k: 8 cells of Kidhome x Teenhome x Income
    distinct = evaluate(frame, seg, n_bootstrap=0)["distinct"]
    # Against the clouds alone this passed (silhouette 0.51 vs 0.28); the columns shuffled one by one reach it too.
    assert distinct.figures["silhouette"] > distinct.figures["reference_gaussian"] + 0.2
    assert distinct.figures["reference_shuffled"] == pytest.approx(distinct.figures["silhouette"], abs=0.05)
    assert distinct.verdict == "fail"
    assert distinct.figures["level_variables"] == ["Kidhome", "Teenhome"]
    assert "re-find the levels of Kidhome (0, 1, 2) and Teenhome (0, 1, 2)" in distinct.why
    assert "shuffled on its own" in distinct.why and "Income" not in distinct.why
    # With only one count column in play the sentence names that one.
    two = fit_kmeans(frame, variables, k=2, id_column="ID")
    assert evaluate(frame, two, n_bootstrap=0)["distinct"].figures["level_variables"] == ["Kidhome"]
    # Rules on the same columns are judged alike, in the words of rules: by construction, one play per level.
    by_rule = fit_rules(frame, "Kids: Kidhome > 0\nTeens: Teenhome > 0\nNeither: otherwise", id_column="ID")
    distinct = evaluate(frame, by_rule, n_bootstrap=0)["distinct"]
    assert distinct.verdict == "fail" and distinct.why.startswith("The segments differ by construction")
    assert "re-find the levels of Kidhome (0, 1, 2) and Teenhome (0, 1, 2)" in distinct.why


def test_groups_that_each_variable_has_on_its_own_are_not_distinct_but_joint_groups_are():
    rng = np.random.default_rng(0)
    truth = np.arange(800) % 4
    noise = rng.normal(size=(800, 2))
    # A 2 x 2 grid: usage and spend are each two-peaked but independent, so the 4 groups are their product.
    grid = table(np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])[truth] + noise)
    distinct = evaluate(grid, fit_kmeans(grid, ["v0", "v1"], k=4), n_bootstrap=0)["distinct"]
    assert distinct.verdict == "fail"
    assert "the groups that v0 and v1 each have on their own" in distinct.why or \
        "the groups that v1 and v0 each have on their own" in distinct.why
    # The same peaks, but the columns go together (a customer high on one is high on the other): distinct.
    joint = table(np.array([[0.0, 0.0], [6.0, 2.0], [2.0, 6.0], [8.0, 8.0]])[truth] + noise)
    distinct = evaluate(joint, fit_kmeans(joint, ["v0", "v1"], k=4), n_bootstrap=0)["distinct"]
    assert distinct.verdict == "pass"
    assert distinct.figures["silhouette"] > distinct.figures["reference_shuffled"] + 0.1
    assert "shuffled on its own" in distinct.why


def _says(branch: str, variable: str, frame: pd.DataFrame) -> str | None:
    """'high' when one branch of a rule keeps only customers above the variable's median, 'low' when only at or
    below it, else None. Reads the rule's own words: "X above v", "X v or more", "X is v", "X v to w",
    "X between a and b", "X under v", "X below v"."""
    import re

    median = float(frame[variable].median())
    whole = bool((frame[variable] % 1 == 0).all())
    number = r"(-?[\d,]+(?:\.\d+)?)"
    v = re.escape(variable)
    bounds = []  # (operator, value)
    for pattern, operators in ((rf"{v} above {number}", (">",)), (rf"{v} {number} or more", (">=",)),
                               (rf"{v} is {number}", (">=", "<=")), (rf"{v} {number} to {number}", (">=", "<=")),
                               (rf"{v} between {number} and {number}", (">", "<=")),
                               (rf"{v} under {number}", ("<",)), (rf"{v} below {number}", ("<=",))):
        for match in re.finditer(pattern, branch):
            found = [float(g.replace(",", "")) for g in match.groups()]
            for operator, value in zip(operators, found if len(found) == len(operators) else found * 2):
                if operator == "<" and whole:  # whole numbers: under 1 is 0 or less
                    operator, value = "<=", math.ceil(value) - 1
                bounds.append((operator, value))
    if any((op == ">" and value >= median) or (op == ">=" and value > median) for op, value in bounds):
        return "high"
    if any((op == "<" and value <= median) or (op == "<=" and value <= median) for op, value in bounds):
        return "low"
    return None


@pytest.mark.parametrize("k", range(2, 9))
def test_a_kmeans_segment_named_low_x_has_no_rule_or_centre_saying_x_is_high(k):
    frame = customer_personality()
    variables = ["Income", "Kidhome", "Teenhome"]
    seg = fit_kmeans(frame, variables, k=k, id_column="ID")
    rules = evaluate(frame, seg, n_bootstrap=0).segment_rules
    centres = dict(zip(seg.state["names"], seg.state["centroids"]))
    for name in seg.segments:
        for position, variable in enumerate(variables):
            words = name.lower().split(", ")
            claim = next((w for w in words if w.endswith(f" {variable.lower()}")), None)
            if claim is None or claim.startswith("mostly") or claim.startswith("mid"):
                continue
            side = "low" if "low" in claim else "high"
            assert (centres[name][position] < 0) == (side == "low"), (name, centres[name])
            branches = [b.strip("() ") for b in rules[name].split(" or ")]
            contrary = [b for b in branches if _says(b, variable, frame) not in (None, side)]
            assert not contrary, f"{name!r} is found by {rules[name]!r}"
    # The issue's own case: at k = 5 a mostly childless low-income segment holds some with teenagers.
    if k == 5:
        assert not any("low teenhome" in n.lower() and "teenhome above 0" in rules[n].lower() for n in seg.segments)


def test_effect_sizes_are_eta_squared_and_cramers_v():
    # Hand-computed: x = 0, 0, 1, 1 split by segment explains all variance (eta squared 1);
    # y = 0, 1, 0, 1 explains none (0); colour follows the segment exactly (Cramer's V 1).
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "x": [0.0, 0.0, 1.0, 1.0], "y": [0.0, 1.0, 0.0, 1.0],
                          "colour": ["red", "red", "blue", "blue"]})
    seg = fit_rules(frame, "Low: x < 0.5 and y > -1 and colour in ['red', 'blue']\nHigh: otherwise", id_column="id")
    effects = evaluate(frame, seg, n_bootstrap=0)["distinct"].figures["effect_sizes"]
    assert effects == pytest.approx({"x": 1.0, "y": 0.0, "colour": 1.0})


def test_threshold_cuts_of_a_continuum_are_worded_fairly():
    rng = np.random.default_rng(5)
    frame = table(rng.normal(size=(1200, 2)))
    seg = fit_rules(frame, "Low: v0 < -0.5\nMid: v0 < 0.5\nHigh: otherwise")
    distinct = evaluate(frame, seg, n_bootstrap=0)["distinct"]
    assert distinct.verdict == "fail"
    assert "differ by construction" in distinct.why


def test_substantial_flags_a_two_percent_segment_unless_it_brings_revenue():
    n = 1000
    frame = pd.DataFrame({"customer_id": [str(i) for i in range(n)], "seats": np.r_[np.full(20, 100), np.ones(n - 20)],
                          "usage": np.arange(n) % 7})
    seg = fit_rules(frame, "Big: seats >= 50\nSmall: otherwise")
    substantial = evaluate(frame, seg, n_bootstrap=0)["substantial"]
    assert substantial.verdict == "fail"
    assert substantial.figures["customer_share"] == {"Big": 0.02, "Small": 0.98}
    assert "'Big' holds only 2.0% of customers" in substantial.why
    frame["mrr"] = np.r_[np.full(20, 5000.0), np.full(n - 20, 50.0)]
    with_revenue = evaluate(frame, seg, n_bootstrap=0, revenue="mrr")["substantial"]
    assert with_revenue.verdict == "warn"
    assert with_revenue.figures["revenue_share"]["Big"] == pytest.approx(100_000 / 149_000)
    looser = evaluate(frame, seg, n_bootstrap=0, thresholds=Thresholds(min_share=0.01))["substantial"]
    assert looser.verdict == "pass"


def test_substantial_fails_a_segment_of_few_customers_whatever_its_share():
    # 12 customers: "Pair" holds 2 of them, 16.7% (far above the 5% share) and most of the revenue.
    frame = pd.DataFrame({"customer_id": [f"{i:03d}" for i in range(12)], "seats": [50, 60] + [1] * 10,
                          "mrr": [900.0, 800.0] + [10.0] * 10})
    seg = fit_rules(frame, "Pair: seats >= 50\nRest: otherwise")
    substantial = evaluate(frame, seg, n_bootstrap=0, revenue="mrr")["substantial"]
    assert substantial.verdict == "fail"
    assert substantial.figures["customers"] == {"Pair": 2, "Rest": 10}
    assert substantial.figures["too_few_customers"] == ["Pair"]
    assert substantial.thresholds["min_customers"] == 10
    assert "'Pair' holds only 2 customers (17%), under the minimum of 10" in substantial.why
    # Adjustable like the other thresholds: with a minimum of 2, both segments are big enough.
    looser = evaluate(frame, seg, n_bootstrap=0, thresholds=Thresholds(min_customers=2))["substantial"]
    assert looser.verdict == "pass"
    assert "at least 2 customers (smallest: 'Pair', 2 customers, 17%)" in looser.why


def test_accessible_gives_plain_rules_that_reproduce_axis_aligned_segments():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"customer_id": [str(i) for i in range(900)], "logins": rng.integers(0, 30, 900),
                          "mrr": rng.uniform(0, 1000, 900)})
    seg = fit_rules(frame, "Engaged: logins >= 10 and mrr > 500\nLight: logins < 10\nCheap: otherwise")
    validation = evaluate(frame, seg, n_bootstrap=0)
    accessible = validation["accessible"]
    assert accessible.verdict == "pass"
    assert validation.tree_accuracy == 1.0
    # Whole numbers read as "10 or more" / "under 10"; money thresholds are rounded readably.
    assert validation.segment_rules["Light"] == "logins under 10"
    assert validation.segment_rules["Engaged"].startswith("logins 10 or more and mrr above ")
    assert validation.segment_rules["Cheap"].startswith("logins 10 or more and mrr below ")


def test_accessible_reads_missingness_that_a_rule_tests():
    frame = pd.DataFrame({"customer_id": [str(i) for i in range(200)],
                          "trial_start": pd.to_datetime(["2024-01-01", None] * 100),
                          "seats": np.arange(200) % 5 + 1})
    seg = fit_rules(frame, "Never started: trial_start is missing\nTrialled: otherwise")
    validation = evaluate(frame, seg, n_bootstrap=0)
    assert validation.segment_rules == {"Never started": "trial_start is missing",
                                        "Trialled": "trial_start is filled in"}
    # 50% blanks are the rule itself, not a measurement problem.
    assert validation["measurable"].verdict == "pass"


def test_accessible_fails_when_no_short_rule_finds_the_segments():
    rng = np.random.default_rng(3)
    frame = table(rng.normal(size=(1000, 2)))
    labels = pd.Series(np.where(rng.uniform(size=1000) < 0.5, "A", "B"), index=frame["customer_id"])
    seg = Segmentation(method="manual", labels=labels, segments=("A", "B"), variables=("v0", "v1"))
    validation = evaluate(frame, seg, n_bootstrap=0)
    assert validation["accessible"].verdict == "fail"
    assert validation.tree_accuracy < 0.7
    # A method that cannot refit still gets a scorecard.
    assert validation["measurable"].figures["stability_ari"] is None


def test_actionable_detects_an_outcome_that_differs_and_one_that_does_not():
    frame, truth = planted(1200)
    rng = np.random.default_rng(7)
    frame["churned"] = np.where(rng.uniform(size=1200) < np.array([0.05, 0.1, 0.3, 0.6])[truth], "yes", "no")
    frame["coin"] = np.where(rng.uniform(size=1200) < 0.3, "yes", "no")
    frame["ltv"] = rng.gamma(2.0, np.array([100, 100, 400, 900])[truth])
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    differs = evaluate(frame, seg, outcome="churned", n_bootstrap=0)["actionable"]
    assert differs.verdict == "pass" and differs.figures["p_value"] < 1e-6
    assert differs.figures["spread"] > 0.4 and differs.figures["level"] == "yes"
    same = evaluate(frame, seg, outcome="coin", n_bootstrap=0)["actionable"]
    assert same.verdict == "fail" and same.figures["p_value"] > 0.05
    numeric = evaluate(frame, seg, outcome="ltv", n_bootstrap=0)["actionable"]
    assert numeric.verdict == "pass" and numeric.figures["test"] == "Kruskal-Wallis"


def test_actionable_names_the_outcome_by_its_kind():
    frame, truth = planted(1200)
    rng = np.random.default_rng(7)
    responded = rng.uniform(size=1200) < np.array([0.05, 0.1, 0.3, 0.6])[truth]
    frame["Response"] = responded.astype(int)  # Kaggle Customer Personality: a campaign response, 0/1
    frame["outcome"] = responded  # the customer table's flag for an outcome that is not churn
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    raw = evaluate(frame, seg, outcome="Response", n_bootstrap=0)["actionable"]
    assert raw.figures["outcome_kind"] == "response"  # read from the name
    assert "response rate (Response '1') " in raw.why and "churn" not in raw.why
    flag = evaluate(frame, seg, outcome="outcome", n_bootstrap=0, outcome_kind="response")["actionable"]
    assert "differs where it matters: response rate " in flag.why and "'true'" not in flag.why
    assert flag.figures["rates"] == raw.figures["rates"]
    said = evaluate(frame, seg, outcome="outcome", n_bootstrap=0, outcome_kind="churn")["actionable"]
    assert "churn rate " in said.why


def test_actionable_without_an_outcome_asks_for_one_and_for_the_action_plan():
    frame, _ = planted(400)
    seg = fit_kmeans(frame, ["v0", "v1"], k=4)
    actionable = evaluate(frame, seg, n_bootstrap=0)["actionable"]
    assert actionable.verdict == "warn"
    assert "No outcome chosen" in actionable.why and "action plan" in actionable.why
    planned = evaluate(frame, seg, n_bootstrap=0, actions={seg.segments[0]: "Upsell"})["actionable"]
    assert planned.figures["segments_without_action"] == list(seg.segments[1:])


def test_a_churn_date_outcome_counts_customers_with_a_date():
    frame, truth = planted(800)
    # Churn in group 3 and in half of group 0 (churn in group 3 alone would be a threshold on v2: a mirror).
    churned = (truth == 3) | (np.arange(len(truth)) % 8 == 0)
    frame["churn_date"] = pd.to_datetime(np.where(churned, "2025-01-01", None))
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    actionable = evaluate(frame, seg, outcome="churn_date", n_bootstrap=0)["actionable"]
    assert actionable.verdict == "pass"
    assert sorted(actionable.figures["rates"].values()) == [0.0, 0.0, 0.5, 1.0]


def test_measurable_reports_stability_and_empty_variables():
    frame, _ = planted(1200)
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    measurable = evaluate(frame, seg, n_bootstrap=3)["measurable"]
    assert measurable.verdict == "pass" and measurable.figures["stability_ari"] > 0.95
    frame["nps"] = np.where(np.arange(1200) % 10 < 7, np.nan, 8.0)
    frame.loc[frame.index % 10 == 9, "nps"] = 3.0
    seg = fit_rules(frame, "Promoter: nps > 5\nRest: otherwise")
    patchy = evaluate(frame, seg, n_bootstrap=0)["measurable"]
    assert patchy.verdict == "fail" and patchy.figures["missing_share"]["nps"] == pytest.approx(0.7)


def test_scorecard_does_not_depend_on_row_order():
    frame, _ = planted(800)
    seg = fit_kmeans(frame, ["v0", "v1", "v2"], k=4)
    # Small samples so that the sampled parts (silhouette, stability refits) are exercised.
    small = Thresholds(silhouette_sample=300, stability_sample=300)
    one = evaluate(frame, seg, n_bootstrap=2, thresholds=small)
    two = evaluate(frame.sample(frac=1.0, random_state=3), seg, n_bootstrap=2, thresholds=small)
    assert one.verdicts == two.verdicts
    assert one["distinct"].figures["silhouette"] == pytest.approx(two["distinct"].figures["silhouette"])
    assert one["measurable"].figures["stability_ari"] == pytest.approx(two["measurable"].figures["stability_ari"])
    assert one.tree_accuracy == two.tree_accuracy


def test_scorecard_is_json_and_names_every_criterion():
    frame, _ = planted(600)
    seg = fit_kmeans(frame, ["v0", "v1"], k=4)
    validation = evaluate(frame, seg, revenue="v2", n_bootstrap=1)
    assert tuple(c.name for c in validation.criteria) == CRITERIA
    data = json.loads(json.dumps(validation.to_dict()))
    assert set(data) == set(CRITERIA)
    assert all(entry["verdict"] in ("pass", "warn", "fail") and entry["why"] for entry in data.values())
    with pytest.raises(DataError, match="outcome column 'churn' is not in the data"):
        evaluate(frame, seg, outcome="churn")


def test_charts_build():
    frame, _ = planted(400)
    sweep = sweep_k(frame, ["v0", "v1"], ks=range(2, 6))
    spec = sweep_chart(sweep, chosen_k=3).to_dict()
    assert spec["facet"]["field"] == "measure"
    seg = fit_kmeans(frame, ["v0", "v1"], k=4)
    tiles = scorecard_chart(evaluate(frame, seg, n_bootstrap=0)).to_dict()
    assert len(tiles["layer"]) == 2


def test_sweep_chart_crosses_out_ks_that_leave_a_sliver():
    # Three groups of 194 and one of 18 (3%): every k from 4 up keeps that sliver as its own segment.
    rng = np.random.default_rng(0)
    points = np.r_[rng.normal(0, 1, (194, 2)), rng.normal(8, 1, (194, 2)), rng.normal([0, 8], 1, (194, 2)),
                   rng.normal([30, 30], 0.5, (18, 2))]
    frame = pd.DataFrame(points, columns=["a", "b"])
    sweep = sweep_k(frame, ["a", "b"], ks=range(2, 6), transforms={"a": "none", "b": "none"})
    spec = sweep_chart(sweep).to_dict()
    rows = next(iter(spec["datasets"].values()))
    tiny_ks = {row["k"] for row in rows if row["tiny"]}
    assert tiny_ks == set(sweep.table.loc[sweep.table["smallest_share"] < 0.05, "k"]) and tiny_ks
    assert "under 5% of customers" in " ".join(spec["title"])


def test_rfm_where_everyone_bought_is_measurable_on_recency_values():
    # No customer lacks a purchase, so "blank vs filled" says nothing; the recency values still vary.
    from segmentation.methods.rfm import fit_rfm

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"recency_days": rng.integers(1, 365, 600).astype(float),
                          "frequency": rng.integers(1, 12, 600), "monetary": rng.gamma(2, 50, 600)},
                         index=pd.Index([f"c{i}" for i in range(600)], name="customer_id"))
    measurable = evaluate(frame, fit_rfm(frame), n_bootstrap=0)["measurable"]
    assert measurable.figures["constancy"]["recency_days"] < 0.05
    assert "one value" not in measurable.why
    # Where most customers never bought, the blanks are the most common value.
    frame.loc[frame.index[:550], "recency_days"] = np.nan
    measurable = evaluate(frame, fit_rfm(frame), n_bootstrap=0)["measurable"]
    assert measurable.figures["constancy"]["recency_days"] == pytest.approx(550 / 600)


def _lapsed(flip_every: int) -> pd.DataFrame:
    """300 customers; churned = recency_days above 30, except every `flip_every`-th customer's is flipped."""
    i = np.arange(300)
    recency = i % 60 + 1
    churned = (recency > 30) ^ (i % flip_every == 0)
    return pd.DataFrame({"customer_id": [f"{j:04d}" for j in i], "recency_days": recency,
                         "seats": i % 7 + 1, "churned": np.where(churned, "yes", "no")})


def test_actionable_does_not_pass_when_a_variable_mirrors_the_outcome():
    # Every 30th customer flipped: recency 1 all churned (5 customers), 31 none; the best threshold (above 31)
    # misses only the 5 at recency 1: 295 of 300 (98%).
    frame = _lapsed(30)
    seg = fit_rules(frame, "Recent: recency_days <= 30\nLapsed: otherwise")
    actionable = evaluate(frame, seg, outcome="churned", n_bootstrap=0)["actionable"]
    assert actionable.verdict == "warn"
    assert actionable.why.startswith(
        "recency_days mirrors churned here (a single threshold on it gives churned with 98% accuracy); "
        "'actionable' passes by definition — drop it or choose another outcome")
    assert actionable.figures["mirroring_variables"] == ["recency_days"]
    assert actionable.figures["mirror_accuracy"]["recency_days"] == pytest.approx(295 / 300)
    # 145 of 150 churned customers (recency 32-60) outrank all 150 who stayed, 5 (recency 1) none: AUC 145/150.
    assert actionable.figures["mirror_auc"]["recency_days"] == pytest.approx(145 / 150)


def test_actionable_still_passes_when_a_variable_only_predicts_the_outcome():
    frame = _lapsed(4)  # a quarter flipped: a strong predictor, not the outcome itself
    seg = fit_rules(frame, "Recent: recency_days <= 30\nLapsed: otherwise")
    actionable = evaluate(frame, seg, outcome="churned", n_bootstrap=0)["actionable"]
    assert actionable.verdict == "pass" and "mirrors" not in actionable.why
    assert actionable.figures["mirroring_variables"] == []


def test_a_variable_mirroring_a_numeric_outcome_is_named():
    from segmentation.validation import mirroring_variables

    i = np.arange(200)
    frame = pd.DataFrame({"customer_id": [str(j) for j in i], "monetary": i * 10.0, "seats": i % 5 + 1,
                          "ltv": i * 10.0 + (i % 3)})
    assert list(mirroring_variables(frame, ["monetary", "seats"], "ltv")) == ["monetary"]
    seg = fit_rules(frame, "Big: monetary >= 1000\nSmall: otherwise")
    actionable = evaluate(frame, seg, outcome="ltv", n_bootstrap=0)["actionable"]
    assert actionable.verdict == "warn"
    assert actionable.why.startswith("monetary mirrors ltv here (its rank correlation with ltv is 1.00)")


@pytest.mark.parametrize("integer", [False, True])
def test_a_split_between_zero_and_the_smallest_price_reads_as_zero_or_above(integer):
    i = np.arange(400)
    mrr = np.where(i % 2 == 0, 0.0, 12.0 + (i * 37) % 488)  # free, or 12 and up: no price between
    mrr = mrr.astype(int) if integer else mrr + 0.5 * (i % 2)
    frame = pd.DataFrame({"customer_id": [str(j) for j in i], "mrr": mrr, "logins": i % 9})
    seg = fit_rules(frame, "Free: mrr == 0\nPaying: otherwise")
    validation = evaluate(frame, seg, n_bootstrap=0)
    assert validation.segment_rules == {"Free": "mrr is 0", "Paying": "mrr above 0"}


def test_rfm_segments_are_accessible_by_their_own_grid_rules():
    from segmentation.methods.rfm import fit_rfm, segment_rules

    rng = np.random.default_rng(5)
    n = 600
    frame = pd.DataFrame({"recency_days": rng.integers(1, 400, n), "frequency": rng.integers(1, 12, n),
                          "monetary": rng.lognormal(5, 1, n).round(2)}, index=[f"c{j}" for j in range(n)])
    seg = fit_rfm(frame)
    validation = evaluate(frame.rename_axis("customer_id").reset_index(), seg, n_bootstrap=0,
                          id_column="customer_id")
    accessible = validation["accessible"]
    assert accessible.verdict == "pass" and validation.tree_accuracy == 1.0
    assert dict(validation.segment_rules) == {s: r for s, r in segment_rules(seg).items() if s in seg.sizes.index}
    assert not any("no simple rule" in r for r in validation.segment_rules.values())
