"""Choosing 2-4 segmentation variables and turning them into numbers a method can use.

`prepare(frame, variables)` checks the choice (2 to 4 columns; not the customer id, not
constant, not mostly empty), then builds the numeric design matrix: skewed money and
count columns get ``log1p`` (auto: non-negative with skew above 1), numbers are scaled to
mean 0 and standard deviation 1, categories are one-hot encoded and missing numbers are
set to the median. Every choice is reported in words (`Design.transforms`, `Design.notes`)
and everything needed to transform next month's customers the same way is kept in
`Design.state`, plain JSON, so a recipe can re-apply it with `apply_state`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .names import _DATE_WORDS, _annual, _id_named, _normalise, _words
from .roles import RoleMap

__all__ = [
    "CATEGORIES",
    "default_variables",
    "empty_share",
    "MIN_VARIABLES",
    "MAX_VARIABLES",
    "MAX_LEVELS",
    "Design",
    "prepare",
    "centroid_state",
    "apply_state",
    "check_count",
    "guess_category",
    "looks_like_id",
    "find_id_column",
    "customer_ids",
    "missing_mask",
    "category_texts",
    "MISSING_LEVEL",
]

CATEGORIES = ("firmographic", "behavioural", "value", "needs", "technographic", "psychographic")
MIN_VARIABLES = 2
MAX_VARIABLES = 4
# A categorical variable with more groups than this is an identifier or free text, not a segment driver.
MAX_LEVELS = 20
MISSING_LEVEL = "(missing)"
SKEW_LIMIT = 1.0

# Words in a column name that hint at its category; the first category that matches wins.
_CATEGORY_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("psychographic", ("nps", "csat", "satisfaction", "survey", "attitude", "sentiment", "persona")),
    ("needs", ("ticket", "support", "goal", "need", "use_case", "usecase", "request", "pain", "job")),
    ("technographic", ("integration", "platform", "browser", "device", "api", "stack", "os_", "tech", "sdk")),
    (
        "value",
        ("mrr", "arr", "revenue", "amount", "ltv", "clv", "plan", "price", "spend", "monetary",
         "paid", "converted", "contract", "discount", "tier", "seats"),
    ),
    (
        "behavioural",
        ("login", "session", "feature", "usage", "active", "event", "frequency", "recency", "adopt",
         "visit", "click", "days_since", "tenure", "churn", "trial", "channel"),
    ),
    (
        "firmographic",
        ("industry", "employee", "country", "region", "size", "company", "sector", "headcount",
         "city", "state", "segment", "vertical"),
    ),
)

_ID_NAMES = {"id", "uuid", "guid", "customerid", "accountid", "userid", "clientid", "customernumber"}
_ID_PATTERN = re.compile(r"(?:^|[\s_.\-])(?:id|uuid|guid)$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z]I[dD]$")  # customerId, accountID (case matters: "paid" is no id)


# -- naming helpers ----------------------------------------------------------------------------
def looks_like_id(name: object) -> bool:
    """True for names such as ``customer_id``, ``Account ID``, ``userId`` or ``id``."""
    text = str(name).strip()
    return (
        text.lower().replace(" ", "").replace("_", "") in _ID_NAMES
        or bool(_ID_PATTERN.search(text))
        or bool(_CAMEL_ID.search(text))
    )


def find_id_column(frame: pd.DataFrame) -> str | None:
    """The first column whose name looks like an id and whose values are all different."""
    for column in frame.columns:
        if looks_like_id(column) and frame[column].notna().all() and frame[column].is_unique:
            return column
    return None


def customer_ids(frame: pd.DataFrame, id_column: str | None = None) -> pd.Index:
    """Customer ids as text, one per row, for indexing labels.

    `id_column` names the column; when None, a column that looks like an id is used if the
    frame's index is unnamed row numbers (also after sampling or filtering rows), else the
    frame's index (a customer table indexed by id).
    """
    row_numbers = frame.index.name is None and pd.api.types.is_integer_dtype(frame.index)
    if id_column is None and row_numbers:
        id_column = find_id_column(frame)
    if id_column is not None and id_column not in frame.columns and frame.index.name == id_column:
        id_column = None  # a customer table indexed by that id (fitted on the file, applied to the table)
    if id_column is not None:
        if id_column not in frame.columns:
            raise DataError(f"The id column {id_column!r} is not in the data; columns: {_listing(frame.columns)}.")
        values = frame[id_column]
        where = f"column {id_column!r}"
    else:
        values = pd.Series(frame.index, index=frame.index)
        where = "the row index"
    from .features import ids_as_text  # the one id normaliser: 17.0 reads "17", e-mails without case

    text = ids_as_text(values, column=str(id_column or "index"), table="customers").to_numpy(dtype=object)
    empty = pd.isna(text)
    if empty.any():
        row = int(np.flatnonzero(empty)[0]) + 1
        raise DataError(f"The customer id in {where} is empty in row {row}; every customer needs an id.")
    ids = pd.Index(text, dtype=object, name=id_column or frame.index.name)
    if not ids.is_unique:
        dup = ids[ids.duplicated()][0]
        raise DataError(
            f"The customer id {dup!r} appears more than once in {where}; use a table with one row per customer."
        )
    return ids


def _id_text(value: object) -> str:
    # Ids read as floats (1.0) are shown as integers so they match the file's text.
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def guess_category(name: object) -> str:
    """A category for a column from words in its name (``mrr`` -> value, ``logins_30d`` -> behavioural)."""
    text = str(name).lower()
    for category, hints in _CATEGORY_HINTS:
        if any(hint in text for hint in hints):
            return category
    return "behavioural"


def check_count(variables: Sequence[str]) -> None:
    """Refuse fewer than 2 or more than 4 variables, with the reason."""
    if len(variables) > MAX_VARIABLES:
        raise DataError(
            "Choose at most 4 variables: more leads to analysis paralysis; start with 2-4 tied to your "
            "goal and iterate."
        )
    if len(variables) < MIN_VARIABLES:
        raise DataError(
            "Choose at least 2 variables: one variable gives a ranking, not segments; start with 2-4 tied "
            "to your goal."
        )


# -- the design ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Design:
    """The variables as numbers: matrix of the fitted frame plus the state to redo it.

    variables   the variables used, in the order given.
    categories  variable -> category (firmographic, behavioural, value, needs, technographic, psychographic).
    transforms  variable -> what was done in words, e.g. "log1p + scale", "one-hot (5 levels)".
    imputed     variable -> number of missing values set to the median.
    columns     the design-matrix column names ("mrr", "plan=Enterprise", ...).
    state       JSON-able; `apply_state(state, frame)` rebuilds the matrix for other customers.
    matrix      the design matrix of the frame it was prepared on (rows in the frame's order).
    notes       plain sentences about the choices (transforms, imputation, skipped columns).
    """

    variables: tuple[str, ...]
    categories: Mapping[str, str]
    transforms: Mapping[str, str]
    imputed: Mapping[str, int]
    columns: tuple[str, ...]
    state: Mapping[str, Any]
    matrix: np.ndarray = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("categories", "transforms", "imputed", "state"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        self.matrix.setflags(write=False)

    def apply(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix for other customers, transformed exactly as the fitted ones."""
        return apply_state(self.state, frame)

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(spec["name"] for spec in self.state["variables"] if spec["kind"] == "numeric")

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(spec["name"] for spec in self.state["variables"] if spec["kind"] == "categorical")


def prepare(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    transforms: str | Mapping[str, str] = "auto",
    categories: Mapping[str, str] | None = None,
    id_column: str | None = None,
    max_missing: float = 0.5,
    strict: bool = True,
) -> Design:
    """Check the chosen variables and build the design matrix.

    transforms  "auto" (log1p for non-negative columns with skew above 1), "none", or a
                mapping variable -> "log1p" | "none" | "auto".
    categories  variable -> category; unnamed ones are guessed from the column name.
    id_column   the customer id column, refused as a variable (also refused: names that look
                like ids).
    strict      True: refuse bad columns and enforce 2-4 variables. False (used to validate
                segments another way, e.g. rules over one column): skip unusable columns
                and say so in `notes`; only unknown columns and nothing usable are errors.
    """
    if isinstance(variables, str):
        variables = [v.strip() for v in variables.split(",") if v.strip()]
    variables = list(dict.fromkeys(variables))
    if strict:
        check_count(variables)
    unknown = [v for v in variables if v not in frame.columns]
    if unknown:
        raise DataError(
            f"The column {unknown[0]!r} is not in the data; choose from: {_listing(frame.columns)}."
        )
    if not 0 < max_missing <= 1:
        raise DataError(f"max_missing={max_missing} should be a share between 0 and 1.")
    per_variable = _transform_choices(transforms, variables)
    chosen_categories = dict(categories or {})
    for name, category in chosen_categories.items():
        if category not in CATEGORIES:
            raise DataError(f"Category {category!r} for {name!r} is not one of: {', '.join(CATEGORIES)}.")

    specs: list[dict[str, Any]] = []
    notes: list[str] = []
    words: dict[str, str] = {}
    imputed: dict[str, int] = {}
    used: list[str] = []
    for name in variables:
        series = frame[name]
        problem = _refusal(name, series, id_column=id_column, max_missing=max_missing)
        if problem:
            if strict:
                raise DataError(problem)
            notes.append(f"Skipped {name!r}: {problem[0].lower()}{problem[1:]}")
            continue
        if _is_numeric(series):
            spec, missing = _fit_numeric(name, series, per_variable[name])
            words[name] = ("log1p + scale" if spec["log1p"] else "scale")
            if missing:
                imputed[name] = missing
                notes.append(
                    f"{missing:,} missing value{'s' if missing != 1 else ''} of {name!r} set to the median "
                    f"({_number(spec['fill'])})."
                )
            if spec["log1p"] and per_variable[name] == "auto":
                notes.append(f"{name!r} is skewed (skew {spec['skew']:.1f}), so it is log-transformed (log1p).")
        else:
            spec = _fit_categorical(name, series)
            words[name] = f"one-hot ({len(spec['levels'])} levels)"
        specs.append(spec)
        used.append(name)
    if not used:
        raise DataError(
            f"None of the variables {_listing(variables)} can be used: " + " ".join(notes)
        )
    state = {"variables": specs, "columns": _columns(specs)}
    return Design(
        variables=tuple(used),
        categories={v: chosen_categories.get(v) or guess_category(v) for v in used},
        transforms=words,
        imputed=imputed,
        columns=tuple(state["columns"]),
        state=state,
        matrix=apply_state(state, frame),
        notes=tuple(notes),
    )


def centroid_state(design: Design, centres: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """The fitted state of a centroid method (K-means, or a scikit-learn clusterer summarised by its
    centres): how to rebuild the design matrix, the centres in it, and each centre's segment name."""
    return {
        "design": dict(design.state),
        "centroids": np.asarray(centres).tolist(),
        "names": list(names),
        "transforms": dict(design.transforms),
    }


def apply_state(state: Mapping[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """The design matrix of `frame` under a saved `Design.state` (for new customers or a recipe)."""
    blocks: list[np.ndarray] = []
    for spec in state["variables"]:
        name = spec["name"]
        if name not in frame.columns:
            raise DataError(f"The data lacks the column {name!r} these segments were built on; add or map it.")
        if spec["kind"] == "numeric":
            values = _numbers(frame[name], name)
            values = np.where(np.isnan(values), spec["fill"], values)
            if spec["log1p"]:
                # New data can hold negatives (refunds) the fit never saw; the floor keeps log1p finite.
                values = np.log1p(np.clip(values, 0.0, None))
            blocks.append(((values - spec["mean"]) / spec["scale"])[:, None])
        else:
            text = category_texts(frame[name])
            levels = np.asarray(spec["levels"], dtype=object)
            blocks.append((text[:, None] == levels[None, :]).astype(float))
    return np.hstack(blocks) if blocks else np.empty((len(frame), 0))


# -- private helpers (they assume checked input) ---------------------------------------------
def _transform_choices(transforms: str | Mapping[str, str], variables: list[str]) -> dict[str, str]:
    allowed = ("auto", "log1p", "none")
    if isinstance(transforms, str):
        if transforms not in ("auto", "none"):
            raise DataError(f"transforms={transforms!r} should be 'auto', 'none' or a mapping per variable.")
        return {v: transforms for v in variables}
    choices = {v: str(transforms.get(v, "auto")) for v in variables}
    for name, choice in choices.items():
        if choice not in allowed:
            raise DataError(f"Transform {choice!r} for {name!r} should be one of: {', '.join(allowed)}.")
    return choices


def _refusal(name: str, series: pd.Series, *, id_column: str | None, max_missing: float) -> str | None:
    """Why a column cannot be a segmentation variable, or None when it can."""
    if name == id_column or looks_like_id(name):
        return (
            f"Column {name!r} is the customer id; an id only names customers, so it cannot segment them. "
            "Choose a column that describes them."
        )
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return (
            f"Column {name!r} holds dates; turn it into a number first (e.g. tenure in days) to segment on it."
        )
    missing = missing_mask(series)
    share = float(missing.mean()) if len(series) else 1.0
    if share >= 1.0:
        return f"Column {name!r} is empty; choose a column that is filled in."
    if share > max_missing:
        return (
            f"Column {name!r} is empty for {share:.0%} of customers; choose a column filled for most "
            "customers or fill it first."
        )
    present = series[~missing]
    distinct = present.nunique() if _is_numeric(series) else pd.Series(category_texts(present)).nunique()
    if distinct <= 1:
        return (
            f"Column {name!r} has the same value for every customer, so it cannot tell segments apart; "
            "choose a column that varies."
        )
    if not _is_numeric(series) and distinct > MAX_LEVELS:
        return (
            f"Column {name!r} has {distinct:,} different values; a segmentation variable needs a few groups "
            f"(at most {MAX_LEVELS}). Choose a coarser column or a numeric one."
        )
    if _is_numeric(series) and not np.isfinite(present.to_numpy(dtype=float)).all():
        return f"Column {name!r} holds infinite values; fix or clear them first."
    return None


def _fit_numeric(name: str, series: pd.Series, choice: str) -> tuple[dict[str, Any], int]:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    missing = int(np.isnan(values).sum())
    present = values[~np.isnan(values)]
    fill = float(np.median(present))
    skew = float(pd.Series(present).skew()) if present.size > 2 else 0.0
    skew = 0.0 if not np.isfinite(skew) else skew
    if choice == "log1p" and present.min() < 0:
        raise DataError(f"Column {name!r} has negative values, so log1p cannot apply; use transform 'none'.")
    log = choice == "log1p" or (choice == "auto" and present.min() >= 0 and skew > SKEW_LIMIT)
    filled = np.where(np.isnan(values), fill, values)
    if log:
        filled = np.log1p(filled)
    mean = float(filled.mean())
    scale = float(filled.std())
    spec = {
        "name": name,
        "kind": "numeric",
        "log1p": bool(log),
        "fill": fill,
        "mean": mean,
        "scale": scale if scale > 0 else 1.0,
        "skew": round(skew, 3),
        "integer": bool(np.all(np.mod(present, 1) == 0)),
    }
    return spec, missing


def _fit_categorical(name: str, series: pd.Series) -> dict[str, Any]:
    text = category_texts(series)
    levels = sorted(set(text.tolist()), key=lambda v: (v == MISSING_LEVEL, v))
    return {"name": name, "kind": "categorical", "levels": levels}


def _columns(specs: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for spec in specs:
        if spec["kind"] == "numeric":
            columns.append(spec["name"])
        else:
            columns.extend(f"{spec['name']}={level}" for level in spec["levels"])
    return columns


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def missing_mask(series: pd.Series) -> np.ndarray:
    """True where a cell is empty (NaN, None or blank text)."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series.isna().to_numpy()
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # Factorizing first keeps the per-value Python work to the distinct values, not the rows.
    blank = np.fromiter((isinstance(u, str) and not u.strip() for u in uniques), dtype=bool, count=len(uniques))
    return (codes == -1) | (blank[codes] & (codes >= 0)) if len(uniques) else codes == -1


def category_texts(series: pd.Series) -> np.ndarray:
    """Category values as trimmed text; missing and blank cells become one '(missing)' level."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    words = [_id_text(u).strip() for u in uniques]
    words = np.asarray([w if w else MISSING_LEVEL for w in words] + [MISSING_LEVEL], dtype=object)
    return words[codes]  # code -1 (missing) picks the last entry


def _numbers(series: pd.Series, name: str) -> np.ndarray:
    if _is_numeric(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float).to_numpy()
    parsed = pd.to_numeric(series, errors="coerce")
    bad = parsed.isna() & ~pd.Series(missing_mask(series), index=series.index)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"Column {name!r} holds text such as {series.iloc[row]!r} (row {row + 1}) where numbers are "
            "expected; fix or clear those cells."
        )
    return parsed.to_numpy(dtype=float, na_value=np.nan)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.3g}"


def _listing(names: Sequence[object] | pd.Index, limit: int = 12) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# -- which columns to start from --------------------------------------------------------------------
def empty_share(series: pd.Series) -> float:
    """The share of cells that are empty: missing, or text that is only spaces."""
    if len(series) == 0:
        return 1.0
    missing = series.isna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing = missing | series.astype(str).str.strip().eq("")
    return float(missing.mean())


def default_variables(frame: pd.DataFrame, roles: RoleMap, *, candidates: Sequence[str], revenue: str | None = None,
                      derived: Sequence[str] = (), exclude: Sequence[str] = (), limit: int = 3,
                      max_missing: float = 0.5) -> list[str]:
    """The K-means variables to start from: the money column, then usage counts, then other numbers.

    Only numeric columns of `candidates` that can be fitted as they are: filled for at least
    half of the customers (`max_missing`), varying, and not an id ("Legacy_ID__c",
    "DunsNumber"), a date held as a number ("Start Date" = 45522, "YearStarted"), the churn or
    conversion flag, an annual amount beside `revenue`, or a column in `exclude`. `revenue` is
    the money column to start with; `derived` are usage columns computed from transactions or
    events. At most `limit` columns, in that order; fewer (even none) when fewer qualify.
    """
    info = {c.name: c for c in roles.columns}
    keys = {roles.get(r) for r in ("customer_id", "company", "order_id", "outcome", "converted")} | set(exclude)

    def usable(column: str) -> bool:
        if column in keys or column not in frame.columns:
            return False
        series = frame[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return False
        if empty_share(series) > max_missing or series.nunique(dropna=True) <= 1:
            return False
        norm = _normalise(column)
        words = _words(norm)
        if column in info and info[column].level in ("id", "date", "boolean"):
            return False
        if _id_named(norm) or words & {"id", "ids", "uuid", "guid"}:
            return False
        if revenue is not None and column != revenue and _annual(norm):
            return False  # ARR beside the MRR says the same thing twice, and weighs money double
        return not (words & _DATE_WORDS or norm.endswith("_at"))

    numeric = [c for c in candidates if usable(c)]
    categories = {c: info[c].category if c in info else None for c in numeric}
    money = ([revenue] if revenue in numeric else [c for c in numeric if categories[c] == "value"])[:1]
    usage = [c for c in numeric if categories[c] == "behavioural" or c in derived]
    return list(dict.fromkeys(money + usage + numeric))[:limit]
