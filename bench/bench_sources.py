"""Data where it lives: the push-down against what a user would write or do by hand.

1. A folder of Parquet files of events summarised per customer out of core (the customer table's
   active_days_30d/90d, events_90d) through `segmentation.sources` + `queries.pushdown` (Ibis on DuckDB), vs the
   same DuckDB query written by hand over read_parquet. Peak RSS of each run is reported (own process).
2. PostgreSQL: the customer table's transaction summary pushed down vs pulling the table into pandas and
   summarising locally (what `pd.read_sql` + the file path would do).
3. Spark local mode vs DuckDB on the same Parquet folder (--spark; on 2 cores Spark is slower: the point is that
   the same code runs where the data is).

    python bench/bench_sources.py [--rows 20000000] [--pg-rows 1000000] [--spark] [--spark-rows 2000000]

Generated data goes to bench/data/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
AS_OF = "2025-01-01"


def events_folder(rows: int) -> Path:
    """`rows` events of rows/200 customers over 2024, in several Parquet files (made once per size)."""
    import duckdb

    folder = DATA / f"events_{rows}"
    if folder.is_dir() and any(folder.glob("*.parquet")):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    customers = max(rows // 200, 1)
    step = 10_000_000
    for i, start in enumerate(range(0, rows, step)):
        n = min(step, rows - start)
        con.execute(f"""COPY (SELECT 'c' || lpad(CAST((hash(r) % {customers}) AS VARCHAR), 8, '0') AS customer_id,
                         TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(r * 7) % 31536000 AS BIGINT)) AS event_time,
                         CAST(1 + hash(r * 13) % 3 AS INTEGER) AS sessions
                       FROM range({start}, {start + n}) t(r))
                     TO '{folder}/part-{i:04d}.parquet' (FORMAT parquet)""")
    return folder


HAND = """
SELECT customer_id,
       count(DISTINCT day) FILTER (WHERE day >= DATE '{as_of}' - 30) AS active_days_30d,
       count(DISTINCT day) FILTER (WHERE day >= DATE '{as_of}' - 90) AS active_days_90d,
       sum(n) FILTER (WHERE day >= DATE '{as_of}' - 90) AS events_90d
FROM (SELECT customer_id, CAST(event_time AS DATE) AS day, CAST(sessions AS DOUBLE) AS n
      FROM read_parquet('{folder}/*.parquet'))
