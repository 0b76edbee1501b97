"""Subscription exports (one row per subscription): recognise them and roll them up to customers.

Billing tools (ChartMogul, Baremetrics, Stripe, Chargebee) export one row per subscription:
who, which plan, when it started, when it ended (blank while it runs) and its MRR. A customer
who upgrades, adds a product or comes back after cancelling has several rows, so the file is
not a customers table. `rollup` turns it into the two tables the rest of the library reads:

    customers  one row per customer: the id as text; signup_date, the first start; churn_date,
               the last end when no subscription runs on the as-of date (blank otherwise); mrr,
               the MRR of the subscriptions running on the as-of date (for a churned customer,
               of the last ones, as the sample data keeps churned accounts' last MRR); plan, of
               the latest subscription; subscriptions, how many; and every text column that holds
               one value per customer (a name, a country), so it can describe the segments.
               Without an end column there is no churn_date, without MRR or plan columns no
               mrr or plan.
    monthly    one row per customer and calendar month in which a subscription ran: the id,
               month (the month's first day) and mrr; shaped like a transactions table, so the
               cohort matrices (logo and revenue retention) and RFM run from it.

A subscription runs from its start up to, not including, its end. The as-of date defaults
to the latest start or end in the file. A month's MRR is that of the subscriptions running at
the customer's last running moment in the month (the month's end while subscribed): an upgrade
in the middle of a month counts once, at the new price, and add-ons running side by side add up.

`looks_like_subscriptions(frame, roles)` says whether a table is such an export;
`subscription_columns` says which columns hold what. Both decide conservatively, from names
and values: repeated customer ids whose rows differ, a date column named as a start, a money
column (MRR, or an amount per billing interval), optionally an end date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .features import ids_as_text, parse_as_of
from .cleaning import customers_from_transactions

__all__ = [
    "Rollup",
    "SubscriptionColumns",
    "looks_like_subscriptions",
    "subscription_columns",
    "rollup",
    "CUSTOMER_COLUMNS",
    "MONTHLY_COLUMNS",
]

# Output columns besides the id (whose name is the input's id column): fixed names, as lifetimes does.
CUSTOMER_COLUMNS = ("signup_date", "churn_date", "mrr", "plan", "subscriptions")
MONTHLY_COLUMNS = ("month", "mrr")

_CUSTOMER_WORDS = frozenset({"customer", "account", "client", "subscriber"})
_ID_WORDS = frozenset({"id", "uuid", "oid", "external", "email", "number", "no", "code", "ref", "key"})
# Name words, matched on snake_case words of a column name ("Started At" -> started, at).
_START_WORDS = frozenset({"start", "started", "starts", "activated", "activation", "begin", "began", "commenced"})
_CREATED_WORDS = frozenset({"created", "creation"})  # a start only when the name says "subscription"
_END_WORDS = (  # earlier groups win: Stripe has both "Canceled At" (asked) and "Ended At" (stopped)
    frozenset({"end", "ended", "ends", "expired", "expiry", "terminated", "termination"}),
    # Not a bare "cancel": Stripe's "Cancel At" is a cancellation still to come.
    frozenset({"cancelled", "canceled", "cancellation", "churned", "churn"}),
)
# Billing periods, trials and renewals have start and end dates too, but they are not the subscription's.
_NOT_LIFETIME_WORDS = frozenset({"trial", "period", "term", "billing", "next", "renewal", "renews", "invoice",
                                 "paid", "payment", "pause", "paused", "resume", "resumed"})
_MRR_NAMES = ("mrr", "monthly_recurring_revenue", "monthly_revenue", "monthly_amount", "monthly_price",
              "monthly_fee", "recurring_revenue")
_AMOUNT_NAMES = ("amount", "plan_amount", "subscription_amount", "price", "plan_price", "unit_amount", "value")
_YEARLY_WORDS = frozenset({"arr", "annual", "annually", "yearly", "year"})
_PLAN_NAMES = ("plan", "plan_name", "plan_id", "product", "product_name", "tier", "package", "edition", "price_id")
_INTERVAL_NAMES = ("interval", "billing_interval", "billing_cycle", "billing_period", "billing_period_unit",
                   "billing_frequency", "plan_interval", "frequency", "period_unit")
# Amount per billing interval -> per month.
_PER_MONTH = {"month": 1.0, "monthly": 1.0, "mo": 1.0, "m": 1.0,
              "year": 1 / 12, "yearly": 1 / 12, "annual": 1 / 12, "annually": 1 / 12, "yr": 1 / 12, "y": 1 / 12,
              "quarter": 1 / 3, "quarterly": 1 / 3, "week": 52 / 12, "weekly": 52 / 12,
              "day": 365.25 / 12, "daily": 365.25 / 12}
# Of the customers with several rows, at least this share must have rows that differ (start, end or MRR);
# copies of one row are a duplicated customers export, not subscriptions.
_MIN_DIFFERING_SHARE = 0.5


@dataclass(frozen=True)
class SubscriptionColumns:
    """Which column of a subscriptions export holds what (None: the file has no such column).

    interval: the billing interval (month/year), given only when `mrr` is an amount per interval
    rather than a monthly figure.
    """

    customer_id: str
    start: str
    mrr: str
    end: str | None = None
    plan: str | None = None
    interval: str | None = None


@dataclass(frozen=True, eq=False)
class Rollup:
    """A subscriptions export rolled up: see the module docstring for the columns.

    customers      one row per customer, in order of first appearance in the file
    monthly        one row per customer and month with a running subscription, by customer then month
    as_of          the day the figures are as of
    subscriptions  the rows used; left_out: the rows left out (no id, no start, end before start, ...)
    notes          plain sentences: what was done and what was left out, with rows as a spreadsheet shows them
    """

    customers: pd.DataFrame
    monthly: pd.DataFrame
    as_of: pd.Timestamp
    subscriptions: int
    left_out: int
    notes: tuple[str, ...]


# -- recognising the export ------------------------------------------------------------------------


def looks_like_subscriptions(frame: pd.DataFrame, roles: Any) -> bool:
    """Whether `frame` is one row per subscription (see `subscription_columns`)."""
    return subscription_columns(frame, roles) is not None


def subscription_columns(frame: pd.DataFrame, roles: Any) -> SubscriptionColumns | None:
    """The columns of a subscriptions export, or None when `frame` does not look like one.

    `roles` is the table's `roles.RoleMap` (or a mapping role -> column); its customer id is
    used, and its MRR, plan and churn date when they fit. It looks like subscriptions only when
    all of these hold: some customer id appears on several rows, and for at least half of those
    customers the rows differ in start, end or MRR (copies of a row are a duplicated export); a
    date column is named as a start ("started_at", "Start (UTC)", "Activated At"; not a trial's
    or billing period's); a column of numbers holds the MRR or the amount. Nothing is changed.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return None
    customer_id, ids = _repeated_ids(frame, roles)
    if customer_id is None:
        return None
    start = _start_column(frame, exclude={customer_id})
    if start is None:
        return None
    end = _end_column(frame, roles, exclude={customer_id, start})
    mrr, interval = _money_column(frame, roles, exclude={customer_id, start, end})
    if mrr is None:
        return None
    if not _rows_differ(frame, ids, [c for c in (start, end, mrr) if c is not None]):
        return None
    plan = _plan_column(frame, roles, exclude={customer_id, start, end, mrr, interval})
    return SubscriptionColumns(customer_id=str(customer_id), start=start, mrr=mrr, end=end, plan=plan,
                               interval=interval)


def _repeated_ids(frame: pd.DataFrame, roles: Any) -> tuple[str | None, pd.Series | None]:
    """The customer id column, as text, when some id repeats: the mapped one, else one named for the customer.

    In a subscriptions export a unique "id" names the subscription, and a name-based guess may
    have taken it for the customer ("id", "Customer ID" in Stripe's export).
    """
    mapped = _role(roles, "customer_id")
    named = [c for c in frame.columns if c != mapped and _words(c) & _CUSTOMER_WORDS
             and (_words(c) & _ID_WORDS or _norm(c) in _CUSTOMER_WORDS)]
    for column in ([mapped] if mapped in frame.columns else []) + named:
        try:
            ids = ids_as_text(frame[column], column=str(column))
        except DataError:
            continue
        if ids.dropna().duplicated().any():
            return str(column), ids
    return None, None


def _role(roles: Any, role: str) -> str | None:
    if roles is None:
        return None
    getter = getattr(roles, "get", None)
    return getter(role) if getter is not None else None


def _norm(name: Any) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _words(name: Any) -> set[str]:
    return set(_norm(name).split("_"))


def _is_dates(series: pd.Series) -> bool:
    """Dates already parsed (io does it), or text of which nearly all reads as dates."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.notna().any()
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return False
    sample = series.dropna().astype(str).str.strip()
    sample = sample[sample != ""].head(500)
    if sample.empty:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9)


def _start_column(frame: pd.DataFrame, *, exclude: set) -> str | None:
    best, best_score = None, 0
    # A file that names subscriptions in a column ("subscription_id") starts them when they are created.
    subscription_table = any("subscription" in _words(c) for c in frame.columns)
    for column in frame.columns:
        words = _words(column)
        if column in exclude or words & _NOT_LIFETIME_WORDS:
            continue
        if words & _START_WORDS:
            score = 3 if "subscription" in words else 2
        elif words & _CREATED_WORDS and ("subscription" in words or subscription_table):
            score = 1
        else:
            continue
        if score > best_score and _is_dates(frame[column]):
            best, best_score = str(column), score
    return best


def _end_column(frame: pd.DataFrame, roles: Any, *, exclude: set) -> str | None:
    for group in _END_WORDS:
        for column in frame.columns:
            words = _words(column)
            if column not in exclude and words & group and not words & _NOT_LIFETIME_WORDS \
                    and _is_dates(frame[column]):
                return str(column)
    churn = _role(roles, "churn_date")
    if churn in frame.columns and churn not in exclude and _is_dates(frame[churn]):
        return str(churn)
    return None


def _money_column(frame: pd.DataFrame, roles: Any, *, exclude: set) -> tuple[str | None, str | None]:
    """(column, interval column): an MRR column as it is, else an amount per billing interval."""
    def numeric(column) -> bool:
        return (column in frame.columns and column not in exclude
                and pd.api.types.is_numeric_dtype(frame[column].dtype)
                and not pd.api.types.is_bool_dtype(frame[column].dtype) and frame[column].notna().any())

    mrr = _role(roles, "mrr")
    if mrr is not None and numeric(mrr) and not _words(mrr) & _YEARLY_WORDS:
        return str(mrr), None
    for names, per_interval in ((_MRR_NAMES, False), (_AMOUNT_NAMES, True)):
        for column in frame.columns:
            norm = _norm(column)
            if (norm in names or (not per_interval and "mrr" in norm.split("_"))) and numeric(column) \
                    and not _words(column) & _YEARLY_WORDS:
                return str(column), (_interval_column(frame, exclude=exclude | {column}) if per_interval else None)
    return None, None


def _interval_column(frame: pd.DataFrame, *, exclude: set) -> str | None:
    """A column of billing intervals (month, year, ...) when some are not monthly; else None."""
    for column in frame.columns:
        if column in exclude or _norm(column) not in _INTERVAL_NAMES:
            continue
        values = frame[column].dropna().astype(str).str.strip().str.lower()
        if values.empty or not values.isin(list(_PER_MONTH)).mean() >= 0.9:
            continue
        if values.map(_PER_MONTH).ne(1.0).any():
            return str(column)
    return None


def _plan_column(frame: pd.DataFrame, roles: Any, *, exclude: set) -> str | None:
    plan = _role(roles, "plan")
    if plan in frame.columns and plan not in exclude:
        return str(plan)
    for name in _PLAN_NAMES:
        for column in frame.columns:
            if column not in exclude and _norm(column) == name and not pd.api.types.is_numeric_dtype(frame[column]):
                return str(column)
    return None


def _rows_differ(frame: pd.DataFrame, ids: pd.Series, columns: list[str]) -> bool:
    """For most customers with several rows, the rows are distinct subscriptions, not copies of one."""
    repeated = ids.notna() & ids.duplicated(keep=False)
    rows = frame.loc[repeated.to_numpy(), columns].assign(__id__=ids[repeated].to_numpy(dtype=object))
    distinct = rows.drop_duplicates().groupby("__id__", sort=False).size()
    return bool((distinct > 1).mean() >= _MIN_DIFFERING_SHARE)


# -- rolling up ------------------------------------------------------------------------------------


def rollup(
    frame: pd.DataFrame,
    *,
    customer_id: str,
    start: str,
    end: str | None = None,
    mrr: str | None = None,
    plan: str | None = None,
    interval: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    name: str = "the subscriptions file",
    row_numbers: np.ndarray | None = None,
) -> Rollup:
    """One row per subscription -> one row per customer, and their MRR month by month (`Rollup`).

    customer_id, start, end, mrr, plan: columns of `frame`. interval: a column of billing
    intervals (month, year, quarter, week, day) when `mrr` holds the amount per interval; it is
    turned into a monthly figure. as_of: the day to report on (default: the latest start or end
    in the file); a subscription is running on it when it started by the end of that day and
    ends after it. name: the file's name, for messages. row_numbers: each row's number as a
    spreadsheet shows the file (`Table.row_numbers`; default: the row's position + 2).

    Rows without a customer id or a readable start date, with an end before the start, that
    repeat another row exactly, or that start after the as-of date are left out and counted in
    the notes, naming the first row. Raises DataError when a column is missing or holds no
    dates (or numbers), or when no row is left to use. The input is never changed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"The subscriptions of {name} must be a table (a pandas DataFrame).")
    mapped = {"customer id": customer_id, "start": start, "end": end, "MRR": mrr, "plan": plan,
              "interval": interval}
    for role, column in mapped.items():
        if column is not None and column not in frame.columns:
            raise DataError(f"{name} has no column {column!r} (taken as the subscription {role}); "
                            f"columns are: {', '.join(map(str, frame.columns))}.")
    if customer_id in (start, end, mrr, plan, interval):
        raise DataError(f"Column {customer_id!r} of {name} cannot be both the customer id and another column.")
    if customer_id in CUSTOMER_COLUMNS + MONTHLY_COLUMNS:
        raise DataError(f"The customer id column of {name} is called {customer_id!r}, a name the rollup gives a "
                        "column of its own; rename it (for example to customer_id) and load the file again.")
    rows = (np.asarray(row_numbers, dtype=np.int64) if row_numbers is not None and len(row_numbers) == len(frame)
            else np.arange(len(frame), dtype=np.int64) + 2)
    if frame.empty:
        raise DataError(f"{name} has no rows; export the subscriptions again.")

    ids = ids_as_text(frame[customer_id], column=customer_id, table="subscriptions").to_numpy(dtype=object)
    starts, bad_start = _dates(frame[start], column=start, name=name, rows=rows)
    ends, bad_end = (_dates(frame[end], column=end, name=name, rows=rows, required=False) if end
                     else (np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]"),
                           np.zeros(len(frame), bool)))
    values, bad_mrr = (_numbers(frame[mrr], column=mrr, name=name, rows=rows) if mrr
                       else (np.zeros(len(frame)), np.zeros(len(frame), bool)))
    notes: list[str] = []
    if interval:
        values = values * _monthly_factor(frame[interval], column=interval, mrr=mrr, name=name, rows=rows,
                                          notes=notes)

    # Each reason a row cannot be used, counted once in this order, with the first row it happens on.
    no_id = pd.isna(ids)
    no_start = ~no_id & np.isnat(starts)
    unreadable_end = ~no_id & ~no_start & bad_end
    backwards = ~no_id & ~no_start & ~unreadable_end & ~np.isnat(ends) & (ends < starts)
    usable = ~(no_id | no_start | unreadable_end | backwards)
    copies = usable & _exact_copies(frame)
    usable &= ~copies
    if not usable.any():
        raise DataError(_nothing_usable(name, customer_id, start, end, rows, no_id, no_start, bad_start,
                                        unreadable_end, backwards, copies))
    as_of_day, as_of_ns = _as_of(as_of, starts[usable], ends[usable])
    late = usable & (starts.astype("datetime64[ns]").astype(np.int64) > as_of_ns)
    usable &= ~late
    if not usable.any():
        raise DataError(f"Every subscription of {name} starts after the as-of date {as_of_day:%Y-%m-%d} "
                        f"(column {start!r}); choose a later as-of date.")

    subs = _Subscriptions.of(ids[usable], starts[usable], ends[usable], values[usable],
                             frame[plan].to_numpy(dtype=object)[usable] if plan else None, as_of_ns)
    customers = _customers(subs, customer_id=customer_id, with_end=end is not None, with_mrr=mrr is not None,
                           with_plan=plan is not None)
    customers = _with_descriptions(customers, frame, customer_id=customer_id,
                                   used={c for c in (start, end, mrr, plan, interval) if c})
    monthly = _monthly(subs, customer_id=customer_id, with_mrr=mrr is not None)

    churned = int(customers["churn_date"].notna().sum()) if end else 0
    summary = (f"One row per subscription: rolled up to {len(customers):,} customers ({int(usable.sum()):,} "
               f"subscriptions) as of {as_of_day:%Y-%m-%d}, the "
               + ("given as-of date" if as_of is not None else "latest start or end date in the file")
               + f". signup_date is each customer's first {start!r}")
    summary += (f"; churn_date their last {end!r} when no subscription is running on that day "
                f"({churned:,} churned, {len(customers) - churned:,} active)" if end else
                "; with no end-date column every customer counts as active (no churn_date)")
    if mrr:
        summary += (f"; mrr the sum of {mrr!r}" + (" (per month)" if interval else "")
                    + " over the running subscriptions (for churned customers, their last ones)")
    if plan:
        summary += f"; plan the {plan!r} of the latest subscription"
    notes.insert(0, summary + "; subscriptions how many each customer had.")
    for mask, what in ((no_id, f"have no customer id in column {customer_id!r}"),
                       (no_start, f"have no readable start date in column {start!r}"),
                       (unreadable_end, f"have an end date in column {end!r} that is not a date"),
                       (backwards, f"end ({end!r}) before they start ({start!r})"),
                       (copies, "repeat an earlier row exactly"),
                       (late, f"start after the as-of date {as_of_day:%Y-%m-%d}")):
        if mask.any():
            notes.append(f"{int(mask.sum()):,} row(s) of {name} {what} (first on row {int(rows[mask][0])}); "
                         "they are left out.")
    missing_mrr = usable & bad_mrr
    if missing_mrr.any():
        notes.append(f"{int(missing_mrr.sum()):,} subscription(s) of {name} have no MRR in column {mrr!r} (first on "
                     f"row {int(rows[missing_mrr][0])}); they count as 0.")
    left_out = int(len(frame) - usable.sum())
    return Rollup(customers=customers, monthly=monthly, as_of=as_of_day, subscriptions=int(usable.sum()),
                  left_out=left_out, notes=tuple(notes))


