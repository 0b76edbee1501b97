"""Load any customer export, CSV/TSV/TXT, XLSX or Parquet, from a path or the bytes of an upload.

`load_table` works out how the file is written (encoding, delimiter, header row, sheet,
decimal mark, date format) without being told, and returns a `Table`: the data as a
DataFrame plus what was detected and, in `notes`, what had to be assumed, in sentences a
user can read. Numbers written the European way (1.234,56) or with thousands separators
become numbers; dates become datetime64; identifiers with leading zeros ("00017") stay text.

Dates written with the year last (01/02/2024) are day-first or month-first as the values show;
when every value fits both, another column of the file, then the more plausible reading (monthly
invoices on the 1st spread over many months, not over a dozen days of January), then the decimal
mark decide, and a note says which and why. `date_order="dmy"` or `"mdy"` overrides the guess.
Whole numbers such as 45058 in a column named like a date are Excel serial dates; 1709251200 in a
column named like a time (`time`, `ts`, `created_at`) is Unix time. Dates with month names
(01-Mar-2024, March 1, 2024, 1. März 2024) are read too, and times marked with a zone become UTC.
Scores written with their label ("9 - Promoter") become the scores. A "Total" row a spreadsheet user
added under the data (or right under the header) is dropped, with a note naming its row, when its
label or its sums show it is one. A workbook is read from its first sheet that looks like a table,
past cover and "Read me" sheets.

Nothing is lost without a word: a quote that opens a value and never closes (so the rows after it
would become one value) is refused naming its row and line; a few lines in another encoding than
the rest of a UTF-8 file are decoded on their own and named; dates a datetime64[ns] cannot hold
(9999-12-31, a common "no end") become missing with a note, in text, workbooks and Parquet alike;
Parquet's nested columns become JSON text. Tables wider than `MAX_COLUMNS` are refused before their
rows are read (each column costs the same work, and such a file is a pivot, not a customer table).

Anything wrong with the file raises `DataError` with one sentence that names the file and
says what to do; no other exception leaves `load_table`. `reading_defaults` sets options for
every `load_table` call inside a block (the command line's `--date-order`).

The readers live in private modules of this package: `_text` (delimited text), `_excel` (workbooks,
with the zip-bomb check), `_parquet`, `_header` (header row, names and summary rows) and
`_convert` (text to numbers and dates).
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _convert as convert
from .._io_defaults import _DEFAULTS, reading_defaults
from ._excel import MAX_BYTES_ENV, cells_to_column, read_xlsx
from ._header import (MAX_COLUMNS, SummaryRow, cell_text, clean_names, counted, data_rows, settle_summary_rows,
                      summary_candidates)
from ._parquet import read_parquet
from ._text import read_text
from ..errors import DataError

__all__ = ["Table", "load_table", "reading_defaults", "DEFAULT_MAX_BYTES", "MAX_BYTES_ENV", "MAX_COLUMNS", "FORMATS",
           "size_limit", "size_text", "DATE_ORDERS", "EXCEL_SERIAL", "UNIX_TIMES"]

DATE_ORDERS = convert.DATE_ORDERS
EXCEL_SERIAL = convert.EXCEL_SERIAL
# The date formats of Unix times: numbers, not text, like EXCEL_SERIAL.
UNIX_TIMES = (convert.UNIX_SECONDS, convert.UNIX_MILLISECONDS, convert.UNIX_MICROSECONDS)

DEFAULT_MAX_BYTES = 200 * 2 ** 20
FORMATS = ("csv", "tsv", "txt", "xlsx", "parquet")

_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".xlsx": "xlsx", ".xlsm": "xlsx",
               ".parquet": "parquet", ".pq": "parquet"}
_ADVICE = {".xls": "it is in the old Excel 97-2003 format; open it in Excel and save it as .xlsx or CSV",
           ".ods": "open it in LibreOffice or Excel and save it as .xlsx or CSV",
           ".numbers": "export it from Numbers as CSV or Excel (.xlsx)",
           ".json": "export the data as CSV, XLSX or Parquet instead"}
# What a file really is, from its first bytes: a .csv may be anything a user happened to pick.
_MAGIC = ((b"PK\x03\x04", "zip"), (b"PAR1", "parquet"), (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"),
          (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"), (b"\x1f\x8b", "a gzip-compressed file"),
          (b"\xd0\xcf\x11\xe0", "ole"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
          (b"\x7fELF", "a program"), (b"SQLite format 3\x00", "an SQLite database"))
_CONTENT = re.compile(rb"[^ \t\r\n\x00\xef\xbb\xbf\xff\xfe]")  # anything but blanks and byte-order marks
_SIZE = re.compile(r"^\s*([0-9][0-9_]*)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "b": 1, "kb": 2 ** 10, "mb": 2 ** 20, "gb": 2 ** 30}


@dataclass(frozen=True, eq=False)
class Table:
    """A loaded file: the data and what was detected about how it is written.

    frame: the data; numbers, datetime64 dates, text (object) for everything else.
    name: the file's name. format: csv, tsv, txt, xlsx or parquet.
    encoding, delimiter: for text files (None otherwise). decimal: "." or ",".
    sheet, sheets: the sheet read and every worksheet of a workbook.
    header_row: 0-based line (text) or row (sheet) of the header in the file.
    date_formats: column -> the format assumed, such as "dd/mm/yyyy" or "dd-mmm-yyyy hh:mm" (EXCEL_SERIAL
        for Excel day numbers, one of UNIX_TIMES for Unix times).
    date_order: the order asked for ("dmy", "mdy" or "ymd"); None when it was detected.
    date_orders: column -> the order used, "dmy", "mdy" or "ymd", for each date column read from text.
    ambiguous_dates: the date columns where day-first and month-first both fit every value, so the
        order is a judgement the user may want to switch (with `date_order`).
    date_notes: column -> the sentence (also in `notes`) on each judgement about a column's dates: the
        order of an ambiguous column, an order asked for that the values refuse, Excel serial numbers,
        Unix times.
    notes: sentences telling the user what was assumed or fixed.
    row_numbers: for each row of `frame`, its row number as a spreadsheet shows the file
        (1-based, header included), for messages such as "row 57 holds 'abc'". Dropped empty and
        summary rows have none.
    """

    frame: pd.DataFrame
    name: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 0
    date_formats: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    date_orders: dict[str, str] = field(default_factory=dict)
    ambiguous_dates: tuple[str, ...] = ()
    date_notes: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    row_numbers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"), repr=False)

    def row_number(self, position: int) -> int:
        """The file row (as a spreadsheet numbers it) of the frame's row at `position`."""
        return int(self.row_numbers[position])


