"""The Data page's "Connect a database": a URL, a password kept apart, a table or a query, the first rows, then
load as customers, transactions or events. The logic is `segmentation.sources`; this is only the form.

The password lives in its input box until Connect is pressed; the callback hands it to the driver and clears the
box, so after connecting only the live connection (in this session's memory) knows it. Nothing is written to
disk or logged, and every message is masked (`sources.redact`).
"""

from __future__ import annotations

import streamlit as st

from segmentation.errors import DataError
from ui import state

CONNECTION = "_connection"  # the live sources.Connected of this browser session
KINDS = {"Transactions": "transactions", "Customers": "customers", "Events": "events"}


def _connect() -> None:
    from segmentation.sources import Source, is_source, open_source

    url = st.session_state.get("connect_url", "").strip()
    password = st.session_state.pop("connect_password", None) or None  # never kept past this call
    st.session_state.pop(CONNECTION, None)
    st.session_state.pop("_connect_error", None)
    try:
        if not url or not is_source(url):
            raise DataError("Write a database URL (postgresql://user@host:5432/db, duckdb:///path, spark-local, ...) "
                            "or the path of a folder of Parquet or CSV files.")
        # A database connects before its table is chosen: a query of no table proves the connection.
        where = url if Source(url).kind == "files" else Source(url, query="SELECT 1 AS connected")
        st.session_state[CONNECTION] = open_source(where, password=password)
    except DataError as exc:
        st.session_state["_connect_error"] = str(exc)


def connect_panel() -> None:
    """The form, in an expander under the upload boxes."""
    with st.expander("Connect a database or a folder of files", icon=":material/database:"):
        st.caption("PostgreSQL, DuckDB, Spark, Snowflake, BigQuery, Trino...: the rows stay where they are; "
                   "sums are computed there, read-only. The password is handed to the database and not kept.")
        left, right = st.columns([3, 2])
        left.text_input("URL or folder", key="connect_url",
                        placeholder="postgresql://analyst@db.example.com:5432/shop  ·  duckdb:///data/shop.duckdb  "
                                    "·  /data/events/  ·  spark-local")
        right.text_input("Password (if any)", key="connect_password", type="password")
        st.button("Connect", on_click=_connect, icon=":material/link:")
        if st.session_state.get("_connect_error"):
            st.error(st.session_state["_connect_error"], icon=":material/error:")
        conn = st.session_state.get(CONNECTION)
        if conn is None:
            return
        from segmentation.sources import redact

        st.success(f"Connected to {redact(conn.source.location)}", icon=":material/check:")
        try:
            names = conn.tables()
        except DataError as exc:
            st.error(str(exc), icon=":material/error:")
            names = []
        how = st.radio("Read", ["A table", "A query"] if names else ["The files", "A query"], horizontal=True,
                       key="connect_how")
        table = query = None
        if how == "A table":
            table = st.selectbox("Table", names, key="connect_table")
        elif how == "A query":
            query = st.text_area("Query (one SELECT; a folder's files are the table `source`)", key="connect_query")
        kind = KINDS[st.selectbox("Load as", list(KINDS), key="connect_kind")]
        try:
            chosen = conn if how == "The files" else conn.with_table(table=table, query=query or None)
            st.dataframe(chosen.head(), width="stretch", hide_index=True)
        except DataError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        if st.button("Load", icon=":material/download:", key="connect_load"):
            _load(kind, chosen)


def _load(kind: str, chosen) -> None:
    from segmentation.dataset import Dataset

    current = state.dataset()
    kept = {}
    if current is not None:  # the files already loaded stay, unless this replaces their kind
        kept = {k: t for k, t in current.tables.items()
                if k != kind and k not in current.remote and not (k == "customers" and current.customers_from)}
    try:
        loaded = Dataset.read(**kept, **{kind: chosen})
    except DataError as exc:
        st.error(f"{exc} Your previously loaded data is kept.", icon=":material/error:")
        return
    state.set_data(loaded)
    st.toast(f"Loaded {loaded.source}", icon=":material/check:")
    st.rerun()
