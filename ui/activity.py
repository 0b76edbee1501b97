"""Which loaded table says when each customer was active: the transactions, else the events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from segmentation.io import Table
from segmentation.schema import RoleMap

__all__ = ["Activity", "activity_source"]


@dataclass(frozen=True)
class Activity:
    """One row per payment or active day: what cohorts count a customer as retained by.

    kind      "transactions" (paying) or "events" (active; DESIGN: retained = active or paying).
    amount    the amount column (transactions); None for events, which carry no revenue.
    """

    kind: str
    frame: pd.DataFrame
    customer_id: str
    date: str
    amount: str | None = None
    roles: tuple[tuple[str, str], ...] = ()

    @property
    def first(self) -> str:
        """How a cohort is entered without a signup date, as the page says it."""
        return "First payment" if self.kind == "transactions" else "First activity"


def activity_source(tables: Mapping[str, Table], roles: Mapping[str, RoleMap]) -> Activity | None:
    """The transactions when their customer id and date are mapped (they carry revenue too), else the events
    when theirs are; None when neither is usable."""
    for kind, date_role in (("transactions", "transaction_date"), ("events", "event_date")):
        role_map = roles.get(kind)
        if kind not in tables or role_map is None:
            continue
        customer_id, date = role_map.get("customer_id"), role_map.get(date_role)
        if customer_id is None or date is None:
            continue
        amount = role_map.get("amount") if kind == "transactions" else None
        return Activity(kind, tables[kind].frame, customer_id, date, amount, tuple(sorted(role_map.roles.items())))
    return None
