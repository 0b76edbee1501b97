"""`export RECIPE.json FILE --xlsx OUT.xlsx [--csv OUT.csv]`: the workbook for a newer export.

Scores FILE with the saved segments (as `assign` does), then writes one XLSX with the
assignments, the segment profiles, the validation scorecard (when it can be computed) and
the action plan saved in the recipe; `--csv` also writes the assignments as CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .assign import add_recipe_arguments, prepare


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write the XLSX workbook (and CSV) for a file scored by a recipe")
    add_recipe_arguments(parser)
    parser.add_argument("--xlsx", required=True, help="workbook to write")
    parser.add_argument("--csv", default=None, help="also write the assignments as CSV")
    parser.add_argument("--no-validation", action="store_true", help="skip the validation sheet (faster)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..export import assignments_csv, workbook
    from ..profiles import kpi_columns, profile, rules_in_words
    from ..roles import infer_roles

    segmentation, plan, prepared = prepare(args)
    frame = prepared.frame
    roles = infer_roles(frame, kind="customers")
    kpis = kpi_columns(frame, roles)  # the KPI columns the app would find
    profiles = profile(frame, segmentation, **kpis)
    validation = None
    if not args.no_validation:
        validation = _validation(frame, segmentation, id_name=prepared.id_name, roles=roles)
    if validation is not None:
        profiles = profile(frame, segmentation, rules=rules_in_words(segmentation, validation), **kpis)
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


def _validation(frame, segmentation, *, id_name: str, roles=None):
    """The scorecard on the newer data; a criterion that cannot be computed must not stop the export.

    The prepared table is indexed by customer id, while a recipe fitted on the file names the
    id column (`params["id_column"]`); naming the index after that column lets the scorecard,
    and the refits behind its stability figure, find the ids in either place.
    """
    try:
        from ..errors import DataError
        from ..validation import evaluate
    except ImportError:
        return None
    from ..outcomes import outcome_choices

    # The outcome the Segment page picks by default (churn, else conversion, else a response), named by its kind.
    choices = outcome_choices(frame, roles) if roles is not None else {}
    outcome = next(iter(choices), None)
    revenue = next((c for c in ("mrr", "monetary") if c in frame.columns), None)
    fitted_id = segmentation.params.get("id_column")
    names = (fitted_id, id_name, frame.index.name, "customer id")
    id_column = next((n for n in names if isinstance(n, str) and n not in frame.columns), "__customer_id__")
    try:
        return evaluate(frame.rename_axis(id_column), segmentation, outcome=outcome, revenue=revenue,
                        id_column=id_column, outcome_kind=choices.get(outcome))
    except DataError as exc:
        print(f"note: no validation sheet ({exc})", file=sys.stderr)
        return None
