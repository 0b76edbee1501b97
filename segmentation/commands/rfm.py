"""`python -m segmentation rfm FILE [--id COL] [--date COL] [--amount COL] --out OUT.csv`: RFM segments.

Writes one row per customer (customer_id, recency_days, frequency, monetary, r, f, m,
segment), ids exactly as in the file, and with --recipe the segment recipe (JSON) that
re-applies the same thresholds and grid to next month's export. With --id, --date and
--amount given, a plain CSV or Parquet file is read and aggregated by DuckDB directly and a
messy one goes through `segmentation.io`. A column left out is found from the file's column
names as the app does (the order id too, when --order is not given); a file without an amount
column but with quantity and unit price columns gets amount = quantity x unit price. The
columns used are named on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

OUTPUT_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "rfm",
        help="score customers 1-5 on recency, frequency and monetary value and name their segments",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("file", metavar="FILE", help="transactions: CSV, TSV, Parquet or Excel")
    parser.add_argument("--id", metavar="COL", help="column with the customer id (default: found from the names)")
    parser.add_argument("--date", metavar="COL", help="column with the purchase date (default: found from the names)")
    parser.add_argument("--amount", metavar="COL",
                        help="column with the amount paid (default: found from the names, else quantity x unit price)")
    parser.add_argument("--order", metavar="COL", help="column with the order or invoice id (else: purchase days; "
                        "found from the names when another column is)")
    parser.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="measure recency at this date (default: the day after the last purchase)",
    )
    parser.add_argument("--sheet", metavar="NAME", default=None,
                        help="workbook sheet to read (default: the first that looks like a table)")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write one row per customer")
    parser.add_argument("--recipe", metavar="RECIPE.json", help="also save the thresholds and grid as a recipe")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..errors import DataError
    from ..export import neutralise_frame
    from ..queries.customers import write_csv
    from ..methods.rfm import fit_rfm, rfm_inputs

    given = {"id": args.id, "date": args.date, "amount": args.amount, "order": args.order}
    if not Path(args.out).resolve().parent.is_dir():
        raise DataError(f"Cannot write {args.out}: its folder does not exist.")
    plain = not (args.sheet or getattr(args, "date_order", None) or args.table or args.query or "://" in args.file
                 or Path(args.file).is_dir() or any(ch in args.file for ch in "*?["))
    if args.id and args.date and args.amount and plain:
        # Every column named and nothing to decide about how to read: DuckDB reads a plain file directly,
        # with the definitions of the customer table (queries/customers.py).
        try:
            inputs = rfm_inputs(args.file, customer_id=args.id, date=args.date, amount=args.amount,
                                order_id=args.order, as_of=args.as_of)
        except DataError as exc:
            message = str(exc)
            raise DataError(message if str(args.file) in message else f"{args.file}: {message}") from None
        notes = _rows_without_id(inputs.attrs.get("rows_without_id", 0), args.file, args.id)
        notes += [inputs.attrs["returns"]] if inputs.attrs.get("returns") else []
        as_of = inputs.attrs.get("as_of")
    else:
        inputs, notes, as_of = _through_dataset(args, given)
    seg = fit_rfm(inputs)
    out = inputs.join(seg.scores[["r", "f", "m"]]).sort_index()  # the same order whichever way it was read
    # Days, counts and scores are whole numbers; a customer without purchases has none (empty, not NaN).
    out = out.astype({c: "Int64" for c in ("recency_days", "frequency", "r", "f", "m")})
    out["segment"] = seg.labels
    # Ids and names that a spreadsheet would run as formulas (=, +, -, @) come out as inert text.
    out = neutralise_frame(out.rename_axis("customer_id").reset_index()[list(OUTPUT_COLUMNS)])
    try:
        write_csv(out, args.out)
    except Exception as exc:  # duckdb.Error, e.g. no permission; the CLI turns DataError into one line
        raise DataError(f"Cannot write {args.out}: {exc}") from None
    if args.recipe:
        Path(args.recipe).write_text(seg.to_json(as_of=as_of), encoding="utf-8")
    print(f"Wrote {len(out):,} customers to {args.out} (as of {as_of}).")
    for note in (*notes, *seg.notes):
        print(f"note: {note}", file=sys.stderr)
    return 0


# Option -> the transactions role it names.
_ROLES = {"id": "customer_id", "date": "transaction_date", "amount": "amount", "order": "order_id"}


def _through_dataset(args: argparse.Namespace, given: dict[str, str | None]):
    """(recency/frequency/monetary per customer, notes, as-of date) as the app computes them: the file read
    as a transactions export by `Dataset`, the columns named on the command line put over the guess."""
    from ..dataset import Dataset, read_file
    from ..sources import source_of
    from ..errors import DataError
    from ..roles import infer_roles
    from ..tables import detect_kind

    table = read_file(source_of(args), sheet=args.sheet, date_order=getattr(args, "date_order", None))
    listing = ", ".join(map(str, table.frame.columns))
    for option, column in given.items():
        if column and column not in table.frame.columns:
            raise DataError(f"{args.file} has no column {column!r} (given as --{option}); columns are: {listing}")
    kind, reason = detect_kind(table.frame)
    # One row per customer is a customers file, as the app reads it (a subscriptions export rolls up into
    # monthly MRR, which RFM uses), unless the user named the purchase date or a column is one ("order_date"),
    # not the signup date a customers file has.
    dated = infer_roles(table.frame, kind="transactions").get("transaction_date")
    signup = infer_roles(table.frame, kind="customers").get("signup_date")
    as_customers = kind == "customers" and not given["date"] and (dated is None or dated == signup)
    data = Dataset.read(**{"customers" if as_customers else "transactions": table})
    if "transactions" not in data.tables:
        raise DataError(f"{args.file} holds one row per customer ({reason.rstrip('.')}), not purchases: RFM needs a "
                        "transactions, orders or invoices export with a customer id, a date and an amount. Use "
                        "`kmeans` on a customers file, or name the columns with --id, --date and --amount.")
    data = data.with_roles("transactions", {_ROLES[o]: c for o, c in given.items() if c})
    roles = data.roles["transactions"]
    missing = data.missing_roles("transactions")
    if missing:
        option = next(o for o, role in _ROLES.items() if role == missing[0])
        raise DataError(f"{args.file}: cannot tell which column holds the {missing[0].replace('_', ' ')}; pass "
                        f"--{option} COL (columns are: {listing}).")
    found = [f"--{option} {roles.get(role)!r}" for option, role in _ROLES.items()
             if not given[option] and roles.get(role)]
    notes = [f"using {', '.join(found)} of {args.file}."] if found else []
    notes += [note for note in data.tables["transactions"].notes if note not in table.notes]
    notes += [note for note in data.tables["customers"].notes
              if "have no customer id" in note or "most frequent" in note]  # rows left out, attributes merged
    built = data.customer_table(as_of=args.as_of)
    notes += list(built.notes)
    inputs = built.frame[["recency_days", "frequency", "monetary"]]
    as_of = built.as_of.strftime("%Y-%m-%d") if built.as_of is not None else None
    return inputs, notes, as_of


def _rows_without_id(count: int, file: str, column: str) -> list[str]:
    return [f"{count:,} rows of {file} have no customer id in '{column}' and are left out."] if count else []