def _exact_copies(frame: pd.DataFrame) -> np.ndarray:
    """Rows that repeat an earlier row in every column: an export glitch, not a second subscription."""
    try:
        return frame.duplicated(keep="first").to_numpy()
    except TypeError:  # cells a hash cannot take (lists from a Parquet file): nothing to compare
        return np.zeros(len(frame), bool)


def _dates(series: pd.Series, *, column: str, name: str, rows: np.ndarray,
           required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[ns] values with NaT for blanks and unreadable cells, which cells were unreadable)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.to_numpy(dtype="datetime64[ns]"), np.zeros(len(series), bool)
    present = series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series.dtype) and present.any():
        first = int(np.flatnonzero(present)[0])
        raise DataError(f"Column {column!r} of {name} holds numbers such as {series.iloc[first]} (row "
                        f"{int(rows[first])}), not dates; write the dates as YYYY-MM-DD or map another column.")
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    for fmt in ("ISO8601", "mixed"):
        try:
            candidate = pd.to_datetime(text.where(~pd.Series(blank, index=series.index)), errors="coerce",
                                       format=fmt, utc=True).dt.tz_localize(None)
        except (ValueError, TypeError):
            continue
        parsed = parsed.fillna(candidate)
    values = parsed.to_numpy(dtype="datetime64[ns]")
    unreadable = ~blank & np.isnat(values)
    if required and np.isnat(values).all() and (~blank).any():
        first = int(np.flatnonzero(~blank)[0])
        raise DataError(f"Column {column!r} of {name} holds no dates ({series.iloc[first]!r} on row "
                        f"{int(rows[first])}); write them as YYYY-MM-DD or map another column as the start.")
    return values, unreadable


