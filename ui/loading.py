"""Reading files into the session: uploads cached by their bytes, per session, never on disk."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from segmentation.errors import DataError
from segmentation.io import Table, load_table
from segmentation.schema import RoleMap, clean_transactions, customers_from_transactions, infer_roles, with_derived_mrr
from ui import state
from ui.subscriptions import rolled_up_export

__all__ = ["SAMPLE_DIR", "SAMPLE_FILES", "load_upload", "load_sample", "with_amount", "prepare_customers",
           "prepare_table", "derived_customers", "with_customers", "customer_id_pending", "NewerExport",
           "read_newer_export"]

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
        raise DataError(f"No column of {source.name} is recognisably the customer id, so the customers cannot be "
                        "taken from it; say which column it is on the Data page (or add the customers file).")
    frame = customers_from_transactions(source.frame, customer_id=column)
    note = (f"No customers file: the {len(frame):,} customers are the distinct ids in column '{column}' of "
            f"{source.name}" + (f", with {', '.join(map(repr, frame.columns[1:]))}." if frame.shape[1] > 1 else "."))
    table = Table(frame=frame, name=f"customers of {source.name}", format=source.format, notes=(note,))
    roles = infer_roles(frame, kind="customers")
    if roles.get("customer_id") != column:
        holder = next((r for r, c in roles.roles.items() if c == column), None)
        roles = (roles.with_role(holder, None) if holder else roles).with_role("customer_id", column)
    return table, roles


# The date a table of each kind needs before its customer ids can stand for the customers.
_DATE_ROLE = {"transactions": "transaction_date", "events": "event_date"}


def with_customers(tables: dict[str, Table], roles: dict[str, RoleMap]
                   ) -> tuple[dict[str, Table], dict[str, RoleMap], str | None]:
    """The uploads with a customers table first, and the kind it was taken from (None: a customers file came).

    Without a customers file the customers are the distinct ids of the transactions, else of the events
    (whichever has a recognisable customer id, transactions first). When neither has one, no customers
    table is added: the uploads load all the same, and the Data page asks the user to pick the id column
    of the returned kind, then builds the customers from it. New dicts; the inputs are not changed.
    """
    if "customers" in tables:
        return dict(tables), dict(roles), None
    kinds = [kind for kind in ("transactions", "events") if kind in tables]
    if not kinds:
        raise DataError("Upload a customers file, or an orders, invoices or events export.")
    source = next((kind for kind in kinds if roles[kind].get("customer_id") is not None), kinds[0])
    if roles[source].get("customer_id") is None:
        return dict(tables), dict(roles), source
    customers, customer_roles = derived_customers(tables[source], roles[source])
    return {"customers": customers, **tables}, {"customers": customer_roles, **roles}, source


def customer_id_pending(*, where: str = "on the Data page") -> str | None:
    """What to do when the loaded orders or events have no customer id yet, so there are no customers; else None.

    `where` says where the id column is picked, as the sentence shows it.
    """
    kind = state.get(state.CUSTOMERS_FROM)
    tables = state.tables()
    if state.has_customers() or kind not in tables:
        return None
    return (f"Pick the column of {tables[kind].name} that holds the customer id {where}: the customers are taken "
            "from it, and until then there is nothing to segment.")


@dataclasses.dataclass(frozen=True)
class NewerExport:
    """A newer export read the way the Data page reads an upload, ready for `tracking.apply_recipe`.

    customers  one row per customer: the file itself, its rollup (one row per subscription), or the
               distinct ids of the file when it is a transactions or events table.
    options    keyword arguments for `apply_recipe` that come from the file: the transactions or events
               frame and its roles, `customers_from` and `id_column` when the customers are its ids.
    kind       what the file was read as: "customers", "subscriptions", "transactions" or "events".
    notes      sentences on what was derived (amounts, MRR, the rollup, the customers).
    """

    customers: Table
    options: Mapping[str, Any]
    kind: str
    notes: tuple[str, ...] = ()


def read_newer_export(table: Table, *, customers_from: str | None = None,
                      roles: Mapping[str, RoleMap] | None = None) -> NewerExport:
    """Read a newer export (Track page) with the Data page's own steps, so the segments find their columns.

    customers_from  the kind the session's customers were taken from (`state.CUSTOMERS_FROM`): when it is
                    "transactions" or "events" and the file has that kind's date and is not one row per
                    customer, the file is read as that kind (payments cleaned, amounts derived) and its
                    distinct ids are the customers. Otherwise the file is a customers table: one row per
                    subscription is rolled up (its monthly MRR becomes the transactions), and an annual
                    amount gives the MRR.
    roles           the role maps confirmed on the Data page, by kind; each is used where the file has its
                    columns.
    Raises DataError naming the file when it cannot be read that way.
    """
    roles = roles or {}
    if customers_from in _DATE_ROLE:
        prepared = prepare_table(table, customers_from)
        role_map = _confirmed_over(infer_roles(prepared.frame, kind=customers_from), roles.get(customers_from))
        column = role_map.get("customer_id")
        # A customers file (one row per customer) uploaded with its purchases stays a customers table.
        repeats = column is None or prepared.frame[column].dropna().duplicated().any()
        if role_map.get(_DATE_ROLE[customers_from]) is not None and repeats:
            customers, _ = derived_customers(prepared, role_map)
            prefix = "transaction" if customers_from == "transactions" else "event"
            options = {customers_from: prepared.frame, f"{prefix}_roles": dict(role_map.roles),
                       "customers_from": customers_from, "id_column": role_map.get("customer_id")}
            return NewerExport(customers, options, customers_from, (*_added(prepared, table), *customers.notes))
    prepared = prepare_table(table, "customers")
    rolled = rolled_up_export(prepared)
    if rolled is None:
        return NewerExport(prepared, {}, "customers", _added(prepared, table))
    customers, monthly = rolled
    return NewerExport(customers, {"transactions": monthly.frame}, "subscriptions", customers.notes)


def _added(prepared: Table, table: Table) -> tuple[str, ...]:
    """The notes preparing `table` added (how the file was read is the Data page's to show)."""
    return tuple(note for note in prepared.notes if note not in table.notes)


def _confirmed_over(guessed: RoleMap, confirmed: RoleMap | Mapping[str, str] | None) -> RoleMap:
    """The guessed roles with each confirmed role whose column the file has put over them (a column keeps one role)."""
    mapping = getattr(confirmed, "roles", confirmed) or {}
    columns = {info.name for info in guessed.columns}
    for role, column in mapping.items():
        if column not in columns or guessed.get(role) == column:
            continue
        holder = next((r for r, c in guessed.roles.items() if c == column), None)
        guessed = (guessed.with_role(holder, None) if holder else guessed).with_role(role, column)
    return guessed
