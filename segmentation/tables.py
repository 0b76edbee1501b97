"""How freshly read tables become the kinds the workbench uses: customers, transactions, events.

Every door (the Data page, Track, the command line, the notebooks) takes the same steps, through
`segmentation.dataset.Dataset`:

1. `detect_kind` says what a file holds when nobody said (one row per customer, per purchase, per event);
2. `prepare_table` cleans it for its kind: payments net of refunds and failed charges, amount =
   quantity x unit price for order lines, MRR = ARR / 12 for an annual amount;
3. `roles.infer_roles` guesses which column plays which role;
4. `roll_up_subscriptions` turns one row per subscription into one row per customer plus monthly MRR;
5. `with_customers` takes the customers from an orders or events export that came alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from .errors import DataError
from .io import Table
from .cleaning import clean_transactions, customers_from_transactions, with_derived_mrr
from .names import money_column
from .roles import RoleMap, infer_roles
from .subscriptions import Rollup, SubscriptionColumns, rollup, subscription_columns

__all__ = ["KINDS", "DATE_ROLE", "detect_kind", "prepare_table", "derived_customers", "with_customers",
           "roll_up_subscriptions", "rolled_up_export", "REPEAT_SHARE", "FILLED_SHARE"]

KINDS = ("customers", "transactions", "events")
# The date a table of each kind needs before its customer ids can stand for the customers.
DATE_ROLE = {"transactions": "transaction_date", "events": "event_date"}
# Ids repeat when at least this share of the rows with an id repeat an id seen before: a
# customers export with a few duplicated rows stays a customers table.
REPEAT_SHARE = 0.05
# The customer id column of purchases or events is filled in on at least this share of the rows
# (a mostly empty column that happens to repeat names no customer).
FILLED_SHARE = 0.5


# -- what a file holds ------------------------------------------------------------------------------
def detect_kind(frame: pd.DataFrame) -> tuple[str, str]:
    """(kind, the reason in one sentence) for a table whose kind nobody said.

    transactions  a purchase date, an amount and customer ids that repeat (one row per purchase);
    events        a date or timestamp and customer ids that repeat, and no amount;
    customers     anything else (one row per customer).
    """
    purchases = infer_roles(frame, kind="transactions")
    buyer, day = purchases.get("customer_id"), purchases.get("transaction_date")
    amount = purchases.get("amount") or money_column(frame, exclude={buyer, day})
    if amount is None and buyer and day:
        lines, _ = clean_transactions(frame)  # order lines: quantity x unit price
        amount = infer_roles(lines, kind="transactions").get("amount") if lines is not frame else None
    if buyer and day and amount and _repeats(frame[buyer]):
        return "transactions", (f"{day!r} holds dates, {amount!r} amounts and {buyer!r} repeats "
                                f"({_ids(frame[buyer])}): one row per purchase.")
    activity = infer_roles(frame, kind="events")
    user, when = activity.get("customer_id"), activity.get("event_date")
    if user and when and amount is None and _repeats(frame[user]):
        return "events", (f"{when!r} holds dates and {user!r} repeats ({_ids(frame[user])}) with no amount: "
                          "one row per event or active day.")
    return "customers", "No customer id repeats next to a purchase date and amount, or an event date: one row " \
                        "per customer."


def _repeats(values: pd.Series) -> bool:
    present = values.dropna()
    filled = len(present) >= FILLED_SHARE * len(values)
    return filled and len(present) > 1 and present.duplicated().mean() >= REPEAT_SHARE


def _ids(values: pd.Series) -> str:
    present = values.dropna()
    return f"{present.nunique():,} ids in {len(present):,} rows"


# -- cleaning per kind ------------------------------------------------------------------------------
def prepare_table(table: Table, kind: str) -> Table:
    """`table` cleaned for its kind, with a note for every change.

    transactions  the amount is the revenue of each row: quantity x unit price for order lines,
                  failed payments left out, converted currencies, refunds off (`cleaning.clean_transactions`);
    customers     an annual amount (ARR) without a monthly one gives MRR = ARR / 12.
    """
    if kind == "transactions":
        frame, notes = clean_transactions(table.frame)
        notes = tuple(notes)
    elif kind == "customers":
        frame, note = with_derived_mrr(table.frame)
        notes = () if note is None else (note,)
    else:
        return table
    return table if not notes else dataclasses.replace(table, frame=frame, notes=(*table.notes, *notes))


# -- customers from orders or events ----------------------------------------------------------------
def derived_customers(source: Table, role_map: RoleMap) -> tuple[Table, RoleMap]:
    """Without a customers file, the customers are the distinct ids of the transactions (or events)."""
    column = role_map.get("customer_id")
    if column is None:
        raise DataError(f"No column of {source.name} is recognisably the customer id, so the customers cannot be "
                        "taken from it; say which column it is (or add the customers file).")
    frame = customers_from_transactions(source.frame, customer_id=column)
    note = (f"No customers file: the {len(frame):,} customers are the distinct ids in column '{column}' of "
            f"{source.name}" + (f", with {', '.join(map(repr, frame.columns[1:]))}." if frame.shape[1] > 1 else "."))
    notes = (note,)
    for name, changed in frame.attrs.get("mostly_constant", {}).items():
        notes += (f"'{name}' changes for {changed:,} of {len(frame):,} customers in {source.name}; each keeps "
                  f"its most frequent '{name}' (the first seen on a tie).",)
    without = frame.attrs.get("rows_without_id", 0)
    if without:
        notes += (f"{without:,} of {len(source.frame):,} rows of {source.name} have no customer id in '{column}' "
                  "and are left out.",)
    table = Table(frame=frame, name=f"customers of {source.name}", format=source.format, notes=notes)
    return table, infer_roles(frame, kind="customers").with_role("customer_id", column)


def with_customers(tables: Mapping[str, Table], roles: Mapping[str, RoleMap]
                   ) -> tuple[dict[str, Table], dict[str, RoleMap], str | None]:
    """The tables with a customers table first, and the kind it was taken from (None: a customers file came).

    Without a customers file the customers are the distinct ids of the transactions, else of the events
    (whichever has a recognisable customer id, transactions first). When neither has one, no customers
    table is added: the tables load all the same, and the user picks the id column of the returned kind,
    which then gives the customers. New dicts; the inputs are not changed.
    """
    if "customers" in tables:
        return dict(tables), dict(roles), None
    kinds = [kind for kind in ("transactions", "events") if kind in tables]
    if not kinds:
        raise DataError("Load a customers file, or an orders, invoices or events export.")
    source = next((kind for kind in kinds if roles[kind].get("customer_id") is not None), kinds[0])
    if roles[source].get("customer_id") is None:
        return dict(tables), dict(roles), source
    customers, customer_roles = derived_customers(tables[source], roles[source])
    return {"customers": customers, **tables}, {"customers": customer_roles, **roles}, source


# -- one row per subscription -----------------------------------------------------------------------
def roll_up_subscriptions(tables: Mapping[str, Table], roles: Mapping[str, RoleMap]
                          ) -> tuple[dict[str, Table], dict[str, RoleMap]]:
    """The tables with a subscriptions export rolled up (new dicts; the inputs are not changed).

    A customers table (or, with no customers file, a transactions table whose dates or amounts cannot
    be found) that looks like a subscriptions export (ChartMogul, Baremetrics, Stripe, Chargebee) is
    replaced by one row per customer, and, when no transactions file came, its monthly MRR becomes the
    transactions, so that cohorts and RFM work. Raises DataError (naming the file, column and row)
    when the export cannot be rolled up.
    """
    kind, columns = _subscriptions_kind(tables, roles)
    if kind is None:
        return dict(tables), dict(roles)
    source = tables[kind]
    result = _rollup(source, columns)
    out_tables, out_roles = dict(tables), dict(roles)
    # The sheet picker belongs to the table shown under the upload's own kind.
    out_tables["customers"], out_roles["customers"] = _customers_table(source, result, columns.customer_id,
                                                                       sheets=kind == "customers")
    if kind == "transactions" or "transactions" not in tables:
        out_tables["transactions"], out_roles["transactions"] = _monthly_table(source, result, columns.customer_id,
                                                                               sheets=kind == "transactions")
    return ({k: out_tables[k] for k in KINDS if k in out_tables},
            {k: out_roles[k] for k in KINDS if k in out_roles})


def rolled_up_export(table: Table) -> tuple[tuple[Table, RoleMap], tuple[Table, RoleMap]] | None:
    """((customers, roles), (monthly MRR, roles)) of one export that is one row per subscription, or None."""
    columns = subscription_columns(table.frame, infer_roles(table.frame, kind="customers"))
    if columns is None:
        return None
    result = _rollup(table, columns)
    return (_customers_table(table, result, columns.customer_id, sheets=True),
            _monthly_table(table, result, columns.customer_id, sheets=False))


def _subscriptions_kind(tables: Mapping[str, Table], roles: Mapping[str, RoleMap]
                        ) -> tuple[str | None, SubscriptionColumns | None]:
    """Which table is a subscriptions export: the customers file, or a transactions file that is unusable as one."""
    if "customers" in tables:
        columns = subscription_columns(tables["customers"].frame, roles["customers"])
        return ("customers", columns) if columns is not None else (None, None)
    if "transactions" in tables:
        tx_roles = roles["transactions"]
        # An invoices export whose date and amount were found stays what it is.
        if tx_roles.get("transaction_date") is None or tx_roles.get("amount") is None:
            columns = subscription_columns(tables["transactions"].frame, tx_roles)
            if columns is not None:
                return "transactions", columns
    return None, None


def _rollup(source: Table, columns: SubscriptionColumns) -> Rollup:
    return rollup(source.frame, customer_id=columns.customer_id, start=columns.start, end=columns.end,
                  mrr=columns.mrr, plan=columns.plan, interval=columns.interval, name=source.name,
                  row_numbers=source.row_numbers)


def _customers_table(source: Table, result: Rollup, customer_id: str, *, sheets: bool) -> tuple[Table, RoleMap]:
    frame = result.customers
    table = Table(frame=frame, name=f"customers of {source.name}", format=source.format, encoding=source.encoding,
                  delimiter=source.delimiter, decimal=source.decimal, header_row=source.header_row,
                  sheet=source.sheet if sheets else None, sheets=source.sheets if sheets else (),
                  notes=(*source.notes, *result.notes))
    # The roles the rollup defines, whatever the names suggested.
    fixed = {"customer_id": customer_id, "signup_date": "signup_date", "churn_date": "churn_date", "mrr": "mrr",
             "plan": "plan"}
    return table, infer_roles(frame, kind="customers").with_roles(fixed)


def _monthly_table(source: Table, result: Rollup, customer_id: str, *, sheets: bool) -> tuple[Table, RoleMap]:
    frame = result.monthly
    note = (f"No transactions file: these are the {len(frame):,} customer-months in which a subscription of "
            f"{source.name} ran, with that month's MRR, so that cohorts and RFM can use them.")
    table = Table(frame=frame, name=f"monthly MRR of {source.name}", format=source.format,
                  sheet=source.sheet if sheets else None, sheets=source.sheets if sheets else (), notes=(note,))
    fixed = {"customer_id": customer_id, "transaction_date": "month", "amount": "mrr", "order_id": None}
    return table, infer_roles(frame, kind="transactions").with_roles(fixed)
