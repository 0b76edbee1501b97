"""Commands and MRR where the data lives: MRR movements from a PostgreSQL table and a folder of Parquet files equal
the CSV file's, summed in the engine (service and billing periods spread, returns netted); every command that
takes a file reads a database URL or a folder with --table / --query, or refuses it in one error line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from segmentation.dataset import Dataset
from segmentation.revenue import mrr_movements
from segmentation.sources import Source
from tests import sources_data as sd

ROOT = sd.ROOT
SPREAD_ROLES = {"customer_id": "customer_id", "transaction_date": "invoice_date", "amount": "amount",
                "order_id": "invoice_id", "service_start": "service_start", "service_end": "service_end",
                "billing_period": "billing_period"}


def _invoices() -> pd.DataFrame:
    """Monthly and annual invoices, one with a service period, a cancelled invoice (C...) and a refund."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        customer = f"{i:05d}"
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        annual = i % 5 == 0
        for k in range(1 if annual else int(rng.integers(2, 10))):
            day = start + pd.DateOffset(months=k)
            rows.append({"invoice_id": f"{len(rows) + 1000}", "customer_id": customer, "invoice_date": day,
                         "amount": 1200.0 if annual else float(rng.choice([29.0, 49.5, 99.0])),
                         "billing_period": "annual" if annual else ("month" if k % 2 else None),
                         "service_start": day if i % 7 == 1 else pd.NaT,
                         "service_end": day + pd.Timedelta(days=90) if i % 7 == 1 else pd.NaT})
    rows.append({"invoice_id": "C1003", "customer_id": "00002", "invoice_date": pd.Timestamp("2024-08-03"),
                 "amount": 49.5, "billing_period": None, "service_start": pd.NaT, "service_end": pd.NaT})
    rows.append({"invoice_id": "2000", "customer_id": "00003", "invoice_date": pd.Timestamp("2024-09-09"),
                 "amount": -29.0, "billing_period": None, "service_start": pd.NaT, "service_end": pd.NaT})
    return pd.DataFrame(rows)


def _load_postgres(url: str, name: str, frame: pd.DataFrame) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is not None:
            return
        columns = ", ".join(f'"{c}" {sd._pg_type(frame[c])}' for c in frame.columns)
        conn.execute(f'create table "{name}" ({columns})')
        with conn.cursor().copy(f'copy "{name}" from stdin') as copy:
            for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
                copy.write_row([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])


def _movements(moves) -> pd.DataFrame:
    """Movement rows in one order (a database has none), ids as plain text."""
    out = moves.movements.astype({"customer": object})
    return out.sort_values(["customer", "month", "movement"]).reset_index(drop=True)


def assert_same_mrr(expected, got) -> None:
    pd.testing.assert_frame_equal(expected.table, got.table)
    pd.testing.assert_frame_equal(_movements(expected), _movements(got))
    assert expected.as_of == got.as_of and expected.source == got.source


@pytest.fixture(scope="module")
def invoices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mrr")
    frame = _invoices()
    frame.to_csv(folder / "invoices.csv", index=False)
    (folder / "lake").mkdir()
    for i in range(2):
        frame.iloc[i::2].to_parquet(folder / "lake" / f"part-{i}.parquet", index=False)
    return folder


def _spread(data: Dataset) -> Dataset:
    return data.with_roles("transactions", SPREAD_ROLES)


def test_a_parquet_folder_gives_the_csv_files_mrr_summed_in_duckdb(invoices):
    csv = _spread(Dataset.read(transactions=invoices / "invoices.csv"))
    lake = _spread(Dataset.read(transactions=str(invoices / "lake")))
    assert "transactions" in lake.remote and len(lake.tables["transactions"].frame) < 1_000
    expected, got = mrr_movements(csv), mrr_movements(lake)
    assert_same_mrr(expected, got)
    assert "service period" in got.source and "billing period" in got.source
    # The annual invoices spread over twelve months: 100 a month, not 1,200 in one.
    annual = got.movements[(got.movements["customer"] == "00000") & (got.movements["movement"] == "new")]
    assert annual["mrr_after"].tolist() == [100.0]
    # Returns were netted in the engine and said once, as the file says them; the spreading is said too.
    assert [n for n in got.notes if "return" in n] == [n for n in expected.notes if "return" in n] != []
    assert any("spread over their months here" in n for n in got.notes)
    # As of a date: the same months and movements, none after it.
    assert_same_mrr(mrr_movements(csv, as_of="2024-06-15"), mrr_movements(lake, as_of="2024-06-15"))


