"""load_table reads what customers really export, and refuses the rest with a sentence naming the file."""

from __future__ import annotations

import ast
import dataclasses
import io
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import io as segmentation_io
from segmentation.errors import DataError
from segmentation.io import DEFAULT_MAX_BYTES, MAX_BYTES_ENV, Table, load_table
from tests import messy_files as messy

IDS = ["00017", "00018", "00230"]
MRR = [1234.5, 99.9, 0.5]
SIGNUPS = pd.to_datetime(["2024-01-05", "2024-02-29", "2024-12-31"])
COMPANIES = ["Acme, Inc.", "Müller GmbH", "Café Crème"]


def load(tmp_path: Path, name: str, data: bytes, **options) -> Table:
    """Write the bytes to a file and load it by path, as the command line does."""
    path = tmp_path / name
    path.write_bytes(data)
    return load_table(path, **options)


def assert_three_customers(table: Table, *, companies=COMPANIES) -> None:
    frame = table.frame
    assert list(frame.columns) == messy.HEADER
    assert frame["customer_id"].tolist() == IDS
    assert frame["company"].tolist() == companies
    assert frame["mrr"].tolist() == MRR
    assert frame["signup_date"].dtype == "datetime64[ns]"
    assert frame["signup_date"].tolist() == list(SIGNUPS)


# -- encodings --------------------------------------------------------------------------------------------------------

def test_reads_utf8(tmp_path):
    table = load(tmp_path, "customers.csv", messy.utf8_csv())
    assert_three_customers(table)
    assert (table.name, table.format, table.encoding, table.delimiter, table.decimal) == (
        "customers.csv", "csv", "utf-8", ",", ".")
    assert table.header_row == 0


def test_reads_utf8_with_bom_without_a_stray_character_in_the_first_name(tmp_path):
    table = load(tmp_path, "customers.csv", messy.utf8_bom_csv())
    assert_three_customers(table)
    assert table.encoding == "utf-8-sig"


def test_reads_excel_unicode_text_utf16_tabs_crlf(tmp_path):
    table = load(tmp_path, "customers.txt", messy.excel_unicode_txt())
    assert_three_customers(table)
    assert table.encoding.startswith("utf-16")
    assert table.delimiter == "\t"
    assert table.format == "txt"


def test_reads_cp1252_with_euro_sign_and_says_which_encoding_it_assumed(tmp_path):
    table = load(tmp_path, "customers.csv", messy.cp1252_csv())
    assert table.encoding == "cp1252"
    assert table.frame["company"].tolist() == ["Acme, Inc.", "Müller GmbH", "Café Crème €"]
    assert table.frame["mrr"].tolist() == MRR
    assert any("Windows-1252" in note for note in table.notes)


def test_reads_latin1(tmp_path):
    table = load(tmp_path, "customers.csv", messy.latin1_csv())
    assert table.frame["company"].tolist() == ["Ångström AB", "Façade SA"]
    assert table.encoding in ("cp1252", "latin_1", "iso8859_1")


# -- delimiters and quoting -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_detects_each_delimiter(tmp_path, delimiter):
    table = load(tmp_path, "customers.txt", messy.customers_text(delimiter).encode("utf-8"))
    assert table.delimiter == delimiter
    assert_three_customers(table)


def test_quoted_fields_keep_delimiters_newlines_and_doubled_quotes(tmp_path):
    table = load(tmp_path, "quoted.csv", messy.quoted_newline_csv())
    assert table.frame["company"].tolist() == ["Acme, Inc.\nBilling dept.", 'The "Best" Shop', "Plain"]
    assert table.frame["mrr"].tolist() == [10, 20, 30]
    # A quoted newline does not shift the row numbers a spreadsheet shows.
    assert table.row_numbers.tolist() == [2, 3, 4]


def test_excel_sep_line_sets_the_delimiter(tmp_path):
    table = load(tmp_path, "customers.csv", messy.excel_sep_line_csv())
    assert table.delimiter == ";"
    assert table.header_row == 1
    assert_three_customers(table)


# -- numbers ----------------------------------------------------------------------------------------------------------

