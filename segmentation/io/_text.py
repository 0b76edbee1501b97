"""Delimited text (CSV, TSV, TXT): encoding, delimiter and header found from a sample, then one fast parse.

Private helper of `segmentation.io`. Detection looks at the first 256 KB; the full parse is
Arrow's multithreaded CSV reader with every column read as text (numbers and dates are
decided later, from all values). Files Arrow cannot take as they are (rows of different
lengths, blank-ish lines) go through Python's csv module, which is slower but says which
row is wrong.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from charset_normalizer import from_bytes

from ._header import MAX_COLUMNS, check_width, counted, find_header, is_blank
from ._parquet import arrow_buffer
from ..errors import DataError

__all__ = ["TextGrid", "read_text"]

SAMPLE_BYTES = 256 * 1024
SAMPLE_RECORDS = 200
# A value over this many lines, most of which read as rows of the file, is a stray quote's doing; with
# fewer than 3 columns a row is too easy to mistake for prose, so it takes a longer run.
_RUNAWAY_LINES = 3
_RUNAWAY_NARROW = 20
# Preference on ties: tab and semicolon files often hold commas inside values (decimal commas, names).
DELIMITERS = ("\t", ";", "|", ",")
# Control characters never found in a text table (tab, newlines and form feeds are allowed).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_NON_SPACE = re.compile(rb"\S")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_LINE = re.compile(rb"[^\n]+\n?|\n")
_BLOCK = 1 << 20  # bytes decoded at once when looking for the lines of a mostly UTF-8 file that are not
_MAX_ODD_LINES = 1_000  # lines in another encoding before any UTF-8 beyond ASCII: the file is not UTF-8
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
_SEP_LINE = re.compile(r'^"?sep=(.)"?[ \t]*(?:\r\n|\n|\r)')
# The encodings an export that is not UTF-8 is written in: Windows and ISO code pages, old Mac and DOS ones, East
# Asian ones. Rare code pages (Baltic DOS cp775, Mac Central European) won on long repetitive German text, which
# then read "Müller" as "M³ller".
_LEGACY = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "latin_1",
           "iso8859_15", "iso8859_2", "mac_roman", "cp437", "cp850", "cp866", "koi8_r", "shift_jis", "cp932",
           "euc_jp", "gb18030", "big5", "euc_kr", "tis_620")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_FRIENDLY = {"cp1252": "Windows-1252 (Western European)", "cp1250": "Windows-1250 (Central European)",
             "cp1251": "Windows-1251 (Cyrillic)", "iso8859_1": "Latin-1", "iso8859_15": "Latin-9"}


@dataclass(frozen=True)
class TextGrid:
    """A text table before conversion: header cells and raw string columns."""

    names: list[str]
    columns: list[pa.Array]
    row_numbers: np.ndarray  # 1-based record number of each data row, as a spreadsheet numbers rows
    header_row: int  # 0-based record of the header
    encoding: str
    delimiter: str
    notes: list[str]


@dataclass(frozen=True)
class _Decoded:
    encoding: str
    skip: int  # bytes of byte-order mark
    text: str | None  # the whole text when it is not UTF-8 (else Arrow reads the bytes as they are)
    note: str | None = None  # lines read in another encoding than the rest


class _NotUtf8(Exception):
    """UTF-8 was assumed from the sample, but a later byte says otherwise."""


def read_text(raw: bytes, *, name: str, max_columns: int = MAX_COLUMNS) -> TextGrid:
    """Parse delimited text into string columns; DataError when it is not a readable table."""
    decoded = _detect_encoding(raw, name)
    try:
        return _parse(raw, decoded, name=name, max_columns=max_columns)
    except _NotUtf8:
        return _parse(raw, _decode_legacy(raw, name), name=name, max_columns=max_columns)


# -- encoding ------------------------------------------------------------------------------------------------

def _detect_encoding(raw: bytes, name: str) -> _Decoded:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            if encoding == "utf-8-sig":
                return _Decoded(encoding, len(bom), None)
            return _Decoded(encoding, len(bom), _decode(raw[len(bom):], encoding, name))
    head = raw[:SAMPLE_BYTES]
    if b"\x00" in head:
        encoding = _utf16_without_bom(head)
        if encoding is None:
            raise DataError(f"'{name}' is not a text table (it holds binary data); export the data as CSV or XLSX.")
        return _Decoded(encoding, 0, _decode(raw, encoding, name))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(raw) <= SAMPLE_BYTES)
    except UnicodeDecodeError:
        return _decode_legacy(raw, name)
    return _Decoded("utf-8", 0, None)


def _utf16_without_bom(head: bytes) -> str | None:
    pairs = len(head) // 2 or 1
    odd_zeros, even_zeros = head[1::2].count(0) / pairs, head[0::2].count(0) / pairs
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"'{name}' is not valid {encoding} text (byte {exc.start}); save it again as UTF-8 "
                        f"CSV.") from None


def _decode_legacy(raw: bytes, name: str) -> _Decoded:
    """Not UTF-8: line by line when most of it is, else ask charset-normalizer, preferring Windows-1252 among
    equally good answers (Excel's default)."""
    mixed = _decode_by_line(raw, name)
    if mixed is not None:
        return mixed
    first = re.search(rb"[\x80-\xff]", raw)
    start = max(0, (first.start() if first else 0) - SAMPLE_BYTES // 4)
    sample = raw[start:start + SAMPLE_BYTES]
    encoding = _best_legacy_encoding(sample)
    if encoding is None:
        raise DataError(f"'{name}' is not a text table (its bytes are not text in any known encoding); export "
                        f"the data as CSV (UTF-8) or XLSX.")
    for candidate in (encoding, "cp1252", "latin_1"):
        try:
            return _Decoded(candidate, 0, raw.decode(candidate))
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin_1 decodes any bytes")  # pragma: no cover


def _decode_by_line(raw: bytes, name: str) -> _Decoded | None:
    """UTF-8 with a few lines in a legacy encoding (a line pasted from an old export, a hand edit in Notepad):
    those lines decoded on their own, the rest as UTF-8, so one odd line does not garble every accented letter
    of the file. None when the file holds no UTF-8 beyond ASCII: it is then a legacy file as a whole."""
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    pieces: list[str | bytes] = []
    odd: list[tuple[int, int]] = []  # (start, end) of each line that is not UTF-8
    position, utf8 = skip, False
    while position < len(raw):
        # Blocks of whole lines: most decode at once; only a block with an odd line is taken line by line.
        end = min(position + _BLOCK, len(raw))
        if end < len(raw):
            cut = raw.rfind(b"\n", position, end)
            end = cut + 1 if cut != -1 else (raw.find(b"\n", end) + 1 or len(raw))
        block = raw[position:end]
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            for line in _LINE.finditer(block):
                try:
                    text = line.group().decode("utf-8")
                except UnicodeDecodeError:
                    odd.append((position + line.start(), position + line.end() - line.group().endswith(b"\n")))
                    pieces.append(raw[odd[-1][0]:odd[-1][1]])  # decoded below, once the legacy encoding is known
                    pieces.append("\n" if line.group().endswith(b"\n") else "")
                    if len(odd) > _MAX_ODD_LINES and not utf8:
                        return None  # line after line in another encoding, and no UTF-8: a legacy file
                    continue
                utf8 = utf8 or _NON_ASCII.search(text) is not None
                pieces.append(text)
        else:
            utf8 = utf8 or _NON_ASCII.search(text) is not None
            pieces.append(text)
        position = end
    if not odd or not utf8:
        return None
    sample = b"\n".join(raw[start:end] for start, end in odd[:200])
    legacy = _best_legacy_encoding(sample) or "cp1252"
    text = "".join(p if isinstance(p, str) else _legacy_text(p, legacy) for p in pieces)
    numbers, line, counted_to = [], 1, 0
    for start, _ in odd:
        line += raw.count(b"\n", counted_to, start)
        counted_to = start
        numbers.append(line)
    friendly = _FRIENDLY.get(codecs.lookup(legacy).name.replace("-", "_"), legacy)
    example = _legacy_text(raw[odd[0][0]:odd[0][1]], legacy).strip()[:40]
    shown = ", ".join(str(n) for n in numbers[:5]) + (" ..." if len(numbers) > 5 else "")
    if len(numbers) == 1:
        note = (f"Line {shown} of '{name}' is not UTF-8 like the rest of the file and was read as {friendly}, giving "
                f"'{example}'; check its accented letters, or save the file again as UTF-8 CSV.")
    else:
        note = (f"{len(numbers):,} lines of '{name}' ({shown}) are not UTF-8 like the rest of the file and were read "
                f"as {friendly}, such as '{example}'; check their accented letters, or save the file again as UTF-8 "
                f"CSV.")
    return _Decoded("utf-8", 0, text, note)


def _legacy_text(data: bytes, encoding: str) -> str:
    for candidate in (encoding, "cp1252", "latin_1"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin_1 decodes any bytes")  # pragma: no cover


def _best_legacy_encoding(sample: bytes) -> str | None:
    matches = list(from_bytes(sample, cp_isolation=list(_LEGACY)))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least_chaos + 0.02]
    coherent = max(m.coherence for m in close)
    kept = [m for m in close if m.coherence >= coherent - 0.05]
    if any("cp1252" in m.could_be_from_charset for m in kept):
        return "cp1252"
    return kept[0].encoding


def _check_is_text(sample: str, name: str) -> None:
    if not sample:
        return
    odd = len(_CONTROL.findall(sample))
    if odd > max(2, 0.01 * len(sample)):
        raise DataError(f"'{name}' is not a text table (it holds binary data); export the data as CSV or XLSX.")


# -- structure -----------------------------------------------------------------------------------------------

def _parse(raw: bytes, decoded: _Decoded, *, name: str, max_columns: int) -> TextGrid:
    if decoded.text is None:
        head = raw[decoded.skip:decoded.skip + SAMPLE_BYTES]
        whole = len(raw) - decoded.skip <= SAMPLE_BYTES
        sample = codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    else:
        whole = len(decoded.text) <= SAMPLE_BYTES
        sample = decoded.text[:SAMPLE_BYTES]
    _check_is_text(sample, name)
    if not whole and "\n" in sample[:-1]:
        sample = sample[:sample.rindex("\n") + 1]
    if not sample.strip():
        raise DataError(f"'{name}' is empty; export it again with a header row and at least one row of data.")

    sep_line = _SEP_LINE.match(sample)
    delimiter = sep_line.group(1) if sep_line else _detect_delimiter(sample, whole=whole)
    records, complete = _sample_records(sample, delimiter, whole=whole)
    first = 1 if sep_line else 0
    found = find_header([fields for _, fields in complete[first:]])
    if found is None:
        raise DataError(f"'{name}' is empty; export it again with a header row and at least one row of data.")
    header = first + found
    names = complete[header][1]
    if header + 1 >= len(records):
        if whole:
            raise DataError(f"'{name}' has a header but no rows of data; export it again with the data rows.")
        raise DataError(f"'{name}' has a first row longer than {SAMPLE_BYTES // 1024} KB; check that it is a "
                        f"table with one record per line.")
    # A header shorter than most rows lacks names (kept as unnamed columns); a few longer rows are
    # misquoted values, refused by the row-by-row parser with their row number.
    lengths = Counter(len(fields) for _, fields in complete[header + 1:] if fields)
    usual = max(lengths, key=lambda n: (lengths[n], n)) if lengths else 0
    width = max(len(names), usual)
    check_width(name, width, max_columns)
    notes = []
    titles = [fields for _, fields in complete[first:header] if not all(is_blank(c) for c in fields)]
    if titles:
        shown = delimiter.join(titles[0]).strip()
        notes.append(f"Skipped {counted(len(titles), 'line')} above the header (such as '{shown[:60]}'); "
                     f"the header is row {header + 1}.")
    if decoded.note:
        notes.append(decoded.note)
    if decoded.encoding not in ("utf-8", "utf-8-sig"):
        friendly = _FRIENDLY.get(codecs.lookup(decoded.encoding).name.replace("-", "_"), decoded.encoding)
        if not decoded.encoding.startswith("utf"):
            notes.append(f"Read as {friendly} text; if accented letters look wrong, save the file as UTF-8 CSV.")

    data_start = records[header + 1][0]
    columns, short = _parse_body(raw, decoded, sample, data_start, delimiter=delimiter, width=width, name=name,
                                 first_record=header + 1)
    if short:
        if len(short) == 1:
            notes.append(f"Row {short[0]} has fewer values than the header; its missing values are left empty.")
        else:
            notes.append(f"{len(short)} rows have fewer values than the header (such as row {short[0]}); their "
                         f"missing values are left empty.")
    n = len(columns[0]) if columns else 0
    if n == 0:
        raise DataError(f"'{name}' has a header but no rows of data; export it again with the data rows.")
    names = list(names) + [""] * (width - len(names))
    return TextGrid(names=names, columns=columns, row_numbers=np.arange(header + 2, header + 2 + n),
                    header_row=header, encoding=decoded.encoding, delimiter=delimiter, notes=notes)


def _detect_delimiter(sample: str, *, whole: bool) -> str:
    """The candidate found the same number of times (outside quotes) on the most lines."""
    lines = [line for line in _QUOTED.sub('""', sample).splitlines() if line.strip()]
    if not whole and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:SAMPLE_RECORDS]
    best, best_score = ",", (0.0, 0, 0)
    for rank, delimiter in enumerate(DELIMITERS):
        counts = Counter(line.count(delimiter) for line in lines)
        counts.pop(0, None)
        if not counts:
            continue
        mode = max(counts, key=lambda c: (counts[c], c))
        score = (round(counts[mode] / len(lines), 2), -rank, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_records(sample: str, delimiter: str, *, whole: bool) -> tuple[list, list]:
    """(start offset, fields) of the sample's records; the second list leaves out a record the sample may cut."""
    starts: list[int] = []

    def lines():
        position = 0
        for line in io.StringIO(sample, newline=""):
            starts.append(position)
            position += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records = []
    consumed = 0
    while len(records) < SAMPLE_RECORDS + 1:
        try:
            fields = next(reader)
        except (StopIteration, csv.Error):
            break
        records.append((starts[consumed], fields))
        consumed = reader.line_num
    complete = records if whole and len(records) <= SAMPLE_RECORDS else records[:-1]
    return records, complete or records


def _parse_body(raw: bytes, decoded: _Decoded, sample: str, data_start: int, *, delimiter: str, width: int,
                name: str, first_record: int) -> tuple[list[pa.Array], list[int]]:
    """The data rows as string columns, and the row numbers of rows that had to be padded."""
    if decoded.text is None:
        body = memoryview(raw)[decoded.skip + len(sample[:data_start].encode("utf-8")):]
    else:
        body = decoded.text[data_start:].encode("utf-8")
    first_line = sample.count("\n", 0, data_start) + 1
    try:
        columns, short = _parse_fast(body, delimiter=delimiter, width=width), []
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise _NotUtf8 from None
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        columns, short = _parse_slow(text, delimiter=delimiter, width=width, name=name, first_record=first_record,
                                     first_line=first_line)
    _check_quotes(columns, body, delimiter=delimiter, name=name, first_record=first_record, first_line=first_line)
    return columns, short


def _check_quotes(columns: list[pa.Array], body, *, delimiter: str, name: str, first_record: int,
                  first_line: int) -> None:
    """Refuse a stray opening quote that swallowed the rows after it into one value.

    A quote that opens a value and is never closed (or only much later) makes every line up to the
    next quote part of that value: the file "loads", with the rows after it missing. Such a value
    spans many lines, and its lines read as rows of the file (they hold as many delimiters as a row
    has); an address or a note over a few lines does not.
    """
    records = len(columns[0]) if columns else 0
    if not records or re.search(b'"', body) is None:
        return
    if int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == 10)) - records < _RUNAWAY_LINES:
        return  # no more line breaks than rows (give or take): no value spans many lines
    width = len(columns)
    for column in columns:
        breaks = pc.count_substring(column, "\n")
        if (pc.max(breaks).as_py() or 0) < _RUNAWAY_LINES:
            continue
        for position in np.flatnonzero(pc.fill_null(pc.greater_equal(breaks, _RUNAWAY_LINES), False)
                                       .to_numpy(zero_copy_only=False))[:20]:
            value = column[int(position)].as_py()
            if _swallowed(value, delimiter=delimiter, width=width):
                before = sum(pc.sum(pc.count_substring(c.slice(0, int(position)), "\n")).as_py() or 0
                             for c in columns)
                raise _runaway(value, name=name, row=first_record + int(position) + 1,
                               line=first_line + int(position) + before)


