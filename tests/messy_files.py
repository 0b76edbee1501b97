"""A corpus of messy customer exports, made in code: what real uploads look like.

Each builder returns the file's bytes; `CORPUS` maps a file name to its builder and
`write_corpus(folder)` writes them all (tests write into tmp_path). The values are small and
fixed so tests can state the expected result by hand.

    python tests/messy_files.py OUT_DIR     # write the corpus to look at
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

__all__ = ["CORPUS", "write_corpus", "customers_text", "xlsx_bytes", "parquet_bytes", "zip_bomb_xlsx",
           "lying_zip_xlsx", "png_bytes", "random_bytes", "unclosed_quote_csv", "mixed_encoding_csv", "wide_csv",
           "arrow_parquet", "sentinel_dates_parquet", "nested_parquet", "bad_utf8_parquet", "unknown_zone_parquet",
           "zip_version_xlsx"]

# Three customers, as most files below hold them (header + rows, no trailing blank line).
HEADER = ["customer_id", "company", "plan", "mrr", "signup_date"]
ROWS = [
    ["00017", "Acme, Inc.", "Pro", "1234.50", "2024-01-05"],
    ["00018", "Müller GmbH", "Starter", "99.90", "2024-02-29"],
    ["00230", "Café Crème", "Pro", "0.5", "2024-12-31"],
]


def customers_text(delimiter: str = ",", *, newline: str = "\n", rows=ROWS, header=HEADER) -> str:
    """The three customers as delimited text, quoting fields that hold the delimiter, quotes or newlines."""
    def field(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return newline.join(delimiter.join(field(v) for v in row) for row in [header, *rows]) + newline


# -- encodings and delimiters ----------------------------------------------------------------------------------

def utf8_csv() -> bytes:
    return customers_text(",").encode("utf-8")


def utf8_bom_csv() -> bytes:
    return customers_text(",").encode("utf-8-sig")


def excel_unicode_txt() -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a byte-order mark, tabs, CRLF."""
    return customers_text("\t", newline="\r\n").encode("utf-16")


def cp1252_csv() -> bytes:
    """A Windows export from a German Excel: semicolons, decimal commas, accents and the euro sign in cp1252."""
    rows = [["00017", "Acme, Inc.", "Pro", "1.234,50", "05.01.2024"],
            ["00018", "Müller GmbH", "Starter", "99,90", "29.02.2024"],
            ["00230", "Café Crème €", "Pro", "0,5", "31.12.2024"]]
    return customers_text(";", newline="\r\n", rows=rows).encode("cp1252")


def latin1_csv() -> bytes:
    rows = [["00017", "Ångström AB", "Pro", "12", "2024-01-05"],
            ["00018", "Façade SA", "Starter", "13", "2024-02-29"]]
    return customers_text(",", rows=rows).encode("latin-1")


def semicolon_csv() -> bytes:
    return customers_text(";").encode("utf-8")


def tab_tsv() -> bytes:
    return customers_text("\t").encode("utf-8")


def pipe_txt() -> bytes:
    return customers_text("|").encode("utf-8")


def quoted_newline_csv() -> bytes:
    rows = [["00017", "Acme, Inc.\nBilling dept.", "Pro", "10", "2024-01-05"],
            ["00018", 'The "Best" Shop', "Starter", "20", "2024-01-06"],
            ["00019", "Plain", "Pro", "30", "2024-01-07"]]
    return customers_text(",", rows=rows).encode("utf-8")


# -- numbers and dates ---------------------------------------------------------------------------------------------

def european_numbers_csv() -> bytes:
    text = ("customer_id;mrr;discount\n"
            "1;1.234,56;10%\n"
            "2;99,90;5,5 %\n"
            "3;-12,00;0%\n")
    return text.encode("utf-8")


def thousands_csv() -> bytes:
    text = ('customer_id,revenue,seats,price\n'
            '1,"1,234.50","1,200",$9.99\n'
            '2,"12,000.00",3,"$1,000.00"\n'
            '3,0.75,"12,345",€5\n')
    return text.encode("utf-8")


