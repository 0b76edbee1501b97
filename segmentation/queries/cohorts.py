"""Cohort SQL: from raw activity to one row per (group, cohort, period of life).

Two front ends build the same two relations, then share one tail:

    activity(customer, p, revenue, bought)    one row per customer and calendar period with rows; bought:
                                              a purchase among them (a period of returns only is not activity)
    members(customer, grp, cohort, last_p, churn_known)
                                              one row per customer: cohort period, last active period,
                                              and whether leaving after last_p is known (not censored)
    horizon(as_of, as_of_p, covered_to)       the as-of date, the period that contains it, and the first
                                              day the data does not cover (the day after as-of)

- transactions: a customer is active in a period when they have a purchase (an invoice, a payment;
  not a return) dated in it; the cohort is the signup period when signups are given, else the first
  period with a purchase. Revenue is every row's amount: net of returns.
- customers: a customer is active every month from the signup month to the churn month, or to
  the as-of month when not churned; revenue is MRR times the months active in the period.

The tail fills the triangle: every cohort gets periods 0 .. (as-of period - cohort period) even
when nobody was active (0 customers, not a missing row) and nothing beyond the as-of period.
A period is complete when the data covers it to its last day (as-of on or after it); only the
as-of period can be incomplete. Churn is right-censored: in transaction data a customer whose
last active period is p is churned only once the whole next period is covered and they did not
come back in it; with churn dates, churn is known from the date but an incomplete period's
count is not final. Where churn is not knowable the cell's `churned` is NULL.
Column names come from the user, so they are quoted; the period unit comes from a whitelist.
"""

from __future__ import annotations

__all__ = ["UNITS", "transactions_sql", "customers_sql"]

# Calendar months per period: used to step from a cohort to the calendar period of its period n.
UNITS = {"month": 1, "quarter": 3}

# Group label for customers the split does not cover (e.g. transactions of unknown customers).
NO_GROUP = "(none)"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _unit(period: str) -> str:
    if period not in UNITS:  # never interpolate anything else into SQL
        raise ValueError(f"period must be one of {sorted(UNITS)}, got {period!r}.")
    return period


def _covered(start: str, months: int, periods: int) -> str:
    """SQL: the data covers `periods` whole periods from `start` to their last day."""
    return f"({start} + to_months(CAST({periods * months} AS INTEGER)) <= h.covered_to)"


def _tail(unit: str, *, periods_after: int) -> str:
    """Shared aggregation from activity/members/horizon to the long cohort frame.

    complete: the data covers the cell's calendar period to its end.
    churned counts customers whose last active period is n and who are known to have left; it
    is NULL unless the data covers period n and `periods_after` whole periods after it. In
    transaction data that is one: leaving is only seen as a whole period without a payment
    (someone last seen ten days before a mid-month as-of may well pay next month). With churn
    dates it is zero: the date says who left, but not before the period is over.
    """
    months = UNITS[unit]
    censored = f"NOT {_covered('g.period_start', months, 1 + periods_after)}"
    return f"""
sizes AS (
    SELECT grp, cohort, count(*) AS cohort_size FROM members GROUP BY grp, cohort
),
grid AS (
    SELECT s.grp, s.cohort, s.cohort_size,
           unnest(range(0, date_diff('{unit}', s.cohort, h.as_of_p) + 1)) AS period
    FROM sizes s, horizon h
),
active AS (
    SELECT m.grp, m.cohort, date_diff('{unit}', m.cohort, a.p) AS period,
           count(*) FILTER (WHERE a.bought) AS customers, sum(a.revenue) AS revenue
    FROM activity a JOIN members m ON a.customer = m.customer
    WHERE a.p >= m.cohort
    GROUP BY ALL
),
lost AS (
    SELECT grp, cohort, date_diff('{unit}', cohort, last_p) AS period, count(*) AS churned
    FROM members
    WHERE churn_known AND last_p >= cohort
    GROUP BY ALL
),
cells AS (
    SELECT g.grp, g.cohort, g.period,
           g.cohort + to_months(CAST(g.period * {months} AS INTEGER)) AS period_start,
           g.cohort_size,
           coalesce(a.customers, 0) AS customers,
           coalesce(a.revenue, 0) AS revenue,
           coalesce(l.churned, 0) AS churned
    FROM grid g
    LEFT JOIN active a ON a.grp = g.grp AND a.cohort = g.cohort AND a.period = g.period
    LEFT JOIN lost l ON l.grp = g.grp AND l.cohort = g.cohort AND l.period = g.period
)
SELECT g.grp AS "group", g.cohort, g.period, g.period_start, g.cohort_size, g.customers, g.revenue,
       CASE WHEN {censored} THEN NULL ELSE g.churned END AS churned,
       {_covered('g.period_start', months, 1)} AS complete,
       g.customers / g.cohort_size AS retention,
       g.revenue / NULLIF(first_value(g.revenue) OVER (
           PARTITION BY g.grp, g.cohort ORDER BY g.period), 0) AS revenue_retention,
       h.as_of
FROM cells g, horizon h
ORDER BY g.grp, g.cohort, g.period
"""


