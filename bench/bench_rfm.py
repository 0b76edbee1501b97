"""RFM end to end against what a user would otherwise run, as ratios to a bare DuckDB query.

    .venv/bin/python bench/bench_rfm.py                 # 1M transaction rows (a few minutes)
    .venv/bin/python bench/bench_rfm.py --rows 5000000 --rows 10000000
    .venv/bin/python bench/bench_rfm.py --rows 5000000 --case days --repeat 3

Two cases (--case, repeatable; default both): `orders`, a file with an invoice id column, so
frequency counts distinct invoices (`--order invoice_id`); and `days`, the same transactions
without that column, so frequency counts distinct purchase days (no --order; the command's
default when the file has no order id). For each size and case it writes a transactions CSV
into bench/data/ (git-ignored; made once, then reused) and times, each in a fresh Python
process so start-up and imports count for everyone:

- ours:      `python -m segmentation rfm FILE ... --out OUT.csv` (read, aggregate, score, write);
- floor:     the same three aggregates as one bare DuckDB query (max date, distinct orders or
             days, sum), fetched into Python: no scoring, no output file;
- pandas:    read_csv + groupby (max, nunique, sum) + qcut scores + grid + to_csv, the plain
             pipeline most notebooks hold;
- lifetimes: `lifetimes.utils.summary_data_from_transaction_data` (aggregation only, its own
             definitions), when a Python with lifetimes is found: the current one, or
             bench/data/lifetimes-venv (make it with --install-lifetimes; never a requirement).

Each timing is the best of --repeat runs, the contenders taking turns within each repeat. The
package is byte-compiled first (as pip does when it installs it), so ours does not pay for
compiling its modules in a process that may not write .pyc files. Ours is checked to agree with
pandas on recency, frequency and monetary, and with the floor query on frequency, monetary and
the last purchase day. Results go to bench/results/rfm.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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

# Per case: what frequency counts, the column the floor counts distinct values of, the text columns.
CASES = {
    "orders": {"what": "distinct invoices", "distinct": "invoice_id", "text": ("customer_id", "invoice_id")},
    "days": {"what": "distinct purchase days (no order column)", "distinct": "invoice_date",
             "text": ("customer_id",)},
}


def floor_sql(case: str) -> str:
    spec = CASES[case]
    types = ", ".join(f"'{c}': 'VARCHAR'" for c in spec["text"])
    return f"""
SELECT customer_id, max(invoice_date) AS last_day, count(DISTINCT {spec['distinct']}) AS frequency,
       sum(amount) AS monetary
FROM read_csv(?, types = {{{types}}})
GROUP BY customer_id
"""


# -- data -------------------------------------------------------------------------------------------
def make_data(rows: int, case: str = "orders", *, random_state: int = 7) -> Path:
    """invoice_id, customer_id (zero-padded text), invoice_date (ISO), amount; one row per invoice.

    The `days` case holds the same transactions without the invoice_id column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = DATA / (f"transactions_{rows}.csv" if case == "orders" else f"transactions_{case}_{rows}.csv")
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
    if case == "days":
        table = table.drop_columns(["invoice_id"])
    partial = path.with_suffix(".part")
    pacsv.write_csv(table, partial)
    partial.replace(path)
    return path


# -- the contenders (each runs in its own process) -------------------------------------------------
def run_floor(path: str, case: str = "orders") -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")  # as our command does
    return con.execute(floor_sql(case), [path]).fetchnumpy()