def load_table(source, *, name: str | None = None, sheet: str | None = None,
               max_bytes: int | None = None, date_order: str | None = None, max_columns: int = MAX_COLUMNS) -> Table:
    """Read a CSV/TSV/TXT, XLSX or Parquet file, given as a path or as the bytes of an upload.

    name: the upload's file name (its extension tells the format); for a path, the file's own name.
    sheet: the worksheet to read (default: the first that looks like a table, else the first with
    data). max_bytes: the largest file accepted; default 200 MB, or the SEGMENTATION_MAX_BYTES
    environment variable. date_order: "dmy", "mdy" or "ymd" for dates written with the year last
    whose order the values leave open (default None: detected, see `Table.ambiguous_dates`).
    max_columns: the widest table accepted (default 1,000 columns; wider files are refused before their
    rows are read, since every column costs the same work and such a file is a pivot, not a customer table).
    Raises DataError, naming the file and what to do, for anything that cannot be read.
    """
    label = _label(source, name)
    defaults = _DEFAULTS.get()
    if date_order is None:
        date_order = defaults.date_order
    try:
        table = _load(source, label, sheet=sheet, max_bytes=max_bytes, date_order=date_order,
                      max_columns=max_columns)
    except DataError:
        raise
    except MemoryError:
        raise DataError(f"'{label}' is too large to load on this machine; split it into smaller files.") from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # the promise: a parser's error never reaches the user as a traceback
        # BaseException, not Exception: a panic inside a Rust parser (calamine) arrives as pyo3's
        # PanicException, which derives from BaseException.
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise DataError(f"'{label}' could not be read ({reason}); check that it is a CSV, XLSX or Parquet export "
                        f"and export it again.") from exc
    if defaults.on_load is not None:
        defaults.on_load(table)
    return table


