"""Column roles: which column is the customer id, the dates, the money, and what every other column is.

`infer_roles` guesses from names and values; the user confirms or changes the guess in the
app (`RoleMap.with_role`, `RoleMap.with_category`). Guessing is conservative: a role is only
filled when a column's name and values both fit it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import pandas as pd

from .errors import DataError

__all__ = [
    "ROLES",
    "LEVELS",
    "CATEGORIES",
    "KINDS",
    "ColumnInfo",
    "RoleMap",
    "infer_roles",
    "quality_summary",
]

KINDS = ("customers", "transactions", "events")

ROLES = (
    "customer_id",
    "company",
    "signup_date",
    "trial_start",
    "converted",
    "churn_date",
    "transaction_date",
    "amount",
    "order_id",
    "mrr",
    "plan",
    "event_date",
    "event_count",
    "outcome",
)
# Roles that make sense per kind of table, in the order the app shows them.
ROLES_BY_KIND = {
    "customers": ("customer_id", "company", "signup_date", "trial_start", "converted", "churn_date", "mrr", "plan",
                  "outcome"),
    "transactions": ("customer_id", "transaction_date", "amount", "order_id"),
    "events": ("customer_id", "event_date", "event_count"),
}
LEVELS = ("numeric", "categorical", "date", "id", "text", "boolean")
CATEGORIES = ("firmographic", "behavioural", "value", "needs", "technographic", "psychographic")

# Name fragments, checked against a normalised column name ("Sign-up Date" -> "sign_up_date").
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customerid", "cust_id", "account_id", "accountid", "client_id", "user_id",
                    "subscriber_id", "customer_number", "customer_no", "kundennummer", "customer", "account", "id"),
    "company": ("company", "company_name", "account_name", "organisation", "organization", "org_name", "customer_name",
                "name"),
    "signup_date": ("signup_date", "sign_up_date", "signup", "signed_up", "created_at", "created", "registered",
                    "registration_date", "join_date", "joined", "start_date", "subscription_start", "first_seen"),
    "trial_start": ("trial_start", "trial_started", "trial_date", "trial_begin"),
    "converted": ("converted_to_paid", "converted", "is_paid", "paid", "conversion"),
    "churn_date": ("churn_date", "churned_at", "churned_on", "cancel_date", "cancelled_at", "canceled_at",
                   "cancellation_date", "end_date", "ended_at", "cancelled", "canceled", "cancelled_on",
                   "canceled_on", "cancellation", "churned", "churn", "ended", "terminated", "closed_at",
                   "lost_date"),
    "transaction_date": ("invoice_date", "order_date", "transaction_date", "payment_date", "purchase_date",
                         "paid_at", "paid_on", "paid_date", "date_paid", "invoiced_on", "invoiced_at",
                         "billing_date", "billed_on", "charged_at", "created_at", "date"),
    "amount": ("amount", "revenue", "total", "invoice_total", "order_value", "value", "price", "paid", "net_amount",
               "sales"),
    "order_id": ("invoice_id", "order_id", "transaction_id", "invoice_number", "order_number", "payment_id",
                 "invoice", "order"),
    "mrr": ("mrr", "monthly_recurring_revenue", "monthly_revenue", "arr"),
    "plan": ("plan", "plan_name", "tier", "pricing_plan", "subscription_plan", "package", "edition"),
    "event_date": ("event_date", "activity_date", "date", "day", "timestamp", "event_time", "occurred_at"),
    "event_count": ("sessions", "session_count", "events", "event_count", "count", "visits", "actions", "logins"),
    "outcome": ("churned", "is_churned", "churn", "churn_flag", "lost"),
}
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "firmographic": ("industry", "employee", "size", "country", "region", "city", "state", "vertical", "sector",
                     "company", "headcount", "location", "market"),
    "behavioural": ("login", "session", "active", "usage", "feature", "event", "visit", "click", "frequency",
                    "recency", "days", "adopt", "use", "orders", "channel", "source"),
    "value": ("mrr", "arr", "revenue", "amount", "ltv", "plan", "price", "monetary", "spend", "seat", "tier",
              "discount", "value", "paid"),
    "needs": ("goal", "need", "use_case", "ticket", "support", "reason", "theme", "request", "pain"),
    "technographic": ("integration", "platform", "os", "browser", "device", "tech", "api", "stack", "crm", "sdk"),
    "psychographic": ("nps", "satisfaction", "survey", "attitude", "csat", "sentiment", "score", "persona"),
}
_BOOLEAN_VALUES = {"yes", "no", "true", "false", "y", "n", "0", "1", "t", "f", "ja", "nein", "oui", "non"}


@dataclass(frozen=True)
class ColumnInfo:
    """What one column is: its level of measurement, its variable category and its role."""

    name: str
    level: str
    category: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RoleMap:
    """Role -> column for one table, plus a `ColumnInfo` for every column."""

    kind: str
    roles: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[ColumnInfo, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))
        object.__setattr__(self, "columns", tuple(self.columns))

    def get(self, role: str) -> str | None:
        return self.roles.get(role)

    def column(self, name: str) -> ColumnInfo:
        for info in self.columns:
            if info.name == name:
                return info
        raise DataError(f"There is no column {name!r}; columns are: {', '.join(c.name for c in self.columns)}.")

    def with_role(self, role: str, column: str | None) -> RoleMap:
        """A copy where `role` points at `column` (None clears it)."""
        if role not in ROLES:
            raise DataError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.")
        roles = {r: c for r, c in self.roles.items() if r != role}
        if column is not None:
            self.column(column)  # validates the name
            roles[role] = column
        columns = tuple(
            replace(info, role=next((r for r, c in roles.items() if c == info.name), None)) for info in self.columns
        )
        return replace(self, roles=roles, columns=columns)

    def with_category(self, column: str, category: str | None) -> RoleMap:
        if category is not None and category not in CATEGORIES:
            raise DataError(f"Unknown category {category!r}; categories are: {', '.join(CATEGORIES)}.")
        self.column(column)
        columns = tuple(replace(c, category=category) if c.name == column else c for c in self.columns)
        return replace(self, columns=columns)

    def candidates(self, *, levels: tuple[str, ...] = ("numeric", "categorical", "boolean")) -> list[str]:
        """Columns that can be segmentation variables: not an id, not a role that is a key or a date."""
        keys = {self.roles.get(r) for r in ("customer_id", "company", "order_id")}
        return [c.name for c in self.columns if c.level in levels and c.name not in keys]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "roles": dict(self.roles),
                "columns": [{"name": c.name, "level": c.level, "category": c.category, "role": c.role}
                            for c in self.columns]}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _level(series: pd.Series, name: str) -> str:
    values = series.dropna()
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    n_unique = values.nunique()
    if values.empty:
        return "text"
    if n_unique <= 2 and set(values.astype(str).str.strip().str.lower()) <= _BOOLEAN_VALUES:
        return "boolean"
    norm = _normalise(name)
    id_named = (norm == "id" or norm.endswith("_id") or norm in ("customerid", "accountid", "userid", "clientid")
                or norm.endswith("_number") or norm.endswith("_no"))
    if pd.api.types.is_numeric_dtype(series):
        if id_named and n_unique == len(values):
            return "id"
        return "numeric"
    text = values.astype(str)
    if id_named and n_unique >= 0.9 * len(values):
        return "id"
    # Many distinct short codes with digits (e.g. "00017", "C-1042") are identifiers, not categories.
    if n_unique == len(values) and len(values) > 20 and text.str.contains(r"\d").mean() > 0.9:
        return "id"
    limit = max(20, int(0.05 * len(values)))
    if n_unique <= limit:
        return "categorical"
    return "text"


def _category(name: str, level: str) -> str | None:
    if level in ("id", "date"):
        return None
    norm = _normalise(name)
    for category, words in _CATEGORY_WORDS.items():
        if any(word in norm for word in words):
            return category
    if level in ("numeric",):
        return "behavioural"
    if level in ("categorical", "boolean"):
        return "firmographic"
    return None


def _fits(role: str, level: str, series: pd.Series) -> bool:
    if role.endswith("_date") or role == "trial_start":
        return level == "date"
    if role in ("amount", "mrr", "event_count"):
        return level == "numeric"
    if role == "customer_id":
        return level in ("id", "numeric", "text", "categorical")
    if role == "order_id":
        return level in ("id", "numeric", "text")
    if role in ("converted", "outcome"):
        return level == "boolean"
    if role == "plan":
        return level == "categorical"
    if role == "company":
        return level in ("text", "categorical", "id")
    return True


def _match_score(norm: str, names: tuple[str, ...]) -> int:
    """Higher for earlier, exact names; 0 when no name fits."""
    best = 0
    for rank, candidate in enumerate(names):
        score = 0
        if norm == candidate:
            score = 1000 - rank
        elif norm.startswith(candidate + "_") or norm.endswith("_" + candidate):
            score = 500 - rank
        best = max(best, score)
    return best


def infer_roles(frame: pd.DataFrame, *, kind: str = "customers") -> RoleMap:
    """Guess roles, levels and categories for the columns of one table of `kind`."""
    if kind not in KINDS:
        raise DataError(f"Unknown table kind {kind!r}; kinds are: {', '.join(KINDS)}.")
    if frame.shape[1] == 0:
        raise DataError("The table has no columns.")
    levels = {str(c): _level(frame[c], str(c)) for c in frame.columns}
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for role in ROLES_BY_KIND[kind]:
        best, best_score = None, 0
        for column in frame.columns:
            column = str(column)
            if column in taken or not _fits(role, levels[column], frame[column]):
                continue
            score = _match_score(_normalise(column), _ROLE_NAMES[role])
            if role == "customer_id" and kind == "customers" and score and not frame[column].dropna().is_unique:
                score //= 10  # an id repeated in a customers table is more likely a foreign key
            if score > best_score:
                best, best_score = column, score
        if best is not None:
            roles[role] = best
            taken.add(best)
    if "customer_id" not in roles:
        # Fall back to the first unique identifier-like column.
        for column in frame.columns:
            column = str(column)
            if levels[column] == "id" and (kind != "customers" or frame[column].dropna().is_unique):
                roles["customer_id"] = column
                break
    by_column = {c: r for r, c in roles.items()}
    columns = tuple(
        ColumnInfo(
            name=str(c),
            level="id" if by_column.get(str(c)) in ("customer_id", "order_id") else levels[str(c)],
            category=None if by_column.get(str(c)) in ("customer_id", "order_id", "company")
            else _category(str(c), levels[str(c)]),
            role=by_column.get(str(c)),
        )
        for c in frame.columns
    )
    return RoleMap(kind=kind, roles=roles, columns=columns)


@dataclass(frozen=True)
class QualitySummary:
    """Data-quality facts a user should see before segmenting."""

    rows: int
    columns: pd.DataFrame  # column, level, missing_share, distinct, constant
    duplicate_ids: pd.DataFrame  # id, rows (spreadsheet-style row numbers)
    notes: tuple[str, ...]


def quality_summary(frame: pd.DataFrame, roles: RoleMap, *, header_row: int = 0, name: str = "the file") -> QualitySummary:
    """Missing share, constant columns and duplicate customer ids, with rows as a spreadsheet shows them."""
    n = len(frame)
    rows = []
    for info in roles.columns:
        series = frame[info.name]
        distinct = int(series.nunique(dropna=True))
        rows.append({
            "column": info.name,
            "level": info.level,
            "category": info.category or "",
            "role": info.role or "",
            "missing_share": float(series.isna().mean()) if n else 0.0,
            "distinct": distinct,
            "constant": distinct <= 1,
        })
    columns = pd.DataFrame(rows)
    notes = []
    id_col = roles.get("customer_id")
    duplicates = pd.DataFrame(columns=["id", "rows"])
    if id_col is not None and roles.kind == "customers":
        ids = frame[id_col]
        dup_mask = ids.duplicated(keep=False) & ids.notna()
        if dup_mask.any():
            # Row numbers as the user sees them: header line + 1-based data rows.
            first_data_row = header_row + 2
            positions = pd.Series(range(n), index=frame.index)[dup_mask.to_numpy()] + first_data_row
            grouped = pd.DataFrame({"id": ids[dup_mask].astype(str).to_numpy(), "row": positions.to_numpy()})
            duplicates = (grouped.groupby("id", sort=True)["row"]
                          .apply(lambda r: ", ".join(map(str, r))).reset_index(name="rows"))
            example = duplicates.iloc[0]
            notes.append(
                f"{len(duplicates)} customer id(s) in column {id_col!r} of {name} appear more than once "
                f"(e.g. {example['id']!r} on rows {example['rows']}); keep one row per customer."
            )
        if ids.isna().any():
            row = int(ids.isna().to_numpy().argmax()) + header_row + 2
            notes.append(f"{int(ids.isna().sum())} row(s) of {name} have no customer id in column {id_col!r} "
                         f"(first on row {row}); they will be left out.")
    constant = columns.loc[columns["constant"], "column"].tolist() if n else []
    if constant:
        notes.append(f"Column(s) {', '.join(map(repr, constant))} hold a single value and cannot separate segments.")
    return QualitySummary(rows=n, columns=columns, duplicate_ids=duplicates, notes=tuple(notes))
