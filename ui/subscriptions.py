"""Uploads that hold one row per subscription become a customers table and a monthly MRR table.

The Data page calls `roll_up_subscriptions` on the freshly parsed uploads: a customers upload (or,
with no customers file, a transactions upload whose dates or amounts cannot be found) that looks
like a subscriptions export (ChartMogul, Baremetrics, Stripe, Chargebee) is replaced by its
rollup, and, when no transactions file came, the monthly MRR becomes the transactions, so that
cohorts and RFM work. Everything else passes through unchanged. `rolled_up_export` does the same
for one file on its own (a newer export to score on the Track page).
"""

from __future__ import annotations

from segmentation.io import Table
from segmentation.schema import RoleMap, infer_roles
from segmentation.subscriptions import Rollup, SubscriptionColumns, rollup, subscription_columns

__all__ = ["roll_up_subscriptions", "rolled_up_export"]


def roll_up_subscriptions(tables: dict[str, Table], roles: dict[str, RoleMap]
                          ) -> tuple[dict[str, Table], dict[str, RoleMap]]:
    """The uploads with a subscriptions export rolled up (new dicts; the inputs are not changed).

    Raises DataError (naming the file, column and row) when the export cannot be rolled up.
    """
    kind, columns = _subscriptions_kind(tables, roles)
    if kind is None:
        return tables, roles
    source = tables[kind]
    result = _rollup(source, columns)
    out_tables, out_roles = dict(tables), dict(roles)
    # The sheet picker belongs to the table shown under the upload's own kind.
    out_tables["customers"], out_roles["customers"] = _customers_table(source, result, columns.customer_id,
                                                                       sheets=kind == "customers")
    if kind == "transactions" or "transactions" not in tables:
        out_tables["transactions"], out_roles["transactions"] = _monthly_table(source, result, columns.customer_id,
                                                                               sheets=kind == "transactions")
    order = ("customers", "transactions", "events")
    return ({k: out_tables[k] for k in order if k in out_tables},
            {k: out_roles[k] for k in order if k in out_roles})


def rolled_up_export(table: Table) -> tuple[Table, Table] | None:
    """(customers, monthly MRR) of one export that is one row per subscription, or None when it is not one."""
    columns = subscription_columns(table.frame, infer_roles(table.frame, kind="customers"))
    if columns is None:
        return None
    result = _rollup(table, columns)
    customers, _ = _customers_table(table, result, columns.customer_id, sheets=True)
    monthly, _ = _monthly_table(table, result, columns.customer_id, sheets=False)
    return customers, monthly


def _subscriptions_kind(tables: dict[str, Table], roles: dict[str, RoleMap]
                        ) -> tuple[str | None, SubscriptionColumns | None]:
    """Which upload is a subscriptions export: the customers file, or a transactions file that is unusable as one."""
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
    fixed = {"customer_id": customer_id, "signup_date": "signup_date", "churn_date": "churn_date", "mrr": "mrr",
             "plan": "plan"}
    return table, _with_roles(infer_roles(frame, kind="customers"), fixed, frame.columns)


def _monthly_table(source: Table, result: Rollup, customer_id: str, *, sheets: bool) -> tuple[Table, RoleMap]:
    frame = result.monthly
    note = (f"No transactions file: these are the {len(frame):,} customer-months in which a subscription of "
            f"{source.name} ran, with that month's MRR, so that cohorts and RFM can use them.")
    table = Table(frame=frame, name=f"monthly MRR of {source.name}", format=source.format,
                  sheet=source.sheet if sheets else None, sheets=source.sheets if sheets else (), notes=(note,))
    fixed = {"customer_id": customer_id, "transaction_date": "month", "amount": "mrr", "order_id": None}
    return table, _with_roles(infer_roles(frame, kind="transactions"), fixed, frame.columns)


def _with_roles(role_map: RoleMap, fixed: dict[str, str | None], columns) -> RoleMap:
    """The roles the rollup defines, whatever the names suggested; a column keeps one role."""
    for role, column in fixed.items():
        if (column is not None and column not in columns) or role_map.get(role) == column:
            continue
        holder = next((r for r, c in role_map.roles.items() if c == column), None) if column else None
        if holder is not None:
            role_map = role_map.with_role(holder, None)
        role_map = role_map.with_role(role, column)
    return role_map
