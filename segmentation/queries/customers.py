"""Customer SQL: from transactions and events to one row per customer.

The relations the library registers before running these queries (see `features.py`,
which cleans them first; the SQL assumes clean input):

    tx(customer_id VARCHAR, day TIMESTAMP, amount DOUBLE, purchase BOOLEAN [, order_id VARCHAR])
                                                           purchase = false: a return or cancellation
    ev(customer_id VARCHAR, day TIMESTAMP, n DOUBLE)       n = events in that row (1 when not counted)
    ids(customer_id VARCHAR)                               the customers table's ids

Definitions shared by the customer table, `rfm_inputs` and the command line:

- Only rows dated on or before the as-of date count: a snapshot at as_of cannot see later
  purchases. Days are calendar dates; times of day are dropped.
- Returns and cancellations (purchase = false) are never an order, an active day or a first
  purchase; their (negative) amounts still count in monetary, which is net of them.
- recency_days = days from the last purchase to as_of; tenure_days = days from the first.
- frequency = distinct orders: distinct order ids when an order column is mapped (a row
  without an order id counts as one order per day), else distinct purchase days.
- monetary = the sum of amounts, each rounded to 6 decimals and summed as DECIMAL: exact, so
  neither row order nor DuckDB's parallel plan can change it.
- A purchase lies "within N days" when its own recency is at most N days (orders_30d,
  active_days_90d, ...), so a customer with recency_days <= 30 has orders_30d >= 1.

Column names from the user are quoted; everything else interpolated comes from code.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from . import run

__all__ = [
    "WINDOWS",
    "transaction_summary",
    "event_summary",
    "last_day",
    "unmatched_rows",
    "rows_after",
    "file_columns",
    "file_rfm_inputs",
    "write_csv",
]

# Look-back windows (days) of the customer table's count columns.
WINDOWS = (30, 90)

# Amounts are summed exactly at this many decimals (see the module docstring).
_MONEY = "DECIMAL(38, 6)"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _orders(has_order: bool, within: str = "TRUE") -> str:
    """Distinct orders among rows matching `within` (an SQL condition)."""
    if not has_order:
        return f"count(DISTINCT day) FILTER (WHERE {within})"
    # Rows without an order id still are purchases: one order per such day.
    return (
        f"(count(DISTINCT order_id) FILTER (WHERE {within}) "
        f"+ count(DISTINCT day) FILTER (WHERE order_id IS NULL AND {within}))"
    )


def _within(days: int) -> str:
    return f"date_diff('day', day, $1) <= {int(days)}"


def _known(ids: pd.DataFrame | None) -> str:
    return "AND customer_id IN (SELECT customer_id FROM ids)" if ids is not None else ""


def transaction_summary(
    tx: pd.DataFrame, *, as_of: pd.Timestamp, ids: pd.DataFrame | None = None, full: bool = True
) -> pd.DataFrame:
    """Per customer: recency_days, frequency, monetary (+ dates, tenure, window counts when `full`).

    `tx` has columns customer_id, day, amount and optionally order_id; `ids` (a frame with a
    customer_id column) keeps only those customers. Customers with no row on or before as_of
    are absent from the result.
    """
    has_order = "order_id" in tx.columns
    order_col = ", order_id" if has_order else ""
    # Customers whose only rows are returns stay (monetary below 0, no purchase): hence FILTER, not WHERE.
    bought = "purchase" if "purchase" in tx.columns else "TRUE"
    extra = ""
    if full:
        windows = "".join(
            f",\n       {_orders(has_order, f'purchase AND {_within(w)}')} AS orders_{w}d" for w in WINDOWS
        )
        extra = (
            ",\n       min(day) FILTER (WHERE purchase) AS first_purchase,"
            " max(day) FILTER (WHERE purchase) AS last_purchase,"
            "\n       date_diff('day', min(day) FILTER (WHERE purchase), $1) AS tenure_days" + windows
        )
    sql = f"""
WITH t AS (
    SELECT customer_id, CAST(day AS DATE) AS day, amount, {bought} AS purchase{order_col}
    FROM tx
    WHERE customer_id IS NOT NULL AND day IS NOT NULL AND CAST(day AS DATE) <= $1 {_known(ids)}
)
SELECT customer_id,
       date_diff('day', max(day) FILTER (WHERE purchase), $1) AS recency_days,
       {_orders(has_order, "purchase")} AS frequency,
       CAST(coalesce(sum(CAST(amount AS {_MONEY})), 0) AS DOUBLE) AS monetary{extra}
