"""K-prototypes: numbers and categories segmented together, with the sweep, scorecard, recipe and assign
of K-means; the Segment page and the `kmeans` command run it when a chosen variable is a category."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.methods import kmeans, kprototypes
from segmentation.result import Segmentation
from segmentation.validation import evaluate
from segmentation.variables import prepare


def _mixed(n: int = 900, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """Three planted groups that differ in money, logins and industry together: joint structure, which
    shuffling each column on its own destroys."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    industries = np.array([f"industry {i}" for i in range(11)])
    frame = pd.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "mrr": np.exp(rng.normal(np.array([3.0, 5.0, 7.0])[group], 0.3)),
        "logins": rng.poisson(np.array([3, 15, 45])[group]),
        # Each group has its own industries: eleven levels, three disjoint sets.
        "industry": np.select([group == 0, group == 1], [rng.choice(industries[:4], n), rng.choice(industries[4:8], n)],
                              rng.choice(industries[8:], n)),
    })
    return frame.set_index("customer_id"), group


def test_a_category_among_the_variables_runs_k_prototypes_and_says_why():
    frame, group = _mixed()
    seg = kprototypes.fit_clusters(frame, ["mrr", "logins", "industry"], k=3)
    assert seg.method == "kprototypes"
    assert any("K-prototypes ran, not K-means, because 'industry' is categorical" in note for note in seg.notes)
    assert adjusted_rand_score(group, seg.labels.reindex(frame.index)) > 0.9
    assert seg.method_info.label == "K-prototypes"


def test_numbers_alone_run_k_means_exactly_as_before():
    frame, _ = _mixed()
    seg = kprototypes.fit_clusters(frame, ["mrr", "logins"], k=3)
    plain = kmeans.fit_kmeans(frame, ["mrr", "logins"], k=3)
    assert seg.method == "kmeans"
    pd.testing.assert_series_equal(seg.labels, plain.labels)


def test_a_category_mismatch_costs_gamma_however_many_levels_it_has():
    frame, _ = _mixed()
    design = prepare(frame, ["mrr", "industry"])
    weights = kprototypes._weights(design, kprototypes.GAMMA)
    rows = design.matrix[[0, 1]] * weights
    a, b = frame["industry"].iloc[0], frame["industry"].iloc[1]
    one_hot = slice(1, None)
    gap = float(((rows[0, one_hot] - rows[1, one_hot]) ** 2).sum())
    # Two different levels of an 11-level variable: gamma apart (one-hot K-means would put them 2 apart).
    assert gap == pytest.approx(kprototypes.GAMMA if a != b else 0.0)


def test_prototypes_hold_the_most_common_level_and_assign_reproduces_the_labels():
    frame, _ = _mixed()
    seg = kprototypes.fit_kprototypes(frame, ["mrr", "logins", "industry"], k=3, random_state=1)
    prototypes = np.asarray(seg.state["prototypes"])
    one_hot = prototypes[:, 2:]
    # Each prototype has exactly one level (a mode), not a blend of levels.
    assert ((one_hot > 0).sum(axis=1) == 1).all()
    pd.testing.assert_series_equal(seg.assign(frame), seg.labels.reindex(frame.index), check_names=False)
    restored = Segmentation.from_recipe(seg.to_json())
    assert (restored.assign(frame) == seg.labels.reindex(frame.index)).all()
    assert (seg.refit(frame).labels == seg.labels).all()


def test_the_sweep_suggests_k_and_the_scorecard_judges_the_result():
    frame, _ = _mixed()
    sweep = kprototypes.sweep_clusters(frame, ["mrr", "logins", "industry"])
    assert list(sweep.table["k"]) == list(kmeans.DEFAULT_KS) and sweep.suggested_k in kmeans.DEFAULT_KS
    seg = kprototypes.fit_clusters(frame, ["mrr", "logins", "industry"], k=3)
    validation = evaluate(frame, seg, random_state=0)
    assert validation.verdicts["distinct"] == "pass" and validation.verdicts["measurable"] == "pass"


def test_the_kmeans_command_runs_k_prototypes_as_the_app_does(tmp_path, capsys):
    from segmentation.cli import main
    from segmentation.dataset import Dataset

    frame, _ = _mixed()
    path = tmp_path / "accounts.csv"
    frame.reset_index().to_csv(path, index=False)
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    assert main(["kmeans", str(path), "--vars", "mrr,logins,industry", "--k", "3", "--out", str(out),
                 "--report", str(report)]) == 0
    assert json.loads(report.read_text())["method"] == "kprototypes"
    written = pd.read_csv(out, dtype=str).set_index("customer_id")["segment"]
    table = Dataset.read(customers=path).customer_table().frame
    app = kprototypes.fit_clusters(table, ["mrr", "logins", "industry"], k=3, random_state=0)
    assert written.to_dict() == app.labels.to_dict()


def test_the_segment_page_names_the_method_that_ran(root):
    from streamlit.testing.v1 import AppTest

    from segmentation.io import load_table
    from ui import state

    frame, _ = _mixed(n=300)
    table = load_table(frame.reset_index().to_csv(index=False).encode(), name="accounts.csv")
    from segmentation.dataset import Dataset

    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.session_state["_sample_offered"] = True
    at.session_state[state.DATASET] = Dataset.from_tables({"customers": table})
    at.switch_page("views/segment.py").run()
    box = next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))
    box.set_value(["mrr", "logins", "industry"])
    at.button(key="kmeans_vars_apply").click().run()  # variable changes wait for Apply
    assert not at.exception, at.exception
    assert at.session_state[state.SEGMENTATION].method == "kprototypes"
    assert any("K-prototypes ran" in info.value for info in at.info)