def test_european_numbers_become_numbers(tmp_path):
    table = load(tmp_path, "eu.csv", messy.european_numbers_csv())
    assert table.decimal == ","
    assert table.frame["mrr"].dtype == "float64"
    assert table.frame["mrr"].tolist() == [1234.56, 99.9, -12.0]


def test_percent_signs_are_removed_and_said(tmp_path):
    table = load(tmp_path, "eu.csv", messy.european_numbers_csv())
    assert table.frame["discount"].tolist() == [10.0, 5.5, 0.0]
    assert any("discount" in note and "percent" in note for note in table.notes)


def test_thousands_separators_and_currency_symbols(tmp_path):
    table = load(tmp_path, "us.csv", messy.thousands_csv())
    frame = table.frame
    assert table.decimal == "."
    assert frame["revenue"].tolist() == [1234.5, 12000.0, 0.75]
    assert frame["seats"].dtype == "int64"
    assert frame["seats"].tolist() == [1200, 3, 12345]
    assert frame["price"].tolist() == [9.99, 1000.0, 5.0]


def test_french_and_swiss_group_separators(tmp_path):
    data = "id;amount\n1;1 234,56\n2;12\u00a0000,5\n3;7\n".encode("utf-8")
    assert load(tmp_path, "fr.csv", data).frame["amount"].tolist() == [1234.56, 12000.5, 7.0]
    data = b"id,amount\n1,1'234.50\n2,99.90\n"
    assert load(tmp_path, "ch.csv", data).frame["amount"].tolist() == [1234.5, 99.9]


def test_a_stray_word_keeps_a_number_column_as_text_and_names_the_row(tmp_path):
    rows = "".join(f"{i},{i * 10}\n" for i in range(1, 20))
    data = ("customer_id,mrr\n" + rows + "20,unknown\n").encode("utf-8")
    table = load(tmp_path, "mrr.csv", data)
    assert table.frame["mrr"].dtype == object
    assert any("row 21" in note and "'unknown'" in note and note.endswith("use the column as numbers.")
               for note in table.notes)


@pytest.mark.parametrize("column", ["InvoiceNo", "StockCode", "Postal code", "order"])
def test_letters_among_numbers_of_an_identifier_column_are_not_reported_as_a_typo(tmp_path, column):
    rows = "".join(f"{536365 + i},{i}\n" for i in range(1, 20))
    table = load(tmp_path, "retail.csv", (f"{column},Quantity\n" + rows + "C536400,-1\n").encode("utf-8"))
    assert table.frame[column].dtype == object and table.frame[column].iloc[-1] == "C536400"
    assert not any(column in note for note in table.notes)


def test_missing_markers_in_a_number_column_become_empty(tmp_path):
    table = load(tmp_path, "nps.csv", b"customer_id,nps\n1,50\n2,n/a\n3,-\n4,-20\n")
    assert table.frame["nps"].tolist()[0] == 50
    assert table.frame["nps"].isna().tolist() == [False, True, True, False]


# -- dates ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, fmt, expected", [
    ("iso", "yyyy-mm-dd", ["2024-01-05", "2024-02-29", "2024-12-31"]),
    ("dotted", "dd.mm.yyyy", ["2024-01-05", "2024-02-29", "2024-12-31"]),
    ("day_first", "dd/mm/yyyy", ["2024-01-13", "2024-02-01", "2024-06-05"]),
    ("month_first", "mm/dd/yyyy", ["2024-01-13", "2024-02-01", "2024-06-05"]),
    ("with_time", "yyyy-mm-dd hh:mm:ss", ["2024-01-05 08:30:00", "2024-02-29 17:45:10", "2024-12-31 23:59:59"]),
])
def test_each_date_format_is_parsed_and_reported(tmp_path, column, fmt, expected):
    table = load(tmp_path, "dates.csv", messy.dates_csv())
    assert table.frame[column].dtype == "datetime64[ns]"
    assert table.frame[column].tolist() == list(pd.to_datetime(expected))
    assert table.date_formats[column] == fmt


def test_ambiguous_dates_are_day_first_in_a_decimal_comma_file_and_the_note_says_so(tmp_path):
    table = load(tmp_path, "eu.csv", messy.ambiguous_dates(";"))
    assert table.date_formats["signup"] == "dd/mm/yyyy"
    assert table.frame["signup"].tolist() == list(pd.to_datetime(["2024-02-01", "2024-04-03"]))
    assert any("signup" in note and "dd/mm/yyyy" in note for note in table.notes)