# -- source, limits, format ------------------------------------------------------------------------------------

def _label(source, name) -> str:
    """The file name messages show: never a whole path (browsers send C:\\fakepath\\x.csv), never pages of text."""
    for candidate in (name, os.fspath(source) if isinstance(source, (str, os.PathLike)) else None,
                      getattr(source, "name", None)):
        if isinstance(candidate, bytes):
            candidate = candidate.decode("utf-8", "replace")
        if isinstance(candidate, str) and candidate.strip() and "\n" not in candidate:
            base = re.split(r"[\\/]", candidate.strip().rstrip("\\/"))[-1]
            return base[:120] or candidate.strip()[:120]
    return "upload"


def _load(source, label: str, *, sheet: str | None, max_bytes: int | None, date_order,
          max_columns: int) -> Table:
    if sheet is not None and not isinstance(sheet, str):
        raise DataError(f"The sheet for '{label}' must be given by its name, not {sheet!r}.")
    date_order = _date_order(date_order)
    limit = _limit(max_bytes)
    raw = _read_source(source, label, limit)
    fmt, notes = _format(label, raw)
    if fmt in ("csv", "tsv", "txt"):
        grid = read_text(raw, name=label, max_columns=max_columns)
        if sheet is not None:
            notes.append(f"The sheet '{sheet}' was ignored: '{label}' is a text file, not a workbook.")
        return _assemble(label, fmt, names=grid.names, columns=grid.columns, row_numbers=grid.row_numbers,
                         header_row=grid.header_row, notes=notes + grid.notes, encoding=grid.encoding,
                         delimiter=grid.delimiter, date_order=date_order)
    if fmt == "xlsx":
        book = read_xlsx(raw, name=label, sheet=sheet, limit=limit, max_columns=max_columns)
        columns = [cells_to_column(cells, id_like=convert.is_id_like(cell_text(header)))
                   for header, cells in zip(book.names, book.columns)]
        return _assemble(label, fmt, names=book.names, columns=columns, row_numbers=book.row_numbers,
                         header_row=book.header_row, notes=notes + book.notes, sheet=book.sheet, sheets=book.sheets,
                         date_order=date_order)
    grid = read_parquet(raw, name=label, limit=limit, max_columns=max_columns)
    rows = len(grid.columns[0]) if grid.columns else 0
    return _assemble(label, fmt, names=grid.names, columns=grid.columns, row_numbers=np.arange(2, rows + 2),
                     header_row=0, notes=notes + grid.notes, date_order=date_order)


def _date_order(date_order) -> str | None:
    if date_order is None:
        return None
    if isinstance(date_order, str) and date_order.strip().lower() in DATE_ORDERS:
        return date_order.strip().lower()
    raise DataError(f"date_order must be 'dmy', 'mdy' or 'ymd' (or None to detect the order), not {date_order!r}.")


def size_limit() -> int:
    """The largest file accepted, in bytes: the SEGMENTATION_MAX_BYTES environment variable, else 200 MB.
    Raises DataError when the variable is not a size."""
    return _limit(None)


def size_text(size: int) -> str:
    """A byte count as people read it: "186 MB", "1.5 MB", "12 KB"."""
    return _size(size)


