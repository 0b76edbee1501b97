"""Profiles-page helpers: the profiles of the session's segments, table formats, the ideal-customer inputs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from segmentation.profiles import KPI_LABELS, kpi_columns, over_index, profile
from segmentation.rules import written_rules
from ui import state
from ui.customer_map import map_variables
from ui.memo import memo

__all__ = ["profiles_or_stop", "rules_in_words", "table_column_config", "best_by_options", "best_by_label",
           "icp_attributes", "over_index_of", "id_column", "export_columns"]

_PERCENT_KPIS = ("share_of_customers", "share_of_revenue", "churn_rate", "monthly_churn_rate", "conversion_rate")
_BEST_BY = ("ltv", "churn_rate", "mrr_mean", "conversion_rate", "nps", "share_of_revenue")


def profiles_or_stop(frame: pd.DataFrame, segmentation, validation):
    """The profiles of `segmentation` on `frame` with each segment's rule in words, computed once per
    data version, segmentation and KPI columns; a DataError is shown and stops the page."""
    rules = rules_in_words(segmentation, validation)
    kpis = kpi_columns(frame, state.roles().get("customers"))
    key = (state.data_version(), id(segmentation), segmentation.segments, tuple(kpis.items()))
    try:
        return memo("profiles", key, lambda: profile(frame, segmentation, rules=rules, **kpis))
    except DataError as exc:
        st.error(str(exc))
        st.stop()


def rules_in_words(segmentation, validation) -> dict[str, str]:
    """Segment (as shown) -> its rule in plain words: the user's own rules for a rules segmentation
    (not the decision tree's approximation of them), else the validation's tree rules.

    Pure; a candidate for segmentation/rules.py (the Segment page makes the same choice).
    """
    if segmentation.method == "rules":
        return written_rules(segmentation)
    # The validation may predate a rename made on the Profiles page; it then knows the method's own names.
    shown = dict(segmentation.state.get("display_names", {}))
    tree_rules = validation.segment_rules if validation is not None else {}
    return {shown.get(k, k): v for k, v in tree_rules.items()}


def table_column_config(table: pd.DataFrame) -> dict:
    """Shares and rates as percentages, other figures as localized numbers, the rule column wide."""
    percent = [KPI_LABELS[k] for k in _PERCENT_KPIS if KPI_LABELS[k] in table.columns]
    numbers = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) and c not in percent]
    return ({c: st.column_config.NumberColumn(c, format="localized") for c in numbers}
            | {c: st.column_config.NumberColumn(c, format="percent") for c in percent}
            | {"rule": st.column_config.TextColumn("rule in plain words", width="large")})


def best_by_options(profiles) -> list[str]:
    """The KPIs the best segment can be picked by, those the profiles have ("customers" when none)."""
    return [k for k in _BEST_BY if k in profiles.summary.columns] or ["customers"]


def best_by_label(kpi: str) -> str:
    return ("lowest " if kpi == "churn_rate" else "highest ") + KPI_LABELS.get(kpi, kpi)


def icp_attributes(frame: pd.DataFrame) -> list[str]:
    """Categorical, boolean and numeric customer columns, the id excepted, to compare a segment on."""
    customer_roles, id_name = state.roles().get("customers"), id_column()
    return [c.name for c in getattr(customer_roles, "columns", ())
            if c.level in ("categorical", "boolean", "numeric") and c.name in frame.columns and c.name != id_name]


def over_index_of(frame: pd.DataFrame, segmentation, segment: str, attributes: list[str]) -> pd.DataFrame:
    """How much more (or less) common each attribute is in `segment` than overall, once per choice."""
    return memo("over_index", (state.data_version(), id(segmentation), segment, tuple(attributes)),
                lambda: over_index(frame, segmentation.labels, segment, attributes))


def id_column() -> str | None:
    """The customers' id column as mapped on the Data page."""
    customer_roles = state.roles().get("customers")
    return customer_roles.get("customer_id") if customer_roles is not None else None


def export_columns(frame: pd.DataFrame, segmentation) -> list[str]:
    """The columns the assignments carry next to the segment: the variables, then the company."""
    return list(dict.fromkeys([*map_variables(frame, segmentation), *(c for c in ("company",) if c in frame.columns)]))
