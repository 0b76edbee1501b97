"""`inspect FILE [--sheet NAME] [--kind KIND]`: how the file is read and what its columns are, as JSON.

Without --kind the kind of table is detected (`tables.detect_kind`): a transactions table has a
date, an amount and customer ids that repeat; an events table has a date or timestamp and
repeating ids but no amount; anything else is a customers table. The JSON says which kind was
assumed ("kind", "kind_detected", "kind_reason"); --kind overrides it. The roles are those every
other command (and the app) then uses: the file goes through the same `Dataset` steps.
"""

from __future__ import annotations

import json
import sys

# The kinds of table (`tables.KINDS`), spelt out: building the parser must not import the readers.
KINDS = ("customers", "transactions", "events")

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("inspect", help="show how a file is read and what its columns are")
    parser.add_argument("file")
    parser.add_argument("--sheet", default=None,
                        help="workbook sheet to read (default: the first that looks like a table)")
    parser.add_argument("--kind", choices=KINDS, default=None,
                        help="what the table holds (default: detected from its columns)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..dataset import Dataset, read_file
    from ..sources import source_of
    from ..tables import detect_kind

    table = read_file(source_of(args), sheet=args.sheet)
    if args.kind is None:
        kind, reason = detect_kind(table.frame)
        reason += " Pass --kind to say otherwise."
    else:
        kind, reason = args.kind, "given with --kind"
    data = Dataset.read(**{kind: table})
    # A subscriptions export given as customers is rolled up: its customers table is what the commands use.
    read = data.tables.get(kind) or data.tables["customers"]
    roles = data.roles.get(kind) or data.roles["customers"]
    report = {
        "file": table.name,
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "decimal": table.decimal,
        "sheet": table.sheet,
        "sheets": list(table.sheets),
        "header_row": table.header_row,
        "date_formats": dict(table.date_formats),
        "date_orders": dict(table.date_orders),
        "ambiguous_dates": list(table.ambiguous_dates),
        "rows": len(table.frame),
        "kind": kind,
        "kind_detected": args.kind is None,
        "kind_reason": reason,
        "customers_from": data.customers_from,
        "columns": [
            {**col, "dtype": str(read.frame[col["name"]].dtype)} for col in roles.to_dict()["columns"]
        ],
        "roles": dict(roles.roles),
        "outcome_kind": roles.outcome_kind,  # what the outcome measures: churn, conversion, response, other
        "missing_roles": list(data.missing_roles(kind if kind in data.roles else "customers")),
        "notes": list(dict.fromkeys((*table.notes, *read.notes))),
    }
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    return 0
