"""`Dataset`: the one way in. The app, the command line and the notebooks read an export through it.

A Dataset holds the loaded tables by kind (customers, transactions, events), the roles of their
columns, and where the customers came from. Everything that turns files into a customer table
happens here, in the same steps for every door (`segmentation.tables` has them):

    data = Dataset.read(customers="customers.csv", transactions="invoices.xlsx")
    data = Dataset.read("orders.csv")                      # the kind is detected
    data = Dataset.read(transactions=Source("postgresql://analyst@db/shop", table="invoices"),
                        events="lake/events/")            # a database table, a Parquet folder (sources.py)
    data = data.with_role("customers", "mrr", "mrr_usd")   # the user's correction; a new value
    table = data.customer_table().frame                    # one row per customer, outcomes included
    export = data.read_newer_export("next_month.csv")      # Track and `assign`: the same steps again
    labels, prepared = export.score(segmentation)

Tables from a source (a database, a folder of files: `segmentation.sources`) are read in two ways. Customers
are pulled in whole: they are the small table the methods use. Transactions and events stay where they are:
the Dataset holds their first rows (to guess roles and show them) and the live connection, and the customer
table, the RFM inputs and the cohorts are aggregated inside the engine (`queries/pushdown.py`).

Values never change: `with_role` and friends return a new Dataset whose `version` is higher, so
a cache keyed on the version cannot hand back a stale result.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from .errors import DataError
from .features import CustomerTable, build_customer_table
from .io import Table, load_table
from .outcomes import as_flag, infer_outcome_kind, with_outcomes
from .roles import REQUIRED_ROLES, RoleMap, infer_roles
from .tables import (DATE_ROLE, KINDS, derived_customers, detect_kind, prepare_table, roll_up_subscriptions,
                     rolled_up_export, with_customers)

__all__ = ["Dataset", "Activity", "NewerExport", "read_file", "read_whole", "read_newer_export", "table_digest"]

_VERSIONS = itertools.count(1)


def _next_version() -> int:
    return next(_VERSIONS)


@dataclass(frozen=True)
class RemoteTable(Table):
    """A table that stays where it lives (`sources.Connected`): `frame` holds its first rows only."""

    conn: Any = field(default=None, repr=False)


_TABLE_DIGESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def table_digest(table: Table) -> str:
    """A digest of a table's values, column names and types, computed once per Table (tables never change)."""
    known = _TABLE_DIGESTS.get(table)
    if known is None:
        frame = table.frame
        digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        try:
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        except TypeError:  # a column of unhashable values (lists): its bytes stand for it
            digest.update(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
        if isinstance(table, RemoteTable):
            # Its first rows do not stand for the table: the connection it lives on is part of its identity, so
            # a reconnect (the data may have changed) never reads results computed before.
            digest.update(f"{table.name}|{id(table.conn)}|{getattr(table.conn, 'connected_at', '')}".encode())
        known = _TABLE_DIGESTS[table] = digest.hexdigest()
    return known


def read_file(file: Any, *, sheet: str | None = None, date_order: str | None = None) -> Table:
    """A path, an upload (anything with `.name` and `.getvalue()`), (name, bytes) or a Table, read as a Table.
    A source (`sources.is_source`: a folder, a glob, a URL, a `sources.Source`) is connected to: a
    `RemoteTable` holding its first rows; `Dataset.read` decides what stays there."""
    if isinstance(file, Table):
        return file
    from .sources import is_source  # light: Ibis is imported only when a source is opened

    if is_source(file):
        return _remote_table(file)
    if isinstance(file, (str, Path)):
        return load_table(Path(file), sheet=sheet, date_order=date_order)
    if isinstance(file, tuple) and len(file) == 2:
        name, data = file
        return load_table(data, name=str(name), sheet=sheet, date_order=date_order)
    if hasattr(file, "getvalue") and hasattr(file, "name"):
        return load_table(file.getvalue(), name=str(file.name), sheet=sheet, date_order=date_order)
    raise DataError(f"Cannot read {file!r}: give a file path, an upload or a table.")


@dataclass(frozen=True)
class Activity:
    """One row per payment or active day: what cohorts count a customer as retained by.

    kind      "transactions" (paying) or "events" (active; DESIGN: retained = active or paying).
    amount    the amount column (transactions); None for events, which carry no revenue.
    order_id  the order or invoice column (transactions), where cancellations may be marked (C536379).
    A remote table's activity is one row per customer and month, computed in its engine: then `purchase`
    names the column that says a purchase was among the month's rows, `as_of` is the date it runs to.
    """

    kind: str
    frame: pd.DataFrame
    customer_id: str
    date: str
    amount: str | None = None
    roles: tuple[tuple[str, str], ...] = ()
    order_id: str | None = None
    purchase: str | None = None  # a remote table's months: the column saying a purchase was among them
    as_of: Any = None            # ... and the as-of date they were computed to
    notes: tuple[str, ...] = ()

    @property
    def first(self) -> str:
        """How a cohort is entered without a signup date, as the page says it."""
        return "First payment" if self.kind == "transactions" else "First activity"


@dataclass(frozen=True, eq=False)  # tables are DataFrames: two Datasets are equal only when one
class Dataset:
    """The loaded tables, each with its kind and roles; see the module docstring.

    tables          Table by kind, customers first.
    roles           RoleMap by kind (the guess, then the user's corrections).
    customers_from  "transactions" or "events" when no customers file came and the customers are the
                    distinct ids of that table; None when a customers file came.
    source          what was read, for people ("customers.csv, invoices.csv").
    version         a number no other Dataset of this process has had: a cache key that cannot go stale.
    """

    tables: Mapping[str, Table]
    roles: Mapping[str, RoleMap]
    customers_from: str | None = None
    source: str = ""
    remote: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    version: int = field(default_factory=_next_version, compare=False)
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType({k: self.tables[k] for k in KINDS if k in self.tables}))
        object.__setattr__(self, "roles", MappingProxyType({k: self.roles[k] for k in KINDS if k in self.roles}))

    @property
    def fingerprint(self) -> str:
        """A digest of what the Dataset holds: every table's values, column names and types, the roles (with the
        outcome kinds and categories), the file names and where the customers came from. Two Datasets read from
        the same files with the same corrections share it, in any session or process, unlike `version`: a cache
        keyed on it is shared by everyone who loaded the same data. Each table is hashed once (a role edit
        reuses it)."""
        if "fingerprint" not in self._memo:
            digest = hashlib.sha256()
            for kind, table in self.tables.items():
                # The name and header row too: messages computed from a table name its file and rows.
                digest.update(f"{kind}\0{table_digest(table)}\0{table.name}\0{table.header_row}\0".encode())
            for kind, role_map in self.roles.items():
                digest.update(f"{kind}\0{role_map!r}\0".encode())
            digest.update(f"{self.customers_from}\0{self.source}".encode())
            self._memo["fingerprint"] = digest.hexdigest()
        return self._memo["fingerprint"]

    # -- reading ------------------------------------------------------------------------------------
    @classmethod
    def read(cls, *files: Any, sheet: str | None = None, date_order: str | None = None,
             **by_kind: Any) -> Dataset:
        """Read files into a Dataset: by kind (`customers=`, `transactions=`, `events=`), or positionally,
        each file's kind detected (`tables.detect_kind`). A file is a path, an upload or a Table.
        Raises DataError naming the file when one cannot be read or two files are of one kind."""
        unknown = set(by_kind) - set(KINDS)
        if unknown:
            raise DataError(f"Unknown kind {', '.join(sorted(unknown))}; kinds are: {', '.join(KINDS)}.")
        tables: dict[str, Table] = {}
        remote: dict[str, Any] = {}
        for kind, file in by_kind.items():
            if file is not None:
                tables[kind] = _read_any(file, kind, remote, sheet=sheet, date_order=date_order)
        for file in files:
            table = _read_any(file, None, remote, sheet=sheet, date_order=date_order)
            kind = table.format if table.format in KINDS else detect_kind(table.frame)[0]
            if table.format in KINDS:  # a remote table's kind was detected on its first rows
                table = replace(table, format=remote[kind].source.kind)
            if kind in tables:
                raise DataError(f"{table.name} and {tables[kind].name} both hold {kind}; give one file of each "
                                "kind (customers, transactions, events).")
            tables[kind] = table
        if not tables:
            raise DataError("No file given: read a customers file, or an orders, invoices or events export.")
        return cls.from_tables(tables, remote=remote)

    @classmethod
    def from_tables(cls, tables: Mapping[str, Table], *, source: str | None = None,
                    remote: Mapping[str, Any] | None = None) -> Dataset:
        """The Dataset of freshly read tables by kind: each cleaned for its kind, its roles guessed, a
        subscriptions export rolled up, and the customers taken from an orders or events export that
        came alone. `remote`: the live `sources.Connected` of kinds whose rows stay in their engine (their
        Table holds the first rows). Raises DataError naming the file when a step cannot be done."""
        remote = dict(remote or {})
        if remote:
            return _from_remote(cls, tables, remote, source)
        prepared = {kind: prepare_table(table, kind) for kind, table in tables.items()}
        roles = {kind: infer_roles(table.frame, kind=kind) for kind, table in prepared.items()}
        names = source or ", ".join(f"{t.name} [{t.sheet}]" if len(t.sheets) > 1 else t.name
                                    for t in prepared.values())
        prepared, roles = roll_up_subscriptions(prepared, roles)
        prepared, roles, derived_from = with_customers(prepared, roles)
        return cls(prepared, roles, customers_from=derived_from, source=names)

    # -- what is there ------------------------------------------------------------------------------
    @property
    def has_customers(self) -> bool:
        return "customers" in self.tables

    @property
    def pending(self) -> str | None:
        """The kind ("transactions"/"events") whose customer id must be named before there are customers."""
        return self.customers_from if not self.has_customers else None

    @property
    def id_column(self) -> str | None:
        """The customers' id column."""
        return self.roles["customers"].get("customer_id") if self.has_customers else None

    def missing_roles(self, kind: str) -> tuple[str, ...]:
        """The roles `kind` needs that no column plays yet (`roles.REQUIRED_ROLES`)."""
        return self.roles[kind].missing() if kind in self.roles else REQUIRED_ROLES[kind]

    # -- corrections --------------------------------------------------------------------------------
    def with_role(self, kind: str, role: str, column: str | None) -> Dataset:
        """A new Dataset where `role` of the `kind` table is `column` (a column keeps one role). Naming the
        customer id of the table the customers are taken from takes them again from that column."""
        if kind not in self.roles:
            raise DataError(f"No {kind} table is loaded.")
        role_map = self.roles[kind].with_role(role, column)
        if role == "outcome" and column is not None and column != self.roles[kind].get("outcome"):
            # The values say the kind when the name does not (Active / Cancelled is churn).
            values = self.tables[kind].frame[column]
            role_map = role_map.with_outcome_kind(
                infer_outcome_kind(column, values, previous=self.roles[kind].outcome_kind))
        tables, roles = dict(self.tables), {**self.roles, kind: role_map}
        if kind == self.customers_from and role == "customer_id" and column is not None:
            tables["customers"], roles["customers"] = (
                _remote_customers(self.remote[kind], self.tables[kind], role_map) if kind in self.remote
                else derived_customers(self.tables[kind], role_map))
        return replace(self, tables=tables, roles=roles, version=_next_version(), _memo={})

    def with_roles(self, kind: str, roles: Mapping[str, str | None]) -> Dataset:
        """`with_role` for each role of `roles` whose column the `kind` table has."""
        out = self
        columns = set(self.tables[kind].frame.columns) if kind in self.tables else set()
        for role, column in roles.items():
            if column is None or column in columns:
                out = out.with_role(kind, role, column)
        return out

    def with_outcome_kind(self, kind: str) -> Dataset:
        """A new Dataset whose customers' outcome is of `kind` (churn, conversion, response, other): a churn
        outcome is the customer table's `churned` (and feeds LTV), any other its `outcome`."""
        if not self.has_customers:
            raise DataError("No customers are loaded.")
        roles = {**self.roles, "customers": self.roles["customers"].with_outcome_kind(kind)}
        return replace(self, roles=roles, version=_next_version(), _memo={})

    def with_category(self, kind: str, column: str, category: str | None) -> Dataset:
        """A new Dataset where `column` of the `kind` table is a variable of `category`."""
        roles = {**self.roles, kind: self.roles[kind].with_category(column, category)}
        return replace(self, roles=roles, version=_next_version(), _memo={})

    # -- what the methods use -----------------------------------------------------------------------
    def customer_table(self, *, as_of: Any = None) -> CustomerTable:
        """One row per customer, indexed by id as text: the customers' columns, what the transactions and
        events say (recency, frequency, monetary, tenure, activity counts) and the outcome flags
        (`churned`, `converted`, and `outcome` for an outcome that is not churn, see `outcomes.with_outcomes`).
        Notes say what was left out. Raises DataError when a role is missing."""
        key = ("customer_table", str(as_of))
        if key not in self._memo:
            self._memo[key] = self._customer_table(as_of)
        return self._memo[key]

    def _customer_table(self, as_of: Any) -> CustomerTable:
        if not self.has_customers:
            kind = self.pending
            raise DataError(f"Say which column of {self.tables[kind].name} holds the customer id: the customers "
                            "are taken from it." if kind else "No customers are loaded.")
        customers, roles = self.tables["customers"], self.roles["customers"]
        if roles.get("customer_id") is None:
            raise DataError(f"Say which column of {customers.name} holds the customer id.")
        kwargs: dict[str, Any] = {}
        for kind in ("transactions", "events"):
            if kind not in self.tables:
                continue
            missing = self.missing_roles(kind)
            if missing:
                raise DataError(f"Say which column of {self.tables[kind].name} holds the "
                                f"{' and the '.join(r.replace('_', ' ') for r in missing)}.")
            mapped = dict(self.roles[kind].roles)
            if kind == "events" and "event_count" in mapped:
                mapped["count"] = mapped.pop("event_count")
            kwargs.update({kind: self.tables[kind].frame, f"{kind[:-1]}_roles": mapped})
        remote = {}
        for kind in [k for k in self.remote if k in kwargs]:  # their rows stay in the engine: summed there
            kwargs.pop(kind), kwargs.pop(f"{kind[:-1]}_roles")
            remote[kind] = self._prepared(kind)
        if as_of is not None and kwargs:
            kwargs["as_of"] = as_of
        built = build_customer_table(customers.frame, customer_id=roles.get("customer_id"),
                                     first_row=customers.header_row + 2, **kwargs)
        if remote:
            built = self._with_remote(built, remote, as_of, kwargs, customers)
        return replace(built, frame=with_outcomes(built.frame, roles.roles, outcome_kind=roles.outcome_kind))

    def _prepared(self, kind: str):
        """The remote `kind` table in the push-down layout for the current roles (`queries.pushdown.prepare`)."""
        from .queries import pushdown

        key = ("prepared", kind)
        if key not in self._memo:
            mapped = dict(self.roles[kind].roles)
            self._memo[key] = pushdown.prepare(self.remote[kind], kind, mapped, self.tables[kind].frame)
        return self._memo[key]

    def _with_remote(self, built: CustomerTable, remote: Mapping[str, Any], as_of: Any, kwargs: dict,
                     customers: Table) -> CustomerTable:
        """`built` (the customers, and any local transactions or events) joined with what the engines computed
        for the remote tables, on one as-of date for all."""
        from .features import EVENT_FEATURES, TRANSACTION_FEATURES, _check_free
        from .queries import pushdown

        local_days = [built.as_of - pd.Timedelta(days=1)] if built.as_of is not None and as_of is None else []
        for kind in remote:
            _check_free(built.frame, TRANSACTION_FEATURES if kind == "transactions" else EVENT_FEATURES)
        features, resolved, notes, unmatched = pushdown.customer_features(
            built.frame.index, remote, as_of=as_of, local_days=local_days)
        if built.as_of is not None and built.as_of != resolved:  # the local tables on the same as-of
            built = build_customer_table(customers.frame, customer_id=self.roles["customers"].get("customer_id"),
                                         first_row=customers.header_row + 2, **{**kwargs, "as_of": resolved})
        frame = built.frame
        for kind in ("transactions", "events"):
            if kind in features:
                frame = frame.join(features[kind])
        frame.index.name = "customer_id"
        left_out = [f for f in ([built.unmatched] if built.unmatched is not None else []) + unmatched if len(f)]
        empty = pd.DataFrame({"table": pd.Series(dtype=object), "customer_id": pd.Series(dtype=object),
                              "rows": pd.Series(dtype="int64")})
        return CustomerTable(frame=frame, as_of=resolved, notes=(*built.notes, *notes),
                             unmatched=pd.concat(left_out, ignore_index=True) if left_out else empty)

    def activity(self) -> Activity | None:
        """The transactions when their customer id and date are mapped (they carry revenue too), else the
        events when theirs are; None when neither is usable."""
        for kind, date_role in DATE_ROLE.items():
            role_map = self.roles.get(kind)
            if kind not in self.tables or role_map is None:
                continue
            customer_id, date = role_map.get("customer_id"), role_map.get(date_role)
            if customer_id is None or date is None:
                continue
            amount = role_map.get("amount") if kind == "transactions" else None
            if kind in self.remote:
                return self._remote_activity(kind, None)
            return Activity(kind, self.tables[kind].frame, customer_id, date, amount,
                            tuple(sorted(role_map.roles.items())),
                            order_id=role_map.get("order_id") if kind == "transactions" else None)
        return None

    def _remote_activity(self, kind: str, as_of: Any) -> Activity:
        """The activity of a remote table as one row per customer and month (`pushdown.customer_periods`):
        what the cohorts need, computed in the engine. Gaps between active days read from it are in months."""
        from .features import parse_as_of
        from .queries import pushdown

        key = ("activity", kind, str(as_of))
        if key not in self._memo:
            prep = self._prepared(kind)
            stamp = parse_as_of(as_of) if as_of is not None else pushdown.last_timestamp(prep)
            if stamp is None:
                raise DataError(f"{prep.name} has no dated row with a customer id.")
            frame = pushdown.customer_periods(prep, as_of=stamp)
            note = pushdown.returns_note_of(prep)
            self._memo[key] = Activity(kind, frame, "customer_id", "p",
                                       "revenue" if kind == "transactions" else None,
                                       tuple(sorted(self.roles[kind].roles.items())), purchase="bought",
                                       as_of=as_of if as_of is not None else stamp,
                                       notes=(note,) if note else ())
        return self._memo[key]

    def cohorts(self, *, period: str = "month", split: pd.Series | str | None = None, by_signup: bool = False,
                min_customers: int = 10, as_of: Any = None):
        """Cohorts (`cohorts.Cohorts`) as the Cohorts page and the `cohorts` command draw them: from the
        payments, else the activity (`activity`), by first payment or activity, or by signup month with
        `by_signup`; without either, from the customers' signup and churn dates. `split`: segment labels
        (a Series indexed by customer id) or a column of the customers. Raises DataError saying which
        columns are needed when there are none."""
        from .cohorts import cohort_table, cohorts_from_customers

        activity = self.activity()
        if activity is not None and activity.kind in self.remote and as_of is not None:
            activity = self._remote_activity(activity.kind, as_of)
        roles = self.roles.get("customers")
        customers = self.tables["customers"].frame if self.has_customers else None
        id_column, signup = (roles.get("customer_id"), roles.get("signup_date")) if roles is not None else (None, None)
        if isinstance(split, str):
            if customers is None or id_column is None or split not in customers.columns:
                raise DataError(f"There is no customers column {split!r} to split the cohorts by.")
            split = pd.Series(customers[split].to_numpy(), index=customers[id_column].astype(str), name=split)
        if activity is not None:
            signups = None
            if by_signup:
                if customers is None or id_column is None or signup is None:
                    raise DataError("Cohorts by signup need the customers' id and signup date columns.")
                signups = pd.Series(customers[signup].to_numpy(), index=customers[id_column].astype(str))
            made = cohort_table(activity.frame, customer_id=activity.customer_id, date=activity.date,
                                amount=activity.amount, period=period, signup=signups, split=split,
                                min_customers=int(min_customers), as_of=activity.as_of if as_of is None else as_of,
                                order_id=activity.order_id,
                                returns=activity.kind == "transactions" and activity.purchase is None,
                                purchase=activity.purchase)
            return replace(made, notes=(*activity.notes, *made.notes)) if activity.notes else made
        tenure = roles.get("tenure_months") if roles is not None else None
        if customers is not None and id_column is not None and signup is None and tenure is not None:
            # No dates, only months as a customer (IBM Telco): the signup month is counted back from the as-of.
            derived, churn, anchor, note = _signups_from_tenure(customers, roles, as_of,
                                                                name=self.tables["customers"].name)
            made = cohorts_from_customers(derived, customer_id=id_column, signup_date=_SIGNUP_FROM_TENURE,
                                          churn_date=churn, mrr=roles.get("mrr"), period=period, split=split,
                                          min_customers=int(min_customers), as_of=anchor)
            return replace(made, notes=(note, *made.notes))
        if customers is None or id_column is None or signup is None:
            raise DataError("Cohorts need the customer id and date columns of a transactions or events file, or "
                            "the customer id and signup date (or tenure in months) columns of the customers; say "
                            "which column holds the signup date (--date COL on the command line).")
        return cohorts_from_customers(customers, customer_id=id_column, signup_date=signup,
                                      churn_date=roles.get("churn_date"), mrr=roles.get("mrr"), period=period,
                                      split=split, min_customers=int(min_customers), as_of=as_of)

    def read_newer_export(self, file: Any, *, transactions: Any = None, events: Any = None,
                          sheet: str | None = None) -> NewerExport:
        """A newer export (Track, `assign`) read with this Dataset's steps and confirmed roles; see
        `read_newer_export`. `transactions` / `events`: files of the same period for recipes that
        need purchases or activity."""
        return read_newer_export(file, customers_from=self.customers_from, roles=self.roles,
                                 transactions=transactions, events=events, sheet=sheet)


