"""Column roles: which column is the customer id, the dates, the money, and what every other column is.

`infer_roles` guesses from names and values; the user confirms or changes the guess in the
app (`RoleMap.with_role`, `RoleMap.with_category`). Guessing is conservative: a role is only
filled when a column's name and values both fit it.
"""


from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import pandas as pd

from .errors import DataError
from .names import (
    ACRONYMS,
    _BOOLEAN_VALUES,
    _CATEGORY_WORDS,
    _CUSTOMER_STATUS_NAMES,
    _EMAIL_NAMES,
    _MIN_STATUS_WORDS,
    _NOT_AMOUNT_WORDS,
    _NOT_MONTHS_WORDS,
    _NOT_COMPANY_WORDS,
    _NOT_MONEY_WORDS,
    _ORDER_NUMBER,
    _QUANTITY_NAMES,
    _ROLE_NAMES,
    _ROW_NAMES,
    _annual,
    _id_named,
    _money_named,
    _normalise,
    _words,
)
from .outcomes import OUTCOME_KINDS, as_flag, infer_outcome_kind

__all__ = [
    "KINDS",
    "ROLES",
    "REQUIRED_ROLES",
    "ROLES_BY_KIND",
    "ROLE_LABELS",
    "role_label",
    "LEVELS",
    "CATEGORIES",
    "ColumnInfo",
    "RoleMap",
    "infer_roles",
]

KINDS = ("customers", "transactions", "events")

ROLES = (
    "customer_id",
    "company",
    "signup_date",
    "tenure_months",
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
    "service_start",
    "service_end",
    "billing_period",
)
# Roles without which a table of each kind cannot be used (the one list: the Data page, the CLI and
# the customer table ask it).
REQUIRED_ROLES = {
    "customers": ("customer_id",),
    "transactions": ("customer_id", "transaction_date", "amount"),
    "events": ("customer_id", "event_date"),
}
# Roles that make sense per kind of table, in the order the app shows them.
ROLES_BY_KIND = {
    "customers": ("customer_id", "company", "signup_date", "tenure_months", "trial_start", "converted", "churn_date",
                  "mrr", "plan", "outcome"),
    # The service period (or its length) spreads an invoice over the months it pays for (revenue.mrr_movements).
    "transactions": ("customer_id", "transaction_date", "amount", "order_id", "service_start", "service_end",
                     "billing_period"),
    "events": ("customer_id", "event_date", "event_count"),
}
# What each role is called on screen, written as people write it ("MRR", not "Mrr").
ROLE_LABELS = {
    "customer_id": "Customer id",
    "company": "Company",
    "signup_date": "Signup date",
    "trial_start": "Trial start",
    "converted": "Converted to paid",
    "churn_date": "Churn date",
    "transaction_date": "Transaction date",
    "amount": "Amount",
    "order_id": "Order id",
    "mrr": "MRR",
    "plan": "Plan",
    "event_date": "Event date",
    "event_count": "Event count",
    "outcome": "Outcome",
    "tenure_months": "Tenure (months)",
    "service_start": "Service period start",
    "service_end": "Service period end",
    "billing_period": "Billing period",
}
LEVELS = ("numeric", "categorical", "date", "id", "text", "boolean")
CATEGORIES = ("firmographic", "behavioural", "value", "needs", "technographic", "psychographic")


def role_label(role: str | None, *, in_sentence: bool = False) -> str:
    """A role as people write it: "mrr" -> "MRR", "signup_date" -> "Signup date"; `in_sentence` starts it in
    lower case unless it is an acronym ("holds the signup date", "holds the MRR"). Blank for no role."""
    if not role:
        return ""
    label = ROLE_LABELS.get(role)
    if label is None:  # a role this list does not know yet: its key, in words, acronyms in capitals
        words = [ACRONYMS.get(w.lower(), w) for w in str(role).replace("_", " ").split()]
        label = " ".join(words)
        label = label[:1].upper() + label[1:]
    head = label.split(" ", 1)[0]
    if in_sentence and not (head.isupper() and len(head) > 1):
        return label[:1].lower() + label[1:]
    return label


