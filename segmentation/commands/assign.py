"""`assign RECIPE.json FILE --out OUT.csv`: score a newer export with saved segments (no refit).

FILE is a customers table, or a transactions table for an RFM recipe; ids are written
exactly as in the file. FILE may be a folder of Parquet files or a database URL with --table / --query: its
rows are read into memory and scored (at most 5,000,000). `--transactions` / `--events` add the purchase and activity
features a recipe built on them needs.
"""

from __future__ import annotations

import sys
from pathlib import Path



def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("assign", help="score customers with a saved segment recipe")
    add_recipe_arguments(parser)
    parser.add_argument("--out", default=None, help="CSV to write: customer id, segment, scores, variables")
    parser.add_argument("--workspace", default=None, metavar="NAME",
                        help="add the result to this saved workspace's history as a dated snapshot (a nightly "
                             "job keeps the history); created from the recipe when there is none of that name")
    parser.add_argument("--store", default=None, help="the workspace store: a DuckDB file or postgresql:// URL "
                                                      "(default: $SEGMENTATION_STORE, else "
                                                      ".streamlit/workspaces.duckdb)")
    parser.set_defaults(func=run)


def add_recipe_arguments(parser) -> None:
    """The arguments `assign` and `export` share."""
    parser.add_argument("recipe", help="segment recipe (JSON) saved from the app or a method's --recipe")
    parser.add_argument("file", help="newer export: customers (or, for RFM, transactions) CSV/XLSX/Parquet")
    parser.add_argument("--sheet", default=None, help="workbook sheet to read (default: the first with data)")
    parser.add_argument("--id", dest="id_column", default=None, help="customer id column (default: detected)")
    parser.add_argument("--transactions", default=None, help="transactions file, when the recipe needs purchases")
    parser.add_argument("--events", default=None, help="events file, when the recipe needs activity")
    parser.add_argument("--as-of", default=None, help="as-of date for recency (default: day after the last row)")


def prepare(args):
    """(segmentation with labels for FILE, action plan, prepared table); see `prepare_export`."""
    return prepare_export(args)[:3]


def prepare_export(args):
    """(segmentation with labels for FILE, action plan, prepared table, the export read) from the arguments.

    FILE is read as the Track page reads a newer export (`dataset.read_newer_export`): its kind is
    detected, a subscriptions export is rolled up, an orders or events export gives its distinct ids
    as the customers, and the rows without a customer id are counted in the notes."""
    from dataclasses import replace

    from ..dataset import read_newer_export
    from ..errors import DataError
    from ..export import load_recipe
    from ..sources import source_of

    try:
        text = Path(args.recipe).read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read the recipe '{args.recipe}': {exc.strerror or exc}.") from None
    segmentation, plan = load_recipe(text)
    # A database table or a folder (--table / --query) is read whole: each of its rows is scored here.
    export = read_newer_export(source_of(args), transactions=args.transactions, events=args.events, sheet=args.sheet)
    for note in export.notes:
        print(f"note: {note}", file=sys.stderr)
    labels, prepared = export.score(segmentation, id_column=args.id_column, as_of=args.as_of)
    # Scores belong to the fit; a recipe re-applied to new data carries the labels and variables.
    scored = replace(segmentation, labels=labels, scores=None)
    return scored, plan, prepared, export


def run(args) -> int:
    from ..errors import DataError
    from ..export import assignments_csv

    if args.out is None and args.workspace is None:
        raise DataError("Say where the result goes: --out FILE.csv, --workspace NAME, or both.")
    segmentation, plan, prepared, export = prepare_export(args)
    for note in prepared.notes:
        print(note, file=sys.stderr)
    counts = ", ".join(f"{name} {count:,}" for name, count in segmentation.sizes.items() if count)
    if args.out is not None:
        data = assignments_csv(prepared.frame, segmentation, id_name=prepared.id_name, bom=False)
        Path(args.out).write_bytes(data)
        print(f"Wrote {len(segmentation.labels):,} customers to {args.out}: {counts}.", file=sys.stderr)
    if args.workspace is not None:
        snapshot, store = _snapshot(args, segmentation, plan, prepared, export)
        print(f"Added the snapshot of {snapshot.taken_at:%Y-%m-%d} ({len(snapshot.frame):,} customers) to "
              f"workspace {args.workspace!r} in {store.describe()}.", file=sys.stderr)
    return 0


def _snapshot(args, segmentation, plan, prepared, export):
    """Append the scoring to the workspace's history (`history.record_snapshot`, as the Track page does)."""
    from ..history import record_snapshot
    from ..store import Workspace, open_store

    store = open_store(args.store)
    info = store.find(args.workspace)
    if info is None:
        # A nightly job may start the history: the workspace holds the recipe's segments and plan.
        info = store.save(Workspace(name=args.workspace, segmentation=replace_labels(segmentation),
                                    action_plan=plan))
        print(f"note: created workspace {args.workspace!r} from {args.recipe}.", file=sys.stderr)
    from ..sources import Source, source_of

    given = source_of(args)
    sources = [given.name if isinstance(given, Source) else Path(args.file).name]
    sources += [Path(f).name for f in (args.transactions, args.events) if f]
    snapshot = record_snapshot(store, info.id, segmentation.labels, prepared, export=export,
                               segmentation=segmentation, as_of=args.as_of, source=", ".join(sources))
    return snapshot, store


def replace_labels(segmentation):
    """The recipe's segments without the newer export's labels: a workspace's labels are its own fit's."""
    import pandas as pd
    from dataclasses import replace

    return replace(segmentation, labels=pd.Series([], dtype=object, index=pd.Index([], dtype=object)))