# -- sources: tables that stay where they live --------------------------------------------------------
REMOTE_SAMPLE = 1_000  # rows of a remote table held locally, to guess its roles and show it


def _read_any(file: Any, kind: str | None, remote: dict, *, sheet: str | None, date_order: str | None) -> Table:
    """A file as `read_file` reads it; a source (`sources.is_source`: a folder, a glob, a database URL) by
    connecting to it: customers are pulled in whole, transactions and events stay there (`remote[kind]`
    gets the connection) and the Table holds their first rows. A remote table of undetected kind comes back
    with its kind as `format`."""
    table = read_file(file, sheet=sheet, date_order=date_order)
    if not isinstance(table, RemoteTable):
        return table
    conn, sample = table.conn, table.frame
    if kind == "customers":
        return Table(frame=conn.to_pandas(), name=conn.name, format=conn.source.kind)
    if kind is None:
        kind = detect_kind(sample)[0]
        if kind == "customers":
            return Table(frame=conn.to_pandas(), name=conn.name, format=conn.source.kind)
    if kind in remote:
        raise DataError(f"{conn.name} and {remote[kind].name} both hold {kind}; give one of each kind.")
    remote[kind] = conn
    where = "the folder's files" if conn.source.kind == "files" else "the database"
    note = (f"{conn.name}: the rows stay in {where}; the first {len(sample):,} are shown, and every sum is "
            "computed there.")
    return Table(frame=sample, name=conn.name, format=kind if kind is not None else conn.source.kind, notes=(note,))


