"""Session-state keys in one place, with small getters and setters.

Everything a user loaded or fitted lives in `st.session_state` (per session, never a
module-level dict) so it survives moving between pages and a failed upload.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

# Loaded tables by kind ("customers", "transactions", "events"): segmentation.io.Table
TABLES = "tables"
# Confirmed role maps by kind: segmentation.schema.RoleMap
ROLES = "roles"
# Where the data came from, shown in the sidebar (SAMPLE_SOURCE or file names)
SOURCE = "source"
SAMPLE_SOURCE = "Sample data (Acme Analytics, synthetic)"
# The kind ("transactions"/"events") the customers table was taken from when no customers file came
CUSTOMERS_FROM = "customers_from"
# The current segmentation.result.Segmentation and what it was fitted on
SEGMENTATION = "segmentation"
CUSTOMER_TABLE = "customer_table"
# What building the customer table left out or assumed (unmatched ids, rows after the as-of date)
CUSTOMER_NOTES = "customer_notes"
VALIDATION = "validation"
# Per-segment action plan (DataFrame edited on the Profiles page)
ACTION_PLAN = "action_plan"
DATA_VERSION = "data_version"
# The cohort matrices last shown on the Cohorts page (name -> DataFrame), for the workbook
COHORTS = "cohorts"

KINDS = ("customers", "transactions", "events")


def tables() -> dict[str, Any]:
    return st.session_state.setdefault(TABLES, {})


def roles() -> dict[str, Any]:
    return st.session_state.setdefault(ROLES, {})


def set_data(new_tables: dict[str, Any], new_roles: dict[str, Any], source: str) -> None:
    """Replace the loaded data; results fitted on the old data no longer apply."""
    st.session_state[TABLES] = dict(new_tables)
    st.session_state[ROLES] = dict(new_roles)
    st.session_state[SOURCE] = source
    # Widget keys include the version so role pickers start fresh on new data.
    st.session_state[DATA_VERSION] = st.session_state.get(DATA_VERSION, 0) + 1
    for key in (SEGMENTATION, CUSTOMER_TABLE, VALIDATION, ACTION_PLAN, COHORTS):
        st.session_state.pop(key, None)


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def has_customers() -> bool:
    return "customers" in tables()


def set_roles(kind: str, role_map: Any) -> None:
    roles()[kind] = role_map


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
    return get(SOURCE) == SAMPLE_SOURCE