def _numbers(series: pd.Series, *, column: str, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float values with 0 for blanks and unreadable cells, which cells were blank or unreadable)."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float)
    else:
        text = series.astype("string").str.strip()
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float)
        readable = ~np.isnan(numbers)
        if not readable.any() and series.notna().any():
            first = int(np.flatnonzero(series.notna().to_numpy())[0])
            raise DataError(f"Column {column!r} of {name} holds no numbers ({series.iloc[first]!r} on row "
                            f"{int(rows[first])}); map the MRR column or load the file again.")
    infinite = np.isinf(numbers)
    if infinite.any():
        raise DataError(f"Column {column!r} of {name} is infinite on row {int(rows[infinite][0])}; fix that cell.")
    missing = np.isnan(numbers)
    return np.where(missing, 0.0, numbers), missing


def _monthly_factor(series: pd.Series, *, column: str, mrr: str | None, name: str, rows: np.ndarray,
                    notes: list[str]) -> np.ndarray:
    text = series.astype("string").str.strip().str.lower()
    factor = text.map(_PER_MONTH).astype(float).to_numpy()
    unknown = np.isnan(factor) & text.notna().to_numpy()
    if unknown.any():
        notes.append(f"{int(unknown.sum()):,} row(s) of {name} have a billing interval in column {column!r} that is "
                     f"not month, quarter, year, week or day ({series[unknown].iloc[0]!r} on row "
                     f"{int(rows[unknown][0])}); their {mrr!r} is taken as monthly.")
    notes.append(f"Column {mrr!r} of {name} is the amount per billing interval ({column!r}); "
                 "it is turned into a monthly figure (a year's amount / 12).")
    return np.where(np.isnan(factor), 1.0, factor)


