"""K-means segments: planted clusters, deterministic names, recipes, the sweep and the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from segmentation.cli import main
from segmentation.errors import DataError
from segmentation.methods.kmeans import _names, fit_kmeans, silhouette_on_distances, sweep_k
from segmentation.methods.registry import method_names
from segmentation.result import Segmentation
from segmentation.variables import prepare

CENTRES = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])


def blobs(n: int = 800, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % 4
    points = CENTRES[truth] + rng.normal(size=(n, 2))
    frame = pd.DataFrame(
        {"customer_id": [f"{i:05d}" for i in range(n)], "usage": points[:, 0] + 20, "spend": points[:, 1] + 20}
    )
    return frame, truth


def test_finds_planted_clusters_and_suggests_their_number():
    frame, truth = blobs()
    seg = fit_kmeans(frame, ["usage", "spend"])
    assert seg.method == "kmeans" and seg.params["k"] == 4
    assert adjusted_rand_score(truth, seg.labels.to_numpy()) > 0.98
    assert list(seg.labels.index[:2]) == ["00000", "00001"]
    assert any("Suggested k: k=4" in note for note in seg.notes)


def test_names_come_from_the_centres_in_a_fixed_order():
    frame, truth = blobs()
    seg = fit_kmeans(frame, ["usage", "spend"], k=4)
    assert set(seg.segments) == {"Low usage, low spend", "Low usage, high spend", "High usage, low spend",
                                 "High usage, high spend"}
    # Segments are ordered by their centre on the first variable (usage).
    usage_centres = [centre[0] for centre in seg.state["centroids"]]
    assert usage_centres == sorted(usage_centres)
    assert seg.segments[-1].startswith("High usage") and seg.segments[0].startswith("Low usage")
    planted = {0: "Low usage, low spend", 1: "High usage, low spend", 2: "Low usage, high spend",
               3: "High usage, high spend"}
    assert [seg.labels.iloc[i] for i in range(4)] == [planted[i] for i in range(4)]
    assert seg.sizes.tolist() == [200, 200, 200, 200]


def test_names_stay_unique_when_centres_describe_alike():
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [11.0, 0.0], [0.0, 10.0]])
    points = centres[np.arange(400) % 4] + rng.normal(scale=0.1, size=(400, 2))
    seg = fit_kmeans(pd.DataFrame({"a": points[:, 0], "b": points[:, 1]}), ["a", "b"], k=4)
    # (10, 0) and (11, 0) are both "high a, low b"; the later one gets a number.
    assert set(seg.segments) == {"Low a, low b", "Low a, very high b", "High a, low b", "High a, low b (2)"}
    assert seg.segments[2:] == ("High a, low b", "High a, low b (2)")


def test_labels_do_not_depend_on_row_order():
    frame, _ = blobs(600, seed=3)
    first = fit_kmeans(frame, ["usage", "spend"], k=4, random_state=0)
    shuffled = frame.sample(frac=1.0, random_state=11)
    second = fit_kmeans(shuffled, ["usage", "spend"], k=4, random_state=0)
    pd.testing.assert_series_equal(first.labels, second.labels.reindex(first.labels.index))
    assert first.segments == second.segments


def test_categorical_variable_names_its_dominant_level():
    rng = np.random.default_rng(2)
    plan = np.repeat(["Enterprise", "Free"], 150)
    frame = pd.DataFrame({"plan": plan, "mrr": np.where(plan == "Enterprise", 900.0, 0.0) + rng.uniform(0, 5, 300)})
    seg = fit_kmeans(frame, ["plan", "mrr"], k=2, transforms="none")
    assert seg.state["transforms"]["plan"] == "one-hot (2 levels)"
    assert set(seg.segments) == {"Plan Enterprise, high MRR", "Plan Free, low MRR"}


def test_recipe_round_trip_assigns_the_same_segments():
    frame, _ = blobs(400)
    seg = fit_kmeans(frame, ["usage", "spend"], k=4)
    again = Segmentation.from_recipe(json.loads(seg.to_json()))
    assigned = again.assign(frame.sample(frac=1.0, random_state=5))
    assert (assigned.sort_index() == seg.labels.to_numpy()).all()
    refit = seg.refit(frame)
    assert refit.params["k"] == 4 and refit.segments == seg.segments
    assert "kmeans" in method_names()


def test_k_is_checked():
    frame, _ = blobs(100)
    with pytest.raises(DataError, match="k=1 should be between 2 and 20"):
        fit_kmeans(frame, ["usage", "spend"], k=1)
    few = pd.DataFrame({"a": [1.0, 2.0] * 6, "b": [0.0, 5.0] * 6})
    with pytest.raises(DataError, match="k=3 is more than the 2 different customers"):
        fit_kmeans(few, ["a", "b"], k=3)
    with pytest.raises(DataError, match="at most 4 variables"):
        fit_kmeans(frame.assign(c=1.0, d=2.0, e=3.0), ["usage", "spend", "c", "d", "e"])


def test_sweep_reports_every_measure_and_a_reason():
    frame, _ = blobs()
    sweep = sweep_k(frame, ["usage", "spend"], ks=range(2, 7))
    assert list(sweep.table["k"]) == [2, 3, 4, 5, 6]
    assert {"silhouette", "calinski_harabasz", "davies_bouldin", "inertia"} <= set(sweep.table.columns)
    assert sweep.suggested_k == 4
    assert sweep.table.loc[sweep.table["k"] == 4, "silhouette"].item() > 0.7
    assert sweep.table["inertia"].is_monotonic_decreasing
    assert sweep.reason.startswith("k=4 ranks best")


def test_sweep_says_when_no_k_separates_the_customers():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600), "c": rng.normal(size=600)})
    sweep = sweep_k(frame, ["a", "b", "c"])
    assert "No k separates the customers clearly" in sweep.reason


def test_silhouette_on_distances_matches_scikit_learn():
    rng = np.random.default_rng(4)
    points = rng.normal(size=(120, 3))
    labels = rng.integers(0, 4, 120)
    labels[0] = 9  # a segment of one customer scores 0, as in scikit-learn
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    assert silhouette_on_distances(distances, labels) == pytest.approx(silhouette_score(points, labels))
    # Hand-computed: two pairs at distance 1 whose pairs are 10 apart: s = (10 - 1) / 10 for everyone.
    line = np.array([0.0, 1.0, 10.0, 11.0])
    grid = np.abs(line[:, None] - line[None, :])
    expected = np.mean([(10.5 - 1) / 10.5, (9.5 - 1) / 9.5, (9.5 - 1) / 9.5, (10.5 - 1) / 10.5])
    assert silhouette_on_distances(grid, np.array([0, 0, 1, 1])) == pytest.approx(expected)


def test_recovers_the_sample_personas():
    sample = pytest.importorskip("segmentation.sample")
    data = sample.generate(3000, random_state=42)
    variables = ["mrr", "logins_30d", "features_adopted", "seats"]
    # As the sample's README documents: log1p of all four, standardised, k = 4.
    seg = fit_kmeans(data.customers, variables, k=4, transforms={v: "log1p" for v in variables})
    assert adjusted_rand_score(data.personas.reindex(seg.labels.index), seg.labels) >= 0.6


def test_command_line_writes_ids_segments_report_and_recipe(tmp_path):
    frame, truth = blobs(400)
    # The off-diagonal groups moved inwards, so usage and spend go together: the 2 x 2 grid of independent
    # columns only re-finds each column's own two peaks, which 'distinct' rightly fails.
    frame["usage"] += np.select([truth == 1, truth == 2], [-2.0, 2.0], 0.0)
    frame["spend"] += np.select([truth == 1, truth == 2], [2.0, -2.0], 0.0)
    frame["churned"] = np.where(truth == 1, "yes", "no")  # a group no single threshold on one column isolates
    source = tmp_path / "customers.csv"
    frame.to_csv(source, index=False)
    out, report, recipe = tmp_path / "out.csv", tmp_path / "report.json", tmp_path / "recipe.json"
    code = main(["kmeans", str(source), "--vars", "usage,spend", "--k", "4", "--outcome", "churned",
                 "--out", str(out), "--report", str(report), "--recipe", str(recipe)])
    assert code == 0
    written = pd.read_csv(out, dtype=str)
    assert list(written.columns) == ["customer_id", "segment"]
    assert written["customer_id"].iloc[0] == "00000" and len(written) == 400
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert summary["k"] == 4
    assert set(summary["validation"]) == {"distinct", "measurable", "substantial", "accessible", "actionable"}
    assert summary["validation"]["distinct"]["verdict"] == "pass"
    assert summary["validation"]["actionable"]["verdict"] == "pass"
    assert Segmentation.from_recipe(recipe.read_text(encoding="utf-8")).method == "kmeans"


def test_command_line_bad_input_exits_2(tmp_path, capsys):
    frame, _ = blobs(50)
    source = tmp_path / "customers.csv"
    frame.to_csv(source, index=False)
    out = str(tmp_path / "out.csv")
    assert main(["kmeans", str(source), "--vars", "usage", "--out", out]) == 2
    assert main(["kmeans", str(source), "--vars", "usage,nope", "--out", out]) == 2
    assert main(["kmeans", str(source), "--vars", "customer_id,usage", "--out", out]) == 2
    assert main(["kmeans", str(tmp_path / "missing.csv"), "--vars", "usage,spend", "--out", out]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("error: ") for line in lines)


def test_too_few_customers_get_a_clear_refusal():
    import pandas as pd
    import pytest

    from segmentation.errors import DataError
    from segmentation.methods.kmeans import fit_kmeans, sweep_k

    tiny = pd.DataFrame({"mrr": [10.0, 20.0, 30.0], "logins": [1, 2, 5]},
                        index=pd.Index(["001", "002", "003"], name="customer_id"))
    for call in (lambda: sweep_k(tiny, ["mrr", "logins"]), lambda: fit_kmeans(tiny, ["mrr", "logins"], k=2)):
        with pytest.raises(DataError, match="Only 3 customers"):
            call()


# -- names claim only what the segment's data supports ---------------------------------------
def mixed_plan_frame() -> pd.DataFrame:
    """200 low-MRR customers on mixed plans (Basic is the most common at only 30%) and 100 high-MRR
    customers all on Enterprise."""
    rng = np.random.default_rng(5)
    low_plans = ["Basic"] * 60 + ["Pro"] * 50 + ["Team"] * 50 + ["Starter"] * 40
    return pd.DataFrame(
        {
            "mrr": np.concatenate([rng.uniform(20, 40, 200), rng.uniform(900, 1000, 100)]),
            "plan": low_plans + ["Enterprise"] * 100,
        }
    )


def test_a_plan_held_by_a_minority_of_the_segment_never_names_it():
    seg = fit_kmeans(mixed_plan_frame(), ["mrr", "plan"], k=2, transforms="none")
    assert seg.sizes.sort_values().tolist() == [100, 200]
    # 30% on Basic is no reason to call the low-MRR segment "plan Basic"; 100% Enterprise is.
    assert seg.segments == ("Low MRR", "High MRR, plan Enterprise")
    assert seg.labels.iloc[0] == "Low MRR" and seg.labels.iloc[-1] == "High MRR, plan Enterprise"


def test_a_plan_level_that_is_common_everywhere_does_not_name_a_segment():
    # Basic is the plan of 80% of everyone and of 80% of each segment: a majority, but no distinction.
    rng = np.random.default_rng(6)
    plan = np.tile(["Basic"] * 4 + ["Pro"], 60)
    frame = pd.DataFrame({"mrr": np.repeat([10.0, 500.0], 150) + rng.uniform(0, 5, 300), "plan": plan})
    seg = fit_kmeans(frame, ["mrr", "plan"], k=2, transforms="none")
    assert seg.segments == ("Low MRR", "High MRR")


def test_segments_told_apart_only_by_a_weak_plan_get_a_number_not_the_plan():
    # Two high-MRR groups at the same level whose most common plans (40% Pro, 40% Team) differ but
    # are no majority. K-means would rather split such data by plan, so the groups are given by hand
    # and named from their centres (each centre is its group's mean, as k-means leaves it).
    rng = np.random.default_rng(7)
    mrr = np.concatenate([rng.uniform(0, 2, 200), rng.uniform(100, 101, 100), rng.uniform(110, 111, 100)])
    plan = ["Basic", "Pro"] * 100 + ["Pro", "Pro", "Team", "Basic", "Starter"] * 20 + [
        "Team", "Team", "Pro", "Basic", "Starter"] * 20
    design = prepare(pd.DataFrame({"mrr": mrr, "plan": plan}), ["mrr", "plan"], transforms="none")
    groups = np.repeat([0, 1, 2], [200, 100, 100])
    centres = np.array([design.matrix[groups == g].mean(axis=0) for g in range(3)])
    assert _names(centres, design) == ["Low MRR", "High MRR", "High MRR (2)"]


def test_names_fall_back_to_mid_numbers_and_mixed_categories_but_are_never_empty():
    # MRR in three groups: the low one all on Free, the high one all on Enterprise, the middle one
    # spread over three plans, so it is only "mid" on MRR and mixed on plan.
    rng = np.random.default_rng(8)
    plan = ["Free"] * 100 + ["Basic", "Pro", "Team"] * 33 + ["Basic"] + ["Enterprise"] * 100
    frame = pd.DataFrame({"mrr": np.repeat([0.0, 50.0, 100.0], 100) + rng.uniform(0, 2, 300), "plan": plan})
    seg = fit_kmeans(frame, ["mrr", "plan"], k=3, transforms="none")
    assert seg.segments == ("Low MRR, plan Free", "Mid MRR", "High MRR, plan Enterprise")
    assert seg.sizes.tolist() == [100, 100, 100]
    # Two categories: 90 customers all Enterprise in EU; 180 spread evenly over 3 plans x 3 regions.
    crossed = [(p, r) for p in ("Basic", "Pro", "Team") for r in ("US", "APAC", "LATAM")] * 20
    frame = pd.DataFrame({"plan": ["Enterprise"] * 90 + [p for p, _ in crossed],
                          "region": ["EU"] * 90 + [r for _, r in crossed]})
    seg = fit_kmeans(frame, ["plan", "region"], k=2)
    assert seg.segments == ("Plan Enterprise, region EU", "Mixed plan")
    assert seg.sizes["Mixed plan"] == 180


# -- the suggested k avoids segments too small to act on -----------------------------------
def three_blobs_and_a_crumb() -> pd.DataFrame:
    """Three groups of 194 customers and, apart from them, 18 customers (3%)."""
    rng = np.random.default_rng(0)
    points = [centre + rng.normal(size=(194, 2)) for centre in ([0.0, 0.0], [10.0, 0.0], [5.0, 9.0])]
    points.append(np.array([17.0, 0.0]) + rng.normal(scale=0.3, size=(18, 2)))
    xy = np.vstack(points)
    return pd.DataFrame({"a": xy[:, 0], "b": xy[:, 1]})


def test_sweep_skips_a_better_ranked_k_whose_smallest_segment_is_tiny():
    frame = three_blobs_and_a_crumb()
    sweep = sweep_k(frame, ["a", "b"])
    shares = dict(zip(sweep.table["k"], sweep.table["smallest_share"]))
    assert shares[3] == pytest.approx(194 / 600) and shares[4] == pytest.approx(18 / 600)
    # k=4 isolates the 18 customers and ranks best; k=3 keeps every segment above 5%.
    assert sweep.suggested_k == 3
    assert sweep.reason.startswith("k=3 ranks best")
    assert "k=4 ranked higher but its smallest segment holds 18 customers (3%)" in sweep.reason
    assert fit_kmeans(frame, ["a", "b"]).params["k"] == 3


def test_sweep_min_share_can_be_relaxed_and_says_when_no_k_meets_it():
    frame = three_blobs_and_a_crumb()
    relaxed = sweep_k(frame, ["a", "b"], min_share=0.0)
    assert relaxed.suggested_k == 4 and "ranked higher" not in relaxed.reason
    # No k in 2..8 gives every segment 40% of the customers: the best-ranked k stays, with a warning.
    strict = sweep_k(frame, ["a", "b"], min_share=0.4)
    assert strict.suggested_k == 4
    assert "Every k leaves a segment under 40% of customers" in strict.reason
    with pytest.raises(DataError, match="min_share=1.5 should be a share"):
        sweep_k(frame, ["a", "b"], min_share=1.5)


def three_blobs_and_four_customers() -> pd.DataFrame:
    """Three groups of 25 customers and, far from them, 4 customers: 5.06% of 79, above MIN_SHARE."""
    rng = np.random.default_rng(1)
    points = [centre + rng.normal(scale=0.5, size=(25, 2)) for centre in ([0.0, 0.0], [10.0, 0.0], [5.0, 9.0])]
    points.append(np.array([20.0, 20.0]) + rng.normal(scale=0.2, size=(4, 2)))
    xy = np.vstack(points)
    return pd.DataFrame({"a": xy[:, 0], "b": xy[:, 1]})


def test_sweep_never_suggests_a_segment_of_fewer_customers_than_the_minimum():
    frame = three_blobs_and_four_customers()
    relaxed = sweep_k(frame, ["a", "b"], min_customers=0)
    # The 4 far customers are a natural group, and 4 / 79 passes the 5% share.
    assert relaxed.suggested_k == 4
    assert relaxed.table.set_index("k").loc[4, "smallest_size"] == 4
    sweep = sweep_k(frame, ["a", "b"])  # 10 customers at least, by default
    assert sweep.suggested_k == 3
    assert "of the k that leave no segment under 5% of customers or under 10 customers" in sweep.reason
    assert "k=4 and k=5 ranked higher but their smallest segments hold 4 customers (5%) and 4" in sweep.reason
    assert fit_kmeans(frame, ["a", "b"]).params["k"] == 3
    with pytest.raises(DataError, match="min_customers=-1 should be a whole number"):
        sweep_k(frame, ["a", "b"], min_customers=-1)


def test_too_few_customers_for_any_k_are_told_so_and_get_the_fewest_segments():
    rng = np.random.default_rng(12)
    frame = pd.DataFrame({"mrr": rng.integers(40, 200, 12).astype(float), "logins": rng.integers(0, 50, 12)},
                         index=pd.Index([f"{i:03d}" for i in range(1, 13)], name="customer_id"))
    sweep = sweep_k(frame, ["mrr", "logins"])
    assert sweep.suggested_k == 2
    assert sweep.reason.startswith("12 customers are too few to split into segments of at least 10, so k=2")
    seg = fit_kmeans(frame, ["mrr", "logins"])
    assert seg.params["k"] == 2
    assert any("12 customers are too few" in note for note in seg.notes)


def test_the_command_line_and_the_profiles_name_the_segments_alike_in_one_order(tmp_path, capsys):
    # A Telco-shaped export: three money and time columns, where two namers once read different terms.
    from segmentation.dataset import Dataset
    from segmentation.profiles import kpi_columns, profile

    rng = np.random.default_rng(3)
    n = 600
    tenure = rng.integers(0, 73, n)
    monthly = np.round(rng.uniform(18, 119, n), 2)
    frame = pd.DataFrame({"customerID": [f"{i:04d}-X" for i in range(n)], "tenure": tenure, "MonthlyCharges": monthly,
                          "TotalCharges": np.round(monthly * tenure * rng.uniform(0.95, 1.05, n), 2),
                          "Churn": np.where(rng.random(n) < 0.25, "Yes", "No")})
    source = tmp_path / "telco.csv"
    frame.to_csv(source, index=False)
    variables = ["tenure", "MonthlyCharges", "TotalCharges"]
    assert main(["kmeans", str(source), "--vars", ",".join(variables), "--out", str(tmp_path / "km.csv")]) == 0
    printed = [line.strip().rsplit(": ", 1)[0] for line in capsys.readouterr().out.splitlines()
               if line.startswith("  ")]

    data = Dataset.read(source)  # as the app reads the upload, then its Profiles page
    table = data.customer_table().frame
    seg = fit_kmeans(table, variables, random_state=0)
    names = profile(table, seg, **kpi_columns(table, data.roles["customers"])).names
    assert printed == list(seg.segments) == list(names) == list(names.values())
