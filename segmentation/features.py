"""The customer table: one row per customer, with purchase and activity features.

`customer_table` keeps every column of the customers table, indexed by the customer id as
text (as in the file: leading zeros kept, integers read as floats shown without ".0"), and
adds, when a transactions table is given:

    recency_days    days from the last purchase to the as-of date (NaN: never purchased)
    frequency       distinct orders (the order-id column when mapped, else distinct purchase days)
    monetary        total revenue
    first_purchase, last_purchase, tenure_days (as-of date minus first purchase)
    orders_30d, orders_90d     orders dated within 30 / 90 days of the as-of date

and when an events table is given (one row per event, or per customer-day with a count):

    active_days_30d, active_days_90d, events_90d

The as-of date defaults to the day after the last transaction or event of a known customer;
rows dated after it are left out. Ids that are emails (nearly every one holds one "@" and
a dot after it) are trimmed and lower-cased, since "CHRIS.197@GMAIL.COM" and "chris.197@gmail.com"
are one person. An id of transactions or events that the customers table
lacks but matches once leading zeros are ignored (17, "17" or 17.0 for "00017") counts for that
customer, unless it fits more than one ("017" and "0017"); other unknown ids are left out.
`build_customer_table` returns the table together with plain sentences on what was matched
or left out (`CustomerTable.notes`) and the unknown ids (`CustomerTable.unmatched`);
`customer_table` returns only the frame. The aggregation is SQL in `queries/customers.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cleaning import find_returns
from .errors import DataError
from .queries import customers as q
from .roles import REQUIRED_ROLES

__all__ = [
    "CustomerTable",
    "build_customer_table",
    "customer_table",
    "ids_as_text",
    "looks_like_emails",
    "match_ids",
    "parse_dates",
    "parse_numbers",
    "parse_as_of",
    "TRANSACTION_FEATURES",
    "EVENT_FEATURES",
]

TRANSACTION_FEATURES = (
    "recency_days", "frequency", "monetary", "first_purchase", "last_purchase", "tenure_days",
    *(f"orders_{w}d" for w in q.WINDOWS),
)
EVENT_FEATURES = (*(f"active_days_{w}d" for w in q.WINDOWS), f"events_{q.WINDOWS[-1]}d")

# One "@" with a dot after it, no spaces: an email address (checked after trimming).
_EMAIL = r"^[^@\s]+@[^@\s]*\.[^@\s]+$"
# Share of the distinct ids that must look like emails for the column to be read as emails.
_EMAIL_SHARE = 0.95

# Roles each table needs (required, optional) in its role mapping.
_TRANSACTION_ROLES = (REQUIRED_ROLES["transactions"], ("order_id",))
_EVENT_ROLES = (REQUIRED_ROLES["events"], ("count",))


@dataclass(frozen=True)
class CustomerTable:
    """The customer table plus what was left out building it.

    frame      one row per customer (see the module docstring for the columns).
    as_of      the as-of date used (None when neither transactions nor events were given).
    notes      plain sentences for the user: email ids compared without case and spaces, ids
               matched by ignoring leading zeros, ids that fit more than one customer that way,
               rows of unknown customers, undated or later rows.
    unmatched  rows per customer id that the customers table lacks, even ignoring leading
               zeros (ids that fit more than one customer are here too): columns table
               ("transactions" / "events"), customer_id, rows; most rows first (None when
               neither transactions nor events were given).
    """

    frame: pd.DataFrame
    as_of: pd.Timestamp | None = None
    notes: tuple[str, ...] = ()
    unmatched: pd.DataFrame | None = None


def customer_table(
    customers: pd.DataFrame,
    *,
    customer_id: str,
    transactions: pd.DataFrame | None = None,
    transaction_roles: Mapping[str, str] | Any | None = None,
    events: pd.DataFrame | None = None,
    event_roles: Mapping[str, str] | Any | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per customer, indexed by "customer_id" (text); see the module docstring.

    transaction_roles maps customer_id, transaction_date, amount and optionally order_id to
    columns of `transactions`; event_roles maps customer_id, event_date and optionally count
    to columns of `events` (a `roles.RoleMap` works too). Use `build_customer_table` to also
    get the notes on rows left out.
    """
    return build_customer_table(
        customers,
        customer_id=customer_id,
        transactions=transactions,
        transaction_roles=transaction_roles,
        events=events,
        event_roles=event_roles,
        as_of=as_of,
    ).frame


