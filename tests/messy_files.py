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
           "lying_zip_xlsx", "png_bytes", "random_bytes"]

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
