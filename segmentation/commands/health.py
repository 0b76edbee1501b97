"""`python -m segmentation health FILE --outcome COL --out SCORES.csv`: a health score per customer.

Fits the points model of `segmentation.health` (the app's Health score tab, the same code) on a
customers file, against its churn column: a churn flag, a status (Active / Cancelled) or a churn
date. Writes one row per customer: customer_id, health (0-100), status (healthy / watch / at risk,
or unscored when the score has no signal) and reasons (the ranges where the customer lost the most
points). With --report, a JSON report: auc, auc_low, auc_high, signal, the points per variable and
range, the calibration, and the cut-offs with how they were chosen (from the data unless --at-risk-below /
--watch-below set them). With --transactions (or events) and --as-of, the score is fitted
time-honestly: features from the activity on or before the date, churn = no activity in the
--window days after it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "health",
        help="score each customer's health 0-100 with a points model fitted against churn",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("file", metavar="FILE", help="customers, one row each: CSV, TSV, Parquet or Excel")
    parser.add_argument("--outcome", metavar="COL",
                        help="the churn column: a yes/no flag, a status or a churn date (required unless --as-of)")
    parser.add_argument("--vars", metavar="A,B,...",
                        help="columns to score on, comma-separated (default: a few usage-like numbers)")
    parser.add_argument("--id", metavar="COL", help="customer id column (default: detected)")
    parser.add_argument("--transactions", metavar="FILE", help="the customers' payments (adds recency, orders, ...)")
    parser.add_argument("--events", metavar="FILE", help="the customers' activity events")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="fit time-honestly: features from activity up to this date, churn = no activity after")
    parser.add_argument("--window", type=int, default=90, metavar="DAYS",
                        help="with --as-of: days before and after the date that say active / churned (default 90)")
    parser.add_argument("--at-risk-below", type=float, metavar="N",
                        help="at risk below this health (default: from the data, bands churning twice the average)")
    parser.add_argument("--watch-below", type=float, metavar="N",
                        help="watch below this health (default: from the data, bands churning above the average)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed of the split and bootstrap")
    parser.add_argument("--sheet", metavar="NAME", default=None, help="workbook sheet to read")
    parser.add_argument("--out", required=True, metavar="SCORES.csv", help="where to write one row per customer")
    parser.add_argument("--report", metavar="REPORT.json", help="also write the AUC, signal and points as JSON")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..dataset import Dataset, read_file
    from ..errors import DataError
    from ..health import health_from_dataset, scores_csv
    from ..sources import Source, is_source, source_of

    for path in (args.out, args.report):
        if path and not Path(path).resolve().parent.is_dir():
            raise DataError(f"Cannot write {path}: its folder does not exist.")
    if args.outcome is None and args.as_of is None:
        raise DataError("Name the churn column with --outcome COL (a yes/no flag, a status or a churn date), or "
                        "fit on activity with --transactions FILE --as-of YYYY-MM-DD.")
    if args.as_of is not None and args.transactions is None and args.events is None:
        raise DataError("--as-of needs the activity: add --transactions FILE or --events FILE.")
    if args.as_of is not None and any(is_source(getattr(args, k)) for k in ("transactions", "events") if
                                      getattr(args, k)):
        raise DataError("--as-of reads every active day of the activity, which a folder of files is not read for "
                        "(its rows are summed where they are); give --transactions or --events as one file, or "
                        "leave out --as-of.")
    date_order = getattr(args, "date_order", None)
    # FILE may be a database table or a folder (--table / --query): the customers are read in whole.
    given = source_of(args)
    files = {"customers": read_file(given, sheet=args.sheet, date_order=date_order)}
    for kind in ("transactions", "events"):
        if getattr(args, kind):
            files[kind] = read_file(getattr(args, kind), date_order=date_order)
    data = Dataset.read(**files)
    name = given.name if isinstance(given, Source) else Path(args.file).name
    if args.id:
        if args.id not in data.tables["customers"].frame.columns:
            raise DataError(f"{name} has no column {args.id!r} (given as --id).")
        data = data.with_role("customers", "customer_id", args.id)
    if data.id_column is None:
        raise DataError(f"No customer id column found in {name}; name it with --id COLUMN.")
    variables = [v.strip() for v in args.vars.split(",") if v.strip()] if args.vars else None
    try:
        score = health_from_dataset(data, outcome=args.outcome, variables=variables, as_of=args.as_of,
                                    window_days=args.window, random_state=args.seed,
                                    cutoffs=(args.at_risk_below, args.watch_below))
    except DataError as exc:
        message = str(exc)
        raise DataError(message if name in message else f"{name}: {message}") from None
    try:
        Path(args.out).write_bytes(scores_csv(score.scores, bom=False))
        if args.report:
            Path(args.report).write_text(json.dumps(score.report(), indent=2, default=str), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"Cannot write {exc.filename}: {exc.strerror}.") from None
    counts = ", ".join(f"{n:,} {status}" for status, n in score.status_counts().items())
    print(f"Wrote {len(score.scores):,} customers to {args.out} ({counts}).")
    print(score.sentence[:1].upper() + score.sentence[1:], file=sys.stderr)
    print(score.cutoffs_sentence, file=sys.stderr)
    for note in score.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
