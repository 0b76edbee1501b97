"""The customer map as an Altair scatter: one point per customer, coloured by segment."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from ..projection import Projection, stratified_sample
from .labels import segment_legend
from .palette import segment_scale

__all__ = ["customer_map", "MAX_POINTS"]

# Altair embeds the data in the page; beyond a few thousand points the browser slows down.
MAX_POINTS = 5_000


def customer_map(
    projection: Projection,
    frame: pd.DataFrame | None = None,
    *,
    tooltip_columns: Sequence[str] = (),
    segments: Sequence[str] | None = None,
    max_points: int = MAX_POINTS,
    random_state: int = 0,
    height: int = 420,
) -> alt.Chart:
    """Scatter of the map; the tooltip shows the id, the segment and `tooltip_columns` of `frame`.

    At most `max_points` customers are drawn, every segment in proportion (small ones kept).
    `segments` fixes the legend order and colours: pass `segmentation.segments` so each segment
    has its colour from every other page (default: order of appearance).
    """
    coords = projection.coords
    keep = stratified_sample(coords["segment"], max_points, random_state=random_state)
    data = coords.loc[keep].copy()
    columns = [c for c in tooltip_columns if frame is not None and c in frame.columns and c not in data.columns]
    if columns:
        extra = frame[columns].copy()
        extra.index = extra.index.astype(str)
        data = data.join(extra, how="left")
    data = data.reset_index(names="customer_id")
    x_title, y_title = projection.axis_titles
    # The segmentation's order fixes each segment's colour (the same as on every other page);
    # anything not in it is appended so it still gets a colour.
    order = list(segments) if segments is not None else []
    order += [s for s in pd.unique(data["segment"]) if s not in order]
    shown = f"{len(data):,} of {projection.n_customers:,} customers" if len(data) < projection.n_customers else \
        f"{len(data):,} customers"
    selection = alt.selection_point(fields=["segment"], bind="legend")
    tooltip = [alt.Tooltip("customer_id:N", title="Customer"), alt.Tooltip("segment:N", title="Segment")]
    tooltip += [alt.Tooltip(f"{c}:{'Q' if pd.api.types.is_numeric_dtype(data[c]) else 'N'}", title=c)
                for c in columns]
    return (
        alt.Chart(data, title=alt.Title(f"Customer map ({projection.method.upper()})", subtitle=shown))
        .mark_circle(size=18)
        .encode(
            x=alt.X("x:Q").title(x_title).axis(labels=False, ticks=False),
            y=alt.Y("y:Q").title(y_title).axis(labels=False, ticks=False),
            color=alt.Color("segment:N").scale(segment_scale(order)).title("Segment").legend(segment_legend(order)),
            opacity=alt.condition(selection, alt.value(0.75), alt.value(0.08)),
            tooltip=tooltip,
        )
        .add_params(selection)
        .properties(height=height)
        .interactive()
    )
