"""`python -m segmentation cohorts FILE [--id COL] [--date COL] [--amount COL] --out OUT.csv`

Writes the cohort table in long form, one row per cohort and period of life:
cohort, period, customers, revenue (with --amount or --metric revenue), retention (share of
period 0: customers, or revenue with --metric revenue). With --split COL a `group` column comes
first. --id and --date left out are found from the column names as the app does; so is the
amount for --metric revenue without --amount (else quantity x unit price). The columns used
are named on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import DataError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "cohorts",
        help="cohort retention table (long form) from a transactions file",
        description="Write the cohort retention table (long form) from a transactions file.",
    )
    parser.add_argument("file", help="transactions file: CSV, TSV, XLSX or Parquet")
    parser.add_argument("--id", dest="customer_id", metavar="COL",
                        help="customer id column (default: found from the names)")
    parser.add_argument("--date", metavar="COL",
                        help="transaction or invoice date column (default: found from the names)")
    parser.add_argument("--amount", metavar="COL", help="amount column (adds revenue)")
    parser.add_argument("--metric", choices=("logo", "revenue"), default="logo",
                        help="retention of customers (logo, default) or of revenue (uses --amount, else the amount "
                             "column found from the names, else quantity x unit price)")
    parser.add_argument("--period", choices=("month", "quarter"), default="month", help="cohort and period unit")
    parser.add_argument("--split", metavar="COL", help="column to split cohorts by (e.g. plan)")
    parser.add_argument("--as-of", metavar="DATE", help="last date observed (default: the latest date in the file)")
    parser.add_argument("--sheet", help="sheet to read from a workbook")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write the CSV ('-' for stdout)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..cohorts import cohort_table, period_labels
    from ..export import neutralise_frame
    from ..io import load_table
    from .rfm import infer_columns

    table = load_table(Path(args.file), sheet=args.sheet, date_order=getattr(args, "date_order", None))
    frame = table.frame
    for option, column in (("--id", args.customer_id), ("--date", args.date), ("--amount", args.amount),
                           ("--split", args.split)):
        if column and column not in frame.columns:
            raise DataError(
                f"{args.file}: there is no column '{column}' (given as {option}); "
                f"columns are: {', '.join(map(str, frame.columns))}."
            )
    customer_id, date, amount = args.customer_id, args.date, args.amount
    wanted = {"id": customer_id, "date": date}
    if args.metric == "revenue":
        wanted["amount"] = amount
    if not all(wanted.values()):
        frame, found = infer_columns(table, wanted, file=args.file, required=tuple(wanted))
        customer_id, date, amount = found["id"], found["date"], found.get("amount", amount)
    try:
        cohorts = cohort_table(frame, customer_id=customer_id, date=date, amount=amount,
                               period=args.period, split=args.split, as_of=args.as_of)
    except DataError as exc:
        raise DataError(f"{args.file}: {exc}") from exc
    long = cohorts.table
    out = long[[c for c in ("group", "cohort", "period", "customers") if c in long]].copy()
    out["cohort"] = period_labels(long["cohort"], args.period).to_numpy()
    if amount:
        out["revenue"] = long["revenue"].round(2)
    out["retention"] = (long["revenue_retention"] if args.metric == "revenue" else long["retention"]).round(6)
    out = neutralise_frame(out)  # group labels come from the file: keep them inert in a spreadsheet
    if args.out == "-":
        out.to_csv(sys.stdout, index=False)
    else:
        out.to_csv(args.out, index=False)
        print(f"wrote {len(out)} rows ({cohorts.n_cohorts} cohorts) to {args.out}", file=sys.stderr)
    return 0
