"""One colour per segment, the same on every page.

A segment's colour follows from its position in the segmentation's own order
(`Segmentation.segments`), never from the order a chart happens to meet it, so Champions
look the same on Segment, Profiles, Cohorts and the customer map. Leftover groups (customers
without a purchase, customers new or gone since last time, the rules' catch-all) are drawn in
neutral grey and take no colour from the palette, so the real segments keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from ..errors import DataError
from ..methods.rfm import NO_PURCHASES
from ..tracking import GONE, NEW

__all__ = ["PALETTE", "NEUTRAL", "LEFTOVERS", "segment_colors", "segment_scale", "is_leftover"]

# Tableau 10 without its grey (grey means "leftover" here), then six more from Tableau 20 chosen to
# stay apart from those nine in hue or lightness: RFM's 11 named segments all get their own colour.
# Tableau's palettes are designed to stay distinguishable for the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#4c78a8",  # blue
    "#f58518",  # orange
    "#e45756",  # red
    "#72b7b2",  # teal
    "#54a24b",  # green
    "#eeca3b",  # yellow
    "#b279a2",  # purple
    "#ff9da6",  # pink
    "#9d755d",  # brown
    "#1f3f66",  # navy
    "#b6992d",  # olive
    "#a0cbe8",  # light blue
    "#d37295",  # rose
    "#8cd17d",  # light green
    "#ffbe7d",  # light orange
)
NEUTRAL = "#bab0ac"
# Groups that are what is left over rather than a segment someone targets.
LEFTOVERS: frozenset[str] = frozenset({NO_PURCHASES, NEW, GONE, "Other"})


def is_leftover(segment: str) -> bool:
    """True for the groups drawn in neutral grey ("No purchases", "(new)", "(gone)", "Other")."""
    return str(segment) in LEFTOVERS


def segment_colors(segments: Sequence[str]) -> dict[str, str]:
    """Segment -> hex colour, in the given order (pass `Segmentation.segments`).

    Leftovers get NEUTRAL; the others take PALETTE in order, starting again after 15 segments.
    """
    if isinstance(segments, (str, bytes)) or not hasattr(segments, "__iter__"):
        raise DataError("Pass the segment names as a list (e.g. segmentation.segments), not one string.")
    names = list(dict.fromkeys(str(s) for s in segments))
    colors, i = {}, 0
    for name in names:
        if is_leftover(name):
            colors[name] = NEUTRAL
        else:
            colors[name] = PALETTE[i % len(PALETTE)]
            i += 1
    return colors


def segment_scale(segments: Sequence[str]) -> alt.Scale:
    """An Altair colour scale for a `segment:N` field: domain = `segments` in order, fixed colours.

    Pass the segmentation's own order (`segmentation.segments`, or `Profiles.segments`), so the
    same segment gets the same colour in every chart whatever subset or order the chart shows.
    """
    colors = segment_colors(segments)
    return alt.Scale(domain=list(colors), range=list(colors.values()))