def _as_of(as_of: Any, starts: np.ndarray, ends: np.ndarray) -> tuple[pd.Timestamp, int]:
    """(the day reported, the last instant counted as on or before it, in ns)."""
    if as_of is not None:
        day = parse_as_of(as_of)
        return day, int((day + pd.Timedelta(days=1)).value) - 1
    ended = ends[~np.isnat(ends)]
    latest = max(starts.max(), ended.max()) if len(ended) else starts.max()
    stamp = pd.Timestamp(latest)
    return stamp.normalize(), int(stamp.value)


def _nothing_usable(name, customer_id, start, end, rows, no_id, no_start, bad_start, unreadable_end, backwards,
                    copies) -> str:
    first = int(rows[0])
    if no_id.all():
        return (f"No row of {name} has a customer id in column {customer_id!r} (row {first} is blank); "
                "map the column that names the customer.")
    for mask, what in ((no_start & bad_start, f"has a start date in column {start!r} that is not a date"),
                       (no_start, f"has no start date in column {start!r}"),
                       (unreadable_end, f"has an end date in column {end!r} that is not a date"),
                       (backwards, f"ends ({end!r}) before it starts ({start!r})")):
        if mask.any():
            return (f"No subscription of {name} can be used: row {int(rows[mask][0])} {what}, and so does every "
                    "other row or it lacks a customer id; fix the dates or map other columns.")
    return f"No subscription of {name} can be used; check the customer id and date columns."


