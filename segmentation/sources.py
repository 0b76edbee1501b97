"""Sources: where a table lives when it is not one file in memory.

A source is a folder or glob of Parquet/CSV files, or a database URL with a table or a SELECT query:

    Source("exports/events/")                                    every Parquet (else CSV) file under the folder
    Source("exports/events/2024-*.parquet")                      a glob
    Source("postgresql://analyst@db:5432/shop", table="invoices")
    Source("duckdb:///data/shop.duckdb", query="SELECT * FROM invoices WHERE amount IS NOT NULL")
    Source("spark-local", table="events")                        PySpark in local mode; spark://host:7077 for a
                                                                 cluster, sc://host:15002 for Spark Connect
    Source("snowflake://user@account/db/schema", table="invoices")   anything `ibis.connect` accepts

Everything is read through Ibis (imported only here and in `queries/pushdown.py`, lazily: a plain file never
pays for it). `open_source` connects and gives a `Connected`: the live connection and the table as an Ibis
expression, which `queries/pushdown.py` aggregates inside the engine.

Safety, by design:

- A query must be one SELECT (or WITH ... SELECT) statement; anything else is refused before it reaches the
  database (`check_query`). Connections are read-only where the backend allows it (PostgreSQL sessions get
  default_transaction_read_only, DuckDB files are opened read_only).
- A password never appears in a message, a log line or a repr: it is taken out of the URL before anything else
  happens (`split_password`), handed to the driver only, and every message from a driver (which often echoes the
  connection string) goes through `redact`.
"""

from __future__ import annotations

import glob as _glob
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .errors import DataError

__all__ = ["Source", "Connected", "open_source", "is_source", "redact", "split_password", "check_query",
           "SPARK_LOCAL", "PREVIEW_ROWS", "source_of", "check_side_sources"]

SPARK_LOCAL = "spark-local"
PREVIEW_ROWS = 20

# scheme://user:password@host -> the password part (anything up to the last "@" before the host).
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<secret>[^\s@]*)(?P<tail>@)")
# libpq key=value connection strings and driver messages: password=..., password: '...'
_KV_PASSWORD = re.compile(r"(?P<head>\b(?:password|passwd|pwd)\s*[=:]\s*)(?P<secret>'[^']*'|\"[^\"]*\"|[^\s;,)]+)",
                          re.IGNORECASE)
_MASK = "***"


def redact(text: Any, secrets: tuple[str | None, ...] = ()) -> str:
    """`text` with every password hidden: in URLs (user:***@host), in key=value strings (password=***), and
    each of `secrets` (as written and URL-encoded) wherever it appears."""
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 3:  # a one- or two-letter "password" would mask ordinary letters
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote(secret))):
                out = out.replace(form, _MASK)
    out = _URL_PASSWORD.sub(lambda m: m["head"] + _MASK + m["tail"], out)
    return _KV_PASSWORD.sub(lambda m: m["head"] + _MASK, out)


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username
    netloc = f"{user}@{netloc}" if user else netloc
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), unquote(parts.password)


def is_source(location: Any) -> bool:
    """True when `location` is a URL, a folder or a glob rather than one file."""
    if isinstance(location, (Source, Connected)):
        return True
    if not isinstance(location, (str, Path)):
        return False
    text = str(location)
    if "://" in text or text == SPARK_LOCAL:
        return True
    return Path(text).is_dir() or any(ch in text for ch in "*?[")


_PASSWORDS: dict[str, str] = {}  # URL without password -> password, in this process's memory only


def keep_password(url: str) -> str:
    """`url` without its password, which `open_source` will use for that URL in this process: so that a
    command line's FILE can be named in every message and note without it."""
    bare, password = split_password(url) if "://" in url else (url, None)
    if password is not None:
        _PASSWORDS[bare] = password
    return bare


def source_of(args: Any) -> Any:
    """The command line's FILE with --table / --query: a `Source` when it is one, else the path as given."""
    table, query = getattr(args, "table", None), getattr(args, "query", None)
    if table or query or is_source(args.file):
        return Source(str(args.file), table=table, query=query)
    return args.file


SIDE_FILES = ("customers", "transactions", "events")  # options naming a command's other files