def test_ambiguous_dates_are_month_first_in_a_decimal_point_file_and_the_note_says_so(tmp_path):
    table = load(tmp_path, "us.csv", messy.ambiguous_dates(","))
    assert table.date_formats["signup"] == "mm/dd/yyyy"
    assert table.frame["signup"].tolist() == list(pd.to_datetime(["2024-01-02", "2024-03-04"]))
    assert any("signup" in note and "mm/dd/yyyy" in note for note in table.notes)


def test_us_dates_with_12_hour_times(tmp_path):
    table = load(tmp_path, "us.csv", b"id,seen\n1,1/13/2024 3:45 PM\n2,2/1/2024 11:05 AM\n")
    assert table.frame["seen"].tolist() == list(pd.to_datetime(["2024-01-13 15:45", "2024-02-01 11:05"]))
    assert table.date_formats["seen"] == "mm/dd/yyyy hh:mm"


def test_iso_times_with_zones_are_converted_to_utc(tmp_path):
    table = load(tmp_path, "tz.csv", b"id,at\n1,2024-01-05T10:00:00Z\n2,2024-01-05T10:00:00+02:00\n")
    assert table.frame["at"].tolist() == list(pd.to_datetime(["2024-01-05 10:00", "2024-01-05 08:00"]))
    assert any("UTC" in note for note in table.notes)


def test_an_impossible_date_keeps_the_column_as_text_and_names_the_row(tmp_path):
    table = load(tmp_path, "dates.csv", b"id,signup\n1,13/01/2024\n2,31/02/2024\n")
    assert table.frame["signup"].tolist() == ["13/01/2024", "31/02/2024"]
    assert any("row 3" in note and "31/02/2024" in note for note in table.notes)


# -- identifiers ------------------------------------------------------------------------------------------------------

def test_leading_zeros_stay_text_and_ids_never_become_floats(tmp_path):
    frame = load(tmp_path, "ids.csv", messy.leading_zeros_csv()).frame
    assert frame["customer_id"].dtype == object and frame["customer_id"].tolist() == ["00017", "00018", "123"]
    assert frame["zip"].tolist() == ["01234", "75001", "02115"]
    assert str(frame["account_no"].dtype) == "Int64"  # an id with a gap: 1001, not 1001.0
    assert frame["account_no"].tolist()[:2] == [1001, 1002] and frame["account_no"].isna().tolist()[2]
    assert frame["employees"].dtype == "int64"


def test_ids_survive_a_round_trip_through_the_file(tmp_path):
    ids = ["0001", "0420", "9999", "0000", "12345678901234567890123"]
    original = pd.DataFrame({"customer_id": ids, "zip": ["01234", "10115", "00501", "99501", "02115"]})
    path = tmp_path / "ids.csv"
    original.to_csv(path, index=False)
    again = load_table(path).frame
    assert again["customer_id"].tolist() == ids
    assert again["zip"].tolist() == original["zip"].tolist()
    again.to_csv(path, index=False)
    assert load_table(path).frame["customer_id"].tolist() == ids


# -- layout -----------------------------------------------------------------------------------------------------------

def test_title_lines_above_the_header_are_skipped(tmp_path):
    table = load(tmp_path, "billing.csv", messy.title_lines_csv())
    assert_three_customers(table)
    assert table.header_row == 3
    assert table.row_numbers.tolist() == [5, 6, 7]
    assert any("Export from Billing" in note for note in table.notes)


def test_headers_are_cleaned_and_empty_rows_and_columns_dropped_with_notes(tmp_path):
    table = load(tmp_path, "messy.csv", messy.messy_layout_csv())
    assert list(table.frame.columns) == ["customer_id", "mrr", "mrr (2)", "Unnamed column 4", "notes"]
    assert table.frame["customer_id"].tolist() == [1, 2, 3]
    assert table.row_numbers.tolist() == [2, 5, 6]  # rows 3 and 4 of the file were empty
    assert table.row_number(1) == 5
    notes = " ".join(table.notes)
    assert "mrr (2)" in notes and "Unnamed column 4" in notes and "2 empty rows (rows 3, 4)" in notes
    assert "1 empty column without a header" in notes