@dataclass(frozen=True, eq=False)
class _Subscriptions:
    """The usable subscriptions as arrays (private: clean data assumed), with each customer's code."""

    codes: np.ndarray  # int64, customers numbered in order of first appearance
    customer_ids: np.ndarray  # object: id per code
    start: np.ndarray  # int64 ns
    last: np.ndarray  # int64 ns: the last instant it runs up to the as-of date (start - 1: never ran)
    end: np.ndarray  # datetime64[ns], NaT while running
    mrr: np.ndarray  # float
    plan: np.ndarray | None
    running: np.ndarray  # bool: running at the as-of date

    @classmethod
    def of(cls, ids, starts, ends, values, plans, as_of_ns: int) -> _Subscriptions:
        codes, uniques = pd.factorize(pd.Series(ids, dtype=object), sort=False)
        start_ns = starts.astype("datetime64[ns]").astype(np.int64)
        ended = ~np.isnat(ends)
        end_ns = np.where(ended, ends.astype("datetime64[ns]").astype(np.int64), np.iinfo(np.int64).max)
        last = np.minimum(end_ns - 1, as_of_ns)
        return cls(codes=codes.astype(np.int64), customer_ids=np.asarray(uniques, dtype=object), start=start_ns,
                   last=last, end=ends, mrr=values.astype(float), plan=plans, running=end_ns > as_of_ns)