def test_postgres_gives_the_csv_files_mrr_split_by_plan(postgres_url, tmp_path):
    sd.load_postgres(postgres_url, kinds=("customers", "transactions"))
    from_csv = Dataset.read(customers=sd.SAMPLE / "customers.csv", transactions=sd.SAMPLE / "transactions.csv")
    remote = Dataset.read(customers=Source(postgres_url, table="customers"),
                          transactions=Source(postgres_url, table="transactions"))
    assert_same_mrr(mrr_movements(from_csv), mrr_movements(remote))
    assert_same_mrr(mrr_movements(from_csv, split="plan"), mrr_movements(remote, split="plan"))

    _load_postgres(postgres_url, "invoices", _invoices())
    (tmp_path / "invoices.csv").write_text(_invoices().to_csv(index=False))
    csv = _spread(Dataset.read(transactions=tmp_path / "invoices.csv"))
    pg = _spread(Dataset.read(transactions=Source(postgres_url, table="invoices")))
    assert_same_mrr(mrr_movements(csv), mrr_movements(pg))


def _cli(*args: str):
    return subprocess.run([sys.executable, "-m", "segmentation", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_mrr_command_on_a_database_table_a_query_and_a_folder(postgres_url, tmp_path):
    sd.load_postgres(postgres_url, kinds=("transactions",))
    folder = sd.parquet_folder(tmp_path / "tx", "transactions")
    outs = {name: tmp_path / f"{name}.csv" for name in ("csv", "table", "query", "folder")}
    runs = {"csv": _cli("mrr", sd.SAMPLE / "transactions.csv", "--out", outs["csv"]),
            "table": _cli("mrr", postgres_url, "--table", "transactions", "--out", outs["table"]),
            "query": _cli("mrr", postgres_url, "--query", "SELECT customer_id, invoice_date, amount FROM transactions",
                          "--out", outs["query"]),
            "folder": _cli("mrr", folder, "--out", outs["folder"])}
    for name, done in runs.items():
        assert done.returncode == 0, (name, done.stderr)
    expected = pd.read_csv(outs["csv"])
    assert len(expected) > 12
    for name in ("table", "query", "folder"):
        pd.testing.assert_frame_equal(expected, pd.read_csv(outs[name]))
    # Without a table or query a database says what to add, in one line.
    done = _cli("mrr", postgres_url, "--out", tmp_path / "no.csv")
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "--table NAME" in done.stderr


# -- assign, export, health, fit: a URL or a folder with --table / --query, never ignored --------------------------
def _ok(done):
    assert done.returncode == 0, done.stderr
    return done


def _one_error(done, said: str) -> None:
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and said in lines[0], done.stderr


def _sorted_csv(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.sort_values(list(frame.columns[:1])).reset_index(drop=True)


def test_assign_and_export_score_a_database_table_and_a_folder(postgres_url, tmp_path):
    sd.load_postgres(postgres_url, kinds=("transactions",))
    csv, recipe = sd.SAMPLE / "transactions.csv", tmp_path / "rfm.json"
    _ok(_cli("rfm", csv, "--out", tmp_path / "fit.csv", "--recipe", recipe))
    folder = sd.parquet_folder(tmp_path / "tx", "transactions")
    _ok(_cli("assign", recipe, csv, "--out", tmp_path / "csv.csv"))
    _ok(_cli("assign", recipe, postgres_url, "--table", "transactions", "--out", tmp_path / "table.csv"))
    _ok(_cli("assign", recipe, postgres_url, "--query", "SELECT * FROM transactions WHERE amount IS NOT NULL",
             "--out", tmp_path / "query.csv"))
    _ok(_cli("assign", recipe, folder, "--out", tmp_path / "folder.csv"))
    expected = _sorted_csv(tmp_path / "csv.csv")
    assert len(expected) == sd.frame("transactions")["customer_id"].nunique()  # every customer, not the first rows
    for name in ("table", "query", "folder"):
        pd.testing.assert_frame_equal(expected, _sorted_csv(tmp_path / f"{name}.csv"))
    _ok(_cli("export", recipe, postgres_url, "--table", "transactions", "--xlsx", tmp_path / "o.xlsx", "--csv",
             tmp_path / "export.csv", "--no-validation"))
    assert (tmp_path / "o.xlsx").stat().st_size > 0
    pd.testing.assert_frame_equal(expected, _sorted_csv(tmp_path / "export.csv"))
    _one_error(_cli("export", recipe, postgres_url, "--xlsx", tmp_path / "n.xlsx"), "--table NAME")
    _one_error(_cli("assign", recipe, csv, "--transactions", postgres_url, "--out", tmp_path / "n.csv"),
               "can be read only as FILE")


def test_health_reads_customers_from_a_database_table(postgres_url, tmp_path):
    sd.load_postgres(postgres_url, kinds=("customers", "transactions"))
    args = ("--outcome", "churn_date", "--vars", "logins_30d,features_adopted,plan")
    _ok(_cli("health", sd.SAMPLE / "customers.csv", *args, "--out", tmp_path / "csv.csv"))
    # A table has no row order, and the fit's train/test split follows the rows: the query gives the file's order.
    _ok(_cli("health", postgres_url, "--query", "SELECT * FROM customers ORDER BY customer_id", *args, "--out",
             tmp_path / "table.csv"))
    pd.testing.assert_frame_equal(_sorted_csv(tmp_path / "csv.csv"), _sorted_csv(tmp_path / "table.csv"))
    # The payments in a folder add their sums, computed there: the same as from the file.
    folder = sd.parquet_folder(tmp_path / "tx", "transactions")
    more = ("--outcome", "churn_date", "--vars", "logins_30d,monetary,frequency")
    _ok(_cli("health", sd.SAMPLE / "customers.csv", "--transactions", sd.SAMPLE / "transactions.csv", *more,
             "--out", tmp_path / "a.csv"))
    _ok(_cli("health", sd.SAMPLE / "customers.csv", "--transactions", folder, *more, "--out", tmp_path / "b.csv"))
    pd.testing.assert_frame_equal(_sorted_csv(tmp_path / "a.csv"), _sorted_csv(tmp_path / "b.csv"))
    _one_error(_cli("health", sd.SAMPLE / "customers.csv", "--transactions", folder, "--as-of", "2025-01-01",
                    "--out", tmp_path / "c.csv"), "--as-of")
    _one_error(_cli("health", postgres_url, *args, "--out", tmp_path / "d.csv"), "--table NAME")


def test_fit_reads_leads_from_a_database_table_and_a_folder(postgres_url, tmp_path):
    from tests import leads_files

    customers, leads = tmp_path / "customers.csv", tmp_path / "leads.csv"
    customers.write_bytes(leads_files.csv(leads_files.customers()))
    leads.write_bytes(leads_files.csv(leads_files.leads()))
    frame = pd.read_csv(leads)
    _load_postgres(postgres_url, "leads", frame)
    (tmp_path / "lake").mkdir()
    frame.to_parquet(tmp_path / "lake" / "leads.parquet", index=False)
    args = ("--customers", customers, "--outcome", "converted_to_paid")
    _ok(_cli("fit", leads, *args, "--out", tmp_path / "csv.csv"))
    _ok(_cli("fit", postgres_url, "--table", "leads", *args, "--out", tmp_path / "table.csv"))
    _ok(_cli("fit", tmp_path / "lake", *args, "--out", tmp_path / "folder.csv"))
    expected = pd.read_csv(tmp_path / "csv.csv", dtype=str)
    assert len(expected) == len(frame)
    for name in ("table", "folder"):
        pd.testing.assert_frame_equal(expected, pd.read_csv(tmp_path / f"{name}.csv", dtype=str))
    _one_error(_cli("fit", leads, "--customers", postgres_url, "--outcome", "converted_to_paid", "--out",
                    tmp_path / "n.csv"), "can be read only as FILE")
