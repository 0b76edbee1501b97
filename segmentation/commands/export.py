"""`export RECIPE.json FILE --xlsx OUT.xlsx [--csv OUT.csv]`: the workbook for a newer export.

Scores FILE with the saved segments (as `assign` does), then writes one XLSX with the
assignments, the segment profiles, the validation scorecard (when it can be computed) and
the action plan saved in the recipe; `--csv` also writes the assignments as CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import DataError
from ..export import assignments_csv, workbook
from ..profiles import kpi_columns, profile
from .assign import add_recipe_arguments, prepare


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write the XLSX workbook (and CSV) for a file scored by a recipe")
    add_recipe_arguments(parser)
    parser.add_argument("--xlsx", required=True, help="workbook to write")
    parser.add_argument("--csv", default=None, help="also write the assignments as CSV")
    parser.add_argument("--no-validation", action="store_true", help="skip the validation sheet (faster)")
    parser.set_defaults(func=run)


def run(args) -> int:
    segmentation, plan, prepared = prepare(args)
    frame = prepared.frame
    profiles = profile(frame, segmentation, **kpi_columns(frame))
    validation = None
    if not args.no_validation:
        validation = _validation(frame, segmentation)
    if validation is not None:
        profiles = profile(frame, segmentation, rules=getattr(validation, "segment_rules", None),
                           **kpi_columns(frame))
    data = workbook(frame, segmentation, id_name=prepared.id_name, profiles=profiles, validation=validation,
                    action_plan=plan)
    Path(args.xlsx).write_bytes(data)
    if args.csv:
        Path(args.csv).write_bytes(assignments_csv(frame, segmentation, id_name=prepared.id_name))
    for note in prepared.notes:
        print(note, file=sys.stderr)
    written = args.xlsx + (f" and {args.csv}" if args.csv else "")
    print(f"Wrote {len(segmentation.labels):,} customers in {len(segmentation.segments)} segments to {written}.",
          file=sys.stderr)
    return 0


def _validation(frame, segmentation):
    """The scorecard on the newer data; a criterion that cannot be computed must not stop the export."""
    try:
        from ..validation import evaluate
    except ImportError:
        return None
    outcome = "churned" if "churned" in frame.columns else None
    revenue = next((c for c in ("mrr", "monetary") if c in frame.columns), None)
    try:
        return evaluate(frame, segmentation, outcome=outcome, revenue=revenue)
    except DataError as exc:
        print(f"note: no validation sheet ({exc})", file=sys.stderr)
        return None