def dates_csv() -> bytes:
    """One column per date format; each column has a value that settles day-first vs month-first."""
    text = ("customer_id,iso,dotted,day_first,month_first,with_time\n"
            "1,2024-01-05,05.01.2024,13/01/2024,01/13/2024,2024-01-05 08:30:00\n"
            "2,2024-02-29,29.02.2024,01/02/2024,02/01/2024,2024-02-29 17:45:10\n"
            "3,2024-12-31,31.12.2024,5/6/2024,6/5/2024,2024-12-31 23:59:59\n")
    return text.encode("utf-8")


def ambiguous_dates(delimiter: str) -> bytes:
    """No day above 12: the decimal mark (comma in a semicolon file) decides dd/mm vs mm/dd."""
    amount = ["1,50", "2,25"] if delimiter == ";" else ["1.50", "2.25"]
    text = (f"customer_id{delimiter}signup{delimiter}amount\n"
            f"1{delimiter}01/02/2024{delimiter}{amount[0]}\n"
            f"2{delimiter}03/04/2024{delimiter}{amount[1]}\n")
    return text.encode("utf-8")


def leading_zeros_csv() -> bytes:
    text = ("customer_id,zip,account_no,employees\n"
            "00017,01234,1001,5\n"
            "00018,75001,1002,12\n"
            "123,02115,,7\n")
    return text.encode("utf-8")


# -- layout ------------------------------------------------------------------------------------------------------------

def title_lines_csv() -> bytes:
    return ("Export from Billing — 2026-10-01\nGenerated by admin@example.com\n\n"
            + customers_text(",")).encode("utf-8")


def messy_layout_csv() -> bytes:
    """Blank and duplicate header names, an empty unnamed column, empty rows, spaces around names."""
    text = (" customer_id ,mrr,mrr,,notes,\n"
            "1,10,11,,a,\n"
            ",,,,,\n"
            "\n"
            "2,20,21,x,b,\n"
            "3,30,31,,c,\n")
    return text.encode("utf-8")


def excel_sep_line_csv() -> bytes:
    return ("sep=;\n" + customers_text(";")).encode("utf-8")


def ragged_csv() -> bytes:
    return b"customer_id,plan\n1,Pro\n2,Pro,extra,values\n3,Starter\n"


def short_rows_csv() -> bytes:
    return b"customer_id,plan,mrr\n1,Pro,10\n2\n3,Starter,30\n"


