"""Warming the server up: what the first visitor of each page would wait for is computed in the background.

A fresh server imports scikit-learn, SciPy and Altair on the first Segment visit (about 3 s of the 5 s that
visit took) and computes the sample's customer table, k sweep and scorecard (another 1.5 s). The first time
the app runs, a background thread does all of that for the bundled sample, with the pages' own defaults and
into the shared cache (ui.memo.shared), while the visitor reads the Data page; their first Segment, Profiles
and Cohorts visits then read finished results. A failure here is never shown: the page computes the same
thing itself and says what went wrong.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

__all__ = ["warm_up", "WARM_ENV"]

WARM_ENV = "SEGMENTATION_WARM_UP"  # "0" leaves the server cold (each first visit computes its own)
_LOG = logging.getLogger(__name__)
_STARTED = threading.Event()
_LOCK = threading.Lock()
_DONE = threading.Event()
timings: dict[str, float] = {}  # step -> seconds, for the benchmark's notes


def warm_up(dataset: Any) -> threading.Thread | None:
    """Start warming up for `dataset` (the sample) once per process; returns the thread, None when already
    started or switched off with SEGMENTATION_WARM_UP=0."""
    if os.environ.get(WARM_ENV, "1").strip().lower() in ("0", "false", "no"):
        return None
    with _LOCK:
        if _STARTED.is_set():
            return None
        _STARTED.set()
    thread = threading.Thread(target=_warm, args=(dataset,), daemon=True, name="segmentation-warm-up")
    thread.start()
    return thread


def wait(timeout: float | None = None) -> bool:
    """Block until the warm-up has finished (tests); True when it has."""
    return _DONE.wait(timeout)


def _step(name: str, fn) -> Any:
    start = time.perf_counter()
    try:
        return fn()
    finally:
        timings[name] = time.perf_counter() - start


def _warm(dataset: Any) -> None:
    try:
        _step("imports", _imports)
        from ui import segment_inputs
        from ui.memo import shared

        _step("customer table", lambda: shared("customer_table", dataset.fingerprint, dataset.customer_table))
        made = _step("segments", lambda: segment_inputs.warm_default_segments(dataset))
        if made is not None:
            from ui.profile_views import profiles_of

            frame = dataset.customer_table().frame
            _step("profiles", lambda: profiles_of(dataset, frame, *made))
        _step("cohorts", lambda: _cohorts(dataset))
        _step("charts", _chart)
    except Exception:  # noqa: BLE001 - the page computes the same and says what is wrong
        _LOG.debug("warm-up stopped", exc_info=True)
    finally:
        _DONE.set()


def _imports() -> None:
    import altair  # noqa: F401
    import scipy.stats  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.tree  # noqa: F401

    import segmentation.charts.cohorts  # noqa: F401
    import segmentation.charts.profiles  # noqa: F401
    import segmentation.charts.projection  # noqa: F401
    import segmentation.charts.validation  # noqa: F401
    import segmentation.methods.kprototypes  # noqa: F401
    import segmentation.profiles  # noqa: F401
    import segmentation.projection  # noqa: F401
    import segmentation.validation  # noqa: F401


def _cohorts(dataset: Any) -> None:
    from ui.cohort_views import cohorts_of, typical_gap_of

    cohorts_of(dataset)
    typical_gap_of(dataset)


def _chart() -> None:
    """Altair reads and compiles the Vega-Lite schema the first time a chart is checked (about a second)."""
    import altair as alt
    import pandas as pd

    alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_rect().encode(x="x:O", y="y:O").to_dict()