@dataclass(frozen=True)
class ColumnInfo:
    """What one column is: its level of measurement, its variable category and its role."""

    name: str
    level: str
    category: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RoleMap:
    """Role -> column for one table, plus a `ColumnInfo` for every column.

    outcome_kind  what the outcome column measures (`outcomes.OUTCOME_KINDS`: churn, conversion,
                  response, other); set whenever an outcome is mapped, None otherwise.
    """

    kind: str
    roles: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[ColumnInfo, ...] = ()
    outcome_kind: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))
        object.__setattr__(self, "columns", tuple(self.columns))
        outcome = self.roles.get("outcome")
        if outcome is None:
            object.__setattr__(self, "outcome_kind", None)
        elif self.outcome_kind is None:  # a map made by hand: the kind its name says
            object.__setattr__(self, "outcome_kind", infer_outcome_kind(outcome))
        elif self.outcome_kind not in OUTCOME_KINDS:
            raise DataError(f"Unknown outcome kind {self.outcome_kind!r}; kinds are: {', '.join(OUTCOME_KINDS)}.")

    def get(self, role: str) -> str | None:
        return self.roles.get(role)

    def column(self, name: str) -> ColumnInfo:
        for info in self.columns:
            if info.name == name:
                return info
        raise DataError(f"There is no column {name!r}; columns are: {', '.join(c.name for c in self.columns)}.")

    def with_role(self, role: str, column: str | None) -> RoleMap:
        """A copy where `role` points at `column` (None clears it).

        A column plays one role: giving it a new one frees the role it had (`with_role("mrr", "plan")`
        leaves the old MRR role empty), so a table never reads one column as two things. A new outcome
        column gets the kind its name says, else keeps the kind the outcome had (`Dataset.with_role`
        reads the values too).
        """
        if role not in ROLES:
            raise DataError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.")
        roles = {r: c for r, c in self.roles.items() if r != role and (column is None or c != column)}
        if column is not None:
            self.column(column)  # validates the name
            roles[role] = column
        columns = tuple(
            replace(info, role=next((r for r, c in roles.items() if c == info.name), None)) for info in self.columns
        )
        kind = self.outcome_kind
        if role == "outcome" and column is not None and column != self.roles.get("outcome"):
            kind = infer_outcome_kind(column, previous=self.outcome_kind)
        return replace(self, roles=roles, columns=columns, outcome_kind=kind if "outcome" in roles else None)

    def with_outcome_kind(self, kind: str) -> RoleMap:
        """A copy whose outcome is of `kind` (churn, conversion, response, other): the user's word on what the
        outcome column measures."""
        if kind not in OUTCOME_KINDS:
            raise DataError(f"Unknown outcome kind {kind!r}; kinds are: {', '.join(OUTCOME_KINDS)}.")
        if self.roles.get("outcome") is None:
            raise DataError("No column is mapped as the outcome; map one first, then say what kind it is.")
        return replace(self, outcome_kind=kind)

    def with_roles(self, roles: Mapping[str, str | None]) -> RoleMap:
        """A copy with each role in `roles` moved to its column, in order; roles naming a column this
        table lacks are skipped (a confirmed map applied to another file keeps what fits)."""
        names = {info.name for info in self.columns}
        out = self
        for role, column in roles.items():
            if column is None or column in names:
                out = out.with_role(role, column)
        return out

    def missing(self, required: Sequence[str] | None = None) -> tuple[str, ...]:
        """The roles this kind of table needs (`REQUIRED_ROLES`) that no column plays yet."""
        return tuple(role for role in (REQUIRED_ROLES[self.kind] if required is None else required)
                     if self.roles.get(role) is None)

    def with_category(self, column: str, category: str | None) -> RoleMap:
        if category is not None and category not in CATEGORIES:
            raise DataError(f"Unknown category {category!r}; categories are: {', '.join(CATEGORIES)}.")
        self.column(column)
        columns = tuple(replace(c, category=category) if c.name == column else c for c in self.columns)
        return replace(self, columns=columns)

    def candidates(self, *, levels: tuple[str, ...] = ("numeric", "categorical", "boolean")) -> list[str]:
        """Columns that can be segmentation variables: not an id, not a role that is a key or a date, and not
        the churn or conversion flag: segments built from the outcome they are judged by prove nothing."""
        keys = {self.roles.get(r) for r in ("customer_id", "company", "order_id", "outcome", "converted")}
        return [c.name for c in self.columns if c.level in levels and c.name not in keys]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "roles": dict(self.roles), "outcome_kind": self.outcome_kind,
                "columns": [{"name": c.name, "level": c.level, "category": c.category, "role": c.role}
                            for c in self.columns]}


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
    id_named = _id_named(_normalise(name))
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


