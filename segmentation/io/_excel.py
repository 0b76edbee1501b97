"""XLSX workbooks: refused before anything inflates when they would blow up, then read with python-calamine.

Private helper of `segmentation.io`. Calamine parses the workbook in Rust (no Python XML
parser is involved, so nothing here needs defusedxml) and gives typed cells: floats, dates,
booleans and strings. Cells typed by Excel keep their type; text cells go through the same
detection as CSV, so "00017" stays text and "1.234,56" typed as text still becomes a number.

Without a sheet named, the first sheet that looks like a table is read: a header of several
columns with more than a handful of rows under it, not a cover, "Read me" or notes sheet. When
none does, a smaller table; when there is none either, the first sheet with data.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import python_calamine as calamine

from ._convert import looks_like_value
from ._header import MAX_COLUMNS, cell_text, check_width, counted, find_header, is_blank
from ..errors import DataError

__all__ = ["SheetGrid", "read_xlsx", "cells_to_column", "check_inflation", "MAX_RATIO", "MAX_INFLATED"]

MAX_BYTES_ENV = "SEGMENTATION_MAX_BYTES"  # the size limit's setting (segmentation.io reads it)
MAX_RATIO = 50  # uncompressed / file size
MAX_INFLATED = 100 * 2 ** 20  # ... only refused above this many uncompressed bytes
MAX_ENTRIES = 10_000
_SCAN_ROWS = 100
_CHUNK = 1 << 20
# A sheet looks like a table with a header of at least this many columns and more than a handful
# of rows under it (this many); fewer rows make a small table, read only when no sheet is a table.
_TABLE_COLUMNS = 2
_TABLE_ROWS = 5
_LOOK_ROWS = 200  # rows looked at to judge a sheet: its first screens, not all of it
_PROSE_WORDS = 5  # a cell of this many words or more is a sentence, not a value


@dataclass(frozen=True)
class SheetGrid:
    """One sheet before conversion: header cells and the cells of each column."""

    names: list[str]
    columns: list[tuple]
    row_numbers: np.ndarray  # 1-based sheet row of each data row
    header_row: int  # 0-based sheet row of the header
    sheet: str
    sheets: tuple[str, ...]
    notes: list[str]


def check_inflation(name: str, *, packed: int, total: int, largest: int, limit: int) -> None:
    """Refuse a file whose content would expand far beyond its own size (a zip bomb) or beyond the limit.

    Two reasons, two messages: a workbook saved by Excel or pandas expands about tenfold, so a big honest one
    (500,000 rows) passes the size limit only once opened, and the user can raise that limit; a zip bomb
    expands a hundred or a thousand times and must not be opened at all.
    """
    if total > MAX_RATIO * max(packed, 1) and total > MAX_INFLATED:
        raise DataError(
            f"'{name}' would expand from {_mb(packed)} to {_mb(total)} when opened, far beyond its size, so it is "
            f"not read (it may be a zip bomb); save the data again as a plain .xlsx or CSV file.")
    if largest > limit:
        raise DataError(
            f"'{name}' is {_mb(packed)} but expands to {_mb(largest)} when opened, above the {_mb(limit)} limit on "
            f"what is read into memory; raise the limit with the {MAX_BYTES_ENV} environment variable (such as "
            f"{MAX_BYTES_ENV}={_suggested(largest)}) and start the app or the command again, or save the data as "
            f"CSV.")


def _suggested(size: int) -> str:
    """A limit comfortably above `size`, as a person would write it: 300MB, 1GB."""
    megabytes = math.ceil(size * 1.25 / 2 ** 20 / 100) * 100
    return f"{megabytes // 1024}GB" if megabytes % 1024 == 0 else f"{megabytes}MB"


def read_xlsx(raw: bytes, *, name: str, sheet: str | None, limit: int, max_columns: int = MAX_COLUMNS) -> SheetGrid:
    """The chosen sheet's header and columns; DataError for broken, oversized or empty workbooks."""
    _check_zip(raw, name, limit)
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        worksheets = [m for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        sheets = tuple(m.name for m in worksheets)
        if not sheets:
            raise DataError(f"'{name}' has no worksheets; save a sheet with the data as .xlsx or CSV.")
        skipped: list[tuple[str, str]] = []
        if sheet is not None:
            chosen = _match_sheet(sheet, sheets, name)
            grid = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        else:
            visible = [m.name for m in worksheets if m.visible == calamine.SheetVisibleEnum.Visible]
            chosen, grid, skipped = _choose_sheet(book, visible, [s for s in sheets if s not in visible])
    except calamine.PasswordError:
        raise DataError(f"'{name}' is password-protected; remove the password in Excel and upload it again.") \
            from None
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, calamine.WorksheetNotFound) as exc:
        raise DataError(f"'{name}' is not a readable Excel workbook ({_first_line(exc)}); open it in Excel and "
                        f"save it again as .xlsx.") from None
    return _grid_to_columns(grid, name=name, chosen=chosen, sheets=sheets, explicit=sheet is not None,
                            skipped=skipped, max_columns=max_columns)


