"""Push-down: the customer table's summaries, RFM inputs and cohort activity as Ibis expressions, computed
inside the engine where the rows live (DuckDB over a Parquet folder, PostgreSQL, Spark, a warehouse).

The definitions are those of `queries/customers.py` and `queries/cohorts.py` (read their docstrings), written
once more in Ibis so that one expression runs on every backend; only per-customer (or per customer-month)
rows come back. `tests/test_sources.py` checks that both give the same numbers on the same data. Plain files keep
the DuckDB SQL path: Ibis costs ~0.6 s of import and a plan per query, which the file path's benchmark
(bench/bench_rfm.py) and the command line's start-up would pay for nothing.

    prepare(conn, kind, roles)     the table in the layout of queries/customers.py: customer_id (text, as
                                   `features.ids_as_text` writes it), at (timestamp), day (date), amount
                                   (DECIMAL(38, 6)), purchase (bool: not a return, `cleaning.find_returns`'
                                   rules), order_id (text) / n (events per row)
    id_rows(prepared)              per raw id: rows, dated rows and the last day: the ids, the default as-of
    transaction_summary(...)       per raw id: first and last purchase, frequency, monetary, orders_30d/90d
    event_summary(...)             per raw id: active_days_30d/90d, events_90d
    customer_periods(...)          per customer and calendar month: revenue, bought. The seam for cohorts (which
                                   finish locally: a split by segment joins labels that live here) and for MRR
                                   movements (segmentation/revenue.py: MRR per customer-month is this frame's
                                   revenue by month).
    mrr_spans(...)                 MRR when invoices spread over a service or billing period: per customer, the
                                   month the amount starts counting in, the service length in days and the
                                   billing period, the amounts summed. revenue.py spreads these sums over their
                                   months (n months of sum / n is the sum of each row's amount / n).

Recency and tenure are days between dates: they are computed locally from the last and first purchase, which
keeps the expressions portable (date arithmetic differs most between engines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .customers import WINDOWS

__all__ = ["Prepared", "prepare", "id_rows", "transaction_summary", "event_summary", "customer_periods",
           "mrr_spans", "last_row_timestamp", "returns_note_of", "DATE_ROLES"]

DATE_ROLES = {"transactions": "transaction_date", "events": "event_date"}
_NUMERIC = ("int", "float", "decimal", "uint")
_TEXT = ("string",)
_DATES = ("date", "timestamp")


@dataclass(eq=False)
class Prepared:
    """A remote table in the summary layout, plus what the rules of returns found (for the note)."""

    conn: Any
    kind: str
    expr: Any
    columns: dict[str, str]
    reasons: list = field(default_factory=list)  # (sentence part, ibis boolean expression)
    _memo: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.conn.name


def _type(columns: dict[str, str], column: str) -> str:
    return columns[column].lower().lstrip("!")


def _check_type(prep_name: str, kind: str, column: str, dtype: str, want: tuple[str, ...], what: str) -> None:
    if not dtype.startswith(want):
        raise DataError(f"{prep_name}: column {column!r} ({kind}) is of type {dtype}, which cannot be read as "
                        f"{what}; map another column, or cast it in a query (--query \"SELECT ... CAST({column} "
                        f"AS ...) ...\").")


def _id_text(col, dtype: str, emails: bool):
    """`features.ids_as_text` in the engine: whole floats print without ".0", emails trimmed and lower-cased,
    blanks are no id."""
    import ibis

    if dtype.startswith(("float", "decimal")):
        return col.cast("int64").cast("string")
    if dtype.startswith(("int", "uint", "boolean")):
        return col.cast("string")
    text = col.cast("string")
    if emails:
        text = text.strip().lower()
    return ibis.ifelse(text == "", ibis.null("string"), text)


def prepare(conn, kind: str, roles: dict[str, str], sample: pd.DataFrame) -> Prepared:
    """The remote table `conn.expr` in the layout of queries/customers.py (see the module docstring).

    `roles` maps customer_id and the date (and amount, order_id / event_count) to columns; `sample` (its first
    rows) says whether ids are emails and which columns `cleaning.find_returns` would read. Raises DataError
    naming the source and column when a column's type cannot play its role."""
    import ibis

    from ..features import looks_like_emails

    t = conn.expr
    columns = conn.columns()
    date_role = DATE_ROLES[kind]
    for role in ("customer_id", date_role, *(("amount",) if kind == "transactions" else ())):
        column = roles.get(role)
        if column is None:
            raise DataError(f"{conn.name}: say which column holds the {role.replace('_', ' ')}.")
        if column not in columns:
            raise DataError(f"{conn.name} has no column {column!r}; columns are: {', '.join(columns)}.")
    cid, date = roles["customer_id"], roles[date_role]
    _check_type(conn.name, kind, date, _type(columns, date), (*_DATES, *_TEXT), "a date")
    emails = bool(_type(columns, cid).startswith(_TEXT) and cid in sample and looks_like_emails(sample[cid]))
    at = t[date] if _type(columns, date).startswith("timestamp") else t[date].cast("timestamp")
    out = {"customer_id": _id_text(t[cid], _type(columns, cid), emails), "at": at, "day": at.cast("date")}
    prep = Prepared(conn, kind, None, columns)
    if kind == "transactions":
        amount = roles["amount"]
        _check_type(conn.name, kind, amount, _type(columns, amount), (*_NUMERIC, *_TEXT), "an amount")
        value = t[amount].cast("float64") if _type(columns, amount).startswith(_TEXT) else t[amount]
        order = roles.get("order_id")
        returned = _returns(prep, t, sample, roles, value)
        # Returns count against revenue as -|amount| (cleaning.Returns.net): a credit note may be written positive.
        money = ibis.ifelse(returned, -value.abs(), value) if prep.reasons else value
        out.update(amount=money.cast("decimal(38, 6)"), purchase=~returned)
        if order:
            out["order_id"] = _id_text(t[order], _type(columns, order), False)
        # What spreads an invoice over the months it pays for (`mrr_spans`): service dates, a billing period.
        for role in ("service_start", "service_end"):
            column = roles.get(role)
            if column in columns:
                _check_type(conn.name, kind, column, _type(columns, column), (*_DATES, *_TEXT), "a date")
                out[role] = t[column].cast("date")
        if roles.get("billing_period") in columns:
            out["billing_period"] = t[roles["billing_period"]]
    else:
        count = roles.get("event_count") or roles.get("count")
        if count and count in columns:
            _check_type(conn.name, kind, count, _type(columns, count), (*_NUMERIC, *_TEXT), "a count")
            out["n"] = t[count].cast("float64").fill_null(1.0)
        else:
            out["n"] = ibis.literal(1.0)
    prep.expr = t.select(**out)
    return prep


