"""Reading files into the session: uploads cached by their bytes, per session, never on disk."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from segmentation.dataset import Dataset
from segmentation.io import Table, load_table
from ui import state

__all__ = ["SAMPLE_DIR", "SAMPLE_FILES", "load_upload", "load_sample", "customer_id_pending"]

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
    table = load_table(data, name=name, sheet=sheet, date_order=date_order)  # raises DataError on bad input
    cache[key] = table
    while len(cache) > _MAX_CACHED_UPLOADS:
        cache.popitem(last=False)
    return table


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
