"""Re-apply saved segments to a newer export and see who moved where.

`prepare_for_recipe` turns a newer file (a customers table, or a transactions table for an
RFM recipe, or the customers taken from a transactions or events table when there is no
customers file) into the customer table the recipe needs, using the column roles the user
confirmed where the newer file has those columns; `apply_recipe` assigns every customer
with the saved segments, without refitting. `migration(before, after)` counts the moves: a
from-segment x to-segment matrix with a "(new)" row for customers only in the newer labels
and a "(gone)" column for customers only in the older ones, the list of customers who moved,
and sentences such as "42 customers moved from Champions to At Risk". `same_segments(a, b)`
says whether two segmentations assign alike, i.e. whether comparing their labels means anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import DataError
from .methods.registry import find_method
from .result import Segmentation
from .methods.rfm import NO_PURCHASES

__all__ = ["Migration", "migration", "Prepared", "prepare_for_recipe", "apply_recipe", "same_segments",
           "no_purchases_label", "NEW", "GONE", "RFM_VARIABLES", "SOURCES"]

# Parenthesised so they never read as a segment name (RFM has a segment called "New").
NEW = "(new)"
GONE = "(gone)"
RFM_VARIABLES = frozenset({"recency_days", "frequency", "monetary"})
# What the newer labels were built from (`Prepared.source`).
SOURCES = ("customers", "transactions", "events")


@dataclass(frozen=True)
class Migration:
    """Who moved between two labellings of the same customers.

    matrix   DataFrame of counts: rows = segment before (plus NEW), columns = segment after
             (plus GONE); the diagonal holds the customers who stayed.
    moved    DataFrame customer_id, from, to: every customer whose segment changed (NEW/GONE included).
    summary  sentences, biggest moves first.
    stayed, changed, new, gone: counts of customers.
    notes    sentences on customers left out of the comparison, and why.
    """

    matrix: pd.DataFrame
    moved: pd.DataFrame
    summary: tuple[str, ...]
    stayed: int
    changed: int
    new: int
    gone: int
    notes: tuple[str, ...] = field(default=())

    @property
    def shares(self) -> pd.DataFrame:
        """The matrix as shares of each before-row (where did each segment's customers go)."""
        totals = self.matrix.sum(axis=1)
        return self.matrix.div(totals.where(totals > 0), axis=0)


def migration(before: pd.Series, after: pd.Series, *, segments: Sequence[str] | None = None,
              top: int = 10, after_source: str = "customers", no_purchases: str | None = NO_PURCHASES
              ) -> Migration:
    """Compare two labellings (Series: customer id -> segment). `segments` orders rows and
    columns (default: order of first appearance, before then after); `top` caps the sentences.

    after_source  what the newer labels were built from (`Prepared.source`). A transactions
                  file only holds customers who bought, so before-customers in the
                  `no_purchases` segment who are absent from it are left out (with a note),
                  not counted as gone: they most likely still have no purchases. None
                  when the segments have no such segment (see `no_purchases_label`). An
                  events file holds the customers active in it: the absent ones are gone.
    """
    if after_source not in SOURCES:
        raise DataError(f"Unknown source {after_source!r} of the newer labels; use one of: {', '.join(SOURCES)}.")
    before, after = _labels(before, "before"), _labels(after, "after")
    notes: list[str] = []
    if after_source == "transactions" and no_purchases is not None:
        unseen = (before == no_purchases) & ~before.index.isin(after.index)
        if unseen.any():
            count = int(unseen.sum())
            notes.append(f"{_plural(count)} in {no_purchases} before {'is' if count == 1 else 'are'} left out: the "
                         f"newer file lists only transactions, so customers who still have no purchases are not "
                         f"in it and are not gone.")
            before = before[~unseen]
    order = list(dict.fromkeys([*(segments or []), *pd.unique(before), *pd.unique(after)]))
    both = before.index.intersection(after.index, sort=False)
    only_after = after.index.difference(before.index, sort=False)
    only_before = before.index.difference(after.index, sort=False)

    pairs = pd.DataFrame({
        "customer_id": list(both) + list(only_after) + list(only_before),
        "from": list(before.loc[both]) + [NEW] * len(only_after) + list(before.loc[only_before]),
        "to": list(after.loc[both]) + list(after.loc[only_after]) + [GONE] * len(only_before),
    })
    rows, columns = [*order, NEW], [*order, GONE]
    matrix = pd.crosstab(pairs["from"], pairs["to"]).reindex(index=rows, columns=columns, fill_value=0)
    matrix = matrix.astype(int).rename_axis(index="before", columns="after")

    moved = pairs[pairs["from"] != pairs["to"]]
    rank = {name: i for i, name in enumerate([*order, NEW, GONE])}
    moved = moved.sort_values(["from", "to", "customer_id"], key=lambda c: c.map(rank) if c.name != "customer_id"
                              else c.astype(str), kind="stable").reset_index(drop=True)
    stayed = int(sum(matrix.loc[s, s] for s in order))
    changed = int(len(moved) - len(only_after) - len(only_before))
    summary = _sentences(matrix, order, stayed, changed, len(both), top)
    return Migration(matrix=matrix, moved=moved, summary=tuple(summary), stayed=stayed, changed=changed,
                     new=len(only_after), gone=len(only_before), notes=tuple(notes))


def same_segments(a: Segmentation, b: Segmentation) -> bool:
    """Whether `a` and `b` are the same segments: same method, variables, segment names,
    parameters and fitted state (notes, labels and what a recipe file carries besides, such as
    the action plan, do not count). Only then does comparing their labels say who moved."""
    if not isinstance(a, Segmentation) or not isinstance(b, Segmentation):
        return False
    first, second = _fingerprint(a), _fingerprint(b)
    return first is not None and first == second


def no_purchases_label(segmentation: Segmentation) -> str | None:
    """The name the segmentation shows for customers without purchases (renames kept); None
    for methods that have no such segment (`Method.no_purchases`: only RFM gives them one)."""
    method = find_method(segmentation.method)
    if method is None or method.no_purchases is None:
        return None
    name = segmentation.state.get("no_purchases", method.no_purchases)
    shown = segmentation.state.get("display_names") or {}
    return str(shown.get(name, name)) if isinstance(shown, Mapping) else str(name)


@dataclass(frozen=True)
class Prepared:
    """The customer table a recipe is applied to.

    frame    one row per customer, indexed by customer id as text (as in the file).
    id_name  the id column's name in the file (for exports).
    notes    sentences about how it was built.
    source   "customers" when the newer file is a customers table (every customer is in it),
             "transactions" when it is a transactions table (only customers who bought are),
             "events" when the customers are the ids of an events table (only active ones are).
    """

    frame: pd.DataFrame
    id_name: str
    notes: tuple[str, ...] = ()
    source: str = "customers"


def prepare_for_recipe(
    segmentation: Segmentation,
    frame: pd.DataFrame,
    *,
    id_column: str | None = None,
    transactions: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    as_of: Any = None,
    roles: Mapping[str, str] | Any | None = None,
    transaction_roles: Mapping[str, str] | Any | None = None,
    event_roles: Mapping[str, str] | Any | None = None,
    customers_from: str | None = None,
) -> Prepared:
    """The customer table for applying `segmentation` to a newer export.

    `frame` is a customers table (one row per customer) or, for recipes built on purchases
    (RFM: recency_days, frequency, monetary), a transactions table. Purchase and activity
    features that the recipe needs and `frame` lacks are built from `transactions` / `events`
    (or from `frame` itself when it is the transactions table), as the app does.

    roles / transaction_roles / event_roles: the role -> column maps the user confirmed (a
    `roles.RoleMap` works too) for the customers, transactions and events tables. A confirmed
    role is used whenever its column is in the newer file; roles whose column is absent are
    guessed again. The customer id of a customers table is `id_column` when given, else the
    confirmed one, else the id column the segments were fitted with, else a guess.

    customers_from: "transactions" or "events" when there is no customers file and `frame` is
    the customers taken from that table (its distinct ids, as `cleaning.customers_from_transactions`
    gives them), which must be passed too: only customers who bought (or were active) are in
    it, which `Prepared.source` says so that `migration` reads absences right.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError("The newer export is empty; load a file with one row per customer (or per purchase).")
    if customers_from is not None:
        given = {"transactions": transactions, "events": events}
        if customers_from not in given:
            raise DataError(f"Unknown source {customers_from!r} of the customers; use 'transactions' or 'events'.")
        if given[customers_from] is None:
            raise DataError(f"The customers were taken from the {customers_from}, so pass the {customers_from} "
                            "table too.")
    from .features import EVENT_FEATURES, TRANSACTION_FEATURES, customer_table, ids_as_text
    from .outcomes import with_outcomes
    from .cleaning import with_derived_amount, with_derived_mrr

    needed = list(segmentation.variables)
    notes: list[str] = []
    if any(v not in frame.columns for v in needed):  # e.g. "mrr (from ARR)", derived as when the segments were made
        frame, derived_mrr = with_derived_mrr(frame)
        notes += [derived_mrr] if derived_mrr else []
    missing = [v for v in needed if v not in frame.columns]
    purchase_features = set(TRANSACTION_FEATURES)

    if missing and transactions is None and set(missing) <= purchase_features:
        # Order lines carry quantity and unit price, not an amount: derive it as the app does.
        purchases, derived = with_derived_amount(frame)
        tx_roles = _transaction_roles(purchases, transaction_roles)
        if tx_roles is not None:  # the file is itself the transactions table
            id_name = tx_roles["customer_id"]
            # The ids as the customer table keys them (blanks out, emails without case), so that two
            # spellings of one id do not become two customers.
            ids = ids_as_text(purchases[id_name], column=id_name, table="transactions")
            customers = pd.DataFrame({id_name: ids.dropna().drop_duplicates().to_numpy(dtype=object)})
            table = _own_table(segmentation, purchases, tx_roles, as_of)
            if table is None:
                table = customer_table(customers, customer_id=id_name, transactions=purchases,
                                       transaction_roles=tx_roles, as_of=as_of)
            notes += [derived] if derived else []
            with_id = int(ids.notna().sum())
            without = len(purchases) - with_id
            left_out = (f" ({without:,} row{'' if without == 1 else 's'} without a customer id left out)"
                        if without else "")
            notes.append(f"Built recency, frequency and monetary for {len(table):,} customers from "
                         f"{with_id:,} purchases{left_out}.")
            return Prepared(_checked(table, needed), id_name, tuple(notes), source="transactions")

    found = _with_confirmed("customers", frame, roles)
    confirmed_id = _plain_roles(roles).get("customer_id")
    id_name = (id_column or (confirmed_id if confirmed_id in frame.columns else None)
               or _param_id(segmentation, frame) or found.get("customer_id"))
    if id_name is None or id_name not in frame.columns:
        from .variables import find_id_column

        id_name = find_id_column(frame)
    if id_name is None:
        raise DataError("Cannot tell which column holds the customer id in the newer export; name it "
                        "(--id COLUMN on the command line).")
    kwargs: dict[str, Any] = {}
    if transactions is not None:
        transactions, derived = with_derived_amount(transactions)
        notes += [derived] if derived else []
        tx_roles = _transaction_roles(transactions, transaction_roles)
        if tx_roles is None:
            raise DataError("Cannot find the customer id, date and amount columns in the transactions file.")
        kwargs.update(transactions=transactions, transaction_roles=tx_roles)
    if events is not None:
        ev_roles = _with_confirmed("events", events, event_roles)
        if ev_roles.get("customer_id") is None or ev_roles.get("event_date") is None:
            raise DataError("Cannot find the customer id and date columns in the events file.")
        picked = {"customer_id": ev_roles["customer_id"], "event_date": ev_roles["event_date"]}
        if _plain_roles(event_roles).get("event_count") in events.columns:
            # Only a confirmed count column: a guessed one would turn rows into weighted events.
            picked["count"] = ev_roles["event_count"]
        kwargs.update(events=events, event_roles=picked)
    if as_of is not None and kwargs:
        kwargs["as_of"] = as_of
    table = customer_table(frame, customer_id=id_name, **kwargs)
    table = with_outcomes(table, {k: v for k, v in found.items() if v in table.columns})
    still = [v for v in needed if v not in table.columns]
    if still:
        wanted = [v for v in still if v in purchase_features or v in EVENT_FEATURES]
        hint = (" Add the transactions (or events) file of the same period." if wanted else
                " Map or add them and try again.")
        raise DataError(f"The newer export lacks {', '.join(map(repr, still))}, which these segments were "
                        f"built on.{hint}")
    return Prepared(table, id_name, tuple(notes), source=customers_from or "customers")


def apply_recipe(segmentation: Segmentation, frame: pd.DataFrame, **options: Any) -> tuple[pd.Series, Prepared]:
    """Assign every customer of a newer export with the saved segments (no refit).
    Returns the labels (indexed by customer id as text) and the prepared customer table."""
    prepared = prepare_for_recipe(segmentation, frame, **options)
    labels = segmentation.assign(prepared.frame)
    labels.index = prepared.frame.index
    return labels, prepared


# -- internals ---------------------------------------------------------------------------------------
def _labels(values: pd.Series, what: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise DataError(f"The {what} segments should be a Series of segment names indexed by customer id.")
    out = pd.Series(values.astype(str).to_numpy(), index=pd.Index(values.index).astype(str), name="segment")
    out = out[values.notna().to_numpy()]
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()][0]
        raise DataError(f"The customer {dup!r} appears twice in the {what} segments; keep one row per customer.")
    return out


def _plural(n: int, word: str = "customer") -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _sentences(matrix: pd.DataFrame, order: list[str], stayed: int, changed: int, in_both: int,
               top: int) -> list[str]:
    out = []
    if in_both:
        out.append(f"Of {_plural(in_both)} in both, {stayed:,} ({stayed / in_both:.0%}) stayed in their segment "
                   f"and {changed:,} moved.")
    moves = []
    for source in [*order, NEW]:
        for target in [*order, GONE]:
            count = int(matrix.loc[source, target])
            if count == 0 or source == target or (source == NEW and target == GONE):
                continue
            if source == NEW:
                text = f"{_plural(count, 'new customer')} joined {target}"
            elif target == GONE:
                text = f"{_plural(count)} from {source} {'is' if count == 1 else 'are'} gone"
            else:
                text = f"{_plural(count)} moved from {source} to {target}"
            moves.append((-count, text))
    moves.sort(key=lambda m: m[0])  # stable: equal counts keep the matrix order
    return out + [text for _, text in moves[:top]]


def _plain_roles(roles: Mapping[str, str] | Any | None) -> dict[str, str]:
    """role -> column from a mapping or a `roles.RoleMap` (None: no confirmed roles)."""
    if roles is None:
        return {}
    mapping = getattr(roles, "roles", roles)
    if not isinstance(mapping, Mapping):
        raise DataError("Confirmed roles should map each role to a column name, e.g. {'customer_id': 'Account'}.")
    return {str(role): column for role, column in mapping.items() if isinstance(column, str) and column}


def _with_confirmed(kind: str, frame: pd.DataFrame, confirmed: Mapping[str, str] | Any | None) -> dict[str, str]:
    """The roles guessed for `frame` with every confirmed role whose column `frame` has moved over them."""
    from .roles import infer_roles

    return dict(infer_roles(frame, kind=kind).with_roles(_plain_roles(confirmed)).roles)


def _transaction_roles(frame: pd.DataFrame, confirmed: Mapping[str, str] | Any | None = None) -> dict[str, str] | None:
    """The transactions roles when every required one is found (`roles.REQUIRED_ROLES`), else None."""
    from .roles import REQUIRED_ROLES

    roles = _with_confirmed("transactions", frame, confirmed)
    if any(roles.get(role) is None for role in REQUIRED_ROLES["transactions"]):
        return None
    return {role: roles[role] for role in (*REQUIRED_ROLES["transactions"], "order_id") if roles.get(role)}


def _param_id(segmentation: Segmentation, frame: pd.DataFrame) -> str | None:
    column = segmentation.params.get("id_column") if isinstance(segmentation.params, Mapping) else None
    return column if isinstance(column, str) and column in frame.columns else None


def _own_table(segmentation: Segmentation, transactions: pd.DataFrame, roles: Mapping[str, str],
               as_of: Any) -> pd.DataFrame | None:
    """The method's inputs built its own way (RFM: `rfm_inputs`), when the method offers it."""
    method = find_method(segmentation.method)
    build = method.from_transactions if method is not None else None
    if build is None:
        return None
    return build(transactions, customer_id=roles["customer_id"], date=roles["transaction_date"],
                 amount=roles["amount"], order_id=roles.get("order_id"), as_of=as_of)


def _fingerprint(segmentation: Segmentation) -> str | None:
    recipe = segmentation.to_recipe()
    recipe.pop("notes", None)
    try:
        # JSON text: tuples and lists, and NaN and NaN, compare equal; key order does not matter.
        return json.dumps(recipe, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None


def _checked(table: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    missing = [v for v in needed if v not in table.columns]
    if missing:
        raise DataError(f"The newer export lacks {', '.join(map(repr, missing))}, which these segments were built on.")
    return table
