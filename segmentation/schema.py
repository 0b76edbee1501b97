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
    "with_derived_amount",
    "customers_from_transactions",
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

# Name fragments, checked against a normalised column name ("Sign-up Date" -> "sign_up_date",
# "InvoiceDate" -> "invoice_date"). Earlier names win over later ones; an exact name wins over a
# name that only starts or ends with one ("order_purchase_timestamp" ends with "purchase_timestamp").
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_unique_id", "customer_id", "customerid", "cust_id", "account_id", "accountid",
                    "client_id", "user_id", "subscriber_id", "member_id", "contact_id", "buyer_id", "customer_number",
                    "customer_no", "client_number", "account_number", "kundennummer", "customer", "account",
                    "customer_email", "email", "email_address", "e_mail", "id"),
    "company": ("company", "company_name", "account_name", "organisation", "organization", "org_name", "customer_name",
                "name"),
    "signup_date": ("signup_date", "sign_up_date", "signup", "signed_up", "customer_since", "became_a_customer_date",
                    "created_at", "created", "create_date", "created_date", "date_created", "creation_date",
                    "registered", "registration_date", "join_date", "joined", "start_date", "subscription_start",
                    "first_seen"),
    "trial_start": ("trial_start", "trial_started", "trial_date", "trial_begin", "free_trial_started"),
    "converted": ("converted_to_paid", "converted", "is_paid", "paid", "conversion"),
    "churn_date": ("churn_date", "churned_at", "churned_on", "churned_date", "date_churned", "cancel_date",
                   "cancelled_at", "canceled_at", "cancellation_date", "cancelled_date", "canceled_date", "end_date",
                   "ended_at", "cancelled", "canceled", "cancelled_on", "canceled_on", "cancellation", "churned",
                   "churn", "ended", "terminated", "closed_at", "lost_date"),
    "transaction_date": ("invoice_date", "order_date", "transaction_date", "payment_date", "purchase_date",
                         "order_purchase_timestamp", "purchase_timestamp", "date_utc", "created_utc", "paid_at",
                         "paid_on", "paid_date", "date_paid", "invoiced_on", "invoiced_at", "billing_date", "billed_on",
                         "charged_at", "created_at", "order_created_at", "created", "transaction_timestamp",
                         "order_timestamp", "timestamp", "date", "day"),
    "amount": ("amount", "amount_paid", "total_amount", "payment_value", "payment_amount", "revenue", "total",
               "invoice_total", "order_total", "grand_total", "line_total", "order_value", "net_sales", "gross_sales",
               "net_amount", "gross_amount", "sales", "subtotal", "sub_total", "value", "paid"),
    "order_id": ("invoice_id", "order_id", "transaction_id", "invoice_number", "order_number", "invoice_no",
                 "invoiceno", "order_no", "orderno", "invoice_num", "order_num", "transaction_number",
                 "transaction_no", "payment_id", "charge_id", "receipt_number", "receipt_no", "invoice", "order", "id"),
    "mrr": ("mrr", "monthly_recurring_revenue", "monthly_revenue", "monthly_charges", "monthly_charge", "monthly_fee",
            "monthly_fees", "monthly_amount", "monthly_price", "monthly_payment", "monthly_spend", "arr"),
    "plan": ("plan", "plan_name", "tier", "pricing_plan", "subscription_plan", "package", "edition"),
    "event_date": ("event_date", "activity_date", "date", "day", "timestamp", "event_time", "occurred_at"),
    "event_count": ("sessions", "session_count", "events", "event_count", "count", "visits", "actions", "logins"),
    "outcome": ("churned", "is_churned", "has_churned", "churn", "churn_flag", "churn_label", "churn_value", "exited",
                "lost"),
}
# In a transactions or events table a bare "id" names the row (the invoice, the event), not the customer.
_ROW_NAMES = ("id",)
# Words that make a column a part of a payment (a unit price, a tax, a refund) or a count, never the amount
# paid ("Discount Amount", "total_weight"); "fee" is money for MRR ("monthly_fee") but a deduction from a payment.
_NOT_MONEY_WORDS = frozenset({
    "unit", "each", "tax", "taxes", "vat", "shipping", "freight", "discount", "discounts", "refund", "refunded",
    "remaining", "balance", "commission", "installments", "installment", "sequential", "quantity", "qty", "count",
    "rate", "percent", "pct", "share", "compare", "cost", "tip", "weight", "items", "orders", "lines", "days",
    "points", "score", "margin",
})
_NOT_AMOUNT_WORDS = _NOT_MONEY_WORDS | {"fee", "fees"}
# Words that make a column money, never a key.
_MONEY_WORDS = frozenset({"amount", "total", "subtotal", "value", "price", "revenue", "sales", "paid", "cost", "tax",
                          "fee", "mrr", "arr", "charges", "balance"})
_ID_WORDS = frozenset({"id", "ids", "no", "nr", "number", "code", "key", "uuid", "guid", "sku", "zip",
                       "postcode", "postal", "phone", "ref"})
# "Quantity x unit price" when a transactions table has lines but no amount (UCI Online Retail).
_QUANTITY_NAMES = ("quantity", "qty", "units", "quantity_ordered", "qty_ordered", "item_quantity", "unit_count",
                   "number_of_units")
_UNIT_PRICE_NAMES = ("unit_price", "unitprice", "price_each", "price_per_unit", "item_price", "sale_price",
                     "selling_price", "price")