def check_side_sources(args: Any) -> None:
    """Every option naming another file (--customers, --transactions, --events) may be a file, a folder or a
    glob; a database URL is refused, since --table and --query name FILE's table only. Raises DataError."""
    for option in SIDE_FILES:
        value = getattr(args, option, None)
        if isinstance(value, str) and "://" in value:
            raise DataError(f"--{option} {redact(split_password(value)[0])}: a database table can be read only as "
                            f"FILE (with --table or --query); give --{option} as a file or a folder of Parquet "
                            "files, or export that table.")


# Statements a query may be made of: reading only.
_WRITES = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Into", "Copy", "Grant",
           "TruncateTable", "Set", "Use", "Pragma", "Transaction", "Commit", "Rollback", "Cache", "Uncache",
           "LoadData", "Refresh", "Kill", "Attach", "Detach", "Install", "Export")


def check_query(sql: str, dialect: str | None = None) -> str:
    """`sql` when it is one SELECT (or WITH ... SELECT, UNION ...) statement; DataError saying why otherwise."""
    import sqlglot
    from sqlglot import exp

    text = (sql or "").strip().rstrip(";").strip()
    if not text:
        raise DataError("The query is empty: write one SELECT statement.")
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
        raise DataError(f"The query cannot be read as SQL ({first}); write one SELECT statement.") from None
    if len(statements) != 1:
        raise DataError(f"The query holds {len(statements)} statements; write exactly one SELECT statement.")
    tree = statements[0]
    kinds = tuple(getattr(exp, name) for name in _WRITES if hasattr(exp, name))
    if not isinstance(tree, exp.Query) or any(isinstance(node, kinds) for node in tree.walk()):
        word = text.split(None, 1)[0].upper()
        raise DataError(f"Only a SELECT query can be read (this one is {word} ...): the workbench never changes "
                        "a database.")
    return text


@dataclass(frozen=True)
class Source:
    """Where a table lives: a folder, a glob or a database URL (without a password), and a table or a query."""

    location: str
    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        location = str(self.location)
        if "://" in location:
            location, _ = split_password(location)  # a Source never holds a password; `open_source` takes it
        object.__setattr__(self, "location", location)
        if self.table and self.query:
            raise DataError("Give a table or a query, not both.")

    @property
    def kind(self) -> str:
        """"spark", "database" or "files"."""
        if self.location == SPARK_LOCAL or self.scheme in ("spark", "sc"):
            return "spark"
        return "database" if "://" in self.location else "files"

    @property
    def scheme(self) -> str:
        return self.location.split("://", 1)[0].lower() if "://" in self.location else ""

    @property
    def name(self) -> str:
        """For people: "invoices in postgresql://analyst@db:5432/shop" (never a password)."""
        where = redact(self.location)
        if self.table:
            return f"{self.table} in {where}"
        if self.query:
            shown = " ".join(self.query.split())
            return f"query ({shown[:60]}{'...' if len(shown) > 60 else ''}) on {where}"
        return where

    def __repr__(self) -> str:
        return f"Source({self.name!r})"


@dataclass(frozen=True, eq=False)
class Connected:
    """A source with its live connection (an Ibis backend) and the table as an Ibis expression.

    The password, if any, lives only inside the driver's connection: not here, not in any message."""

    source: Source
    backend: Any = field(repr=False)
    expr: Any = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # only to mask driver messages; never shown

    @property
    def name(self) -> str:
        return self.source.name

    def columns(self) -> dict[str, str]:
        with errors(self):
            return {name: str(dtype) for name, dtype in self.expr.schema().items()}

    def head(self, n: int = PREVIEW_ROWS):
        """The first `n` rows as a DataFrame (the engine's choice of first, where rows have no order)."""
        with errors(self):
            return _to_pandas(self.expr.limit(int(n)))

    def to_pandas(self, *, max_rows: int = 5_000_000):
        """The whole table, refused beyond `max_rows` (what is pulled local must stay a customer table)."""
        with errors(self):
            count = int(self.expr.count().execute())
            if count > max_rows:
                raise DataError(f"{self.name} has {count:,} rows; at most {max_rows:,} are read into memory. Give "
                                "a query that returns one row per customer.")
            return _to_pandas(self.expr)

    def tables(self) -> list[str]:
        """The tables and views the connection can read (a folder has one: its files)."""
        if self.source.kind == "files":
            return []
        with errors(self):
            return sorted(self.backend.list_tables())

    def with_table(self, table: str | None = None, query: str | None = None) -> Connected:
        """The same live connection reading another table or query (the app's table picker)."""
        source = Source(self.source.location, table=table, query=query)
        if source.kind != "files" and not (table or query):
            raise DataError(f"{redact(source.location)}: pick a table or write a query.")
        if query:
            check_query(query, _DIALECTS.get(source.scheme))
        with errors(source, self.secrets):
            if source.kind == "files":
                expr = self.expr if not query else _files_query(self.backend, self.expr, query)
            elif query and source.scheme in ("postgresql", "postgres"):
                expr = self.backend.sql(query, schema=_postgres_schema(self.backend, query))
            else:
                expr = self.backend.sql(query) if query else self.backend.table(table)
        return Connected(source, self.backend, expr, self.secrets)

    def execute(self, expr):
        """Run an Ibis expression on this connection: a DataFrame (a table) or a value (a scalar)."""
        with errors(self):
            out = expr.execute()
        return out

    def __repr__(self) -> str:
        return f"Connected({self.name!r})"


