"""Memos for expensive calls on the user's data: one per session, and one shared by every session.

`memo` keeps a small cache in the session's state (released when the session ends), for results keyed
on something only that session knows (a widget's choice, a per-session object).

`shared` keeps one bounded cache for the whole server, keyed on content: `Dataset.fingerprint` (a digest
of the tables, roles and file names) and `Segmentation.fingerprint` plus the settings that produced the
result. Everyone who loaded the same data and picked the same settings gets the same result, computed
once: six people exploring one workspace pay for one k sweep, not six, and a session that asks while
another computes waits for that result instead of computing it again. A key never names a session, so a
result reaches only a session holding the very data it was computed from. Results are values nobody
changes (tests/test_shared_cache.py checks that pages leave them as they found them). Streamlit's own
cache_data would hash each DataFrame argument on every call (sampling large ones) and copy every result
out; here the key is the digest the Dataset computed once, and the result is handed out as it is.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st

__all__ = ["memo", "shared", "shared_cache", "SharedCache", "SHARED_ENTRIES_ENV", "SHARED_TTL_ENV", "tidy"]

T = TypeVar("T")
_MEMO = "_session_memo"
SHARED_ENTRIES_ENV = "SEGMENTATION_SHARED_CACHE_ENTRIES"  # results kept for all sessions (default 64)
SHARED_TTL_ENV = "SEGMENTATION_SHARED_CACHE_TTL"  # seconds a result nobody asks for is kept (default 1800)


def memo(name: str, key: Hashable, compute: Callable[[], T], *, max_entries: int = 6) -> T:
    """Return the value computed for (name, key) in this session, computing it at most once."""
    store: dict[str, OrderedDict] = st.session_state.setdefault(_MEMO, {})
    entries = store.setdefault(name, OrderedDict())
    if key in entries:
        entries.move_to_end(key)
        return entries[key]
    value = compute()
    entries[key] = value
    while len(entries) > max_entries:
        entries.popitem(last=False)
    return value


class SharedCache:
    """A thread-safe LRU of finished results with a time-to-live, computing each key once at a time.

    max_entries  results kept; the least recently used goes first.
    ttl          seconds a result is kept after it was last asked for, so memory returns when people leave.
    A compute that raises caches nothing: the next caller tries again (and sees the same message).
    """

    def __init__(self, *, max_entries: int = 64, ttl: float = 1800.0, clock: Callable[[], float] = time.monotonic):
        self.max_entries, self.ttl, self._clock = max_entries, ttl, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        full = (name, key)
        while True:
            with self._lock:
                self._expire()
                if full in self._entries:
                    self._entries[full] = (self._clock(), self._entries[full][1])
                    self._entries.move_to_end(full)
                    self.hits += 1
                    return self._entries[full][1]
                running = self._computing.get(full)
                if running is None:
                    running = self._computing[full] = threading.Lock()
                    running.acquire()
                    break
            # Another session computes this very result: wait for it, then read it (or compute on its failure).
            with running:
                pass
        try:
            value = compute()
        except BaseException:
            with self._lock:
                self._computing.pop(full, None)
            running.release()
            raise
        with self._lock:
            self.misses += 1
            self._entries[full] = (self._clock(), value)
            self._entries.move_to_end(full)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            self._computing.pop(full, None)
        running.release()
        return value

    def items(self) -> list[tuple[tuple, Any]]:
        """(name, key) and result of every entry, oldest first."""
        with self._lock:
            self._expire()
            return [(key, value) for key, (_, value) in self._entries.items()]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._entries)

    def _expire(self) -> None:
        now = self._clock()
        while self._entries:
            key, (used, _) = next(iter(self._entries.items()))
            if now - used <= self.ttl:
                return
            del self._entries[key]


def _number(env: str, default: float) -> float:
    try:
        value = float(os.environ.get(env, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


_SHARED = SharedCache(max_entries=int(_number(SHARED_ENTRIES_ENV, 64)), ttl=_number(SHARED_TTL_ENV, 1800.0))


def shared_cache() -> SharedCache:
    """The server's one shared cache."""
    return _SHARED


def shared(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The result for (name, key), computed at most once at a time for the whole server; `key` must say
    everything the result depends on (the Dataset's and Segmentation's fingerprints, the settings)."""
    _start_tidying()
    return _SHARED.get(name, key, compute)


# -- giving memory back -----------------------------------------------------------------------------------
_LOG = logging.getLogger(__name__)
_TIDY_SECONDS = 30.0
_TIDYING = threading.Event()


def tidy() -> int:
    """Let go of what nobody uses any more and hand the freed memory back to the system; returns the shared
    results dropped.

    Drops shared results past their time-to-live, and the state of sessions that ended longer ago than
    Streamlit keeps them for a reconnect (`server.disconnectedSessionTTL`, 120 s): Streamlit only looks at
    that clock when another session connects, so on a server everyone has left their uploads and memos
    would otherwise stay. Then asks glibc to return freed heap pages (without it, the process keeps its
    peak size).
    """
    before = len(_SHARED._entries)
    dropped = before - len(_SHARED)
    try:
        from streamlit import runtime

        if runtime.exists():
            manager = runtime.get_instance()._session_mgr
            cache = getattr(getattr(manager, "_session_storage", None), "_cache", None)
            if cache is not None and hasattr(cache, "expire"):
                with getattr(manager, "_storage_lock", None) or contextlib.nullcontext():
                    dropped += len(cache.expire() or ())
    except Exception:  # noqa: BLE001 - Streamlit's internals moved: its own lazy expiry still applies
        _LOG.debug("could not expire ended sessions", exc_info=True)
    gc.collect()
    _trim_heap()
    return dropped


def _trim_heap() -> None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:  # not glibc: nothing to ask
        pass


def _start_tidying() -> None:
    if _TIDYING.is_set():
        return
    _TIDYING.set()

    def loop() -> None:
        while True:
            time.sleep(_TIDY_SECONDS)
            try:
                tidy()
            except Exception:  # noqa: BLE001 - tidying must never take the server down
                _LOG.debug("tidy failed", exc_info=True)

    threading.Thread(target=loop, daemon=True, name="segmentation-tidy").start()
