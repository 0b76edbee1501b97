"""RFM end to end against what a user would otherwise run, as ratios to a bare DuckDB query.

    .venv/bin/python bench/bench_rfm.py                 # 1M transaction rows (about a minute)
    .venv/bin/python bench/bench_rfm.py --rows 5000000 --rows 10000000

For each size it writes a transactions CSV into bench/data/ (git-ignored; made once, then
reused) and times, each in a fresh Python process so start-up and imports count for everyone:

- ours:      `python -m segmentation rfm FILE ... --out OUT.csv` (read, aggregate, score, write);
- floor:     the same three aggregates as one bare DuckDB query (max date, distinct orders,
             sum), fetched into Python: no scoring, no output file;
- pandas:    read_csv + groupby (max, nunique, sum) + qcut scores + grid + to_csv, the plain
             pipeline most notebooks hold;
- lifetimes: `lifetimes.utils.summary_data_from_transaction_data` (aggregation only, its own
             definitions), when a Python with lifetimes is found: the current one, or
             bench/data/lifetimes-venv (make it with --install-lifetimes; never a requirement).

Each timing is the best of --repeat runs. Ours and pandas are checked to agree on recency,
frequency and monetary. Results go to bench/results/rfm.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results" / "rfm.md"
LIFETIMES_VENV = DATA / "lifetimes-venv"

# The default grid of segmentation.methods.rfm, copied so the pandas baseline imports nothing of ours.
GRID_ROWS = (
    ("New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Loyal"),
    ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
)

FLOOR_SQL = """
SELECT customer_id, max(invoice_date) AS last_day, count(DISTINCT invoice_id) AS frequency,
       sum(amount) AS monetary
