"""Reading files into the session: uploads cached by their bytes, per session, never on disk."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from segmentation.errors import DataError
from segmentation.io import Table, load_table
from segmentation.schema import RoleMap, clean_transactions, customers_from_transactions, infer_roles, with_derived_mrr

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
def load_sample() -> tuple[dict[str, Table], dict[str, RoleMap]]:
    """The bundled sample, read once per process: it is not user data, and results are values nobody mutates."""
    tables = {kind: load_table(SAMPLE_DIR / file) for kind, file in SAMPLE_FILES.items()
              if (SAMPLE_DIR / file).exists()}
    roles = {kind: infer_roles(table.frame, kind=kind) for kind, table in tables.items()}
    return tables, roles


def with_amount(table: Table) -> Table:
    """A transactions table whose amount is the revenue of each row, with a note for every change.

    Lines without an amount get quantity x unit price; failed payments are left out; amounts in
    several currencies use a converted column (or the note warns); refunds come off
    (`schema.clean_transactions`).
    """
    frame, notes = clean_transactions(table.frame)
    return table if not notes else dataclasses.replace(table, frame=frame, notes=(*table.notes, *notes))


def prepare_customers(table: Table) -> Table:
    """A customers table with an MRR: an annual amount (ARR) without a monthly one gives MRR = ARR / 12."""
    frame, note = with_derived_mrr(table.frame)
    return table if note is None else dataclasses.replace(table, frame=frame, notes=(*table.notes, note))


def prepare_table(table: Table, kind: str) -> Table:
    """What the app does to a freshly read table of `kind` before guessing its roles."""
    return {"transactions": with_amount, "customers": prepare_customers}.get(kind, lambda t: t)(table)


def derived_customers(source: Table, role_map: RoleMap) -> tuple[Table, RoleMap]:
    """Without a customers file, the customers are the distinct ids of the transactions (or events)."""
    column = role_map.get("customer_id")
    if column is None:
        raise DataError(f"Add the customers file too: no column of {source.name} is recognisably the customer id, "
                        "so the customers cannot be taken from it.")
    frame = customers_from_transactions(source.frame, customer_id=column)
    note = (f"No customers file: the {len(frame):,} customers are the distinct ids in column '{column}' of "
            f"{source.name}" + (f", with {', '.join(map(repr, frame.columns[1:]))}." if frame.shape[1] > 1 else "."))
    table = Table(frame=frame, name=f"customers of {source.name}", format=source.format, notes=(note,))
    roles = infer_roles(frame, kind="customers")
    if roles.get("customer_id") != column:
        holder = next((r for r, c in roles.roles.items() if c == column), None)
        roles = (roles.with_role(holder, None) if holder else roles).with_role("customer_id", column)
    return table, roles
