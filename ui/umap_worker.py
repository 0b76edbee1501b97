"""The app's UMAP worker: UMAP maps computed off the page's thread, in one long-lived process.

`segmentation.projection.umap_map` blocks for seconds, and its first fit in a fresh process
compiles numba code for 30-50 s. `start_umap` hands the fit to one long-lived worker process
(so the compiled code stays warm between fits and the web server keeps responding) and
returns a `Future`; finished maps are cached per (data, variables, options). `warm_umap()`
compiles on tiny random data as soon as the Profiles page opens. The worker holds about
600 MB, so it exits after a while without jobs (SEGMENTATION_UMAP_IDLE_SECONDS, default 60)
and starts again on the next request. The library holds the analysis; this module holds only
the process, its threads and the app's shared singleton.
It does not import Streamlit itself.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segmentation.errors import DataError
from segmentation.projection import _fit_umap, _inputs, stratified_sample, umap_key

__all__ = ["BackgroundMaps", "start_umap", "runner", "warm_umap", "WARM_ENV", "IDLE_ENV"]

# Set to "0" to keep `warm_umap` from compiling in the background (tests, short scripts).
WARM_ENV = "SEGMENTATION_WARM_UMAP"
# Seconds without a job after which the worker process exits, giving its memory back (0: it never does).
IDLE_ENV = "SEGMENTATION_UMAP_IDLE_SECONDS"
_IDLE_DEFAULT = 60.0


def _idle_seconds() -> float:
    try:
        return float(os.environ.get(IDLE_ENV, "") or _IDLE_DEFAULT)
    except ValueError:
        return _IDLE_DEFAULT


class _Worker:
    """One long-lived worker running jobs in order, with a Future per job.

    The worker is a separate Python process started with `subprocess` and fed pickled jobs
    through a pipe: it keeps numba's compiled code warm for every later fit, holds none of the
    web server's GIL, and, unlike multiprocessing's spawn, never re-runs the caller's main
    script. It ends when the app ends, even when the app is killed, and when it has had no job for
    `idle_timeout` seconds (None: the environment's SEGMENTATION_UMAP_IDLE_SECONDS, default 60; 0:
    never); the next job starts a new one. `processes=False` runs the jobs on a thread of this process
    instead (tests, environments without subprocesses).
    """

    def __init__(self, *, processes: bool = True, idle_timeout: float | None = None) -> None:
        self._processes = processes
        self._lock = threading.Lock()
        self._pending: dict[int, Future] = {}
        self._count = 0
        self._process: Any = None
        self._jobs: Any = None
        self.idle_timeout = _idle_seconds() if idle_timeout is None else idle_timeout
        self._last_active = time.monotonic()
        self.starts = 0  # processes started so far: a new one must compile UMAP again

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._alive()

    def _alive(self) -> bool:
        return self._process is not None and (self._process.poll() is None if self._processes
                                              else self._process.is_alive())

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            self._ensure_started()
            self._count += 1
            job_id = self._count
            self._pending[job_id] = future
            self._last_active = time.monotonic()
            if self._processes:
                try:
                    pickle.dump((job_id, fn, args, kwargs), self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    self._process.stdin.flush()
                except (BrokenPipeError, OSError):
                    self._pending.pop(job_id, None)
                    future.set_exception(RuntimeError("The background worker stopped; try again."))
            else:
                self._jobs.put((job_id, fn, args, kwargs))
        return future

    def shutdown(self, *, only: Any = None) -> None:
        """Stop the worker (`only`: only if it is still that process and idle) and cancel what it held."""
        with self._lock:
            if only is not None and (self._process is not only or self._pending):
                return
            process, self._process = self._process, None
            pending, self._pending = self._pending, {}
        if process is not None and self._processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        elif process is not None:
            self._jobs.put(None)  # a thread cannot be killed; it stops after its current job
        for future in pending.values():
            future.cancel()

    def _ensure_started(self) -> None:
        if self._alive():
            return
        if self._process is not None:  # it died: the jobs it held will never come back
            orphaned, self._pending = self._pending, {}
            for future in orphaned.values():
                if not future.done():
                    future.set_exception(RuntimeError("The background worker stopped; try again."))
        if self._processes:
            root = str(Path(__file__).resolve().parent.parent)
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from ui.umap_worker import _serve_pipe; _serve_pipe()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root, env=env,
            )
            listener = threading.Thread(target=self._listen_pipe, args=(self._process,), daemon=True)
        else:
            self._jobs, results = queue.Queue(), queue.Queue()
            self._process = threading.Thread(target=_serve, args=(self._jobs, results), daemon=True,
                                             name="segmentation-umap")
            self._process.start()
            listener = threading.Thread(target=self._listen_queue, args=(self._process, results), daemon=True)
        listener.start()
        self.starts += 1
        if self.idle_timeout > 0:
            threading.Thread(target=self._stop_when_idle, args=(self._process,), daemon=True,
                             name="segmentation-umap-idle").start()

    def _stop_when_idle(self, process: Any) -> None:
        """Stop `process` once it has had no job for `idle_timeout` seconds (its memory goes back to the system)."""
        while True:
            with self._lock:
                if self._process is not process:
                    return  # stopped or replaced meanwhile
                idle = time.monotonic() - self._last_active
                if not self._pending and idle >= self.idle_timeout:
                    break
            time.sleep(max(0.05, min(5.0, self.idle_timeout - idle if not self._pending else self.idle_timeout)))
        self.shutdown(only=process)

    def _listen_pipe(self, process: Any) -> None:
        while True:
            try:
                job_id, ok, value = pickle.load(process.stdout)
            except Exception:  # noqa: BLE001 - EOF or a broken stream: the worker is gone
                self._fail_all(process)
                return
            self._settle(job_id, ok, value)

    def _listen_queue(self, thread: Any, results: Any) -> None:
        while True:
            try:
                item = results.get(timeout=1.0)
            except queue.Empty:
                if not thread.is_alive():
                    self._fail_all(thread)
                    return
                continue
            self._settle(*item)

    def _settle(self, job_id: int, ok: bool, value: Any) -> None:
        with self._lock:
            future = self._pending.pop(job_id, None)
            self._last_active = time.monotonic()
        if future is None or future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _fail_all(self, process: Any) -> None:
        with self._lock:
            if self._process is not process:
                return
            pending, self._pending = self._pending, {}
            self._process = None
        for future in pending.values():
            if not future.done():
                future.set_exception(RuntimeError("The background worker stopped; try again."))


def _run(job_id: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[int, bool, Any]:
    try:
        return job_id, True, fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any failure goes back to the caller's Future
        error = exc if isinstance(exc, DataError) else RuntimeError(f"{type(exc).__name__}: {exc}")
        return job_id, False, error


def _serve(jobs: Any, results: Any) -> None:
    """Thread worker loop: run each job, put back (id, ok, result or exception)."""
    while True:
        item = jobs.get()
        if item is None:
            return
        results.put(_run(*item))


def _serve_pipe() -> None:
    """Process worker loop over stdin/stdout; ends with the parent (EOF, or the watchdog mid-job)."""
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the result stream
    try:
        # A compile takes a core for 30-50 s; on a shared server the pages people are waiting for come first.
        os.nice(10)
    except (AttributeError, OSError):
        pass
    sys.stdout = sys.stderr
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    jobs = sys.stdin.buffer
    while True:
        try:
            item = pickle.load(jobs)
        except EOFError:
            return
        pickle.dump(_run(*item), results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _warm() -> float:
    """Fit UMAP twice on tiny random data: the exact and the approximate neighbour search
    (used from 4,096 customers on) each compile their own numba code."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        points = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
        for approximate in (False, True):
            umap.UMAP(n_neighbors=5, n_epochs=20, random_state=0,
                      force_approximation_algorithm=approximate).fit_transform(points)
    return time.perf_counter() - start