def build_customer_table(
    customers: pd.DataFrame,
    *,
    customer_id: str,
    transactions: pd.DataFrame | None = None,
    transaction_roles: Mapping[str, str] | Any | None = None,
    events: pd.DataFrame | None = None,
    event_roles: Mapping[str, str] | Any | None = None,
    as_of: str | pd.Timestamp | None = None,
    first_row: int = 1,
) -> CustomerTable:
    """`customer_table` with the as-of date used, notes and unknown ids (`CustomerTable`).

    `first_row` is the file's row number of the first customer (2 below a one-line header), so
    that messages name rows the way a spreadsheet shows them.
    """
    if not isinstance(customers, pd.DataFrame):
        raise DataError("The customers table must be a table (a pandas DataFrame).")
    _require_columns(customers, {"customer_id": customer_id}, "customers")
    ids = ids_as_text(customers[customer_id], column=customer_id, table="customers")
    _check_unique(ids, customer_id, first_row, emails=looks_like_emails(customers[customer_id]))

    frame = customers.drop(columns=[customer_id])
    frame.index = pd.Index(ids.to_numpy(dtype=object), dtype=object, name="customer_id")
    tx = ev = None
    raw_ids = [customers[customer_id]]
    if transactions is not None:
        tx = _prepare(transactions, transaction_roles, "transactions", _TRANSACTION_ROLES)
        _check_free(frame, TRANSACTION_FEATURES)
        raw_ids.append(transactions[_role(transaction_roles, "customer_id")])
    if events is not None:
        ev = _prepare(events, event_roles, "events", _EVENT_ROLES)
        _check_free(frame, EVENT_FEATURES)
        raw_ids.append(events[_role(event_roles, "customer_id")])
    notes: list[str] = _email_notes(raw_ids)
    if tx is None and ev is None:
        return CustomerTable(frame=frame, notes=tuple(notes))

    known = pd.DataFrame({"customer_id": frame.index.to_numpy(dtype=object)})
    tx_ids = _match_leading_zeros(tx, "transactions", known) if tx is not None else None
    ev_ids = _match_leading_zeros(ev, "events", known) if ev is not None else None
    tx = tx_ids.table if tx_ids is not None else None
    ev = ev_ids.table if ev_ids is not None else None
    resolved = _resolve_as_of(as_of, [t for t in (tx, ev) if t is not None], known)
    unmatched: list[pd.DataFrame] = []
    if tx_ids is not None:
        summary = q.transaction_summary(tx, as_of=resolved, ids=known).set_index("customer_id")
        frame = frame.join(_fill_transactions(summary, frame.index))
        _account(tx_ids, "transactions", known, resolved, notes, unmatched)
    if ev_ids is not None:
        summary = q.event_summary(ev, as_of=resolved, ids=known).set_index("customer_id")
        frame = frame.join(_fill_events(summary, frame.index))
        _account(ev_ids, "events", known, resolved, notes, unmatched)
    frame.index.name = "customer_id"
    left_out = (
        pd.concat(unmatched, ignore_index=True)
        if unmatched
        else pd.DataFrame({"table": pd.Series(dtype=object), "customer_id": pd.Series(dtype=object),
                           "rows": pd.Series(dtype=np.int64)})
    )
    return CustomerTable(frame=frame, as_of=resolved, notes=tuple(notes), unmatched=left_out)