def _returns(prep: Prepared, t, sample: pd.DataFrame, roles: dict[str, str], value):
    """A boolean expression, true for a return or cancellation, by `cleaning.find_returns`' rules: a
    cancelled invoice number (C536379 among plain numbers), a negative quantity, a refund-like type or
    status, a negative amount. Which columns to read is judged by name, as find_returns does; what the
    values are (cancellation or id scheme, which status words) is judged on counts from the engine."""

    from .. import cleaning as c

    columns = prep.columns
    names = pd.DataFrame(columns=list(columns))
    taken = {roles["amount"], roles["customer_id"]}
    order = roles.get("order_id")
    invoice = order if order in columns else (None if order else c._column_named(names, c._INVOICE_NAMES,
                                                                                 exclude=taken))
    rules: list = []
    if invoice is not None and _type(columns, invoice).startswith(_TEXT):
        text = t[invoice].cast("string")
        cancelled = text.re_search(c._CANCELLED_INVOICE).fill_null(False)
        plain = text.re_search(c._PLAIN_INVOICE).fill_null(False)
        counts = prep.conn.execute(t.aggregate(cancelled=cancelled.sum(), plain=plain.sum(),
                                               filled=text.notnull().sum()))
        n_cancelled, n_plain, filled = (int(counts[k].iloc[0] or 0) for k in ("cancelled", "plain", "filled"))
        others = filled - n_cancelled
        if n_cancelled and n_plain and n_plain >= c._PLAIN_SHARE * others and n_cancelled < n_plain:
            rules.append((f"with an invoice number starting with C in {invoice!r}", cancelled))
    quantity = c._column_named(names, c._QUANTITY_NAMES, exclude=taken | {invoice})
    if quantity is not None and _type(columns, quantity).startswith(_NUMERIC):
        rules.append((f"with a negative {quantity!r}", (t[quantity] < 0).fill_null(False)))
    for column in c._columns_named(names, c._RETURN_TYPE_NAMES, exclude=taken | {invoice, quantity}):
        if not _type(columns, column).startswith(_TEXT):
            continue
        values = prep.conn.execute(t.select(v=t[column]).distinct().limit(10_000))["v"].dropna()
        codes = c._status_codes(values)
        marked = sorted(values[codes.isin(c._RETURN_WORDS)].astype(str).tolist())
        if marked:
            shown = sorted(set(v.strip() for v in marked))
            rules.append((f"whose {column!r} is {c._listing(shown, 'or')}", t[column].isin(marked).fill_null(False)))
    negative = (value < 0).fill_null(False)
    prep.reasons = rules + [(f"with a negative {roles['amount']!r}", negative)]
    returned = negative
    for _, rule in rules:
        returned = returned | rule
    return returned


