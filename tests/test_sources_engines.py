"""Spark runs the same push-down: the sample as Spark views gives the CSV files' customer table, segments and
cohorts; the Ibis definitions equal the DuckDB SQL of the file path on the same rows."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.dataset import Dataset
from segmentation.sources import SPARK_LOCAL, Source
from tests import sources_data as sd


@pytest.fixture(scope="module")
def from_csv() -> Dataset:
    return Dataset.read(customers=sd.SAMPLE / "customers.csv", transactions=sd.SAMPLE / "transactions.csv",
                        events=sd.SAMPLE / "events.csv")


@pytest.mark.slow
def test_spark_gives_what_the_csv_files_give(spark, from_csv):
    """Few queries on one session: the customer table (whose recency, frequency and monetary are RFM's inputs), the
    RFM segments and the cohorts. The other answers (K-means, cohorts by quarter or as of a date) finish locally
    from these same pushed-down frames, and tests/test_sources.py checks them on DuckDB and PostgreSQL."""
    from segmentation.methods.rfm import fit_rfm

    sd.spark_views(spark)
    got = Dataset.read(customers=Source(SPARK_LOCAL, table="customers"),
                       transactions=Source(SPARK_LOCAL, table="transactions"),
                       events=Source(SPARK_LOCAL, query="SELECT * FROM events"))
    assert set(got.remote) == {"transactions", "events"}
    a, b = from_csv.customer_table(), got.customer_table()
    assert a.as_of == b.as_of and list(a.notes) == list(b.notes)
    pd.testing.assert_frame_equal(a.frame.sort_index(), b.frame.sort_index(), check_like=True)
    pd.testing.assert_series_equal(fit_rfm(a.frame).labels.sort_index(), fit_rfm(b.frame).labels.sort_index())
    pd.testing.assert_frame_equal(from_csv.cohorts().table, got.cohorts().table)


def test_ibis_rfm_inputs_equal_the_file_path(tmp_path):
    """The file path (DuckDB SQL, `rfm_inputs` on a CSV file) and the Ibis push-down agree on the same rows,
    returns and customers without a purchase included."""
    from segmentation.methods.rfm import rfm_inputs

    frame = pd.DataFrame({"cust": ["a", "a", "b", "b", "c", "d"], "order": ["1", "2", "3", "3", "4", None],
                          "day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-05",
                                                 "2024-03-01", "2024-03-02"]),
                          "amount": [10.1, 20.2, 5.0, 5.0, -4.0, 1.0]})
    csv = tmp_path / "tx.csv"
    frame.to_csv(csv, index=False)
    (tmp_path / "lake").mkdir()
    frame.to_parquet(tmp_path / "lake" / "x.parquet", index=False)
    by_file = rfm_inputs(csv, customer_id="cust", date="day", amount="amount", order_id="order")
    data = Dataset.read(transactions=str(tmp_path / "lake")).with_roles(
        "transactions", {"customer_id": "cust", "transaction_date": "day", "amount": "amount", "order_id": "order"})
    table = data.customer_table()
    pushed = table.frame[["recency_days", "frequency", "monetary"]]
    pd.testing.assert_frame_equal(by_file.astype(float), pushed.loc[by_file.index].astype(float))
    assert f"{table.as_of:%Y-%m-%d}" == by_file.attrs["as_of"]