def cells_to_column(cells: tuple, *, id_like: bool) -> pa.Array | pd.Series:
    """Typed cells stay typed (numbers, dates, booleans); text and mixed columns become strings to analyse."""
    types = set(map(type, cells))
    blank_text = str in types and all(is_blank(c) for c in cells if type(c) is str)
    others = types - {str, type(None)}
    if not others or (str in types and not blank_text):
        if others:  # mixed: read every cell as its text, then decide like a CSV column
            return pa.array([_as_text(c) for c in cells], pa.string())
        return pa.array(cells, pa.string())
    if others <= {float, int}:
        values = np.array([c if type(c) in (float, int) else np.nan for c in cells], dtype="float64")
        return _numbers(values, id_like=id_like)
    if others <= {dt.datetime, dt.date}:
        try:
            return pd.Series(pd.to_datetime([None if type(c) is str else c for c in cells])).astype("datetime64[ns]")
        except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
            return pa.array([_as_text(c) for c in cells], pa.string())
    if others == {bool}:
        if len(types) == 1:
            return pd.Series(cells, dtype="bool")
        return pd.Series([c if type(c) is bool else np.nan for c in cells], dtype="object")
    return pa.array([_as_text(c) for c in cells], pa.string())


# -- helpers (assume clean input) ----------------------------------------------------------------------------

