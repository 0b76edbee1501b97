"""Cohort charts: the retention triangle, churn by period, trends, the layer cake, LTV curves.

Each function takes a `segmentation.cohorts.Cohorts` and draws one view of it. The frames
charted are already aggregated (cohorts x periods), so they stay small; when the cohorts are
split by group, the chart is faceted by group (the page shows one group at a time when there
are many).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..cohorts import Cohorts, churn_by_period, layer_cake, ltv_curves, period_labels, retention_trend

__all__ = [
    "heatmap",
    "churn_chart",
    "trend_chart",
    "layer_cake_chart",
    "ltv_chart",
    "MAX_TEXT_CELLS",
    "MAX_COHORTS",
]

# Above this many cells, numbers in cells stop being readable and slow the browser.
MAX_TEXT_CELLS = 400
# The most recent cohorts drawn; older ones stay in the data and the CSV download.
MAX_COHORTS = 48

_SHARES = {"retention", "revenue_retention"}
_TITLES = {
    "retention": "Customers retained",
    "revenue_retention": "Revenue retained",
    "customers": "Active customers",
    "revenue": "Revenue",
    "churned": "Customers lost",
    "ltv": "Cumulative revenue per customer",
}
_GROUP = "group"
# Split views sit two panels to a row inside the page's ~730 px column: panels this wide (plus their
# axis labels) fit without a horizontal scrollbar, and legends go above them, never to the right.
_PANEL_WIDTH = 280
_HEATMAP_PANEL_WIDTH = 230
_SPLIT_LEGEND = {"orient": "top", "direction": "horizontal"}
# A period the data does not cover to its end: grey, outlined, outside the colour scale.
_INCOMPLETE_LABEL = "period not complete"
_INCOMPLETE_FILL = "#e8e8e8"
_INCOMPLETE_STROKE = "#9e9e9e"
_INCOMPLETE_TEXT = "#757575"


def _unit(cohorts: Cohorts) -> str:
    return "Quarter" if cohorts.period == "quarter" else "Month"


def _after(n: int, cohorts: Cohorts) -> str:
    unit = cohorts.period
    return f"after {n} {unit}" + ("" if n == 1 else "s")


def _labelled(frame: pd.DataFrame, cohorts: Cohorts) -> pd.DataFrame:
    """Adds text cohort labels ('2024-03 · n=120', marked 'small' below min_customers)."""
    out = frame.copy()
    label = period_labels(out["cohort"], cohorts.period).to_numpy()
    size = out["cohort_size"].map("{:,}".format).to_numpy()
    small = out["small"].map({True: " · small", False: ""}).to_numpy()
    out["cohort_label"] = label + " · n=" + size + small
    out["cohort_name"] = label
    return out


def _group_order(frame: pd.DataFrame, groups: Sequence[str] | None) -> list[str]:
    """Groups in the given order (e.g. `segmentation.segments`), then any others alphabetically."""
    present = [str(g) for g in pd.unique(frame[_GROUP])]
    first = [str(g) for g in (groups or ()) if str(g) in present]
    return first + sorted(g for g in present if g not in first)


def _facet(chart: alt.Chart | alt.LayerChart, frame: pd.DataFrame, groups: Sequence[str] | None) -> alt.FacetChart:
    # A layer's data sits in its parts, so the facet needs it given; a single chart hands its own over.
    data = frame if isinstance(chart, alt.LayerChart) else alt.Undefined
    return chart.properties(width=_PANEL_WIDTH, height=220).facet(
        facet=alt.Facet(f"{_GROUP}:N").sort(_group_order(frame, groups)).title(None), columns=2, data=data
    )


def _recent(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    keep = sorted(frame["cohort"].unique())[-limit:]
    return frame[frame["cohort"].isin(keep)]


def _date_format(cohorts: Cohorts) -> str:
    return "%Y-%m" if cohorts.period == "month" else "%Y-Q%q"


def _period_starts(dates: pd.Series, limit: int) -> list[alt.DateTime]:
    """At most `limit` of the period starts in `dates`, evenly spaced, as Vega-Lite dates: a time axis or
    legend labels these and nothing between them. Left to itself Vega ticks every month of a few quarters
    and writes each one as its quarter ("2020-Q1, 2020-Q1, 2020-Q1, 2020-Q2"), or weeks as their month."""
    starts = sorted(pd.to_datetime(pd.Series(dates).dropna().unique()))
    step = -(-len(starts) // limit) if starts else 1
    return [alt.DateTime(year=d.year, month=d.month, date=1) for d in starts[::step]]


def _date_axis(cohorts: Cohorts, frame: pd.DataFrame, column: str) -> alt.Axis:
    """Labels on period starts: 12 across the page, 5 in a split view's narrower panels."""
    limit = 5 if _GROUP in frame else 12
    return alt.Axis(format=_date_format(cohorts), values=_period_starts(frame[column], limit), labelOverlap=True)