FROM t
GROUP BY customer_id
ORDER BY customer_id
"""
    frames = {"tx": tx} if ids is None else {"tx": tx, "ids": ids}
    return run(sql, frames, [as_of.date()])


def event_summary(ev: pd.DataFrame, *, as_of: pd.Timestamp, ids: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per customer: active days within 30 and 90 days and events within 90 days.

    A row is activity when its count `n` is above 0 (rows without a count are one event).
    """
    days = ",\n       ".join(
        f"count(DISTINCT day) FILTER (WHERE {_within(w)}) AS active_days_{w}d" for w in WINDOWS
    )
    sql = f"""
WITH e AS (
    SELECT customer_id, CAST(day AS DATE) AS day, n
    FROM ev
    WHERE customer_id IS NOT NULL AND day IS NOT NULL AND n > 0 AND CAST(day AS DATE) <= $1 {_known(ids)}
)
SELECT customer_id,
       {days},
       coalesce(sum(n) FILTER (WHERE {_within(WINDOWS[-1])}), 0) AS events_{WINDOWS[-1]}d
FROM e
GROUP BY customer_id
ORDER BY customer_id
"""
    frames = {"ev": ev} if ids is None else {"ev": ev, "ids": ids}
    return run(sql, frames, [as_of.date()])


def last_day(table: pd.DataFrame, *, ids: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """The latest calendar day in `table` (tx or ev layout), among `ids` when given."""
    sql = f"SELECT max(CAST(day AS DATE)) AS last FROM t WHERE customer_id IS NOT NULL {_known(ids)}"
    frames = {"t": table} if ids is None else {"t": table, "ids": ids}
    value = run(sql, frames)["last"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)


def unmatched_rows(table: pd.DataFrame, *, ids: pd.DataFrame) -> pd.DataFrame:
    """Rows per customer id of `table` that `ids` lacks (customer_id, rows), most rows first."""
    sql = """
SELECT customer_id, count(*) AS rows
FROM t ANTI JOIN ids USING (customer_id)
WHERE customer_id IS NOT NULL
GROUP BY customer_id
ORDER BY rows DESC, customer_id
"""
    return run(sql, {"t": table, "ids": ids})


def rows_after(table: pd.DataFrame, *, as_of: pd.Timestamp, ids: pd.DataFrame | None = None) -> int:
    """How many dated rows of `table` fall after the as-of day (and so are left out)."""
    sql = f"SELECT count(*) AS n FROM t WHERE CAST(day AS DATE) > $1 {_known(ids)}"
    frames = {"t": table} if ids is None else {"t": table, "ids": ids}
    return int(run(sql, frames, [as_of.date()])["n"].iloc[0])


# -- reading a file directly (the command line's fast path) -------------------------------------
def _reader(path: str, kind: str, varchar: Sequence[str] = ()) -> str:
    if kind == "parquet":
        return f"read_parquet({_literal(path)})"
    types = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in dict.fromkeys(varchar))
    return f"read_csv({_literal(path)}" + (f", types = {{{types}}})" if types else ")")


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database=":memory:")
    con.execute("SET threads TO 2")  # as queries.run: this machine's cores, shared with the app
    # Timestamps with a zone fall on their UTC day, as `features.parse_dates` puts them.
    con.execute("SET TimeZone = 'UTC'")
    return con


def file_columns(path: str, kind: str) -> dict[str, object]:
    """What DuckDB detects in a CSV or Parquet file without reading it all.

    Returns {"columns": {name: duckdb type}, "date_formats": [non-ISO date/timestamp formats]}.
    Raises duckdb.Error when DuckDB cannot read the file (the caller falls back).
    """
    con = _connect()
    try:
        if kind == "csv":
            # One sniff gives the columns, their types and the date formats chosen.
            columns, *formats = con.execute(
                f"SELECT Columns, DateFormat, TimestampFormat FROM sniff_csv({_literal(path)})"
            ).fetchone()
            return {
                "columns": {c["name"]: str(c["type"]) for c in columns},
                "date_formats": [f for f in formats if f],
            }
        described = con.execute(f"DESCRIBE SELECT * FROM {_reader(path, kind)}").fetchall()
        return {"columns": {name: str(ctype) for name, ctype, *_ in described}, "date_formats": []}
    finally:
        con.close()