def returns_note_of(prep: Prepared) -> str | None:
    """`cleaning.returns_note` for a remote table: the counts come from the engine in one pass."""
    from ..cleaning import returns_note

    if prep.kind != "transactions":
        return None
    if "returns_note" not in prep._memo:
        t = prep.conn.expr
        aggs = {f"r{i}": rule.sum() for i, (_, rule) in enumerate(prep.reasons)}
        marked = None
        for _, rule in prep.reasons:
            marked = rule if marked is None else marked | rule
        counts = prep.conn.execute(t.aggregate(rows=t.count(), returned=marked.sum(), **aggs)).iloc[0]
        returned = int(counts["returned"] or 0)
        reasons = [(what, int(counts[f"r{i}"] or 0)) for i, (what, _) in enumerate(prep.reasons)]
        *others, (amount_label, negative) = reasons
        # As find_returns: a negative amount is named only when it marks rows no other rule did.
        shown = [(w, n) for w, n in others if n] + ([(amount_label, negative)] if negative and not others else [])
        if others and negative:
            rest = prep.reasons[:-1]
            other = rest[0][1]
            for _, rule in rest[1:]:
                other = other | rule
            alone = int(prep.conn.execute(t.aggregate(n=(prep.reasons[-1][1] & ~other).sum()))["n"].iloc[0] or 0)
            if alone:
                shown.append((amount_label, negative))
        prep._memo["returns_note"] = returns_note(returned, int(counts["rows"]), shown) if returned else None
    return prep._memo["returns_note"]


def id_rows(prep: Prepared) -> pd.DataFrame:
    """Per raw customer id (None for rows without one): rows, dated (rows with a date), last_day (the latest
    date of any row). One pass; memoised, since the ids, the default as-of and the notes all read it."""
    if "id_rows" not in prep._memo:
        t = prep.expr
        expr = t.group_by("customer_id").aggregate(rows=t.count(), dated=t.day.notnull().sum(),
                                                   last_day=t.day.max())
        frame = prep.conn.execute(expr)
        frame["last_day"] = pd.to_datetime(frame["last_day"])
        frame["customer_id"] = frame["customer_id"].astype(object).where(frame["customer_id"].notna(), None)
        prep._memo["id_rows"] = frame
    return prep._memo["id_rows"]


def _date(as_of: pd.Timestamp):
    import ibis

    return ibis.literal(as_of.date(), type="date")


