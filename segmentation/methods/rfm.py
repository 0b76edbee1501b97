"""RFM: recency, frequency and monetary scores 1-5, and the R x FM grid that names segments.

    inputs = rfm_inputs(transactions, customer_id="customer_id", date="invoice_date", amount="amount")
    seg = fit_rfm(inputs)                 # or fit_rfm(customer_table(...)), fit_rfm(table, **SAAS_PRESET)
    thresholds_text(seg)                  # ["R 5 = 12 days or fewer", ..., "F 5 = 7 or more orders", ...]
    seg.assign(next_month)                # the same thresholds and grid, re-applied exactly

Scoring (DESIGN.md). Each variable gets five classes of contiguous values, cut at the
quintiles or as near as ties allow, so that equal values always score the same, a better
value never scores lower, all five scores exist whenever a variable has five or more distinct
values, and row order never matters. The cuts minimise the total distance between the share
of customers below each cut and 20/40/60/80% (a small dynamic programme over the distinct
values; ties go to the lower cuts); with fewer than five distinct values each value gets its own
score, placed as near its quintile as possible (two equal halves score 2 and 4). R is reversed
so 5 = most recent. FM = the mean of F and M rounded half up, and the grid maps (R, FM) to a
segment name.

The fitted state holds, per variable, the value from which each score 2..5 starts (for R: up
to which number of days), so `assign` re-applies them exactly to new customers, and the grid.

Customers without a purchase (recency missing) get no scores and the segment "No purchases";
the thresholds are fitted on the customers with purchases only. Missing F or M values of
customers with purchases count as 0, with a note.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping, Sequence
from itertools import combinations_with_replacement
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .. import features
from ..cleaning import invoice_column, return_columns, returns_note
from ..errors import DataError
from ..queries import customers as q
from ..result import Segmentation
from .registry import Method, register_method

__all__ = [
    "DEFAULT_GRID",
    "NO_PURCHASES",
    "SAAS_PRESET",
    "fit_rfm",
    "rfm_inputs",
    "thresholds_text",
    "segment_rules",
    "short_names",
    "grid_frame",
    "grid_from_frame",
]

SCORES = (1, 2, 3, 4, 5)
_R_ROWS = (5, 4, 3, 2, 1)  # the grid is shown best recency first

# The R x FM map of DESIGN.md: rows R 5..1, columns FM 1..5; every cell named once.
_DEFAULT_ROWS = (
    ("New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Loyal"),
    ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
)
DEFAULT_GRID: Mapping[tuple[int, int], str] = MappingProxyType(
    {(r, fm): name for r, row in zip(_R_ROWS, _DEFAULT_ROWS) for fm, name in zip(SCORES, row)}
)

# What `grid=` accepts: {(r, fm): name}, a grid_frame-shaped table, or 5 rows (R 5..1) of 5 names.
GridLike = Mapping[tuple[int, int], str] | pd.DataFrame | Sequence[Sequence[str]]

NO_PURCHASES = "No purchases"

# SaaS reading: a purchase is a paid invoice, M is the monthly recurring revenue.
SAAS_PRESET: Mapping[str, str] = MappingProxyType(
    {"recency": "recency_days", "frequency": "frequency", "monetary": "mrr"}
)

# Words shown after a threshold for the customer table's own column names.
_UNITS = {"recency_days": "days", "frequency": "orders"}


# -- fitting --------------------------------------------------------------------------------------
def fit_rfm(
    frame: pd.DataFrame,
    *,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
    grid: GridLike | None = None,
) -> Segmentation:
    """Score every customer of `frame` (indexed by customer id) and name the segments.

    grid: None for `DEFAULT_GRID`, or a map {(r, fm): name}, a `grid_frame`-shaped DataFrame,
    or five rows (R 5..1) of five names (FM 1..5). Returns a Segmentation with method "rfm";
    its scores hold the three raw values and r, f, m, fm (missing for "No purchases").
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("fit_rfm needs a customer table (a pandas DataFrame).")
    columns = {"r": recency, "f": frequency, "m": monetary}
    _require(frame, columns)
    rows = _grid_rows(grid)
    ids = _ids(frame)
    values = {key: _numbers(frame[column], column) for key, column in columns.items()}
    bought = ~np.isnan(values["r"])
    if not bought.any():
        raise DataError(
            f"No customer has a purchase (the column {recency!r} is empty); give a transactions table "
            "or map the column with the days since the last purchase."
        )

    notes: list[str] = []
    for key in ("f", "m"):
        gaps = bought & np.isnan(values[key])
        if gaps.any():
            notes.append(
                f"{int(gaps.sum()):,} customer(s) with purchases have no {columns[key]!r} value; "
                "they count as 0."
            )
            values[key] = np.where(gaps, 0.0, values[key])

    thresholds = {
        key: _fit_thresholds(values[key][bought], column=columns[key], higher_is_better=(key != "r"))
        for key in ("r", "f", "m")
    }
    scores, labels = _score(values, thresholds, rows)
    notes.extend(_flat_m_note(values["m"][bought], monetary))
    if not bought.all():
        notes.append(
            f"{int((~bought).sum()):,} customer(s) have no purchase (no {recency!r}) and form the segment "
            f"{NO_PURCHASES!r}; the scores are fitted on the {int(bought.sum()):,} with purchases."
        )

    segments = _display_order(rows) + ((NO_PURCHASES,) if not bought.all() else ())
    table = pd.DataFrame({column: frame[column].to_numpy() for column in columns.values()}, index=ids)
    for key in ("r", "f", "m", "fm"):
        table[key] = _whole_scores(scores[key])
    return Segmentation(
        method="rfm",
        labels=pd.Series(labels, index=ids, dtype=object),
        segments=segments,
        variables=(recency, frequency, monetary),
        params={
            "recency": recency,
            "frequency": frequency,
            "monetary": monetary,
            "grid": None if grid is None else [list(row) for row in rows],
        },
        # A blank recency means "never bought", which the segment says: validation reads it as a signal.
        state={"thresholds": thresholds, "grid": [list(row) for row in rows], "no_purchases": NO_PURCHASES,
               "missing_tested": [recency]},
        scores=table,
        notes=tuple(notes),
    )