def file_rfm_inputs(
    path: str,
    kind: str,
    *,
    customer_id: str,
    date: str,
    amount: str,
    order_id: str | None = None,
    as_of: pd.Timestamp | None = None,
    id_type: str = "VARCHAR",
    invoice: str | None = None,
) -> tuple[dict[str, object], pd.Timestamp | None]:
    """RFM inputs straight from a file: ({customer_id, last_day, frequency, monetary} arrays, as_of).

    Reads the file once in DuckDB with the id (and order) columns as text, so leading zeros
    survive. The as-of date, when not given, is the day after the last dated row. Arrays are
    numpy (last_day as datetime64, NaT for a customer whose rows are all returns) and sorted by
    customer id. A row with a negative amount is a return: no order, no last purchase, and its
    amount counts against monetary. Counted in the same pass, besides the arrays: "rows" (dated
    rows), "returns" (of them, negative amounts) and "marked", the values of `invoice` (a column
    of invoice numbers) that start with "C", which the caller must judge with
    `cleaning.find_returns` (a cancellation, or an id scheme), since this query cannot.
    """
    text_cols = [customer_id] + [c for c in (order_id, invoice) if c]
    source = _reader(path, kind, text_cols if kind == "csv" else ())
    cid = _ident(customer_id)
    if id_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        # Ids stored as floats (17.0) read back as the integers they were written as.
        cid = (
            f"CASE WHEN {cid} = trunc({cid}) THEN CAST(CAST({cid} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({cid} AS VARCHAR) END"
        )
    else:
        cid = f"CAST({cid} AS VARCHAR)"
    order = f", CAST({_ident(order_id)} AS VARCHAR) AS order_id" if order_id else ""
    marks = f", CAST({_ident(invoice)} AS VARCHAR) AS invoice" if invoice else ""
    marked = ("count(*) FILTER (WHERE prefix(invoice, 'C') OR prefix(invoice, 'c'))" if invoice
              else "CAST(0 AS BIGINT)")
    cutoff = "AND day <= $1" if as_of is not None else ""
    sql = f"""
WITH t AS (
    SELECT {cid} AS customer_id, CAST({_ident(date)} AS DATE) AS day,
           CAST({_ident(amount)} AS DOUBLE) AS amount{order}{marks}
    FROM {source}
),
k AS (SELECT *, NOT coalesce(amount < 0, FALSE) AS purchase FROM t WHERE day IS NOT NULL {cutoff})
SELECT customer_id,
       max(day) FILTER (WHERE purchase) AS last_day,
       {_orders(bool(order_id), "purchase")} AS frequency,
       CAST(coalesce(sum(CAST(amount AS {_MONEY})), 0) AS DOUBLE) AS monetary,
       max(day) AS last_row,
       count(*) AS n_rows,
       count(*) FILTER (WHERE NOT purchase) AS n_returns,
       {marked} AS n_marked
FROM k
GROUP BY customer_id
ORDER BY customer_id NULLS LAST
"""
    con = _connect()
    try:
        result = con.execute(sql, [as_of.date()] if as_of is not None else []).fetchnumpy()
    finally:
        con.close()
    # Rows without a customer id form one group (in the same pass over the file): counted, then dropped,
    # so that the command can say how many rows count for nobody.
    rows = result.pop("n_rows")
    counts = {"rows": int(np.sum(rows)), "returns": int(np.sum(result.pop("n_returns"))),
              "marked": int(np.sum(result.pop("n_marked")))}
    ids = result["customer_id"]
    unnamed = len(ids) and (ids[-1] is None or (hasattr(ids, "mask") and bool(np.ma.getmaskarray(ids)[-1])))
    without_id = int(rows[-1]) if unnamed else 0
    for name in ("last_day", "last_row"):  # a customer with returns only has no last purchase: NaT
        result[name] = np.ma.filled(np.ma.asarray(result[name]).astype("datetime64[D]"), np.datetime64("NaT"))
    if unnamed:
        result = {name: np.ma.getdata(values[:-1]) for name, values in result.items()}
    last_row = result.pop("last_row")
    result["rows_without_id"] = without_id
    result.update(counts)
    if as_of is None and len(last_row):
        as_of = pd.Timestamp(last_row.max()) + pd.Timedelta(days=1)
    return result, as_of


def write_csv(frame: pd.DataFrame, path: str) -> None:
    """Write `frame` (columns as they are, no index) to a CSV file with DuckDB's COPY."""
    con = _connect()
    try:
        con.register("out_frame", frame)
        con.execute(f"COPY out_frame TO {_literal(path)} (HEADER, DELIMITER ',')")
    finally:
        con.close()
