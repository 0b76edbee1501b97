"""Sources: a folder of Parquet files, a DuckDB file and PostgreSQL give what the CSV files give; bad sources get one
clear message without a password; only SELECT queries pass."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.sources import Source, check_query, open_source, redact, split_password
from tests import sources_data as sd
from tests.postgres_server import free_port

ROOT = sd.ROOT


# -- redaction and queries ------------------------------------------------------------------------------------
def test_redact_hides_passwords_in_urls_key_values_and_given_secrets():
    assert redact("postgresql://ann:s3cr3t@db:5432/shop") == "postgresql://ann:***@db:5432/shop"
    assert redact("connection to host=db user=ann password=s3cr3t failed") == \
        "connection to host=db user=ann password=*** failed"
    assert redact("password: 'p w'") == "password: ***"
    # A driver that echoes the bare password somewhere else, also URL-encoded.
    assert "p@ss/w0rd" not in redact("auth p@ss/w0rd and p%40ss%2Fw0rd", ("p@ss/w0rd",))
    assert "p%40ss%2Fw0rd" not in redact("auth p@ss/w0rd and p%40ss%2Fw0rd", ("p@ss/w0rd",))
    assert redact("no secret here") == "no secret here"


def test_split_password_and_source_never_hold_it():
    assert split_password("postgresql://ann:s%40cret@db/shop") == ("postgresql://ann@db/shop", "s@cret")
    source = Source("postgresql://ann:hunter22@db/shop", table="invoices")
    assert "hunter22" not in repr(source) and "hunter22" not in source.name and "hunter22" not in source.location
    assert source.name == "invoices in postgresql://ann@db/shop"


@pytest.mark.parametrize("sql", [
    "SELECT * FROM invoices", "select a from t;", "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT a FROM t UNION ALL SELECT a FROM u"])
def test_check_query_accepts_one_select(sql):
    assert check_query(sql, "postgres").lower().startswith(("select", "with"))


@pytest.mark.parametrize("sql, said", [
    ("DELETE FROM invoices", "Only a SELECT"), ("SELECT 1; DROP TABLE invoices", "2 statements"),
    ("SELECT * INTO copy FROM invoices", "Only a SELECT"), ("UPDATE t SET a = 1", "Only a SELECT"),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "Only a SELECT"), ("", "empty"),
    ("CREATE TABLE t AS SELECT 1", "Only a SELECT")])
def test_check_query_refuses_anything_else(sql, said):
    with pytest.raises(DataError, match=said):
        check_query(sql, "postgres")


# -- the same answers -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def from_csv() -> Dataset:
    return Dataset.read(customers=sd.SAMPLE / "customers.csv", transactions=sd.SAMPLE / "transactions.csv",
                        events=sd.SAMPLE / "events.csv")


def assert_same(expected: Dataset, got: Dataset) -> None:
    """Customer table, RFM segments, K-means segments and cohorts (plain, by quarter, split by segment) agree."""
    from segmentation.methods.kmeans import fit_kmeans
    from segmentation.methods.rfm import fit_rfm

    a, b = expected.customer_table(), got.customer_table()
    assert a.as_of == b.as_of
    # A database has no row order: the same customers, in whichever order they came.
    a, b = (type(t)(t.frame.sort_index(), t.as_of, t.notes, t.unmatched) for t in (a, b))
    pd.testing.assert_frame_equal(a.frame, b.frame, check_like=True)
    assert [n for n in a.notes] == [n for n in b.notes]
    rfm_a, rfm_b = fit_rfm(a.frame), fit_rfm(b.frame)
    pd.testing.assert_series_equal(rfm_a.labels, rfm_b.labels)
    variables = ["monetary", "frequency", "active_days_90d"]
    km_a = fit_kmeans(a.frame, variables, k=4, random_state=0)
    km_b = fit_kmeans(b.frame, variables, k=4, random_state=0)
    pd.testing.assert_series_equal(km_a.labels, km_b.labels)
    pd.testing.assert_frame_equal(expected.cohorts().table, got.cohorts().table)
    pd.testing.assert_frame_equal(expected.cohorts(period="quarter", split=rfm_a.labels).table,
                                  got.cohorts(period="quarter", split=rfm_b.labels).table)
    pd.testing.assert_frame_equal(expected.cohorts(as_of="2025-06-15").table, got.cohorts(as_of="2025-06-15").table)


def test_parquet_folders_give_what_the_csv_files_give(tmp_path, from_csv):
    got = Dataset.read(customers=sd.parquet_folder(tmp_path / "customers", "customers", parts=2),
                       transactions=str(sd.parquet_folder(tmp_path / "transactions", "transactions")),
                       events=str(tmp_path / "events" / "*.parquet") if sd.parquet_folder(
                           tmp_path / "events", "events") else None)
    assert set(got.remote) == {"transactions", "events"}  # their rows stay in the files
    assert len(got.tables["transactions"].frame) <= 1_000
    assert_same(from_csv, got)


def test_postgres_gives_what_the_csv_files_give(postgres_url, from_csv):
    sd.load_postgres(postgres_url)
    got = Dataset.read(customers=Source(postgres_url, table="customers"),
                       transactions=Source(postgres_url, table="transactions"),
                       events=Source(postgres_url, table="events"))
    assert_same(from_csv, got)


def test_a_query_and_a_duckdb_file(tmp_path, from_csv):
    path = sd.duckdb_file(tmp_path / "shop.duckdb")
    got = Dataset.read(customers=Source(f"duckdb:///{path}", table="customers"),
                       transactions=Source(f"duckdb:///{path}", query="SELECT * FROM transactions WHERE amount > 0"),
                       events=Source(f"duckdb:///{path}", table="events"))
    expected = from_csv.customer_table().frame
    table = got.customer_table().frame
    # Returns were left out by the query: monetary is what the purchases alone sum to.
    tx = sd.frame("transactions")
    bought = tx[tx["amount"] > 0].groupby("customer_id")["amount"].sum()
    assert table["monetary"].reindex(bought.index).round(6).tolist() == bought.round(6).tolist()
    pd.testing.assert_series_equal(table["active_days_90d"], expected["active_days_90d"])


def test_customers_taken_from_a_remote_orders_table(tmp_path):
    folder = sd.parquet_folder(tmp_path / "tx", "transactions")
    data = Dataset.read(str(folder))
    assert data.customers_from == "transactions"
    ids = sd.frame("transactions")["customer_id"].dropna().unique()
    assert sorted(data.tables["customers"].frame["customer_id"]) == sorted(ids)
    table = data.customer_table().frame
    assert table["frequency"].sum() > 0 and len(table) == len(ids)


def test_remote_returns_follow_the_file_rules(tmp_path):
    """A cancelled invoice (C + digits among plain numbers) and a refund type are set apart in the engine as
    find_returns sets them apart in a file."""
    frame = pd.DataFrame({
        "InvoiceNo": ["1001", "1002", "C1003", "1004", "1005", "1006"],
        "CustomerID": ["a", "a", "a", "b", "b", "b"],
        "InvoiceDate": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-10", "2024-01-03", "2024-02-05",
                                       "2024-02-06"]),
        "Amount": [10.0, 20.0, 5.0, 7.5, 2.5, 4.0],
        "Type": ["sale", "sale", "sale", "sale", "sale", "Refund"],
    })
    csv = tmp_path / "tx.csv"
    frame.to_csv(csv, index=False)
    (tmp_path / "lake").mkdir()
    frame.to_parquet(tmp_path / "lake" / "a.parquet", index=False)
    local = Dataset.read(transactions=csv).customer_table()
    remote = Dataset.read(transactions=str(tmp_path / "lake")).customer_table()
    pd.testing.assert_frame_equal(local.frame, remote.frame, check_like=True)
    assert remote.frame.loc["a", "monetary"] == 25.0 and remote.frame.loc["b", "frequency"] == 2
    said_locally = [n for n in Dataset.read(transactions=csv).tables["transactions"].notes if "returns" in n]
    assert [n for n in remote.notes if "returns" in n] == said_locally


# -- bad sources: one clear message, never a password -----------------------------------------------------------
def _message(**kwargs) -> str:
    with pytest.raises(DataError) as caught:
        Dataset.read(**kwargs).customer_table()
    return str(caught.value)


def test_unreachable_database_names_it_without_the_password():
    url = f"postgresql://ann:hunter22@127.0.0.1:{free_port()}/shop"
    message = _message(transactions=Source(url, table="invoices"))
    assert "hunter22" not in message and "127.0.0.1" in message and "check the host and port" in message


def test_wrong_database_user_and_table(postgres_url):
    sd.load_postgres(postgres_url)
    base = postgres_url.rsplit("/", 1)[0]
    assert "check the database name" in _message(transactions=Source(base + "/nope", table="transactions"))
    wrong_user = postgres_url.replace("tester@", "nobody:hunter22@")
    message = _message(transactions=Source(wrong_user, table="transactions"))
    assert "hunter22" not in message and "check the user name and password" in message
    assert "check the table name" in _message(transactions=Source(postgres_url, table="no_such_table"))


def test_a_column_of_the_wrong_type_is_named(tmp_path):
    (tmp_path / "lake").mkdir()
    pd.DataFrame({"customer_id": ["a", "a", "b"], "invoice_date": [1, 2, 3], "amount": [1.0, 2.0, 3.0]}).to_parquet(
        tmp_path / "lake" / "x.parquet", index=False)
    data = Dataset.read(transactions=str(tmp_path / "lake")).with_role("transactions", "transaction_date",
                                                                       "invoice_date")
    with pytest.raises(DataError, match="'invoice_date'.*cannot be read as a date"):
        data.customer_table()


def test_the_connection_is_read_only(postgres_url):
    sd.load_postgres(postgres_url)
    conn = open_source(postgres_url, table="customers")
    with pytest.raises(Exception, match="read-only"):
        conn.backend.raw_sql("CREATE TABLE sneaky (x int)")


# -- the command line -------------------------------------------------------------------------------------------
def _cli(*args: str):
    return subprocess.run([sys.executable, "-m", "segmentation", *args], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_rfm_on_postgres_table_and_query_equals_the_csv(postgres_url, tmp_path):
    sd.load_postgres(postgres_url)
    csv_out, table_out, query_out = (tmp_path / f"{n}.csv" for n in ("csv", "table", "query"))
    assert _cli("rfm", str(sd.SAMPLE / "transactions.csv"), "--out", str(csv_out)).returncode == 0
    done = _cli("rfm", postgres_url, "--table", "transactions", "--out", str(table_out))
    assert done.returncode == 0, done.stderr
    done = _cli("rfm", postgres_url, "--query", "SELECT customer_id, invoice_date, amount, invoice_id FROM "
                "transactions", "--out", str(query_out))
    assert done.returncode == 0, done.stderr
    expected = pd.read_csv(csv_out, dtype={"customer_id": str})
    pd.testing.assert_frame_equal(expected, pd.read_csv(table_out, dtype={"customer_id": str}))
    pd.testing.assert_frame_equal(expected, pd.read_csv(query_out, dtype={"customer_id": str}))


def test_cli_cohorts_and_kmeans_on_a_parquet_folder(tmp_path):
    folder = sd.parquet_folder(tmp_path / "tx", "transactions")
    out_csv, out_folder = tmp_path / "a.csv", tmp_path / "b.csv"
    assert _cli("cohorts", str(sd.SAMPLE / "transactions.csv"), "--out", str(out_csv)).returncode == 0
    done = _cli("cohorts", str(folder), "--out", str(out_folder))
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out_csv), pd.read_csv(out_folder))


@pytest.mark.parametrize("args, said", [
    (["--query", "DELETE FROM transactions"], "Only a SELECT"),
    (["--query", "SELECT 1; SELECT 2"], "2 statements"),
    (["--table", "nope"], "check the table name"),
    ([], "--table NAME"),
])
def test_cli_bad_sources_exit_2_with_one_line(postgres_url, tmp_path, args, said):
    sd.load_postgres(postgres_url)
    url = postgres_url.replace("tester@", "tester:hunter22@")
    done = _cli("rfm", url, *args, "--out", str(tmp_path / "o.csv"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and said in lines[0], done.stderr
    assert "hunter22" not in done.stderr + done.stdout


def test_cli_unreachable_database_exit_2(tmp_path):
    done = _cli("rfm", f"postgresql://ann:hunter22@127.0.0.1:{free_port()}/shop", "--table", "t", "--out",
                str(tmp_path / "o.csv"))
    assert done.returncode == 2 and "hunter22" not in done.stderr and done.stderr.startswith("error: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_plain_file_never_imports_ibis(tmp_path):
    source = tmp_path / "tx.csv"
    sd.frame("transactions").head(50).to_csv(source, index=False)
    code = ("import sys, segmentation.cli as cli\n"
            f"cli.main(['rfm', {str(source)!r}, '--id', 'customer_id', '--date', 'invoice_date', '--amount', "
            f"'amount', '--out', {str(tmp_path / 'o.csv')!r}])\n"
            "print('ibis' in sys.modules, 'sqlglot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "False False"


# -- the app ----------------------------------------------------------------------------------------------------
def test_app_connects_previews_and_loads_a_database_table(tmp_path):
    """Connect a DuckDB file, pick the transactions table, see its first rows, load it: the customer table comes
    from the database, and the password typed is gone from the session once connected."""
    from tests.apptest import app

    path = sd.duckdb_file(tmp_path / "shop.duckdb")
    at = app()
    at.run()
    at.text_input(key="connect_url").set_value(f"duckdb:///{path}")
    at.text_input(key="connect_password").set_value("hunter22")
    next(b for b in at.button if b.label == "Connect").click()
    at.run()
    assert not at.exception and not at.error
    assert "connect_password" not in at.session_state or at.session_state["connect_password"] in ("", None)
    at.selectbox(key="connect_table").set_value("transactions")
    at.run()
    preview = [d.value for d in at.dataframe]
    assert any(list(frame.columns) == ["invoice_id", "customer_id", "invoice_date", "amount"] for frame in preview)
    at.button(key="connect_load").click()
    at.run()
    assert not at.exception and not at.error
    data = at.session_state["dataset"]
    assert set(data.remote) == {"transactions"}
    # The sample's customers (loaded first) stay; their purchases now come from the database.
    expected = Dataset.read(customers=sd.SAMPLE / "customers.csv",
                            transactions=sd.SAMPLE / "transactions.csv").customer_table().frame
    pd.testing.assert_series_equal(data.customer_table().frame["monetary"].sort_index(),
                                   expected["monetary"].sort_index())


def test_app_connect_error_is_one_message_without_password():
    from tests.apptest import app

    at = app()
    at.run()
    at.text_input(key="connect_url").set_value(f"postgresql://ann:hunter22@127.0.0.1:{free_port()}/shop")
    next(b for b in at.button if b.label == "Connect").click()
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "check the host and port" in errors[0] and "hunter22" not in errors[0]