def test_a_named_column_without_values_is_kept(tmp_path):
    table = load(tmp_path, "c.csv", b"customer_id,churn_date\n1,\n2,\n")
    assert list(table.frame.columns) == ["customer_id", "churn_date"]
    assert table.frame["churn_date"].isna().all()
    assert any("churn_date" in note for note in table.notes)


def test_short_rows_are_padded_with_a_note(tmp_path):
    table = load(tmp_path, "short.csv", messy.short_rows_csv())
    assert table.frame["plan"].tolist()[::2] == ["Pro", "Starter"]
    assert table.frame.loc[1, ["plan", "mrr"]].isna().all()
    assert any(note.startswith("Row 3 has fewer values than the header") for note in table.notes)


def test_a_row_with_more_values_than_the_header_is_refused_with_its_row(tmp_path):
    with pytest.raises(DataError, match=r"Row 3 of 'ragged.csv' has 4 values but the header has 2 columns"):
        load(tmp_path, "ragged.csv", messy.ragged_csv())


def test_a_trailing_delimiter_on_every_row_is_harmless(tmp_path):
    table = load(tmp_path, "t.csv", b"a,b,c\n1,2,3,\n4,5,6,\n")
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.frame["c"].tolist() == [3, 6]


# -- workbooks and parquet --------------------------------------------------------------------------------------------

def test_xlsx_lists_every_sheet_picks_the_first_with_data_and_finds_the_header_under_titles(tmp_path):
    table = load(tmp_path, "export.xlsx", messy.xlsx_bytes())
    assert table.format == "xlsx"
    assert table.sheets == ("Cover", "Customers", "Invoices")
    assert table.sheet == "Customers"
    assert table.header_row == 3
    assert table.row_numbers.tolist() == [5, 6, 7]
    frame = table.frame
    assert list(frame.columns) == ["customer_id", "company", "plan", "mrr", "signup_date", "seats"]
    assert frame["customer_id"].tolist() == IDS
    assert frame["mrr"].tolist() == MRR
    assert frame["signup_date"].tolist() == list(SIGNUPS)
    assert any("Cover" in note and "Invoices" in note for note in table.notes)


def test_xlsx_sheet_choice_and_text_cells_are_detected_like_csv(tmp_path):
    table = load(tmp_path, "export.xlsx", messy.xlsx_bytes(), sheet="Invoices")
    assert table.sheet == "Invoices" and table.header_row == 0
    assert table.frame["amount"].tolist() == [1234.5, 99.9]
    assert table.frame["paid_on"].tolist() == list(pd.to_datetime(["2024-01-05", "2024-02-29"]))
    assert table.frame["customer_id"].tolist() == ["00017", "00018"]


def test_xlsx_missing_sheet_is_refused_with_the_list_of_sheets(tmp_path):
    with pytest.raises(DataError, match=r"'export.xlsx' has no sheet named 'Clients'; its sheets are 'Cover', "
                                        r"'Customers', 'Invoices'"):
        load(tmp_path, "export.xlsx", messy.xlsx_bytes(), sheet="Clients")


def test_xlsx_sheet_with_a_header_but_no_rows_is_refused(tmp_path):
    data = messy.xlsx_bytes({"Data": [["customer_id", "plan"]]})
    with pytest.raises(DataError, match=r"'book.xlsx'.*header but no rows"):
        load(tmp_path, "book.xlsx", data)


def test_parquet_keeps_its_types(tmp_path):
    table = load(tmp_path, "customers.parquet", messy.parquet_bytes())
    frame = table.frame
    assert table.format == "parquet"
    assert frame["customer_id"].tolist() == IDS
    assert frame["mrr"].tolist() == MRR
    assert frame["signup_date"].dtype == "datetime64[ns]"
    assert frame["churned"].tolist() == [False, True, False]


# -- sources ----------------------------------------------------------------------------------------------------------

def test_bytes_of_an_upload_with_its_name(tmp_path):
    table = load_table(messy.cp1252_csv(), name="upload.csv")
    assert table.name == "upload.csv" and table.delimiter == ";"
    assert table.frame["customer_id"].tolist() == IDS


