"""fit_sklearn: any scikit-learn clusterer as a Segmentation that validates, saves and re-applies."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture

from segmentation.errors import DataError
from segmentation.methods.sklearn_adapter import UNCLUSTERED, fit_sklearn
from segmentation.result import Segmentation
from segmentation.validation import evaluate


def _blobs(n_per_blob: int = 60, seed: int = 0) -> pd.DataFrame:
    """Two tight groups: small accounts (mrr ~ 50, logins ~ 5) and big ones (mrr ~ 500, logins ~ 80)."""
    rng = np.random.default_rng(seed)
    small = pd.DataFrame({"mrr": rng.normal(50, 3, n_per_blob), "logins": rng.normal(5, 1, n_per_blob)})
    big = pd.DataFrame({"mrr": rng.normal(500, 20, n_per_blob), "logins": rng.normal(80, 4, n_per_blob)})
    frame = pd.concat([small, big], ignore_index=True)
    frame.index = pd.Index([f"{i:04d}" for i in range(len(frame))], name="customer_id")
    # Churn differs by group (80% vs 10%) without mirroring it, which 'actionable' would flag.
    frame["churned"] = np.r_[np.arange(n_per_blob) % 5 != 0, np.arange(n_per_blob) % 10 == 0]
    return frame


def test_gaussian_mixture_finds_the_two_groups_ordered_by_their_centre():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(n_components=2), transforms="none")
    assert seg.method == "sklearn"
    assert seg.labels.index.tolist() == frame.index.tolist()
    # The low-mrr group comes first whatever number the mixture gave it.
    small, big = seg.segments
    assert (seg.labels.iloc[:60] == small).all() and (seg.labels.iloc[60:] == big).all()
    assert seg.sizes.tolist() == [60, 60]
    assert not small.startswith("Segment") and small != big
    assert seg.params["estimator"] == "sklearn.mixture.GaussianMixture"
    assert seg.params["estimator_params"]["n_components"] == 2


def test_predicting_estimator_assigns_exactly_its_own_labels_also_from_a_recipe():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(n_components=2, random_state=3))
    assert "fitted" in seg.state
    assert seg.assign(frame).tolist() == seg.labels.tolist()
    recipe = json.loads(seg.to_json())
    again = Segmentation.from_recipe(recipe)
    newcomers = pd.DataFrame({"mrr": [48.0, 520.0], "logins": [4.0, 90.0]}, index=["n1", "n2"])
    assert again.assign(newcomers).tolist() == list(seg.segments)
    assert again.assign(frame).tolist() == seg.labels.tolist()


def test_non_predicting_estimator_assigns_new_customers_to_the_nearest_centre_and_says_so():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], AgglomerativeClustering(n_clusters=2), transforms="none")
    assert "fitted" not in seg.state
    assert any("nearest centre" in note and "100%" in note for note in seg.notes)
    newcomers = pd.DataFrame({"mrr": [60.0, 450.0], "logins": [6.0, 70.0]}, index=["n1", "n2"])
    assert seg.assign(newcomers).tolist() == list(seg.segments)


def test_row_order_does_not_change_anyone_s_segment():
    frame = _blobs()
    shuffled = frame.sample(frac=1.0, random_state=1)
    first = fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(n_components=2), random_state=0)
    second = fit_sklearn(shuffled, ["mrr", "logins"], GaussianMixture(n_components=2), random_state=0)
    assert second.labels.reindex(first.labels.index).tolist() == first.labels.tolist()


def test_random_state_reaches_the_estimator_and_the_params():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], KMeans(n_clusters=2, n_init=1, random_state=5))
    assert seg.params["random_state"] == 5
    assert "random_state" not in seg.params["estimator_params"]
    other = fit_sklearn(frame, ["mrr", "logins"], KMeans(n_clusters=2, n_init=1, random_state=5), random_state=9)
    assert other.params["random_state"] == 9


def test_evaluate_validates_it_like_any_other_method_including_stability():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(n_components=2))
    validation = evaluate(frame, seg, outcome="churned")
    assert validation["distinct"].verdict == "pass"
    # Refits on subsamples go through the registered refit: the two groups come back every time.
    assert validation["measurable"].figures["stability_ari"] == pytest.approx(1.0)
    assert validation["substantial"].verdict == "pass"
    assert validation["actionable"].verdict == "pass"


def test_refit_rebuilds_the_estimator_from_the_saved_parameters():
    frame = _blobs()
    seg = fit_sklearn(frame, ["mrr", "logins"], AgglomerativeClustering(n_clusters=2, linkage="average"))
    refitted = seg.refit(frame.iloc[::2])
    assert refitted.params["estimator_params"]["linkage"] == "average"
    # Names come from each refit's own profile; the grouping (low-mrr group first) is what must hold.
    small, big = refitted.segments
    assert refitted.labels.tolist() == [small] * 30 + [big] * 30


def test_noise_of_a_density_clusterer_is_its_own_segment_but_never_assigned():
    frame = _blobs()
    outlier = pd.DataFrame({"mrr": [5000.0], "logins": [1000.0], "churned": [False]},
                           index=pd.Index(["9999"], name="customer_id"))
    frame = pd.concat([frame, outlier])
    seg = fit_sklearn(frame, ["mrr", "logins"], DBSCAN(eps=0.5, min_samples=5))
    assert seg.labels["9999"] == UNCLUSTERED
    assert seg.segments[-1] == UNCLUSTERED
    assert seg.sizes[UNCLUSTERED] == 1
    assert UNCLUSTERED not in set(seg.assign(frame))
    assert any("noise" in note for note in seg.notes)


def test_an_id_column_instead_of_an_index():
    frame = _blobs().reset_index()
    seg = fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(n_components=2), id_column="customer_id")
    assert seg.labels.index[0] == "0000"


@pytest.mark.parametrize(
    "estimator, words",
    [
        (GaussianMixture, "not the class itself"),
        (object(), "not a scikit-learn clusterer"),
        (AgglomerativeClustering(n_clusters=1), "one cluster"),
        (AgglomerativeClustering(n_clusters=2, metric=lambda a, b: 0.0, linkage="average"), "not plain data"),
    ],
)
def test_unusable_estimators_are_refused_with_the_reason(estimator, words):
    with pytest.raises(DataError, match=words):
        fit_sklearn(_blobs(), ["mrr", "logins"], estimator)


def test_an_estimator_from_outside_scikit_learn_is_refused():
    class Mine(KMeans):
        pass

    with pytest.raises(DataError, match="does not come from scikit-learn"):
        fit_sklearn(_blobs(), ["mrr", "logins"], Mine(n_clusters=2))


def test_the_input_is_not_changed_and_the_estimator_stays_unfitted():
    frame = _blobs()
    before = frame.copy()
    estimator = GaussianMixture(n_components=2)
    fit_sklearn(frame, ["mrr", "logins"], estimator)
    pd.testing.assert_frame_equal(frame, before)
    assert not hasattr(estimator, "means_")


def test_a_recipe_cannot_name_anything_but_a_clusterer(tmp_path):
    import json

    import pandas as pd
    import pytest
    from sklearn.mixture import GaussianMixture

    from segmentation.errors import DataError
    from segmentation.export import load_recipe, recipe_json
    from segmentation.methods.sklearn_adapter import fit_sklearn

    frame = pd.DataFrame({"mrr": [1.0, 2.0, 3.0, 50.0, 51.0, 52.0] * 5, "logins": [1, 2, 1, 30, 31, 29] * 5},
                         index=pd.Index([f"{i:03d}" for i in range(30)], name="customer_id"))
    recipe = json.loads(recipe_json(fit_sklearn(frame, ["mrr", "logins"], GaussianMixture(2, random_state=0))))
    marker = tmp_path / "ran"
    recipe["params"]["estimator"] = "sklearn.utils._testing.check_output"
    recipe["params"]["estimator_params"] = {"args": ["touch", str(marker)]}
    seg, _ = load_recipe(json.dumps(recipe))
    with pytest.raises(DataError, match="not a scikit-learn clusterer"):
        seg.refit(frame)
    with pytest.raises(DataError):
        seg.assign(frame)
    assert not marker.exists()
