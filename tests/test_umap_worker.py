"""The app's UMAP worker (ui.umap_worker): maps off the caller's thread, cached per key, and a
worker process that stays warm, survives crashes and dies with the app."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import projection
from segmentation.errors import DataError
from segmentation.projection import Projection
from ui import umap_worker
from ui.umap_worker import BackgroundMaps


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


def _fake_fit(matrix, labels, columns, n_customers, random_state, **_):
    values = matrix.to_numpy()
    xy = np.column_stack([values[:, 0], values[:, -1]])
    return Projection(projection._coords(xy, labels), "umap", (), n_customers, tuple(columns))


def test_background_maps_run_off_the_caller_and_cache_per_key(customers, monkeypatch):
    frame, labels = customers
    monkeypatch.setattr(umap_worker, "_fit_umap", _fake_fit)
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

    monkeypatch.setattr(umap_worker, "_fit_umap", broken)
    maps = BackgroundMaps(processes=False)
    try:
        key, future = maps.submit(frame, labels, variables=["mrr", "logins"])
        with pytest.raises(DataError, match="at least 4"):
            future.result(timeout=30)
        monkeypatch.setattr(umap_worker, "_fit_umap", _fake_fit)
        again_key, again = maps.submit(frame, labels, variables=["mrr", "logins"])
        assert again_key == key and again is not future
        assert again.result(timeout=30).method == "umap"
    finally:
        maps.shutdown()


def _double(x):
    return 2 * x


def test_the_worker_process_runs_jobs_and_dies_with_shutdown():
    worker = umap_worker._Worker(processes=True)
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
        "from ui import umap_worker\n"
        "worker = umap_worker._Worker(processes=True)\n"
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
    monkeypatch.setenv(umap_worker.WARM_ENV, "0")
    assert umap_worker.warm_umap() is None


def _die():
    import os

    os._exit(3)


def test_a_crashed_worker_fails_its_jobs_and_the_next_job_starts_a_new_one():
    worker = umap_worker._Worker(processes=True)
    try:
        with pytest.raises(RuntimeError, match="worker stopped"):
            worker.submit(_die).result(timeout=60)
        assert worker.submit(_double, 4).result(timeout=60) == 8
    finally:
        worker.shutdown()


def test_the_library_holds_no_background_machinery():
    for name in ("BackgroundMaps", "start_umap", "warm_umap", "runner", "WARM_ENV", "_Worker", "_RUNNER"):
        assert not hasattr(projection, name), name


def test_importing_the_worker_module_does_not_import_umap_or_streamlit():
    import subprocess
    import sys

    code = "import ui.umap_worker, sys; print('umap' in sys.modules, 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    assert out.stdout.strip() == "False False"


def test_an_idle_worker_process_exits_and_the_next_job_starts_a_new_one():
    import time

    worker = umap_worker._Worker(processes=True, idle_timeout=0.5)
    try:
        assert worker.submit(_double, 4).result(timeout=60) == 8
        pid = worker._process.pid
        deadline = time.monotonic() + 20
        while worker.alive and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not worker.alive  # its memory went back to the system
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid)
        assert worker.submit(_double, 5).result(timeout=60) == 10 and worker.starts == 2
    finally:
        worker.shutdown()


def test_a_busy_worker_does_not_exit_and_the_idle_time_comes_from_the_environment(monkeypatch):
    import time

    monkeypatch.setenv(umap_worker.IDLE_ENV, "0.3")
    worker = umap_worker._Worker(processes=False)
    assert worker.idle_timeout == 0.3
    try:
        assert worker.submit(time.sleep, 1.0).result(timeout=30) is None  # longer than the idle time: not cut
        assert worker.starts == 1
    finally:
        worker.shutdown()


def test_a_warm_up_lost_with_an_idle_worker_is_done_again(monkeypatch):
    import time

    monkeypatch.setattr(umap_worker, "_warm", lambda: 0.0)
    maps = BackgroundMaps(processes=False, idle_timeout=0.3)
    try:
        first = maps.warm()
        first.result(timeout=30)
        assert maps.warmed and maps.warm() is first
        deadline = time.monotonic() + 10
        while maps.worker_alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not maps.worker_alive and not maps.warmed  # a new worker compiles again
        again = maps.warm()
        assert again is not first and again.result(timeout=30) == 0.0 and maps.warmed
    finally:
        maps.shutdown()


def _niceness():
    import os

    return os.nice(0)


def test_the_worker_process_yields_the_cpu_to_the_pages():
    import os

    worker = umap_worker._Worker(processes=True)
    try:
        assert worker.submit(_niceness).result(timeout=60) >= min(19, os.nice(0) + 10)
    finally:
        worker.shutdown()
