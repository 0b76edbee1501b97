"""`inspect FILE [--sheet NAME]`: what load_table and infer_roles found, as JSON."""

from __future__ import annotations

import json
import sys

from ..io import load_table
from ..schema import KINDS, infer_roles


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("inspect", help="show how a file is read and what its columns are")
    parser.add_argument("file")
    parser.add_argument("--sheet", default=None, help="workbook sheet to read (default: the first with data)")
    parser.add_argument("--kind", choices=KINDS, default="customers", help="what the table holds")
    parser.set_defaults(func=run)


def run(args) -> int:
    table = load_table(args.file, sheet=args.sheet)
    roles = infer_roles(table.frame, kind=args.kind)
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
        "rows": len(table.frame),
        "columns": [
            {**col, "dtype": str(table.frame[col["name"]].dtype)} for col in roles.to_dict()["columns"]
        ],
        "roles": dict(roles.roles),
        "notes": list(table.notes),
    }
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    return 0