def _swallowed(value: str, *, delimiter: str, width: int) -> bool:
    """A value over many lines that mostly read as rows of the file: rows a stray quote swallowed."""
    inner = value.rstrip("\r\n").split("\n")[1:]
    if len(inner) < _RUNAWAY_LINES or (width < 3 and len(inner) < _RUNAWAY_NARROW):
        return False
    return sum(1 for line in inner if line.count(delimiter) >= width - 1) >= 0.8 * len(inner)


def _runaway(value: str, *, name: str, row: int, line: int, after: int | None = None) -> DataError:
    """The refusal of a quote that swallowed rows: `value` as read from the quote on, and how many lines
    after the quote's own it took (counted from `value` unless given)."""
    after = value.rstrip("\r\n").count("\n") if after is None else after
    opening = value.split("\n")[0].strip()[:40]
    where = f"the quote before '{opening}'" if opening else "the quote that opens its value"
    return DataError(f"Row {row} of '{name}' (line {line} of the file) opens a quote that is not closed where its "
                     f"value ends, so the {after:,} lines after it would be read as one value instead of rows; "
                     f"remove or close {where} and load the file again.")


def _parse_fast(body, *, delimiter: str, width: int) -> list[pa.Array]:
    if _NON_SPACE.search(body) is None:
        return []
    column_names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        pa.BufferReader(arrow_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=column_names, block_size=4 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                                         newlines_in_values=re.search(b'"', body) is not None,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in column_names},
                                             null_values=[""], strings_can_be_null=True,
                                             quoted_strings_can_be_null=True),
    )
    return [column.combine_chunks() for column in table.columns]