def _whole_scores(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Scores 1..5 held as floats (NaN: none) as an Int64 array, as pd.array(values, dtype="Int64") makes it."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _assign(seg: Segmentation, frame: pd.DataFrame) -> pd.Series:
    thresholds = seg.state["thresholds"]
    values = {key: _numbers(frame[info["column"]], info["column"]) for key, info in thresholds.items()}
    bought = ~np.isnan(values["r"])
    for key in ("f", "m"):
        values[key] = np.where(bought & np.isnan(values[key]), 0.0, values[key])
    _, labels = _score(values, thresholds, [tuple(row) for row in seg.state["grid"]])
    return pd.Series(labels, index=_ids(frame), dtype=object)


def _refit(frame: pd.DataFrame, params: Mapping[str, Any]) -> Segmentation:
    return fit_rfm(frame, **{k: params[k] for k in ("recency", "frequency", "monetary", "grid") if k in params})


# -- thresholds -----------------------------------------------------------------------------------
def _fit_thresholds(values: np.ndarray, *, column: str, higher_is_better: bool) -> dict[str, Any]:
    """Where scores 2..5 start, in the variable's own units (None: no value reaches that score).

    better "higher": a value >= thresholds[s-2] scores at least s.
    better "lower":  a value <= thresholds[s-2] scores at least s (recency: fewer days is better).
    """
    oriented = values if higher_is_better else -values
    distinct, counts = np.unique(oriented, return_counts=True)
    cuts = _cuts(counts)
    k = len(distinct)
    starts = [float(distinct[b]) if b < k else None for b in cuts]
    if not higher_is_better:
        starts = [None if s is None else -s + 0.0 for s in starts]  # + 0.0 turns -0.0 into 0.0
    cumulative = np.concatenate(([0], np.cumsum(counts)))
    bounds = (0, *cuts, k)
    return {
        "column": column,
        "better": "higher" if higher_is_better else "lower",
        "thresholds": starts,
        "integer": bool(np.all(values == np.round(values))),
        "counts": [int(cumulative[bounds[i + 1]] - cumulative[bounds[i]]) for i in range(5)],
    }


def _cuts(counts: np.ndarray) -> list[int]:
    """Four cut indices b1 <= .. <= b4 into the sorted distinct values (class s = b(s-1) .. b(s) - 1).

    Minimises sum_j |share below cut j - j/5| (in whole numbers: |5 * below - j * n|). With five
    or more distinct values every class must be non-empty; with fewer, every distinct value gets
    its own class. Ties between equally good sets of cuts go to the lower cuts (deterministic).
    """
    k = len(counts)
    n = int(counts.sum())
    below = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)  # below[b]: values in the b lowest
    cost = [np.abs(5 * below - j * n).astype(float) for j in (1, 2, 3, 4)]
    if k < 5:
        needed = set(range(1, k))
        candidates = (c for c in combinations_with_replacement(range(k + 1), 4) if needed <= set(c))
        return list(min(candidates, key=lambda c: (sum(cost[j][b] for j, b in enumerate(c)), c)))
    # Dynamic programme over b1 < b2 < b3 < b4 with 1 <= b1 and b4 <= k - 1.
    best = [cost[0].copy()]
    best[0][:1] = np.inf
    best[0][k - 3 :] = np.inf
    for j in (2, 3, 4):
        previous = np.concatenate(([np.inf], np.minimum.accumulate(best[-1])[:-1]))
        total = cost[j - 1] + previous
        total[:j] = np.inf
        total[k - 4 + j :] = np.inf
        best.append(total)
    cuts = [int(np.argmin(best[3]))]
    for j in (2, 1, 0):
        cuts.append(int(np.argmin(best[j][: cuts[-1]])))
    return cuts[::-1]


