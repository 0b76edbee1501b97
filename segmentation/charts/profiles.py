"""Charts of segment profiles: variables and KPIs by segment, the trial funnel, the ideal
customer's over-index bars, and the migration heatmap of a re-applied recipe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..profiles import KPI_LABELS, Profiles, label_of
from .palette import NEUTRAL, segment_scale

__all__ = ["variable_bars", "lift_heatmap", "kpi_bars", "funnel_chart", "over_index_chart", "migration_heatmap"]

_PERCENT_KPIS = {"share_of_customers", "share_of_revenue", "churn_rate", "monthly_churn_rate", "conversion_rate",
                 "paid_share", "outcome_rate"}
_DEFAULT_KPIS = ("share_of_customers", "share_of_revenue", "mrr_mean", "ltv", "churn_rate", "conversion_rate",
                 "outcome_rate", "nps")


def variable_bars(profiles: Profiles, *, stat: str = "median", columns: int = 4) -> alt.FacetChart:
    """One small bar chart per numeric variable: the segments' medians (or means) side by side,
    with a rule at all customers' value."""
    if stat not in ("median", "mean"):
        raise ValueError(f"stat={stat!r} should be 'median' or 'mean'.")
    table = profiles.medians if stat == "median" else profiles.means
    overall = profiles.overall_medians if stat == "median" else profiles.overall_means
    long = _long(table, "variable", "value")
    long["variable"] = long["variable"].map(label_of)
    long["overall"] = long["variable"].map({label_of(k): v for k, v in overall.items()})
    return _bars_with_rule(long, facet="variable", value_title=stat.capitalize(),
                           segments=profiles.segments, columns=columns, value_format=",.4~g")


def lift_heatmap(profiles: Profiles) -> alt.LayerChart:
    """Variable x segment, coloured by lift (segment mean / all customers' mean; 1 = average).

    Variables and KPIs run down (their names are long and many), segments across in the
    segmentation's order, slanted so every name shows.
    """
    long = _long(profiles.lift, "variable", "lift").dropna(subset=["lift"])
    label = getattr(profiles, "label", lambda k: KPI_LABELS.get(k, k))  # "Response rate": named by its kind
    long["variable"] = long["variable"].map(lambda v: label(v) if v in KPI_LABELS else label_of(v))
    # A log scale has no place for 0 (a segment with no churn at all): the colour saturates at 1/100
    # and 100 while the number written in the cell stays the true lift.
    long["shade"] = long["lift"].clip(lower=0.01, upper=100)
    base = alt.Chart(long).encode(
        x=alt.X("segment:N").sort(list(profiles.segments)).title(None)
        .axis(labelAngle=-35, labelLimit=200, labelOverlap=False),
        y=alt.Y("variable:N").sort(list(dict.fromkeys(long["variable"]))).title(None)
        .axis(labelLimit=260, labelOverlap=False),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("shade:Q").scale(type="log", scheme="redblue", domainMid=1).title("Lift"),
        tooltip=[alt.Tooltip("segment:N"), alt.Tooltip("variable:N"), alt.Tooltip("lift:Q", format=".2f")],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text("lift:Q", format=".2f"))
    return (heat + text).properties(title="Lift against all customers (1 = average)", height=alt.Step(24))


def kpi_bars(profiles: Profiles, kpis: Sequence[str] | None = None, *, columns: int = 4) -> alt.FacetChart:
    """Bars per segment for each KPI the data allows, with a rule at all customers' value."""
    chosen = [k for k in (kpis or _DEFAULT_KPIS) if k in profiles.summary.columns]
    if not chosen:
        chosen = ["share_of_customers"]
    long = _long(profiles.summary[chosen], "kpi", "value")
    long["overall"] = long["kpi"].map(profiles.overall)
    long["percent"] = long["kpi"].isin(_PERCENT_KPIS)
    for column in ("value", "overall"):  # percentages read better as 0-100
        long[column] = long[column].where(~long["percent"], long[column] * 100)
    label = getattr(profiles, "label", lambda k: KPI_LABELS.get(k, k))  # "Share of lifetime revenue" etc.
    long["kpi"] = [label(k) + (" (%)" if p else "") for k, p in zip(long["kpi"], long["percent"])]
    return _bars_with_rule(long.drop(columns="percent"), facet="kpi", value_title=None,
                           segments=profiles.segments, columns=columns, value_format=",.1f")


