"""`python -m segmentation mrr FILE [--id COL --date COL --amount COL] [--split COL] [--customers FILE] --out OUT.csv`

Writes MRR and its movements per month, ChartMogul-style: month, mrr, new, expansion, contraction, churned,
reactivation (contraction and churned as MRR lost, positive; MRR(m) = MRR(m-1) + new + expansion +
reactivation - contraction - churned), then split (with --split), quick_ratio (blank when nothing was lost)
and complete (false for a month the data does not cover to its end).

FILE is read as the app reads it (`Dataset`): invoices or payments count in the month they are dated, or
spread over their service period (service start and end columns, or a billing period such as annual);
returns and refunds net against their month; a subscriptions export (one row per subscription) gives its
MRR month by month. --split names a column of the customers (--customers FILE, else the per-customer
columns of FILE). The columns used are named on stderr. FILE may be a folder of Parquet files or a database
URL with --table / --query: the MRR per customer and month is then summed in that engine.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]

# Option -> the role it names in the transactions.
_ROLES = {"customer_id": "customer_id", "date": "transaction_date", "amount": "amount"}


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "mrr",
        help="MRR movements per month (new, expansion, contraction, churned, reactivation) from invoices or "
             "a subscriptions export",
        description="Write MRR and its movements per month from an invoices, payments or subscriptions export.",
        epilog="A month is complete only when the data covers it to its last day: the column `complete` says so; "
               "in an incomplete month, customers who pay later in it show as churned so far.",
    )
    parser.add_argument("file", help="invoices, payments or subscriptions file: CSV, TSV, XLSX or Parquet")
    parser.add_argument("--id", dest="customer_id", metavar="COL",
                        help="customer id column (default: found from the names)")
    parser.add_argument("--date", metavar="COL", help="invoice or payment date column (default: found from the names)")
    parser.add_argument("--amount", metavar="COL", help="amount column (default: found from the names)")
    parser.add_argument("--split", metavar="COL", help="customers column to split the movements by (e.g. plan)")
    parser.add_argument("--customers", metavar="FILE", help="customers file whose columns --split may name")
    parser.add_argument("--as-of", metavar="DATE",
                        help="last date observed (default: the latest date in the file)")
    parser.add_argument("--sheet", help="sheet to read from a workbook")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write the CSV ('-' for stdout)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..dataset import Dataset, read_file
    from ..errors import DataError
    from ..revenue import mrr_movements
    from ..sources import source_of
    from ..tables import detect_kind

    date_order = getattr(args, "date_order", None)
    table = read_file(source_of(args), sheet=args.sheet, date_order=date_order)
    frame = table.frame
    given = {"customer_id": args.customer_id, "date": args.date, "amount": args.amount}
    for option, column in given.items():
        if column and column not in frame.columns:
            flag = "--" + option.replace("customer_", "")
            raise DataError(f"{args.file}: there is no column '{column}' (given as {flag}); "
                            f"columns are: {', '.join(map(str, frame.columns))}.")
    kind, _ = detect_kind(frame)
    if kind != "transactions" and (args.amount or (args.date and args.customer_id)):
        kind = "transactions"  # named columns beat the guess: an id, a date and an amount per row are payments
    if kind == "events":
        raise DataError(f"{args.file}: no column holds amounts, so there is no MRR to follow; pass --amount COL "
                        f"(columns are: {', '.join(map(str, frame.columns))}).")
    tables = {kind: table}
    if args.customers:
        if kind == "customers":
            raise DataError(f"{args.file} reads as a customers or subscriptions file; give the invoices as FILE and "
                            "the customers with --customers.")
        tables["customers"] = args.customers
    # A database table or a folder stays where it is: the MRR per customer-month is summed there.
    data = Dataset.read(**tables, date_order=date_order) if hasattr(table, "conn") else Dataset.from_tables(
        {k: read_file(v, date_order=date_order) if k == "customers" else v for k, v in tables.items()})
    if "transactions" in data.roles:
        wanted = {_ROLES[option]: column for option, column in given.items() if column}
        data = data.with_roles("transactions", wanted)
        used = data.roles["transactions"]
        found = [f"--{option.replace('customer_', '')} {used.get(role)!r}" for option, role in _ROLES.items()
                 if not given[option] and used.get(role)]
        if found and kind == "transactions":
            print(f"note: using {', '.join(found)} of {args.file}.", file=sys.stderr)
        if used.get("amount") is None:
            raise DataError(f"{args.file}: cannot tell which column holds the amount paid; pass --amount COL "
                            f"(columns are: {', '.join(map(str, frame.columns))}).")
        if used.missing():
            missing = used.missing()[0]
            option = "--id" if missing == "customer_id" else "--date"
            raise DataError(f"{args.file}: cannot tell which column holds the {missing.replace('_', ' ')}; pass "
                            f"{option} COL (columns are: {', '.join(map(str, frame.columns))}).")
    try:
        moves = mrr_movements(data, split=args.split, as_of=args.as_of)
    except DataError as exc:
        message = str(exc)
        raise DataError(message if str(args.file) in message else f"{args.file}: {message}") from None
    print(f"note: MRR from {moves.source}.", file=sys.stderr)
    for note in moves.notes:
        print(f"note: {note}", file=sys.stderr)
    out = movements_csv(moves)
    if args.out == "-":
        out.to_csv(sys.stdout, index=False)
    else:
        out.to_csv(args.out, index=False)
        print(f"wrote {len(out)} rows ({out['month'].nunique()} months) to {args.out}", file=sys.stderr)
    return 0


def movements_csv(moves):
    """The monthly table as the command writes it: months as YYYY-MM, money to the cent, split labels inert
    in a spreadsheet."""
    from ..export import neutralise_frame
    from ..revenue import MOVEMENTS, SPLIT

    table = moves.table
    columns = ["month", "mrr", *MOVEMENTS] + ([SPLIT] if SPLIT in table else []) + ["quick_ratio", "complete"]
    out = table[columns].copy()
    out["month"] = out["month"].dt.strftime("%Y-%m")
    for column in ("mrr", *MOVEMENTS):
        out[column] = out[column].round(2)
    out["quick_ratio"] = out["quick_ratio"].round(4)
    out["complete"] = out["complete"].map({True: "true", False: "false"})
    return neutralise_frame(out)