def test_a_file_like_upload_and_a_string_path(tmp_path):
    upload = io.BytesIO(messy.utf8_csv())
    upload.name = "from_browser.csv"
    assert load_table(upload).name == "from_browser.csv"
    path = tmp_path / "customers.csv"
    path.write_bytes(messy.utf8_csv())
    assert_three_customers(load_table(str(path)))


def test_a_workbook_saved_under_a_csv_name_is_read_as_a_workbook(tmp_path):
    table = load_table(messy.xlsx_bytes(), name="export.csv")
    assert table.format == "xlsx" and table.sheet == "Customers"
    assert any("Excel workbook" in note for note in table.notes)


def test_table_is_frozen_and_survives_pickling(tmp_path):
    table = load(tmp_path, "customers.csv", messy.utf8_csv())
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.name = "other.csv"
    again = pickle.loads(pickle.dumps(table))
    assert again.frame.equals(table.frame) and again.notes == table.notes


# -- refusals: each names the file and says what to do ----------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \r\n\n", "\ufeff".encode("utf-8")])
def test_empty_file_is_refused(tmp_path, data):
    with pytest.raises(DataError, match=r"'empty.csv' is empty; export it again"):
        load(tmp_path, "empty.csv", data)


def test_header_without_rows_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'header.csv' has a header but no rows of data"):
        load(tmp_path, "header.csv", b"customer_id,plan\n\n")


def test_png_named_csv_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'photo.csv' is a PNG image, not a table"):
        load(tmp_path, "photo.csv", messy.png_bytes())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_named_csv_are_refused(tmp_path, seed):
    with pytest.raises(DataError, match=r"'noise.csv' is not a text table"):
        load(tmp_path, "noise.csv", messy.random_bytes(seed=seed))


def test_file_above_the_limit_is_refused_before_reading(tmp_path):
    with pytest.raises(DataError, match=r"'customers.csv' is .* above the 100 bytes limit.*SEGMENTATION_MAX_BYTES"):
        load(tmp_path, "customers.csv", messy.utf8_csv(), max_bytes=100)
    with pytest.raises(DataError, match=r"'upload.csv' is .* above"):
        load_table(messy.utf8_csv(), name="upload.csv", max_bytes=100)


def test_the_limit_comes_from_the_environment_and_the_argument_wins(tmp_path, monkeypatch):
    assert DEFAULT_MAX_BYTES == 200 * 2 ** 20
    monkeypatch.setenv(MAX_BYTES_ENV, "100")
    with pytest.raises(DataError, match=r"above the 100 bytes limit"):
        load(tmp_path, "customers.csv", messy.utf8_csv())
    assert_three_customers(load(tmp_path, "customers.csv", messy.utf8_csv(), max_bytes=10_000))
    monkeypatch.setenv(MAX_BYTES_ENV, "1MB")
    assert_three_customers(load(tmp_path, "customers.csv", messy.utf8_csv()))
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(DataError, match=MAX_BYTES_ENV):
        load(tmp_path, "customers.csv", messy.utf8_csv())


@pytest.mark.parametrize("name, advice", [("customers.json", "CSV, XLSX or Parquet"),
                                          ("customers.xls", "save it as .xlsx"),
                                          ("notes.docx", "CSV, TSV, TXT, XLSX or Parquet")])
def test_unsupported_extension_is_refused(tmp_path, name, advice):
    with pytest.raises(DataError, match=rf"'{name}' is a \.\w+ file, which cannot be loaded.*{advice}"):
        load(tmp_path, name, b'{"a": 1}')


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'nowhere.csv' was not found"):
        load_table(tmp_path / "nowhere.csv")


def test_zip_bomb_workbook_is_refused_before_parsing(tmp_path):
    data = messy.zip_bomb_xlsx()
    assert len(data) < 2 ** 20  # 110 MB inside a file of a few hundred KB
    with pytest.raises(DataError, match=r"'bomb.xlsx' would expand from .* to 110.0 MB.*zip bomb"):
        load(tmp_path, "bomb.xlsx", data)


def test_workbook_entry_larger_than_the_limit_is_refused(tmp_path):
    data = messy.xlsx_bytes()
    with pytest.raises(DataError, match=r"'small.xlsx' is .* but expands to .* above the .* limit.*"
                                        r"SEGMENTATION_MAX_BYTES"):
        load(tmp_path, "small.xlsx", data, max_bytes=len(data) + 10)


