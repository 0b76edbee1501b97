"""The loader never loses rows without a word and never crashes: the files of issue 11, made small by the test."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from segmentation.cli import main
from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.io import MAX_BYTES_ENV, MAX_COLUMNS, load_table
from tests import messy_files as messy

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- a quote that opens and never closes -------------------------------------------------------------------

def test_an_unclosed_quote_is_refused_naming_the_row_where_it_opens(tmp_path):
    # Before: 50 rows loaded "successfully", the other 7,950 were one company name.
    with pytest.raises(DataError, match=r"^Row 52 of 'customers.csv' \(line 52 of the file\) opens a quote that is "
                                        r"not closed.*the 7,949 lines after it would be read as one value.*"
                                        r"remove or close the quote before 'Acme"):
        load_table(write(tmp_path, "customers.csv", messy.unclosed_quote_csv(8000, at=51)))


def test_a_quote_that_closes_thousands_of_lines_later_is_refused_too(tmp_path):
    with pytest.raises(DataError, match=r"^Row 52 of 'customers.csv' \(line 52 of the file\) opens a quote"):
        load_table(messy.unclosed_quote_csv(8000, at=51, closes_at=7990), name="customers.csv")


def test_an_unclosed_quote_in_a_narrow_file_is_refused(tmp_path):
    data = messy.unclosed_quote_csv(500, at=10, columns=2)
    with pytest.raises(DataError, match=r"^Row 11 of 'ids.csv' \(line 11 of the file\) opens a quote"):
        load_table(data, name="ids.csv")


def test_the_line_named_counts_the_lines_of_values_written_over_several_lines():
    text = ('customer_id,company,mrr\n1,"Acme\nBilling dept.",10\n2,Beta,20\n3,"Gamma\n'
            + "".join(f"{i},Company {i},{i}\n" for i in range(4, 40)))
    with pytest.raises(DataError, match=r"^Row 4 of 'c.csv' \(line 5 of the file\) opens a quote"):
        load_table(text.encode(), name="c.csv")


def test_values_over_several_lines_that_are_not_rows_still_load():
    note = "\n".join(f"Call {i}: asked about pricing and seats" for i in range(40))  # long, and no commas
    address = "Hauptstr. 1\nHinterhaus, 2. OG\n10115 Berlin, Germany"
    frame = pd.DataFrame({"customer_id": ["A1", "A2", "A3"], "address": [address, "Main St 1", "x"],
                          "notes": ["short", note, "a, b, c"], "mrr": [1, 2, 3]})
    table = load_table(frame.to_csv(index=False).encode(), name="crm.csv")
    assert len(table.frame) == 3
    assert table.frame["notes"].iloc[1] == note and table.frame["address"].iloc[0] == address


# -- Parquet ---------------------------------------------------------------------------------------------------

def test_parquet_dates_past_2262_are_read_as_missing_with_a_note():
    table = load_table(messy.sentinel_dates_parquet(), name="contracts.parquet")
    frame = table.frame
    assert frame["end_date"].dtype == "datetime64[ns]" and frame["valid_to"].dtype == "datetime64[ns]"
    assert frame["end_date"].tolist()[0] == pd.Timestamp("2025-03-31")
    assert frame["end_date"].isna().tolist() == [False, True, True, True]
    assert frame["valid_to"].tolist()[0] == pd.Timestamp("2025-03-31 23:59:59")
    assert frame["start_date"].notna().all() and frame["mrr"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert any(n.startswith("Column 'end_date' holds 2 dates outside what can be stored (1677-09-21 to 2262-04-11), "
                            "such as 9999-12-31 in row 3") and "read as missing" in n for n in table.notes)
    assert any(n.startswith("Column 'valid_to' holds 2 dates") and "9999-12-31 23:59:59" in n for n in table.notes)


@pytest.mark.parametrize("name, data", [
    ("contracts.csv", b"customer_id,start,end_date\nA1,2024-01-01,2025-03-31\nA2,2024-01-01,9999-12-31\n"
                      b"A3,2024-02-01,\nA4,2024-02-01,9999-12-31\n"),
    ("contracts.xlsx", None),
])
def test_far_future_dates_in_text_and_workbooks_are_missing_too(name, data):
    import datetime as dt

    if data is None:
        data = messy.xlsx_bytes({"Contracts": [["customer_id", "start", "end_date"]] + [
            [f"A{i}", dt.datetime(2024, 1, 1), end] for i, end in enumerate(
                [dt.datetime(2025, 3, 31), dt.datetime(9999, 12, 31), None, dt.datetime(9999, 12, 31)], start=1)]})
    table = load_table(data, name=name)
    assert table.frame["end_date"].dtype == "datetime64[ns]"  # was text, so the column could not be used as dates
    assert table.frame["end_date"].tolist()[0] == pd.Timestamp("2025-03-31")
    assert table.frame["end_date"].isna().tolist() == [False, True, True, True]
    assert any(n.startswith("Column 'end_date' holds 2 dates outside what can be stored (the years 1678 to 2261), "
                            "such as 9999-12-31") and "in row 3" in n for n in table.notes)


def test_the_command_line_reads_a_parquet_with_far_future_dates(tmp_path, capsys):
    path = write(tmp_path, "contracts.parquet", messy.sentinel_dates_parquet())
    assert main(["inspect", str(path)]) == 0
    assert "outside what can be stored" in capsys.readouterr().out


def test_the_command_line_always_exits_0_or_2_on_parquet(tmp_path):
    """Exit 134 came at shutdown: an Arrow reader thread released the Python bytes it had read from after the
    interpreter had started to exit, which happened when a command stopped right after a read (5 runs in 14)."""
    good = write(tmp_path, "contracts.parquet", messy.sentinel_dates_parquet())
    refused = write(tmp_path, "pivot.parquet", messy.arrow_parquet({f"d{i}": [1] for i in range(MAX_COLUMNS + 1)}))
    runs = [(expected, subprocess.Popen([sys.executable, "-m", "segmentation", "inspect", str(path)], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}))
            for expected, path in [(0, good), (2, refused)] * 3]
    results = [(expected, run.wait(timeout=300), run.stderr.read().decode()[-300:]) for expected, run in runs]
    assert all(code == expected for expected, code, _ in results), results


def test_nested_parquet_columns_become_json_text_that_the_roles_and_the_app_can_take():
    table = load_table(messy.nested_parquet(), name="bigquery.parquet")
    frame = table.frame
    assert frame["address"].tolist()[0] == '{"city": "Berlin", "zip": "10115"}'
    assert frame["address"].tolist()[2] == '{"city": "Köln", "zip": null}'
    assert pd.isna(frame["address"].tolist()[1])
    assert frame["tags"].tolist()[:2] == ['["vip", "eu"]', "[]"]
    assert frame["limits"].tolist()[0] == '{"seats": 5}'
    assert any(n.startswith("Column 'address' holds records (struct); they are read as JSON text") for n in table.notes)
    assert any(n.startswith("Column 'tags' holds lists") for n in table.notes)
    assert any(n.startswith("Column 'limits' holds maps") for n in table.notes)
    data = Dataset.from_tables({"customers": table})  # infer_roles raised TypeError on the dicts
    assert data.roles["customers"].get("customer_id") == "customer_id"


def test_the_command_line_reads_nested_parquet(tmp_path, capsys):
    assert main(["inspect", str(write(tmp_path, "bigquery.parquet", messy.nested_parquet()))]) == 0
    assert "read as JSON text" in capsys.readouterr().out


def test_text_that_is_not_utf8_inside_parquet_is_read_as_windows_1252_naming_the_row():
    table = load_table(messy.bad_utf8_parquet(), name="legacy.parquet")
    assert table.frame["company"].tolist()[:2] == ["Acme", "Müller GmbH"]
    assert ("Column 'company' has 1 value that is not UTF-8 text (row 3: 'Müller GmbH'); it was read as "
            "Windows-1252, so check that accented letters look right.") in table.notes


def test_times_in_an_unknown_zone_are_read_as_the_utc_instants_parquet_stores():
    table = load_table(messy.unknown_zone_parquet(), name="events.parquet")
    assert table.frame["signed_at"].tolist() == [pd.Timestamp("2024-01-01 12:00"), pd.Timestamp("2024-02-01 08:30")]
    assert any("time zone 'Mars/Olympus_Mons', which this machine does not know" in n and "read as UTC" in n
               for n in table.notes)


# -- workbooks -------------------------------------------------------------------------------------------------

def test_a_workbook_with_an_unknown_zip_version_says_so_in_words():
    with pytest.raises(DataError, match=r"^'export.xlsx' is packed in a zip format this app cannot open \(zip file "
                                        r"version 19.5, where Excel writes 2.0\); open it in Excel or LibreOffice "
                                        r"and save it again as .xlsx.$"):
        load_table(messy.zip_version_xlsx(), name="export.xlsx")


def _pandas_workbook(rows: int = 3000) -> bytes:
    frame = pd.DataFrame({"InvoiceNo": [f"5363{i:05d}" for i in range(rows)], "Quantity": range(rows),
                          "Description": ["WHITE HANGING HEART T-LIGHT HOLDER"] * rows})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def test_a_big_honest_workbook_names_the_size_limit_and_how_to_raise_it(tmp_path, monkeypatch):
    data = _pandas_workbook()
    sheet = max(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    path = write(tmp_path, "Online Retail.xlsx", data)
    monkeypatch.setenv(MAX_BYTES_ENV, str((len(data) + sheet) // 2))  # the file fits; the opened sheet does not
    with pytest.raises(DataError) as caught:
        load_table(path)
    message = str(caught.value)
    assert message.startswith("'Online Retail.xlsx' is ") and "but expands to" in message
    assert "above the" in message and "limit" in message and f"{MAX_BYTES_ENV}=" in message
    assert "zip bomb" not in message
    monkeypatch.setenv(MAX_BYTES_ENV, str(2 * sheet))
    assert len(load_table(path).frame) == 3000


def test_a_zip_bomb_is_still_called_one():
    with pytest.raises(DataError, match=r"zip bomb"):
        load_table(messy.zip_bomb_xlsx(), name="bomb.xlsx")


# -- wide files ------------------------------------------------------------------------------------------------

def test_a_file_with_20000_columns_is_refused_at_once_with_the_reason(tmp_path):
    path = write(tmp_path, "pivot.csv", messy.wide_csv(20_000, rows=3))
    started = time.perf_counter()
    with pytest.raises(DataError, match=r"^'pivot.csv' has 20,000 columns, more than the 1,000 that can be loaded "
                                        r".*export only the columns you need, or the data in long form"):
        load_table(path)
    assert time.perf_counter() - started < 3  # it took 22-50 s to load, then as long again for the roles


def test_wide_parquet_is_refused_before_it_is_read():
    data = messy.arrow_parquet({f"day_{i}": [1, 2] for i in range(MAX_COLUMNS + 1)})
    with pytest.raises(DataError, match=r"^'pivot.parquet' has 1,001 columns, more than the 1,000"):
        load_table(data, name="pivot.parquet")


def test_a_file_at_the_column_limit_loads_and_the_limit_can_be_raised():
    assert load_table(messy.wide_csv(MAX_COLUMNS), name="wide.csv").frame.shape == (3, MAX_COLUMNS)
    table = load_table(messy.wide_csv(MAX_COLUMNS + 5), name="wide.csv", max_columns=2 * MAX_COLUMNS)
    assert table.frame.shape == (3, MAX_COLUMNS + 5)


# -- a few lines in another encoding ---------------------------------------------------------------------------

def test_one_windows_1252_line_after_300_kb_of_utf8_garbles_nothing_and_is_named():
    table = load_table(messy.mixed_encoding_csv(300_000), name="crm.csv")
    frame = table.frame
    assert table.encoding == "utf-8"
    assert frame["company"].iloc[0] == "Müller GmbH 1" and frame["city"].iloc[0] == "Zürich"
    assert frame["company"].tolist()[-2:] == ["Café Crème", "Straße AG"]
    assert frame["city"].tolist()[-2:] == ["Besançon", "Köln"]
    line = len(frame) - 1 + 1  # header on line 1, the odd line is the last but one row
    assert any(n.startswith(f"Line {line} of 'crm.csv' is not UTF-8 like the rest of the file and was read as "
                            f"Windows-1252") for n in table.notes)


def test_several_odd_lines_near_the_top_are_listed():
    data = messy.mixed_encoding_csv(2_000, odd=("Café;Besançon", "Crème;Orléans"))
    table = load_table(data, name="crm.csv")
    assert table.frame["company"].iloc[0] == "Müller GmbH 1"
    assert table.frame["city"].tolist()[-3:] == ["Besançon", "Orléans", "Köln"]
    rows = len(table.frame)
    assert any(n.startswith(f"2 lines of 'crm.csv' ({rows - 1}, {rows}) are not UTF-8") for n in table.notes)


def test_a_file_in_windows_1252_throughout_is_still_read_as_one():
    table = load_table(messy.cp1252_csv(), name="export.csv")
    assert table.encoding == "cp1252" and table.frame["company"].tolist()[1] == "Müller GmbH"
    assert not any("not UTF-8 like the rest" in n for n in table.notes)


def test_a_long_file_in_windows_1252_is_not_taken_line_by_line():
    lines = "".join(f"{i};Müller & Söhne {i};12,50 €\n" for i in range(5000))
    started = time.process_time()
    table = load_table(("customer_id;company;mrr\n" + lines).encode("cp1252"), name="export.csv")
    assert time.process_time() - started < 5
    assert table.encoding == "cp1252" and table.frame["company"].iloc[0] == "Müller & Söhne 0"
    assert any(n.startswith("Read as Windows-1252") for n in table.notes)