# -- cleaning the inputs ----------------------------------------------------------------------------
def ids_as_text(values: pd.Series, *, column: str = "customer_id", table: str = "customers") -> pd.Series:
    """Ids as text, as written in the file: integers read as numbers lose no zeros they never had,
    and floats that hold whole numbers (17.0, from a column with blanks) print as "17".

    Ids that are emails (see `looks_like_emails`) are trimmed and lower-cased: mail systems
    ignore case, so "CHRIS.197@GMAIL.COM" and " chris.197@gmail.com" are one customer.
    Missing ids stay missing (None). Raises DataError for ids that are fractions or infinite.
    """
    series = pd.Series(values)
    out = pd.Series(np.full(len(series), None, dtype=object), index=series.index)
    present = series.notna().to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype):
        out[present] = series[present].astype(str)
    elif pd.api.types.is_integer_dtype(series.dtype):
        # astype(str) straight from the integer type: uint64 ids above 2**63 must not wrap negative.
        out[present] = series[present].astype(str)
    elif pd.api.types.is_float_dtype(series.dtype):
        numbers = series[present].to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if not whole.all():
            row = int(np.flatnonzero(present)[np.flatnonzero(~whole)[0]]) + 1
            raise DataError(
                f"The {table} table's id column {column!r} holds {numbers[~whole][0]!r} in row {row}, "
                "which is not an id; map the column that names the customer."
            )
        out[present] = numbers.astype(np.int64).astype(str)
    else:
        texts = series[present].astype(str)
        if looks_like_emails(texts):
            texts = _email_keys(texts)
        out[present] = texts.where(texts != "", None)
    return out


def looks_like_emails(values: pd.Series) -> bool:
    """True when (nearly) every distinct non-blank text value is an email address: one "@" and a
    dot after it, once surrounding spaces are trimmed. Numbers and dates are never emails."""
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
        return False
    texts = series.dropna()
    if texts.empty:
        return False
    # A look at the first rows rejects ordinary id columns without hashing millions of values.
    head = texts.iloc[:200].astype(str).str.strip()
    head = head[head != ""]
    if head.empty or head.str.contains(_EMAIL, regex=True).mean() < 0.5:
        return False
    distinct = pd.Series(pd.unique(texts.to_numpy(dtype=object)), dtype=object).astype(str).str.strip()
    distinct = distinct[distinct != ""]
    return bool(len(distinct)) and bool(distinct.str.contains(_EMAIL, regex=True).mean() >= _EMAIL_SHARE)


def _email_keys(texts: pd.Series) -> pd.Series:
    """Trimmed, lower-cased text; the work is on distinct values (thousands), not rows (millions)."""
    codes, distinct = pd.factorize(texts.to_numpy(dtype=object))
    keys = pd.Series(distinct, dtype=object).str.strip().str.lower().to_numpy(dtype=object)
    return pd.Series(keys[codes], index=texts.index, dtype=object)


def _email_notes(columns: list[pd.Series]) -> list[str]:
    """One sentence when customer ids are emails that had to be trimmed or lower-cased to compare,
    with how many spellings were merged into another (the most in any one table)."""
    rewritten, merged = False, 0
    for values in columns:
        if not looks_like_emails(values):
            continue
        texts = values.dropna().astype(str)
        texts = texts[texts != ""]
        spellings = pd.Series(pd.unique(texts.to_numpy(dtype=object)), dtype=object)
        keys = _email_keys(spellings)
        rewritten = rewritten or bool((keys != spellings).any())
        keys = keys[keys != ""]
        merged = max(merged, len(keys) - keys.nunique())
    if not rewritten:
        return []
    count = f" ({merged:,} id{'' if merged == 1 else 's'} merged)" if merged else ""
    return [f"Customer ids are emails: compared without case and spaces{count}."]


def _require_columns(frame: pd.DataFrame, columns: Mapping[str, str], table: str) -> None:
    for role, column in columns.items():
        if column not in frame.columns:
            listing = ", ".join(map(str, frame.columns))
            raise DataError(
                f"The {table} table has no column {column!r} (mapped as {role}); columns are: {listing}."
            )


def _check_unique(ids: pd.Series, column: str, first_row: int = 1, *, emails: bool = False) -> None:
    blank = ids.isna().to_numpy()
    if blank.any():
        row = int(np.flatnonzero(blank)[0]) + first_row
        raise DataError(
            f"The customers table has no customer id in column {column!r} in row {row}; "
            "fill it in or remove the row."
        )
    duplicated = ids.duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = ids.to_numpy()[np.flatnonzero(duplicated)[0]]
        rows = np.flatnonzero(ids.to_numpy() == first) + first_row
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        how = " (emails compared without case and spaces)" if emails else ""
        raise DataError(
            f"The customers table has customer id {first!r} in column {column!r} more than once{how} "
            f"(rows {shown}); keep one row per customer."
        )


def _check_free(frame: pd.DataFrame, names: tuple[str, ...]) -> None:
    taken = [n for n in names if n in frame.columns]
    if taken:
        raise DataError(
            f"The customers table already has the column {taken[0]!r}, which the customer table computes; "
            "rename or drop it."
        )


