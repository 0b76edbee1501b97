"""Where the table starts and ends: the header row, header names a user can refer to, and summary rows.

Private helper of `segmentation.io`, shared by the text and workbook readers. Rows are lists
of cells: strings ("" when empty) for text files, typed values for workbooks.

A summary row is a "Total" line a spreadsheet user added under the data (or right under the
header): kept, it would become one more customer holding the whole revenue. `summary_candidates`
finds the rows that may be one from their raw cells, before any conversion; `settle_summary_rows`
decides on the converted columns, where the sums can be checked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ._convert import NULL_TOKENS, looks_like_value, names_an_identifier
from ..errors import DataError

__all__ = ["find_header", "clean_names", "is_blank", "cell_text", "counted", "SummaryRow", "SUMMARY_LABELS",
           "summary_candidates", "settle_summary_rows", "data_rows", "MAX_COLUMNS", "check_width"]

_SCAN = 50  # rows searched for the header; title blocks are a few lines
# Each column costs the same detection, role and quality work whatever its rows, so 20,000 columns take
# a minute where 1,000 take a second or two; a customer export has tens or hundreds of columns.
MAX_COLUMNS = 1_000


def check_width(name: str, columns: int, limit: int) -> None:
    """Refuse a table wider than `limit` columns before its rows are read, saying why and what to export."""
    if columns > limit:
        raise DataError(
            f"'{name}' has {columns:,} columns, more than the {limit:,} that can be loaded (segments use 2-4 "
            f"variables and profiles a few dozen); a file this wide is usually a pivot with one column per day, "
            f"product or question, so export only the columns you need, or the data in long form with one row "
            f"per customer and day or product.")


def counted(n: int, thing: str) -> str:
    """ "1 row", "3 rows": notes read as sentences, not as forms."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def is_blank(cell) -> bool:
    if isinstance(cell, str):
        return not cell.strip()
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def cell_text(cell) -> str:
    """A header cell as a column name: 2024.0 -> "2024", a date -> "2024-01-31"."""
    if is_blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat()
    return str(cell).strip()


def _is_label(cell) -> bool:
    return isinstance(cell, str) and bool(cell.strip()) and not looks_like_value(cell)


