"""The Conversion tab: trial-to-paid conversion by signup month, split by a segment or a column, with the mix."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from segmentation.conversion import conversion_by_month
from segmentation.errors import DataError
from ui import state
from ui.memo import memo

__all__ = ["render", "split_options"]

NO_SPLIT = "No split"
SEGMENT = "Segment"
_MAX_LEVELS = 30


def split_options(frame: pd.DataFrame, roles, segmentation) -> list[str]:
    """What conversion can be split by: the segments, then the customers' categorical columns with 2 to 30 levels
    (not the id, the company, the outcome or a date)."""
    skip = {roles.get(r) for r in ("customer_id", "company", "converted", "outcome", "churn_date")}
    skip |= {"churned", "converted", "outcome"}
    columns = [c for c in frame.columns if c not in skip and (frame[c].dtype == object or
               isinstance(frame[c].dtype, (pd.StringDtype, pd.CategoricalDtype)))
               and 2 <= frame[c].nunique() <= _MAX_LEVELS]
    return [NO_SPLIT, *([SEGMENT] if segmentation is not None else []), *columns]


def render(dataset, segmentation) -> None:
    try:
        frame = dataset.customer_table().frame
    except DataError as exc:
        st.info(str(exc))
        return
    options = split_options(frame, dataset.roles["customers"], segmentation)
    default = options.index("channel") if "channel" in options else (1 if len(options) > 1 else 0)
    choice = st.selectbox("Split by", options, index=default, key="conversion_split",
                          help="A drop in conversion can be each group converting less, or more sign-ups from the "
                               "groups that always convert less: the split tells the two apart.")
    split = None if choice == NO_SPLIT else (segmentation if choice == SEGMENT else choice)
    fingerprint = segmentation.fingerprint if choice == SEGMENT else None
    try:
        result = memo("conversion", (dataset.version, choice, fingerprint),
                      lambda: conversion_by_month(dataset, split=split))
    except DataError as exc:
        st.info(str(exc))
        return
    state.put("conversion", result)
    st.markdown(f"**{result.reading}**")
    st.caption(f"Converted means {result.source}. Mix-adjusted: each month's rate per group, weighted by the "
               f"{result.reference or 'reference'} mix of sign-ups.")
    for note in result.notes:
        st.caption(note)
    st.altair_chart(rates_chart(result), width="stretch")
    if len(result.groups) > 1:
        st.altair_chart(mix_chart(result), width="stretch")


# Streamlit fits a whole chart (title, axes, legend) into its height: a legend under the plot took that height from
# the plot (the rates squashed to a strip, the mix bars gone). On the right it takes width, which a page has plenty of.
_LEGEND = alt.Legend(orient="right", labelLimit=260)
RATES_HEIGHT, MIX_HEIGHT = 360, 260


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["start"] = pd.to_datetime(out["month"] + "-01")
    out["finished"] = out["complete"].map({True: "finished", False: "too recent to judge"})
    return out


def _unfinished_band(result) -> alt.Chart | None:
    months = result.overall.loc[~result.overall["complete"], "month"]
    if months.empty:
        return None
    band = pd.DataFrame({"start": pd.to_datetime(months + "-01")})
    band["end"] = band["start"] + pd.offsets.MonthBegin(1)
    band["label"] = "too recent to judge"
    return alt.Chart(band).mark_rect(color="#9e9e9e", opacity=0.18).encode(
        x="start:T", x2="end:T", tooltip=[alt.Tooltip("label:N", title="Months")])


def rates_chart(result) -> alt.LayerChart:
    """Conversion by signup month: one line per group, and the raw and mix-adjusted rates of all sign-ups;
    months too recent to judge sit in a grey band with hollow points."""
    groups = _with_dates(result.by_group)
    overall = _with_dates(result.overall)
    long_overall = pd.concat([
        overall.assign(group="All sign-ups (raw)", rate=overall["rate"]),
        overall.assign(group=f"All sign-ups at the {result.reference} mix", rate=overall["adjusted"]),
    ]) if result.reference and len(result.groups) > 1 else overall.assign(group="All sign-ups (raw)")
    lines = pd.concat([groups.assign(kind="group"), long_overall.assign(kind="overall", share=1.0)],
                      ignore_index=True)
    order = [*result.groups, *dict.fromkeys(long_overall["group"])] if len(result.groups) > 1 \
        else list(dict.fromkeys(long_overall["group"]))
    lines = lines[lines["group"].isin(order)]
    x = alt.X("start:T", title="Signup month", axis=alt.Axis(format="%b %Y"))
    y = alt.Y("rate:Q", title="Converted", axis=alt.Axis(format="%"))
    color = alt.Color("group:N", title=None, sort=order, legend=_LEGEND)
    dash = alt.StrokeDash("kind:N", legend=None, scale=alt.Scale(domain=["group", "overall"],
                                                                  range=[[1, 0], [6, 3]]))
    tooltip = [alt.Tooltip("month:N", title="Month"), alt.Tooltip("group:N", title="Group"),
               alt.Tooltip("rate:Q", title="Converted", format=".0%"), alt.Tooltip("signups:Q", title="Sign-ups"),
               alt.Tooltip("finished:N", title="Month")]
    base = alt.Chart(lines)
    line = base.mark_line(strokeWidth=2).encode(x=x, y=y, color=color, strokeDash=dash)
    points = base.mark_point(size=36).encode(
        x=x, y=y, color=color, tooltip=tooltip,
        fill=alt.condition("datum.complete", alt.Color("group:N", sort=order, legend=None), alt.value("white")))
    layers = [layer for layer in (_unfinished_band(result), line, points) if layer is not None]
    return alt.layer(*layers).properties(title="Conversion by signup month", height=RATES_HEIGHT)


def mix_chart(result) -> alt.LayerChart:
    """Who signed up: each group's share of each month's sign-ups, stacked to 100%."""
    mix = _with_dates(result.by_group)
    order = list(result.groups)
    bars = alt.Chart(mix).mark_bar().encode(
        x=alt.X("start:T", title="Signup month", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("share:Q", title="Share of sign-ups", stack="normalize", axis=alt.Axis(format="%")),
        color=alt.Color("group:N", title=None, sort=order, legend=_LEGEND),
        order=alt.Order("group_order:Q"),
        opacity=alt.condition("datum.complete", alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("month:N", title="Month"), alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("share:Q", title="Share", format=".0%"), alt.Tooltip("signups:Q", title="Sign-ups"),
                 alt.Tooltip("finished:N", title="Month")],
    ).transform_calculate(group_order=f"indexof({order!r}, datum.group)")
    return bars.properties(title="Who signed up (faded: too recent to judge)", height=MIX_HEIGHT)