_ORDER_NUMBER = r"^#[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*$"  # Shopify's order "Name": #1001
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
    """snake_case words: "Sign-up Date" -> "sign_up_date", "InvoiceDate" -> "invoice_date", "customerID" ->
    "customer_id", "MRR" -> "mrr"."""
    text = str(name).strip()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)  # camelCase and PascalCase: a capital starts a word
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)  # an acronym before a word: "MRRGrowth" -> "MRR_Growth"
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _words(norm: str) -> set[str]:
    return set(norm.split("_"))


def _id_named(norm: str) -> bool:
    """The name says "identifier": "id", "customer_id", "invoice_no", "Record ID", "StockCode"."""
    return (norm == "id" or norm.endswith("_id") or norm in ("customerid", "accountid", "userid", "clientid")
            or norm.endswith("_number") or norm.endswith("_no") or norm.split("_")[-1] in _ID_WORDS)


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
    if role.endswith("_date") or role == "trial_start":
        return level == "date"
    if role in ("amount", "mrr"):
        excluded = _NOT_AMOUNT_WORDS if role == "amount" else _NOT_MONEY_WORDS
        return level == "numeric" and not _id_named(norm) and not _words(norm) & excluded
    if role == "event_count":
        return level == "numeric"
    if role == "customer_id":
        return level in ("id", "numeric", "text", "categorical") and not _words(norm) & _MONEY_WORDS
    if role == "order_id":
        if _words(norm) & _MONEY_WORDS:
            return False
        if level == "numeric":  # an order number is a whole number; 12.5 is a measure
            values = series.dropna().to_numpy(dtype=float)
            return bool(len(values)) and bool((values == values.round()).all())
        if level == "categorical":  # few distinct values in a small file; "order_status" is not an order id
            return norm in _ROLE_NAMES["order_id"] or _id_named(norm) or _order_numbers(series)
        return level in ("id", "text")
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


def _role_score(role: str, kind: str, column: str, series: pd.Series) -> int:
    norm = _normalise(column)
    score = _match_score(norm, _names(role, kind))
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
    the user maps it, which is better than a wrong guess.
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
    return RoleMap(kind=kind, roles=roles, columns=columns)


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


def with_derived_amount(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """A transactions table with an amount column: as given when it has one, else quantity x unit price.

    Line-level exports such as UCI's Online Retail (Quantity, UnitPrice) have no amount column.
    When no column fits the amount role but one holds quantities and another unit prices (both
    numbers), the result has a new column "amount" ("amount_derived" when "amount" is taken)
    = quantity x unit price, and the second value is a sentence saying so; otherwise the
    frame comes back unchanged with None. Negative quantities (returns) give negative amounts,
    so revenue is net of them. The input is never changed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if frame.shape[1] == 0 or infer_roles(frame, kind="transactions").get("amount") is not None:
        return frame, None
    levels = {str(c): _level(frame[c], str(c)) for c in frame.columns}
    quantity = _find_column(frame, _QUANTITY_NAMES, levels)
    price = _find_column(frame, _UNIT_PRICE_NAMES, levels)
    if quantity is None or price is None or quantity == price:
        return frame, None
    name = next((n for n in ("amount", "amount_derived") if n not in frame.columns), None)
    if name is None:
        return frame, None
    # Rounded to remove float noise (6 x 2.55 = 15.299999999999999), keeping any sub-cent prices.
    values = (pd.to_numeric(frame[quantity]).astype("float64") * pd.to_numeric(frame[price]).astype("float64")).round(6)
    out = frame.assign(**{name: values.to_numpy()})
    return out, f"Added '{name}' = {quantity} x {price}, because the file has no amount column."


def customers_from_transactions(frame: pd.DataFrame, *, customer_id: str) -> pd.DataFrame:
    """One row per customer of a transactions (or events) table, for exports that have no customers file.

    The first column, named like `customer_id`, holds each distinct id once as text (17850.0 from a
    column with blanks reads "17850"), in order of first appearance; rows without an id are left
    out. Every other text column that holds one value per customer, and not one value for all
    (Country, Customer Email), comes along, so it can describe or split the segments; numbers and
    dates describe purchases and stay with them. The input is never changed.
    """
    from .features import ids_as_text  # features builds on the roles found here, not the other way round

    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if customer_id not in frame.columns:
        raise DataError(f"There is no column {customer_id!r}; columns are: {', '.join(map(str, frame.columns))}.")
    ids = ids_as_text(frame[customer_id], column=customer_id, table="transactions")
    keep = ids.notna().to_numpy()
    if not keep.any():
        raise DataError(f"Column {customer_id!r} holds no customer id; map the column that names the customer.")
    # Only words can describe a customer: numbers and dates of a purchase stay with the purchases.
    described = [c for c in frame.columns if c != customer_id and not pd.api.types.is_numeric_dtype(frame[c])
                 and not pd.api.types.is_datetime64_any_dtype(frame[c])]
    rows = frame.loc[keep, described].assign(__id__=ids[keep].to_numpy(dtype=object))
    grouped = rows.groupby("__id__", sort=False)
    per_customer = grouped.nunique(dropna=True)
    overall = rows[described].nunique(dropna=True)
    # One value per customer, and not the same for everyone (a currency or a shop's only channel says nothing).
    carried = [c for c in described if per_customer[c].max() <= 1 and overall[c] > 1]
    out = grouped[carried].first() if carried else pd.DataFrame(index=per_customer.index)
    out.insert(0, customer_id, out.index.to_numpy(dtype=object))
    return out.reset_index(drop=True)


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
