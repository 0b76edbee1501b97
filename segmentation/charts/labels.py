"""Segment names as chart labels: whole, on as many lines as they need, never cut short.

Vega cuts a label that is wider than its limit to "Low MonthlyChar…", and two segments that start alike
("High MonthlyCharges, low tenure" and "High MonthlyCharges, high TotalCharges") then read the same. Here a
long name is broken between words onto lines (a Vega label expression that returns the lines), and the
limit is lifted, so every label shows the whole name and no two read alike.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

import altair as alt

__all__ = ["wrap_name", "lines_expr", "max_lines", "axis_for_names", "segment_legend", "LINE_HEIGHT", "CHAR_WIDTH"]

# Vega's default label font (11 px) as laid out: the height of a line and the mean width of a character.
LINE_HEIGHT = 13
CHAR_WIDTH = 6.2
# Legend labels wrap at this many characters: two columns of names fit under four small facets.
LEGEND_WRAP = 34


def wrap_name(name: str, width: int) -> list[str]:
    """`name` on lines of at most `width` characters, broken between words (a longer word keeps its line)."""
    text = str(name)
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def max_lines(names: Iterable[str], width: int) -> int:
    return max((len(wrap_name(n, width)) for n in names), default=1)


def lines_expr(names: Iterable[str], width: int, field: str = "datum.label") -> str:
    """A Vega expression that writes each of `names` longer than `width` on several lines; any other
    value (a short name, a name not listed) is written as it is."""
    cases = [(str(n), wrap_name(n, width)) for n in dict.fromkeys(names)]
    cases = [(name, lines) for name, lines in cases if len(lines) > 1]
    expr = field
    for name, lines in reversed(cases):
        expr = f"{field} === {json.dumps(name)} ? {json.dumps(lines)} : ({expr})"
    return expr


def axis_for_names(names: Iterable[str], band: float) -> dict:
    """Axis settings for names along a horizontal band axis, `band` pixels per name: every name shown
    (no label hidden because it would touch its neighbour, none cut short), written level on up to three
    lines when they fit the band, else slanted on one line."""
    names = [str(n) for n in names]
    width = max(int(band / CHAR_WIDTH) - 1, 1)
    level = all(len(line) <= width for n in names for line in wrap_name(n, width)) and max_lines(names, width) <= 3
    if level:
        return {"labelAngle": 0, "labelExpr": lines_expr(names, width), "labelOverlap": False, "labelLimit": 0}
    return {"labelAngle": -40, "labelOverlap": False, "labelLimit": 0}


def segment_legend(segments: Iterable[str], **kwargs) -> alt.Legend:
    """A legend that writes every segment name whole (long ones on two or more lines), never cut short."""
    return alt.Legend(labelExpr=lines_expr(segments, LEGEND_WRAP), labelLimit=0, **kwargs)