def unclosed_quote_csv(rows: int = 8000, at: int = 51, *, closes_at: int | None = None, columns: int = 3) -> bytes:
    """`rows` customers where the company of data row `at` opens a quote that never closes (or closes in the
    company of row `closes_at`): a spreadsheet user typed '"Acme' by hand."""
    header = ["customer_id", "company", "mrr", "plan"][:columns]
    lines = [",".join(header)]
    for row in range(1, rows + 1):
        company = '"Acme' if row == at else 'Apex" Ltd' if row == closes_at else f"Company {row}"
        lines.append(",".join([str(row), company, str(10 * row), "Pro"][:len(header)]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def mixed_encoding_csv(utf8_bytes: int = 300_000, *, odd: tuple[str, ...] = ("Café Crème;Besançon",)) -> bytes:
    """UTF-8 customers with accents for `utf8_bytes`, then lines saved in Windows-1252 (pasted from an old
    export), then one more UTF-8 line."""
    lines, size, row = ["customer_id;company;city"], 0, 0
    while size < utf8_bytes:
        row += 1
        lines.append(f"{row};Müller GmbH {row};Zürich")
        size += len(lines[-1].encode("utf-8")) + 1
    data = ("\n".join(lines) + "\n").encode("utf-8")
    for text in odd:
        row += 1
        data += f"{row};{text}\n".encode("cp1252")
    return data + f"{row + 1};Straße AG;Köln\n".encode("utf-8")


def wide_csv(columns: int, rows: int = 3) -> bytes:
    """A customer id and `columns - 1` numbered measures: a pivot, one column per day or product."""
    header = ",".join(["customer_id"] + [f"day_{i}" for i in range(1, columns)])
    body = "\n".join(",".join([f"C{r}"] + [str((r * i) % 97) for i in range(1, columns)]) for r in range(rows))
    return (header + "\n" + body + "\n").encode("utf-8")


# -- workbooks, parquet ---------------------------------------------------------------------------------------------

def xlsx_bytes(sheets: dict[str, list[list]] | None = None) -> bytes:
    """A workbook written with openpyxl; default: a cover sheet, customers under two title rows, invoices."""
    import datetime as dt

    from openpyxl import Workbook

    if sheets is None:
        sheets = {
            "Cover": [["Customer export"]],
            "Customers": [
                ["Export from Billing — 2026-10-01"],
                ["Confidential"],
                [],
                ["customer_id", "company", "plan", "mrr", "signup_date", "seats"],
                ["00017", "Acme, Inc.", "Pro", 1234.5, dt.datetime(2024, 1, 5), 3],
                ["00018", "Müller GmbH", "Starter", 99.9, dt.datetime(2024, 2, 29), 10],
                ["00230", "Café Crème", "Pro", 0.5, dt.datetime(2024, 12, 31), None],
            ],
            "Invoices": [
                ["invoice_id", "customer_id", "amount", "paid_on"],
                ["INV-1", "00017", "1.234,50", "05.01.2024"],
                ["INV-2", "00018", "99,90", "29.02.2024"],
            ],
        }
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parquet_bytes() -> bytes:
    import pandas as pd

    frame = pd.DataFrame({
        "customer_id": ["00017", "00018", "00230"],
        "mrr": [1234.5, 99.9, 0.5],
        "seats": pd.array([3, None, 10], dtype="Int64"),
        "signup_date": pd.to_datetime(["2024-01-05", "2024-02-29", "2024-12-31"]).date,
        "churned": [False, True, False],
    })
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def arrow_parquet(columns: dict) -> bytes:
    """A Parquet file of Arrow arrays (or lists), written by pyarrow as a warehouse export would be."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def sentinel_dates_parquet() -> bytes:
    """Contracts whose open ones end on 9999-12-31, as a date and as a timestamp (a data warehouse's "no end")."""
    import datetime as dt

    import pyarrow as pa

    ends = [dt.date(2025, 3, 31), dt.date(9999, 12, 31), None, dt.date(9999, 12, 31)]
    return arrow_parquet({
        "customer_id": ["A1", "A2", "A3", "A4"],
        "start_date": pa.array([dt.date(2024, 1, 1)] * 4, pa.date32()),
        "end_date": pa.array(ends, pa.date32()),
        "valid_to": pa.array([None if d is None else dt.datetime(d.year, d.month, d.day, 23, 59, 59) for d in ends],
                             pa.timestamp("us")),
        "mrr": [10.0, 20.0, 30.0, 40.0],
    })


def nested_parquet() -> bytes:
    """Nested columns as BigQuery and Spark export them: a struct, a list and a map."""
    import pyarrow as pa

    return arrow_parquet({
        "customer_id": ["A1", "A2", "A3"],
        "address": pa.array([{"city": "Berlin", "zip": "10115"}, None, {"city": "Köln", "zip": None}]),
        "tags": pa.array([["vip", "eu"], [], None]),
        "limits": pa.array([[("seats", 5)], [], None], pa.map_(pa.string(), pa.int64())),
        "mrr": [10.0, 20.0, 30.0],
    })


def bad_utf8_parquet() -> bytes:
    """A string column where one value holds Windows-1252 bytes: a legacy system wrote "Müller" as is."""
    import pyarrow as pa

    raw = pa.array(["Acme".encode(), "M\xfcller GmbH".encode("latin-1"), None], pa.binary())
    return arrow_parquet({"customer_id": ["A1", "A2", "A3"], "company": raw.view(pa.string()),
                          "mrr": [10.0, 20.0, 30.0]})


def unknown_zone_parquet() -> bytes:
    """Times marked with a zone no time-zone database has (Parquet stores the instants in UTC anyway)."""
    import datetime as dt

    import pyarrow as pa

    stamps = [dt.datetime(2024, 1, 1, 12, 0), dt.datetime(2024, 2, 1, 8, 30)]
    return arrow_parquet({"customer_id": ["A1", "A2"],
                          "signed_at": pa.array(stamps, pa.timestamp("us", tz="Mars/Olympus_Mons"))})


def zip_version_xlsx() -> bytes:
    """A workbook whose zip headers say it needs zip version 19.5 to open (no zip reader knows it)."""
    data = bytearray(xlsx_bytes({"Data": [["customer_id", "mrr"], ["A1", 10], ["A2", 20]]}))
    for signature, offset in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):
        position = data.find(signature)
        while position != -1:
            struct.pack_into("<H", data, position + offset, 195)
            position = data.find(signature, position + 4)
    return bytes(data)


def zip_bomb_xlsx(inflated: int = 110 * 2 ** 20) -> bytes:
    """A real workbook plus a highly compressible entry that inflates to `inflated` bytes (declared honestly)."""
    buffer = io.BytesIO(xlsx_bytes({"Data": [["a"], [1]]}))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * inflated)
    return buffer.getvalue()


def lying_zip_xlsx() -> bytes:
    """A workbook with an entry that declares 1 KB but inflates to 2 MB: the header lies."""
    buffer = io.BytesIO(xlsx_bytes({"Data": [["a"], [1]]}))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/blob.bin", b"\0" * (2 * 2 ** 20))
    data = bytearray(buffer.getvalue())
    # Patch the uncompressed size in the local header (offset 22) and the central directory entry (offset 24).
    name = b"xl/media/blob.bin"
    local = data.find(b"PK\x03\x04" + b"\x14\x00")
    while local != -1 and data[local + 30:local + 30 + len(name)] != name:
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1 and data[central + 46:central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, local + 22, 1024)
    struct.pack_into("<I", data, central + 24, 1024)
    return bytes(data)


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def random_bytes(size: int = 4096, seed: int = 7) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


CORPUS = {
    "customers_utf8.csv": utf8_csv,
    "customers_utf8_bom.csv": utf8_bom_csv,
    "customers_unicode.txt": excel_unicode_txt,
    "customers_cp1252.csv": cp1252_csv,
    "customers_latin1.csv": latin1_csv,
    "customers_semicolon.csv": semicolon_csv,
    "customers.tsv": tab_tsv,
    "customers_pipe.txt": pipe_txt,
    "quoted_newline.csv": quoted_newline_csv,
    "european_numbers.csv": european_numbers_csv,
    "thousands.csv": thousands_csv,
    "dates.csv": dates_csv,
    "ambiguous_dates_semicolon.csv": lambda: ambiguous_dates(";"),
    "ambiguous_dates_comma.csv": lambda: ambiguous_dates(","),
    "leading_zeros.csv": leading_zeros_csv,
    "title_lines.csv": title_lines_csv,
    "messy_layout.csv": messy_layout_csv,
    "excel_sep_line.csv": excel_sep_line_csv,
    "ragged.csv": ragged_csv,
    "short_rows.csv": short_rows_csv,
    "workbook.xlsx": xlsx_bytes,
    "customers.parquet": parquet_bytes,
    "picture.csv": png_bytes,
    "noise.csv": random_bytes,
    "empty.csv": lambda: b"",
    "header_only.csv": lambda: b"customer_id,plan\n",
}


def write_corpus(folder: Path) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in CORPUS.items():
        paths[name] = folder / name
        paths[name].write_bytes(build())
    return paths


if __name__ == "__main__":
    for path in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "messy_files")).values():
        print(path)