def find_header(rows: list[list]) -> int | None:
    """The first row that is mostly non-empty labels and has data below it; None when no row has content.

    A table's typical width (the most common extent of its rows) tells title lines, which are
    narrow ("Export from Billing - 2026-10-01"), from the header, which spans the table.
    """
    filled = [[i for i, cell in enumerate(row) if not is_blank(cell)] for row in rows]
    content = [r for r, cells in enumerate(filled) if cells]
    if not content:
        return None
    extents = Counter(filled[r][-1] + 1 for r in content)
    width = max(extents, key=lambda extent: (extents[extent], extent))
    wide = [len(filled[r]) for r in content if filled[r][-1] + 1 >= width]
    typical = sorted(wide)[len(wide) // 2] if wide else width
    need = typical if typical <= 2 else math.ceil(0.6 * typical)
    last = content[-1]
    for r in content[:_SCAN]:
        if r == last and len(content) > 1:
            break
        cells = [rows[r][i] for i in filled[r]]
        labels = sum(1 for cell in cells if _is_label(cell))
        if len(cells) >= need and filled[r][-1] + 1 >= min(width, 2) and labels >= 0.8 * len(cells):
            return r
    # No row reads as a header: take the first row as wide as the table, never a title line.
    return next((r for r in content if filled[r][-1] + 1 >= width), content[0])


def clean_names(raw: list[str], positions: list[int]) -> tuple[list[str], list[str]]:
    """Stripped, unique, non-blank column names, and notes on the names that had to change.

    `positions` are the columns' 1-based places in the file, used in the generated names.
    """
    notes = []
    names: list[str] = []
    taken: set[str] = set()
    blanks = []
    for position, name in zip(positions, raw):
        name = " ".join(str(name).replace("\ufeff", "").replace("\u200b", "").split())
        if not name:
            name = f"Unnamed column {position}"
            blanks.append(position)
        if name in taken:
            base, copy = name, 2
            while f"{base} ({copy})" in taken:
                copy += 1
            name = f"{base} ({copy})"
            notes.append(f"Column {position} repeats the name '{base}'; it is called '{name}'.")
        taken.add(name)
        names.append(name)
    if len(blanks) == 1:
        notes.insert(0, f"Column {blanks[0]} has no name in the header; it is called 'Unnamed column {blanks[0]}'.")
    elif blanks:
        listed = ", ".join(str(p) for p in blanks[:5]) + (" ..." if len(blanks) > 5 else "")
        notes.insert(0, f"Columns {listed} have no name in the header; they are called 'Unnamed column N' by "
                        f"their position.")
    return names, notes


# -- summary rows ------------------------------------------------------------------------------------------------

# The first text of a summary row, lower case, without a trailing colon.
SUMMARY_LABELS = frozenset({
    "total", "totals", "grand total", "grand totals", "sum", "sum total", "overall total", "total général",
    "total general", "totale", "totale generale", "somme", "gesamt", "gesamtsumme", "summe", "insgesamt", "totaal",
    "eindtotaal", "suma", "average", "averages", "mean", "avg", "durchschnitt", "mittelwert",
    "moyenne", "gemiddelde", "promedio"})
_TRAILING = 3  # summary rows looked for under the data ("Total", then "Average")
_LEADING = 2  # ... and right under the header
_NO_VALUE = frozenset(NULL_TOKENS)


@dataclass(frozen=True)
class SummaryRow:
    """A row that may be a summary. label: its text as written ("Total:"), None for a row of bare numbers;
    label_column: where the label is; alone: nothing but blanks left of the label; leading: right under the
    header, so its sums are of the rows below."""

    position: int
    label: str | None = None
    label_column: int | None = None
    alone: bool = False
    leading: bool = False


def _summary_label(cell) -> bool:
    return isinstance(cell, str) and " ".join(cell.lower().split()).rstrip(":").rstrip() in SUMMARY_LABELS


def _cell(column, position: int):
    if isinstance(column, pa.Array):
        return column[position].as_py()
    value = column.iloc[position]
    return None if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)) else value


def _candidate(columns: list, position: int, *, leading: bool) -> SummaryRow | None:
    cells = [_cell(column, position) for column in columns]
    filled = [i for i, cell in enumerate(cells) if not is_blank(cell)]
    texts = [i for i in filled if isinstance(cells[i], str) and not looks_like_value(cells[i])
             and cells[i].strip().lower() not in _NO_VALUE]
    if texts:
        i = texts[0]
        if not _summary_label(cells[i]):
            return None
        return SummaryRow(position, cells[i].strip(), i, alone=filled[0] == i, leading=leading)
    # No label: only a row of numbers with nothing where the first column names the row.
    if not filled or filled[0] == 0 or any(isinstance(cells[i], (bool, np.bool_, dt.date, dt.time)) for i in filled):
        return None
    return SummaryRow(position, leading=leading)


def summary_candidates(columns: list) -> list[SummaryRow]:
    """Rows at the end (and right under the header) that may be summaries, from their raw cells: a first text
    cell such as "Total" or "Summe:", or only numbers with the first column blank. Cheap: a few rows' cells."""
    rows = len(columns[0]) if columns else 0
    found: list[SummaryRow] = []
    for position in range(rows - 1, max(rows - 1 - _TRAILING, -1), -1):
        candidate = _candidate(columns, position, leading=False)
        if candidate is None:
            break
        found.append(candidate)
    taken = {c.position for c in found}
    for position in range(min(_LEADING, rows)):
        candidate = None if position in taken else _candidate(columns, position, leading=True)
        if candidate is None:
            break
        found.append(candidate)
    while found and rows - len(found) < 2:  # sums need at least two rows to add up
        found.pop()
    return found


def _close(value: float, target: float) -> bool:
    """Equal within the rounding of `value` as written: 1242650 to the unit, 398.25 to the cent."""
    digits = next((k for k in range(7) if abs(round(value, k) - value) <= 1e-9 * max(1.0, abs(value))), 6)
    return abs(value - target) <= 0.5 * 10.0 ** -digits + 1e-9 * abs(target)