def test_workbook_whose_sizes_lie_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'lying.xlsx' holds a file that expands beyond its declared size"):
        load(tmp_path, "lying.xlsx", messy.lying_zip_xlsx())


def test_zip_archive_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("customers.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"'customers.xlsx' is a zip archive, not an Excel workbook"):
        load(tmp_path, "customers.xlsx", buffer.getvalue())
    with pytest.raises(DataError, match=r"'customers.csv' is a zip archive, not a table; unzip it"):
        load(tmp_path, "customers.csv", buffer.getvalue())


def test_broken_parquet_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'data.parquet' is not a readable Parquet file"):
        load(tmp_path, "data.parquet", b"PAR1 not really")


class RustPanic(BaseException):
    """Like pyo3's PanicException, which a Rust parser raises and which is not an Exception."""


@pytest.mark.parametrize("error", [RuntimeError, RustPanic])
def test_an_unexpected_parser_error_becomes_a_data_error_naming_the_file(tmp_path, monkeypatch, error):
    def broken(*args, **kwargs):
        raise error("parser exploded")

    monkeypatch.setattr(segmentation_io, "read_text", broken)
    with pytest.raises(DataError, match=r"'customers.csv' could not be read \(parser exploded\)"):
        load(tmp_path, "customers.csv", messy.utf8_csv())


def test_nothing_in_the_loader_parses_xml_without_defusedxml():
    import defusedxml  # noqa: F401  (installed: openpyxl uses it when writing workbooks elsewhere)

    package = Path(segmentation_io.__file__).parent
    paths = sorted(package.glob("*.py"))
    assert len(paths) >= 6  # the loader and its private readers
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for module in modules:
                    assert not module.startswith(("xml", "lxml")), f"{path.name} imports {module}"


def test_every_message_is_one_sentence_that_names_the_file(tmp_path):
    cases = {"empty.csv": b"", "photo.csv": messy.png_bytes(), "noise.csv": messy.random_bytes(),
             "header.csv": b"a,b\n", "ragged.csv": messy.ragged_csv(), "bomb.xlsx": messy.lying_zip_xlsx()}
    for name, data in cases.items():
        with pytest.raises(DataError) as caught:
            load(tmp_path, name, data)
        message = str(caught.value)
        assert f"'{name}'" in message
        assert message.endswith(".") and message.count(". ") == 0, message
        assert "\n" not in message and "Traceback" not in message


def test_row_numbers_match_the_frame():
    table = load_table(messy.title_lines_csv(), name="t.csv")
    assert len(table.row_numbers) == len(table.frame)
    assert isinstance(table.row_numbers, np.ndarray)


def test_password_protected_or_old_xls_workbook_is_refused(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the start of every OLE file: .xls, encrypted .xlsx
    with pytest.raises(DataError, match=r"'locked.xlsx' is password-protected or in the old .xls format"):
        load(tmp_path, "locked.xlsx", ole)


def test_text_saved_under_an_xlsx_name_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"'fake.xlsx' is not a valid Excel workbook"):
        load(tmp_path, "fake.xlsx", messy.utf8_csv())


def test_the_whole_messy_corpus_loads_except_the_files_meant_to_be_refused(tmp_path):
    refused = set()
    for name, path in messy.write_corpus(tmp_path).items():
        try:
            table = load_table(path)
        except DataError as error:
            assert f"'{name}'" in str(error)
            refused.add(name)
            continue
        assert len(table.frame) > 0 and "customer_id" in table.frame.columns, name
    assert refused == {"picture.csv", "noise.csv", "empty.csv", "header_only.csv", "ragged.csv"}


def test_parquet_ids_with_gaps_stay_whole_numbers(tmp_path):
    frame = pd.DataFrame({"account_id": [17.0, np.nan, 19.0], "mrr": [1.0, np.nan, 2.5], "plan": ["a", "b", "c"]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    loaded = load(tmp_path, "ids.parquet", buffer.getvalue()).frame
    assert str(loaded["account_id"].dtype) == "Int64"
    assert loaded["account_id"].tolist()[::2] == [17, 19] and loaded["account_id"].isna().tolist()[1]
    assert loaded["mrr"].dtype == "float64"