def heatmap(
    cohorts: Cohorts,
    metric: str = "retention",
    *,
    text: bool | None = None,
    max_cohorts: int = MAX_COHORTS,
    groups: Sequence[str] | None = None,
) -> alt.ConcatChart | alt.LayerChart:
    """The cohort triangle: periods of life across, cohorts down, colour = `metric`.

    text: write the value in each cell; default only when the matrix has at most
    MAX_TEXT_CELLS cells. Periods not reached yet are simply not drawn. Cells of a period the
    data does not cover to its end (`complete` false) are drawn apart: grey with a dashed outline
    and grey numbers, outside the colour scale, with a legend entry and a tooltip saying so.
    groups: the order of the panels when split (e.g. `segmentation.segments`); default alphabetical.
    """
    if metric == "ltv":
        frame = ltv_curves(cohorts)
    else:
        cohorts.matrix(metric)  # validates the metric against what the cohorts hold
        frame = cohorts.table
    if "complete" not in frame:  # ltv_curves leaves it out; the cells are the table's own
        frame = frame.assign(complete=cohorts.table["complete"].to_numpy())
    keep = [c for c in (_GROUP, "cohort", "period", "cohort_size", "customers", "small", metric,
                        "retention", "revenue_retention", "complete") if c in frame]
    frame = _labelled(_recent(frame[list(dict.fromkeys(keep))], max_cohorts), cohorts)
    frame["coverage"] = np.where(frame["complete"], "complete",
                                 f"not complete: the data ends on {cohorts.as_of:%Y-%m-%d}")
    # The scale spans the values present so differences between cohorts show (retention rarely
    # drops near 0); counts start at 0 so a cell's darkness stays proportional. Groups share it.
    # A half-observed period would stretch it down, so only complete cells set it.
    values = frame.loc[frame["complete"], metric].dropna()
    if values.empty:
        values = frame[metric].dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    domain = [min(low, high - 1e-9), high] if metric in _SHARES else [0.0, max(high, 1e-9)]
    if text is None:
        text = len(frame) <= MAX_TEXT_CELLS
    if _GROUP not in frame:
        return _heatmap_panel(frame, cohorts, metric, domain=domain, text=text, width="container")
    # One panel per group, concatenated rather than faceted: each group has its own cohorts
    # (and sizes in the labels), which a faceted layer cannot give each panel.
    frame = frame.assign(**{_GROUP: frame[_GROUP].astype(str)})
    panels = [
        _heatmap_panel(frame[frame[_GROUP] == group].drop(columns=_GROUP), cohorts, metric, domain=domain,
                       text=text, width=_HEATMAP_PANEL_WIDTH, legend=_SPLIT_LEGEND).properties(title=group)
        for group in _group_order(frame, groups)
    ]
    return alt.concat(*panels, columns=2).resolve_scale(color="shared", fill="shared")