def run_pandas(path: str, out: str, case: str = "orders") -> None:
    import pandas as pd

    spec = CASES[case]
    df = pd.read_csv(path, dtype={c: str for c in spec["text"]}, parse_dates=["invoice_date"])
    as_of = df["invoice_date"].max() + pd.Timedelta(days=1)
    g = df.groupby("customer_id").agg(
        last=("invoice_date", "max"), frequency=(spec["distinct"], "nunique"), monetary=("amount", "sum")
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
def _time_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its threads)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _timed_in_turns(commands: dict[str, list[str]], repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall time and best CPU time of `repeat` runs of each command, the commands taking turns
    (a shared machine's load then weighs on all of them alike)."""
    wall = {name: float("inf") for name in commands}
    cpu = dict(wall)
    for _ in range(repeat):
        for name, command in commands.items():
            seconds, used = _time_once(command)
            wall[name], cpu[name] = min(wall[name], seconds), min(cpu[name], used)
    return wall, cpu


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


def _check_agreement(ours: Path, pandas_out: Path, path: Path, case: str) -> str:
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
        raise SystemExit(f"{case}: ours and pandas disagree on recency, frequency or monetary")
    floor = pd.DataFrame(run_floor(str(path), case)).set_index("customer_id").sort_index()
    last = pd.to_datetime(floor["last_day"]).max() + pd.Timedelta(days=1)
    same = (
        a.index.equals(floor.index)
        and (a["frequency"].to_numpy() == floor["frequency"].to_numpy()).all()
        and np.allclose(a["monetary"], floor["monetary"].astype(float), rtol=1e-9, atol=1e-6)
        and ((last - pd.to_datetime(floor["last_day"])).dt.days.to_numpy() == a["recency_days"].to_numpy()).all()
    )
    if not same:
        raise SystemExit(f"{case}: ours and the floor query disagree on frequency, monetary or the last day")
    return (f"{len(a):,} customers; ours agrees with pandas on recency, frequency and monetary and with the "
            "floor query on frequency, monetary and the last purchase day")


def bench(rows: int, case: str, *, repeat: int, lifetimes: str | None,
          lifetimes_max_rows: int) -> dict[str, object]:
    path = make_data(rows, case)
    out_ours, out_pandas = DATA / f"rfm_ours_{case}_{rows}.csv", DATA / f"rfm_pandas_{case}_{rows}.csv"
    me = [sys.executable, str(Path(__file__).resolve())]
    order = ["--order", "invoice_id"] if case == "orders" else []
    wall, cpu = _timed_in_turns(
        {
            "floor": [*me, "--case", case, "--run-floor", str(path)],
            "ours": [sys.executable, "-m", "segmentation", "rfm", str(path), "--id", "customer_id", "--date",
                     "invoice_date", "--amount", "amount", *order, "--out", str(out_ours)],
            "pandas": [*me, "--case", case, "--run-pandas", str(path), str(out_pandas)],
        },
        repeat,
    )
    times: dict[str, float | None] = {**wall, "lifetimes": None}
    if lifetimes and rows <= lifetimes_max_rows:
        times["lifetimes"] = _time_once([lifetimes, str(Path(__file__).resolve()), "--run-lifetimes", str(path)])[0]
    return {"rows": rows, "case": case, "times": times, "cpu": cpu,
            "check": _check_agreement(out_ours, out_pandas, path, case)}


def report(results: list[dict[str, object]], *, lifetimes: str | None, repeat: int) -> str:
    lines = [
        "# RFM: end to end vs a bare DuckDB query",
        "",
        f"`bench/bench_rfm.py`, Python {platform.python_version()} on {os.cpu_count()} cores (load average "
        f"{os.getloadavg()[0]:.1f} at the end: the machine is shared, so compare ratios within a row), best of "
        f"{repeat} runs each taken in turns, every run a fresh process (start-up and imports included for all; "
        "the package byte-compiled first, as an install does).",
        "",
        "| rows | frequency counts | floor: bare DuckDB (s) | ours `rfm` command (s) | pandas pipeline (s) "
        "| lifetimes summary (s) | ours / floor | pandas / floor | lifetimes / floor | ours / floor, CPU time |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        t = result["times"]
        floor = t["floor"]

        def cell(key):
            return "n/a" if t[key] is None else f"{t[key]:.2f}"

        def ratio(key):
            return "n/a" if t[key] is None else f"{t[key] / floor:.2f}x"

        lines.append(
            f"| {result['rows']:,} | {CASES[result['case']]['what']} | {floor:.2f} | {cell('ours')} "
            f"| {cell('pandas')} | {cell('lifetimes')} | {ratio('ours')} | {ratio('pandas')} | {ratio('lifetimes')} "
            f"| {result['cpu']['ours'] / result['cpu']['floor']:.2f}x |"
        )
    lines += [
        "",
        "- ratios compare wall-clock times (best of the runs); the last column compares CPU time (user + system, "
        "best of the runs), which the other work on a shared machine disturbs less.",
        "- floor: `SELECT customer_id, max(date), count(DISTINCT invoice_id), sum(amount) ... GROUP BY 1` on the "
        "CSV (`count(DISTINCT invoice_date)` for distinct days, on a file without invoice_id), fetched to numpy; "
        "nothing scored or written.",
        "- ours: `python -m segmentation rfm FILE --id customer_id --date invoice_date --amount amount [--order "
        "invoice_id] --out OUT.csv`: reads with DuckDB, aggregates (exact decimal sums), scores with the "
        "tie-aware quintile thresholds, neutralises formula-like text, writes the CSV.",
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
    lines += ["", *[f"- {r['rows']:,} rows, {r['case']}: {r['check']}." for r in results], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the rfm command.")
    parser.add_argument("--rows", type=int, action="append", help="transaction rows (repeatable; default 1M)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--install-lifetimes", action="store_true", help="make bench/data/lifetimes-venv first")
    parser.add_argument("--lifetimes-max-rows", type=int, default=5_000_000)
    parser.add_argument("--case", choices=tuple(CASES), action="append",
                        help="orders (invoice ids) or days (no order column); repeatable, default both")
    parser.add_argument("--run-floor", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--run-pandas", nargs=2, metavar=("FILE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--run-lifetimes", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    case = (args.case or ["orders"])[0]
    if args.run_floor:
        run_floor(args.run_floor, case)
        return 0
    if args.run_pandas:
        return run_pandas(*args.run_pandas, case) or 0
    if args.run_lifetimes:
        return run_lifetimes(args.run_lifetimes) or 0

    if args.install_lifetimes and _lifetimes_python() is None:
        _install_lifetimes()
    lifetimes = _lifetimes_python()
    # As an install would: compiled modules, so no run pays for compiling ours (PYTHONDONTWRITEBYTECODE may be set).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "segmentation")], check=True)
    results = []
    for rows in args.rows or [1_000_000]:
        for case in args.case or list(CASES):
            result = bench(rows, case, repeat=args.repeat, lifetimes=lifetimes,
                           lifetimes_max_rows=args.lifetimes_max_rows)
            print(result, flush=True)
            results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(results, lifetimes=lifetimes, repeat=args.repeat), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