def _check_zip(raw: bytes, name: str, limit: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except NotImplementedError as exc:  # "zip file version 19.5": a header no zip reader of this machine knows
        raise DataError(f"'{name}' is packed in a zip format this app cannot open ({_first_line(exc)}, where Excel "
                        f"writes 2.0); open it in Excel or LibreOffice and save it again as .xlsx.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise DataError(f"'{name}' is not a valid Excel workbook (.xlsx); open it in Excel and save it again as "
                        f".xlsx.") from None
    with archive:
        if len(infos) > MAX_ENTRIES:
            raise DataError(f"'{name}' holds {len(infos)} files inside, far more than a workbook has; save the "
                            f"data again as a plain .xlsx or CSV file.")
        if not any(info.filename == "xl/workbook.xml" for info in infos):
            raise DataError(f"'{name}' is a zip archive, not an Excel workbook; unzip it and load the table "
                            f"inside.")
        if any(info.flag_bits & 0x1 for info in infos):
            raise DataError(f"'{name}' is password-protected; remove the password in Excel and upload it again.")
        declared = [info.file_size for info in infos]
        check_inflation(name, packed=len(raw), total=sum(declared), largest=max(declared, default=0), limit=limit)
        # Declared sizes can lie, and an inflater trusts the data, not the header: inflate each entry
        # here, in bounded chunks, and stop as soon as it goes past what it declared.
        for info in infos:
            try:
                inflated = _inflated_size(raw, info, cap=info.file_size)
            except (zlib.error, struct.error, ValueError) as exc:
                raise DataError(f"'{name}' is a damaged Excel workbook ({_first_line(exc)}); open it in Excel and "
                                f"save it again as .xlsx.") from None
            if inflated > info.file_size:
                raise DataError(f"'{name}' holds a file that expands beyond its declared size, so it is not read "
                                f"(it may be a zip bomb); save the data again as a plain .xlsx or CSV file.")


def _inflated_size(raw: bytes, info: zipfile.ZipInfo, *, cap: int) -> int:
    """Bytes an entry really inflates to, counting no further than just past `cap`."""
    offset = info.header_offset
    if raw[offset:offset + 4] != b"PK\x03\x04":
        raise ValueError(f"no local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", raw[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    data = memoryview(raw)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return len(data)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return cap + 1  # workbooks are deflated; anything else is not one Excel wrote
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    pending = data
    while not inflater.eof:
        chunk = inflater.decompress(pending, _CHUNK)
        total += len(chunk)
        if total > cap:
            break
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break
    return total


def _match_sheet(wanted: str, sheets: tuple[str, ...], name: str) -> str:
    if wanted in sheets:
        return wanted
    loose = [s for s in sheets if s.strip().casefold() == wanted.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    listed = ", ".join(f"'{s}'" for s in sheets)
    raise DataError(f"'{name}' has no sheet named '{wanted}'; its sheets are {listed}.")


@dataclass(frozen=True)
class _Look:
    """How much a sheet looks like a table: 2 a table, 1 a small table, 0 not one (and why)."""

    rank: int
    why: str


def _look(grid: list[list]) -> _Look:
    header = find_header(grid[:_SCAN_ROWS])
    if header is None:
        return _Look(0, "empty")
    labels = sum(1 for c in grid[header] if not is_blank(c))
    rows = [[c for c in row if not is_blank(c)] for row in grid[header + 1:header + 1 + _LOOK_ROWS]]
    rows = [row for row in rows if row]
    if labels < _TABLE_COLUMNS:
        return _Look(0, "a single column of text" if rows else "a single line")
    if not any(len(row) >= 2 for row in rows):
        return _Look(0, "no rows under its header")
    cells = [c for row in rows for c in row]
    values = sum(1 for c in cells if not isinstance(c, str) or looks_like_value(c))
    sentences = sum(1 for c in cells if isinstance(c, str) and len(c.split()) >= _PROSE_WORDS)
    if values == 0 and 2 * sentences >= len(cells):  # notes: sentences and no number or date anywhere
        return _Look(0, "notes, not a table")
    if len(rows) < _TABLE_ROWS:
        return _Look(1, f"only {counted(len(rows), 'row')}")
    return _Look(2, "")


def _choose_sheet(book, visible: list[str], hidden: list[str]) -> tuple[str, list[list], list[tuple[str, str]]]:
    """(sheet, its cells, [(sheet passed over, why)]): the first table, else the first small table, else
    the first sheet with a header and a row under it, else the first with anything; visible sheets
    first (a hidden sheet is usually a lookup list)."""
    looked: list[tuple[str, list[list], _Look]] = []
    for sheet in visible + hidden:
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        looked.append((sheet, grid, _look(grid)))
        if looked[-1][2].rank == 2 and sheet in visible:
            break

    def preference(position: int) -> tuple[int, int]:
        sheet, _, look = looked[position]
        return (1 if sheet in visible else 0, look.rank) if look.rank else (0, 0)

    best = max(range(len(looked)), key=lambda position: (preference(position), -position))
    position = best if looked[best][2].rank else _first_with_data([grid for _, grid, _ in looked])
    sheet, grid, _ = looked[position]
    return sheet, grid, [(s, look.why) for s, _, look in looked[:position]]


def _first_with_data(grids: list[list[list]]) -> int:
    """The first grid with a header and at least one row under it, else the first with anything."""
    fallback = None
    for position, grid in enumerate(grids):
        filled = 0
        for row in grid:
            if any(not is_blank(c) for c in row):
                filled += 1
                if filled == 2:
                    return position
        if filled and fallback is None:
            fallback = position
    return fallback or 0


def _grid_to_columns(grid: list[list], *, name: str, chosen: str, sheets: tuple[str, ...],
                     explicit: bool, skipped: list[tuple[str, str]], max_columns: int) -> SheetGrid:
    where = f"sheet '{chosen}' of '{name}'"
    header = find_header(grid[:_SCAN_ROWS])
    if header is None:
        raise DataError(f"{where[0].upper() + where[1:]} is empty; choose the sheet that holds the data.")
    data = grid[header + 1:]
    if not any(any(not is_blank(c) for c in row) for row in data):
        raise DataError(f"{where[0].upper() + where[1:]} has a header but no rows of data; add the data rows "
                        f"or choose another sheet.")
    width = max(len(row) for row in grid)
    check_width(name, width, max_columns)
    names = [cell_text(c) for c in grid[header]] + [""] * (width - len(grid[header]))
    rows = [row if len(row) == width else list(row) + [""] * (width - len(row)) for row in data]
    columns = list(zip(*rows))
    notes = []
    if len(sheets) > 1 and not explicit:
        passed = {s for s, _ in skipped}
        others = ", ".join(f"'{s}'" for s in sheets if s != chosen and s not in passed)
        if skipped:
            reasons = ", ".join(f"'{s}' ({why})" for s, why in skipped)
            note = f"Read sheet '{chosen}', the first that looks like a table, and skipped {reasons}"
            notes.append(note + (f"; the workbook also has {others}." if others else "."))
        else:
            notes.append(f"Read sheet '{chosen}'; the workbook also has {others}.")
    titles = [row for row in grid[:header] if any(not is_blank(c) for c in row)]
    if titles:
        shown = " ".join(cell_text(c) for c in titles[0] if not is_blank(c))
        notes.append(f"Skipped {counted(len(titles), 'row')} above the header (such as '{shown[:60]}'); "
                     f"the header is row {header + 1}.")
    return SheetGrid(names=names, columns=columns, row_numbers=np.arange(header + 2, header + 2 + len(rows)),
                     header_row=header, sheet=chosen, sheets=sheets, notes=notes)


def _numbers(values: np.ndarray, *, id_like: bool) -> pd.Series:
    finite = values[~np.isnan(values)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 2 ** 53:
        if finite.size == values.size:
            return pd.Series(values.astype("int64"))
        if id_like:
            mask = np.isnan(values)
            return pd.Series(pd.arrays.IntegerArray(np.where(mask, 0, values).astype("int64"), mask))
    return pd.Series(values, dtype="float64")


def _as_text(cell) -> str | None:
    if is_blank(cell):
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 2 ** 53 else repr(cell)
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat(sep=" ") if isinstance(cell, dt.datetime) else cell.isoformat()
    return str(cell)


def _mb(size: int) -> str:
    return f"{size / 2 ** 20:,.1f} MB" if size >= 2 ** 20 else f"{math.ceil(size / 1024):,} KB"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
