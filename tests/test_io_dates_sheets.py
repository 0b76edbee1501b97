"""Exports that read wrongly without a word: day-first dates taken for month-first, Excel serial numbers
left as numbers, a workbook's cover sheet read instead of its table; and the command line's options for them.

Fixtures are small copies of the QA exports (UK monthly invoices billed on the 1st, a careless export
with Excel day serials, a HubSpot workbook with a "Read me" sheet), generated here.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from segmentation import cli
from segmentation.errors import DataError
from segmentation.io import load_table, reading_defaults
from tests.messy_files import xlsx_bytes

# -- fixtures -------------------------------------------------------------------------------------------------------


def uk_invoices(*, months: int = 14, accounts: int = 3, delimiter: str = ",") -> bytes:
    """Monthly invoices on the 1st, written dd/mm/yyyy, amounts with decimal points: no day part above 12."""
    lines = [delimiter.join(["Invoice Number", "Account Ref", "Invoice Date", "Net (GBP)"])]
    for account in range(accounts):
        for month in range(months):
            day = pd.Timestamp("2023-01-01") + pd.DateOffset(months=month)
            lines.append(delimiter.join([f"INV-{len(lines):05d}", f"ACC{account:03d}", day.strftime("%d/%m/%Y"),
                                         f"{49 + 50 * account}.0"]))
    return ("\n".join(lines) + "\n").encode("utf-8")


UK_FIRSTS = list(pd.date_range("2023-01-01", periods=14, freq="MS"))


def workbook(sheets: dict[str, list[list]]) -> bytes:
    return xlsx_bytes(sheets)


COMPANIES = [["Record ID", "Company name", "Number of Employees", "Annual Revenue", "Create Date"]] + [
    [1000 + i, f"Acme {i} GmbH", 5 + 7 * i, 10_000.0 * (i + 1), f"2024-0{1 + i % 9}-15"] for i in range(8)
]


def hubspot_workbook() -> bytes:
    """As HubSpot exports companies: a "Read me" sheet of prose, then the table under a title and a blank row."""
    return workbook({
        "Read me": [["Export"], ["HubSpot companies export"], ["Generated 2025-06-30 by anna@acme.io"],
                    ["Filters: Lifecycle stage is any"]],
        "Companies": [["All companies - Q2 2025"], [], *COMPANIES],
    })


# -- 1. day-first or month-first ------------------------------------------------------------------------------------

def test_monthly_invoices_on_the_first_are_read_day_first_although_the_file_uses_decimal_points():
    table = load_table(uk_invoices(), name="uk_monthly_invoices.csv")
    dates = table.frame["Invoice Date"]
    assert dates.dtype == "datetime64[ns]"
    assert dates.iloc[:14].tolist() == UK_FIRSTS  # not 1-14 January 2023
    assert table.date_formats["Invoice Date"] == "dd/mm/yyyy"
    assert table.date_orders["Invoice Date"] == "dmy"
    assert table.ambiguous_dates == ("Invoice Date",)
    note = table.date_notes["Invoice Date"]
    assert note in table.notes
    assert "dd/mm/yyyy" in note and "14 different months" in note and "01" in note
    assert table.date_order is None


def test_dates_that_vary_in_the_first_part_are_read_month_first_even_in_a_decimal_comma_file():
    rows = "".join(f"C{m};{m:02d}/01/2024;1,50\n" for m in range(1, 13))
    table = load_table(("customer;signup;amount\n" + rows).encode(), name="eu.csv")
    assert table.decimal == ","
    assert table.frame["signup"].tolist() == list(pd.date_range("2024-01-01", periods=12, freq="MS"))
    assert table.date_formats["signup"] == "mm/dd/yyyy"
    assert "12 different months" in table.date_notes["signup"]


def test_when_neither_reading_is_more_plausible_the_decimal_mark_still_decides():
    # Both parts take the same number of values: nothing in the dates tells the orders apart.
    text = "id,signup,amount\n1,01/02/2024,1.50\n2,02/01/2024,2.25\n3,03/04/2024,3.00\n4,04/03/2024,1.00\n"
    table = load_table(text.encode(), name="us.csv")
    assert table.date_formats["signup"] == "mm/dd/yyyy"
    assert table.frame["signup"].iloc[0] == pd.Timestamp("2024-01-02")
    assert "decimal points" in table.date_notes["signup"]
    assert table.ambiguous_dates == ("signup",)


def test_another_column_that_settles_the_order_decides_an_ambiguous_one():
    text = ("id,signup,renewal,amount\n"
            "1,25/01/2024,01/02/2024,1.50\n"
            "2,13/03/2024,03/04/2024,2.25\n")
    table = load_table(text.encode(), name="mixed.csv")
    assert table.frame["renewal"].tolist() == list(pd.to_datetime(["2024-02-01", "2024-04-03"]))
    assert table.date_orders == {"signup": "dmy", "renewal": "dmy"}
    assert table.ambiguous_dates == ("renewal",)  # signup settles itself: 25 can only be a day
    assert "signup" in table.date_notes["renewal"] and "25/01/2024" in table.date_notes["renewal"]


def test_an_explicit_date_order_wins_and_is_kept_on_the_table():
    table = load_table(uk_invoices(), name="uk.csv", date_order="mdy")
    assert table.frame["Invoice Date"].iloc[:3].tolist() == list(pd.to_datetime(["2023-01-01", "2023-01-02",
                                                                                  "2023-01-03"]))
    assert table.date_order == "mdy"
    assert table.date_orders["Invoice Date"] == "mdy"
    assert table.ambiguous_dates == ("Invoice Date",)
    assert "as asked" in table.date_notes["Invoice Date"]
    assert load_table(uk_invoices(), name="uk.csv", date_order="DMY").date_order == "dmy"


def test_an_explicit_order_the_values_contradict_is_not_applied_and_the_note_says_why():
    table = load_table(b"id,signup\n1,25/12/2024\n2,01/02/2024\n", name="uk.csv", date_order="mdy")
    assert table.frame["signup"].tolist() == list(pd.to_datetime(["2024-12-25", "2024-02-01"]))
    assert table.date_orders["signup"] == "dmy"
    assert table.ambiguous_dates == ()
    assert "25/12/2024" in table.date_notes["signup"] and "mm/dd/yyyy" in table.date_notes["signup"]


def test_year_first_dates_are_ymd_and_a_ymd_order_leaves_year_last_dates_to_detection():
    text = b"id,iso,slashed\n1,2024-01-05,05/01/2024\n2,2024-02-29,25/02/2024\n"
    table = load_table(text, name="d.csv", date_order="ymd")
    assert table.date_orders == {"iso": "ymd", "slashed": "dmy"}
    assert table.frame["slashed"].tolist() == list(pd.to_datetime(["2024-01-05", "2024-02-25"]))
    assert "year last" in table.date_notes["slashed"]


def test_padding_one_digit_days_and_hours_leaves_a_fraction_of_a_second_alone():
    text = b"id,seen,logged\n1,25/2/2024 3:30:15.5,2024/2/5 9:00:00.5\n2,1/2/2024 12:05:00.25,2024/12/25 10:00\n"
    frame = load_table(text, name="t.csv").frame
    assert frame["seen"].tolist() == list(pd.to_datetime(["2024-02-25 03:30:15.5", "2024-02-01 12:05:00.25"]))
    assert frame["logged"].tolist() == [pd.Timestamp("2024-02-05 09:00:00.5"), pd.Timestamp("2024-12-25 10:00")]


@pytest.mark.parametrize("order", ["dm", "day-first", 1])
def test_an_unknown_date_order_is_refused_naming_the_choices(order):
    with pytest.raises(DataError, match="'dmy', 'mdy' or 'ymd'"):
        load_table(uk_invoices(), name="uk.csv", date_order=order)


def test_reading_defaults_reach_every_load_inside_the_block_and_report_each_table():
    seen = []
    with reading_defaults(date_order="mdy", on_load=seen.append):
        table = load_table(uk_invoices(), name="uk.csv")
    assert table.date_order == "mdy" and seen == [table]
    assert load_table(uk_invoices(), name="uk.csv").date_order is None  # only inside the block


# -- 2. Excel serial numbers ------------------------------------------------------------------------------------------

SERIALS = (b"Client Ref,Start Date,End Date,created_at,Monthly Fee,Users,Days since signup,Annual Revenue\n"
           b"00000,45522,,45000.0,430.08,21,45100,45058\n"
           b"00001,45058,45632,45001.0,396.12,34,45200,45632\n"
           b"00002,45142,,45002.0,50.58,2,45300,45142\n")


def test_excel_serial_numbers_in_date_named_columns_become_dates_with_a_note():
    table = load_table(SERIALS, name="excel_serial_dates.csv")
    frame = table.frame
    assert frame["Start Date"].tolist() == list(pd.to_datetime(["2024-08-18", "2023-05-12", "2023-08-04"]))
    assert frame["End Date"].iloc[1] == pd.Timestamp("2024-12-06") and frame["End Date"].isna().sum() == 2
    assert frame["created_at"].iloc[0] == pd.Timestamp("2023-03-15")
    assert table.date_formats["Start Date"] == "Excel serial number"
    assert "Start Date" in table.date_notes["Start Date"] and "45522" in table.date_notes["Start Date"]
    assert table.date_notes["Start Date"] in table.notes


def test_numbers_in_columns_without_a_date_name_stay_numbers():
    frame = load_table(SERIALS, name="excel_serial_dates.csv").frame
    assert frame["Users"].tolist() == [21, 34, 2]
    assert frame["Days since signup"].tolist() == [45100, 45200, 45300]
    assert frame["Annual Revenue"].tolist() == [45058, 45632, 45142]
    assert frame["Client Ref"].tolist() == ["00000", "00001", "00002"]


@pytest.mark.parametrize("values", [["45058", "12"], ["45058", "45058.5"], ["100", "200"]])
def test_date_named_numbers_outside_whole_serials_stay_numbers(values):
    text = "id,Start Date\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))
    table = load_table(text.encode(), name="s.csv")
    assert table.frame["Start Date"].dtype != "datetime64[ns]"
    assert "Start Date" not in table.date_notes


def test_excel_serial_numbers_in_workbook_cells_become_dates():
    data = workbook({"Data": [["id", "Signup Date", "MRR"], ["a", 45058, 100], ["b", 45632, 200]]})
    table = load_table(data, name="w.xlsx")
    assert table.frame["Signup Date"].tolist() == list(pd.to_datetime(["2023-05-12", "2024-12-06"]))
    assert table.frame["MRR"].tolist() == [100, 200]


# -- 3. which sheet of a workbook --------------------------------------------------------------------------------------

def test_a_workbook_with_a_read_me_sheet_reads_the_table_sheet_and_says_what_it_skipped():
    table = load_table(hubspot_workbook(), name="hubspot_companies.xlsx")
    assert table.sheet == "Companies"
    assert table.sheets == ("Read me", "Companies")
    assert table.header_row == 2
    assert list(table.frame.columns) == COMPANIES[0]
    assert table.frame["Record ID"].tolist() == [1000 + i for i in range(8)]
    assert any("'Companies'" in note and "'Read me'" in note and "skipped" in note.lower() for note in table.notes)


def test_a_notes_sheet_of_two_columns_of_prose_is_skipped_too():
    notes = [["Field", "Description"]] + [[f"field_{i}", f"This is what field {i} means for the account owner"]
                                         for i in range(8)]
    table = load_table(workbook({"Notes": notes, "Companies": COMPANIES}), name="w.xlsx")
    assert table.sheet == "Companies"


def test_a_small_table_after_a_cover_sheet_is_chosen_over_the_cover():
    cover = [["About"], ["Customers of the EU region"], ["Exported by the billing team"]]
    small = [["customer_id", "mrr"], ["a", 10], ["b", 20]]
    assert load_table(workbook({"Cover": cover, "Customers": small}), name="w.xlsx").sheet == "Customers"


def test_a_visible_small_table_is_chosen_over_a_hidden_lookup_sheet():
    from openpyxl import load_workbook

    small = [["customer_id", "mrr"], ["a", 10], ["b", 20]]
    lookup = [["code", "country"]] + [[f"C{i}", f"Country {i}"] for i in range(20)]
    book = load_workbook(io.BytesIO(workbook({"Lookup": lookup, "Customers": small})))
    book["Lookup"].sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    assert load_table(buffer.getvalue(), name="w.xlsx").sheet == "Customers"


def test_when_no_sheet_looks_like_a_table_the_first_with_data_is_read():
    cover = [["About"], ["line one"], ["line two"]]
    other = [["Also"], ["a list"]]
    assert load_table(workbook({"Cover": cover, "Other": other}), name="w.xlsx").sheet == "Cover"


def test_an_explicit_sheet_is_read_even_when_it_is_prose():
    table = load_table(hubspot_workbook(), name="h.xlsx", sheet="Read me")
    assert table.sheet == "Read me" and list(table.frame.columns) == ["Export"]


# -- command line ------------------------------------------------------------------------------------------------------

def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_subcommand_that_reads_files_takes_date_order():
    parser = cli.build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    assert {"assign", "cohorts", "export", "inspect", "kmeans", "rfm"} <= set(subcommands)
    for name, sub in subcommands.items():
        assert "--date-order" in sub._option_string_actions, name
        assert sub._option_string_actions["--date-order"].choices == ("dmy", "mdy")


def test_rfm_reads_uk_dates_day_first_and_prints_the_note(tmp_path, capsys):
    source = tmp_path / "uk.csv"
    source.write_bytes(uk_invoices())
    out = tmp_path / "rfm.csv"
    options = ["--id", "Account Ref", "--date", "Invoice Date", "--amount", "Net (GBP)", "--as-of", "2024-03-01",
               "--out", out]
    code, _, err = run_cli(capsys, "rfm", source, *options)
    assert code == 0, err
    assert "note: Dates in 'Invoice Date'" in err and "dd/mm/yyyy" in err
    rfm = pd.read_csv(out)
    assert rfm["recency_days"].tolist() == [29, 29, 29]  # last invoice 2024-02-01
    assert rfm["frequency"].tolist() == [14, 14, 14]

    code, _, err = run_cli(capsys, "rfm", source, *options, "--date-order", "mdy")
    assert code == 0, err
    assert "as asked" in err
    assert pd.read_csv(out)["recency_days"].tolist() == [59, 59, 59]  # 01/02/2024 read as 2 January


def test_cohorts_follow_the_date_order_option(tmp_path, capsys):
    source = tmp_path / "uk.csv"
    source.write_bytes(uk_invoices(months=3, accounts=2))
    out = tmp_path / "cohorts.csv"
    code, _, err = run_cli(capsys, "cohorts", source, "--id", "Account Ref", "--date", "Invoice Date", "--out", out)
    assert code == 0, err
    assert pd.read_csv(out)["period"].tolist() == [0, 1, 2]  # three months of life
    code, _, err = run_cli(capsys, "cohorts", source, "--id", "Account Ref", "--date", "Invoice Date",
                           "--date-order", "mdy", "--out", out)
    assert code == 0, err
    assert pd.read_csv(out)["period"].tolist() == [0]  # 1-3 January: one month


def test_inspect_reads_the_date_order_option_through_the_shared_defaults(tmp_path, capsys):
    import json

    source = tmp_path / "uk.csv"
    source.write_bytes(uk_invoices())
    code, out, err = run_cli(capsys, "inspect", source, "--kind", "transactions", "--date-order", "mdy")
    assert code == 0, err
    assert json.loads(out)["date_formats"]["Invoice Date"] == "mm/dd/yyyy"
    assert "note: Dates in 'Invoice Date'" in err


def customers_rows(n: int, start: int = 0) -> list[list]:
    return [["customer_id", "mrr", "logins"]] + [[f"{i:03d}", 50 + 37 * (i % 7), (i * 13) % 40]
                                                 for i in range(start, start + n)]


def test_kmeans_reads_the_sheet_given_with_sheet(tmp_path, capsys):
    source = tmp_path / "customers.xlsx"
    source.write_bytes(workbook({"Read me": [["Export"], ["Customers, all regions"], ["Generated 2025-06-30"]],
                                 "EU": customers_rows(24), "US": customers_rows(15, start=100)}))
    out = tmp_path / "km.csv"
    code, _, err = run_cli(capsys, "kmeans", source, "--vars", "mrr,logins", "--k", "3", "--sheet", "US",
                           "--id", "customer_id", "--out", out)
    assert code == 0, err
    assert pd.read_csv(out, dtype=str)["customer_id"].tolist() == [f"{i:03d}" for i in range(100, 115)]
    assert "note: Read sheet 'US' of 'customers.xlsx'" in err
    code, _, err = run_cli(capsys, "kmeans", source, "--vars", "mrr,logins", "--k", "3", "--sheet", "Nope",
                           "--out", out)
    assert code == 2 and err.startswith("error: ") and "'US'" in err and err.count("\n") == 1


def test_rfm_reads_the_sheet_given_with_sheet(tmp_path, capsys):
    rows = [["customer", "day", "amount"]] + [[f"C{i % 4}", f"2024-0{1 + i % 6}-1{i % 9}", 10 + i] for i in range(20)]
    summary = [["customer", "total"]] + [[f"C{i}", 100 * i] for i in range(6)]
    source = tmp_path / "tx.xlsx"
    source.write_bytes(workbook({"Summary": summary, "Transactions": rows}))
    out = tmp_path / "rfm.csv"
    code, _, err = run_cli(capsys, "rfm", source, "--id", "customer", "--date", "day", "--amount", "amount",
                           "--sheet", "Transactions", "--out", out)
    assert code == 0, err
    rfm = pd.read_csv(out)
    assert sorted(rfm["customer_id"]) == ["C0", "C1", "C2", "C3"]
    assert rfm["frequency"].sum() == 20 and rfm["monetary"].sum() == sum(10 + i for i in range(20))


@pytest.mark.parametrize("k, expected", [("20", "between 2 and 11"), ("12", "between 2 and 11"),
                                         ("1", "between 2 and 11")])
def test_kmeans_refuses_a_k_the_customers_cannot_support(tmp_path, capsys, k, expected):
    source = tmp_path / "tiny.csv"
    source.write_text("customer_id,mrr,logins\n" + "".join(f"{i:03d},{50 + 31 * i},{(7 * i) % 13}\n"
                                                           for i in range(1, 13)))
    code, _, err = run_cli(capsys, "kmeans", source, "--vars", "mrr,logins", "--k", k, "--out", tmp_path / "o.csv")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert expected in err and "12 customers" in err
    assert not (tmp_path / "o.csv").exists()


def test_kmeans_accepts_the_largest_k_it_allows(tmp_path, capsys):
    source = tmp_path / "tiny.csv"
    source.write_text("customer_id,mrr,logins\n" + "".join(f"{i:03d},{50 + 31 * i},{(7 * i) % 13}\n"
                                                           for i in range(1, 13)))
    code, _, err = run_cli(capsys, "kmeans", source, "--vars", "mrr,logins", "--k", "11", "--out",
                           tmp_path / "o.csv")
    assert code == 0, err
