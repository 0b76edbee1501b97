"""Parquet files: typed columns keep their types; text columns go through the same detection as CSV.

Private helper of `segmentation.io`. What Parquet can hold and a customer table cannot is turned
into something it can, with a note: dates outside what datetime64[ns] spans (9999-12-31, a common
"no end" marker) become missing; times with a zone become UTC (Parquet stores them in UTC, so even
a zone this machine does not know is read right); text with bytes that are not UTF-8 is read as
Windows-1252 where it is not; nested values (struct, list, map) become JSON text.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._convert import is_id_like, outside_dates_note
from ._excel import check_inflation
from ._header import MAX_COLUMNS, check_width, counted
from ..errors import DataError

__all__ = ["ParquetGrid", "read_parquet", "arrow_buffer", "decode_odd_values"]

_NS_MAX = 2 ** 63 - 1  # datetime64[ns] holds +-(2**63 - 1) ns around 1970 (-2**63 is NaT): 1677-09-21 .. 2262-04-11
_PER_UNIT = {"s": 10 ** 9, "ms": 10 ** 6, "us": 10 ** 3, "ns": 1}
_DAY_NS = 86_400 * 10 ** 9
_OFFSET_ZONE = re.compile(r"^[+-][0-9]{2}:?[0-9]{2}$")
_NESTED = (pa.types.is_struct, pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list,
           pa.types.is_map, pa.types.is_union, getattr(pa.types, "is_list_view", lambda _: False),
           getattr(pa.types, "is_large_list_view", lambda _: False))


@dataclass(frozen=True)
class ParquetGrid:
    names: list[str]
    columns: list[pa.Array | pd.Series]
    notes: list[str]


def arrow_buffer(data) -> pa.Buffer:
    """`data` copied into memory Arrow owns.

    Arrow's reader threads may drop their last reference to the input after the read has returned;
    when that input is a Python object, releasing it needs the interpreter, and if the interpreter
    is shutting down by then (a command that exits right after reading) the process aborts
    (exit 134, apache/arrow#34314). A buffer Arrow owns is released without Python.
    """
    stream = pa.BufferOutputStream()
    stream.write(data)
    return stream.getvalue()


def read_parquet(raw: bytes, *, name: str, limit: int, max_columns: int = MAX_COLUMNS) -> ParquetGrid:
    """Columns of a Parquet file; DataError when it is damaged or would inflate far beyond its size."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(arrow_buffer(raw)))
        meta = parquet.metadata
        total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        check_inflation(name, packed=len(raw), total=total, largest=0, limit=limit)  # only the ratio rule
        check_width(name, len(parquet.schema_arrow), max_columns)
        table = parquet.read()
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise DataError(f"'{name}' is not a readable Parquet file ({reason}); export it again as Parquet or "
                        f"CSV.") from None
    notes = []
    columns = []
    for field, column in zip(table.schema, table.columns):
        converted, column_notes = _column(column, field.type, str(field.name), file=name)
        columns.append(converted)
        notes.extend(column_notes)
    return ParquetGrid(names=[str(f.name) for f in table.schema], columns=columns, notes=notes)


def _column(column: pa.ChunkedArray, kind: pa.DataType, name: str, *,
            file: str) -> tuple[pa.Array | pd.Series, list[str]]:
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(kind):
        array, kind = array.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _text(array, name, file=file)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind) \
            or pa.types.is_binary_view(kind):
        return _bytes(array, name, file=file)
    if any(test(kind) for test in _NESTED):
        return _nested(array, kind, name, file=file)
    if pa.types.is_date(kind):
        days = pc.cast(pc.cast(array, pa.date32()), pa.int32())
        stamps = pc.multiply(pc.cast(days, pa.int64()), _DAY_NS)  # exact: the kept days are far from overflow
        return _stamps(array, days, stamps, bound=_NS_MAX // _DAY_NS, name=name, note=[])
    if pa.types.is_timestamp(kind):
        values = array.view(pa.int64())  # the instants as stored: UTC for a zoned column, whatever its zone
        notes = [] if kind.tz is None else [_zone_note(name, kind.tz)]
        per_unit = _PER_UNIT[kind.unit]
        stamps = pc.multiply(values, per_unit)
        return _stamps(array, values, stamps, bound=_NS_MAX // per_unit, name=name, note=notes)
    if pa.types.is_decimal(kind):
        return pd.Series(pc.cast(array, pa.float64()).to_pandas()), []
    if is_id_like(name) and (pa.types.is_integer(kind) or pa.types.is_floating(kind)) and array.null_count:
        # An id with gaps stays whole: pandas writes such a column as floats, 17.0, NaN.
        whole = pc.cast(array, pa.int64(), safe=True) if pa.types.is_integer(kind) else _whole(array)
        if whole is not None:
            mask = whole.is_null().to_numpy(zero_copy_only=False)
            values = pc.fill_null(whole, 0).to_numpy(zero_copy_only=False).astype("int64")
            return pd.Series(pd.arrays.IntegerArray(values, mask)), []
    return pd.Series(array.to_pandas()), []


def _stamps(array: pa.Array, values: pa.Array, stamps: pa.Array, *, bound: int, name: str,
            note: list[str]) -> tuple[pd.Series, list[str]]:
    """Nanosecond stamps as datetime64[ns]; `values` (days or the stored unit) beyond +-bound become NaT."""
    outside = pc.fill_null(pc.or_(pc.greater(values, bound), pc.less(values, -bound)), False)
    count = pc.sum(outside).as_py() or 0
    if count:
        position = pc.index(outside, True).as_py()
        note = note + [outside_dates_note(name, count, _shown(array, values[position].as_py()), position + 2,
                                          span="1677-09-21 to 2262-04-11")]
        stamps = pc.if_else(outside, pa.scalar(None, pa.int64()), stamps)  # their product wrapped: never used
    return pd.Series(pc.cast(stamps, pa.timestamp("ns")).to_pandas()).astype("datetime64[ns]"), note


def _shown(array: pa.Array, value: int) -> str:
    """A stored date (days) or time (its unit) as a person writes it, even past what Python's datetime holds."""
    kind = array.type
    try:
        if pa.types.is_timestamp(kind):
            stamp = pa.scalar(value, pa.timestamp(kind.unit)).as_py()
            return f"{stamp:%Y-%m-%d}" if stamp.time() == stamp.time().min else f"{stamp:%Y-%m-%d %H:%M:%S}"
        return f"{pa.scalar(value, pa.date32()).as_py():%Y-%m-%d}"
    except (ValueError, OverflowError, pa.ArrowException):
        return "a date after the year 9999" if value > 0 else "a date before the year 1"


def _zone_note(name: str, zone: str) -> str:
    if zone.upper() in ("UTC", "Z", "ETC/UTC", "+00:00", "+0000"):
        return f"Times in '{name}' are marked as UTC; they are read as UTC."
    if _OFFSET_ZONE.match(zone):
        return f"Times in '{name}' carry time zones; they are converted to UTC."
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return (f"Times in '{name}' are marked with the time zone '{zone}', which this machine does not know; "
                f"Parquet stores such times in UTC, so they are read as UTC.")
    return f"Times in '{name}' carry time zones; they are converted to UTC."


def _text(array: pa.Array, name: str, *, file: str) -> tuple[pa.Array, list[str]]:
    """Text as it is, unless some values are not valid UTF-8 (a legacy system wrote them as Windows-1252)."""
    array = pc.cast(array, pa.string()) if not pa.types.is_string(array.type) else array
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return _bytes(array.view(pa.binary()), name, file=file, text=True)
    return array, []


def _bytes(array: pa.Array, name: str, *, file: str, text: bool = False) -> tuple[pa.Array, list[str]]:
    """Bytes as text: UTF-8 where they are, else Windows-1252 for a text column; a binary column whose values
    are not text at all (uuids, hashes) is shown in hexadecimal."""
    try:
        return pc.cast(pc.cast(array, pa.binary()), pa.string()), []
    except pa.ArrowInvalid:
        pass
    values = pc.cast(array, pa.binary()).to_pylist()
    if not text:
        decodable = sum(1 for v in values if v is not None and _utf8(v))
        if decodable < 0.5 * sum(1 for v in values if v is not None):
            return pa.array([None if v is None else v.hex() for v in values], pa.string()), [
                f"Column '{name}' holds binary values, not text; they are shown in hexadecimal."]
    decoded, odd = decode_odd_values(values)
    example = decoded[odd[0]][:40]
    rows = _rows([p + 2 for p in odd])
    one = len(odd) == 1
    return pa.array(decoded, pa.string()), [
        f"Column '{name}' has {counted(len(odd), 'value')} that {'is' if one else 'are'} not UTF-8 text "
        f"({rows}{':' if one else ', such as'} '{example}'); {'it was' if one else 'they were'} read as "
        f"Windows-1252, so check that accented letters look right."]


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_odd_values(values: list[bytes | None]) -> tuple[list[str | None], list[int]]:
    """Each value as UTF-8 when it is, else as Windows-1252 (Latin-1 for its five unused bytes); and the
    positions of the values that were not UTF-8."""
    decoded: list[str | None] = []
    odd = []
    for position, value in enumerate(values):
        if value is None:
            decoded.append(None)
            continue
        try:
            decoded.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            odd.append(position)
            try:
                decoded.append(value.decode("cp1252"))
            except UnicodeDecodeError:
                decoded.append(value.decode("latin-1"))
    return decoded, odd


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}"


def _nested(array: pa.Array, kind: pa.DataType, name: str, *, file: str) -> tuple[pa.Array, list[str]]:
    """Structs, lists and maps as JSON text: each value stays readable and can be used as a category."""
    what = "lists" if "list" in str(kind) else "maps" if pa.types.is_map(kind) else "records (struct)" \
        if pa.types.is_struct(kind) else "nested values"
    try:
        values = array.to_pylist(maps_as_pydicts="lossy")
        texts = [None if v is None else json.dumps(v, ensure_ascii=False, default=_json_default) for v in values]
    except (ValueError, OverflowError, TypeError, pa.ArrowException) as exc:
        raise DataError(f"Column '{name}' of '{file}' holds {what} that cannot be read ({_first_line(exc)}); "
                        f"export the file again with that column flattened or left out.") from None
    example = next((t for t in texts if t is not None), None)
    note = f"Column '{name}' holds {what}; they are read as JSON text"
    return pa.array(texts, pa.string()), [note + (f" such as {example[:60]}." if example else ".")]


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return decode_odd_values([bytes(value)])[0][0]
    return str(value)  # dates, times, decimals: as written


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__


def _whole(array: pa.Array) -> pa.Array | None:
    """Floats as int64 when every value is a whole number, else None."""
    try:
        return pc.cast(array, pa.int64(), safe=True)  # refuses 17.5, inf and overflow
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
