"""`python -m segmentation rfm FILE --id COL --date COL --amount COL --out OUT.csv`: RFM segments.

Writes one row per customer (customer_id, recency_days, frequency, monetary, r, f, m,
segment), ids exactly as in the file, and with --recipe the segment recipe (JSON) that
re-applies the same thresholds and grid to next month's export. A plain CSV or Parquet file
is read and aggregated by DuckDB directly; a messy one goes through `segmentation.io`.
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
    parser.add_argument("--id", required=True, metavar="COL", help="column with the customer id")
    parser.add_argument("--date", required=True, metavar="COL", help="column with the purchase date")
    parser.add_argument("--amount", required=True, metavar="COL", help="column with the amount paid")
    parser.add_argument("--order", metavar="COL", help="column with the order or invoice id (else: purchase days)")
    parser.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="measure recency at this date (default: the day after the last purchase)",
    )
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write one row per customer")
    parser.add_argument("--recipe", metavar="RECIPE.json", help="also save the thresholds and grid as a recipe")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    import duckdb

    from ..errors import DataError
    from ..queries.customers import write_csv
    from ..export import neutralise_frame
    from ..rfm import fit_rfm, rfm_inputs

    inputs = rfm_inputs(
        args.file, customer_id=args.id, date=args.date, amount=args.amount, order_id=args.order, as_of=args.as_of
    )
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