def transaction_summary(prep: Prepared, *, as_of: pd.Timestamp, full: bool = True) -> pd.DataFrame:
    """Per raw id (rows on or before `as_of` only): last_purchase, frequency, monetary and, when `full`,
    first_purchase and orders_30d / orders_90d; plus `after`, rows dated after as-of. As
    `queries.customers.transaction_summary` defines them; recency and tenure are left to the caller."""
    t = prep.expr.filter(prep.expr.customer_id.notnull(), prep.expr.day.notnull())
    upto = t.day <= _date(as_of)
    bought = upto & t.purchase
    has_order = "order_id" in t.columns

    def orders(within):
        if not has_order:
            return t.day.nunique(where=within)
        return t.order_id.nunique(where=within) + t.day.nunique(where=within & t.order_id.isnull())

    aggs = {
        "last_purchase": t.day.max(where=bought),
        "frequency": orders(bought),
        "monetary": t.amount.sum(where=upto),
        "counted": upto.sum(),
        "after": (~upto).sum(),
    }
    if full:
        aggs["first_purchase"] = t.day.min(where=bought)
        for w in WINDOWS:
            aggs[f"orders_{w}d"] = orders(bought & (t.day >= _date(as_of - pd.Timedelta(days=w))))
    frame = prep.conn.execute(t.group_by("customer_id").aggregate(**aggs))
    # Customers whose rows all fall after as-of stay (counted = 0): the customer table fills them as absent.
    # Exact DECIMAL sums come back as Decimal (or float on some drivers); the customer table holds floats.
    frame["monetary"] = pd.to_numeric(frame["monetary"].map(lambda v: 0 if v is None else v)).astype(float)
    for name in ("last_purchase", "first_purchase"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name])
    return frame.reset_index(drop=True)