def _limit(max_bytes) -> int:
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes <= 0:
            raise DataError(f"max_bytes must be a positive whole number of bytes, not {max_bytes!r}.")
        return int(max_bytes)
    setting = os.environ.get(MAX_BYTES_ENV)
    if setting is None or not setting.strip():
        return DEFAULT_MAX_BYTES
    match = _SIZE.match(setting)
    if not match or int(match.group(1)) <= 0:
        raise DataError(f"The {MAX_BYTES_ENV} environment variable must be a size such as 500MB or 524288000, "
                        f"not '{setting}'; fix or unset it.")
    return int(match.group(1)) * _UNITS[(match.group(2) or "b").lower()]


def _too_large(label: str, size: int, limit: int) -> DataError:
    return DataError(f"'{label}' is {_size(size)}, above the {_size(limit)} limit; split it into smaller files or "
                     f"raise the limit with the {MAX_BYTES_ENV} environment variable.")


def _read_source(source, label: str, limit: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and "\n" in source:
            raise DataError("load_table got text where a file path belongs; pass the file's bytes and its name "
                            "instead (load_table(data, name='customers.csv')).")
        path = Path(source)
        try:
            if not path.exists():
                raise DataError(f"'{label}' was not found; check the file name and its folder.")
            if path.is_dir():
                raise DataError(f"'{label}' is a folder, not a file; choose a file inside it.")
            size = path.stat().st_size
            if size > limit:
                raise _too_large(label, size, limit)
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"'{label}' cannot be opened ({exc.strerror or exc}); check that the file is readable."
                            ) from None
    elif hasattr(source, "getvalue") or hasattr(source, "read"):
        raw = source.getvalue() if hasattr(source, "getvalue") else source.read(limit + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        raw = bytes(raw)
    else:
        raise DataError(f"load_table needs a file path or the bytes of an upload, not {type(source).__name__}.")
    if len(raw) > limit:
        raise _too_large(label, len(raw), limit)
    return raw


def _format(label: str, raw: bytes) -> tuple[str, list[str]]:
    """The format to read, from the extension checked against the first bytes; notes when they disagree."""
    suffix = Path(label).suffix.lower()
    if suffix and suffix not in _EXTENSIONS:
        advice = _ADVICE.get(suffix, "upload a CSV, TSV, TXT, XLSX or Parquet file instead")
        raise DataError(f"'{label}' is a {suffix} file, which cannot be loaded; {advice}.")
    if _CONTENT.search(raw) is None:
        raise DataError(f"'{label}' is empty; export it again with a header row and at least one row of data.")
    fmt = _EXTENSIONS.get(suffix, "")
    magic = next((what for start, what in _MAGIC if raw.startswith(start)), None)
    is_workbook = magic == "zip" and b"xl/workbook.xml" in raw[-65536:] + raw[:65536]
    if fmt == "xlsx":
        if magic == "ole":
            raise DataError(f"'{label}' is password-protected or in the old .xls format; remove the password or "
                            f"save it again as .xlsx in Excel.")
        return fmt, []
    if fmt == "parquet":
        return fmt, []
    # A text extension, or none at all.
    if is_workbook:
        return "xlsx", [] if not fmt else [f"'{label}' is an Excel workbook despite its name; it was read as one."]
    if magic == "parquet":
        return "parquet", [] if not fmt else [f"'{label}' is a Parquet file despite its name; it was read as one."]
    if magic == "zip":
        raise DataError(f"'{label}' is a zip archive, not a table; unzip it and load the file inside.")
    if magic == "ole":
        raise DataError(f"'{label}' is an old-format Excel (.xls) file; open it in Excel and save it as .xlsx or "
                        f"CSV.")
    if magic is not None:
        raise DataError(f"'{label}' is {magic}, not a table; export the data as CSV or XLSX.")
    return fmt or "csv", []


# -- one table from any reader ---------------------------------------------------------------------------------

def _assemble(label: str, fmt: str, *, names: list[str], columns: list, row_numbers: np.ndarray, header_row: int,
              notes: list[str], encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None,
              sheets: tuple[str, ...] = (), date_order: str | None = None) -> Table:
    """Any reader's header and columns (Arrow strings still to read, or typed Series) -> one Table."""
    columns = [_clean_text(c) if isinstance(c, (pa.Array, pa.ChunkedArray)) else c for c in columns]
    columns, row_numbers = _drop_empty_rows(label, columns, row_numbers, notes)
    names, columns = _named_columns(names, columns, notes)
    summaries = summary_candidates(columns)

    analyses = {i: convert.analyse(c) for i, c in enumerate(columns) if isinstance(c, pa.Array)}
    unmasked = _mask_summary_labels(columns, analyses, summaries)
    decimal = convert.decide_decimal(list(analyses.values()), semicolons=delimiter == ";")
    parts = {i: p for i, a in analyses.items() if (p := convert.date_parts(columns[i], a)) is not None}
    file_order = _file_date_order(names, parts)

    def converted(i: int) -> convert.Converted:
        name, column = names[i], columns[i]
        if i in analyses:
            done = convert.convert(column, analyses[i], column=name, decimal=decimal, row_numbers=row_numbers,
                                   id_like=convert.is_id_like(name), date_order=date_order, parts=parts.get(i),
                                   file_order=file_order if file_order and file_order[1] != name else None)
            if analyses[i].kind == "text" and analyses[i].stray is None and (
                    scores := convert.leading_numbers(column, column=name)) is not None:
                done = scores
        else:
            done = convert.Converted(column)
        if done.date_format is None:
            for reader in (convert.excel_serial_dates, convert.unix_time_dates):
                if (dates := reader(done.series, column=name)) is not None:
                    return convert.Converted(dates.series, date_format=dates.date_format,
                                             notes=done.notes + dates.notes, date_note=dates.date_note)
        return done

    results = [converted(i) for i in range(len(columns))]
    dropped = settle_summary_rows(names, [r.series for r in results], summaries)
    gone = {row.position for row, _ in dropped}
    for i, (original, analysis) in unmasked.items():
        if any(row.label_column == i and row.position not in gone for row in summaries):
            columns[i], analyses[i] = original, analysis  # the "Total" there is a real value after all
            results[i] = converted(i)
    if dropped:
        keep = data_rows([row for row, _ in dropped], len(row_numbers))
        for row, what in sorted(dropped, key=lambda item: item[0].position):
            named = f"'{row.label}', {what}" if row.label else f"{what} with no name or id"
            notes.append(f"Dropped row {row_numbers[row.position]}, {named}: it is a summary, not a customer or a "
                         f"transaction.")
        results = [dataclasses.replace(r, series=_without_rows(
            r.series, keep, sorted(gone), integers=i not in analyses or analyses[i].kind == "integer"))
            for i, r in enumerate(results)]
        row_numbers = row_numbers[keep]

    series, date_formats, orders, ambiguous, date_notes = {}, {}, {}, [], {}
    for name, done in zip(names, results):
        series[name] = done.series
        notes.extend(done.notes)
        if done.date_format:
            date_formats[name] = done.date_format
        if done.order:
            orders[name] = done.order
        if done.ambiguous:
            ambiguous.append(name)
        if done.date_note:
            date_notes[name] = done.date_note
    return Table(frame=pd.DataFrame(series, copy=False), name=label, format=fmt, encoding=encoding,
                 delimiter=delimiter, decimal=decimal, sheet=sheet, sheets=sheets, header_row=header_row,
                 date_formats=date_formats, date_order=date_order, date_orders=orders,
                 ambiguous_dates=tuple(ambiguous), date_notes=date_notes, notes=tuple(notes),
                 row_numbers=np.asarray(row_numbers, dtype="int64"))


def _mask_summary_labels(columns: list, analyses: dict, summaries: list[SummaryRow]) -> dict:
    """Blank the "Total" of possible summary rows in a column it would otherwise keep as text (a column of
    invoice numbers), so the column is read as what it is; {column: (original, its analysis)} to undo it."""
    unmasked = {}
    for i in {row.label_column for row in summaries if row.label is not None}:
        if i not in analyses or analyses[i].kind != "text":
            continue
        mask = np.zeros(len(columns[i]), dtype=bool)
        mask[[row.position for row in summaries if row.label_column == i]] = True
        masked = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), columns[i])
        analysis = convert.analyse(masked)
        if analysis.kind != "text":
            unmasked[i] = (columns[i], analyses[i])
            columns[i], analyses[i] = masked, analysis
    return unmasked