def _fits(role: str, level: str, series: pd.Series, norm: str = "") -> bool:
    """Can a column of this level (and name) hold the role? Money never takes a key, keys never take money."""
    if role.endswith("_date") or role in ("trial_start", "service_start", "service_end"):
        return level == "date"
    if role in ("amount", "mrr"):
        excluded = _NOT_AMOUNT_WORDS if role == "amount" else _NOT_MONEY_WORDS
        if role == "mrr" and _annual(norm):  # an ARR taken for the MRR makes every revenue figure 12 times too high
            return False
        return level == "numeric" and not _id_named(norm) and not _words(norm) & excluded
    if role == "event_count":
        return level == "numeric"
    if role == "customer_id":
        return level in ("id", "numeric", "text", "categorical") and not _money_named(norm)
    if role == "order_id":
        if _money_named(norm):
            return False
        if level == "numeric":  # an order number is a whole number; 12.5 is a measure
            values = series.dropna().to_numpy(dtype=float)
            return bool(len(values)) and bool((values == values.round()).all())
        if level == "categorical":  # few distinct values in a small file; "order_status" is not an order id
            return norm in _ROLE_NAMES["order_id"] or _id_named(norm) or _order_numbers(series)
        return level in ("id", "text")
    if role in ("converted", "outcome"):
        return level == "boolean"
    if role == "tenure_months":
        return level == "numeric" and _months(series, norm)
    if role == "plan":
        return level == "categorical"
    if role == "billing_period":  # "annual" / "month", or a number of months
        return level in ("categorical", "numeric") and not _money_named(norm)
    if role == "company":
        return level in ("text", "categorical", "id") and not _words(norm) & _NOT_COMPANY_WORDS
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


def _names(role: str, kind: str) -> tuple[str, ...]:
    names = _ROLE_NAMES[role]
    if role == "customer_id" and kind != "customers":
        names = tuple(n for n in names if n not in _ROW_NAMES)
    return names


def _order_numbers(series: pd.Series) -> bool:
    """Text such as "#1001" in (nearly) every cell: a shop's order number, whatever the column is called."""
    values = series.dropna()
    if values.empty or pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return False
    return bool(values.astype(str).str.strip().str.fullmatch(_ORDER_NUMBER).mean() >= 0.95)


def _name_forms(column: str) -> list[str]:
    """A header's normalised forms: "customers.id" is also "id", as Chargebee and warehouse exports prefix the
    table ("invoices.customer_id", "customers.billing_address.country")."""
    forms = [_normalise(column)]
    match = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*(?:\.[A-Za-z_][A-Za-z0-9_ ]*)*\.([^.]+)", str(column).strip())
    if match and _normalise(match.group(1)):
        forms.append(_normalise(match.group(1)))
    return forms