def _apply(values: np.ndarray, info: Mapping[str, Any]) -> np.ndarray:
    """Scores 1..5 as floats (NaN where the value is missing)."""
    sign = 1.0 if info["better"] == "higher" else -1.0
    starts = np.array([np.inf if t is None else sign * float(t) for t in info["thresholds"]])
    scores = 1.0 + np.searchsorted(starts, sign * values, side="right")
    return np.where(np.isnan(values), np.nan, scores)


def _score(
    values: Mapping[str, np.ndarray], thresholds: Mapping[str, Mapping[str, Any]], rows: Sequence[Sequence[str]]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    scores = {key: _apply(values[key], thresholds[key]) for key in ("r", "f", "m")}
    bought = ~np.isnan(scores["r"])
    # Half up: (F + M + 1) // 2 equals round-half-up of their mean for whole scores.
    scores["fm"] = np.where(bought, np.floor((scores["f"] + scores["m"] + 1) / 2), np.nan)
    scores["f"] = np.where(bought, scores["f"], np.nan)
    scores["m"] = np.where(bought, scores["m"], np.nan)
    names = np.empty((6, 6), dtype=object)
    for r, row in zip(_R_ROWS, rows):
        for fm, name in zip(SCORES, row):
            names[r, fm] = name
    r_index = np.where(bought, scores["r"], 0).astype(int)
    fm_index = np.where(bought, scores["fm"], 0).astype(int)
    labels = np.where(bought, names[r_index, fm_index], NO_PURCHASES)
    return scores, labels


def _flat_m_note(m: np.ndarray, column: str) -> list[str]:
    mean = float(np.mean(m)) if len(m) else 0.0
    spread = float(np.std(m)) if len(m) else 0.0
    variation = spread / abs(mean) if mean else (0.0 if spread == 0 else np.inf)
    if len(np.unique(m)) < 5 or variation < 0.1:
        return [f"M ({column}) barely varies (flat pricing), so it says little about value."]
    return []


# -- thresholds in words --------------------------------------------------------------------------
def thresholds_text(seg: Segmentation) -> list[str]:
    """One line per score, R 5..1 then F 5..1 then M 5..1: "F 5 = 7 or more orders"."""
    if seg.method != "rfm":
        raise DataError(f"thresholds_text needs an RFM segmentation, not {seg.method!r}.")
    lines = []
    for key in ("r", "f", "m"):
        info = seg.state["thresholds"][key]
        for score in (5, 4, 3, 2, 1):
            lines.append(f"{key.upper()} {score} = {_class_words(info, score)}")
    return lines


def segment_rules(seg: Segmentation) -> dict[str, str]:
    """Each segment's exact definition in plain words, from its grid cells and the score thresholds.

    "last purchase 13 to 40 days ago and order and spend scores adding up to 7 or more (of 10)";
    FM is the mean of the F and M scores rounded half up, so FM 4-5 is exactly F + M >= 7.
    """
    if seg.method != "rfm":
        raise DataError(f"segment_rules needs an RFM segmentation, not {seg.method!r}.")
    thresholds = seg.state["thresholds"]
    rows = [tuple(row) for row in seg.state["grid"]]
    # Renamed segments keep the grid's own names in state: match cells by those, answer by the shown names.
    original = {shown: own for own, shown in seg.state.get("display_names", {}).items()}
    out = {}
    for name in seg.segments:
        own = original.get(name, name)
        if own == seg.state.get("no_purchases", NO_PURCHASES):
            out[name] = "no purchase yet"
            continue
        by_r = {r: tuple(fm for fm, cell in zip(SCORES, row) if cell == own) for r, row in zip(_R_ROWS, rows)}
        # Adjacent R rows with the same FM cells read as one range of days.
        groups: list[tuple[list[int], tuple[int, ...]]] = []
        for r in sorted(by_r, reverse=True):
            if not by_r[r]:
                continue
            if groups and groups[-1][1] == by_r[r] and groups[-1][0][-1] == r + 1:
                groups[-1][0].append(r)
            else:
                groups.append(([r], by_r[r]))
        parts = []
        for r_scores, fm_scores in groups:
            recency = _range_words(thresholds["r"], min(r_scores), max(r_scores))
            if recency is None:
                continue
            for run in _runs(fm_scores):
                words = [] if recency == "any" else [_recency_words(thresholds["r"], recency)]
                fm = _fm_words(thresholds, run[0], run[-1])
                if fm:
                    words.append(fm)
                parts.append(" and ".join(words) or "everyone who bought")
        if not parts:
            out[name] = "no customer can score into this cell with these thresholds"
        elif len(parts) == 1:
            out[name] = parts[0]
        else:
            out[name] = " or ".join(f"({p})" if " and " in p else p for p in parts)
    return out


# Short-name words for a segment's R and FM scores: all of its cells at 5, all at 4-5, all at 1-2, all at 1.
_R_WORDS = ("Most recent", "Recent", "Not recent", "Least recent")
_FM_WORDS = ("top value", "high value", "low value", "lowest value")


def short_names(seg: Segmentation) -> dict[str, str]:
    """Each segment (as shown) in a few words read off the R and FM scores of its grid cells, the very
    terms its name stands for ("At Risk": R 1-2, FM 3-4 -> "Not recent"), so the two never disagree.

    A word is given only when every cell of the segment is on the same side (R 4-5: "Recent", R 1-2:
    "Not recent"; FM alike, in orders and spend as one "value"); segments with the same words get
    their scores added."""
    if seg.method != "rfm":
        raise DataError(f"short_names needs an RFM segmentation, not {seg.method!r}.")
    if "grid" not in seg.state:  # labels made elsewhere and called RFM: no cells to read
        return {}
    rows = [tuple(row) for row in seg.state["grid"]]
    original = {shown: own for own, shown in seg.state.get("display_names", {}).items()}
    no_purchases = seg.state.get("no_purchases", NO_PURCHASES)
    words, scores = {}, {}
    for name in seg.segments:
        own = original.get(name, name)
        if own == no_purchases:
            words[name], scores[name] = "No purchase yet", ""
            continue
        cells = [(r, fm) for r, row in zip(_R_ROWS, rows) for fm, cell in zip(SCORES, row) if cell == own]
        r_scores, fm_scores = {r for r, _ in cells}, {fm for _, fm in cells}
        parts = [w for w in (_side(r_scores, _R_WORDS), _side(fm_scores, _FM_WORDS)) if w]
        if parts:
            text = ", ".join(parts)
            words[name] = text[:1].upper() + text[1:]
        else:
            middle = r_scores == {3} and fm_scores == {3}
            words[name] = "Mid recency and value" if middle else "Mixed recency and value"
        scores[name] = f"R {_score_span(r_scores)}, FM {_score_span(fm_scores)}" if cells else "no cell"
    counts: dict[str, int] = {}
    for text in words.values():
        counts[text] = counts.get(text, 0) + 1
    return {name: f"{text} ({scores[name]})" if counts[text] > 1 and scores[name] else text
            for name, text in words.items()}


def _side(values: set[int], words: tuple[str, str, str, str]) -> str:
    if not values:
        return ""
    if values == {5}:
        return words[0]
    if min(values) >= 4:
        return words[1]
    if values == {1}:
        return words[3]
    if max(values) <= 2:
        return words[2]
    return ""


def _score_span(values: set[int]) -> str:
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in _runs(sorted(values)))


