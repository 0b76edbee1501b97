"""The bundled sample written where data lives: a folder of Parquet files, a DuckDB file, PostgreSQL tables, Spark
views. Each table is typed as the app reads the CSV file (`io.load_table`), so the same data meets the same code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
KINDS = {"customers": "customers.csv", "transactions": "transactions.csv", "events": "events.csv"}


@lru_cache(maxsize=None)
def frame(kind: str) -> pd.DataFrame:
    """The sample's `kind` table as `io.load_table` reads its CSV file (ids as text, dates as datetime64)."""
    from segmentation.io import load_table

    return load_table(SAMPLE / KINDS[kind]).frame


def parquet_folder(folder: Path, kind: str, parts: int = 3) -> Path:
    """`kind` split over `parts` Parquet files (round robin, so every file holds every month)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = frame(kind)
    for i in range(parts):
        data.iloc[i::parts].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


def duckdb_file(path: Path) -> Path:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        for kind in KINDS:
            data = frame(kind)  # noqa: F841 (DuckDB reads the local variable)
            con.execute(f"CREATE OR REPLACE TABLE {kind} AS SELECT * FROM data")
    finally:
        con.close()
    return path


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamp" if (series.dropna().dt.normalize() != series.dropna()).any() else "date"
    return "text"


def load_postgres(url: str, kinds=tuple(KINDS)) -> None:
    """Create the sample's tables in the database at `url` (once per database)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for kind in kinds:
            data = frame(kind)
            if conn.execute("select to_regclass(%s)", (kind,)).fetchone()[0] is not None:
                continue
            columns = ", ".join(f'"{c}" {_pg_type(data[c])}' for c in data.columns)
            conn.execute(f'create table "{kind}" ({columns})')
            rows = data.astype(object).where(data.notna(), None)
            with conn.cursor().copy(f'copy "{kind}" from stdin') as copy:
                for row in rows.itertuples(index=False):
                    copy.write_row([v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                                    (v.item() if isinstance(v, np.generic) else v) for v in row])


def spark_views(session, kinds=tuple(KINDS)) -> None:
    """The sample's tables as temporary views of `session`, handed over through Arrow (row by row through Python
    took most of the Spark test's time)."""
    for kind in kinds:
        data = frame(kind).copy()
        for name in data.columns:
            if pd.api.types.is_datetime64_any_dtype(data[name]):
                data[name] = data[name].astype("datetime64[us]")
        session.createDataFrame(data).createOrReplaceTempView(kind)