def _to_pandas(expr):
    """A table as the file readers give it: dates as datetime64[ns], exact decimals as floats."""
    import datetime
    import decimal

    import pandas as pd

    frame = expr.execute()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            frame[column] = values.astype("datetime64[ns]")
        elif values.dtype == object:
            first = values.dropna().iloc[0] if values.notna().any() else None
            if isinstance(first, decimal.Decimal):
                frame[column] = pd.to_numeric(values.map(lambda v: None if v is None else float(v)))
            elif isinstance(first, datetime.date):
                frame[column] = pd.to_datetime(values).astype("datetime64[ns]")
            elif values.isna().any():  # missing text is NaN in what the file readers give
                frame[column] = values.where(values.notna(), float("nan"))
    return frame


@contextmanager
def errors(where: Connected | Source | str, secrets: tuple[str, ...] = ()):
    """Turn any driver exception into one DataError naming the source, with every password masked."""
    name = where.name if hasattr(where, "name") else redact(str(where))
    masks = (*secrets, *getattr(where, "secrets", ()))
    try:
        yield
    except DataError as exc:
        raise DataError(redact(str(exc), masks)) from None
    except Exception as exc:  # drivers raise their own types; none of them may leave as a traceback
        raise DataError(f"{name}: {_reason(exc, masks)}") from None


def _reason(exc: BaseException, masks: tuple[str, ...]) -> str:
    text = str(exc).strip() or type(exc).__name__
    # Drivers put the useful line first (psycopg: 'connection failed: ...'), then context and hints.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    lowered = text.lower()
    hint = ""
    if "notfound" in type(exc).__name__.lower() or isinstance(exc, KeyError):
        text, hint = f"there is no table {text.strip(chr(39))!r}", "; check the table name (--table) or the query"
    elif "connection refused" in lowered or "could not connect" in lowered or "timeout" in lowered:
        hint = "; check the host and port, and that the database accepts connections from here"
    elif "password authentication failed" in lowered or ("role" in lowered and "does not exist" in lowered):
        hint = "; check the user name and password"
    elif "database" in lowered and "does not exist" in lowered:
        hint = "; check the database name at the end of the URL"
    elif "does not exist" in lowered or "not found" in lowered or "no such table" in lowered:
        hint = "; check the table name (--table) or the query"
    return redact(text[:300], masks) + hint


# -- connecting ---------------------------------------------------------------------------------------
def open_source(location: Source | str | Path, *, table: str | None = None, query: str | None = None,
                password: str | None = None) -> Connected:
    """Connect to a source and name its table. A password comes in `password` or inside the URL; it is handed
    to the driver and forgotten. Raises DataError naming the source (password masked) when anything fails."""
    if isinstance(location, Connected):
        return location
    if isinstance(location, Source):
        source, url_password = location, None
        table, query = location.table, location.query
    else:
        text = str(location)
        url_password = split_password(text)[1] if "://" in text else None
        source = Source(text, table=table, query=query)
    secret = password or url_password or _PASSWORDS.get(source.location)
    secrets = (secret,) if secret else ()
    if source.kind in ("database", "spark") and not (source.table or source.query):
        raise DataError(f"{source.name}: say which table to read (--table NAME) or give a query (--query SQL).")
    if source.query:
        check_query(source.query, _DIALECTS.get(source.scheme))
    with errors(source, secrets):
        backend, expr = _connect(source, secret)
    return Connected(source, backend, expr, secrets)


