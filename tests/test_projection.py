"""The customer map: PCA at once, UMAP on a sample, sampling that keeps small segments.

The background worker that runs UMAP for the app is tested in test_umap_worker.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.charts.projection import customer_map
from segmentation.errors import DataError
from segmentation.projection import Projection, pca_map, stratified_sample, umap_map


@pytest.fixture
def customers() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    n = 600
    ids = pd.Index([f"{i:05d}" for i in range(n)], name="customer_id")
    group = np.repeat(["Big", "Small", "Tiny"], [400, 190, 10])
    frame = pd.DataFrame({
        "mrr": np.where(group == "Big", 50.0, 900.0) * rng.lognormal(0, 0.3, n),
        "logins": np.where(group == "Tiny", 300, 20) + rng.poisson(5, n),
        "plan": np.where(group == "Big", "Starter", "Pro"),
    }, index=ids)
    return frame, pd.Series(group, index=ids)


def test_pca_map_gives_one_point_per_customer_and_the_variance_kept(customers):
    frame, labels = customers
    result = pca_map(frame, labels, variables=["mrr", "logins", "plan"])
    assert isinstance(result, Projection) and result.method == "pca"
    assert result.coords.shape == (600, 3)
    assert list(result.coords.index[:2]) == ["00000", "00001"]  # ids as in the file
    assert result.coords["segment"].tolist() == labels.tolist()
    assert len(result.explained_variance) == 2 and 0 < sum(result.explained_variance) <= 1 + 1e-9
    assert result.explained_variance[0] >= result.explained_variance[1]
    assert not result.sampled
    assert result.axis_titles[0].startswith("PC1 (")


def test_pca_map_of_a_numeric_design_matrix_and_of_one_variable(customers):
    frame, labels = customers
    design = frame[["mrr", "logins"]].astype(float)
    assert pca_map(design, labels).coords.shape == (600, 3)
    single = pca_map(frame[["mrr"]], labels)
    assert (single.coords["y"] == 0).all() and single.explained_variance == (1.0, 0.0)


def test_pca_map_is_deterministic(customers):
    frame, labels = customers
    first = pca_map(frame, labels, variables=["mrr", "logins"]).coords
    again = pca_map(frame, labels, variables=["mrr", "logins"]).coords
    pd.testing.assert_frame_equal(first, again)


def test_non_numeric_design_needs_variables(customers):
    frame, labels = customers
    with pytest.raises(DataError, match="Name the variables"):
        pca_map(frame, labels)


def test_stratified_sample_keeps_every_segment_and_the_cap(customers):
    _, labels = customers
    sample = stratified_sample(labels, 100, random_state=1)
    assert len(sample) == 100
    counts = labels.loc[sample].value_counts()
    assert counts["Tiny"] == 10  # all 10 kept: below the floor of 20 per segment
    assert counts["Big"] > counts["Small"]  # otherwise in proportion
    assert list(sample) == sorted(sample)  # original order
    assert stratified_sample(labels, 100, random_state=1).equals(sample)
    assert len(stratified_sample(labels, 10_000)) == 600


def test_map_chart_samples_to_the_altair_limit():
    n = 12_000
    ids = [str(i) for i in range(n)]
    coords = pd.DataFrame({"x": np.arange(n, dtype=float), "y": 0.0,
                           "segment": np.where(np.arange(n) < 11_990, "Most", "Rare")}, index=ids)
    chart = customer_map(Projection(coords, "pca", (0.6, 0.3), n), max_points=5_000)
    spec = chart.to_dict()
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 5_000
    assert sum(row["segment"] == "Rare" for row in data) == 10
    assert spec["encoding"]["tooltip"][0]["field"] == "customer_id"
    assert "of 12,000 customers" in spec["title"]["subtitle"]


def test_map_chart_tooltip_takes_variables_from_the_table(customers):
    frame, labels = customers
    result = pca_map(frame, labels, variables=["mrr", "logins"])
    spec = customer_map(result, frame, tooltip_columns=["mrr", "plan", "absent"]).to_dict()
    fields = [t["field"] for t in spec["encoding"]["tooltip"]]
    assert fields == ["customer_id", "segment", "mrr", "plan"]
    row = next(iter(spec["datasets"].values()))[0]
    assert row["customer_id"] == "00000" and row["plan"] == "Starter"


def test_importing_the_library_does_not_import_umap():
    import subprocess
    import sys

    code = "import segmentation.projection, segmentation.charts.projection, sys; print('umap' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_umap_map_on_small_data_separates_the_segments(customers):
    frame, labels = customers
    result = umap_map(frame, labels, variables=["mrr", "logins", "plan"], sample_size=300, random_state=0)
    assert result.method == "umap" and len(result.coords) == 300 and result.sampled
    assert result.coords.loc[:, ["x", "y"]].notna().all().all()
    centres = result.coords.groupby("segment")[["x", "y"]].median()
    spread = result.coords[["x", "y"]].std().mean()
    assert np.linalg.norm(centres.loc["Big"] - centres.loc["Small"]) > spread / 2