def _runs(values: Sequence[int]) -> list[list[int]]:
    """Consecutive runs of sorted whole numbers: (1, 2, 4) -> [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for value in sorted(values):
        if runs and runs[-1][-1] == value - 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return runs


def _recency_words(info: Mapping[str, Any], words: str) -> str:
    if info["column"] == "recency_days":
        return f"last purchase {words} ago"
    return words if f"({info['column']})" in words else f"{info['column']} {words}"


def _fm_words(thresholds: Mapping[str, Mapping[str, Any]], lowest: int, highest: int) -> str:
    """FM lowest..highest as the sum of the F and M scores: FM >= c is F + M >= 2c - 1, FM <= c is F + M <= 2c."""
    if lowest == 1 and highest == 5:
        return ""
    f_name = "order" if thresholds["f"]["column"] == "frequency" else thresholds["f"]["column"]
    m_name = "spend" if thresholds["m"]["column"] == "monetary" else thresholds["m"]["column"]
    low, high = max(2, 2 * lowest - 1), min(10, 2 * highest)
    if low == 2 and high == 2:
        f_words, m_words = _range_words(thresholds["f"], 1, 1), _range_words(thresholds["m"], 1, 1)
        if f_words and m_words:  # F + M = 2 only as F 1 and M 1: say it in orders and money
            spend = f"spend {m_words}" if thresholds["m"]["column"] == "monetary" else m_words
            return f"{f_words} and {spend}"
    if low == 2:
        total = f"{high} or less"
    elif high == 10:
        total = f"{low} or more"
    else:
        total = f"{low} to {high}"
    return f"{f_name} and {m_name} scores adding up to {total} (of 10)"


def _class_words(info: Mapping[str, Any], score: int) -> str:
    return _range_words(info, score, score) or "not used (too few different values)"


def _range_words(info: Mapping[str, Any], lowest: int, highest: int) -> str | None:
    """The values scoring `lowest`..`highest` in words ("13 to 40 days"); None when no value can score so."""
    column = info["column"]
    unit = _UNITS.get(column, "")
    integer = bool(info["integer"])
    higher = info["better"] == "higher"
    edge = np.inf if higher else -np.inf
    # t[s] = where score s starts, with t[1] = the far end of the worst class; unreachable -> edge.
    t = {1: -edge, **{s: (edge if v is None else float(v)) for s, v in zip((2, 3, 4, 5), info["thresholds"])}, 6: edge}
    start, stop = t[lowest], t[highest + 1]
    if start == edge or (lowest > 1 and start == stop):
        return None
    if lowest == 1 and highest == 5:
        return "any"
    if not higher:  # lower is better: class = (stop, start]; flip to a low..high range
        low, high = stop, start
        low_open = True
    else:  # class = [start, stop)
        low, high = start, stop
        low_open = False
    if integer:
        first = low + 1 if low_open else low
        last = high if low_open else high - 1
        if np.isinf(first):
            text = f"{_number(last, True)} or fewer"
        elif np.isinf(last):
            text = f"{_number(first, True)} or more"
        elif first == last:
            text = _number(first, True)
            if first == 1 and unit.endswith("s"):
                return f"1 {unit[:-1]}"
        else:
            text = f"{_number(first, True)} to {_number(last, True)}"
    elif np.isinf(low):
        text = f"{_number(high, False)} or less" if low_open else f"under {_number(high, False)}"
    elif np.isinf(high):
        text = f"more than {_number(low, False)}" if low_open else f"{_number(low, False)} or more"
    elif low_open:
        text = f"more than {_number(low, False)} up to {_number(high, False)}"
    else:
        text = f"{_number(low, False)} to under {_number(high, False)}"
    if unit:
        return f"{text} {unit}"
    return text if column == "monetary" else f"{text} ({column})"


def _number(value: float, integer: bool) -> str:
    if integer:
        return f"{int(round(value)):,}"
    for decimals in (2, 3, 4, 5, 6):
        if round(value, decimals) == round(value, 6):
            return f"{value:,.{decimals}f}"
    return f"{value:,.6f}"


# -- the grid -------------------------------------------------------------------------------------
def grid_frame(grid: GridLike | None = None) -> pd.DataFrame:
    """The grid as a 5x5 table: rows R 5..1 (index "R"), columns FM 1..5 ("FM"), cells = names."""
    rows = _grid_rows(grid)
    return pd.DataFrame(
        [list(row) for row in rows],
        index=pd.Index(list(_R_ROWS), name="R"),
        columns=pd.Index(list(SCORES), name="FM"),
    )


def grid_from_frame(frame: pd.DataFrame) -> dict[tuple[int, int], str]:
    """A grid map {(r, fm): name} from an edited `grid_frame` table; every cell must be named.

    Row and column labels may be numbers or text holding the number ("5", "R 5", "FM 1").
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The RFM grid must be a table with rows R 5..1 and columns FM 1..5.")
    r_labels = [_score_label(label, "row") for label in frame.index]
    fm_labels = [_score_label(label, "column") for label in frame.columns]
    if sorted(r_labels) != list(SCORES) or sorted(fm_labels) != list(SCORES):
        raise DataError("The RFM grid needs exactly the rows R 1..5 and the columns FM 1..5.")
    grid = {}
    for i, r in enumerate(r_labels):
        for j, fm in enumerate(fm_labels):
            grid[(r, fm)] = _cell_name(frame.iat[i, j], r, fm)
    return grid