def _role_score(role: str, kind: str, column: str, series: pd.Series) -> int:
    norm = _normalise(column)
    names = _names(role, kind)
    if role == "customer_id":
        ids = tuple(n for n in names if n not in _EMAIL_NAMES)
        score = max(max(_match_score(form, ids), _match_score(form, _EMAIL_NAMES) // 4)
                    for form in _name_forms(column))
    else:
        score = max(_match_score(form, names) for form in _name_forms(column))
    if role == "order_id" and norm in ("name", "order_name") and _order_numbers(series):
        score = max(score, 1000 - _ROLE_NAMES["order_id"].index("order_number"))
    if role == "amount" and norm == "price":
        score = 0  # a price is per unit unless the table has no quantity; infer_roles decides that
    if score and role == "customer_id" and kind == "customers" and not series.dropna().is_unique:
        score //= 10  # an id repeated in a customers table is more likely a foreign key
    if score and role == "transaction_date":
        # Of two date columns that fit, prefer the one filled in: "Paid at" is blank on unpaid orders and
        # on a shop's extra line-item rows, "Created at" never is.
        score = int(score * series.notna().mean())
    return score


def infer_roles(frame: pd.DataFrame, *, kind: str = "customers") -> RoleMap:
    """Guess roles, levels and categories for the columns of one table of `kind`.

    Names are matched in snake_case ("InvoiceDate" -> invoice_date) and the values must fit the role
    (a date for dates, numbers for money, never an id for money). A role no column fits stays empty:
    the user maps it, which is better than a wrong guess. An id is preferred to an email for the
    customer, and a table prefix is ignored ("customers.id" is an "id"). In a customers table
    without a churn flag, a status column whose values say churned or not ("Active" / "Cancelled",
    Recurly's active / canceled / expired) is the outcome, so it is never offered as a variable. The
    outcome's kind (churn, conversion, response, other) is read from its name and values. A whole
    number of months as a customer (IBM Telco's `tenure`, 0-72) is `tenure_months`: by its name, and,
    for a bare "tenure", by values that fit months.
    """
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
            if column in taken or not _fits(role, levels[column], frame[column], _normalise(column)):
                continue
            score = _role_score(role, kind, column, frame[column])
            if score > best_score:
                best, best_score = column, score
        if best is None and role == "amount":
            best = _lone_price(frame, levels, taken)
        if best is not None:
            roles[role] = best
            taken.add(best)
    if kind == "customers" and "outcome" not in roles:
        status = _status_outcome(frame, levels, taken)
        if status is not None:
            roles["outcome"] = status
            taken.add(status)
    if "customer_id" not in roles:
        # Fall back to the first unique identifier-like column of a customers table. Not in transactions or
        # events: there customers repeat, and a unique id names the invoice or the event.
        for column in frame.columns:
            column = str(column)
            unique_id = levels[column] == "id" and frame[column].dropna().is_unique
            if kind == "customers" and column not in taken and unique_id:
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
    outcome = roles.get("outcome")
    kind_of_outcome = infer_outcome_kind(outcome, frame[outcome]) if outcome is not None else None
    return RoleMap(kind=kind, roles=roles, columns=columns, outcome_kind=kind_of_outcome)


# A bare "tenure" is months when its values fit: whole, from 0 to 20 years of months (IBM Telco: 0-72); a
# tenure in days soon passes that. A name that says months allows up to 100 years.
_MAX_BARE_MONTHS = 240
_MAX_MONTHS = 1200


def _months(series: pd.Series, norm: str) -> bool:
    """Whole numbers of months: not a name in another unit ("tenure_days"), never negative, in range."""
    words = _words(norm)
    if words & _NOT_MONTHS_WORDS or _id_named(norm):
        return False
    values = pd.to_numeric(series, errors="coerce").dropna().to_numpy(dtype=float)
    if not len(values) or (values < 0).any() or not (values == values.round()).all():
        return False
    said = bool(words & {"months", "month", "monate", "mois", "meses"})
    return float(values.max()) <= (_MAX_MONTHS if said else _MAX_BARE_MONTHS)


def _status_outcome(frame: pd.DataFrame, levels: Mapping[str, str], taken: set[str]) -> str | None:
    """A status column whose values say churned or not (Active / Cancelled), or None.

    Nearly every filled cell must be such a word (see `outcomes.as_flag`), and both kinds must
    occur: a status where everyone is active says nothing about churn, and a US "state" never fits.
    """
    best, best_score = None, 0
    for column in map(str, frame.columns):
        if column in taken or levels[column] not in ("categorical", "boolean"):
            continue
        score = max(_match_score(form, _CUSTOMER_STATUS_NAMES) for form in _name_forms(column))
        if score <= best_score:
            continue
        values = frame[column].dropna()
        values = values[values.astype(str).str.strip().ne("")]
        flags = as_flag(values, of="churned")
        if values.empty or flags.notna().mean() < _MIN_STATUS_WORDS or flags.dropna().nunique() < 2:
            continue
        best, best_score = column, score
    return best


def _lone_price(frame: pd.DataFrame, levels: Mapping[str, str], taken: set[str]) -> str | None:
    """A column called just "price" is the amount of a table without quantities (one price per invoice)."""
    if _find_column(frame, _QUANTITY_NAMES, levels) is not None:
        return None
    for column in frame.columns:
        column = str(column)
        if column not in taken and _normalise(column) == "price" and levels[column] == "numeric":
            return column
    return None


def _find_column(frame: pd.DataFrame, names: tuple[str, ...], levels: Mapping[str, str]) -> str | None:
    """The numeric column whose name fits `names` best (exact names first), or None."""
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        norm = _normalise(column)
        if levels[column] != "numeric" or _id_named(norm) or "compare" in _words(norm):
            continue
        score = _match_score(norm, names)
        if score > best_score:
            best, best_score = column, score
    return best
