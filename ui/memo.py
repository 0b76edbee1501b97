"""A small per-session memo for expensive calls on the user's data.

Streamlit's cache_data is shared by every session and hashes DataFrames by sampling;
results computed from one user's upload belong to that user's session only, and are
keyed here by the data version plus the (hashable) widget values that produced them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
_MEMO = "_session_memo"


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