class BackgroundMaps:
    """UMAP maps computed off the page's thread, cached per key (at most `max_cached` finished maps)."""

    def __init__(self, *, max_cached: int = 8, processes: bool = True, idle_timeout: float | None = None) -> None:
        self.max_cached = max_cached
        self._worker = _Worker(processes=processes, idle_timeout=idle_timeout)
        self._lock = threading.Lock()
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._started: dict[str, float] = {}
        self._warm: Future | None = None
        self._warm_start = 0  # the worker process the warm-up compiled in

    def submit(self, data: pd.DataFrame, labels: pd.Series, *, variables: Sequence[str] | None = None,
               sample_size: int = 10_000, random_state: int = 0) -> tuple[str, Future]:
        """Start (or reuse) the UMAP map of these customers; returns (key, Future[Projection])."""
        matrix, labels, columns = _inputs(data, labels, variables)
        keep = stratified_sample(labels, sample_size, random_state=random_state)
        key = umap_key(matrix, labels, sample_size=sample_size, random_state=random_state)
        with self._lock:
            future = self._futures.get(key)
            if future is not None and not _failed(future):
                self._futures.move_to_end(key)
                return key, future
            # Only the sample travels to the worker; the full count is kept for the notes.
            future = self._worker.submit(_fit_umap, matrix.loc[keep], labels.loc[keep], tuple(columns),
                                         len(labels), random_state)
            self._futures[key] = future
            self._started[key] = time.monotonic()
            self._evict()
        return key, future

    def get(self, key: str) -> Future | None:
        with self._lock:
            return self._futures.get(key)

    def elapsed(self, key: str) -> float:
        """Seconds since the map for `key` was requested (0 when unknown)."""
        started = self._started.get(key)
        return time.monotonic() - started if started is not None else 0.0

    def warm(self) -> Future:
        """Compile UMAP's numba code in the worker now (once per worker); returns its Future."""
        with self._lock:
            # A worker that exited when idle took its compiled code with it: the next one compiles again.
            if self._warm is None or _failed(self._warm) or not self._compiled_here():
                self._warm = self._worker.submit(_warm)
                self._warm_start = self._worker.starts
            return self._warm

    def _compiled_here(self) -> bool:
        return self._worker.alive and self._warm_start == self._worker.starts

    @property
    def warmed(self) -> bool:
        return (self._warm is not None and self._warm.done() and not _failed(self._warm)
                and self._compiled_here())

    @property
    def worker_alive(self) -> bool:
        """Whether the worker process is running (it exits when idle)."""
        return self._worker.alive

    def shutdown(self) -> None:
        self._worker.shutdown()
        with self._lock:
            self._futures.clear()
            self._started.clear()
            self._warm = None

    def _evict(self) -> None:
        done = [k for k, f in self._futures.items() if f.done()]
        while len(self._futures) > self.max_cached and done:
            key = done.pop(0)
            self._futures.pop(key, None)
            self._started.pop(key, None)


_RUNNER: BackgroundMaps | None = None
_RUNNER_LOCK = threading.Lock()


def _runner() -> BackgroundMaps:
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            _RUNNER = BackgroundMaps()
        return _RUNNER


def start_umap(data: pd.DataFrame, labels: pd.Series, *, variables: Sequence[str] | None = None,
               sample_size: int = 10_000, random_state: int = 0) -> tuple[str, Future]:
    """Start the UMAP map in the app's shared background worker; see `BackgroundMaps.submit`."""
    return _runner().submit(data, labels, variables=variables, sample_size=sample_size, random_state=random_state)


def warm_umap() -> Future | None:
    """Compile UMAP in the background now so the user's first map is quick; idempotent.
    Returns None when switched off with the environment variable SEGMENTATION_WARM_UMAP=0."""
    if os.environ.get(WARM_ENV, "1").strip() in ("0", "false", "no"):
        return None
    return _runner().warm()


def runner() -> BackgroundMaps:
    """The app's shared background worker (created on first use)."""
    return _runner()


# -- internals ---------------------------------------------------------------------------------------
def _failed(future: Future) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)