def transactions_sql(
    *,
    customer_id: str,
    date: str,
    amount: str | None,
    period: str,
    has_as_of: bool,
    has_signups: bool,
    has_groups: bool,
    group_column: str | None = None,
    purchase: str | None = None,
) -> str:
    """SQL over the view `tx` (plus `signups(customer, signup)` and `groups(customer, grp)`).

    `purchase` names a boolean column of `tx`, false for returns and cancellations; None: every row is one.

    Parameters (in order): the as-of timestamp when `has_as_of`.
    The raw table is scanned once and grouped by its own customer type; ids are cast to text
    only per customer, where they meet signups and groups (which are keyed by id as text).
    """
    unit = _unit(period)
    months = UNITS[unit]
    cid, day = _ident(customer_id), _ident(date)
    revenue = f"sum({_ident(amount)})" if amount else "CAST(NULL AS DOUBLE)"
    first_group = f", arg_min({_ident(group_column)}, {day}) AS grp0" if group_column else ""
    # Calendar days: a payment at 15:30 on the as-of day still counts.
    as_of_filter = f"AND CAST({day} AS DATE) <= CAST(? AS DATE)" if has_as_of else ""
    # A separate max() scan is cheaper than one more aggregate over every customer-month.
    as_of = (
        "(SELECT CAST(? AS TIMESTAMP))"
        if has_as_of
        else f"(SELECT CAST(max({day}) AS TIMESTAMP) FROM tx WHERE {cid} IS NOT NULL)"
    )
    # The as-of parameter appears once in the filter and once in the horizon.
    if has_signups:
        people = f"""
people AS (
    SELECT f.customer, coalesce(f.key, s.customer) AS key,
           coalesce(date_trunc('{unit}', s.signup), f.first_p) AS cohort, f.last_p{", f.grp0" if group_column else ""}
    FROM firsts f FULL OUTER JOIN signups s ON f.key = s.customer
),"""
    else:
        people = f"""
people AS (
    SELECT customer, key, first_p AS cohort, last_p{", grp0" if group_column else ""} FROM firsts
),"""
    if has_groups:
        grp = f"coalesce(g.grp, '{NO_GROUP}')"
        join = "LEFT JOIN groups g ON p.key = g.customer"
    elif group_column:
        grp = f"coalesce(CAST(p.grp0 AS VARCHAR), '{NO_GROUP}')"
        join = ""
    else:
        grp, join = "''", ""
    return f"""
WITH activity AS (
    SELECT {cid} AS customer, date_trunc('{unit}', {day}) AS p, {revenue} AS revenue,
           {f"bool_or({_ident(purchase)})" if purchase else "TRUE"} AS bought{first_group}
    FROM tx
    WHERE {cid} IS NOT NULL AND {day} IS NOT NULL {as_of_filter}
    GROUP BY 1, 2
),
horizon AS (
    SELECT h.as_of, date_trunc('{unit}', h.as_of) AS as_of_p,
           CAST(h.as_of AS DATE) + INTERVAL 1 DAY AS covered_to
    FROM (SELECT {as_of} AS as_of) h
),
firsts AS (
    SELECT customer, CAST(customer AS VARCHAR) AS key, min(p) AS first_p, max(p) AS last_p
           {", arg_min(grp0, p) AS grp0" if group_column else ""}
    FROM activity WHERE bought GROUP BY customer
),{people}
members AS (
    SELECT p.customer, {grp} AS grp, p.cohort, p.last_p,
           {_covered("p.last_p", months, 2)} AS churn_known
    FROM people p {join}, horizon h
    WHERE p.cohort <= h.as_of_p
),{_tail(unit, periods_after=1)}"""


