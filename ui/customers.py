"""The customer table for the loaded data, built once per data and roles for the whole server."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from ui import state
from ui.loading import customer_id_pending
from ui.memo import shared


def current_customer_table() -> pd.DataFrame:
    """One row per customer (customers' columns + what transactions/events say), as `Dataset.customer_table`
    builds it, once for every session holding the same data (a role edit or new data builds it anew)."""
    data = state.dataset()
    built = shared("customer_table", data.fingerprint, data.customer_table)
    state.put(state.CUSTOMER_TABLE, built.frame)
    state.put(state.CUSTOMER_NOTES, built.notes)
    return built.frame


def customer_table_or_stop() -> pd.DataFrame:
    """The customer table, or a clear message pointing at the Data page and a stop (never a traceback)."""
    try:
        return current_customer_table()
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        st.page_link("views/data.py", label="Check the column roles on the Data page", icon=":material/upload_file:")
        st.stop()


def require_customers(why: str) -> None:
    """Stop the page with a pointer to the Data page when nothing is loaded."""
    if not state.has_customers():
        st.info(customer_id_pending() or f"Load your customers (or the sample) first: {why}")
        st.page_link("views/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
