"""Reading files into the session: uploads cached by their bytes, per session, never on disk, and parsed
within a budget the whole server shares."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.io import MAX_BYTES_ENV, Table, load_table, size_limit, size_text
from ui import state

__all__ = ["SAMPLE_DIR", "SAMPLE_FILES", "load_upload", "parse_upload", "parse_budget", "ParseBudget", "load_sample",
           "customer_id_pending"]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_FILES = {"customers": "customers.csv", "transactions": "transactions.csv", "events": "events.csv"}
_UPLOAD_CACHE = "_upload_cache"
_MAX_CACHED_UPLOADS = 8


def load_upload(data: bytes, name: str, sheet: str | None = None, date_order: str | None = None) -> Table:
    """Parse an upload once per session; the key is a hash of its bytes, so renames or re-uploads hit the cache.

    Streamlit's own cache_data is shared by all sessions (a user's data must not be) and hashes
    DataFrames by sampling, so this keeps a small per-session cache in session state instead.
    """
    cache: OrderedDict = st.session_state.setdefault(_UPLOAD_CACHE, OrderedDict())
    key = (hashlib.sha256(data).hexdigest(), name, sheet, date_order)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    table = parse_upload(data, name, sheet, date_order)  # raises DataError on bad input or a full budget
    cache[key] = table
    while len(cache) > _MAX_CACHED_UPLOADS:
        cache.popitem(last=False)
    return table


class ParseBudget:
    """The bytes of uploads being parsed at this moment on the whole server, held under one limit.

    Parsing a file takes several times its size in memory for a while; two people uploading large files at once
    would push the server into swap (one 186 MB upload adds 1.75 GB at its peak). Each parse reserves its file's
    size first; one that would take the total above the limit is refused at once, with a message that names the
    limit and its setting, instead of slowing everyone down. The limit is the per-file one (SEGMENTATION_MAX_BYTES,
    200 MB by default), so any file allowed at all can be read when nobody else is reading one.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self.in_use = 0

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else size_limit()

    @contextlib.contextmanager
    def reserve(self, name: str, size: int) -> Iterator[None]:
        limit = self.limit
        with self._lock:
            busy = self.in_use
            if busy and busy + size > limit:
                raise DataError(
                    f"'{name}' ({size_text(size)}) cannot be read right now: uploads other people are loading on this "
                    f"server take {size_text(busy)} of the {size_text(limit)} that may be read at once "
                    f"({MAX_BYTES_ENV}). Try again in a minute, or raise {MAX_BYTES_ENV} (such as "
                    f"{MAX_BYTES_ENV}=1GB) if this machine has the memory, and restart the app.")
            self.in_use += size
        try:
            yield
        finally:
            with self._lock:
                self.in_use -= size


_BUDGET = ParseBudget()


def parse_budget() -> ParseBudget:
    """The server's one parse budget."""
    return _BUDGET


def parse_upload(data: bytes, name: str, sheet: str | None = None, date_order: str | None = None) -> Table:
    """Parse upload bytes within the server's parse budget; raises DataError on bad input or when other uploads
    being read take the budget."""
    with _BUDGET.reserve(name, len(data)):
        return load_table(data, name=name, sheet=sheet, date_order=date_order)


@st.cache_resource(max_entries=1, show_spinner="Loading the sample data…")
def load_sample() -> Dataset:
    """The bundled sample, read once per process: it is not user data, and a Dataset is a value nobody mutates."""
    files = {kind: SAMPLE_DIR / file for kind, file in SAMPLE_FILES.items() if (SAMPLE_DIR / file).exists()}
    return Dataset.from_tables({kind: load_table(path) for kind, path in files.items()}, source=state.SAMPLE_SOURCE)


def customer_id_pending(*, where: str = "on the Data page") -> str | None:
    """What to do when the loaded orders or events have no customer id yet, so there are no customers; else None.

    `where` says where the id column is picked, as the sentence shows it.
    """
    data = state.dataset()
    kind = data.pending if data is not None else None
    if kind is None:
        return None
    return (f"Pick the column of {data.tables[kind].name} that holds the customer id {where}: the customers are "
            "taken from it, and until then there is nothing to segment.")
