"""Session-state keys in one place, with small getters and setters.

Everything a user loaded or fitted lives in `st.session_state` (per session, never a
module-level dict) so it survives moving between pages and a failed upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

# The loaded data: a segmentation.dataset.Dataset (tables by kind, their roles, where the customers came from)
DATASET = "dataset"
SAMPLE_SOURCE = "Sample data (Acme Analytics, synthetic)"
# The current segmentation.result.Segmentation and what it was fitted on
SEGMENTATION = "segmentation"
CUSTOMER_TABLE = "customer_table"
# What building the customer table left out or assumed (unmatched ids, rows after the as-of date)
CUSTOMER_NOTES = "customer_notes"
VALIDATION = "validation"
# Per-segment action plan (DataFrame edited on the Profiles page)
ACTION_PLAN = "action_plan"
# Counts new data (not role edits): widget keys include it, so choices start fresh on new data only.
DATA_VERSION = "data_version"
# The cohort matrices last shown on the Cohorts page (name -> DataFrame), for the workbook
COHORTS = "cohorts"
# The RFM segment map (5 rows of 5 names) the Segment page's grid editor starts from: a reopened workspace's
RFM_GRID = "_rfm_grid"


def dataset() -> Any:
    """The loaded `Dataset`, or None before anything is loaded."""
    return st.session_state.get(DATASET)


def tables() -> Mapping[str, Any]:
    data = dataset()
    return data.tables if data is not None else {}


def roles() -> Mapping[str, Any]:
    data = dataset()
    return data.roles if data is not None else {}


def customers_from() -> str | None:
    data = dataset()
    return data.customers_from if data is not None else None


def source() -> str | None:
    data = dataset()
    return data.source if data is not None else None


def set_data(new: Any) -> None:
    """Replace the loaded data with a new `Dataset`; results fitted on the old data no longer apply."""
    st.session_state[DATASET] = new
    st.session_state[DATA_VERSION] = st.session_state.get(DATA_VERSION, 0) + 1
    for key in (SEGMENTATION, CUSTOMER_TABLE, VALIDATION, ACTION_PLAN, COHORTS):
        st.session_state.pop(key, None)


def update(corrected: Any) -> None:
    """The user's correction of the loaded data (a role, a category): the same data, so choices stay;
    everything computed from it is keyed on `Dataset.version` and follows."""
    st.session_state[DATASET] = corrected


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def has_customers() -> bool:
    return "customers" in tables()


def data_version() -> int:
    return st.session_state.get(DATA_VERSION, 0)


# Names a user gave segments on the Profiles page, by (method, variables, the method's own names),
# so going back to the Segment page (which refits) keeps them.
RENAMES = "_segment_renames"


def _names_key(segmentation: Any) -> tuple:
    # The same before and after a rename: display_names is keyed by the method's own names.
    original = tuple(segmentation.state.get("display_names", {})) or tuple(segmentation.segments)
    return (segmentation.method, tuple(segmentation.variables), original)


def saved_names(segmentation: Any) -> dict[str, str]:
    return dict(st.session_state.get(RENAMES, {}).get(_names_key(segmentation), {}))


def save_names(segmentation: Any, names: dict[str, str]) -> None:
    """Remember the names the user gave, so a refit of the same segmentation shows them again."""
    st.session_state.setdefault(RENAMES, {})[_names_key(segmentation)] = dict(names)


def on_sample() -> bool:
    """Whether the bundled sample is what is loaded."""
    return source() == SAMPLE_SOURCE