def funnel_chart(profiles: Profiles) -> alt.Chart:
    """Trial -> paid -> still active per segment, as shares of the first stage."""
    funnel = profiles.funnel
    if funnel.empty:
        funnel = pd.DataFrame({"segment": list(profiles.segments), "stage": "Signed up", "step": 0,
                               "customers": profiles.summary["customers"].to_numpy(), "share": 1.0})
    stages = list(dict.fromkeys(funnel.sort_values("step", kind="stable")["stage"]))
    return (
        alt.Chart(funnel, title="Trial-to-paid funnel by segment")
        .mark_bar()
        .encode(
            x=alt.X("share:Q").axis(format="%").scale(domain=[0, 1]).title("Share of the first stage"),
            y=alt.Y("stage:N").sort(stages).title(None),
            color=alt.Color("stage:N").sort(stages).legend(None),
            row=alt.Row("segment:N").sort(list(profiles.segments)).title(None).header(labelAngle=0,
                                                                                       labelAlign="left"),
            tooltip=[alt.Tooltip("segment:N"), alt.Tooltip("stage:N"), alt.Tooltip("customers:Q", format=","),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=alt.Step(16), width=320)
    )


def over_index_chart(table: pd.DataFrame, *, top: int = 15, segment: str | None = None) -> alt.LayerChart:
    """Horizontal bars of the attributes that over- (and under-) index most, from `over_index`;
    the axis starts at 100 (average), so a bar's length is how far from average it is."""
    if table.empty:
        data = pd.DataFrame({"attribute": [], "index": [], "segment": [], "overall": [], "kind": []})
    else:
        ordered = table.dropna(subset=["index"]).sort_values("index", ascending=False, kind="stable")
        data = pd.concat([ordered.head(top), ordered.tail(min(5, max(0, len(ordered) - top)))])
        data = data[~data.index.duplicated()]
    data = data.assign(direction=lambda d: ["over" if v >= 100 else "under" for v in d["index"]])
    title = f"What over-indexes in {segment}" if segment else "What over-indexes"
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        x=alt.X("index:Q").title("Index (100 = average)"),
        x2=alt.datum(100),
        y=alt.Y("attribute:N").sort("-x").title(None).axis(labelLimit=260),
        color=alt.Color("direction:N").scale(domain=["over", "under"], range=["#2a9d8f", "#e76f51"]).legend(None),
        tooltip=[alt.Tooltip("attribute:N"), alt.Tooltip("index:Q", format=".0f"),
                 alt.Tooltip("segment:Q", format=",.3~g", title="In segment"),
                 alt.Tooltip("overall:Q", format=",.3~g", title="All customers")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [100]})).mark_rule(color="gray").encode(x=alt.X("x:Q"))
    return (bars + rule).properties(title=alt.Title(title, subtitle="100 = same as all customers"))


def migration_heatmap(migration: Any) -> alt.LayerChart:
    """From-segment x to-segment counts of a `tracking.Migration`.

    Only the moves are coloured by count; the diagonal (who stayed) is drawn in neutral grey
    with its numbers, since it usually dwarfs every move and would make real moves look like zeros.
    """
    matrix = migration.matrix
    long = matrix.rename_axis(index="from", columns="to").stack().rename("customers").reset_index()
    long["stayed"] = long["from"].astype(str) == long["to"].astype(str)
    moves = long.loc[~long["stayed"], "customers"]
    dark = max(int(moves.max()) if len(moves) else 0, 1) / 2  # white numbers on the darker half of the scale
    tooltip = [alt.Tooltip("from:N", title="Before"), alt.Tooltip("to:N", title="Now"),
               alt.Tooltip("customers:Q", format=",")]
    base = alt.Chart(long).encode(
        x=alt.X("to:N").sort(list(matrix.columns)).title("Now").axis(orient="top", labelAngle=-30, labelLimit=200),
        y=alt.Y("from:N").sort(list(matrix.index)).title("Before").axis(labelLimit=240),
    )
    moved = base.transform_filter("!datum.stayed").mark_rect().encode(
        color=alt.Color("customers:Q").scale(scheme="blues", domainMin=0).title("Customers who moved"),
        tooltip=tooltip,
    )
    stayed = base.transform_filter("datum.stayed").mark_rect(color=NEUTRAL).encode(tooltip=tooltip)
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(f"!datum.stayed && datum.customers > {dark}", alt.value("white"), alt.value("black")),
    )
    # The plain title is what views/track.py and its tests expect; the page's caption explains the grey.
    return (moved + stayed + text).properties(title="Where customers moved", height=alt.Step(28))


_COMPACT = "abs(datum.value) >= 10000 ? format(datum.value, '.3~s') : format(datum.value, ',~g')"


# -- helpers -------------------------------------------------------------------------------------------
def _long(table: pd.DataFrame, name: str, value: str) -> pd.DataFrame:
    out = table.rename_axis(index="segment", columns=name).stack(future_stack=True).rename(value).reset_index()
    out[value] = pd.to_numeric(out[value], errors="coerce")
    return out


def _bars_with_rule(long: pd.DataFrame, *, facet: str, value_title: str | None, segments: Sequence[str], columns: int,
                    value_format: str) -> alt.FacetChart:
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("segment:N").sort(list(segments)).title(None).axis(labels=False, ticks=False),
        # Short labels keep four facets inside the page: LTV in the millions reads "50M", not "50,000,000".
        y=alt.Y("value:Q").title(value_title).axis(labelExpr=_COMPACT),
        color=alt.Color("segment:N").scale(segment_scale(segments)).title("Segment")
        .legend(orient="bottom", columns=2, labelLimit=320),
        tooltip=[alt.Tooltip("segment:N"), alt.Tooltip(f"{facet}:N"), alt.Tooltip("value:Q", format=value_format),
                 alt.Tooltip("overall:Q", format=value_format, title="All customers")],
    )
    rule = alt.Chart().mark_rule(color="gray", strokeDash=[4, 3]).encode(y=alt.Y("mean(overall):Q"))
    return (
        alt.layer(bars, rule, data=long)
        .properties(width=140, height=150)
        .facet(facet=alt.Facet(f"{facet}:N").sort(list(dict.fromkeys(long[facet]))).title(None), columns=columns)
        .resolve_scale(y="independent")
    )
