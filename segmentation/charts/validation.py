"""Charts for choosing k and reading the validation scorecard.

`sweep_chart` draws the four k-sweep measures side by side (each with its own scale and a
note of which direction is better) and marks the chosen k; `scorecard_chart` draws the five
verdicts as coloured tiles with the plain sentence in the tooltip.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..methods.kmeans import MIN_SEGMENT_CUSTOMERS, MIN_SHARE, KSweep
from ..validation import Validation

__all__ = ["sweep_chart", "scorecard_chart", "VERDICT_COLOURS"]

VERDICT_COLOURS = {"pass": "#2e7d32", "warn": "#ef8f00", "fail": "#c62828"}
_MEASURES = {
    "silhouette": "Silhouette (higher is better)",
    "calinski_harabasz": "Calinski-Harabasz (higher is better)",
    "davies_bouldin": "Davies-Bouldin (lower is better)",
    "inertia": "Inertia (look for the elbow)",
}


def sweep_chart(sweep: KSweep, *, chosen_k: int | None = None, columns: int = 2,
                min_share: float = MIN_SHARE, min_customers: int = MIN_SEGMENT_CUSTOMERS) -> alt.FacetChart:
    """One small line chart per measure against k; the chosen (else suggested) k is highlighted."""
    chosen = int(chosen_k if chosen_k is not None else sweep.suggested_k)
    table = sweep.table.copy()
    for column in ("smallest_share", "smallest_size"):
        if column not in table:  # sweeps saved before the column existed
            table[column] = float("nan")
    long = table.melt(id_vars=["k", "smallest_share", "smallest_size"], value_vars=list(_MEASURES),
                      var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(_MEASURES)
    long["chosen"] = long["k"].eq(chosen)
    long["suggested"] = long["k"].eq(sweep.suggested_k)
    # A k that leaves a sliver of customers may score well and still fail "substantial": cross it out.
    long["tiny"] = long["smallest_share"].lt(min_share) | long["smallest_size"].lt(min_customers)
    base = alt.Chart().encode(
        x=alt.X("k:O").title("k (number of segments)").axis(labelAngle=0),
        y=alt.Y("value:Q").scale(zero=False).title(None),
    )
    line = base.mark_line(point=True, color="#607d8b").encode(
        tooltip=[alt.Tooltip("k:O"), alt.Tooltip("measure:N"), alt.Tooltip("value:Q", format=",.3~g"),
                 alt.Tooltip("smallest_share:Q", format=".1%", title="smallest segment"),
                 alt.Tooltip("smallest_size:Q", format=",", title="customers in it"),
                 alt.Tooltip("suggested:N", title="suggested")],
    )
    mark = base.mark_point(size=160, filled=True, color="#d81b60").transform_filter(alt.datum.chosen)
    tiny = base.mark_point(shape="cross", size=110, filled=True, color="#ef6c00").transform_filter(alt.datum.tiny)
    title = f"Choosing k: k = {chosen} marked (suggested: {sweep.suggested_k})"
    if long["tiny"].any():
        title = [title, f"orange cross: a segment would hold under {min_share:.0%} of customers "
                        f"or fewer than {min_customers}"]
    return (
        alt.layer(line, tiny, mark, data=long)
        .properties(width=220, height=130)
        .facet(facet=alt.Facet("measure:N", sort=list(_MEASURES.values())).title(None), columns=columns)
        .resolve_scale(y="independent")
        .properties(title=title)
    )


def scorecard_chart(validation: Validation) -> alt.LayerChart:
    """The five criteria as tiles coloured by verdict, with the reason in the tooltip."""
    rows = pd.DataFrame(
        {
            "criterion": [c.name.capitalize() for c in validation.criteria],
            "verdict": [c.verdict for c in validation.criteria],
            "why": [c.why for c in validation.criteria],
        }
    )
    base = alt.Chart(rows).encode(x=alt.X("criterion:N").sort(None).title(None).axis(orient="top", labelAngle=0))
    tiles = base.mark_rect(cornerRadius=4, height=40).encode(
        color=alt.Color("verdict:N")
        .scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))
        .legend(None),
        tooltip=[alt.Tooltip("criterion:N"), alt.Tooltip("verdict:N"), alt.Tooltip("why:N")],
    )
    words = base.mark_text(color="white", fontWeight="bold", fontSize=13).encode(
        text=alt.Text("verdict:N"), tooltip=[alt.Tooltip("why:N")]
    )
    return (tiles + words).properties(height=50, title="Validation scorecard")