@dataclass(frozen=True)
class _Columns:
    """The converted columns as a summary check needs them: float arrays of numeric columns, the rest by kind."""

    names: list[str]
    numbers: dict[int, np.ndarray]
    dates: set[int]
    ids: set[int]
    others: list
    named: np.ndarray  # rows whose first cell is filled in

    @classmethod
    def of(cls, names: list[str], series: list[pd.Series]) -> _Columns:
        numbers, dates = {}, set()
        for i, s in enumerate(series):
            if pd.api.types.is_datetime64_any_dtype(s):
                dates.add(i)
            elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                numbers[i] = s.to_numpy(dtype="float64", na_value=np.nan)
        ids = {i for i, name in enumerate(names) if names_an_identifier(name)}
        return cls(names, numbers, dates, ids, series, series[0].notna().to_numpy())


def _verdict(row: SummaryRow, columns: _Columns, data: slice) -> str | None:
    """What the row is ("a sum of the rows above") when it is a summary; None when it may be a real record."""
    sums = means = mismatches = 0
    text = dated = named = False
    for i, series in enumerate(columns.others):
        if i == row.label_column:
            continue
        if i in columns.numbers:
            value = columns.numbers[i][row.position]
            if np.isnan(value):
                continue
            if i in columns.ids:
                named = True
                continue
            rest = columns.numbers[i][data]
            rest = rest[~np.isnan(rest)]
            if rest.size < 2:
                continue
            total = float(rest.sum())
            constant = rest.min() == rest.max()
            if value != 0 and np.count_nonzero(rest) >= 2 and _close(value, total):
                sums += 1
            elif not constant and _close(value, total / rest.size):
                means += 1
            elif not ((value == 0 and total == 0) or (constant and value == rest[0])):
                mismatches += 1
            continue
        if is_blank(_cell(series, row.position)):
            continue
        if i in columns.ids:
            named = True
        elif i in columns.dates:
            dated = True
        else:
            text = True
    if named:
        return None
    if row.label is None:  # bare numbers: only exact sums, where every other row has a name, tell a total
        if text or dated or not sums or mismatches or not columns.named[data].all():
            return None
    elif not ((sums + means) and sums + means >= mismatches) and not (row.alone and not text and not dated):
        return None
    side = "below" if row.leading else "above"
    if sums and means:
        return f"sums and averages of the rows {side}"
    if sums or means:
        return f"a sum of the rows {side}" if sums else f"an average of the rows {side}"
    return "a summary line"


def settle_summary_rows(names: list[str], series: list[pd.Series],
                        candidates: list[SummaryRow]) -> list[tuple[SummaryRow, str]]:
    """The candidates that are summaries, each with what it is, judged against the other rows.

    A candidate judged a real record joins the data, and the others are judged again (their sums then
    include it); a summary row is only ever at the edge, so one kept row keeps those behind it too."""
    if not candidates:
        return []
    columns = _Columns.of(names, series)
    rows = len(series[0])
    active = list(candidates)
    while active:
        data = data_rows(active, rows)
        with np.errstate(all="ignore"):  # sums of huge numbers overflow to inf, which simply matches nothing
            verdicts = {c.position: _verdict(c, columns, data) for c in active}
        kept = _at_the_edges([c for c in active if verdicts[c.position] is not None], rows)
        if len(kept) == len(active):
            return [(c, verdicts[c.position]) for c in kept]
        active = kept
    return []


def data_rows(summaries: list[SummaryRow], rows: int) -> slice:
    """The rows between the summary rows: they are only ever at the edges, so a slice (views, not copies)."""
    leading = sum(1 for r in summaries if r.leading)
    return slice(leading, rows - (len(summaries) - leading))


def _at_the_edges(rows: list[SummaryRow], total: int) -> list[SummaryRow]:
    positions = {r.position for r in rows}
    last = total - 1
    while last in positions:
        last -= 1
    first = 0
    while first in positions:
        first += 1
    return [r for r in rows if r.position > last or r.position < first]
