"""Rows and values spreadsheets add by hand: "Total" lines, dates with month names, Unix times, "9 - Promoter"."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.io import load_table

CUSTOMERS = ("Customer ID,Company,Plan,MRR,Signup Date,Seats\n"
             "C0001,Acme,Pro,199,2023-09-16,10\n"
             "C0002,Globex,Starter,49,2022-11-22,3\n"
             "C0003,Initech,Enterprise,999,2024-01-05,40\n"
             "C0004,Hooli,Pro,199,2023-02-01,12\n")


def csv(text: str, name: str = "customers.csv"):
    return load_table(text.encode("utf-8"), name=name)


def dropped(table) -> list[str]:
    return [note for note in table.notes if note.startswith("Dropped row")]


def workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "Customers"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- summary rows -----------------------------------------------------------------------------------------------------

def test_a_total_row_under_the_customers_is_dropped_and_the_note_names_its_row():
    table = csv(CUSTOMERS + "Total,,,1446,,65\n")
    assert table.frame["Customer ID"].tolist() == ["C0001", "C0002", "C0003", "C0004"]
    assert table.frame["MRR"].sum() == 1446  # not 2892: the total is not counted again
    assert table.frame["MRR"].dtype == "int64"
    assert table.row_numbers.tolist() == [2, 3, 4, 5]
    assert dropped(table) == ["Dropped row 6, 'Total', a sum of the rows above: it is a summary, not a customer or "
                              "a transaction."]


def test_a_total_row_under_invoices_with_cents_and_zero_padded_ids_is_dropped():
    text = ("invoice_id,customer_id,invoice_date,amount\n"
            "I000001,00001,2022-01-02,49.00\nI000002,00001,2022-02-02,999.50\nI000003,00002,2022-02-03,0.99\n"
            "Total,,,1049.49\n")
    table = csv(text, "invoices.csv")
    assert table.frame["customer_id"].tolist() == ["00001", "00001", "00002"]
    assert table.frame["amount"].tolist() == [49.0, 999.5, 0.99]
    assert dropped(table) == ["Dropped row 5, 'Total', a sum of the rows above: it is a summary, not a customer or "
                              "a transaction."]


def test_a_total_row_in_a_workbook_is_dropped_with_the_row_number_excel_shows():
    rows = [["Customer export"], [], ["Customer ID", "Company", "MRR", "Seats"],
            ["C1", "Acme", 100.5, 3], ["C2", "Globex", 200.25, 5], ["C3", "Initech", 50, 1], [],
            ["Grand Total", None, 350.75, 9]]
    table = load_table(workbook(rows), name="customers.xlsx")
    assert table.frame["Customer ID"].tolist() == ["C1", "C2", "C3"]
    assert table.frame["Seats"].tolist() == [3, 5, 1]
    assert dropped(table) == ["Dropped row 8, 'Grand Total', a sum of the rows above: it is a summary, not a "
                              "customer or a transaction."]


@pytest.mark.parametrize("label", ["TOTAL:", "Grand total", "Summe", "Gesamt", "Totaal", "Total général", "Sum"])
def test_a_label_alone_in_the_first_column_is_a_summary_even_when_its_numbers_are_not_sums(label):
    # A total of some rows only (a filter was on when it was typed): the label alone says what it is.
    table = csv(CUSTOMERS + f"{label},,,400,,\n")
    assert len(table.frame) == 4
    assert dropped(table) == [f"Dropped row 6, '{label}', a summary line: it is a summary, not a customer or a "
                              f"transaction."]


@pytest.mark.parametrize("last", [
    "C0005,Total Fitness Ltd,Pro,1446,2024-02-02,65",  # a real customer whose name starts with Total
    "Total Fitness Ltd,,,1446,,65",  # ... even with nothing else filled in
    "Total,Total SA,Pro,300,,7",  # a customer whose id reads Total, with a company and a plan
    "Total,,,300,2024-02-02,7",  # the label alone, but with a signup date: a customer
])
def test_real_customers_that_look_like_a_total_stay(last):
    table = csv(CUSTOMERS + last + "\n")
    assert len(table.frame) == 5
    assert dropped(table) == []


def test_an_account_called_total_in_a_company_list_stays():
    table = csv("Company,Plan,MRR\nAcme,Pro,100\nGlobex,Pro,200\nTotal,Enterprise,250\n")
    assert table.frame["Company"].tolist() == ["Acme", "Globex", "Total"]
    assert dropped(table) == []


def test_a_row_of_sums_without_a_label_or_an_id_is_dropped():
    table = csv(CUSTOMERS + ",,,1446,,65\n")
    assert len(table.frame) == 4
    assert dropped(table) == ["Dropped row 6, a sum of the rows above with no name or id: it is a summary, not a "
                              "customer or a transaction."]


@pytest.mark.parametrize("last", [",,,300,,7", ",,,1446,,64", ",Umbrella,Pro,1446,,65"])
def test_a_row_without_an_id_whose_numbers_are_not_all_sums_stays(last):
    table = csv(CUSTOMERS + last + "\n")
    assert len(table.frame) == 5
    assert dropped(table) == []


def test_a_constant_column_does_not_make_a_row_without_an_id_a_summary():
    table = csv("user_id,date,sessions\nu1,2024-01-01,1\nu2,2024-01-02,1\nu3,2024-01-03,1\n,,1\n", "events.csv")
    assert len(table.frame) == 4


def test_a_total_right_under_the_header_is_dropped():
    lines = CUSTOMERS.splitlines()
    table = csv("\n".join([lines[0], "Total,,,1446,,65", *lines[1:]]) + "\n")
    assert table.frame["Customer ID"].tolist() == ["C0001", "C0002", "C0003", "C0004"]
    assert table.row_numbers.tolist() == [3, 4, 5, 6]
    assert dropped(table) == ["Dropped row 2, 'Total', a sum of the rows below: it is a summary, not a customer or "
                              "a transaction."]


def test_a_total_in_a_column_of_invoice_numbers_leaves_the_numbers_numbers():
    table = csv("Invoice Number,Amount\n1001,10\n1002,20\n1003,30\nTotal,60\n", "invoices.csv")
    assert table.frame["Invoice Number"].tolist() == [1001, 1002, 1003]
    assert table.frame["Invoice Number"].dtype == "int64"
    assert not any("kept as text" in note for note in table.notes)
    assert len(dropped(table)) == 1


def test_a_kept_total_in_a_column_of_numbers_keeps_the_column_as_written():
    # Not a summary (it has a plan), so the column holds a word and stays text, with the usual note.
    table = csv("Code,Plan,Amount\n1001,Pro,10\n1002,Pro,20\n1003,Pro,35\nTotal,Pro,60\n")
    assert table.frame["Code"].tolist() == ["1001", "1002", "1003", "Total"]


def test_a_total_with_an_average_column_is_dropped_and_whole_numbers_stay_whole():
    text = "Customer,MRR,NPS\nA,100,9\nB,200,6\nC,300,7\nD,400,7\nTotal,1000,7.25\n"
    table = csv(text)
    assert table.frame["NPS"].tolist() == [9, 6, 7, 7]
    assert table.frame["NPS"].dtype == "int64"
    assert dropped(table) == ["Dropped row 6, 'Total', sums and averages of the rows above: it is a summary, not a "
                              "customer or a transaction."]


def test_a_total_and_an_average_under_the_data_are_both_dropped():
    table = csv(CUSTOMERS + "Total,,,1446,,65\nAverage,,,361.5,,16.25\n")
    assert len(table.frame) == 4
    assert [note.split(",")[0] for note in dropped(table)] == ["Dropped row 6", "Dropped row 7"]
    assert "an average of the rows above" in dropped(table)[1]


def test_a_european_total_with_decimal_commas_is_dropped():
    text = "Kunde;Umsatz;Datum\nK1;1.234,50;01.02.2024\nK2;99,90;03.02.2024\nK3;0,60;05.02.2024\nSumme:;1.335,00;\n"
    table = csv(text, "umsatz.csv")
    assert table.frame["Umsatz"].tolist() == [1234.5, 99.9, 0.6]
    assert dropped(table) == ["Dropped row 5, 'Summe:', a sum of the rows above: it is a summary, not a customer or "
                              "a transaction."]


def test_sums_make_a_summary_of_a_row_without_an_id_only_when_the_other_rows_have_one():
    assert len(csv("id,mrr\n,5\n,5\n,10\n").frame) == 3  # no row has an id: nothing sets the last one apart
    assert len(csv("id,mrr\na,5\nb,5\n,10\n").frame) == 2


def test_with_a_label_two_rows_are_enough_to_check_a_sum():
    assert len(csv("Customer,MRR\nA,5\nB,5\nTotal,10\n").frame) == 2


RECORDS = st.lists(st.tuples(st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True), st.integers(-10 ** 7, 10 ** 7),
                             st.integers(0, 500)), min_size=2, max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=RECORDS, label=st.sampled_from(["Total", "TOTAL:", "Grand Total", "Summe"]),
       leading=st.booleans())
def test_a_row_of_sums_under_any_customers_is_dropped_and_the_customers_come_back_exactly(records, label, leading):
    def money(cents: int) -> str:
        return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"

    lines = [f"C{i:04d},{name},{money(cents)},{seats}" for i, (name, cents, seats) in enumerate(records)]
    total = f"{label},,{money(sum(r[1] for r in records))},{sum(r[2] for r in records)}"
    body = [total, *lines] if leading else [*lines, total]
    table = csv("\n".join(["Customer ID,Company,MRR,Seats", *body]) + "\n")
    assert table.frame["Customer ID"].tolist() == [f"C{i:04d}" for i in range(len(records))]
    assert table.frame["Company"].tolist() == [r[0] for r in records]
    assert table.frame["MRR"].round(2).tolist() == [r[1] / 100 for r in records]
    assert table.frame["Seats"].tolist() == [r[2] for r in records]
    assert table.frame["Seats"].dtype == "int64"
    assert len(dropped(table)) == 1 and f"'{label}'" in dropped(table)[0]


# -- dates written with month names, UTC markers, Unix times ---------------------------------------------------------

@pytest.mark.parametrize("values, expected, fmt, order", [
    (["01-Mar-2024 10:22", "26-Jan-2024 00:00"], ["2024-03-01 10:22", "2024-01-26 00:00"], "dd-mmm-yyyy hh:mm", "dmy"),
    (["01-Mar-2024", "26-Jan-2024"], ["2024-03-01", "2024-01-26"], "dd-mmm-yyyy", "dmy"),
    (["Mar 1 2024", "Dec 25 2023"], ["2024-03-01", "2023-12-25"], "mmm d yyyy", "mdy"),
    (["1 March 2024", "25 December 2023"], ["2024-03-01", "2023-12-25"], "d mmmm yyyy", "dmy"),
    (["March 1, 2024", "December 25, 2023"], ["2024-03-01", "2023-12-25"], "mmmm d, yyyy", "mdy"),
    (["Mar 1, 2024, 10:22 AM", "Dec 25, 2023 3:05 PM"], ["2024-03-01 10:22", "2023-12-25 15:05"],
     "mmm d, yyyy hh:mm", "mdy"),
    (["Sept. 3 2024", "Jan 5 2024"], ["2024-09-03", "2024-01-05"], "mmm d yyyy", "mdy"),
    (["1. März 2024", "24. Dez. 2023"], ["2024-03-01", "2023-12-24"], "d. mmm yyyy", "dmy"),
    (["1er mars 2024", "25 décembre 2023"], ["2024-03-01", "2023-12-25"], "d mmmm yyyy", "dmy"),
])
def test_dates_with_month_names_are_read_and_their_format_reported(values, expected, fmt, order):
    text = "id,date\n" + "".join(f'{i},"{value}"\n' for i, value in enumerate(values))
    table = csv(text, "dates.csv")
    assert table.frame["date"].tolist() == list(pd.to_datetime(expected))
    assert table.date_formats["date"] == fmt
    assert table.date_orders["date"] == order


def test_times_marked_utc_are_read_as_utc_and_offsets_converted():
    text = ("subscription_id,activated_at,canceled_at,sent\n"
            "s1,2024-03-01 12:34:56 UTC,,\"Fri, 01 Mar 2024 10:22:00 +0100\"\n"
            "s2,2024-03-02 00:00:00 UTC,2024-04-01 08:00:00 UTC,\"Sat, 02 Mar 2024 10:22:00 GMT\"\n")
    table = csv(text, "recurly.csv")
    frame = table.frame
    assert frame["activated_at"].tolist() == list(pd.to_datetime(["2024-03-01 12:34:56", "2024-03-02 00:00:00"]))
    assert frame["canceled_at"].isna().tolist() == [True, False]
    assert frame["sent"].tolist() == list(pd.to_datetime(["2024-03-01 09:22", "2024-03-02 10:22"]))
    assert table.date_formats["activated_at"] == "yyyy-mm-dd hh:mm:ss"
    assert "Times in 'activated_at' are marked as UTC; they are read as UTC." in table.notes
    assert "Times in 'sent' carry time zones; they are converted to UTC." in table.notes


def test_an_impossible_date_with_a_month_name_keeps_the_column_as_text_and_names_the_row():
    table = csv("id,date\n1,01-Mar-2024\n2,31-Feb-2024\n", "dates.csv")
    assert table.frame["date"].tolist() == ["01-Mar-2024", "31-Feb-2024"]
    assert any("row 3" in note and "31-Feb-2024" in note for note in table.notes)


def test_words_that_are_not_months_are_not_dates():
    table = csv("id,ref\n1,Order 12 2024\n2,Batch 3 2023\n", "refs.csv")
    assert table.frame["ref"].tolist() == ["Order 12 2024", "Batch 3 2023"]
    assert table.notes == ()


@pytest.mark.parametrize("column, values, expected, fmt", [
    ("time", [1709251200, 1709337600], ["2024-03-01", "2024-03-02"], "Unix time in seconds"),
    ("created_at", [1709251200123, 1709337600000], ["2024-03-01 00:00:00.123", "2024-03-02"],
     "Unix time in milliseconds"),
    ("ts", [1709251200, ""], ["2024-03-01", None], "Unix time in seconds"),
])
def test_unix_times_in_a_column_named_like_a_time_become_dates(column, values, expected, fmt):
    text = f"distinct_id,{column}\n" + "".join(f"{1000 + i},{v}\n" for i, v in enumerate(values))
    table = csv(text, "events.csv")
    assert table.frame[column].tolist()[:1] == list(pd.to_datetime(expected[:1]))
    assert table.frame[column].isna().tolist() == [e is None for e in expected]
    assert table.frame[column].dtype == "datetime64[ns]"
    assert table.date_formats[column] == fmt
    assert table.frame["distinct_id"].dtype == "int64"
    assert any(column in note and "Unix time" in note and "UTC" in note for note in table.notes)


@pytest.mark.parametrize("column, values", [
    ("amount", [1709251200, 1709337600]),  # an amount, however large
    ("event_id", [1709251200, 1709337600]),  # an identifier
    ("session_time", [35, 1200]),  # a duration
    ("time", [1709251200, 99]),  # not all in 2000-2100
    ("time", ["1709251200.5", "1709337600"]),  # not whole numbers
])
def test_numbers_that_are_not_unix_times_stay_numbers(column, values):
    table = csv(f"id,{column}\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)), "events.csv")
    assert pd.api.types.is_numeric_dtype(table.frame[column])
    assert column not in table.date_formats


# -- numbers written with a label ------------------------------------------------------------------------------------

def test_nps_written_with_its_category_is_read_as_the_number():
    scores = ["9 - Promoter", "0 - Detractor", "7 - Passive", "10 - Promoter", "6 - Detractor", "9 - Promoter"]
    table = csv("Account ID,NPS\n" + "".join(f"A{i},{s}\n" for i, s in enumerate(scores)), "status.csv")
    assert table.frame["NPS"].tolist() == [9, 0, 7, 10, 6, 9]
    assert table.frame["NPS"].dtype == "int64"
    assert "Column 'NPS' is read as the leading numbers of its values (e.g. '9 - Promoter' -> 9)." in table.notes


def test_scores_with_a_colon_gaps_and_missing_markers_become_numbers_with_gaps():
    text = ("id,Likelihood to recommend\n1,10: Extremely likely\n2,\n3,n/a\n4,0: Not at all likely\n"
            "5,5: Neutral\n")
    frame = csv(text, "survey.csv").frame
    values = frame["Likelihood to recommend"]
    assert values.dtype == "float64"
    assert values.isna().tolist() == [False, True, True, False, False]
    assert values.dropna().tolist() == [10.0, 0.0, 5.0]


@pytest.mark.parametrize("column, values", [
    ("Plan", ["1 - Starter", "2 - Pro", "3 - Enterprise", "2 - Pro"]),  # a code per name: the names matter
    ("Address", ["12 Main St", "4 Elm Road", "7 Oak Avenue"]),  # house numbers, no separator
    ("Address", ["12 - Main St", "12 - Elm Road", "7 - Oak Avenue"]),  # one number, two labels
    ("Ticket No", ["12 - Refund", "13 - Login", "14 - Refund"]),  # an identifier
    ("NPS", ["9 - Promoter", "0 - Detractor", "Promoter"]),  # one value without a score
    ("NPS", ["1234 - Promoter", "0 - Detractor"]),  # not a score
])
def test_codes_addresses_and_mixed_values_stay_text(column, values):
    table = csv(f"id,{column}\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    assert table.frame[column].tolist() == values
    assert not any("leading numbers" in note for note in table.notes)


def test_scores_with_labels_in_a_workbook_are_read_too():
    rows = [["Account", "NPS", "MRR"], ["A1", "9 - Promoter", 10], ["A2", "3 - Detractor", 20],
            ["A3", "8 - Passive", 30], ["A4", "2 - Detractor", 40]]
    frame = load_table(workbook(rows), name="accounts.xlsx").frame
    assert frame["NPS"].tolist() == [9, 3, 8, 2]
    assert np.issubdtype(frame["NPS"].dtype, np.integer)