def _customers(subs: _Subscriptions, *, customer_id: str, with_end: bool, with_mrr: bool,
               with_plan: bool) -> pd.DataFrame:
    n = len(subs.customer_ids)
    per_sub = pd.DataFrame({"code": subs.codes, "start": subs.start, "end": subs.end, "running": subs.running})
    grouped = per_sub.groupby("code", sort=True)
    signup = grouped["start"].min().to_numpy()
    last_end = grouped["end"].max().to_numpy(dtype="datetime64[ns]")
    active = grouped["running"].any().to_numpy()
    count = grouped.size().to_numpy()
    # The subscriptions that make the customer's MRR and plan: those running now, or, for a customer who
    # churned, those that ended last (several when add-ons end together).
    current = subs.running | (~active[subs.codes] & (subs.end == last_end[subs.codes]))
    out = pd.DataFrame({customer_id: subs.customer_ids, "signup_date": signup.astype("datetime64[ns]")})
    if with_end:
        out["churn_date"] = np.where(active, np.datetime64("NaT"), last_end).astype("datetime64[ns]")
    if with_mrr:
        out["mrr"] = np.bincount(subs.codes, weights=np.where(current, subs.mrr, 0.0), minlength=n)
    if with_plan:
        # The latest of the current subscriptions; at the same start the bigger one, then the later row.
        order = np.lexsort((np.arange(len(subs.codes)), subs.mrr, subs.start, current, subs.codes))
        last_of_each = order[np.r_[subs.codes[order][1:] != subs.codes[order][:-1], True]]
        plans = np.full(n, None, dtype=object)
        plans[subs.codes[last_of_each]] = subs.plan[last_of_each]
        out["plan"] = pd.Series(plans, dtype=object).where(pd.notna(plans), None)
    out["subscriptions"] = count.astype(np.int64)
    return out