def _parse_slow(text: str, *, delimiter: str, width: int, name: str, first_record: int,
                first_line: int) -> tuple[list[pa.Array], list[int]]:
    """Row by row: pads short rows, and names the first row that has more values than the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    rows = []
    short = []
    record = first_record
    lines_read = 0  # lines before the record being read
    try:
        for fields in reader:
            if reader.line_num - lines_read > _RUNAWAY_LINES:  # a value over many lines: a stray quote's doing?
                value = next((f for f in fields if f.count("\n") >= _RUNAWAY_LINES), "")
                if _swallowed(value, delimiter=delimiter, width=width):
                    raise _runaway(value, name=name, row=record + 1, line=first_line + lines_read)
            if len(fields) > width:
                if any(field.strip() for field in fields[width:]):
                    raise DataError(
                        f"Row {record + 1} of '{name}' has {len(fields)} values but the header has {width} "
                        f"columns; put quotes around values that contain '{_printable(delimiter)}' or fix that row.")
                fields = fields[:width]
            elif len(fields) < width:
                if any(f.strip() for f in fields):  # a blank line is an empty row (dropped later), not a short one
                    short.append(record + 1)
                fields = fields + [""] * (width - len(fields))
            rows.append(fields)
            record += 1
            lines_read = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # 128 KB in one value: a quote that never closes
            start = text.split("\n", lines_read + 1)[lines_read]
            after = text.rstrip("\r\n").count("\n") - lines_read
            raise _runaway(start[start.find('"') + 1:] if '"' in start else "", name=name, row=record + 1,
                           line=first_line + lines_read, after=after) from None
        raise DataError(f"Row {record + 1} of '{name}' cannot be read ({exc}); fix that row or export the file "
                        f"again.") from None
    if not rows:
        return [], []
    return [pa.array(column, pa.string()) for column in zip(*rows)], short


def _printable(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else delimiter
