"""`python -m segmentation cohorts FILE [--id COL] [--date COL] [--amount COL] --out OUT.csv`

Writes the cohort table in long form, one row per cohort and period of life:
cohort, period, customers, revenue (when the file has amounts), retention (share of period 0:
customers, or revenue with --metric revenue), complete (true/false). With --split COL a `group`
column comes first.

A period is complete only when the data covers it to its last day: a file ending on 2011-12-09
leaves 2011-12 complete = false (its figures count only the days covered, and it is not churn).
Churn is right-censored: a customer counts as churned after a period only once the whole next
period is covered and they did not come back in it. Signup dates alone (no churn date, no
payments or activity) are refused: retention would be 100% by construction.
FILE is read as the app reads it (`Dataset`): a transactions or events export gives cohorts by
first payment or activity, a customers file by signup month (to the churn date). --id, --date
and --amount left out are found from the column names as the app does; the columns used are
named on stderr.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "cohorts",
        help="cohort retention table (long form) from a transactions, events or customers file",
        description="Write the cohort retention table (long form) from a transactions, events or customers file.",
        epilog="A period is complete only when the data covers it to its last day (e.g. a file ending on 2011-12-09 "
               "leaves 2011-12 incomplete): the column `complete` says so, and an incomplete period is not churn. "
               "A customer counts as churned after a period only once the whole next period is covered and they did "
               "not come back in it (right-censoring near the as-of date). A customers file with signup dates but no "
               "churn date and no payments or activity is refused: its retention would be 100% by construction.",
    )
    parser.add_argument("file", help="transactions, events or customers file: CSV, TSV, XLSX or Parquet")
    parser.add_argument("--id", dest="customer_id", metavar="COL",
                        help="customer id column (default: found from the names)")
    parser.add_argument("--date", metavar="COL",
                        help="transaction, event or signup date column (default: found from the names)")
    parser.add_argument("--amount", metavar="COL", help="amount column (adds revenue)")
    parser.add_argument("--metric", choices=("logo", "revenue"), default="logo",
                        help="retention of customers (logo, default) or of revenue (uses --amount, else the amount "
                             "column found from the names, else quantity x unit price)")
    parser.add_argument("--period", choices=("month", "quarter"), default="month", help="cohort and period unit")
    parser.add_argument("--split", metavar="COL", help="column to split cohorts by (e.g. plan)")
    parser.add_argument("--as-of", metavar="DATE",
                        help="last date observed (default: the latest date in the file); the period holding it is "
                             "complete only when DATE is its last day")
    parser.add_argument("--sheet", help="sheet to read from a workbook")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write the CSV ('-' for stdout)")
    parser.set_defaults(func=run)
    return parser


# Option -> the role it names, per kind of table.
_ROLES = {
    "transactions": {"customer_id": "customer_id", "date": "transaction_date", "amount": "amount"},
    "events": {"customer_id": "customer_id", "date": "event_date"},
    "customers": {"customer_id": "customer_id", "date": "signup_date", "amount": "mrr"},
}


def run(args: argparse.Namespace) -> int:
    from ..cohorts import period_labels
    from ..dataset import Dataset, read_file
    from ..sources import source_of
    from ..errors import DataError
    from ..export import neutralise_frame
    from ..tables import detect_kind

    table = read_file(source_of(args), sheet=args.sheet, date_order=getattr(args, "date_order", None))
    frame = table.frame
    given = {"customer_id": args.customer_id, "date": args.date, "amount": args.amount}
    for option, column in (*given.items(), ("split", args.split)):
        if column and column not in frame.columns:
            flag = "--" + option.replace("customer_", "")
            raise DataError(f"{args.file}: there is no column '{column}' (given as {flag}); "
                            f"columns are: {', '.join(map(str, frame.columns))}.")
    kind, _ = detect_kind(frame)
    if kind == "customers" and args.date and args.customer_id:
        # Named columns beat the guess: an id and a date per row are purchases or events.
        kind = "transactions" if args.amount else "events"
    data = Dataset.read(**{kind: table})
    source_kind = kind if kind in data.roles else "customers"
    wanted = {_ROLES[source_kind][option]: column for option, column in given.items()
              if column and option in _ROLES[source_kind]}
    data = data.with_roles(source_kind, wanted)
    used = data.roles[source_kind]
    found = [f"--{option.replace('customer_', '')} {used.get(role)!r}" for option, role in _ROLES[source_kind].items()
             if not given[option] and used.get(role)]
    notes = [f"using {', '.join(found)} of {args.file}."] if found else []
    # What preparing the file did (quantity x unit price, refunds, failed charges) and the rows without an id.
    notes += [note for kind_read, read in data.tables.items() for note in read.notes
              if note not in table.notes and (kind_read != "customers" or "have no customer id" in note
                                              or "most frequent" in note)]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.metric == "revenue" and data.activity() is not None and data.activity().amount is None:
        raise DataError(f"{args.file}: cannot tell which column holds the amount paid; pass --amount COL "
                        f"(columns are: {', '.join(map(str, frame.columns))}).")
    if kind in ("transactions", "events") and data.activity() is None:
        missing = data.missing_roles(kind)
        option = "--id" if "customer_id" in missing else "--date"
        raise DataError(f"{args.file}: cannot tell which column holds the {missing[0].replace('_', ' ')}; pass "
                        f"{option} COL (columns are: {', '.join(map(str, frame.columns))}).")
    try:
        cohorts = data.cohorts(period=args.period, split=args.split, as_of=args.as_of)
    except DataError as exc:
        message = str(exc)
        raise DataError(message if str(args.file) in message else f"{args.file}: {message}") from None
    for note in cohorts.notes:  # e.g. signup months counted back from a tenure in months
        print(f"note: {note}", file=sys.stderr)
    long = cohorts.table
    out = long[[c for c in ("group", "cohort", "period", "customers") if c in long]].copy()
    out["cohort"] = period_labels(long["cohort"], args.period).to_numpy()
    if (args.amount or args.metric == "revenue") and "revenue" in long:
        out["revenue"] = long["revenue"].round(2)
    out["retention"] = (long["revenue_retention"] if args.metric == "revenue" else long["retention"]).round(6)
    out["complete"] = long["complete"].map({True: "true", False: "false"})
    for note in cohorts.notes:  # the incomplete period, small cohorts: what the page says above its charts
        print(f"note: {note}", file=sys.stderr)
    out = neutralise_frame(out)  # group labels come from the file: keep them inert in a spreadsheet
    if args.out == "-":
        out.to_csv(sys.stdout, index=False)
    else:
        out.to_csv(args.out, index=False)
        print(f"wrote {len(out)} rows ({cohorts.n_cohorts} cohorts) to {args.out}", file=sys.stderr)
    return 0
