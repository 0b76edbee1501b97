"""`inspect FILE [--sheet NAME] [--kind KIND]`: what load_table and infer_roles found, as JSON.

Without --kind the kind of table is detected (`detect_kind`): a transactions table has a date,
an amount and customer ids that repeat; an events table has a date or timestamp and repeating
ids but no amount; anything else is a customers table. The JSON says which kind was assumed
("kind", "kind_detected", "kind_reason"); --kind overrides it.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# The library is imported inside the functions (the command line imports every command module to
# build its parser); the kinds are schema.KINDS, spelled out here so --help needs no pandas.
KINDS = ("customers", "transactions", "events")

__all__ = ["add_parser", "run", "detect_kind", "REPEAT_SHARE", "FILLED_SHARE"]

# Ids repeat when at least this share of the rows with an id repeat an id seen before: a
# customers export with a few duplicated rows stays a customers table.
REPEAT_SHARE = 0.05
# The customer id column of purchases or events is filled in on at least this share of the rows
# (a mostly empty column that happens to repeat names no customer).
FILLED_SHARE = 0.5
# Words that make a numeric column money paid ("Net (GBP)", "Betrag") when no column is called an amount.
_MONEY = frozenset({"amount", "net", "gross", "total", "subtotal", "revenue", "price", "paid", "value", "sales",
                    "charge", "charged", "payment", "gbp", "usd", "eur", "chf", "cad", "aud", "jpy", "betrag",
                    "umsatz", "montant", "importe"})


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("inspect", help="show how a file is read and what its columns are")
    parser.add_argument("file")
    parser.add_argument("--sheet", default=None,
                        help="workbook sheet to read (default: the first that looks like a table)")
    parser.add_argument("--kind", choices=KINDS, default=None,
                        help="what the table holds (default: detected from its columns)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..io import load_table
    from ..schema import infer_roles

    table = load_table(args.file, sheet=args.sheet)
    if args.kind is None:
        kind, reason = detect_kind(table.frame)
    else:
        kind, reason = args.kind, "given with --kind"
    roles = infer_roles(table.frame, kind=kind)
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
        "columns": [
            {**col, "dtype": str(table.frame[col["name"]].dtype)} for col in roles.to_dict()["columns"]
        ],
        "roles": dict(roles.roles),
        "notes": list(table.notes),
    }
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    return 0


def detect_kind(frame: pd.DataFrame) -> tuple[str, str]:
    """(kind, the reason in one sentence) for a table whose kind nobody said.

    transactions  a purchase date, an amount and customer ids that repeat (one row per purchase);
    events        a date or timestamp and customer ids that repeat, and no amount;
    customers     anything else (one row per customer).
    """
    from ..schema import infer_roles

    purchases = infer_roles(frame, kind="transactions")
    buyer, day = purchases.get("customer_id"), purchases.get("transaction_date")
    amount = purchases.get("amount") or _money_column(frame, exclude={buyer, day})
    if buyer and day and amount and _repeats(frame[buyer]):
        return "transactions", (f"{day!r} holds dates, {amount!r} amounts and {buyer!r} repeats "
                                f"({_ids(frame[buyer])}): one row per purchase; pass --kind to say otherwise.")
    activity = infer_roles(frame, kind="events")
    user, when = activity.get("customer_id"), activity.get("event_date")
    if user and when and amount is None and _repeats(frame[user]):
        return "events", (f"{when!r} holds dates and {user!r} repeats ({_ids(frame[user])}) with no amount: "
                          "one row per event or active day; pass --kind to say otherwise.")
    return "customers", ("No customer id repeats next to a purchase date and amount, or an event date: one row "
                         "per customer; pass --kind to say otherwise.")


def _repeats(values: pd.Series) -> bool:
    present = values.dropna()
    filled = len(present) >= FILLED_SHARE * len(values)
    return filled and len(present) > 1 and present.duplicated().mean() >= REPEAT_SHARE


def _money_column(frame: pd.DataFrame, *, exclude: set) -> str | None:
    """A numeric column named like money paid, for exports whose amount the role names miss."""
    import pandas as pd

    for column in frame.columns:
        if column in exclude or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        if pd.api.types.is_bool_dtype(frame[column]):
            continue
        if _MONEY & set(re.findall(r"[a-z]+", str(column).lower())):
            return str(column)
    return None


def _ids(values: pd.Series) -> str:
    present = values.dropna()
    return f"{present.nunique():,} ids in {len(present):,} rows"