def read_whole(file: Any, *, sheet: str | None = None, date_order: str | None = None) -> Table:
    """`read_file`, with a source's rows all read into memory (`Connected.to_pandas`, which refuses a table too
    big for that): for what is scored row by row here, a newer export or its purchases (Track, `assign`)."""
    table = read_file(file, sheet=sheet, date_order=date_order)
    if not isinstance(table, RemoteTable):
        return table
    conn = table.conn
    frame = conn.to_pandas()
    note = f"{conn.name}: all {len(frame):,} rows were read into memory to score them."
    return Table(frame=frame, name=conn.name, format=conn.source.kind, notes=(note,))


def _remote_table(file: Any) -> RemoteTable:
    from .sources import open_source

    conn = open_source(file)
    return RemoteTable(frame=conn.head(REMOTE_SAMPLE), name=conn.name, format=conn.source.kind, conn=conn)


def _from_remote(cls, tables: Mapping[str, Table], remote: Mapping[str, Any], source: str | None) -> Dataset:
    """`Dataset.from_tables` when some tables stay in their engine: the local ones are cleaned as usual; a
    remote one is taken as it is (cleaning it would need every row: `prepare` applies the returns rules in
    the engine) and its roles are guessed from its first rows."""
    tables = {k: (replace(t, format=remote[k].source.kind) if k in remote else t) for k, t in tables.items()}
    prepared = {kind: table if kind in remote else prepare_table(table, kind) for kind, table in tables.items()}
    roles = {kind: infer_roles(table.frame, kind=kind) for kind, table in prepared.items()}
    for kind in remote:
        if kind == "transactions" and roles[kind].get("amount") is None:
            lines, _ = _clean_sample(prepared[kind])
            if lines is not None:
                raise DataError(f"{prepared[kind].name} has order lines (a quantity and a unit price) but no amount "
                                "column; give a query that computes it, e.g. --query \"SELECT *, quantity * "
                                "unit_price AS amount FROM ...\".")
    names = source or ", ".join(t.name for t in prepared.values())
    derived_from = None
    if "customers" not in prepared:
        kinds = [k for k in ("transactions", "events") if k in prepared]
        kind = next((k for k in kinds if roles[k].get("customer_id") is not None), kinds[0])
        derived_from = kind
        if roles[kind].get("customer_id") is not None:
            maker = _remote_customers if kind in remote else None
            prepared["customers"], roles["customers"] = (
                maker(remote[kind], prepared[kind], roles[kind]) if maker else derived_customers(prepared[kind],
                                                                                               roles[kind]))
    return cls(prepared, roles, customers_from=derived_from, source=names, remote=dict(remote))


