"""Whatever a file holds, load_table returns a Table or raises DataError; ids survive the trip through a file."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.errors import DataError
from segmentation.io import Table, load_table

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that make CSV parsing interesting: delimiters, quotes, line ends, BOMs, controls, accents.
TRICKY = st.sampled_from([",", ";", "\t", "|", '"', "'", "\n", "\r", "\r\n", " ", "\ufeff", "\x00", "é", "€",
                          "0", "00017", "1.234,56", "1,234.50", "2024-01-05", "13/01/2024", "n/a", "%", "$", "-",
                          "sep=;", "=SUM(A1)", "\u00a0", "\U0001f600"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=60).map("".join)
NAMES = st.sampled_from(["data.csv", "data.tsv", "data.txt", "upload"])


def loads_or_refuses(data: bytes, name: str) -> None:
    try:
        result = load_table(data, name=name)
    except DataError as error:
        # The catch-all in load_table turns a bug into "could not be read"; the corpus must never reach it.
        assert "could not be read" not in str(error), str(error)
        return
    assert isinstance(result, Table)
    assert len(result.row_numbers) == len(result.frame)
    assert result.frame.columns.is_unique


@SETTINGS
@given(data=st.binary(max_size=2000), name=NAMES)
def test_any_bytes_give_a_table_or_a_data_error(data, name):
    loads_or_refuses(data, name)


@SETTINGS
@given(text=TEXT, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]), name=NAMES)
def test_any_text_in_any_encoding_gives_a_table_or_a_data_error(text, encoding, name):
    loads_or_refuses(text.encode(encoding, errors="replace"), name)


@SETTINGS
@given(rows=st.lists(st.lists(st.one_of(TRICKY, st.text(max_size=6)), min_size=1, max_size=5), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_any_rows_written_by_a_csv_writer_give_a_table_or_a_data_error(rows, delimiter):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    loads_or_refuses(buffer.getvalue().encode("utf-8"), "rows.csv")


ZERO_PADDED = st.from_regex(r"0[0-9]{1,9}", fullmatch=True)
WORDS = st.from_regex(r"[A-Za-z][A-Za-z ]{0,10}[A-Za-z]", fullmatch=True)


@SETTINGS
@given(records=st.lists(st.tuples(ZERO_PADDED, WORDS, st.integers(-10 ** 6, 10 ** 6)), min_size=1, max_size=30),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_zero_padded_ids_and_values_survive_a_round_trip(records, delimiter, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["customer_id", "company", "cents"])
    writer.writerows(records)
    table = load_table(buffer.getvalue().encode(encoding), name="round_trip.csv")
    assert table.frame["customer_id"].tolist() == [r[0] for r in records]
    assert table.frame["company"].tolist() == [r[1] for r in records]
    assert table.frame["cents"].tolist() == [r[2] for r in records]


@SETTINGS
@given(text=TEXT, date_order=st.sampled_from([None, "dmy", "mdy", "ymd"]), name=NAMES)
def test_any_text_with_any_date_order_gives_a_table_or_a_data_error(text, date_order, name):
    try:
        result = load_table(text.encode("utf-8"), name=name, date_order=date_order)
    except DataError as error:
        assert "could not be read" not in str(error), str(error)
        return
    assert result.date_order == date_order
    assert set(result.ambiguous_dates) <= set(result.date_orders)


DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@SETTINGS
@given(days=st.lists(DAYS, min_size=1, max_size=25), order=st.sampled_from(["dmy", "mdy"]),
       separator=st.sampled_from(["/", "-"]), padded=st.booleans())
def test_dates_written_in_the_order_given_come_back_exactly(days, order, separator, padded):
    """Whatever the values suggest, dates read with the order they were written in are the dates written."""
    day, month = ("%d", "%m") if padded else ("%-d", "%-m")
    pattern = separator.join([day, month, "%Y"] if order == "dmy" else [month, day, "%Y"])
    text = "customer_id,seen\n" + "".join(f"C{i},{d.strftime(pattern)}\n" for i, d in enumerate(days))
    table = load_table(text.encode(), name="dates.csv", date_order=order)
    assert table.frame["seen"].tolist() == [pd.Timestamp(d) for d in days]
    assert table.date_orders["seen"] == order
