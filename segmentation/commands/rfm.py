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
    import duckdb

    from ..errors import DataError
    from ..export import neutralise_frame
    from ..queries.customers import write_csv
    from ..rfm import fit_rfm, rfm_inputs

    given = {"id": args.id, "date": args.date, "amount": args.amount, "order": args.order}
    date_order = getattr(args, "date_order", None)
    if args.id and args.date and args.amount:
        source, columns = args.file, given  # a plain file goes straight to DuckDB
        if args.sheet or date_order:  # ... unless it must be read a particular way
            from ..io import load_table  # only here: the plain-file path needs none of the readers

            named = {option: column for option, column in given.items() if column}
            source, _ = infer_columns(load_table(Path(args.file), sheet=args.sheet, date_order=date_order), named,
                                      file=args.file)
    else:
        from ..io import load_table

        table = load_table(Path(args.file), sheet=args.sheet, date_order=date_order)
        source, columns = infer_columns(table, given, file=args.file)
    try:
        inputs = rfm_inputs(source, customer_id=columns["id"], date=columns["date"], amount=columns["amount"],
                            order_id=columns["order"], as_of=args.as_of)
    except DataError as exc:
        if source is args.file:  # messages about a file already name it
            raise
        raise DataError(f"{args.file}: {exc}") from None
    seg = fit_rfm(inputs)
    out = inputs.join(seg.scores[["r", "f", "m"]])
    out["segment"] = seg.labels
    # Ids and names that a spreadsheet would run as formulas (=, +, -, @) come out as inert text.
    out = neutralise_frame(out.reset_index()[list(OUTPUT_COLUMNS)])
    if not Path(args.out).resolve().parent.is_dir():
        raise DataError(f"Cannot write {args.out}: its folder does not exist.")
    try:
        write_csv(out, args.out)
    except duckdb.Error as exc:  # e.g. no permission; the CLI turns DataError into one line
        raise DataError(f"Cannot write {args.out}: {exc}") from None
    if args.recipe:
        Path(args.recipe).write_text(seg.to_json(as_of=inputs.attrs.get("as_of")), encoding="utf-8")
    print(f"Wrote {len(out):,} customers to {args.out} (as of {inputs.attrs.get('as_of')}).")
    for note in seg.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


# Option -> the transactions role that fills it when the option is left out.
_ROLES = {"id": "customer_id", "date": "transaction_date", "amount": "amount", "order": "order_id"}
_WHAT = {"id": "the customer id", "date": "the purchase date", "amount": "the amount paid", "order": "the order id"}


def infer_columns(table, given: dict[str, str | None], *, file: str,
                  required: tuple[str, ...] = ("id", "date", "amount")):
    """(transactions frame, option -> column): options left out (None) filled in as the app finds roles.

    `table` is the `segmentation.io.Table` read from `file`. When the amount is left out, the frame
    is first prepared as the app does (`schema.clean_transactions`: quantity x unit price, converted
    currencies, refunds, failed charges), and the amount is the amount role of the result.
    Options outside `required` are filled in when found and stay None otherwise. Says on stderr
    which columns were used; raises DataError naming the file and the option to pass when a
    required column cannot be found.
    """
    from ..errors import DataError
    from ..schema import clean_transactions, infer_roles

    frame = table.frame
    listing = ", ".join(map(str, frame.columns))
    for option, column in given.items():
        if column and column not in frame.columns:
            raise DataError(f"{file} has no column {column!r} (given as --{option}); columns are: {listing}")
    if not given.get("amount"):
        # As the app does: amounts from quantity x price, converted currencies, refunds and failed charges.
        frame, notes = clean_transactions(frame)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    roles = infer_roles(frame, kind="transactions")
    columns, found = dict(given), []
    chosen = {column for column in given.values() if column}
    for option, column in given.items():
        if column:
            continue
        guess = roles.get(_ROLES[option])
        if guess in chosen:  # the user gave that column for another option
            guess = None
        if guess is None and option in required:
            raise DataError(f"{file}: cannot tell which column holds {_WHAT[option]}; pass --{option} COL "
                            f"(columns are: {listing}).")
        if guess is not None:
            columns[option] = guess
            found.append(f"--{option} {guess!r}")
    if found:
        print(f"note: using {', '.join(found)} of {file}.", file=sys.stderr)
    return frame, columns