def _without_rows(series: pd.Series, keep: slice, gone: list[int], *, integers: bool) -> pd.Series:
    """The series without the summary rows. Whole numbers become plain integers again when only a summary
    made them floats or gave them a gap: its blank or its average (398.25) in a column of integers, the
    "Total" blanked in a column of invoice numbers."""
    kept = series.iloc[keep].reset_index(drop=True)
    if isinstance(kept.dtype, pd.Int64Dtype) and kept.notna().all():
        return kept.astype("int64")
    if kept.dtype == "float64":
        removed = series.to_numpy()[gone]
        values = kept.to_numpy()
        made_float = integers or np.any(removed[~np.isnan(removed)] % 1 != 0)
        if made_float and not np.isnan(values).any() and np.all(values % 1 == 0) and np.abs(values).max() < 2 ** 53:
            return kept.astype("int64")
    return kept


def _file_date_order(names: list[str], parts: dict) -> tuple[str, str, str] | None:
    """(order, column, example) when the columns whose values settle day-first vs month-first all agree:
    a file is written by one program in one convention, so they decide its ambiguous columns too."""
    settled = {i: p.settled for i, p in parts.items() if p.settled}
    if len(set(settled.values())) != 1:
        return None
    i, order = next(iter(settled.items()))
    return order, names[i], parts[i].example(order)