def _with_descriptions(customers: pd.DataFrame, frame: pd.DataFrame, *, customer_id: str, used: set) -> pd.DataFrame:
    """Text columns with one value per customer (a name, a country) come along to describe the segments."""
    spare = [c for c in frame.columns if c != customer_id and c not in used and c not in CUSTOMER_COLUMNS]
    if not spare:
        return customers
    described = customers_from_transactions(frame[[customer_id, *spare]], customer_id=customer_id)
    carried = [c for c in described.columns if c != customer_id]
    if not carried:
        return customers
    joined = customers.merge(described, on=customer_id, how="left", validate="one_to_one")
    return joined[[customer_id, *carried, *[c for c in customers.columns if c != customer_id]]]


def _monthly(subs: _Subscriptions, *, customer_id: str, with_mrr: bool) -> pd.DataFrame:
    """One row per customer and month with a running subscription; the MRR at the month's last running moment."""
    index = np.flatnonzero(subs.last >= subs.start)  # a subscription that ends as it starts never ran
    first_month = subs.start[index].astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    last_month = subs.last[index].astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    months = last_month - first_month + 1
    which = np.repeat(index, months)
    month = np.repeat(first_month, months) + np.arange(len(which)) - np.repeat(np.cumsum(months) - months, months)
    month_end = (month + 1).astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64) - 1
    covered = np.minimum(subs.last[which], month_end)  # the subscription's last running instant in the month
    base = int(month.min()) if len(month) else 0
    span = int(month.max()) - base + 1 if len(month) else 1
    key = subs.codes[which] * span + (month - base)
    # One sort groups the (customer, month) pieces; reduceat then works per group.
    order = np.argsort(key, kind="stable")
    key, covered, mrr = key[order], covered[order], subs.mrr[which][order]
    new_group = np.r_[True, key[1:] != key[:-1]] if len(key) else np.empty(0, bool)
    firsts = np.flatnonzero(new_group)
    out = pd.DataFrame({
        customer_id: subs.customer_ids[key[firsts] // span],
        "month": (key[firsts] % span + base).astype("datetime64[M]").astype("datetime64[ns]"),
    })
    if with_mrr:
        if len(key):
            latest = np.maximum.reduceat(covered, firsts)[np.cumsum(new_group) - 1]
            out["mrr"] = np.add.reduceat(np.where(covered == latest, mrr, 0.0), firsts)
        else:
            out["mrr"] = np.empty(0)
    return out
