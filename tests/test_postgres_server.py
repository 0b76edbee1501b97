"""The PostgreSQL the tests start is real and reachable, and is gone after the `with` block."""

import psycopg

from tests.postgres_server import running_postgres


def test_server_answers_sql_and_stops_after():
    with running_postgres("probe") as url:
        with psycopg.connect(url) as conn:
            assert conn.execute("select 1 + 1").fetchone() == (2,)
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return
    raise AssertionError("the server still answers after the block ended")


def test_session_server_fixture(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("create table if not exists t (x int)")
        assert conn.execute("select count(*) from t").fetchone() == (0,)
