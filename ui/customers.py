"""The customer table for the loaded data, built once per data version and role mapping."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from segmentation.features import build_customer_table
from segmentation.outcomes import with_outcomes
from ui import state
from ui.loading import customer_id_pending
from ui.memo import memo


def _roles_key(kind: str) -> tuple:
    role_map = state.roles().get(kind)
    return tuple(sorted(role_map.roles.items())) if role_map is not None else ()


def current_customer_table() -> pd.DataFrame:
    """One row per customer (customers' columns + what transactions/events say), cached per session."""
    tables, roles = state.tables(), state.roles()
    key = (state.data_version(), _roles_key("customers"), _roles_key("transactions"), _roles_key("events"))

    def build() -> pd.DataFrame:
        customers_roles = roles["customers"]
        kwargs = {}
        if "transactions" in tables:
            kwargs.update(transactions=tables["transactions"].frame,
                          transaction_roles=dict(roles["transactions"].roles))
        if "events" in tables:
            event_roles = dict(roles["events"].roles)
            if "event_count" in event_roles:
                event_roles["count"] = event_roles.pop("event_count")
            kwargs.update(events=tables["events"].frame, event_roles=event_roles)
        customers = tables["customers"]
        built = build_customer_table(customers.frame, customer_id=customers_roles.get("customer_id"),
                                     first_row=customers.header_row + 2, **kwargs)
        return with_outcomes(built.frame, customers_roles.roles), tuple(built.notes)

    table, notes = memo("customer_table", key, build, max_entries=2)
    state.put(state.CUSTOMER_TABLE, table)
    state.put(state.CUSTOMER_NOTES, notes)
    return table


def customer_table_or_stop() -> pd.DataFrame:
    """The customer table, or a clear message pointing at the Data page and a stop (never a traceback)."""
    try:
        return current_customer_table()
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        st.page_link("pages/data.py", label="Check the column roles on the Data page", icon=":material/upload_file:")
        st.stop()


def require_customers(why: str) -> None:
    """Stop the page with a pointer to the Data page when nothing is loaded."""
    if not state.has_customers():
        st.info(customer_id_pending() or f"Load your customers (or the sample) first: {why}")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