def _role(roles: Any, role: str) -> str | None:
    if roles is None:
        return None
    getter = getattr(roles, "get", None)
    return getter(role) if getter is not None else None


def _prepare(
    frame: pd.DataFrame, roles: Any, table: str, spec: tuple[tuple[str, ...], tuple[str, ...]]
) -> pd.DataFrame:
    """A clean copy in the layout `queries/customers.py` expects (tx or ev).

    Transactions get a `purchase` column, False for returns and cancellations (`cleaning.find_returns`),
    whose amounts count against revenue."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"The {table} table must be a table (a pandas DataFrame).")
    required, optional = spec
    mapped = {role: _role(roles, role) for role in (*required, *optional)}
    for role in required:
        if not mapped[role]:
            raise DataError(
                f"Say which {table} column holds the {role.replace('_', ' ')} (the {table} roles lack {role!r})."
            )
    mapped = {role: column for role, column in mapped.items() if column}
    _require_columns(frame, mapped, table)
    date_role = required[1]
    out = pd.DataFrame(
        {
            "customer_id": ids_as_text(frame[mapped["customer_id"]], column=mapped["customer_id"], table=table)
            .to_numpy(dtype=object),
            "day": parse_dates(frame[mapped[date_role]], column=mapped[date_role], table=table).to_numpy(),
        }
    )
    if table == "transactions":
        amounts = parse_numbers(frame[mapped["amount"]], column=mapped["amount"], table=table)
        # Returns and cancellations: never an order, an active day or a first purchase; money net of them.
        found = find_returns(frame, amount=mapped["amount"], order_id=mapped.get("order_id"),
                             customer_id=mapped["customer_id"])
        out["amount"] = found.net(amounts) if found.count else amounts.to_numpy()
        out["purchase"] = found.purchases
        if "order_id" in mapped:
            out["order_id"] = ids_as_text(frame[mapped["order_id"]], column=mapped["order_id"], table=table).to_numpy(
                dtype=object
            )
        out.attrs["returns"] = found.note  # for the doors that read a file without `clean_transactions`
    else:
        counts = (
            parse_numbers(frame[mapped["count"]], column=mapped["count"], table=table).fillna(1.0).to_numpy()
            if "count" in mapped
            else np.ones(len(frame))
        )
        out["n"] = counts
    return out


def parse_dates(values: pd.Series, *, column: str, table: str) -> pd.Series:
    """Dates as tz-naive datetime64 (blanks become NaT); DataError names the first bad row."""
    series = pd.Series(values)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if pd.api.types.is_numeric_dtype(series.dtype) and series.notna().any():
        row = int(np.flatnonzero(series.notna().to_numpy())[0]) + 1
        raise DataError(
            f"The {table} column {column!r} holds numbers such as {series.dropna().iloc[0]!r} (row {row}), "
            "not dates; map the column with the dates or write them as YYYY-MM-DD."
        )
    texts = series.where(series.notna(), None)
    blank = texts.isna() | (texts.astype(str).str.strip() == "")
    parsed = None
    for fmt in (None, "ISO8601", "mixed"):
        try:
            kwargs = {"format": fmt} if fmt else {}
            candidate = pd.to_datetime(texts.where(~blank, None), errors="coerce", **kwargs)
        except (ValueError, TypeError):
            continue
        if isinstance(candidate.dtype, pd.DatetimeTZDtype):
            candidate = candidate.dt.tz_convert("UTC").dt.tz_localize(None)
        if not (candidate.isna() & ~blank).any():
            return candidate
        parsed = candidate if parsed is None else parsed
    bad = (parsed.isna() & ~blank) if parsed is not None else ~blank
    position = int(np.flatnonzero(bad.to_numpy())[0])
    raise DataError(
        f"The {table} column {column!r} has {series.iloc[position]!r} in row {position + 1}, which is not a date; "
        "fix that cell (for example as YYYY-MM-DD) or map another column."
    )


def parse_numbers(values: pd.Series, *, column: str, table: str) -> pd.Series:
    """Numbers as float64 (blanks become NaN); DataError names the first cell that is not a number."""
    series = pd.Series(values)
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.astype(float)
    else:
        texts = series.where(series.notna(), None)
        blank = texts.isna() | (texts.astype(str).str.strip() == "")
        numbers = pd.to_numeric(texts.where(~blank, None), errors="coerce").astype(float)
        bad = (numbers.isna() & ~blank).to_numpy()
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"The {table} column {column!r} has {series.iloc[position]!r} in row {position + 1}, which is not a "
                "number; fix that cell or load the file again so decimal commas and currency signs are read."
            )
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        raise DataError(f"The {table} column {column!r} is infinite in row {position + 1}; fix that cell.")
    return numbers


def parse_as_of(as_of: str | pd.Timestamp | Any) -> pd.Timestamp:
    """The as-of date as a day (time of day dropped); DataError when it is not a date."""
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise DataError(f"The as-of date {as_of!r} is not a date; write it as YYYY-MM-DD.") from None
    if pd.isna(stamp):
        raise DataError(f"The as-of date {as_of!r} is not a date; write it as YYYY-MM-DD.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def _resolve_as_of(as_of: Any, tables: list[pd.DataFrame], known: pd.DataFrame | None) -> pd.Timestamp:
    if as_of is not None:
        return parse_as_of(as_of)
    days = [d for d in (q.last_day(t, ids=known) for t in tables) if d is not None]
    if not days:
        theirs = next((i for t in tables for i in t["customer_id"] if i is not None), None)
        example = f" (customers has {known['customer_id'].iloc[0]!r}, the other table {theirs!r})" if len(known) else ""
        raise DataError(
            "No dated transaction or event belongs to a customer of the customers table"
            f"{example}; check that both tables' customer id columns hold the same ids."
        )
    return max(days).normalize() + pd.Timedelta(days=1)


# -- ids written with and without leading zeros ---------------------------------------------------
# A digit-only id without its leading zeros (and without a ".0" that a float column added):
# "00017", "17" and "17.0" all give "17"; "000" gives "0". Other ids ("C-017") give NaN.
_DIGITS = r"^0*([0-9]+?)(?:\.0*)?$"


def match_ids(ids: pd.Series, known: Any, *, table: str = "transactions") -> tuple[pd.Series, tuple[str, ...]]:
    """`ids` as text, with each id that meets one of `known` (customer ids as text) only once
    leading zeros are ignored rewritten to it; plus notes on what was matched or left alone.

    For joins outside the customer table (cohorts split by segment, say), so that "17" in a
    billing export meets "00017" from the customers file the same way `customer_table` does.
    """
    text = ids_as_text(ids, column=str(ids.name or "customer_id"), table=table)
    rows = pd.DataFrame({"customer_id": text.to_numpy(dtype=object)})
    wanted = pd.DataFrame({"customer_id": pd.Index(known).astype(str).unique().to_numpy(dtype=object)})
    matched = _match_leading_zeros(rows, table, wanted)
    out = pd.Series(matched.table["customer_id"].to_numpy(dtype=object), index=ids.index, name=ids.name)
    return out, matched.notes


def _zero_free(ids: pd.Series) -> pd.Series:
    return ids.astype(object).str.extract(_DIGITS, expand=False)


@dataclass(frozen=True)
class _MatchedIds:
    """A prepared table after matching its ids to the customers table.

    table     the rows, with ids that differ from a customer's only in leading zeros rewritten
    notes     sentences on the ids matched that way and on those that fit more than one customer
    unknown   rows per id still unknown (customer_id, rows), most rows first
    """

    table: pd.DataFrame
    notes: tuple[str, ...]
    unknown: pd.DataFrame


def _match_leading_zeros(table: pd.DataFrame, name: str, known: pd.DataFrame) -> _MatchedIds:
    """Rewrite ids that match a customer only once leading zeros are ignored to the customers
    table's id, and say so.

    Customers exports and transaction exports from another system (or Excel) disagree on zeros:
    "00017" in one, 17 or "17" in the other. The customers table's text is kept because it is
    what the user's files and exports say. Exact matches win: only ids without an exact match are
    looked at. An id that fits more than one customer ("17" for "017" and "0017") is not guessed.
    The work is on distinct ids (millions of rows, thousands of ids), then one hash lookup over
    the rows.
    """
    unknown = q.unmatched_rows(table, ids=known)
    theirs = _zero_free(unknown["customer_id"]) if len(unknown) else None
    if theirs is None or theirs.isna().all():
        return _MatchedIds(table=table, notes=(), unknown=unknown)
    ours = pd.Series(known["customer_id"].to_numpy(dtype=object), index=_zero_free(known["customer_id"]).to_numpy())
    ours = ours[ours.index.notna() & ours.index.isin(theirs.dropna())]
    shared = ours.index.duplicated(keep=False)
    target = theirs.map(ours[~shared]).to_numpy(dtype=object)
    matched = pd.notna(target)
    ambiguous = theirs.isin(ours.index[shared]).to_numpy()
    their_ids = unknown["customer_id"].to_numpy(dtype=object)
    rows = unknown["rows"].to_numpy()
    notes: list[str] = []
    if matched.any():
        first = int(np.flatnonzero(matched)[0])
        notes.append(
            f"Matched {int(matched.sum()):,} {name} customer id(s) ({int(rows[matched].sum()):,} row(s)) to the "
            f"customers table by ignoring leading zeros (e.g. {their_ids[first]!r} -> {target[first]!r})."
        )
        position = pd.Index(their_ids[matched], dtype=object).get_indexer(table["customer_id"].to_numpy(dtype=object))
        hit = position >= 0
        ids = table["customer_id"].to_numpy(dtype=object, copy=True)
        ids[hit] = target[matched][position[hit]]
        table = table.assign(customer_id=ids)
    if ambiguous.any():
        first = int(np.flatnonzero(ambiguous)[0])
        candidates = " or ".join(repr(i) for i in ours[ours.index == theirs.iloc[first]].iloc[:3])
        notes.append(
            f"{int(ambiguous.sum()):,} {name} customer id(s) ({int(rows[ambiguous].sum()):,} row(s)) were not "
            f"matched: ignoring leading zeros, each fits more than one customer (e.g. {their_ids[first]!r} could be "
            f"{candidates}); write the ids the same way in both files."
        )
    return _MatchedIds(table=table, notes=tuple(notes), unknown=unknown[~matched].reset_index(drop=True))


# -- filling customers without rows ---------------------------------------------------------------
def _fill_transactions(summary: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    out = summary.reindex(index)
    for name in ("frequency", *(f"orders_{w}d" for w in q.WINDOWS)):
        out[name] = out[name].fillna(0).astype(np.int64)
    out["monetary"] = out["monetary"].fillna(0.0).astype(float)
    for name in ("recency_days", "tenure_days"):
        out[name] = out[name].astype(float)
    for name in ("first_purchase", "last_purchase"):
        out[name] = pd.to_datetime(out[name]).astype("datetime64[ns]")
    return out[list(TRANSACTION_FEATURES)]


def _fill_events(summary: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    out = summary.reindex(index).fillna(0)
    for name in EVENT_FEATURES:
        values = out[name].astype(float)
        out[name] = values.astype(np.int64) if (values == np.round(values)).all() else values
    return out[list(EVENT_FEATURES)]


def _account(
    matched: _MatchedIds,
    name: str,
    known: pd.DataFrame,
    as_of: pd.Timestamp,
    notes: list[str],
    unmatched: list[pd.DataFrame],
) -> None:
    """Add the notes on matching ids, then a sentence for every kind of row left out of the table."""
    table, unknown = matched.table, matched.unknown
    notes.extend(matched.notes)
    no_id = int(table["customer_id"].isna().sum())
    if no_id:
        notes.append(f"{no_id:,} {name} row(s) have no customer id and were left out.")
    no_day = int(table["day"].isna().sum())
    if no_day:
        notes.append(f"{no_day:,} {name} row(s) have no date and were left out.")
    if len(unknown):
        example = ", ".join(repr(i) for i in unknown["customer_id"].head(3))
        notes.append(
            f"{int(unknown['rows'].sum()):,} {name} row(s) belong to {len(unknown):,} customer id(s) that the "
            f"customers table lacks (e.g. {example}) and were left out."
        )
        unmatched.append(unknown.assign(table=name)[["table", "customer_id", "rows"]])
    later = q.rows_after(table, as_of=as_of, ids=known)
    if later:
        notes.append(f"{later:,} {name} row(s) are dated after the as-of date {as_of:%Y-%m-%d} and were left out.")