def _heatmap_panel(frame: pd.DataFrame, cohorts: Cohorts, metric: str, *, domain: list[float], text: bool,
                   width, legend: dict | None = None) -> alt.LayerChart:
    value_format = ".0%" if metric in _SHARES else ",.0f"
    tooltip = [
        alt.Tooltip("cohort_name:N", title="Cohort"),
        alt.Tooltip("period:O", title=_unit(cohorts)),
        alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
        alt.Tooltip("customers:Q", title="Active customers", format=","),
        alt.Tooltip("retention:Q", title="Logo retention", format=".1%"),
    ]
    if cohorts.has_revenue and "revenue_retention" in frame:
        tooltip.append(alt.Tooltip("revenue_retention:Q", title="Revenue retention", format=".1%"))
    if metric not in ("retention", "revenue_retention", "customers"):
        tooltip.append(alt.Tooltip(f"{metric}:Q", title=_TITLES[metric], format=",.2f"))
    tooltip.append(alt.Tooltip("coverage:N", title="Period"))
    x = alt.X("period:O").title(f"{_unit(cohorts)} of life").axis(labelAngle=0, orient="top")
    y = alt.Y("cohort_label:O").title(None).sort("ascending").axis(labelLimit=220)
    rect = alt.Chart().mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color(f"{metric}:Q")
        .scale(scheme="blues", domain=domain, clamp=True)
        .legend(format=value_format, **(legend or {}))
        .title(_TITLES[metric]),
        tooltip=tooltip,
    )
    layers = [rect]
    if not frame["complete"].all():
        # A period the data does not cover to its end: its low figures are not churn, so it stays out
        # of the colour scale, grey and outlined, with its own legend entry.
        layers = [
            rect.transform_filter("datum.complete"),
            alt.Chart().mark_rect(stroke=_INCOMPLETE_STROKE, strokeDash=[3, 2], strokeWidth=1).encode(
                x=x,
                y=y,
                fill=alt.Fill("coverage_key:N")
                .scale(domain=[_INCOMPLETE_LABEL], range=[_INCOMPLETE_FILL])
                # Below the cells: on the right it would sit under the colour bar, cut off in a short triangle.
                .legend(**(legend or {"orient": "bottom"}))
                .title(None),
                tooltip=tooltip,
            ).transform_filter("!datum.complete").transform_calculate(coverage_key=f"'{_INCOMPLETE_LABEL}'"),
        ]
    if text:
        layers.append(
            alt.Chart().mark_text(fontSize=10).encode(
                x=x,
                y=y,
                text=alt.Text(f"{metric}:Q", format=value_format),
                # Dark cells get white text (the threshold sits where the blues scheme turns dark); the
                # numbers of an incomplete period are grey, as its cell is. Values, not a scale: a second
                # colour scale in the layer would clash with the cells' one.
                color=alt.when("!datum.complete").then(alt.value(_INCOMPLETE_TEXT))
                .when(f"datum['{metric}'] > {domain[0] + (domain[1] - domain[0]) * 0.5}").then(alt.value("white"))
                .otherwise(alt.value("black")),
                tooltip=tooltip,
            )
        )
    # One readable row per cohort, however many there are.
    return alt.layer(*layers, data=frame).properties(width=width, height=alt.Step(20))


def churn_chart(cohorts: Cohorts, *, groups: Sequence[str] | None = None) -> alt.Chart | alt.FacetChart:
    """Churn rate by period of life: the share of customers active in period n never seen after it."""
    frame = churn_by_period(cohorts)
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("period:O").title(f"{_unit(cohorts)} of life (last active)").axis(labelAngle=0),
        y=alt.Y("churn_rate:Q").title("Churn rate").axis(format=".0%"),
        tooltip=[
            alt.Tooltip("period:O", title=_unit(cohorts)),
            alt.Tooltip("customers:Q", title="Active customers", format=","),
            alt.Tooltip("churned:Q", title="Left after it", format=","),
            alt.Tooltip("churn_rate:Q", title="Churn rate", format=".1%"),
            alt.Tooltip("share_of_churn:Q", title="Share of all churn", format=".1%"),
        ],
    )
    if _GROUP in frame:
        return _facet(chart, frame, groups)
    return chart.properties(width="container", height=300)


def trend_chart(
    cohorts: Cohorts, *, periods: tuple[int, ...] = (1, 12), metric: str = "retention",
    groups: Sequence[str] | None = None,
) -> alt.Chart | alt.FacetChart:
    """Retention at fixed periods of life (e.g. 1 and 12) by cohort: is it getting better?"""
    if metric not in _SHARES:
        raise ValueError(f"metric must be 'retention' or 'revenue_retention', got {metric!r}.")
    frame = retention_trend(cohorts, periods=periods)
    frame = frame.assign(
        cohort_name=period_labels(frame["cohort"], cohorts.period).to_numpy(),
        series="after " + frame["period"].astype(str) + f" {cohorts.period}"
        + np.where(frame["period"] == 1, "", "s"),
    )
    base = alt.Chart(frame).encode(
        x=alt.X("cohort:T").title("Cohort").axis(_date_axis(cohorts, frame, "cohort")),
        y=alt.Y(f"{metric}:Q").title(_TITLES[metric]).axis(format=".0%"),
        color=alt.Color("series:N").title(None).sort([_after(p, cohorts) for p in periods])
        .legend(**(_SPLIT_LEGEND if _GROUP in frame else {})),
        tooltip=[
            alt.Tooltip("cohort_name:N", title="Cohort"),
            alt.Tooltip("series:N", title="Period"),
            alt.Tooltip(f"{metric}:Q", title=_TITLES[metric], format=".1%"),
            alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
            alt.Tooltip("small:N", title="Small cohort"),
        ],
    )
    # Small cohorts are drawn hollow: their shares swing with one or two customers.
    chart = base.mark_line() + base.mark_point(size=40).encode(
        fill=alt.condition("datum.small", alt.value("white"), alt.Color("series:N"))
    )
    if _GROUP in frame:
        return _facet(chart, frame, groups)
    return chart.properties(width="container", height=300)


