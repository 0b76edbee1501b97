"""Profiles-page helpers: the profiles of the session's segments, table formats, the ideal-customer inputs."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from segmentation.profiles import KPI_LABELS, PERCENT_LABELS, kpi_columns, over_index, profile, rules_in_words
from ui import state
from ui.customer_map import map_variables
from ui.memo import shared

__all__ = ["profiles_of", "profiles_or_stop", "table_column_config", "table_formats", "ICP_NEEDS_FIRMOGRAPHICS",
           "best_by_options", "best_by_label",
           "icp_attributes", "over_index_of", "id_column", "export_columns"]

# Column-name words that mark money and day counts in the profiles table.
_MONEY_WORDS = ("mrr", "arr", "arpa", "revenue", "monetary", "amount", "spend", "price")
_MONEY_CENTS = "%,.2f"  # per-account money (MRR, ARPA): cents matter
_MONEY_WHOLE = "%,.0f"  # totals and lifetime values: cents are noise
_WHOLE = "%,.0f"
_BEST_BY = ("ltv", "churn_rate", "mrr_mean", "conversion_rate", "outcome_rate", "nps", "share_of_revenue")


def profiles_of(dataset, frame: pd.DataFrame, segmentation, validation):
    """The profiles of `segmentation` on `frame` with each segment's rule in words, computed once per data,
    segmentation and KPI columns for every session (ui.memo.shared). Raises DataError."""
    rules = rules_in_words(segmentation, validation)
    kpis = kpi_columns(frame, dataset.roles.get("customers"))
    key = (dataset.fingerprint, segmentation.fingerprint, tuple(kpis.items()), tuple(sorted(rules.items())))
    return shared("profiles", key, lambda: profile(frame, segmentation, rules=rules, **kpis))


def profiles_or_stop(frame: pd.DataFrame, segmentation, validation):
    """`profiles_of` the session's data; a DataError is shown and stops the page."""
    try:
        return profiles_of(state.dataset(), frame, segmentation, validation)
    except DataError as exc:
        st.error(str(exc))
        st.stop()


def table_formats(table: pd.DataFrame) -> dict[str, str]:
    """Column -> number format of the profiles table: shares as %, money with thousands separators
    (2 decimals per account, none for totals and LTV), days and counts as whole numbers."""
    formats: dict[str, str] = {}
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
            continue
        name = str(column).lower()
        if column in PERCENT_LABELS:
            formats[column] = "percent"
        elif "days" in name or column in (KPI_LABELS["customers"],):
            formats[column] = _WHOLE
        elif name.startswith(("ltv", "revenue", "lifetime revenue", "current mrr", "median monetary")):
            formats[column] = _MONEY_WHOLE
        elif any(word in name for word in _MONEY_WORDS):
            formats[column] = _MONEY_CENTS
        elif name.startswith("nps"):
            formats[column] = "%.0f"
        else:
            formats[column] = "localized"
    return formats


def table_column_config(table: pd.DataFrame, helps: Mapping[str, str] | None = None) -> dict:
    """The profiles table's formats (see `table_formats`), the rule column wide, and each column's
    definition (`Profiles.column_help`) as its tooltip, so "Mean current MRR" and "ARPA" say how they differ
    where they are read."""
    helps = dict(helps or {})
    config = {c: st.column_config.NumberColumn(c, format=f, help=helps.get(c)) for c, f in table_formats(table).items()}
    config.update({c: st.column_config.TextColumn(c, help=words) for c, words in helps.items()
                   if c in table.columns and c not in config})
    if "rule" in table.columns:
        config["rule"] = st.column_config.TextColumn("rule in plain words", width="large", help=helps.get("rule"))
    return config


def best_by_options(profiles) -> list[str]:
    """The KPIs the best segment can be picked by, those the profiles have ("customers" when none)."""
    return [k for k in _BEST_BY if k in profiles.summary.columns] or ["customers"]


def best_by_label(kpi: str, profiles=None) -> str:
    label = profiles.label(kpi) if profiles is not None else KPI_LABELS.get(kpi, kpi)
    return ("lowest " if kpi == "churn_rate" else "highest ") + label


ICP_NEEDS_FIRMOGRAPHICS = ("Upload a customers file with firmographics (industry, size, country) to see what your "
                           "best customers have in common.")


def icp_attributes(frame: pd.DataFrame) -> list[str]:
    """Categorical, boolean and numeric customer columns, the id excepted, to compare a segment on."""
    customer_roles, id_name = state.roles().get("customers"), id_column()
    return [c.name for c in getattr(customer_roles, "columns", ())
            if c.level in ("categorical", "boolean", "numeric") and c.name in frame.columns and c.name != id_name]


def over_index_of(frame: pd.DataFrame, segmentation, segment: str, attributes: list[str]) -> pd.DataFrame:
    """How much more (or less) common each attribute is in `segment` than overall, once per choice."""
    return shared("over_index", (state.dataset().fingerprint, segmentation.fingerprint, segment, tuple(attributes)),
                lambda: over_index(frame, segmentation.labels, segment, attributes))


def id_column() -> str | None:
    """The customers' id column as mapped on the Data page."""
    customer_roles = state.roles().get("customers")
    return customer_roles.get("customer_id") if customer_roles is not None else None


def export_columns(frame: pd.DataFrame, segmentation) -> list[str]:
    """The columns the assignments carry next to the segment: the variables, then the company."""
    return list(dict.fromkeys([*map_variables(frame, segmentation), *(c for c in ("company",) if c in frame.columns)]))
