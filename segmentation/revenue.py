"""MRR movements, ChartMogul-style: where each month's MRR came from and where it went.

    moves = mrr_movements(data)                        # a Dataset: what the app, the CLI and notebooks use
    moves = mrr_movements(data, split="plan")          # a column of the customers table
    moves = mrr_movements(data, split=segmentation)    # the segments (a Segmentation, or its labels)
    moves.table                                        # one row per [split,] month
    moves.customers_behind("2024-03", "contraction")   # the customers behind one bar
    moves.downgrades()                                 # per split: who downgrades, and the MRR lost

MRR per customer-month (DESIGN, "Transactions: what counts"): a subscriptions export's MRR (the Dataset
rolls it up into one row per customer-month, `tables.roll_up_subscriptions`), else the invoices or payments
in the month they are dated, or spread evenly over their service period when the export says it (service
start and end, or a billing period such as annual: / 12). Returns and refunds (`cleaning.find_returns`)
count against the month they are dated; a month whose returns exceed its payments has MRR 0.

Movements per month, for the customers whose MRR changed from the month before:
    new           first month with MRR > 0;
    expansion     up, for a customer who had MRR the month before;
    contraction   down, still above 0 (MRR lost, positive);
    churned       down to 0 (the whole prior MRR lost, positive; the movement row's change is its negative);
    reactivation  above 0 again after a month at 0 that followed earlier revenue.
so that MRR(m) = MRR(m-1) + new + expansion + reactivation - contraction - churned, for every month and
every split value. quick_ratio = (new + expansion + reactivation) / (contraction + churned), NaN when
nothing was lost. A month is complete only when the data covers it to its last day; the as-of month
usually is not: its figures count only the days covered (customers who pay later in it show as churned
so far), it is flagged `complete` = False, and the page draws it apart.

The aggregation is SQL (`queries/mrr.py`), run by DuckDB: the seam where another engine takes over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["MrrMovements", "MOVEMENTS", "mrr_movements", "movements_from_frame", "quick_ratio", "months_of"]

MOVEMENTS = ("new", "expansion", "contraction", "churned", "reactivation")
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churned")
SPLIT = "split"  # the split's column in every frame of a result


@dataclass(frozen=True)
class MrrMovements:
    """MRR and its movements per month (see the module docstring).

    table      one row per [split,] month, from the first month with revenue to the as-of month: month (its
               first day), [split,] mrr, customers (with MRR), new, expansion, contraction, churned,
               reactivation (all >= 0), net_new (mrr - the month before's), quick_ratio, complete.
    movements  one row per customer-month whose MRR changed: customer (id as text), [split,] month,
               movement, mrr_before, mrr_after, change (mrr_after - mrr_before).
    split      the split's name (a column, "segment"), None without one.
    as_of      the last day the data covers.
    source     where the MRR comes from, in words for the page ("invoices, by the month they are dated").
    notes      what was set apart or assumed, one sentence each.
    """

    table: pd.DataFrame
    movements: pd.DataFrame
    as_of: pd.Timestamp
    split: str | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(sorted(self.table[SPLIT].unique())) if SPLIT in self.table else ()

    @property
    def incomplete_months(self) -> tuple[pd.Timestamp, ...]:
        return tuple(pd.Timestamp(m) for m in sorted(self.table.loc[~self.table["complete"], "month"].unique()))

    def total(self) -> pd.DataFrame:
        """The table summed over the split (the whole business); the table itself without a split."""
        if SPLIT not in self.table:
            return self.table
        sums = self.table.groupby("month", as_index=False)[["mrr", "customers", *MOVEMENTS]].sum()
        complete = self.table.groupby("month")["complete"].all().to_numpy()
        return _finish_table(sums.assign(complete=complete), split=False)

    def customers_behind(self, month: Any, movement: str, group: str | None = None) -> pd.DataFrame:
        """The movement rows of one month and kind (the customers behind one bar), biggest change first;
        only those of `group` when given. Raises DataError for an unknown movement, month or group."""
        if movement not in MOVEMENTS:
            raise DataError(f"Unknown movement {movement!r}; movements are: {', '.join(MOVEMENTS)}.")
        start = _month_start(month)
        if start not in set(self.table["month"]):
            first, last = self.table["month"].min(), self.table["month"].max()
            raise DataError(f"{start:%Y-%m} is not a month of these figures ({first:%Y-%m} to {last:%Y-%m}).")
        rows = self.movements[(self.movements["month"] == start) & (self.movements["movement"] == movement)]
        if group is not None:
            if group not in self.groups:
                raise DataError(f"{group!r} is not a value of the split; choose one of {list(self.groups)}.")
            rows = rows[rows[SPLIT] == group]
        ranked = rows.assign(_size=-rows["change"].abs()).sort_values(["_size", "customer"], kind="stable")
        return ranked.drop(columns="_size").reset_index(drop=True)

    def downgrades(self, *, months: int | None = None) -> pd.DataFrame:
        """Who downgrades, per split value (one row without a split), over the last `months` complete months
        (all complete months by default): customers (with MRR in any of them), downgraded (customers with a
        contraction), downgrade_rate, mrr_lost (contraction), churned (customers) and churned_mrr, biggest
        loss first."""
        done = self.table.loc[self.table["complete"], "month"].drop_duplicates().sort_values()
        if months is not None:
            done = done.iloc[-int(months):]
        keys = [SPLIT] if SPLIT in self.movements else []
        moves = self.movements[self.movements["month"].isin(set(done))]
        first_month = done.min() if len(done) else None
        # Customers with MRR in the window: any movement in it, or MRR carried into its first month.
        present = self.movements[self.movements["month"] <= (done.max() if len(done) else pd.Timestamp.min)]
        carried = _with_mrr_at(present, first_month) if first_month is not None else present.iloc[:0]
        within = pd.concat([moves[moves["mrr_after"] > 0], carried])
        base = within.drop_duplicates("customer").groupby(keys)["customer"].nunique() if keys else \
            pd.Series({"": within["customer"].nunique()})
        down = moves[moves["movement"] == "contraction"]
        gone = moves[moves["movement"] == "churned"]

        def per(rows: pd.DataFrame, how: str) -> pd.Series:
            if not keys:
                value = rows["customer"].nunique() if how == "n" else -rows["change"].sum()
                return pd.Series({"": value})
            grouped = rows.groupby(keys)
            return grouped["customer"].nunique() if how == "n" else -grouped["change"].sum()

        out = pd.DataFrame({"customers": base, "downgraded": per(down, "n"), "mrr_lost": per(down, "sum"),
                            "churned": per(gone, "n"), "churned_mrr": per(gone, "sum")}).fillna(0)
        for column in ("customers", "downgraded", "churned"):
            out[column] = out[column].astype("int64")
        out["downgrade_rate"] = out["downgraded"] / out["customers"].where(out["customers"] > 0)
        out = out[["customers", "downgraded", "downgrade_rate", "mrr_lost", "churned", "churned_mrr"]]
        out = out.sort_values("mrr_lost", ascending=False, kind="stable")
        return out.rename_axis(SPLIT).reset_index() if keys else out.reset_index(drop=True)


def _with_mrr_at(moves: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Each customer's last movement before `month` when it left them with MRR (they carry it into `month`)."""
    before = moves[moves["month"] < month]
    last = before.sort_values("month", kind="stable").drop_duplicates("customer", keep="last")
    return last[last["mrr_after"] > 0]


def quick_ratio(gains: Any, losses: Any) -> Any:
    """(new + expansion + reactivation) / (contraction + churned): NaN when nothing was lost, never inf."""
    gains, losses = np.asarray(gains, dtype=float), np.asarray(losses, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(losses > 0, gains / np.where(losses > 0, losses, 1.0), np.nan)


def months_of(value: Any) -> float | None:
    """A billing period as months: a number is months; "annual", "year", "quarterly", "month" are 12, 3, 1;
    None when it says neither."""
    from .subscriptions import _PER_MONTH

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    per_month = _PER_MONTH.get(str(value).strip().lower())
    return None if per_month is None else 1.0 / per_month


# -- from a Dataset -------------------------------------------------------------------------------------------
def mrr_movements(data, *, split: Any = None, as_of: Any = None) -> MrrMovements:
    """MRR movements of a `Dataset` (the app, the `mrr` command and the notebooks all call this).

    The MRR comes from the transactions (invoices or payments, or the monthly MRR a subscriptions export was
    rolled up into), with their mapped service start and end or billing period when mapped. `split`: a column
    of the customers table, a Segmentation, or labels (a Series indexed by customer id). Raises DataError
    saying what to map when there is no money column.
    """
    tables, roles = data.tables, data.roles
    transactions = tables.get("transactions")
    if transactions is None:
        customers = tables.get("customers")
        has_mrr = customers is not None and roles["customers"].get("mrr") is not None
        raise DataError(
            (f"{customers.name} holds one MRR per customer, which says nothing about how it moved; " if has_mrr
             else "There is no money column: ")
            + "MRR movements need invoices or payments (a transactions file with a customer id, a date and an "
              "amount) or a subscriptions export (one row per subscription with its start, end and MRR).")
    role_map = roles["transactions"]
    missing = role_map.missing()
    if missing:
        raise DataError(f"Say which column of {transactions.name} holds the "
                        f"{' and the '.join(r.replace('_', ' ') for r in missing)}: MRR movements need them.")
    labels, name = _split_labels(data, split)
    if "transactions" in getattr(data, "remote", {}):  # the rows stay in their engine: summed there
        return _pushed_down(data, role_map, labels=labels, split_name=name, as_of=as_of)
    rolled = transactions.name.startswith("monthly MRR of ")
    return movements_from_frame(
        transactions.frame, customer_id=role_map.get("customer_id"), date=role_map.get("transaction_date"),
        amount=role_map.get("amount"), service_start=role_map.get("service_start"),
        service_end=role_map.get("service_end"), billing_period=role_map.get("billing_period"),
        order_id=role_map.get("order_id"), split=labels, split_name=name, as_of=as_of, returns=not rolled,
        name=transactions.name, source="subscriptions" if rolled else None)


def _split_labels(data, split: Any) -> tuple[pd.Series | None, str | None]:
    if split is None:
        return None, None
    if hasattr(split, "labels"):  # a Segmentation
        return split.labels, "segment"
    if isinstance(split, pd.Series):
        return split, str(split.name) if split.name is not None else "segment"
    customers = data.tables.get("customers")
    id_column = data.id_column
    if customers is None or id_column is None:
        raise DataError(f"There are no customers to split by {split!r}: say which column holds the customer id.")
    if split not in customers.frame.columns:
        raise DataError(f"There is no column {split!r} in {customers.name} to split the MRR by; its columns are: "
                        f"{', '.join(map(str, customers.frame.columns))}.")
    frame = customers.frame
    return pd.Series(frame[split].to_numpy(), index=frame[id_column].to_numpy(), name=split), str(split)


# -- from a frame ---------------------------------------------------------------------------------------------
def movements_from_frame(frame: pd.DataFrame, *, customer_id: str, date: str, amount: str,
                         service_start: str | None = None, service_end: str | None = None,
                         billing_period: str | None = None, order_id: str | None = None,
                         split: pd.Series | str | None = None, split_name: str | None = None, as_of: Any = None,
                         returns: bool = True, name: str = "the transactions",
                         source: str | None = None) -> MrrMovements:
    """MRR movements of one table of invoices, payments or monthly MRR (see the module docstring).

    customer_id, date, amount: its columns; service_start and service_end (both) or billing_period (months,
    or words such as annual) spread an invoice over the months it pays for. split: labels indexed by
    customer id (as text), or a column of `frame` (each customer's value on their first row). as_of: the
    last day covered (default: the latest date). returns=False counts every row as it is (monthly MRR).
    Raises DataError naming `name` and the column when a column is missing or holds no amounts or dates.
    """
    from .cleaning import find_returns
    from .features import ids_as_text, looks_like_emails, match_ids, parse_as_of, parse_dates

    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name} must be a table (a pandas DataFrame), got {type(frame).__name__}.")
    given = {"customer id": customer_id, "date": date, "amount": amount, "service start": service_start,
             "service end": service_end, "billing period": billing_period, "order id": order_id}
    if isinstance(split, str):
        given["split"] = split
    for role, column in given.items():
        if column is not None and column not in frame.columns:
            raise DataError(f"{name} has no column {column!r} (given as the {role}); its columns are: "
                            f"{', '.join(map(str, frame.columns))}.")
    if (service_start is None) != (service_end is None):
        raise DataError(f"{name}: a service period needs both its start and its end column; "
                        f"only {service_start or service_end!r} is mapped.")
    values = frame[amount]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2 if bad.any() else 2
        raise DataError(f"Column {amount!r} of {name} holds text such as {values[bad].iloc[0]!r} (row {row}), not "
                        "amounts; map the amount to the column with the money." if bad.any() else
                        f"Column {amount!r} of {name} holds no amounts; map the amount to the column with the money.")
    if not values.notna().any():
        raise DataError(f"Column {amount!r} of {name} holds no amounts (every cell is blank); map the amount to "
                        "the column with the money.")
    notes: list[str] = []
    ids = frame[customer_id]
    # The first rows reject an ordinary id column at once; only a column that starts with emails is read whole.
    if pd.api.types.is_float_dtype(ids) or (looks_like_emails(ids.iloc[:1000]) and looks_like_emails(ids)):
        ids = ids_as_text(ids, column=customer_id, table=name)
    labels = None
    if isinstance(split, str):
        first = frame[[customer_id, split]].assign(**{customer_id: ids}).dropna(subset=[customer_id])
        first = first.drop_duplicates(customer_id)
        labels = pd.Series(first[split].to_numpy(), index=first[customer_id].astype(str).to_numpy(),
                           name=split_name or split)
        split_name = split_name or split
    elif split is not None:
        if not isinstance(split, pd.Series):
            raise DataError(f"A split is labels indexed by customer id (a Series) or a column name, got "
                            f"{type(split).__name__}.")
        keys = ids_as_text(pd.Series(split.index, index=split.index), column="customer id", table="split")
        labels = pd.Series(split.to_numpy(), index=keys.to_numpy(dtype=object))
        split_name = split_name or (str(split.name) if split.name is not None else "segment")
        if labels.index.has_duplicates:
            raise DataError(f"The split {split_name!r} has more than one value for customer "
                            f"{labels.index[labels.index.duplicated()][0]!r}; give one value per customer.")
        ids, matched = match_ids(pd.Series(ids, name=customer_id), labels.index, table=name)
        notes += list(matched)
    net = values
    if returns:
        found = find_returns(frame, amount=amount, order_id=order_id, customer_id=customer_id)
        if found.count:
            net = pd.Series(found.net(values), index=frame.index)
            notes.append(found.note)
    tx = {"customer": ids.to_numpy() if isinstance(ids, pd.Series) else ids,
          "day": parse_dates(frame[date], column=date, table=name).to_numpy(),
          "amount": np.asarray(net, dtype="float64")}
    spread = None
    if service_start is not None:
        tx["service_start"] = parse_dates(frame[service_start], column=service_start, table=name).to_numpy()
        tx["service_end"] = parse_dates(frame[service_end], column=service_end, table=name).to_numpy()
        spread = (f"spread evenly over their service period ({service_start!r} to {service_end!r}, "
                  "in months of 30.4 days)")
    if billing_period is not None:
        months = _period_months(frame[billing_period], column=billing_period, name=name, notes=notes)
        tx["period_months"] = months
        spread = (spread + ", else " if spread else "spread evenly over ") + \
            f"their billing period ({billing_period!r}: an annual invoice / 12 from its month)"
    if not pd.notna(tx["day"]).any():
        raise DataError(f"Column {date!r} of {name} holds no dates; map the date to the column with the dates.")
    as_of_ts = parse_as_of(as_of) if as_of is not None else None
    return _movements(pd.DataFrame(tx), labels, as_of_ts, spread=service_start is not None,
                      period=billing_period is not None, spread_words=spread, notes=notes, name=name,
                      columns=(customer_id, date, amount), as_of_given=as_of is not None, split_name=split_name,
                      source=source)


def _movements(tx: pd.DataFrame, labels: pd.Series | None, as_of_ts: pd.Timestamp | None, *, spread: bool,
               period: bool, spread_words: str | None, notes: list[str], name: str, columns: tuple[str, str, str],
               as_of_given: bool, split_name: str | None, source: str | None) -> MrrMovements:
    """The movements of `tx` (customer, day, amount[, service_start, service_end][, period_months]) by the SQL
    of queries/mrr.py, and the result with its notes: what a file and a pushed-down source share."""
    from .queries.mrr import NO_GROUP

    customer_id, date, amount = columns
    table, moves, as_of_ts = _run(tx, labels, as_of_ts, spread=spread, period=period)
    if table.empty:
        raise DataError(f"No rows of {name} have a customer id ({customer_id!r}), a date ({date!r}) and an amount "
                        f"({amount!r}) above 0" + (" on or before the as-of date" if as_of_given else "")
                        + "; check the column mapping.")
    if labels is None:
        table, moves = table.drop(columns="grp"), moves.drop(columns="grp")
    else:
        table, moves = table.rename(columns={"grp": SPLIT}), moves.rename(columns={"grp": SPLIT})
        unknown = moves.loc[(moves["movement"] == "new") & (moves[SPLIT] == NO_GROUP), "customer"].nunique()
        if unknown:
            notes.append(f"{unknown:,} paying customers have no {split_name!r}: they are in {NO_GROUP!r}.")
    table = _finish_table(table, split=labels is not None)
    if source is None:
        source = "invoices and payments, " + (spread_words if spread_words else "in the month they are dated")
    elif source == "subscriptions":
        source = "the subscriptions' MRR, month by month"
    incomplete = table.loc[~table["complete"], "month"].drop_duplicates()
    if len(incomplete):
        notes.append(f"The data ends on {as_of_ts:%Y-%m-%d}, so {incomplete.iloc[0]:%Y-%m} is not complete "
                     "(complete = false): its figures count only the days covered, and customers who pay later in "
                     "it show as churned so far.")
    return MrrMovements(table=table, movements=moves, as_of=as_of_ts, split=split_name if labels is not None else None,
                        source=source, notes=tuple(notes))


def _pushed_down(data, role_map, *, labels: pd.Series | None, split_name: str | None, as_of: Any) -> MrrMovements:
    """`mrr_movements` of a Dataset whose transactions stay in their engine (a database, a Parquet folder).

    The engine sums the amounts (net of returns, `pushdown.prepare`) per customer and month
    (`pushdown.customer_periods`), or, when invoices spread over a service or billing period, per customer, start
    month and period (`pushdown.mrr_spans`); only those rows come back. The movements are then computed from
    them by the same SQL as a file's (queries/mrr.py): summing sums gives the sums, and n months of sum / n
    give what each invoice's amount / n gives."""
    from .features import match_ids, parse_as_of
    from .queries import pushdown
    from .queries.mrr import DAYS_PER_MONTH

    prep = data._prepared("transactions")
    name = prep.name
    customer_id, date, amount = (role_map.get(r) for r in ("customer_id", "transaction_date", "amount"))
    service_start, service_end = role_map.get("service_start"), role_map.get("service_end")
    billing_period = role_map.get("billing_period")
    if (service_start is None) != (service_end is None):
        raise DataError(f"{name}: a service period needs both its start and its end column; "
                        f"only {service_start or service_end!r} is mapped.")
    stamp = parse_as_of(as_of) if as_of is not None else pushdown.last_row_timestamp(prep)
    if stamp is None:
        raise DataError(f"Column {date!r} of {name} holds no dates; map the date to the column with the dates.")
    returned = pushdown.returns_note_of(prep)
    notes: list[str] = [returned] if returned else []
    spread = None
    if service_start is None and billing_period is None:
        sums = pushdown.customer_periods(prep, as_of=stamp)
        tx = pd.DataFrame({"customer": sums["customer_id"].to_numpy(dtype=object), "day": sums["p"].to_numpy(),
                           "amount": sums["revenue"].to_numpy(dtype="float64")})
    else:
        spans = pushdown.mrr_spans(prep, as_of=stamp)
        days = spans["days"].to_numpy(dtype="float64")
        # round() of queries/mrr.py: half away from zero; any length under half a month is one month.
        months = np.where(np.isnan(days), np.nan, np.maximum(1.0, np.floor(days / DAYS_PER_MONTH + 0.5)))
        if service_start is not None:
            spread = (f"spread evenly over their service period ({service_start!r} to {service_end!r}, "
                      "in months of 30.4 days)")
        if billing_period is not None:
            period = _period_months(spans["billing_period"], column=billing_period, name=name, notes=[])
            unknown = np.isnan(period) & spans["billing_period"].notna().to_numpy()
            if unknown.any():
                notes.append(f"{int(spans['rows'].to_numpy()[unknown].sum()):,} rows of {name} have a billing period "
                             f"in {billing_period!r} that is not a number of months or month, quarter or year (e.g. "
                             f"{spans['billing_period'][unknown].iloc[0]!r}); they count in the month they are dated.")
            months = np.where(np.isnan(months), np.maximum(1.0, np.floor(period + 0.5)), months)
            spread = (spread + ", else " if spread else "spread evenly over ") + \
                f"their billing period ({billing_period!r}: an annual invoice / 12 from its month)"
        tx = pd.DataFrame({"customer": spans["customer_id"].to_numpy(dtype=object), "day": spans["p"].to_numpy(),
                           "amount": spans["amount"].to_numpy(dtype="float64"),
                           "period_months": np.where(np.isnan(months), 1.0, months)})
        notes.append(f"{name}: the engine summed the amounts per customer, start month and period; they were "
                     "spread over their months here (the same sums as spreading each invoice).")
    if labels is not None:
        ids, matched = match_ids(pd.Series(tx["customer"], name=customer_id), labels.index, table=name)
        tx["customer"] = np.asarray(ids, dtype=object)
        notes += list(matched)
    return _movements(tx, labels, stamp, spread=False, period="period_months" in tx, spread_words=spread,
                      notes=notes, name=name, columns=(customer_id, date, amount), as_of_given=as_of is not None,
                      split_name=split_name if labels is not None else None, source=None)


def _period_months(values: pd.Series, *, column: str, name: str, notes: list[str]) -> np.ndarray:
    """A billing period column as months per row (NaN: one month): numbers as they are, words by `months_of`."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        months = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        months[months <= 0] = np.nan
        return months
    words = values.astype("string").str.strip().str.lower()
    mapping = {word: months_of(word) for word in words.dropna().unique()}
    months = words.map(mapping).astype("float64").to_numpy()
    unknown = np.isnan(months) & words.notna().to_numpy()
    if unknown.any():
        notes.append(f"{int(unknown.sum()):,} rows of {name} have a billing period in {column!r} that is not a "
                     f"number of months or month, quarter or year ({values[unknown].iloc[0]!r} on row "
                     f"{int(np.flatnonzero(unknown)[0]) + 2}); they count in the month they are dated.")
    return months


def _run(tx: pd.DataFrame, labels: pd.Series | None, as_of: pd.Timestamp | None, *, spread: bool,
         period: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """The three statements of `queries/mrr.py` on one connection: (monthly table, movement rows, as-of)."""
    import duckdb

    from .queries.mrr import customer_months_sql, horizon_sql, monthly_sql, movement_rows_sql, movements_sql

    con = duckdb.connect(database=":memory:")
    try:
        con.execute("SET threads TO 2")  # as every query of the library: the app shares the machine
        con.register("tx", tx)
        if labels is not None:
            grp = labels.astype("string").where(labels.notna())
            con.register("groups", pd.DataFrame({"customer": labels.index.to_numpy(dtype=object),
                                                 "grp": grp.astype(object).to_numpy()}))
        params = [as_of.to_pydatetime()] if as_of is not None else []
        con.execute(f"CREATE TEMP TABLE horizon AS {horizon_sql(date='day', has_as_of=as_of is not None)}", params)
        as_of_day = pd.Timestamp(con.execute("SELECT as_of FROM horizon").fetchone()[0])
        sql = customer_months_sql(customer_id="customer", date="day", amount="amount",
                                  service_start="service_start" if spread else None,
                                  service_end="service_end" if spread else None,
                                  period_months="period_months" if period else None, has_groups=labels is not None)
        con.execute(f"CREATE TEMP TABLE cm AS {sql}")
        con.execute(f"CREATE TEMP TABLE moves AS {movements_sql()}")
        table = con.execute(monthly_sql()).df()
        # Through Arrow, text kept as Arrow strings: a million Python str objects cost more than the query.
        rows = con.execute(movement_rows_sql()).fetch_arrow_table()
        moves = rows.to_pandas(types_mapper=_arrow_text().get)
    finally:
        con.close()
    moves["month"] = moves["month"].astype("datetime64[ns]")
    moves["change"] = moves["mrr_after"] - moves["mrr_before"]
    return table, moves[["customer", "grp", "month", "movement", "mrr_before", "mrr_after", "change"]], as_of_day


def _arrow_text() -> dict:
    import pyarrow as pa

    return {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _finish_table(table: pd.DataFrame, *, split: bool) -> pd.DataFrame:
    out = table.copy()
    out["month"] = out["month"].astype("datetime64[ns]")
    out["customers"] = out["customers"].astype("int64")
    out["complete"] = out["complete"].astype(bool)
    keys = [SPLIT] if split else []
    previous = out.groupby(keys)["mrr"].shift(1) if keys else out["mrr"].shift(1)
    out["net_new"] = out["mrr"] - previous.fillna(0)
    out["quick_ratio"] = quick_ratio(out[list(GAINS)].sum(axis=1), out[list(LOSSES)].sum(axis=1))
    columns = [*keys, "month", "mrr", "customers", *MOVEMENTS, "net_new", "quick_ratio", "complete"]
    return out[columns].reset_index(drop=True)


def _month_start(value: Any) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataError(f"{value!r} is not a month; write it as YYYY-MM.") from None
    return stamp.to_period("M").to_timestamp()