def _drop_empty_rows(label: str, columns: list, row_numbers: np.ndarray, notes: list[str]) -> tuple[list, np.ndarray]:
    present = np.zeros(len(row_numbers), dtype=bool)
    for column in columns:
        present |= _present(column)
    if not present.any():
        raise DataError(f"'{label}' has a header but no rows of data; export it again with the data rows.")
    if present.all():
        return columns, row_numbers
    empty_rows = row_numbers[~present]
    shown = ", ".join(str(r) for r in empty_rows[:5]) + (" ..." if len(empty_rows) > 5 else "")
    notes.append(f"Dropped {counted(len(empty_rows), 'empty row')} ({'row' if len(empty_rows) == 1 else 'rows'} "
                 f"{shown}).")
    keep = pa.array(present)
    columns = [c.filter(keep) if isinstance(c, pa.Array) else c[present].reset_index(drop=True) for c in columns]
    return columns, row_numbers[present]


def _named_columns(names: list, columns: list, notes: list[str]) -> tuple[list[str], list]:
    """Drop columns with neither a name nor a value; give the others clean, unique names."""
    kept, positions, raw_names = [], [], []
    dropped = 0
    for position, (header, column) in enumerate(zip(names, columns), start=1):
        filled = bool(_present(column).any())
        if not filled and not cell_text(header):
            dropped += 1
            continue
        if not filled:
            notes.append(f"Column '{cell_text(header)}' has no values.")
        kept.append(column)
        positions.append(position)
        raw_names.append(cell_text(header))
    if dropped:
        notes.append(f"Dropped {counted(dropped, 'empty column')} without a header.")
    clean, name_notes = clean_names(raw_names, positions)
    notes.extend(name_notes)
    return clean, kept


def _clean_text(column) -> pa.Array:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _present(column) -> np.ndarray:
    if isinstance(column, pa.Array):
        return column.is_valid().to_numpy(zero_copy_only=False)
    return column.notna().to_numpy()


def _size(size: int) -> str:
    if size >= 2 ** 20:
        return f"{size / 2 ** 20:,.0f} MB" if size >= 10 * 2 ** 20 else f"{size / 2 ** 20:,.1f} MB"
    return f"{max(1, round(size / 1024)):,} KB" if size >= 1024 else f"{size} bytes"
