"""Rendering of the validation scorecard and small page helpers for the Segment page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

_ICONS = {"pass": ":material/check_circle:", "warn": ":material/warning:", "fail": ":material/cancel:"}
_COLOURS = {"pass": "green", "warn": "orange", "fail": "red"}
_RULES_FILE = Path(__file__).resolve().parent.parent / "sample_data" / "persona_rules.txt"
_GENERIC_RULES = """\
# Example: edit the names, columns and thresholds to fit your data.
High value: {value} {operator} {value_cut}
Everyone else: otherwise
"""


def show_scorecard(validation) -> None:
    """Five columns, one per criterion: verdict, the plain sentence, and the figures behind it."""
    columns = st.columns(len(validation.criteria))
    for column, criterion in zip(columns, validation.criteria):
        with column:
            verdict = criterion.verdict
            colour, icon = _COLOURS.get(verdict, "gray"), _ICONS.get(verdict, "")
            st.markdown(f"#### :{colour}[{icon} {criterion.name.capitalize()}]")
            st.markdown(f":{_COLOURS.get(verdict, 'gray')}-badge[{verdict.upper()}]")
            st.caption(criterion.why)
            with st.popover("Figures", width="stretch"):
                st.dataframe(_figures_frame(criterion.figures), hide_index=True, width="stretch")
                if criterion.thresholds:
                    st.caption("Thresholds: " + ", ".join(f"{k} = {v}" for k, v in criterion.thresholds.items()))


def _figures_frame(figures) -> pd.DataFrame:
    rows = []
    for name, value in figures.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                rows.append({"figure": f"{name}: {sub}", "value": _fmt(sub_value)})
        else:
            rows.append({"figure": name, "value": _fmt(value)})
    return pd.DataFrame(rows, columns=["figure", "value"])


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def sample_rules_text(frame: pd.DataFrame, *, value_column: str | None = None) -> str:
    """The sample's persona rules when their columns exist, else an example on the money column."""
    columns = list(frame.columns)
    if _RULES_FILE.exists():
        text = _RULES_FILE.read_text(encoding="utf-8")
        try:
            from segmentation.methods.rules import parse_rules

            needed = {c for rule in parse_rules(text) for c in rule.columns}
        except Exception:  # noqa: BLE001 - an unreadable example must not block the page
            needed = {"__missing__"}
        if needed <= set(columns):
            return text
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 1]
    value = value_column if value_column in numeric else (numeric[0] if numeric else None)
    if value is None:
        return "# Write rules such as:\n# Enterprise: plan == \"Enterprise\"\nEveryone: otherwise\n"
    values = frame[value].dropna()
    cut = float(values.median())
    # When the median is also the smallest value (many at 0 or at the cheapest plan), ">=" would take
    # everyone: split above it instead, so both example segments hold customers.
    operator = ">" if cut <= float(values.min()) else ">="
    return _GENERIC_RULES.format(value=_quoted(value), operator=operator, value_cut=f"{cut:.4g}")


def _quoted(column: str) -> str:
    return column if column.isidentifier() else f"`{column}`"