WHERE customer_id IS NOT NULL AND day IS NOT NULL AND n > 0 AND day <= DATE '{as_of}'
GROUP BY customer_id
"""


def one(kind: str, arg: str) -> dict:
    """Run one measurement in this process: seconds, rows out, peak RSS (MB)."""
    import pandas as pd

    start = time.perf_counter()
    if kind == "hand":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        out = con.execute(HAND.format(as_of=AS_OF, folder=arg)).df()
    elif kind in ("pushdown", "spark"):
        from segmentation.queries import pushdown
        from segmentation.sources import SPARK_LOCAL, open_source

        if kind == "spark":
            from segmentation.sources import spark_session

            spark_session().read.parquet(arg).createOrReplaceTempView("events")
            conn = open_source(SPARK_LOCAL, table="events")
        else:
            conn = open_source(arg)
        roles = {"customer_id": "customer_id", "event_date": "event_time", "event_count": "sessions"}
        prep = pushdown.prepare(conn, "events", roles, conn.head(100))
        out = pushdown.event_summary(prep, as_of=pd.Timestamp(AS_OF))
    elif kind == "pg_pushdown":
        from segmentation.queries import pushdown
        from segmentation.sources import open_source

        conn = open_source(arg, table="invoices")
        roles = {"customer_id": "customer_id", "transaction_date": "invoice_date", "amount": "amount"}
        prep = pushdown.prepare(conn, "transactions", roles, conn.head(100))
        out = pushdown.transaction_summary(prep, as_of=pd.Timestamp(AS_OF))
    elif kind == "pg_pandas":
        import psycopg

        from segmentation.queries.customers import transaction_summary

        with psycopg.connect(arg) as pg:
            cursor = pg.execute("SELECT customer_id, invoice_date, amount FROM invoices")
            frame = pd.DataFrame(cursor.fetchall(), columns=["customer_id", "day", "amount"])
        frame["day"] = pd.to_datetime(frame["day"])
        frame["amount"] = frame["amount"].astype(float)
        frame["purchase"] = frame["amount"] >= 0
        out = transaction_summary(frame, as_of=pd.Timestamp(AS_OF))
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rows_out": len(out), "rss_mb": rss}


def measure(kind: str, arg: str, repeat: int = 1) -> dict:
    best = None
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--one", kind, arg], capture_output=True, text=True,
                              cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        if done.returncode:
            raise SystemExit(done.stderr[-2000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        best = result if best is None or result["seconds"] < best["seconds"] else best
    return best


def postgres_rows(url: str, rows: int) -> None:
    import psycopg

    customers = max(rows // 50, 1)
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE TABLE invoices AS SELECT 'c' || lpad((i::bigint %% %s)::text, 7, '0') AS customer_id, "
                   "DATE '2024-01-01' + (i::bigint * 7919 %% 366)::int AS invoice_date, "
                   "round(((i::bigint * 31 %% 20000) / 100.0 - 10)::numeric, 2) AS amount "
                   "FROM generate_series(1, %s) i",
                   (customers, rows))
        pg.execute("ANALYZE invoices")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--pg-rows", type=int, default=1_000_000)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--spark-rows", type=int, default=2_000_000)
    args, _ = parser.parse_known_args(argv)
    lines = ["## Sources: push-down where the data lives", "",
             "| what | rows | ours (s) | by hand (s) | ratio | our peak RSS (MB) | by hand peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    folder = events_folder(args.rows)
    ours, hand = measure("pushdown", str(folder), 2), measure("hand", str(folder), 2)
    assert ours["rows_out"] == hand["rows_out"]
    lines.append(f"| Parquet folder of events -> per customer (Ibis on DuckDB vs DuckDB SQL by hand) | {args.rows:,} | "
                 f"{ours['seconds']:.2f} | {hand['seconds']:.2f} | {ours['seconds'] / hand['seconds']:.2f} | "
                 f"{ours['rss_mb']:.0f} | {hand['rss_mb']:.0f} |")
    print(lines[-1], flush=True)
    sys.path.insert(0, str(ROOT))
    from tests.postgres_server import running_postgres

    with running_postgres("bench") as url:
        postgres_rows(url, args.pg_rows)
        ours, pulled = measure("pg_pushdown", url, 2), measure("pg_pandas", url, 2)
        assert ours["rows_out"] == pulled["rows_out"]
        lines.append(f"| PostgreSQL invoices -> per customer (push-down vs pull into pandas) | {args.pg_rows:,} | "
                     f"{ours['seconds']:.2f} | {pulled['seconds']:.2f} | {ours['seconds'] / pulled['seconds']:.2f} | "
                     f"{ours['rss_mb']:.0f} | {pulled['rss_mb']:.0f} |")
        print(lines[-1], flush=True)
    if args.spark:
        small = events_folder(args.spark_rows)
        spark, duck = measure("spark", str(small)), measure("pushdown", str(small))
        lines.append(f"| Spark local[1] vs DuckDB, same push-down, same Parquet folder | {args.spark_rows:,} | "
                     f"{spark['seconds']:.2f} | {duck['seconds']:.2f} | {spark['seconds'] / duck['seconds']:.2f} | "
                     f"{spark['rss_mb']:.0f} (driver only) | {duck['rss_mb']:.0f} |")
        print(lines[-1], flush=True)
    lines += ["", "Times include connecting and, for ours, importing Ibis (~0.6 s). \"By hand\" for the folder is the "
              "same summary as one DuckDB query over read_parquet; for PostgreSQL it is the whole table fetched "
              "with psycopg into pandas, then the library's file path. Spark runs in local mode on this 2-core "
              "machine, so it is slower: what matters is that the same expressions run on a cluster."]
    if args.rows < 100_000_000:
        lines += ["", f"The 100,000,000-row folder was not run in this collection: the largest folder run is "
                  f"{args.rows:,} rows (peak RSS above). Run `python bench/bench_sources.py --rows 100000000` "
                  "for it (about 5 GB of Parquet in bench/data/)."]
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "sources.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2], sys.argv[3])))
        raise SystemExit(0)
    raise SystemExit(main(sys.argv[1:]))