def event_summary(prep: Prepared, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per raw id: active_days_30d / 90d and events_90d, as `queries.customers.event_summary`; plus `after`."""
    t = prep.expr.filter(prep.expr.customer_id.notnull(), prep.expr.day.notnull())
    active = (t.n > 0) & (t.day <= _date(as_of))
    aggs = {f"active_days_{w}d": t.day.nunique(where=active & (t.day >= _date(as_of - pd.Timedelta(days=w))))
            for w in WINDOWS}
    last = WINDOWS[-1]
    aggs[f"events_{last}d"] = t.n.sum(where=active & (t.day >= _date(as_of - pd.Timedelta(days=last))))
    aggs["counted"] = active.sum()
    aggs["after"] = (t.day > _date(as_of)).sum()
    frame = prep.conn.execute(t.group_by("customer_id").aggregate(**aggs))
    frame[f"events_{last}d"] = frame[f"events_{last}d"].fillna(0).astype(float)
    return frame.reset_index(drop=True)


def last_timestamp(prep: Prepared) -> pd.Timestamp | None:
    """The latest date and time of a row with a customer id (the cohorts' default as-of)."""
    t = prep.expr
    value = prep.conn.execute(t.filter(t.customer_id.notnull()).at.max())
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def customer_periods(prep: Prepared, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per customer and calendar month with rows on or before the as-of day: customer_id, p (the month's
    first day), revenue (exact sum, net of returns; None for events) and bought (a purchase among them: a month
    of returns only is not activity). Quarters are sums of these months, so the cohort SQL rolls them up."""
    import ibis

    t = prep.expr
    t = t.filter(t.customer_id.notnull(), t.day.notnull(), t.day <= _date(as_of))
    month = t.day.truncate("M")
    revenue = t.amount.sum() if prep.kind == "transactions" else ibis.null("decimal(38, 6)").max()
    bought = t.purchase.any() if prep.kind == "transactions" else ibis.literal(True).any()
    frame = prep.conn.execute(t.group_by(customer_id=t.customer_id, p=month).aggregate(revenue=revenue,
                                                                                        bought=bought))
    frame["p"] = pd.to_datetime(frame["p"])
    frame["revenue"] = pd.to_numeric(frame["revenue"].map(lambda v: np.nan if v is None else v)).astype(float)
    frame["bought"] = frame["bought"].astype(bool)
    return frame.sort_values(["customer_id", "p"]).reset_index(drop=True)


def last_row_timestamp(prep: Prepared) -> pd.Timestamp | None:
    """The latest date and time of any row (MRR's default as-of: `queries.mrr.horizon_sql` reads every row)."""
    value = prep.conn.execute(prep.expr.at.max())
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def mrr_spans(prep: Prepared, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """For MRR spread over service periods: one row per customer, start month (the service start's, else the
    date's), service length in days (None without both dates) and billing period (the column's own values),
    for the rows with an id, a date and an amount on or before the as-of day: customer_id, p (the month's
    first day), days, billing_period (when mapped), amount (the sum, net of returns), rows."""
    import ibis

    t = prep.expr
    t = t.filter(t.customer_id.notnull(), t.day.notnull(), t.amount.notnull(), t.day <= _date(as_of))
    start = t.service_start.cast("timestamp") if "service_start" in t.columns else None
    keys = {"customer_id": t.customer_id,
            "p": (ibis.coalesce(start, t.at) if start is not None else t.at).truncate("M")}
    if "service_start" in t.columns and "service_end" in t.columns:
        keys["days"] = t.service_end.delta(t.service_start, unit="day")
    else:
        keys["days"] = ibis.null("int64")
    if "billing_period" in t.columns:
        keys["billing_period"] = t.billing_period
    frame = prep.conn.execute(t.group_by(**keys).aggregate(amount=t.amount.sum(), rows=t.count()))
    frame["p"] = pd.to_datetime(frame["p"])
    frame["days"] = pd.to_numeric(frame["days"], errors="coerce").astype("float64")
    frame["amount"] = pd.to_numeric(frame["amount"].map(lambda v: np.nan if v is None else v)).astype(float)
    return frame


# -- the customer table from remote summaries -----------------------------------------------------------
def _zero_matches(per_id: pd.DataFrame, known: pd.Index, name: str) -> tuple[dict, tuple[str, ...], pd.DataFrame]:
    """`features._match_leading_zeros` on distinct ids with their row counts: ({their id: customer id},
    notes, unknown ids with rows). Exact matches win; an id that fits more than one customer is left alone."""
    from ..features import _zero_free

    ids = per_id[per_id["customer_id"].notna()]
    unknown = ids[~ids["customer_id"].isin(known)][["customer_id", "rows"]]
    unknown = unknown.sort_values(["rows", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    if unknown.empty:
        return {}, (), unknown
    theirs = _zero_free(unknown["customer_id"])
    ours = pd.Series(known.to_numpy(dtype=object), index=_zero_free(pd.Series(known.to_numpy(dtype=object))).to_numpy())
    ours = ours[ours.index.notna() & ours.index.isin(theirs.dropna())]
    shared = ours.index.duplicated(keep=False)
    target = theirs.map(ours[~shared]).to_numpy(dtype=object)
    matched = pd.notna(target)
    ambiguous = theirs.isin(ours.index[shared]).to_numpy()
    their_ids, rows = unknown["customer_id"].to_numpy(dtype=object), unknown["rows"].to_numpy()
    notes = []
    if matched.any():
        first = int(np.flatnonzero(matched)[0])
        notes.append(f"Matched {int(matched.sum()):,} {name} customer id(s) ({int(rows[matched].sum()):,} row(s)) to "
                     f"the customers table by ignoring leading zeros (e.g. {their_ids[first]!r} -> {target[first]!r}).")
    if ambiguous.any():
        first = int(np.flatnonzero(ambiguous)[0])
        candidates = " or ".join(repr(i) for i in ours[ours.index == theirs.iloc[first]].iloc[:3])
        notes.append(f"{int(ambiguous.sum()):,} {name} customer id(s) ({int(rows[ambiguous].sum()):,} row(s)) were not "
                     f"matched: ignoring leading zeros, each fits more than one customer (e.g. {their_ids[first]!r} "
                     f"could be {candidates}); write the ids the same way in both files.")
    mapping = dict(zip(their_ids[matched], target[matched]))
    return mapping, tuple(notes), unknown[~matched].reset_index(drop=True)


# How a customer's summary combines when two spellings of its id ("17", "00017") were summarised apart. Orders
# and active days are added: exact unless one order or day appears under both spellings.
_COMBINE = {"last_purchase": "max", "first_purchase": "min", "frequency": "sum", "monetary": "sum", "after": "sum",
            "counted": "sum",
            **{f"orders_{w}d": "sum" for w in WINDOWS}, **{f"active_days_{w}d": "sum" for w in WINDOWS},
            f"events_{WINDOWS[-1]}d": "sum"}


def _keyed(summary: pd.DataFrame, mapping: dict, known: pd.Index) -> pd.DataFrame:
    ids = summary["customer_id"].map(lambda i: mapping.get(i, i))
    summary = summary.assign(customer_id=ids)
    summary = summary[summary["customer_id"].isin(known)]
    if summary["customer_id"].duplicated().any():
        summary = summary.groupby("customer_id", as_index=False).agg(
            {k: v for k, v in _COMBINE.items() if k in summary.columns})
    return summary.set_index("customer_id")


def customer_features(known: pd.Index, prepared: dict[str, Prepared], *, as_of: pd.Timestamp | None,
                      local_days: list[pd.Timestamp]) -> tuple[dict[str, pd.DataFrame], pd.Timestamp, list[str],
                                                                 list[pd.DataFrame]]:
    """The customer table's transaction and event columns for the customers `known` (ids as text), computed in
    the engines of `prepared` (by kind). `local_days`: last days of tables held locally, for the default
    as-of. Returns ({kind: features frame indexed by id}, as-of, notes, unmatched frames) as
    `features.build_customer_table` states them."""
    from ..features import _fill_events, _fill_transactions, parse_as_of

    matched = {}
    for kind, prep in prepared.items():
        matched[kind] = (id_rows(prep), *_zero_matches(id_rows(prep), known, kind))
    if as_of is not None:
        resolved = parse_as_of(as_of)
    else:
        days = list(local_days)
        for per_id, mapping, _, _ in matched.values():
            keys = per_id["customer_id"].map(lambda i: mapping.get(i, i))
            last = per_id.loc[keys.isin(known), "last_day"].max()
            if pd.notna(last):
                days.append(pd.Timestamp(last))
        if not days:
            raise DataError("No dated transaction or event belongs to a customer of the customers table; check "
                            "that both tables' customer id columns hold the same ids.")
        resolved = max(days).normalize() + pd.Timedelta(days=1)
    out, notes, unmatched = {}, [], []
    for kind, prep in prepared.items():
        per_id, mapping, zero_notes, unknown = matched[kind]
        if kind == "transactions":
            summary = _keyed(transaction_summary(prep, as_of=resolved), mapping, known)
            summary["recency_days"] = (resolved - summary["last_purchase"]).dt.days.astype(float)
            summary["tenure_days"] = (resolved - summary["first_purchase"]).dt.days.astype(float)
            out[kind] = _fill_transactions(summary, known)
            note = returns_note_of(prep)
            notes.extend([note] if note else [])
        else:
            summary = _keyed(event_summary(prep, as_of=resolved), mapping, known)
            out[kind] = _fill_events(summary.drop(columns=["after", "counted"], errors="ignore"), known)
        notes.extend(zero_notes)
        no_id = int(per_id.loc[per_id["customer_id"].isna(), "rows"].sum())
        if no_id:
            notes.append(f"{no_id:,} {kind} row(s) have no customer id and were left out.")
        no_day = int((per_id["rows"] - per_id["dated"]).sum())
        if no_day:
            notes.append(f"{no_day:,} {kind} row(s) have no date and were left out.")
        if len(unknown):
            example = ", ".join(repr(i) for i in unknown["customer_id"].head(3))
            notes.append(f"{int(unknown['rows'].sum()):,} {kind} row(s) belong to {len(unknown):,} customer id(s) "
                         f"that the customers table lacks (e.g. {example}) and were left out.")
            unmatched.append(unknown.assign(table=kind)[["table", "customer_id", "rows"]])
        later = int(summary["after"].sum()) if "after" in summary else 0
        if later:
            notes.append(f"{later:,} {kind} row(s) are dated after the as-of date {resolved:%Y-%m-%d} and were left "
                         "out.")
    return out, resolved, notes, unmatched


def distinct_ids(conn, column: str, sample: pd.DataFrame) -> pd.DataFrame:
    """The customers of a remote orders or events table: its distinct ids as text (one row each, sorted)."""
    from ..features import looks_like_emails

    columns = conn.columns()
    if column not in columns:
        raise DataError(f"{conn.name} has no column {column!r}; columns are: {', '.join(columns)}.")
    dtype = _type(columns, column)
    emails = bool(dtype.startswith(_TEXT) and column in sample and looks_like_emails(sample[column]))
    t = conn.expr
    ids = t.select(customer_id=_id_text(t[column], dtype, emails))
    frame = conn.execute(ids.filter(ids.customer_id.notnull()).distinct().order_by("customer_id"))
    return frame.rename(columns={"customer_id": column})
