"""MRR movement SQL: from invoices (or monthly MRR) to customer-month MRR, movements and the monthly table.

Three statements, run in order on one DuckDB connection (`revenue.mrr_movements` runs them); each is
one step a warehouse or Spark can take over:

    customer_months_sql   tx -> cm(customer, grp, month, mrr): MRR per customer and calendar month, the
                          amounts summed in the month they are dated, or spread evenly over the months
                          of their service period; only months with MRR > 0 are kept (a month whose
                          returns exceed its payments has MRR 0: a refund never makes MRR negative).
    movements_sql         cm -> moves(customer, grp, month, movement, mrr_before, mrr_after): one row per
                          customer-month whose MRR changed, of one kind:
                            new           the first month with MRR > 0;
                            expansion     up from the month before, which had MRR;
                            contraction   down from the month before, still above 0;
                            churned       MRR 0 after a month with MRR (mrr_after = 0);
                            reactivation  MRR > 0 again after at least one month at 0 that followed revenue.
    monthly_sql           cm, moves -> one row per (grp, month) from the first month with revenue to the
                          as-of month: mrr, customers, new, expansion, contraction, churned, reactivation
                          (contraction and churned as MRR lost, positive), complete.

By construction MRR(m) = MRR(m-1) + new + expansion + reactivation - contraction - churned for every
month and group: each customer is in one group, and each change of a customer's MRR between two
consecutive months is exactly one movement row.

The views the statements read: `tx` (the rows, returns already netted, see `revenue`), `horizon(as_of,
as_of_month, covered_to)` and, for a split by customer, `groups(customer, grp)` keyed by id as text.
Months are whole numbers (year * 12 + month - 1) until the output, which gives each month's first day:
comparing and stepping numbers is cheaper than calendar arithmetic on every customer-month.
Column names come from the user, so they are quoted.
"""

from __future__ import annotations

__all__ = ["MOVEMENTS", "NO_GROUP", "horizon_sql", "customer_months_sql", "movements_sql", "monthly_sql",
           "movement_rows_sql"]

MOVEMENTS = ("new", "expansion", "contraction", "churned", "reactivation")
# Group label for customers the split does not cover.
NO_GROUP = "(none)"
# Days in an average month: a service period of 365 days is 12 months, one of 28 to 31 days is one.
DAYS_PER_MONTH = 365.25 / 12
# MRR is compared at this many decimals: sums of the same cents in another order must not read as a change.
DECIMALS = 6


def _month_number(expr: str) -> str:
    """SQL: the month of a date or timestamp as a number, year * 12 + month - 1."""
    return f"CAST(year({expr}) * 12 + month({expr}) - 1 AS INTEGER)"


def _month_start(expr: str) -> str:
    """SQL: the first day of a month number, as a timestamp."""
    return f"make_timestamp(CAST(({expr}) // 12 AS BIGINT), CAST(({expr}) % 12 + 1 AS BIGINT), 1, 0, 0, 0)"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def horizon_sql(*, date: str, has_as_of: bool) -> str:
    """The as-of date (the parameter, else the latest date in `tx`), its month, and the first day the data
    does not cover. A month is complete when the data covers it to its last day."""
    as_of = "CAST(? AS TIMESTAMP)" if has_as_of else f"(SELECT CAST(max({_ident(date)}) AS TIMESTAMP) FROM tx)"
    return f"""
SELECT h.as_of, {_month_number("h.as_of")} AS as_of_month, CAST(h.as_of AS DATE) + INTERVAL 1 DAY AS covered_to
FROM (SELECT {as_of} AS as_of) h
"""