def _score_label(label: Any, what: str) -> int:
    digits = re.sub(r"\D", "", str(label))
    if not digits:
        raise DataError(f"The RFM grid {what} {label!r} is not a score 1..5.")
    return int(digits)


def _cell_name(value: Any, r: int, fm: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        raise DataError(f"The RFM grid cell R {r} x FM {fm} has no segment name; name every cell.")
    return str(value).strip()


def _grid_rows(grid: Any) -> tuple[tuple[str, ...], ...]:
    """The grid as five rows (R 5..1) of five names (FM 1..5), validated."""
    if grid is None:
        return _DEFAULT_ROWS
    if isinstance(grid, pd.DataFrame):
        grid = grid_from_frame(grid)
    if isinstance(grid, Mapping):
        return tuple(
            tuple(_cell_name(grid.get((r, fm)), r, fm) for fm in SCORES) for r in _R_ROWS
        )
    rows = [list(row) for row in grid] if isinstance(grid, Sequence) and not isinstance(grid, str) else []
    if len(rows) != 5 or any(len(row) != 5 for row in rows):
        raise DataError("The RFM grid must have 5 rows (R 5..1) of 5 names (FM 1..5).")
    return tuple(tuple(_cell_name(name, r, fm) for fm, name in zip(SCORES, row)) for r, row in zip(_R_ROWS, rows))


def _display_order(rows: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Names best first: by the mean R + FM of their cells, then by first appearance in the grid."""
    cells: dict[str, list[int]] = {}
    for r, row in zip(_R_ROWS, rows):
        for fm, name in zip(SCORES, row):
            cells.setdefault(name, []).append(r + fm)
    first = {name: i for i, name in enumerate(cells)}
    return tuple(sorted(cells, key=lambda name: (-np.mean(cells[name]), first[name])))


# -- inputs ---------------------------------------------------------------------------------------
def rfm_inputs(
    transactions: pd.DataFrame | str | Path,
    *,
    customer_id: str,
    date: str,
    amount: str,
    order_id: str | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """recency_days, frequency and monetary per customer (index "customer_id", text), by DuckDB.

    `transactions` is a DataFrame or the path of a CSV/TSV/Parquet/Excel file; a plain CSV or
    Parquet file is read by DuckDB directly (fast), a messy one (not UTF-8, decimal commas,
    non-ISO dates) through `segmentation.io.load_table`. as_of defaults to the day after the
    last transaction; rows after it are left out. The date used is in `.attrs["as_of"]`, the rows
    without a customer id in `.attrs["rows_without_id"]`, and the sentence on the returns and
    cancellations set apart (`cleaning.find_returns`), or None, in `.attrs["returns"]`.
    """
    if isinstance(transactions, (str, Path)):
        return _inputs_from_file(
            Path(transactions), customer_id=customer_id, date=date, amount=amount, order_id=order_id, as_of=as_of
        )
    roles = {"customer_id": customer_id, "transaction_date": date, "amount": amount}
    if order_id:
        roles["order_id"] = order_id
    tx = features._prepare(transactions, roles, "transactions", features._TRANSACTION_ROLES)
    if as_of is not None:
        resolved = features.parse_as_of(as_of)
    else:
        last = q.last_day(tx)
        if last is None:
            raise DataError("The transactions table has no dated row with a customer id.")
        resolved = last.normalize() + pd.Timedelta(days=1)
    summary = q.transaction_summary(tx, as_of=resolved, full=False)
    if summary.empty:
        raise DataError(f"The transactions table has no dated row with a customer id on or before {resolved:%Y-%m-%d}.")
    inputs = _inputs_frame(
        summary["customer_id"].to_numpy(dtype=object),
        summary["recency_days"].to_numpy(dtype=float),
        summary["frequency"].to_numpy(),
        summary["monetary"].to_numpy(),
        resolved,
    )
    counted = tx["day"].notna() & (tx["day"].dt.normalize() <= resolved)
    inputs.attrs["rows_without_id"] = int((tx["customer_id"].isna() & counted).sum())
    inputs.attrs["returns"] = tx.attrs.get("returns")
    return inputs


def _inputs_frame(ids, recency, frequency, monetary, as_of: pd.Timestamp) -> pd.DataFrame:
    """The inputs frame; recency is whole days, blank (NaN) for a customer whose rows are all returns."""
    recency = np.asarray(recency, dtype=float)
    frame = pd.DataFrame(
        {
            "recency_days": recency if np.isnan(recency).any() else recency.astype(np.int64),
            "frequency": np.asarray(frequency, dtype=np.int64),
            "monetary": np.asarray(monetary, dtype=float),
        },
        index=pd.Index(ids, dtype=object, name="customer_id"),
    )
    frame.attrs["as_of"] = f"{as_of:%Y-%m-%d}"
    return frame


_NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"}
_EXCEL = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _inputs_from_file(
    path: Path, *, customer_id: str, date: str, amount: str, order_id: str | None, as_of: Any
) -> pd.DataFrame:
    """The fast path (DuckDB reads the file) when the file is plain; `io.load_table` otherwise."""
    import duckdb

    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    resolved = features.parse_as_of(as_of) if as_of is not None else None
    wanted = [c for c in (customer_id, date, amount, order_id) if c]
    kind = "parquet" if path.suffix.lower() == ".parquet" else "excel" if path.suffix.lower() in _EXCEL else "csv"
    seen: list[str] = []
    if kind == "parquet" or (kind == "csv" and _plain_text(path)):
        try:
            info = q.file_columns(str(path), kind)
        except duckdb.Error:
            info = None
        if info is not None:
            seen = list(info["columns"])
            missing = [c for c in wanted if c not in info["columns"]]
            if missing and any(c in info["columns"] for c in wanted) and not _generic_names(seen):
                # A typo, not a misread file: say so without reading the whole file the slow way.
                raise DataError(f"{path} has no column {missing[0]!r}; columns are: {', '.join(seen)}")
            # The query reads the named columns and the invoice numbers; a quantity, type or status column
            # could mark returns it cannot see: then the careful way, where `find_returns` reads them.
            others = return_columns(seen, exclude=(customer_id, date, amount, order_id))
            if not missing and not others and _plain_types(info, date=date, amount=amount):
                invoice = order_id or invoice_column(seen, exclude=(customer_id, date, amount))
                try:
                    arrays, used = q.file_rfm_inputs(
                        str(path), kind, customer_id=customer_id, date=date, amount=amount,
                        order_id=order_id, as_of=resolved, id_type=str(info["columns"][customer_id]),
                        invoice=invoice,
                    )
                except duckdb.Error:
                    arrays = None  # a messy row beyond DuckDB's sample: read the careful way below
                # Invoice numbers starting with C may be cancellations (C536379): `find_returns` judges them.
                if arrays is not None and not arrays["marked"]:
                    if not len(arrays["customer_id"]):
                        raise DataError(f"{path} has no dated transaction with a customer id.")
                    days = np.datetime64(used.date()) - arrays["last_day"].astype("datetime64[D]")
                    recency = np.where(np.isnat(days), np.nan, days.astype("timedelta64[D]").astype(np.int64))
                    inputs = _inputs_frame(arrays["customer_id"], recency, arrays["frequency"], arrays["monetary"],
                                           used)
                    inputs.attrs["rows_without_id"] = arrays["rows_without_id"]
                    inputs.attrs["returns"] = (returns_note(arrays["returns"], arrays["rows"],
                                                            [(f"with a negative {amount!r}", arrays["returns"])])
                                               if arrays["returns"] else None)
                    return inputs
    try:
        from ..io import load_table
    except ImportError:  # the careful reader is not there: report what DuckDB saw
        if seen:
            missing = [c for c in wanted if c not in seen]
            if missing:
                raise DataError(f"{path} has no column {missing[0]!r}; columns are: {', '.join(seen)}") from None
        raise DataError(f"{path} could not be read; save it as UTF-8 CSV with a header row.") from None
    frame = load_table(path).frame
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(f"{path} has no column {missing[0]!r}; columns are: {', '.join(map(str, frame.columns))}")
    return rfm_inputs(frame, customer_id=customer_id, date=date, amount=amount, order_id=order_id, as_of=resolved)


def _plain_text(path: Path, sample: int = 1 << 20) -> bool:
    """UTF-8 (no NUL bytes, so not UTF-16) in the first megabyte: DuckDB may read it as is."""
    with path.open("rb") as handle:
        head = handle.read(sample)
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _generic_names(columns: Sequence[str]) -> bool:
    return bool(columns) and all(re.fullmatch(r"column\d+", c) for c in columns)


def _plain_types(info: Mapping[str, Any], *, date: str, amount: str) -> bool:
    """ISO dates and plain numbers as DuckDB sees them; anything else is load_table's job."""
    date_type = str(info["columns"][date]).upper()
    amount_type = str(info["columns"][amount]).upper()
    iso = all(f.startswith("%Y-%m-%d") for f in info["date_formats"])
    dated = date_type == "DATE" or date_type.startswith("TIMESTAMP")
    numeric = amount_type in _NUMERIC or amount_type.startswith("DECIMAL")
    return iso and dated and numeric


# -- shared checks --------------------------------------------------------------------------------
def _require(frame: pd.DataFrame, columns: Mapping[str, str]) -> None:
    for key, column in columns.items():
        if column not in frame.columns:
            raise DataError(
                f"The customer table has no column {column!r} for {key.upper()}; columns are: "
                f"{', '.join(map(str, frame.columns))}."
            )


def _ids(frame: pd.DataFrame) -> pd.Index:
    index = frame.index
    if pd.api.types.infer_dtype(index, skipna=False) == "string" and _unique(index):
        if index.dtype == object:  # already text ids (the usual case); the view shares what pandas knows of them
            return index.rename("customer_id")
        return pd.Index(index, dtype=object, name="customer_id")
    ids = features.ids_as_text(pd.Series(index, index=range(len(index))), column="index", table="customer")
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
        raise DataError(f"The customer table has no customer id in row {row}; every customer needs an id.")
    out = pd.Index(ids.to_numpy(dtype=object), dtype=object, name="customer_id")
    if not out.is_unique:
        raise DataError(
            f"The customer table has customer id {out[out.duplicated()][0]!r} more than once; "
            "use a table with one row per customer."
        )
    return out


def _unique(index: pd.Index) -> bool:
    """index.is_unique; for sorted ids (DuckDB's summaries are sorted) without hashing every id: pandas
    knows a strictly increasing index is unique from the order check alone."""
    return bool(index.is_monotonic_increasing and index.is_unique) or index.is_unique


def _numbers(series: pd.Series, column: str) -> np.ndarray:
    return features.parse_numbers(series, column=column, table="customer").to_numpy(dtype=float)


# -- registration (at the end: it names functions defined above) ----------------------------------
register_method(Method(
    "rfm",
    label="RFM",
    assign=_assign,
    refit=_refit,
    describe=segment_rules,  # the exact definition: grid cells and score thresholds
    short_names=short_names,  # words for the same cells' scores
    filters_from="RFM grid and score thresholds",
    filters_why=("Each segment is a cell of the R x FM grid: days since the last purchase and the order and spend "
                 "scores put 100% of customers in their segment, so a team can pull each list with a CRM filter."),
    rule_based=True,
    no_purchases=NO_PURCHASES,
    from_transactions=rfm_inputs,
))
