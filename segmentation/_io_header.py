"""Where the header is, and header names a user can refer to.

Private helper of `segmentation.io`, shared by the text and workbook readers. Rows are lists
of cells: strings ("" when empty) for text files, typed values for workbooks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from ._io_convert import looks_like_value

__all__ = ["find_header", "clean_names", "is_blank", "cell_text", "counted"]

_SCAN = 50  # rows searched for the header; title blocks are a few lines


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
