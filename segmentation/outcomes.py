"""Outcome columns derived from mapped roles: what "actionable" and the profiles measure against."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from .errors import DataError

__all__ = ["with_outcomes", "OUTCOME_COLUMNS", "as_flag", "flag_words", "flag_problem", "outcome_problem"]

OUTCOME_COLUMNS = ("churned", "converted")
_YES = frozenset({"yes", "y", "true", "t", "1", "ja", "oui", "si"})
_NO = frozenset({"no", "n", "false", "f", "0", "nein", "non"})
# Words a status column writes, read for what the flag is about. "Paying" has converted but has not churned,
# so the two flags read different words. Words are compared as codes: "Closed Lost" -> "closed_lost".
_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "churned": (
        frozenset({"churned", "churn", "cancelled", "canceled", "inactive", "expired", "lost", "terminated", "closed",
                   "gekundigt", "abgewandert", "inaktiv", "resilie", "inactif", "cancelado", "inactivo", "baja"}),
        # Still a customer: a trial, a subscription about to start, one in dunning or one not renewing yet.
        frozenset({"active", "live", "trialing", "trial", "in_trial", "paying", "current", "past_due", "future",
                   "non_renewing", "aktiv", "actif", "activo", "not_churned"}),
    ),
    "converted": (
        frozenset({"paid", "converted", "paying"}),
        frozenset({"free", "trial", "trialing", "in_trial", "unpaid", "not_converted"}),
    ),
}
# Below this share of readable filled cells a column is not a flag at all ("Basic" / "Pro" / "Enterprise").
_MIN_READABLE = 0.5


def _code(value: object) -> str:
    """A cell as a comparable word: "Closed Lost" -> "closed_lost", "Gekündigt" -> "gekundigt"."""
    text = unicodedata.normalize("NFKD", str(value).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", text)


def flag_words(of: str = "churned") -> tuple[frozenset[str], frozenset[str]]:
    """The words (as codes) `as_flag` reads as true and as false for the flag `of` ("churned", "converted")."""
    if of not in _WORDS:
        raise DataError(f"Unknown flag {of!r}; flags are: {', '.join(_WORDS)}.")
    true, false = _WORDS[of]
    return _YES | true, _NO | false


def as_flag(series: pd.Series, *, of: str = "churned") -> pd.Series:
    """Yes/no-like values as a nullable boolean (unknown words become missing, not False).

    Besides yes/no and true/false, the words of a status column count, read for the flag `of`:
    for "churned", Cancelled, Canceled, Churned, Inactive, Expired, Lost, Terminated and Closed are
    true, Active, Live, Trialing, Paying and Current false; for "converted", Paid and Paying are
    true, Free and Trial false. Case, accents, spaces and hyphens do not matter.
    """
    true, false = flag_words(of)
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        return series.map(lambda v: pd.NA if pd.isna(v) else bool(v)).astype("boolean")
    codes = {value: _code(value) for value in series.dropna().unique()}
    text = series.map(codes)
    flag = pd.Series(pd.NA, index=series.index, dtype="boolean")
    flag[text.isin(true).to_numpy()] = True
    flag[text.isin(false).to_numpy()] = False
    return flag


def _filled(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values[values.astype(str).str.strip().ne("")]
    return values


def flag_problem(series: pd.Series, *, column: str, of: str = "churned") -> str | None:
    """Why `series` (the user's column `column`) cannot be read as the flag `of`, in one sentence, or None.

    A column is readable when at least half of its filled cells are yes/no words or words of a
    status (see `as_flag`); dates (a churn date: set or not) and filled numbers always are.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return None  # a date column empty everywhere says nobody churned
    what = "churned or not" if of == "churned" else "converted or not"
    examples = ("yes/no, true/false or Active/Cancelled, or map a churn date instead" if of == "churned"
                else "yes/no, true/false or Paid/Free")
    filled = _filled(series)
    if filled.empty:
        return (f"Column {column!r}, mapped as the {of} flag, is empty; map a column that says {what} "
                f"({examples}) on the Data page.")
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return None
    readable = as_flag(filled, of=of).notna()
    if readable.mean() >= _MIN_READABLE:
        return None
    unread = filled[~readable.to_numpy()].astype(str).str.strip().value_counts()
    shown = ", ".join(repr(v) for v in unread.index[:5]) + (", ..." if len(unread) > 5 else "")
    return (f"Column {column!r}, mapped as the {of} flag, holds {shown}, which do not say {what}; map a column "
            f"with {examples} on the Data page.")


def outcome_problem(frame: pd.DataFrame, roles: Mapping[str, str], outcome: str | None) -> str | None:
    """Why the outcome `outcome` ("churned" or "converted", as `with_outcomes` made it) cannot be used,
    naming the user's column it was read from, or None when it can (or is the user's own column)."""
    source = {"churned": roles.get("outcome"), "converted": roles.get("converted")}.get(outcome or "")
    if source is None or source == outcome or source not in frame.columns:
        return None
    return flag_problem(frame[source], column=source, of=outcome)


def with_outcomes(frame: pd.DataFrame, roles: Mapping[str, str]) -> pd.DataFrame:
    """A copy of `frame` with `churned` and `converted` flags where the roles allow them.

    churned: the mapped outcome column when there is one (a yes/no, a status such as
    Active/Cancelled, or a date: set means churned), else "has a churn date".
    converted: the mapped trial-to-paid column.
    Existing columns of those names are left alone: the user's own data wins. A mapped column
    that does not read as a flag gives a column of missing values; `outcome_problem` says why.
    """
    out = frame.copy()
    outcome, churn_date, converted = roles.get("outcome"), roles.get("churn_date"), roles.get("converted")
    if "churned" not in out.columns:
        if outcome in out.columns:
            source = out[outcome]
            out["churned"] = (source.notna().astype("boolean") if pd.api.types.is_datetime64_any_dtype(source)
                              else as_flag(source, of="churned"))
        elif churn_date in out.columns:
            out["churned"] = out[churn_date].notna()
    if "converted" not in out.columns and converted in out.columns:
        out["converted"] = as_flag(out[converted], of="converted")
    return out