def _clean_sample(table: Table):
    from .cleaning import clean_transactions

    frame, notes = clean_transactions(table.frame)
    amount = infer_roles(frame, kind="transactions").get("amount") if frame is not table.frame else None
    return (frame, notes) if amount is not None else (None, notes)


def _remote_customers(conn: Any, table: Table, role_map: RoleMap) -> tuple[Table, RoleMap]:
    """Without a customers table, the customers of a remote orders or events table: its distinct ids, read
    from the engine. Their other columns stay there."""
    from .queries import pushdown

    column = role_map.get("customer_id")
    frame = pushdown.distinct_ids(conn, column, table.frame)
    note = (f"No customers file: the {len(frame):,} customers are the distinct ids in column '{column}' of "
            f"{conn.name}.")
    customers = Table(frame=frame, name=f"customers of {conn.name}", format=conn.source.kind, notes=(note,))
    return customers, infer_roles(frame, kind="customers").with_role("customer_id", column)


_SIGNUP_FROM_TENURE = "signup (from tenure)"
_CHURN_FROM_FLAG = "churn (from the outcome)"


def _signups_from_tenure(customers: pd.DataFrame, roles: RoleMap, as_of: Any, *,
                         name: str) -> tuple[pd.DataFrame, str | None, pd.Timestamp, str]:
    """The customers with a signup date counted back from the as-of date by their tenure in months, the churn
    date column to use, the as-of date and the sentence that says so.

    Signup = the first day of the month `tenure` months before the as-of month. A churn date column wins;
    else customers a churn outcome flags end in the as-of month (the file says they had left by then,
    not when), which keeps each one's months of life equal to its tenure. The as-of is `as_of`, else
    today: a file of tenures does not say when it was exported.
    """
    from .features import parse_as_of

    tenure = roles.get("tenure_months")
    anchor = parse_as_of(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    months = pd.to_numeric(customers[tenure], errors="coerce")
    months = months.where(months >= 0).round()
    index = anchor.year * 12 + anchor.month - 1 - months
    known = index.notna()
    signup = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    if known.any():
        signup[known] = pd.to_datetime(pd.DataFrame({"year": (index[known] // 12).astype(int),
                                                     "month": (index[known] % 12 + 1).astype(int), "day": 1}))
    derived = customers.assign(**{_SIGNUP_FROM_TENURE: signup})
    churn = roles.get("churn_date")
    outcome = roles.get("outcome")
    how = "; customers with no churn date are still there"
    if churn is None and outcome is not None and roles.outcome_kind == "churn":
        source = customers[outcome]
        gone = (source.notna() if pd.api.types.is_datetime64_any_dtype(source)
                else as_flag(source, of="churned").fillna(False).astype(bool))
        derived[_CHURN_FROM_FLAG] = pd.Series(anchor, index=customers.index).where(gone.to_numpy(), pd.NaT)
        churn = _CHURN_FROM_FLAG
        how = (f"; the {int(gone.sum()):,} customers marked churned in '{outcome}' leave in the as-of month (the "
               "file says they had left by then, not when). A file like this holds only the customers there in its "
               "last month, so logo retention is 100% by construction: read churn by month of life instead")
    elif churn is not None:
        how = f"; customers leave at their churn date ('{churn}')"
    when = ("given" if as_of is not None else
            "today, as the file does not say when it was exported; --as-of on the command line sets it")
    left_out = int((~known).sum())
    note = (f"{name} has no dates: each customer's signup month is {anchor:%Y-%m} (the as-of date, {when}) "
            f"minus '{tenure}' months as a customer{how}."
            + (f" {left_out:,} customers without a tenure fall in no cohort." if left_out else ""))
    return derived, churn, anchor, note


# -- newer exports ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewerExport:
    """A newer export read the way the Data page reads an upload, ready to be scored with saved segments.

    customers  one row per customer: the file itself, its rollup (one row per subscription), or the
               distinct ids of the file when it is a transactions or events table.
    options    keyword arguments for `tracking.apply_recipe` that come from the files: the
               transactions or events frame and their roles, `customers_from` and `id_column` when
               the customers are the file's ids, and the confirmed roles.
    kind       what the file was read as: "customers", "subscriptions", "transactions" or "events".
    notes      sentences on what was derived (amounts, MRR, the rollup, the customers, rows left out).
    """

    customers: Table
    options: Mapping[str, Any]
    kind: str
    notes: tuple[str, ...] = ()

    def score(self, segmentation, **options: Any):
        """(labels, tracking.Prepared): every customer assigned with the saved segments, no refit.
        `options` (as_of, id_column) go to `tracking.apply_recipe`."""
        from .tracking import apply_recipe

        given = {k: v for k, v in options.items() if v is not None}
        return apply_recipe(segmentation, self.customers.frame, **{**self.options, **given})


def read_newer_export(file: Any, *, customers_from: str | None = None,
                      roles: Mapping[str, RoleMap] | None = None, transactions: Any = None, events: Any = None,
                      sheet: str | None = None) -> NewerExport:
    """Read a newer export with the Data page's own steps, so the segments find their columns.

    customers_from  the kind the customers were taken from (`Dataset.customers_from`); None on the
                    command line, where the file's kind is detected. When it is "transactions" or
                    "events" and the file has that kind's date and is not one row per customer, the
                    file is read as that kind (payments cleaned, amounts derived) and its distinct ids
                    are the customers. Otherwise the file is a customers table: one row per subscription
                    is rolled up (its monthly MRR becomes the transactions), and an annual amount gives
                    the MRR.
    roles           the confirmed role maps by kind; each is used where the file has its columns.
    Raises DataError naming the file when it cannot be read that way.
    """
    roles = roles or {}
    table = read_whole(file, sheet=sheet)
    try:
        export = _newer(table, customers_from, roles)
        extra = _purchases(transactions, events, roles)
    except DataError as exc:
        message = str(exc)
        raise DataError(message if table.name in message else f"{table.name}: {message}") from None
    # The newer file's own transactions (it is the orders export, or its rollup) beat a purchases file.
    own = export.kind == "transactions" or (export.kind == "subscriptions" and transactions is None)
    options = {**_confirmed(roles), **export.options}
    if not own:
        options.update(extra.options)
    return replace(export, options=options, notes=(*export.notes, *extra.notes))


def _newer(table: Table, customers_from: str | None, roles: Mapping[str, RoleMap]) -> NewerExport:
    if customers_from is None:
        kind, _ = detect_kind(table.frame)
        customers_from = kind if kind in DATE_ROLE else None
    if customers_from in DATE_ROLE:
        prepared = prepare_table(table, customers_from)
        role_map = infer_roles(prepared.frame, kind=customers_from).with_roles(_plain(roles.get(customers_from)))
        column = role_map.get("customer_id")
        # A customers file (one row per customer) uploaded with its purchases stays a customers table.
        repeats = column is None or prepared.frame[column].dropna().duplicated().any()
        if role_map.get(DATE_ROLE[customers_from]) is not None and repeats:
            customers, _ = derived_customers(prepared, role_map)
            prefix = "transaction" if customers_from == "transactions" else "event"
            options = {customers_from: prepared.frame, f"{prefix}_roles": dict(role_map.roles),
                       "customers_from": customers_from, "id_column": column}
            return NewerExport(customers, options, customers_from,
                               (*_added(prepared, table), *customers.notes))
    prepared = prepare_table(table, "customers")
    rolled = rolled_up_export(prepared)
    if rolled is None:
        return NewerExport(prepared, {}, "customers", _added(prepared, table))
    (customers, customer_roles), (monthly, monthly_roles) = rolled
    # The rollup names its own columns (month, mrr): its roles travel with it.
    options = {"transactions": monthly.frame, "transaction_roles": dict(monthly_roles.roles),
               "roles": dict(customer_roles.roles)}
    return NewerExport(customers, options, "subscriptions", customers.notes)


@dataclass(frozen=True)
class _Extra:
    options: Mapping[str, Any]
    notes: tuple[str, ...] = ()


def _purchases(transactions: Any, events: Any, roles: Mapping[str, RoleMap]) -> _Extra:
    """The purchases and activity files of the same period, cleaned as on the Data page."""
    options: dict[str, Any] = {}
    notes: list[str] = []
    for kind, file in (("transactions", transactions), ("events", events)):
        if file is None:
            continue
        table = read_whole(file)
        prepared = prepare_table(table, kind)
        notes += [f"{table.name}: {note}" for note in _added(prepared, table)]
        options[kind] = prepared.frame
    return _Extra(options, tuple(notes))


def _confirmed(roles: Mapping[str, RoleMap]) -> dict[str, dict[str, str]]:
    """apply_recipe's keywords for the roles the user confirmed, by kind."""
    names = {"customers": "roles", "transactions": "transaction_roles", "events": "event_roles"}
    return {names[kind]: _plain(role_map) for kind, role_map in roles.items() if kind in names}


def _plain(role_map: RoleMap | Mapping[str, str] | None) -> dict[str, str]:
    return dict(getattr(role_map, "roles", role_map) or {})


def _added(prepared: Table, table: Table) -> tuple[str, ...]:
    """The notes preparing `table` added (how the file was read is the Data page's to show)."""
    return tuple(note for note in prepared.notes if note not in table.notes)