FROM read_csv(?, types = {'customer_id': 'VARCHAR', 'invoice_id': 'VARCHAR'})
GROUP BY customer_id
"""


# -- data -------------------------------------------------------------------------------------------
def make_data(rows: int, *, random_state: int = 7) -> Path:
    """invoice_id, customer_id (zero-padded text), invoice_date (ISO), amount; one row per invoice."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = DATA / f"transactions_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    n_customers = max(rows // 20, 10)
    # Some customers buy far more often than others; each is active between two days of 3 years.
    weight = rng.lognormal(0.0, 1.0, n_customers)
    customer = rng.choice(n_customers, size=rows, p=weight / weight.sum())
    start = rng.integers(0, 1095, n_customers)
    stop = start + ((1095 - start) * rng.beta(2.0, 1.0, n_customers)).astype(np.int64)
    day = start[customer] + ((stop - start)[customer] * rng.random(rows)).astype(np.int64)
    table = pa.table(
        {
            "invoice_id": pa.array(np.char.add("INV", np.char.zfill(np.arange(rows).astype(str), 9))),
            "customer_id": pa.array(np.char.zfill(customer.astype(str), 7)),
            "invoice_date": pa.array(np.datetime64("2022-01-01") + day.astype("timedelta64[D]")),
            "amount": np.round(rng.lognormal(3.5, 0.8, rows), 2),
        }
    )
    partial = path.with_suffix(".part")
    pacsv.write_csv(table, partial)
    partial.replace(path)
    return path


# -- the contenders (each runs in its own process) -------------------------------------------------
def run_floor(path: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")  # as our command does
    con.execute(FLOOR_SQL, [path]).fetchnumpy()


def run_pandas(path: str, out: str) -> None:
    import pandas as pd

    df = pd.read_csv(path, dtype={"customer_id": str, "invoice_id": str}, parse_dates=["invoice_date"])
    as_of = df["invoice_date"].max() + pd.Timedelta(days=1)
    g = df.groupby("customer_id").agg(
        last=("invoice_date", "max"), frequency=("invoice_id", "nunique"), monetary=("amount", "sum")
    )
    g["recency_days"] = (as_of - g["last"]).dt.days
    for key, column, labels in (
        ("r", "recency_days", [5, 4, 3, 2, 1]),
        ("f", "frequency", [1, 2, 3, 4, 5]),
        ("m", "monetary", [1, 2, 3, 4, 5]),
    ):
        g[key] = pd.qcut(g[column].rank(method="first"), 5, labels=labels).astype(int)
    fm = (g["f"] + g["m"] + 1) // 2
    names = {(r, c + 1): name for r, row in zip((5, 4, 3, 2, 1), GRID_ROWS) for c, name in enumerate(row)}
    g["segment"] = [names[key] for key in zip(g["r"], fm)]
    columns = ["recency_days", "frequency", "monetary", "r", "f", "m", "segment"]
    g[columns].reset_index().to_csv(out, index=False)


def run_lifetimes(path: str) -> None:
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    df = pd.read_csv(path, dtype={"customer_id": str, "invoice_id": str}, parse_dates=["invoice_date"])
    summary_data_from_transaction_data(
        df, "customer_id", "invoice_date", monetary_value_col="amount",
        observation_period_end=df["invoice_date"].max(),
    )


# -- timing ---------------------------------------------------------------------------------------
def _timed(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        best = min(best, time.perf_counter() - start)
    return best


def _lifetimes_python() -> str | None:
    for python in (sys.executable, str(LIFETIMES_VENV / "bin" / "python")):
        if Path(python).exists():
            probe = subprocess.run([python, "-c", "import lifetimes.utils"], capture_output=True)
            if probe.returncode == 0:
                return python
    return None


def _install_lifetimes() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
    pip = [str(LIFETIMES_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "lifetimes", "pandas==2.3.3"], check=True)


def _check_agreement(ours: Path, pandas_out: Path) -> str:
    import numpy as np
    import pandas as pd

    a = pd.read_csv(ours, dtype={"customer_id": str}).set_index("customer_id").sort_index()
    b = pd.read_csv(pandas_out, dtype={"customer_id": str}).set_index("customer_id").sort_index()
    same = (
        a.index.equals(b.index)
        and (a["recency_days"] == b["recency_days"]).all()
        and (a["frequency"] == b["frequency"]).all()
        and np.allclose(a["monetary"], b["monetary"], rtol=1e-9, atol=1e-6)
    )
    if not same:
        raise SystemExit("ours and pandas disagree on recency, frequency or monetary")
    return f"{len(a):,} customers; ours and pandas agree on recency, frequency and monetary"


def bench(rows: int, *, repeat: int, lifetimes: str | None, lifetimes_max_rows: int) -> dict[str, object]:
    path = make_data(rows)
    out_ours, out_pandas = DATA / f"rfm_ours_{rows}.csv", DATA / f"rfm_pandas_{rows}.csv"
    me = [sys.executable, str(Path(__file__).resolve())]
    times: dict[str, float | None] = {
        "floor": _timed([*me, "--run-floor", str(path)], repeat),
        "ours": _timed(
            [sys.executable, "-m", "segmentation", "rfm", str(path), "--id", "customer_id", "--date", "invoice_date",
             "--amount", "amount", "--order", "invoice_id", "--out", str(out_ours)],
            repeat,
        ),
        "pandas": _timed([*me, "--run-pandas", str(path), str(out_pandas)], repeat),
        "lifetimes": None,
    }
    if lifetimes and rows <= lifetimes_max_rows:
        times["lifetimes"] = _timed([lifetimes, str(Path(__file__).resolve()), "--run-lifetimes", str(path)], 1)
    return {"rows": rows, "times": times, "check": _check_agreement(out_ours, out_pandas)}


def report(results: list[dict[str, object]], *, lifetimes: str | None, repeat: int) -> str:
    lines = [
        "# RFM: end to end vs a bare DuckDB query",
        "",
        f"`bench/bench_rfm.py`, Python {platform.python_version()} on {os.cpu_count()} cores (load average "
        f"{os.getloadavg()[0]:.1f} at the end: the machine is shared, so compare ratios within a row), best of "
        f"{repeat} runs each, every run a fresh process (start-up and imports included for all).",
        "",
        "| rows | floor: bare DuckDB (s) | ours `rfm` command (s) | pandas pipeline (s) | lifetimes summary (s) "
        "| ours / floor | pandas / floor | lifetimes / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        t = result["times"]
        floor = t["floor"]

        def cell(key):
            return "n/a" if t[key] is None else f"{t[key]:.2f}"

        def ratio(key):
            return "n/a" if t[key] is None else f"{t[key] / floor:.2f}x"

        lines.append(
            f"| {result['rows']:,} | {floor:.2f} | {cell('ours')} | {cell('pandas')} | {cell('lifetimes')} "
            f"| {ratio('ours')} | {ratio('pandas')} | {ratio('lifetimes')} |"
        )
    lines += [
        "",
        "- floor: `SELECT customer_id, max(date), count(DISTINCT invoice_id), sum(amount) ... GROUP BY 1` on the "
        "CSV, fetched to numpy; nothing scored or written.",
        "- ours: `python -m segmentation rfm FILE --id customer_id --date invoice_date --amount amount --order "
        "invoice_id --out OUT.csv`: reads with DuckDB, aggregates (exact decimal sums), scores with the "
        "tie-aware quintile thresholds, writes the CSV.",
        "- pandas: `read_csv` + `groupby().agg(max, nunique, sum)` + `qcut(rank(method='first'))` + grid + "
        "`to_csv` (its quintiles split ties, which ours does not).",
    ]
    if lifetimes:
        lines.append(
            "- lifetimes: `summary_data_from_transaction_data` after `read_csv`, aggregation only (its own "
            "recency/frequency/T definitions), run from a throwaway virtual environment, not a project "
            "dependency; skipped above the --lifetimes-max-rows size."
        )
    else:
        lines.append(
            "- lifetimes: not measured; no Python with `lifetimes` was found (run with --install-lifetimes to "
            "make bench/data/lifetimes-venv)."
        )
    lines += ["", *[f"- {r['rows']:,} rows: {r['check']}." for r in results], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the rfm command.")
    parser.add_argument("--rows", type=int, action="append", help="transaction rows (repeatable; default 1M)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--install-lifetimes", action="store_true", help="make bench/data/lifetimes-venv first")
    parser.add_argument("--lifetimes-max-rows", type=int, default=5_000_000)
    parser.add_argument("--run-floor", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--run-pandas", nargs=2, metavar=("FILE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--run-lifetimes", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_floor:
        return run_floor(args.run_floor) or 0
    if args.run_pandas:
        return run_pandas(*args.run_pandas) or 0
    if args.run_lifetimes:
        return run_lifetimes(args.run_lifetimes) or 0

    if args.install_lifetimes and _lifetimes_python() is None:
        _install_lifetimes()
    lifetimes = _lifetimes_python()
    results = []
    for rows in args.rows or [1_000_000]:
        result = bench(rows, repeat=args.repeat, lifetimes=lifetimes, lifetimes_max_rows=args.lifetimes_max_rows)
        print(result, flush=True)
        results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(results, lifetimes=lifetimes, repeat=args.repeat), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