_DIALECTS = {"postgresql": "postgres", "postgres": "postgres", "duckdb": "duckdb", "spark": "spark", "sc": "spark",
             "snowflake": "snowflake", "bigquery": "bigquery", "trino": "trino", "mysql": "mysql",
             "databricks": "databricks", "clickhouse": "clickhouse", "mssql": "tsql", "oracle": "oracle"}


def _connect(source: Source, password: str | None):
    import ibis

    if source.kind == "files":
        return _files(source)
    if source.kind == "spark":
        backend = ibis.pyspark.connect(spark_session(source.location))
    elif source.scheme in ("postgresql", "postgres"):
        parts = urlsplit(source.location)
        backend = ibis.postgres.connect(
            host=parts.hostname or "localhost", port=parts.port or 5432, user=unquote(parts.username or "") or None,
            password=password, database=unquote(parts.path.lstrip("/")) or None, connect_timeout=10,
            # Read-only by design: every transaction of this session refuses to write.
            options="-c default_transaction_read_only=on")
    elif source.scheme == "duckdb":
        path = source.location.split("://", 1)[1]  # duckdb:///abs/shop.duckdb or duckdb://rel.duckdb
        if not Path(path).is_file():
            raise DataError(f"{source.name}: no such DuckDB file.")
        backend = ibis.duckdb.connect(path, read_only=True)
    else:
        url = source.location
        if password:
            parts = urlsplit(url)
            user = quote(parts.username or "", safe="")
            url = urlunsplit((parts.scheme, f"{user}:{quote(password, safe='')}@{parts.netloc}", parts.path,
                              parts.query, parts.fragment))
        backend = ibis.connect(url)
    if not source.query:
        return backend, backend.table(source.table)
    if source.scheme in ("postgresql", "postgres"):
        # Ibis learns a query's columns from a temporary view, which a read-only session cannot create: ask
        # PostgreSQL for the columns of zero rows instead.
        return backend, backend.sql(source.query, schema=_postgres_schema(backend, source.query))
    return backend, backend.sql(source.query)


def _postgres_schema(backend, query: str):
    import ibis
    from ibis.backends.sql.datatypes import PostgresType

    with backend.con.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({query}) AS _q LIMIT 0")
        described = [(d.name, d.type_code) for d in cursor.description]
        types = dict(cursor.execute("SELECT oid, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)",
                                    ([oid for _, oid in described],)).fetchall())
    backend.con.rollback()
    return ibis.schema({name: PostgresType.from_string(types[oid]) for name, oid in described})


def _files(source: Source):
    import ibis

    location = source.location
    folder = Path(location)
    pattern = location
    if folder.is_dir():
        found = sorted(folder.rglob("*.parquet"))
        pattern = str(folder / "**" / "*.parquet") if found else str(folder / "**" / "*.csv")
        if not found and not list(folder.rglob("*.csv")):
            raise DataError(f"{location}: the folder holds no Parquet or CSV file.")
    elif not _glob.glob(location, recursive=True):
        raise DataError(f"{location}: no file matches.")
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET threads TO 2")  # this machine's cores, shared with the app (as queries.run)
    backend.raw_sql("SET TimeZone = 'UTC'")
    if pattern.lower().endswith(".parquet"):
        expr = backend.read_parquet(pattern, union_by_name=True)
    else:
        expr = backend.read_csv(pattern, union_by_name=True)
    if source.query:  # a query over the files: FROM source
        expr = _files_query(backend, expr, source.query)
    return backend, expr


def _files_query(backend, files, query: str):
    backend.create_view("source", files, overwrite=True)
    return backend.sql(query)


_SPARK: dict[str, Any] = {}


def spark_session(location: str = SPARK_LOCAL):
    """A SparkSession for `location`: "spark-local" (local mode, one core, UI off: this machine's size),
    spark://host:port (a cluster) or sc://host:port (Spark Connect). One per location per process."""
    if location in _SPARK:
        return _SPARK[location]
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("segmentation")
    if location == SPARK_LOCAL:
        # One core, one shuffle partition (each partition is a task: on one core more only adds overhead), a
        # small driver heap and no UI: a JVM that starts fast beside the app on a small machine.
        builder = (builder.master("local[1]").config("spark.ui.enabled", "false")
                   .config("spark.sql.shuffle.partitions", "1").config("spark.driver.memory", "512m")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.sql.session.timeZone", "UTC"))
    elif location.lower().startswith("sc://"):
        builder = builder.remote(location)
    else:
        builder = builder.master(location)
    _SPARK[location] = builder.getOrCreate()
    return _SPARK[location]
