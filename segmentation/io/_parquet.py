"""Parquet files: typed columns keep their types; text columns go through the same detection as CSV.

Private helper of `segmentation.io`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._convert import is_id_like
from ._excel import check_inflation
from ..errors import DataError

__all__ = ["ParquetGrid", "read_parquet"]


@dataclass(frozen=True)
class ParquetGrid:
    names: list[str]
    columns: list[pa.Array | pd.Series]
    notes: list[str]


def read_parquet(raw: bytes, *, name: str, limit: int) -> ParquetGrid:
    """Columns of a Parquet file; DataError when it is damaged or would inflate far beyond its size."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(raw))
        meta = parquet.metadata
        total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        check_inflation(name, packed=len(raw), total=total, largest=0, limit=limit)  # only the ratio rule
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
        converted, note = _column(column, field.type, field.name)
        columns.append(converted)
        if note:
            notes.append(note)
    return ParquetGrid(names=[str(f.name) for f in table.schema], columns=columns, notes=notes)


def _column(column: pa.ChunkedArray, kind: pa.DataType, name: str) -> tuple[pa.Array | pd.Series, str | None]:
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(kind):
        array, kind = array.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pc.cast(array, pa.string()), None
    if pa.types.is_date(kind):
        return pd.Series(pc.cast(array, pa.timestamp("ns")).to_pandas()), None
    if pa.types.is_timestamp(kind):
        series = pd.Series(array.to_pandas())
        if kind.tz is not None:
            return series.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]"), \
                f"Times in '{name}' carry time zones; they are converted to UTC."
        return series.astype("datetime64[ns]"), None
    if pa.types.is_decimal(kind):
        return pd.Series(pc.cast(array, pa.float64()).to_pandas()), None
    if is_id_like(name) and (pa.types.is_integer(kind) or pa.types.is_floating(kind)) and array.null_count:
        # An id with gaps stays whole: pandas writes such a column as floats, 17.0, NaN.
        whole = pc.cast(array, pa.int64(), safe=True) if pa.types.is_integer(kind) else _whole(array)
        if whole is not None:
            mask = whole.is_null().to_numpy(zero_copy_only=False)
            values = pc.fill_null(whole, 0).to_numpy(zero_copy_only=False).astype("int64")
            return pd.Series(pd.arrays.IntegerArray(values, mask)), None
    return pd.Series(array.to_pandas()), None


def _whole(array: pa.Array) -> pa.Array | None:
    """Floats as int64 when every value is a whole number, else None."""
    try:
        return pc.cast(array, pa.int64(), safe=True)  # refuses 17.5, inf and overflow
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
