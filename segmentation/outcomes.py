"""Outcome columns derived from mapped roles: what "actionable" and the profiles measure against."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["with_outcomes", "OUTCOME_COLUMNS", "as_flag"]

OUTCOME_COLUMNS = ("churned", "converted")
_TRUE = {"yes", "y", "true", "t", "1", "ja", "oui", "si", "paid", "converted", "churned"}
_FALSE = {"no", "n", "false", "f", "0", "nein", "non", "free", "trial"}


def as_flag(series: pd.Series) -> pd.Series:
    """Yes/no-like values as a nullable boolean (unknown words become missing, not False)."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        return series.map(lambda v: pd.NA if pd.isna(v) else bool(v)).astype("boolean")
    text = series.astype("string").str.strip().str.lower()
    flag = pd.Series(pd.NA, index=series.index, dtype="boolean")
    flag[text.isin(_TRUE)] = True
    flag[text.isin(_FALSE)] = False
    return flag


def with_outcomes(frame: pd.DataFrame, roles: Mapping[str, str]) -> pd.DataFrame:
    """A copy of `frame` with `churned` and `converted` flags where the roles allow them.

    churned: the mapped outcome column when there is one, else "has a churn date".
    converted: the mapped trial-to-paid column.
    Existing columns of those names are left alone: the user's own data wins.
    """
    out = frame.copy()
    outcome, churn_date, converted = roles.get("outcome"), roles.get("churn_date"), roles.get("converted")
    if "churned" not in out.columns:
        if outcome in out.columns:
            out["churned"] = as_flag(out[outcome])
        elif churn_date in out.columns:
            out["churned"] = out[churn_date].notna()
    if "converted" not in out.columns and converted in out.columns:
        out["converted"] = as_flag(out[converted])
    return out