def customers_sql(
    *,
    customer_id: str,
    signup_date: str,
    churn_date: str,
    mrr: str | None,
    period: str,
    has_as_of: bool,
    has_groups: bool,
    group_column: str | None = None,
) -> str:
    """SQL over the view `customers` (plus `groups(customer, grp)`).

    Parameters: the as-of timestamp when `has_as_of`. Without it, as-of is the latest signup
    or churn date in the table. A churn date before the signup month counts as churn in the
    signup month (period 0) rather than dropping the customer.
    """
    unit = _unit(period)
    cid, signup, churn = _ident(customer_id), _ident(signup_date), _ident(churn_date)
    mrr_expr = f"CAST({_ident(mrr)} AS DOUBLE)" if mrr else "CAST(NULL AS DOUBLE)"
    as_of = (
        "CAST(? AS TIMESTAMP)"
        if has_as_of
        else "(SELECT CAST(greatest(max(signup), coalesce(max(churn), max(signup))) AS TIMESTAMP) FROM base)"
    )
    if has_groups:
        grp = f"coalesce(g.grp, '{NO_GROUP}')"
        join = "LEFT JOIN groups g ON b.customer = g.customer"
    elif group_column:
        grp = f"coalesce(CAST(b.grp0 AS VARCHAR), '{NO_GROUP}')"
        join = ""
    else:
        grp, join = "''", ""
    group_select = f", {_ident(group_column)} AS grp0" if group_column else ""
    return f"""
WITH base AS (
    SELECT CAST({cid} AS VARCHAR) AS customer, CAST({signup} AS TIMESTAMP) AS signup,
           CAST({churn} AS TIMESTAMP) AS churn, {mrr_expr} AS mrr{group_select}
    FROM customers
    WHERE {cid} IS NOT NULL AND {signup} IS NOT NULL
),
horizon AS (
    SELECT h.as_of, date_trunc('{unit}', h.as_of) AS as_of_p,
           CAST(h.as_of AS DATE) + INTERVAL 1 DAY AS covered_to
    FROM (SELECT {as_of} AS as_of) h
),
spans AS (
    SELECT b.customer, {grp} AS grp, b.mrr,
           date_trunc('month', b.signup) AS first_month,
           CASE WHEN b.churn IS NOT NULL AND b.churn <= h.as_of
                THEN greatest(date_trunc('month', b.churn), date_trunc('month', b.signup))
                ELSE date_trunc('month', h.as_of) END AS last_month,
           b.churn IS NOT NULL AND b.churn <= h.as_of AS churn_known
    FROM base b {join}, horizon h
    WHERE b.signup <= h.as_of
),
members AS (
    SELECT customer, grp, date_trunc('{unit}', first_month) AS cohort,
           date_trunc('{unit}', last_month) AS last_p, churn_known
    FROM spans
),
months AS (
    SELECT customer, mrr, unnest(generate_series(first_month, last_month, INTERVAL 1 MONTH)) AS month
    FROM spans
),
activity AS (
    SELECT customer, date_trunc('{unit}', month) AS p, sum(mrr) AS revenue, TRUE AS bought
    FROM months GROUP BY 1, 2
),{_tail(unit, periods_after=0)}"""
