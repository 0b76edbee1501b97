"""`python -m segmentation kmeans FILE --vars A,B[,C,D] --out OUT.csv`: K-means segments.

With a categorical variable among the chosen ones, K-prototypes runs instead (as on the Segment page):
numbers by distance, categories by matching levels; the report's "method" says which ran.

Writes one row per customer: the id column (named and written as in the file) and
`segment`. With --report, also a JSON report with k, the transforms, segment sizes and the
validation scorecard (distinct, measurable, substantial, accessible, actionable); with
--recipe, the segment recipe that assigns next month's customers the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

# outcomes.OUTCOME_KINDS, written out so that building the parser (`--help`) does not import pandas.
OUTCOME_KINDS = ("churn", "conversion", "response", "other")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "kmeans",
        help="segment customers with k-means on 2-4 variables and validate the segments",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("file", metavar="FILE", help="customers, one row each: CSV, TSV, Parquet or Excel")
    parser.add_argument("--vars", required=True, metavar="A,B[,C,D]", help="2-4 columns to segment on, comma-separated")
    parser.add_argument("--k", type=int, metavar="N",
                        help="number of segments, from 2 to one fewer than the customers (at most 20; default: "
                             "suggested by a sweep of 2-8)")
    parser.add_argument("--id", metavar="COL", help="customer id column (default: detected)")
    parser.add_argument("--sheet", metavar="NAME", default=None,
                        help="workbook sheet to read (default: the first that looks like a table)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    parser.add_argument("--outcome", metavar="COL",
                        help="KPI column for the 'actionable' check (default: churned, else converted, else the "
                             "file's outcome column, as the app picks)")
    parser.add_argument("--outcome-kind", choices=OUTCOME_KINDS, metavar="|".join(OUTCOME_KINDS),
                        help="what the outcome measures, which names its rate (default: read from its name and "
                             "values); only churn feeds churn rate and LTV")
    parser.add_argument("--revenue", metavar="COL", help="money column for each segment's share of revenue")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help="where to write id and segment per customer")
    parser.add_argument("--report", metavar="REPORT.json", help="also write k, sizes and the validation scorecard")
    parser.add_argument("--recipe", metavar="RECIPE.json", help="also save the recipe that re-applies the segments")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..dataset import Dataset, read_file
    from ..sources import source_of
    from ..errors import DataError
    from ..export import neutralise_frame
    from ..methods.kprototypes import fit_clusters
    from ..outcomes import OUTCOME_COLUMNS, outcome_choices
    from ..validation import evaluate

    # Read as the app reads an upload: MRR from ARR, outcomes (churned, converted) from a status or churn
    # date, and, for an orders or events export, the customers as its distinct ids with their purchases.
    table = read_file(source_of(args), sheet=args.sheet, date_order=getattr(args, "date_order", None))
    data = Dataset.read(table)
    name = Path(args.file).name
    if args.id:
        frame = data.tables[data.customers_from or "customers"].frame
        if args.id not in frame.columns:
            raise DataError(f"The id column {args.id!r} is not in {name}.")
        data = data.with_role(data.customers_from or "customers", "customer_id", args.id)
    if not data.has_customers or data.id_column is None:
        raise DataError(f"No customer id column found in {name}; name it with --id COLUMN.")
    for note in data.tables["customers"].notes:
        if "MRR" in note or "mrr" in note:
            print(f"note: {note}", file=sys.stderr)
    if data.customers_from in data.tables:
        # What preparing the purchases did and set apart (quantity x unit price, refunds, returns), as `rfm` says.
        for note in data.tables[data.customers_from].notes:
            if note not in table.notes:
                print(f"note: {note}", file=sys.stderr)
    mapped = data.roles["customers"].get("outcome")
    if args.outcome_kind and args.outcome in (None, mapped, *OUTCOME_COLUMNS):
        # The kind of the file's outcome, as the Data page's "Outcome kind" box sets it: a response is the
        # table's `outcome`, never `churned`.
        if mapped is None:
            raise DataError(f"{name} has no outcome column to give --outcome-kind to; name it with --outcome COL.")
        data = data.with_outcome_kind(args.outcome_kind)
    built = data.customer_table()
    frame = built.frame
    variables = [v.strip() for v in args.vars.split(",") if v.strip()]
    missing = [v for v in variables if v not in frame.columns]
    if missing and data.customers_from:
        raise DataError(
            f"{name} holds {data.customers_from} (several rows per customer), and K-means needs one row per "
            f"customer: its customer table has {', '.join(map(str, frame.columns))}, not "
            f"{', '.join(map(repr, missing))}. Run `rfm` on it, use those columns, or load the customers file.")
    if args.k is not None:
        _check_k(args.k, customers=len(frame))
    roles = data.roles["customers"]
    categories = {c.name: c.category for c in roles.columns if c.name in variables and c.category}
    id_column = data.id_column
    # The table is indexed by the ids; named after the file's column, the recipe records where they came from.
    frame = frame.rename_axis(id_column)
    seg = fit_clusters(frame, variables, k=args.k, random_state=args.seed, categories=categories,
                       id_column=id_column)

    import pandas as pd

    # Ids, the id header and names that a spreadsheet would run as formulas come out as inert text.
    out = neutralise_frame(pd.DataFrame({id_column: seg.labels.index.astype(str).to_numpy(dtype=object),
                                         "segment": seg.labels.to_numpy(dtype=object)}))
    out.to_csv(args.out, index=False)
    print(f"Wrote {len(out):,} customers in {len(seg.segments)} segments to {args.out}.")
    for size_name, size in seg.sizes.items():
        print(f"  {size_name}: {size:,}")
    for note in (*built.notes, *seg.notes):
        print(f"note: {note}", file=sys.stderr)

    if args.report:
        # The outcome and the revenue the app picks by default: churn, else conversion, else the file's outcome
        # (a campaign response); MRR, else monetary.
        choices = outcome_choices(frame, roles)
        outcome = args.outcome or next(iter(choices), None)
        kind = args.outcome_kind or choices.get(outcome) or (roles.outcome_kind if outcome == mapped else None)
        revenue = args.revenue or roles.get("mrr") or ("monetary" if "monetary" in frame.columns else None)
        for option, column in (("--outcome", outcome), ("--revenue", revenue)):
            if column is not None and column not in frame.columns:
                raise DataError(f"{name} has no column {column!r} (given as {option}).")
        validation = evaluate(frame, seg, outcome=outcome, revenue=revenue, random_state=args.seed,
                              id_column=id_column, outcome_kind=kind)
        report = {
            "file": str(args.file),
            "method": seg.method,
            "k": int(seg.params["k"]),
            "variables": list(seg.variables),
            "transforms": dict(seg.state["transforms"]),
            "segments": {segment: int(size) for segment, size in seg.sizes.items()},
            "outcome": outcome,
            "outcome_kind": validation["actionable"].figures.get("outcome_kind"),
            "revenue": revenue,
            "validation": validation.to_dict(),
            "segment_rules": dict(validation.segment_rules),
            "tree_accuracy": validation.tree_accuracy,
            "notes": list(seg.notes) + list(validation.notes),
        }
        if "sweep" in seg.state:
            report["sweep"] = seg.state["sweep"]
        Path(args.report).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print("Scorecard: " + ", ".join(f"{criterion} {verdict}" for criterion, verdict in validation.verdicts.items()))
    if args.recipe:
        Path(args.recipe).write_text(seg.to_json(), encoding="utf-8")
    return 0


def _check_k(k: int, *, customers: int) -> None:
    """The k the library's sweep allows: 2 to MAX_K, and fewer segments than customers (below that,
    segments of one customer each say nothing, and the validation scores cannot be computed)."""
    from ..errors import DataError
    from ..methods.kmeans import MAX_K, MIN_CUSTOMERS

    if customers < MIN_CUSTOMERS:
        return  # fit_kmeans says there are too few customers, which is the real problem
    largest = min(MAX_K, customers - 1)
    if not 2 <= k <= largest:
        raise DataError(f"--k {k} does not fit: {customers} customers allow between 2 and {largest} segments "
                        f"(fewer segments than customers, at most {MAX_K}); choose k in that range, or leave --k "
                        f"out to have one suggested.")
