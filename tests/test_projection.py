"""The customer map: PCA at once, UMAP in the background, sampling that keeps small segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import projection
from segmentation.charts.projection import customer_map
from segmentation.errors import DataError
from segmentation.projection import BackgroundMaps, Projection, pca_map, stratified_sample, umap_map


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


def _fake_fit(matrix, labels, columns, n_customers, random_state, **_):
    values = matrix.to_numpy()
    xy = np.column_stack([values[:, 0], values[:, -1]])
    return Projection(projection._coords(xy, labels), "umap", (), n_customers, tuple(columns))


def test_background_maps_run_off_the_caller_and_cache_per_key(customers, monkeypatch):
    frame, labels = customers
    monkeypatch.setattr(projection, "_fit_umap", _fake_fit)
    maps = BackgroundMaps(processes=False, max_cached=2)
    try:
        key, future = maps.submit(frame, labels, variables=["mrr", "logins"], sample_size=200)
        result = future.result(timeout=30)
        assert result.method == "umap" and len(result.coords) == 200 and result.n_customers == 600
        assert maps.submit(frame, labels, variables=["mrr", "logins"], sample_size=200) == (key, future)
        other, _ = maps.submit(frame, labels, variables=["mrr", "logins"], sample_size=300)
        assert other != key
        third, last = maps.submit(frame, labels, variables=["mrr"], sample_size=300)
        last.result(timeout=30)
        assert maps.get(key) is None and maps.get(third) is last  # bounded cache drops the oldest
    finally:
        maps.shutdown()


def test_background_failures_reach_the_future_and_can_be_retried(customers, monkeypatch):
    frame, labels = customers

    def broken(*args, **kwargs):
        raise DataError("UMAP needs at least 4 customers; the map has 3.")

    monkeypatch.setattr(projection, "_fit_umap", broken)
    maps = BackgroundMaps(processes=False)
    try:
        key, future = maps.submit(frame, labels, variables=["mrr", "logins"])
        with pytest.raises(DataError, match="at least 4"):
            future.result(timeout=30)
        monkeypatch.setattr(projection, "_fit_umap", _fake_fit)
        again_key, again = maps.submit(frame, labels, variables=["mrr", "logins"])
        assert again_key == key and again is not future
        assert again.result(timeout=30).method == "umap"
    finally:
        maps.shutdown()


def _double(x):
    return 2 * x


def test_the_worker_process_runs_jobs_and_dies_with_shutdown():
    worker = projection._Worker(processes=True)
    try:
        assert worker.submit(_double, 21).result(timeout=60) == 42
        assert worker.submit(_double, "ab").result(timeout=60) == "abab"  # same warm process
    finally:
        worker.shutdown()


def test_a_busy_worker_process_ends_when_the_app_is_killed():
    import os
    import subprocess
    import sys
    import time

    script = (
        "import os, time\n"
        "from segmentation import projection\n"
        "worker = projection._Worker(processes=True)\n"
        "assert worker.submit(abs, -3).result(timeout=60) == 3\n"
        "worker.submit(time.sleep, 120)  # the worker is busy (like a 40 s compile) when the app dies\n"
        "time.sleep(0.5)\n"
        "print(worker._process.pid, flush=True)\n"
        "os._exit(0)  # like a server killed without running its exit handlers\n"
    )
    root = str(__import__("pathlib").Path(__file__).resolve().parent.parent)
    # stderr is not captured: the worker inherits it, and a pipe would wait for the worker to end.
    out = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=True, cwd=root, env={**os.environ, "PYTHONPATH": root})
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    try:
        assert not _alive(pid)
    finally:
        if _alive(pid):
            os.kill(pid, 9)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_warm_umap_can_be_switched_off(monkeypatch):
    monkeypatch.setenv(projection.WARM_ENV, "0")
    assert projection.warm_umap() is None


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


def _die():
    import os

    os._exit(3)


def test_a_crashed_worker_fails_its_jobs_and_the_next_job_starts_a_new_one():
    worker = projection._Worker(processes=True)
    try:
        with pytest.raises(RuntimeError, match="worker stopped"):
            worker.submit(_die).result(timeout=60)
        assert worker.submit(_double, 4).result(timeout=60) == 8
    finally:
        worker.shutdown()
