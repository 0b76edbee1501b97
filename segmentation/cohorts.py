"""Activation cohorts: who stays, who pays, and where churn concentrates.

A cohort is the customers whose life started in the same calendar month (or quarter): the
signup month when signup dates are given, else the month of their first purchase. Period n
is the number of calendar months (quarters) between the cohort's month and the month of the
activity, so period 0 is the cohort's own month. A customer counts as retained in period n
when active or paying in that calendar month; a customer who pauses and comes back counts in
the months paid and not in the gap.

`cohort_table` (transactions) and `cohorts_from_customers` (signup and churn dates only)
compute everything with one DuckDB query and return a `Cohorts` value holding the long table;
the functions below (also available as methods) reshape it:

    matrix            wide cohort x period matrix of any metric (the triangle: future periods NaN)
    churn_by_period   how many leave after their n-th period, and the rate (where churn concentrates)
    retention_trend   period-1 and period-12 retention by cohort over time
    layer_cake        each calendar period's revenue split by the cohort it comes from
    ltv_curves        cumulative revenue per customer by cohort

Every view is split by group when a `split` was given (segment labels, plan, channel, ...).
Cohorts smaller than `min_customers` are flagged `small`, never hidden.

Unfinished periods are not churn. A period is complete only when the data covers it to its last
day (the as-of date falls on or after it): data ending on 2011-12-09 leaves December 2011
incomplete. Incomplete cells keep their figures but carry `complete` = False; churn by period and
the trends leave them out, and the charts draw them apart. Churn is right-censored: from payments
or activity a customer is called churned after period n only once the data covers the whole next
period and they did not come back in it (`CHURN_RULE`); from churn dates, the date says who left.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .cleaning import find_returns
from .errors import DataError
from .features import ids_as_text, looks_like_emails, match_ids, parse_dates
from .queries import run
from .queries.cohorts import UNITS, customers_sql, transactions_sql

__all__ = [
    "Cohorts",
    "METRICS",
    "cohort_table",
    "cohorts_from_customers",
    "matrix",
    "churn_by_period",
    "retention_trend",
    "layer_cake",
    "ltv_curves",
    "period_labels",
    "with_period_labels",
    "typical_gap_days",
    "CHURN_RULE",
    "CHURN_RULE_DATES",
]

# Columns of the long table that `matrix` can pivot, with what they mean.
METRICS = {
    "customers": "customers active in the period",
    "retention": "share of the cohort active in the period (logo retention)",
    "revenue": "revenue in the period",
    "revenue_retention": "revenue as a share of the cohort's period-0 revenue (passes 100% with expansion)",
    "churned": "customers whose last active period this is",
    "ltv": "cumulative revenue per customer of the cohort",
}

_GROUP = "group"

# How churn is called, in the words the Cohorts page, the docstrings and the command's help use.
CHURN_RULE = ("A customer counts as churned after {period} n only when the data covers the whole next {period} and "
              "they did not come back in it: customers seen in the last {period} or two are not called churned yet, "
              "and a {period} the data does not cover to its end is left out.")
CHURN_RULE_DATES = ("Churn comes from the churn dates; a {period} the data does not cover to its end is left out, "
                    "since more customers may still leave in it.")


@dataclass(frozen=True)
class Cohorts:
    """Cohort figures in long form, one row per ([group,] cohort, period).

    table columns: [group,] cohort (start of the cohort's month or quarter), period (0, 1, ...),
    period_start (calendar start of that period), cohort_size, customers, revenue (NaN without
    an amount), churned (NaN where not yet knowable: right-censored), complete (the data covers
    the period to its end), retention (customers / cohort_size), revenue_retention (revenue /
    period-0 revenue), small (cohort_size < min_customers).
    Periods after the as-of period are absent: the triangle.
    """

    table: pd.DataFrame
    period: str = "month"
    as_of: pd.Timestamp | None = None
    min_customers: int = 10
    has_revenue: bool = True
    split: str | None = None
    source: str = "transactions"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def groups(self) -> tuple[str, ...]:
        if _GROUP not in self.table:
            return ()
        return tuple(sorted(self.table[_GROUP].unique()))

    @property
    def n_cohorts(self) -> int:
        keys = [_GROUP, "cohort"] if _GROUP in self.table else ["cohort"]
        return len(self.table[keys].drop_duplicates())

    def for_group(self, group: str) -> Cohorts:
        """The same figures for one group only, without the group column."""
        if _GROUP not in self.table:
            raise DataError("These cohorts are not split by group; compute them with split=... first.")
        if group not in self.groups:
            raise DataError(f"Group {group!r} is not in the split; choose one of {list(self.groups)}.")
        rows = self.table[self.table[_GROUP] == group].drop(columns=_GROUP).reset_index(drop=True)
        return replace(self, table=rows, split=None)

    def matrix(self, metric: str = "retention") -> pd.DataFrame:
        return matrix(self, metric)

    def churn_by_period(self) -> pd.DataFrame:
        return churn_by_period(self)

    def retention_trend(self, periods: tuple[int, ...] = (1, 12)) -> pd.DataFrame:
        return retention_trend(self, periods=periods)

    def layer_cake(self, measure: str | None = None) -> pd.DataFrame:
        return layer_cake(self, measure=measure)

    def ltv_curves(self) -> pd.DataFrame:
        return ltv_curves(self)

    @property
    def incomplete_periods(self) -> tuple[pd.Timestamp, ...]:
        """Calendar period starts the data does not cover to their end (at most the as-of period)."""
        starts = self.table.loc[~self.table["complete"], "period_start"].unique()
        return tuple(pd.Timestamp(p) for p in sorted(starts))

    @property
    def churn_rule(self) -> str:
        """How churn is called for these cohorts, in one sentence for the page that shows it."""
        rule = CHURN_RULE_DATES if self.source == "customers" else CHURN_RULE
        return rule.format(period=self.period)


# -- computing ---------------------------------------------------------------------------


def cohort_table(
    transactions: pd.DataFrame,
    *,
    customer_id: str,
    date: str,
    amount: str | None = None,
    period: str = "month",
    signup: pd.Series | None = None,
    split: pd.Series | str | None = None,
    min_customers: int = 10,
    as_of: str | pd.Timestamp | None = None,
    order_id: str | None = None,
    returns: bool = True,
    purchase: str | None = None,
) -> Cohorts:
    """Cohorts from a transactions (or subscription invoices) table: customer, date, amount.

    Returns and cancellations (`cleaning.find_returns`: negative amounts or quantities, invoice numbers
    such as C536379 in `order_id` or a column named like one, refund or credit-note types) are no
    activity: they never start a cohort nor keep a customer in one, and revenue is net of them; the
    notes say how many rows they were. `returns=False` counts every row (an events table).

    signup         optional Series of signup dates indexed by customer id (as text) to define
                   cohorts by signup period instead of first purchase; customers without one fall
                   back to their first purchase, signed-up customers without activity still count
                   in their cohort's size.
    split          Series of group labels indexed by customer id (as text), e.g.
                   `Segmentation.labels` or a customers-table column, or the name of a column of
                   `transactions` (a customer's value on their first row is used).
    as_of          last date observed; default the latest date in the table. Later rows are ignored
                   and later periods are absent.
    purchase       a boolean column already saying which rows are purchases (a database's months,
                   `queries.pushdown.customer_periods`); its rows are not judged again.
    """
    _check_columns(transactions, "transactions", [customer_id, date] + ([amount] if amount else []))
    _check_options(period, min_customers)
    frame = _with_datetime(transactions, date, "transactions")
    if amount and not pd.api.types.is_numeric_dtype(frame[amount]):
        raise DataError(
            f"Column '{amount}' of the transactions holds non-numbers; map the amount role to a numeric column."
        )
    if pd.api.types.is_float_dtype(frame[customer_id]) or looks_like_emails(frame[customer_id]):
        # Ids read as floats (a column with blanks) would meet labels as "17.0", not "17"; email ids
        # are compared without case, as everywhere else.
        frame = frame.assign(**{customer_id: ids_as_text(frame[customer_id], column=customer_id,
                                                          table="transactions")})
    notes: tuple[str, ...] = ()
    keyed = [s for s in (signup, split) if isinstance(s, pd.Series)]
    if keyed:  # signups and splits come keyed by the customers file's ids: meet "17" with "00017"
        known = np.concatenate([ids_as_text(pd.Series(s.index)).dropna().to_numpy(dtype=object) for s in keyed])
        ids, notes = match_ids(frame[customer_id], known, table="transactions")
        frame = frame.assign(**{customer_id: ids})
    if order_id is not None:
        _check_columns(transactions, "transactions", [order_id])
    found = find_returns(frame, amount=amount, order_id=order_id, customer_id=customer_id) if returns else None
    if purchase is not None:
        _check_columns(transactions, "transactions", [purchase])
    if found is not None and found.count:
        purchase = next(name for name in ("purchase", "__purchase__", "__is_purchase__") if name not in frame.columns)
        frame = frame.assign(**{purchase: found.purchases, **({amount: found.net(frame[amount])} if amount else {})})
        notes = (*notes, found.note)
    as_of_ts = _timestamp(as_of, "as_of")
    frames: dict[str, pd.DataFrame] = {"tx": frame}
    if signup is not None:
        frames["signups"] = _per_customer(signup, "signup", dates=True)
    group_column, split_name = _split_source(split, frame, "transactions", frames)
    sql = transactions_sql(
        customer_id=customer_id,
        date=date,
        amount=amount,
        period=period,
        has_as_of=as_of_ts is not None,
        has_signups=signup is not None,
        has_groups="groups" in frames,
        group_column=group_column,
        purchase=purchase,
    )
    params = [as_of_ts.to_pydatetime(), as_of_ts.to_pydatetime()] if as_of_ts is not None else None
    long = run(sql, frames, params)
    if long.empty:
        raise DataError(
            f"No transactions with both a customer id ('{customer_id}') and a date ('{date}')"
            + (" on or before the as-of date" if as_of_ts is not None else "")
            + "; check the column mapping."
        )
    return _finish(long, period=period, min_customers=min_customers, has_revenue=amount is not None,
                   split=split_name, source="transactions", notes=notes)


def typical_gap_days(transactions: pd.DataFrame, *, customer_id: str, date: str,
                     sample: int = 5_000, random_state: int = 0) -> float | None:
    """Median days between a customer's consecutive active days (payments or activity), over a sample
    of customers; None when too few customers come back to tell.

    "Retained in a month" means "paid (or was active) in it": for customers who pay every quarter
    or buy now and then, a month without a row is not churn, and the page says so from this figure.
    """
    _check_columns(transactions, "transactions", [customer_id, date])
    days = _with_datetime(transactions[[customer_id, date]], date, "transactions")
    days = days.dropna().assign(**{date: lambda f: f[date].dt.normalize()}).drop_duplicates()
    ids = pd.unique(days[customer_id].to_numpy())
    if len(ids) > sample:
        chosen = np.random.default_rng(random_state).choice(ids, sample, replace=False)
        days = days[days[customer_id].isin(chosen)]
    gaps = days.sort_values([customer_id, date]).groupby(customer_id, sort=False)[date].diff().dropna()
    if len(gaps) < 20:
        return None
    return float(gaps.dt.days.median())


def cohorts_from_customers(
    customers: pd.DataFrame,
    *,
    customer_id: str,
    signup_date: str,
    churn_date: str | None = None,
    mrr: str | None = None,
    period: str = "month",
    split: pd.Series | str | None = None,
    min_customers: int = 10,
    as_of: str | pd.Timestamp | None = None,
) -> Cohorts:
    """Cohorts when only a customers table exists: each customer is active every month from the
    signup month to the churn month (inclusive), or to the as-of month when not churned.

    Without `churn_date` this is refused (DataError): every customer would count as active from
    signup to the as-of date, so retention would be 100% by construction, not a finding.

    Revenue is `mrr` times the months active in each period (flat MRR: revenue retention then
    follows logo retention, weighted by MRR). as_of defaults to the latest signup or churn date.
    split is a Series indexed by customer id (as text) or a column name of `customers`.
    """
    needed = [customer_id, signup_date] + [c for c in (churn_date, mrr) if c]
    _check_columns(customers, "customers", needed)
    _check_options(period, min_customers)
    if not churn_date:
        raise DataError(
            f"Cohorts from signup dates alone ('{signup_date}') would show 100% retention by construction: with no "
            "churn date and no payments or activity, every customer counts as active from signup to the as-of "
            "date. Add a churn date column to the customers, or a transactions or events file."
        )
    frame = _with_datetime(customers, signup_date, "customers")
    frame = _with_datetime(frame, churn_date, "customers")
    if mrr and not pd.api.types.is_numeric_dtype(frame[mrr]):
        raise DataError(f"Column '{mrr}' of the customers holds non-numbers; map MRR to a numeric column.")
    as_of_ts = _timestamp(as_of, "as_of")
    frames: dict[str, pd.DataFrame] = {"customers": frame}
    group_column, split_name = _split_source(split, frame, "customers", frames)
    sql = customers_sql(
        customer_id=customer_id,
        signup_date=signup_date,
        churn_date=churn_date,
        mrr=mrr,
        period=period,
        has_as_of=as_of_ts is not None,
        has_groups="groups" in frames,
        group_column=group_column,
    )
    long = run(sql, frames, [as_of_ts.to_pydatetime()] if as_of_ts is not None else None)
    if long.empty:
        raise DataError(
            f"No customers with both an id ('{customer_id}') and a signup date ('{signup_date}')"
            " on or before the as-of date; check the column mapping."
        )
    return _finish(long, period=period, min_customers=min_customers, has_revenue=mrr is not None,
                   split=split_name, source="customers")


def _finish(long: pd.DataFrame, *, period: str, min_customers: int, has_revenue: bool,
            split: str | None, source: str, notes: tuple[str, ...] = ()) -> Cohorts:
    as_of = pd.Timestamp(long["as_of"].iloc[0])
    table = long.drop(columns="as_of")
    for column in ("cohort", "period_start"):
        table[column] = table[column].astype("datetime64[ns]")
    table["period"] = table["period"].astype("int64")
    for column in ("cohort_size", "customers"):
        table[column] = table[column].astype("int64")
    table["churned"] = table["churned"].astype("float64")
    table["complete"] = table["complete"].astype(bool)
    if not has_revenue:
        table[["revenue", "revenue_retention"]] = np.nan
    table["small"] = table["cohort_size"] < min_customers
    if split is None:
        table = table.drop(columns=_GROUP)
    notes = list(notes)
    sizes = table.drop_duplicates([c for c in (_GROUP, "cohort") if c in table])
    n_small = int(sizes["small"].sum())
    if n_small:
        notes.append(
            f"{n_small} of {len(sizes)} cohorts have fewer than {min_customers} customers (flagged small): "
            "read their shares with care."
        )
    open_periods = sorted(table.loc[~table["complete"], "period_start"].unique())
    if open_periods:
        names = ", ".join(period_labels(pd.Series(open_periods), period))
        notes.append(
            f"The data ends on {as_of:%Y-%m-%d}, so {names} is not complete (complete = false): its figures "
            f"count only the days covered, are not read as churn, and churn by {period} and the trends leave it out."
        )
    if period == "quarter" and has_revenue:
        notes.append(
            "With quarters, period 0 holds only the months after each customer's start, so revenue retention "
            "in later quarters reads high; use months to judge expansion."
        )
    return Cohorts(table=table.reset_index(drop=True), period=period, as_of=as_of,
                   min_customers=min_customers, has_revenue=has_revenue, split=split, source=source,
                   notes=tuple(notes))


# -- views -------------------------------------------------------------------------------


def _keys(cohorts: Cohorts) -> list[str]:
    return [_GROUP] if _GROUP in cohorts.table else []


def matrix(cohorts: Cohorts, metric: str = "retention") -> pd.DataFrame:
    """Wide matrix: cohorts down (with the group first when split), periods across.

    Periods a cohort has not reached yet are NaN, never 0.
    """
    if metric not in METRICS:
        raise DataError(f"Unknown cohort metric {metric!r}; choose one of {list(METRICS)}.")
    if metric in ("revenue", "revenue_retention", "ltv") and not cohorts.has_revenue:
        raise DataError(f"'{metric}' needs an amount (or MRR) column; map one and compute the cohorts again.")
    long = ltv_curves(cohorts) if metric == "ltv" else cohorts.table
    wide = long.pivot(index=_keys(cohorts) + ["cohort"], columns="period", values=metric)
    wide.columns.name = "period"
    return wide


def churn_by_period(cohorts: Cohorts) -> pd.DataFrame:
    """Where churn concentrates: for each period of life n, the customers active in period n,
    how many of them never came back after it (churned) and the churn rate.

    Only cells where leaving after period n is already knowable count (right-censoring): an
    incomplete period never, and in transaction data a period only once the whole next period is
    covered (`CHURN_RULE`): customers last seen near the as-of date are not called churned.
    Columns: [group,] period, customers, churned, churn_rate, share_of_churn.
    """
    table = cohorts.table
    known = table[table["churned"].notna() & table["complete"]]
    keys = _keys(cohorts)
    out = known.groupby(keys + ["period"], as_index=False)[["customers", "churned"]].sum()
    out["churned"] = out["churned"].astype("int64")
    out["churn_rate"] = out["churned"] / out["customers"].where(out["customers"] > 0)
    totals = out.groupby(keys)["churned"].transform("sum") if keys else out["churned"].sum()
    out["share_of_churn"] = out["churned"] / pd.Series(totals, index=out.index).where(lambda t: t > 0)
    return out


def retention_trend(cohorts: Cohorts, *, periods: tuple[int, ...] = (1, 12)) -> pd.DataFrame:
    """Retention at the given periods by cohort over time (is month-2 retention improving?).

    Cohorts too young to have reached a period have no row for it, and neither do periods the data
    does not cover to their end (a half-observed month would read as a drop).
    Columns: [group,] cohort, period, retention, revenue_retention, cohort_size, small.
    """
    periods = tuple(int(p) for p in periods)
    if any(p < 0 for p in periods):
        raise DataError(f"Trend periods must be 0 or more, got {list(periods)}.")
    columns = _keys(cohorts) + ["cohort", "period", "retention", "revenue_retention", "cohort_size", "small"]
    rows = cohorts.table[cohorts.table["period"].isin(periods) & cohorts.table["complete"]]
    return rows[columns].reset_index(drop=True)


def layer_cake(cohorts: Cohorts, *, measure: str | None = None) -> pd.DataFrame:
    """Each calendar period's revenue (or active customers) split by the cohort it comes from.

    measure: "revenue" (default when there is an amount) or "customers".
    Columns: [group,] period_start, cohort, value, share (shares sum to 1 per calendar period).
    """
    measure = measure or ("revenue" if cohorts.has_revenue else "customers")
    if measure not in ("revenue", "customers"):
        raise DataError(f"Layer cake measure must be 'revenue' or 'customers', got {measure!r}.")
    if measure == "revenue" and not cohorts.has_revenue:
        raise DataError("The revenue layer cake needs an amount (or MRR) column; use measure='customers'.")
    keys = _keys(cohorts)
    out = cohorts.table[keys + ["period_start", "cohort", measure]].rename(columns={measure: "value"})
    out = out.sort_values(keys + ["period_start", "cohort"]).reset_index(drop=True)
    total = out.groupby(keys + ["period_start"])["value"].transform("sum")
    out["share"] = out["value"] / total.where(total != 0)
    return out


def ltv_curves(cohorts: Cohorts) -> pd.DataFrame:
    """Cumulative revenue per customer of each cohort by period of life (LTV curves).

    Columns: [group,] cohort, period, ltv, cohort_size, small.
    """
    if not cohorts.has_revenue:
        raise DataError("LTV curves need an amount (or MRR) column; map one and compute the cohorts again.")
    keys = _keys(cohorts)
    out = cohorts.table[keys + ["cohort", "period", "revenue", "cohort_size", "small"]].copy()
    cumulative = out.groupby(keys + ["cohort"])["revenue"].cumsum()
    out.insert(len(keys) + 2, "ltv", cumulative / out["cohort_size"])
    return out.drop(columns="revenue")


def period_labels(dates: pd.Series | pd.Index, period: str = "month") -> pd.Series:
    """Readable labels for period starts: '2024-03' for months, '2024-Q1' for quarters."""
    values = pd.Series(pd.to_datetime(dates))
    if period == "quarter":
        return values.dt.year.astype(str) + "-Q" + values.dt.quarter.astype(str)
    return values.dt.strftime("%Y-%m")


def with_period_labels(frame: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """A copy of a cohort view (long or matrix) for people and spreadsheets: cohort and
    period_start dates (columns or index levels) become '2024-03' / '2024-Q1' text, and a
    matrix's index becomes columns."""
    out = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame.copy()
    for column in ("cohort", "period_start"):
        if column in out:
            out[column] = period_labels(out[column], period).to_numpy()
    out.columns = [str(c) for c in out.columns]
    return out


# -- validation --------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, what: str, columns: list[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Expected the {what} as a table (DataFrame), got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"Column '{missing[0]}' is not in the {what} table; its columns are {list(map(str, frame.columns))}."
        )


def _check_options(period: str, min_customers: int) -> None:
    if period not in UNITS:
        raise DataError(f"Cohort period must be one of {list(UNITS)}, got {period!r}.")
    if not isinstance(min_customers, (int, np.integer)) or min_customers < 1:
        raise DataError(f"min_customers must be a whole number of 1 or more, got {min_customers!r}.")


def _with_datetime(frame: pd.DataFrame, column: str, what: str) -> pd.DataFrame:
    """The frame itself when `column` is already naive datetime64, else a copy with it parsed.

    Parsed as everywhere in the library (features.parse_dates): time-zone-aware values fall on
    their UTC day, so a customer's month here is the month the customer table shows.
    """
    values = frame[column]
    if pd.api.types.is_datetime64_dtype(values) and getattr(values.dt, "tz", None) is None:
        return frame
    parsed = parse_dates(values, column=column, table=what)
    return frame.assign(**{column: parsed})


def _timestamp(value, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a date such as '2024-06-30', got {value!r}.") from exc
    if pd.isna(ts):
        raise DataError(f"{name} must be a date such as '2024-06-30', got {value!r}.")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _split_source(split: pd.Series | str | None, frame: pd.DataFrame, table: str,
                  frames: dict[str, pd.DataFrame]) -> tuple[str | None, str | None]:
    """(column of `frame` to group by, name of the split) for `split`; a Series of labels by customer
    is added to `frames` as "groups" for the SQL to join."""
    if isinstance(split, str):
        _check_columns(frame, table, [split])
        return split, split
    if split is not None:
        frames["groups"] = _per_customer(split, "split")
        return None, str(split.name) if split.name is not None else "group"
    return None, None


def _per_customer(values: pd.Series, what: str, *, dates: bool = False) -> pd.DataFrame:
    """A (customer, value) frame keyed by customer id as text, one row per customer."""
    if not isinstance(values, pd.Series):
        raise DataError(f"{what} must be a Series indexed by customer id, got {type(values).__name__}.")
    # Ids as the customer table writes them ("17", not "17.0"), so splits meet the transactions.
    keys = pd.Index(ids_as_text(pd.Series(values.index, index=values.index)).to_numpy(dtype=object))
    if keys.has_duplicates:
        dup = keys[keys.duplicated()][0]
        raise DataError(f"{what} has more than one value for customer '{dup}'; give one value per customer.")
    if dates:
        parsed = parse_dates(values, column=values.name or "signup date", table="customers")
        return pd.DataFrame({"customer": keys, "signup": parsed.to_numpy()})
    labels = values.astype("string").where(values.notna())
    return pd.DataFrame({"customer": keys, "grp": labels.astype(object).to_numpy()})
