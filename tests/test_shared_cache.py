"""Results shared across sessions (ui.memo.shared, keyed on Dataset.fingerprint): computed once for everyone
holding the same data, never handed to a session with other data, and never changed by the pages that read them."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import threading
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from segmentation.dataset import Dataset
from tests.apptest import app
from ui.memo import SharedCache, shared_cache


@pytest.fixture(autouse=True)
def _no_background_warm_up(monkeypatch):
    """The app's warm-up thread would fill the cache while these tests count what the pages compute."""
    from ui import warm

    monkeypatch.setenv(warm.WARM_ENV, "0")


def _customers(rows: int = 30, name: str = "customers.csv") -> tuple[str, bytes]:
    frame = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(rows)],
                          "mrr": [10.0 * (i % 7) for i in range(rows)],
                          "logins_30d": [i % 11 for i in range(rows)], "plan": ["Pro", "Basic"] * (rows // 2)})
    return name, frame.to_csv(index=False).encode()


def test_the_same_files_read_twice_share_a_fingerprint_and_any_change_gives_another():
    first, again = Dataset.read(customers=_customers()), Dataset.read(customers=_customers())
    assert first.version != again.version and first.fingerprint == again.fingerprint
    assert first.with_role("customers", "mrr", None).fingerprint != first.fingerprint  # a role edit
    assert first.with_category("customers", "plan", "needs").fingerprint != first.fingerprint
    assert Dataset.read(customers=_customers(32)).fingerprint != first.fingerprint  # other values
    # Messages name the file: the same values under another name are other data.
    assert Dataset.read(customers=_customers(name="export.csv")).fingerprint != first.fingerprint


def test_sessions_asking_at_once_compute_once_and_get_the_same_result():
    cache, calls, results = SharedCache(), [], []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return {"sweep": len(calls)}

    threads = [threading.Thread(target=lambda: results.append(cache.get("sweep", "data-1", slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(result is results[0] for result in results)
    assert cache.get("sweep", "data-2", slow) == {"sweep": 2}  # another key is another result


def test_a_failure_is_not_kept_and_the_cache_is_bounded_in_size_and_time():
    now = [0.0]
    cache = SharedCache(max_entries=2, ttl=60, clock=lambda: now[0])

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("x", 1, broken)
    assert cache.get("x", 1, lambda: "ok") == "ok"
    cache.get("x", 2, lambda: "two")
    cache.get("x", 3, lambda: "three")
    assert [key for key, _ in cache.items()] == [("x", 2), ("x", 3)]  # the least recently used went
    now[0] = 30.0
    cache.get("x", 3, lambda: "recomputed")  # asked for again: kept longer
    now[0] = 80.0
    assert [value for _, value in cache.items()] == ["three"]
    now[0] = 200.0
    assert len(cache) == 0  # nobody asked for it for longer than the TTL: memory returns


def _digest(value, digest, seen: set) -> None:
    """Everything a result holds, down to every value of every frame, into `digest`."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (pd.DataFrame, pd.Series)):
        digest.update(pickle.dumps(value))
    elif isinstance(value, np.ndarray):
        digest.update(repr((value.dtype, value.shape)).encode() + (pickle.dumps(value)))
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            digest.update(field.name.encode())
            _digest(getattr(value, field.name), digest, seen)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            digest.update(repr(key).encode())
            _digest(item, digest, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _digest(item, digest, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        _digest(vars(value), digest, seen)
    else:
        digest.update(repr(value).encode())


def _digests() -> dict:
    out = {}
    for key, value in shared_cache().items():
        digest = hashlib.sha256()
        _digest(value, digest, set())
        out[key] = digest.hexdigest()
    return out


def test_a_second_session_on_the_sample_reuses_every_result_and_no_page_changes_one():
    shared_cache().clear()
    first = app()
    first.run()
    first.switch_page("views/segment.py").run()
    assert not first.exception
    names = {name for (name, _), _ in shared_cache().items()}
    assert {"customer_table", "sweep", "kmeans", "validation"} <= names
    before = _digests()
    computed = shared_cache().misses

    second = app()
    second.run()
    second.switch_page("views/segment.py").run()
    assert not second.exception
    assert shared_cache().misses == computed  # nothing computed again
    assert second.session_state["segmentation"] is first.session_state["segmentation"]
    assert second.session_state["validation"] is first.session_state["validation"]
    for page in ("views/profiles.py", "views/cohorts.py", "views/segment.py"):
        second.switch_page(page).run()
        assert not second.exception
    second.toggle(key="auto_k").set_value(False).run()
    second.slider(key="k").set_value(3).run()
    second.switch_page("views/profiles.py").run()
    assert not second.exception
    after = _digests()
    assert {key: after[key] for key in before} == before  # every shared result as it was made


def test_the_warm_up_computes_what_the_first_segment_profiles_and_cohorts_visits_read():
    from segmentation.io import load_table
    from ui import state, warm
    from ui.loading import SAMPLE_DIR, SAMPLE_FILES

    shared_cache().clear()
    sample = Dataset.from_tables({kind: load_table(SAMPLE_DIR / file) for kind, file in SAMPLE_FILES.items()},
                                 source=state.SAMPLE_SOURCE)
    warm._warm(sample)
    assert {"imports", "customer table", "segments", "profiles", "cohorts", "charts"} <= set(warm.timings)
    warmed = [key for key, _ in shared_cache().items()]

    at = app()
    at.run()
    at.switch_page("views/segment.py").run()
    at.switch_page("views/profiles.py").run()
    at.switch_page("views/cohorts.py").run()
    assert not at.exception
    computed = [key[0] for key, _ in shared_cache().items() if key not in warmed]
    assert computed == ["over_index"]  # the first visits computed nothing heavy themselves (over_index: 0.02 s)