def _cohort_color(cohorts: Cohorts, dates: pd.Series, *, split: bool) -> alt.Color:
    """Cohort as time on a sequential scheme: one gradient legend (old = dark, recent = light)
    instead of a swatch per cohort, which 36 monthly cohorts would overflow. Its labels are cohort
    starts, each written once."""
    return (
        alt.Color("cohort:T").scale(scheme="viridis").title("Cohort")
        .legend(type="gradient", format=_date_format(cohorts), gradientLength=200,
                values=_period_starts(dates, 5), **(_SPLIT_LEGEND if split else {}))
    )


def layer_cake_chart(
    cohorts: Cohorts, *, measure: str | None = None, shares: bool = False, groups: Sequence[str] | None = None,
) -> alt.Chart | alt.FacetChart:
    """Each calendar period's revenue (or active customers) stacked by cohort, oldest at the bottom."""
    frame = layer_cake(cohorts, measure=measure)
    frame = frame.assign(cohort_name=period_labels(frame["cohort"], cohorts.period).to_numpy())
    measure = measure or ("revenue" if cohorts.has_revenue else "customers")
    title = "Revenue" if measure == "revenue" else "Active customers"
    hover = alt.selection_point(fields=["cohort_name"], on="pointerover", clear="pointerout")
    chart = alt.Chart(frame).mark_area(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("period_start:T").title(None).axis(_date_axis(cohorts, frame, "period_start")),
        y=alt.Y("value:Q").stack("normalize" if shares else "zero")
        .title(f"Share of {title.lower()}" if shares else title)
        .axis(format=".0%" if shares else ",.0f"),
        color=_cohort_color(cohorts, frame["cohort"], split=_GROUP in frame),
        detail=alt.Detail("cohort_name:N"),  # one layer per cohort: a continuous colour does not group
        order=alt.Order("cohort_name:O", sort="ascending"),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.35)),
        tooltip=[
            alt.Tooltip("period_start:T", title="Period", format=_date_format(cohorts)),
            alt.Tooltip("cohort_name:N", title="Cohort"),
            alt.Tooltip("value:Q", title=title, format=",.0f"),
            alt.Tooltip("share:Q", title="Share of the period", format=".1%"),
        ],
    ).add_params(hover)
    if _GROUP in frame:
        return _facet(chart, frame, groups)
    return chart.properties(width="container", height=340)


def ltv_chart(
    cohorts: Cohorts, *, max_cohorts: int = MAX_COHORTS, groups: Sequence[str] | None = None,
) -> alt.Chart | alt.FacetChart:
    """Cumulative revenue per customer by period of life, one thin line per cohort (small ones dashed),
    coloured old to recent; the line under the pointer is drawn thick and the others fade."""
    frame = _recent(ltv_curves(cohorts), max_cohorts)
    frame = frame.assign(cohort_name=period_labels(frame["cohort"], cohorts.period).to_numpy())
    hover = alt.selection_point(fields=["cohort_name"], on="pointerover", clear="pointerout", nearest=True)
    chart = alt.Chart(frame).mark_line(strokeWidth=1.2).encode(
        # Whole periods only: "1.5 quarters of life" is not a period anyone counts.
        x=alt.X("period:Q").title(f"{_unit(cohorts)} of life").axis(tickMinStep=1, format="d"),
        y=alt.Y("ltv:Q").title("Cumulative revenue per customer").axis(format=",.0f"),
        color=_cohort_color(cohorts, frame["cohort"], split=_GROUP in frame),
        detail=alt.Detail("cohort_name:N"),  # one line per cohort: a continuous colour does not group
        strokeDash=alt.condition("datum.small", alt.value([4, 3]), alt.value([1, 0])),
        strokeWidth=alt.condition(hover, alt.value(3), alt.value(1.2)),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.3)),
        tooltip=[
            alt.Tooltip("cohort_name:N", title="Cohort"),
            alt.Tooltip("period:Q", title=_unit(cohorts)),
            alt.Tooltip("ltv:Q", title="Revenue per customer", format=",.2f"),
            alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
        ],
    ).add_params(hover)
    if _GROUP in frame:
        return _facet(chart, frame, groups)
    return chart.properties(width="container", height=340)