def customer_months_sql(*, customer_id: str, date: str, amount: str, service_start: str | None = None,
                        service_end: str | None = None, period_months: str | None = None,
                        has_groups: bool = False) -> str:
    """tx -> (customer, grp, month, mrr), months with MRR > 0 only, none after the as-of month.

    Without a service period an amount counts in the month it is dated. With service start and end, it is
    spread evenly over round(days / 30.44) months (at least one) from the start's month: 1 Jan - 31 Dec is
    twelve months. With a period length in months (`period_months`, a numeric column) it is spread over that
    many months from the date's month. Rows dated after the as-of date are left out; ids are cast to text
    once per customer-month, not per row.
    """
    cid, day, money = _ident(customer_id), _ident(date), _ident(amount)
    spread = service_start is not None and service_end is not None
    keep = (f"{cid} IS NOT NULL AND {day} IS NOT NULL AND {money} IS NOT NULL "
            f"AND CAST({day} AS DATE) <= CAST(h.as_of AS DATE)")
    if spread or period_months is not None:
        start = f"coalesce({_ident(service_start)}, {day})" if spread else day
        parts = []
        if spread:
            parts.append(f"WHEN {_ident(service_start)} IS NOT NULL AND {_ident(service_end)} IS NOT NULL THEN "
                         f"greatest(1, CAST(round(date_diff('day', CAST({_ident(service_start)} AS DATE), "
                         f"CAST({_ident(service_end)} AS DATE)) / {DAYS_PER_MONTH}) AS BIGINT))")
        if period_months is not None:
            parts.append(f"WHEN {_ident(period_months)} IS NOT NULL THEN "
                         f"greatest(1, CAST(round({_ident(period_months)}) AS BIGINT))")
        months = f"CASE {' '.join(parts)} ELSE 1 END"
        rows = f"""
spans AS (
    SELECT {cid} AS customer, {_month_number(start)} AS first_month, {money} AS amount, {months} AS n
    FROM tx, horizon h
    WHERE {keep}
),
rows AS (
    SELECT customer, CAST(first_month + k AS INTEGER) AS month, amount / n AS amount
    FROM (SELECT customer, first_month, amount, n, unnest(range(n)) AS k FROM spans)
)"""
    else:
        rows = f"""
rows AS (
    SELECT {cid} AS customer, {_month_number(day)} AS month, {money} AS amount
    FROM tx, horizon h
    WHERE {keep}
)"""
    if has_groups:
        grp, join = f"coalesce(g.grp, '{NO_GROUP}')", "LEFT JOIN groups g ON c.customer = g.customer"
    else:
        grp, join = "''", ""
    return f"""
WITH{rows},
sums AS (
    SELECT customer, month, round(sum(amount), {DECIMALS}) AS mrr
    FROM rows, horizon h
    WHERE month <= h.as_of_month
    GROUP BY customer, month
    HAVING round(sum(amount), {DECIMALS}) > 0
),
c AS (SELECT CAST(customer AS VARCHAR) AS customer, month, mrr FROM sums)
SELECT c.customer, {grp} AS grp, c.month, c.mrr
FROM c {join}
"""


def movements_sql() -> str:
    """cm, horizon -> one row per movement (see the module docstring). A customer whose last month with MRR
    is before the as-of month churns in the month after it; a gap of zero months ends in a reactivation."""
    return """
WITH seq AS MATERIALIZED (  -- read twice below: one window pass, not two
    SELECT customer, grp, month, mrr,
           lag(month) OVER w AS prev_month, lag(mrr) OVER w AS prev_mrr, lead(month) OVER w AS next_month
    FROM cm
    WINDOW w AS (PARTITION BY customer ORDER BY month)
),
own AS (
    SELECT customer, grp, month,
           CASE WHEN prev_month IS NULL THEN 'new'
                WHEN prev_month + 1 < month THEN 'reactivation'
                WHEN mrr > prev_mrr THEN 'expansion'
                WHEN mrr < prev_mrr THEN 'contraction' END AS movement,
           CASE WHEN prev_month + 1 = month THEN prev_mrr ELSE 0 END AS mrr_before,
           mrr AS mrr_after
    FROM seq
),
lost AS (
    SELECT s.customer, s.grp, s.month + 1 AS month, 'churned' AS movement,
           s.mrr AS mrr_before, CAST(0 AS DOUBLE) AS mrr_after
    FROM seq s, horizon h
    WHERE (s.next_month IS NULL OR s.next_month > s.month + 1) AND s.month < h.as_of_month
)
SELECT customer, grp, month, movement, mrr_before, mrr_after FROM own WHERE movement IS NOT NULL
UNION ALL
SELECT customer, grp, month, movement, mrr_before, mrr_after FROM lost
"""


def monthly_sql() -> str:
    """cm, moves, horizon -> one row per (grp, month) from the first month with MRR to the as-of month."""
    sums = ",\n           ".join(
        f"coalesce(sum(abs(mrr_after - mrr_before)) FILTER (WHERE movement = '{m}'), 0) AS {m}" for m in MOVEMENTS)
    return f"""
WITH months AS (
    SELECT unnest(range(min(cm.month), any_value(h.as_of_month) + 1)) AS month
    FROM cm, horizon h
),
grid AS (SELECT g.grp, m.month FROM (SELECT DISTINCT grp FROM cm) g, months m),
levels AS (SELECT grp, month, sum(mrr) AS mrr, count(*) AS customers FROM cm GROUP BY grp, month),
moved AS (
    SELECT grp, month,
           {sums}
    FROM moves GROUP BY grp, month
)
SELECT g.grp, {_month_start("g.month")} AS month, coalesce(l.mrr, 0) AS mrr,
       coalesce(l.customers, 0) AS customers,
       {", ".join(f"coalesce(v.{m}, 0) AS {m}" for m in MOVEMENTS)},
       {_month_start("g.month + 1")} <= h.covered_to AS complete
FROM grid g CROSS JOIN horizon h
LEFT JOIN levels l ON l.grp = g.grp AND l.month = g.month
LEFT JOIN moved v ON v.grp = g.grp AND v.month = g.month
ORDER BY g.grp, g.month
"""


def movement_rows_sql() -> str:
    """moves -> the movement rows with each month as its first day (unsorted: sorting every row costs more
    than computing them)."""
    return f"""
SELECT customer, grp, {_month_start("month")} AS month, movement, mrr_before, mrr_after FROM moves
"""
