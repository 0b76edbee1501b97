"""`python -m segmentation fit LEADS --customers CUSTOMERS --outcome COL [--transactions FILE] --out OUT.csv`

Scores a leads or trial sign-ups export by how closely each lead resembles the customers whose outcome
COL was good (converted; for a churn outcome, stayed), on the columns both files share (`leads.lead_fit`,
the app's Lead fit tab). Writes one row per lead: the lead's id (under the file's own name) when it has
one, fit (0-100), tier (hot, warm, cold, or "no signal"), likely_segment with --recipe, reasons.
--report writes auc, auc_low, auc_high, signal and the sentence saying what they mean.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "fit",
        help="score leads by their likeness to the customers who converted or stayed",
        description="Score a leads export by how closely each lead resembles the customers with a good outcome.",
        epilog="The model uses only the columns both files share (industry, employees, country, ...). When the "
               "95% interval of its out-of-sample AUC includes 0.5 the columns say nothing: no lead is ranked "
               "and every tier reads 'no signal'.",
    )
    # Named `file` so that --table / --query (cli.py) name the leads' table when LEADS is a database URL.
    parser.add_argument("file", metavar="LEADS", help="leads or trial sign-ups file: CSV, TSV, XLSX or Parquet; a "
                        "folder of Parquet files, or a database URL with --table / --query")
    parser.add_argument("--customers", required=True, metavar="FILE", help="customers export to learn from")
    parser.add_argument("--outcome", required=True, metavar="COL",
                        help="the customers' outcome column (converted to paid, churned, ...); a churn outcome "
                             "is read the other way round: good = stayed")
    parser.add_argument("--transactions", metavar="FILE", help="the customers' payments (optional)")
    parser.add_argument("--recipe", metavar="RECIPE.json",
                        help="a saved segment recipe: adds the segment each lead would most likely join")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write the CSV ('-' for stdout)")
    parser.add_argument("--report", metavar="REPORT.json", help="write the AUC, its interval and the signal")
    parser.add_argument("--random-state", type=int, default=0, help="seed of the folds and the bootstrap")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..dataset import Dataset, read_whole
    from ..errors import DataError
    from ..export import neutralise_frame
    from ..leads import lead_fit
    from ..sources import source_of

    data = Dataset.read(customers=args.customers, transactions=args.transactions)
    segmentation = None
    if args.recipe:
        from ..result import Segmentation

        try:
            recipe = Path(args.recipe).read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"Cannot read the recipe {args.recipe}: {exc.strerror or exc}.") from None
        try:
            segmentation = Segmentation.from_recipe(recipe)
        except DataError as exc:
            raise DataError(f"{args.recipe}: {exc}") from None
        labels = segmentation.assign(data.customer_table().frame)
        segmentation = Segmentation(segmentation.method, labels, segmentation.segments, segmentation.variables)
    leads = read_whole(source_of(args))  # every lead is scored: a table or folder is read in whole
    result = lead_fit(data, leads, args.outcome, segmentation=segmentation, random_state=args.random_state)
    print(f"note: {result.sentence}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    out = result.scores.reset_index()
    if result.id_column is None:
        out = out.drop(columns="row")
    columns = [c for c in (result.id_column, "fit", "tier", "likely_segment", "reasons") if c in out.columns]
    out = neutralise_frame(out[columns])  # ids and reasons quote the file's text: inert in a spreadsheet
    if args.out == "-":
        out.to_csv(sys.stdout, index=False)
    else:
        out.to_csv(args.out, index=False)
        tiers = result.scores["tier"].value_counts()
        counted = ", ".join(f"{int(tiers[t])} {t}" for t in ("hot", "warm", "cold", "no signal") if t in tiers)
        print(f"wrote {len(out)} leads ({counted}) to {args.out}", file=sys.stderr)
    if args.report:
        Path(args.report).write_text(json.dumps(result.report(), indent=2), encoding="utf-8")
    return 0
