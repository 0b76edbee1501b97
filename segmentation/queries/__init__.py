"""The columnar seam: every aggregation over transactions and events is SQL run by DuckDB.

Keeping the SQL here (one module per subject) is what lets a warehouse or Spark take
over later: the rest of the library only sees the small per-customer or per-cohort
frames that come out.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

__all__ = ["run"]


def run(sql: str, frames: Mapping[str, pd.DataFrame], params: list | None = None) -> pd.DataFrame:
    """Run `sql` on an in-process DuckDB connection where each frame is a view by its key."""
    con = duckdb.connect(database=":memory:")
    try:
        # Two threads match this machine and keep DuckDB from fighting the app for cores.
        con.execute("SET threads TO 2")
        for name, frame in frames.items():
            con.register(name, frame)
        return con.execute(sql, params or []).df()
    finally:
        con.close()
