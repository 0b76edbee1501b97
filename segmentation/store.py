"""Saved workspaces: what a user loaded, confirmed and decided, kept in an embedded database.

A workspace holds the loaded tables (each as Parquet bytes, with its name, kind and how it was read),
the confirmed roles, the segmentation (its recipe and labels), the segment names, the action plan,
the outcome and segment settings, a free-form settings dict, and dated snapshots of later exports
scored with the same segments (the history, see `segmentation.history`).

    store = open_store()                                   # SEGMENTATION_STORE, else .streamlit/workspaces.duckdb
    info = store.save(Workspace(name="Q3 churn", dataset=data, segmentation=segments))
    again = store.open(info.id)                            # the latest version
    store.add_snapshot(info.id, labels, revenue=mrr, taken_at="2024-07-31", source="july.csv")

The store is a DuckDB file by default (nothing to install, created on first use), or PostgreSQL when
`SEGMENTATION_STORE=postgresql://...`, with the same tables. Each save is one transaction, so a crash
halfway leaves the previous version; a DuckDB file is opened per operation, never held, so several
sessions and processes take turns instead of locking each other out. The schema carries its version
(table `schema_version`) and older files are brought up to date by ordered migrations on first open.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError

_DUCKDB_TURNS = threading.RLock()

__all__ = ["STORE_ENV", "DEFAULT_PATH", "SCHEMA_VERSION", "Workspace", "WorkspaceInfo", "Snapshot", "Store",
           "WorkspaceNotFound", "open_store", "store_location"]

STORE_ENV = "SEGMENTATION_STORE"
DEFAULT_PATH = Path(".streamlit") / "workspaces.duckdb"
# Versions kept per workspace: enough to step back from a bad save, bounded so autosaves do not grow the file.
KEEP_VERSIONS = 20
# How long a DuckDB operation waits for another process to finish with the file before saying so.
LOCK_WAIT_SECONDS = 20.0
_ROW_NUMBERS = "__row_number__"  # the Table's spreadsheet row numbers travel as one more Parquet column


class WorkspaceNotFound(DataError):
    """No such workspace, or not one this user may see."""


# -- values ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkspaceInfo:
    """One row of the workspace list: who owns it, who it is shared with, and its latest version."""

    id: str
    name: str
    owner: str | None = None
    shared_with: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class Workspace:
    """What a user loaded, confirmed and decided; every part but the name may be absent.

    dataset          a `segmentation.dataset.Dataset`: tables by kind, their roles, where the customers came from.
    segmentation     the current `Segmentation`, labels included (its recipe re-applies it; Track uses it).
    segment_names    the names the user gave: the method's own name -> the name shown.
    action_plan      one row per segment (`segmentation.actions.PLAN_COLUMNS`).
    outcome          the outcome the segments are judged by, e.g. {"column": "churned", "kind": "churn"}.
    segment_settings the Segment page's inputs (method, variables, k, transforms, rules text, ...).
    settings         anything else worth keeping (health-score settings, ...): JSON-able values.
    id, version, owner, shared_with, saved_at: filled in by the store.
    """

    name: str
    dataset: Any = None
    segmentation: Any = None
    segment_names: Mapping[str, str] = field(default_factory=dict)
    action_plan: pd.DataFrame | None = None
    outcome: Mapping[str, Any] = field(default_factory=dict)
    segment_settings: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    version: int = 0
    owner: str | None = None
    shared_with: tuple[str, ...] = ()
    saved_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """A newer export scored with the workspace's segments, as it stood on `taken_at`.

    frame  indexed by customer id (text): `segment`, and `revenue` (NaN when the export has no money column).
    """

    id: int
    taken_at: pd.Timestamp
    source: str
    segments: tuple[str, ...]
    frame: pd.DataFrame
    added_at: datetime | None = None

    @property
    def labels(self) -> pd.Series:
        return self.frame["segment"]

    @property
    def label(self) -> str:
        """How the snapshot is named on screen: its date, and its source when two share a date."""
        return f"{self.taken_at:%Y-%m-%d} · {self.source}" if self.source else f"{self.taken_at:%Y-%m-%d}"


# -- the schema -----------------------------------------------------------------------------------
# Ordered migrations: migration n brings a store at schema version n-1 to version n. `{blob}` is the
# bytes type of the engine (DuckDB BLOB, PostgreSQL BYTEA). Never edit a released migration: add one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: workspaces, their versions and the table bytes they refer to
        "CREATE TABLE workspaces (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMP, "
        "updated_at TIMESTAMP)",
        "CREATE TABLE versions (workspace_id TEXT NOT NULL, version INTEGER NOT NULL, saved_at TIMESTAMP, "
        "payload TEXT NOT NULL, PRIMARY KEY (workspace_id, version))",
        "CREATE TABLE blobs (digest TEXT PRIMARY KEY, data {blob} NOT NULL)",
        "CREATE TABLE refs (workspace_id TEXT NOT NULL, version INTEGER NOT NULL, digest TEXT NOT NULL)",
    ),
    (  # 2: owners and sharing (login), snapshots (history), and small facts such as the last workspace opened
        "ALTER TABLE workspaces ADD COLUMN owner TEXT",
        "ALTER TABLE workspaces ADD COLUMN shared_with TEXT",
        "UPDATE workspaces SET shared_with = '[]' WHERE shared_with IS NULL",
        "CREATE TABLE snapshots (workspace_id TEXT NOT NULL, id INTEGER NOT NULL, taken_at TIMESTAMP NOT NULL, "
        "added_at TIMESTAMP, source TEXT, segments TEXT NOT NULL, digest TEXT NOT NULL, "
        "PRIMARY KEY (workspace_id, id))",
        "CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


def store_location(location: str | os.PathLike | None = None) -> str:
    """Where the store lives: `location`, else $SEGMENTATION_STORE, else .streamlit/workspaces.duckdb under
    the working directory (a path, or a postgresql:// URL)."""
    chosen = location if location is not None else os.environ.get(STORE_ENV) or DEFAULT_PATH
    text = str(chosen)
    return text if _is_postgres(text) else str(Path(text).expanduser().resolve())


def open_store(location: str | os.PathLike | None = None) -> Store:
    """The store at `store_location(location)`; its schema is created or migrated on first use."""
    return Store(store_location(location))


def _is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()


class Store:
    """Workspaces in one DuckDB file or one PostgreSQL database; see the module docstring.

    `user` arguments: None when login is off (every workspace is visible); else the signed-in user, who
    sees their own workspaces, those shared with them and those without an owner (saved with login off).
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.postgres = _is_postgres(location)

    def __repr__(self) -> str:
        return f"Store({self.describe()!r})"

    def describe(self) -> str:
        """The location for people: the file path, or the database URL without its password."""
        if not self.postgres:
            return self.location
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.location)
        host = parts.hostname or ""
        netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    # -- connections --------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        """One transaction on a connection opened for it alone: committed when the block ends, rolled back
        when it raises (or never committed when the process dies inside it)."""
        self._migrate()
        with self._connect() as cursor:
            yield cursor

    @contextmanager
    def _connect(self) -> Iterator[_Cursor]:
        if self.postgres:
            import psycopg

            try:
                conn = psycopg.connect(self.location, connect_timeout=10)
            except psycopg.OperationalError as exc:
                raise DataError(f"Cannot reach the workspace store {self.describe()}: {exc}".strip()) from None
            try:
                with conn.transaction():
                    yield _Cursor(conn, postgres=True)
            finally:
                conn.close()
            return
        # Sessions of one server are threads of one process: two of them attaching the same file at the same
        # moment make DuckDB refuse the second ("Unique file handle conflict"), so they take turns here; other
        # processes are kept apart by the file's own lock (`_duckdb` waits for it).
        with _DUCKDB_TURNS:
            conn = self._duckdb()
            try:
                conn.begin()
                yield _Cursor(conn, postgres=False)
                conn.commit()
            except BaseException:
                try:
                    conn.rollback()
                except Exception:  # the transaction may already be gone; the exception that matters is below
                    pass
                raise
            finally:
                conn.close()

    def _duckdb(self):
        import duckdb

        path = Path(self.location)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"Cannot create the folder for the workspace store {path}: {exc.strerror}; set "
                            f"{STORE_ENV} to a writable path.") from None
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(path))
            except duckdb.IOException as exc:
                # Another process has the file open for a moment (one writer at a time): wait our turn.
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise DataError(f"Cannot open the workspace store {path}: {exc}") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _migrate(self) -> None:
        if self.location in _MIGRATED:
            return
        with _MIGRATE_LOCK:
            if self.location in _MIGRATED:
                return
            with self._connect() as cursor:
                if self.postgres:  # two servers starting at once must not both create the tables
                    cursor.execute("SELECT pg_advisory_xact_lock(715517)")
                current = self._schema_version(cursor)
                if current > SCHEMA_VERSION:
                    raise DataError(f"The workspace store {self.describe()} was written by a newer version of this "
                                    f"tool (schema {current}, this one knows {SCHEMA_VERSION}); upgrade to open it.")
                blob = "BYTEA" if self.postgres else "BLOB"
                for number in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[number - 1]:
                        cursor.execute(statement.format(blob=blob))
                if current < SCHEMA_VERSION:
                    cursor.execute("DELETE FROM schema_version")
                    cursor.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
            _MIGRATED.add(self.location)

    @staticmethod
    def _schema_version(cursor: _Cursor) -> int:
        cursor.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = cursor.one("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    def schema_version(self) -> int:
        with self._transaction() as cursor:
            return self._schema_version(cursor)

    # -- workspaces ---------------------------------------------------------------------------------
    def save(self, workspace: Workspace, *, user: str | None = None) -> WorkspaceInfo:
        """Save `workspace` as a new version (a new workspace when its id is None or unknown); returns its
        row. One transaction: a crash before it ends leaves the previous version as it was."""
        payload, blobs = _encode(workspace)
        now = _now()
        with self._transaction() as cursor:
            known = workspace.id is not None and self._info(cursor, workspace.id) is not None
            if known:
                self._check_owner(cursor, workspace.id, user, "save")
                workspace_id = workspace.id
                cursor.execute("UPDATE workspaces SET name = ?, updated_at = ? WHERE id = ?",
                               [workspace.name, now, workspace_id])
            else:
                workspace_id = workspace.id or uuid.uuid4().hex[:12]
                cursor.execute("INSERT INTO workspaces (id, name, created_at, updated_at, owner, shared_with) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               [workspace_id, workspace.name, now, now, user if user is not None else
                                workspace.owner, json.dumps(list(workspace.shared_with))])
            row = cursor.one("SELECT max(version) FROM versions WHERE workspace_id = ?", [workspace_id])
            version = int(row[0] or 0) + 1
            for digest, encode in blobs.items():
                self._put_blob(cursor, digest, encode)
            cursor.execute("INSERT INTO versions (workspace_id, version, saved_at, payload) VALUES (?, ?, ?, ?)",
                           [workspace_id, version, now, json.dumps(payload)])
            for digest in blobs:
                cursor.execute("INSERT INTO refs (workspace_id, version, digest) VALUES (?, ?, ?)",
                               [workspace_id, version, digest])
            self._prune(cursor, workspace_id, version)
            return self._info(cursor, workspace_id)

    def open(self, workspace_id: str, *, user: str | None = None, version: int | None = None) -> Workspace:
        """The latest version of a workspace (or `version`). Raises WorkspaceNotFound when there is none
        this user may see."""
        with self._transaction() as cursor:
            info = self._visible(cursor, workspace_id, user)
            if version is None:
                row = cursor.one("SELECT version, saved_at, payload FROM versions WHERE workspace_id = ? "
                                 "ORDER BY version DESC LIMIT 1", [workspace_id])
            else:
                row = cursor.one("SELECT version, saved_at, payload FROM versions WHERE workspace_id = ? AND "
                                 "version = ?", [workspace_id, int(version)])
            if row is None:
                raise WorkspaceNotFound(f"Workspace {info.name!r} has no saved version"
                                        + (f" {version}." if version is not None else "."))
            payload = json.loads(row[2])
            digests = _digests(payload)
            data = {digest: self._blob(cursor, digest) for digest in digests}
        return replace(_decode(payload, data), id=info.id, version=int(row[0]), owner=info.owner,
                       shared_with=info.shared_with, saved_at=row[1])

    def info(self, workspace_id: str, *, user: str | None = None) -> WorkspaceInfo:
        with self._transaction() as cursor:
            return self._visible(cursor, workspace_id, user)

    def list(self, *, user: str | None = None) -> list[WorkspaceInfo]:
        """The workspaces this user may open, the most recently saved first."""
        with self._transaction() as cursor:
            rows = cursor.all("SELECT id FROM workspaces ORDER BY updated_at DESC, name")
            infos = [self._info(cursor, row[0]) for row in rows]
        return [info for info in infos if _may_see(info, user)]

    def find(self, name: str, *, user: str | None = None) -> WorkspaceInfo | None:
        """The workspace this user may see called `name` (the latest saved when several are), or None."""
        return next((info for info in self.list(user=user) if info.name == name), None)

    def versions(self, workspace_id: str, *, user: str | None = None) -> list[tuple[int, datetime]]:
        with self._transaction() as cursor:
            self._visible(cursor, workspace_id, user)
            return [(int(v), saved) for v, saved in cursor.all(
                "SELECT version, saved_at FROM versions WHERE workspace_id = ? ORDER BY version", [workspace_id])]

    def rename(self, workspace_id: str, name: str, *, user: str | None = None) -> WorkspaceInfo:
        name = _checked_name(name)
        with self._transaction() as cursor:
            self._check_owner(cursor, workspace_id, user, "rename")
            cursor.execute("UPDATE workspaces SET name = ?, updated_at = ? WHERE id = ?", [name, _now(), workspace_id])
            return self._info(cursor, workspace_id)

    def share(self, workspace_id: str, users: Sequence[str], *, user: str | None = None) -> WorkspaceInfo:
        """Let the named users open (and save) the workspace; only its owner may say who."""
        with self._transaction() as cursor:
            self._check_owner(cursor, workspace_id, user, "share", owner_only=True)
            cursor.execute("UPDATE workspaces SET shared_with = ? WHERE id = ?",
                           [json.dumps(sorted(set(map(str, users)))), workspace_id])
            return self._info(cursor, workspace_id)

    def duplicate(self, workspace_id: str, name: str | None = None, *, user: str | None = None) -> WorkspaceInfo:
        """A new workspace holding a copy of the latest version and the snapshots, owned by `user`."""
        with self._transaction() as cursor:
            info = self._visible(cursor, workspace_id, user)
            new_id = uuid.uuid4().hex[:12]
            now = _now()
            cursor.execute("INSERT INTO workspaces (id, name, created_at, updated_at, owner, shared_with) "
                           "VALUES (?, ?, ?, ?, ?, '[]')",
                           [new_id, _checked_name(name or f"{info.name} (copy)"), now, now,
                            user if user is not None else info.owner])
            latest = cursor.one("SELECT version, payload FROM versions WHERE workspace_id = ? ORDER BY version "
                                "DESC LIMIT 1", [workspace_id])
            if latest is not None:
                cursor.execute("INSERT INTO versions (workspace_id, version, saved_at, payload) VALUES (?, 1, ?, ?)",
                               [new_id, now, latest[1]])
                for (digest,) in cursor.all("SELECT DISTINCT digest FROM refs WHERE workspace_id = ? AND "
                                            "version = ?", [workspace_id, latest[0]]):
                    cursor.execute("INSERT INTO refs (workspace_id, version, digest) VALUES (?, 1, ?)",
                                   [new_id, digest])
            cursor.execute("INSERT INTO snapshots (workspace_id, id, taken_at, added_at, source, segments, digest) "
                           "SELECT ?, id, taken_at, added_at, source, segments, digest FROM snapshots "
                           "WHERE workspace_id = ?", [new_id, workspace_id])
            return self._info(cursor, new_id)

    def delete(self, workspace_id: str, *, user: str | None = None) -> None:
        """Delete a workspace, its versions and snapshots (only its owner may, when it has one)."""
        with self._transaction() as cursor:
            self._check_owner(cursor, workspace_id, user, "delete", owner_only=True)
            for table in ("refs", "versions", "snapshots"):
                cursor.execute(f"DELETE FROM {table} WHERE workspace_id = ?", [workspace_id])
            cursor.execute("DELETE FROM workspaces WHERE id = ?", [workspace_id])
            cursor.execute("DELETE FROM facts WHERE value = ? AND key LIKE 'last_workspace%'", [workspace_id])
            self._collect(cursor)

    # -- the last workspace opened ------------------------------------------------------------------
    def remember_last(self, workspace_id: str | None, *, user: str | None = None) -> None:
        """Remember the workspace this user has open, so the app reopens it after a restart."""
        key = f"last_workspace:{user}" if user is not None else "last_workspace"
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM facts WHERE key = ?", [key])
            if workspace_id is not None:
                cursor.execute("INSERT INTO facts (key, value) VALUES (?, ?)", [key, workspace_id])

    def last_opened(self, *, user: str | None = None) -> WorkspaceInfo | None:
        key = f"last_workspace:{user}" if user is not None else "last_workspace"
        with self._transaction() as cursor:
            row = cursor.one("SELECT value FROM facts WHERE key = ?", [key])
            info = self._info(cursor, row[0]) if row else None
        return info if info is not None and _may_see(info, user) else None

    # -- snapshots ----------------------------------------------------------------------------------
    def add_snapshot(self, workspace_id: str, labels: pd.Series, *, revenue: pd.Series | None = None,
                     taken_at: Any = None, source: str = "", segments: Sequence[str] | None = None,
                     user: str | None = None) -> Snapshot:
        """Keep the labels (customer id -> segment) and revenue of an export scored with the workspace's
        segments, dated `taken_at` (default today). A snapshot of the same date and source replaces the
        older one, so re-running a nightly job does not count a day twice."""
        frame = _snapshot_frame(labels, revenue)
        when = pd.Timestamp(taken_at if taken_at is not None else _now()).normalize()
        names = list(segments) if segments is not None else list(pd.unique(frame["segment"].astype(str)))
        data = _parquet(frame)
        digest = hashlib.sha256(data).hexdigest()
        with self._transaction() as cursor:
            self._check_owner(cursor, workspace_id, user, "add a snapshot to")
            cursor.execute("DELETE FROM snapshots WHERE workspace_id = ? AND taken_at = ? AND source = ?",
                           [workspace_id, when.to_pydatetime(), source])
            row = cursor.one("SELECT max(id) FROM snapshots WHERE workspace_id = ?", [workspace_id])
            number = int(row[0] or 0) + 1
            self._put_blob(cursor, digest, lambda: data)
            cursor.execute("INSERT INTO snapshots (workspace_id, id, taken_at, added_at, source, segments, digest) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [workspace_id, number, when.to_pydatetime(), _now(), source, json.dumps(names), digest])
            cursor.execute("UPDATE workspaces SET updated_at = ? WHERE id = ?", [_now(), workspace_id])
            self._collect(cursor)
        return Snapshot(number, when, source, tuple(names), frame)

    def snapshots(self, workspace_id: str, *, user: str | None = None) -> list[Snapshot]:
        """The workspace's snapshots, oldest first."""
        with self._transaction() as cursor:
            self._visible(cursor, workspace_id, user)
            rows = cursor.all("SELECT id, taken_at, source, segments, digest, added_at FROM snapshots "
                              "WHERE workspace_id = ? ORDER BY taken_at, id", [workspace_id])
            data = {row[4]: self._blob(cursor, row[4]) for row in rows}
        return [Snapshot(int(number), pd.Timestamp(taken), source or "", tuple(json.loads(segments)),
                         _frame(data[digest]), added) for number, taken, source, segments, digest, added in rows]

    def delete_snapshot(self, workspace_id: str, snapshot_id: int, *, user: str | None = None) -> None:
        with self._transaction() as cursor:
            self._check_owner(cursor, workspace_id, user, "change")
            cursor.execute("DELETE FROM snapshots WHERE workspace_id = ? AND id = ?", [workspace_id, int(snapshot_id)])
            self._collect(cursor)

    # -- inside a transaction -----------------------------------------------------------------------
    def _put_blob(self, cursor: _Cursor, digest: str, encode: Callable[[], bytes]) -> None:
        """Write the bytes of `digest` unless the store has them (the same table saved twice is kept once)."""
        if cursor.one("SELECT 1 FROM blobs WHERE digest = ?", [digest]) is None:
            cursor.execute("INSERT INTO blobs (digest, data) VALUES (?, ?)", [digest, encode()])

    @staticmethod
    def _blob(cursor: _Cursor, digest: str) -> bytes:
        row = cursor.one("SELECT data FROM blobs WHERE digest = ?", [digest])
        if row is None:
            raise DataError(f"The workspace store lacks the saved table {digest[:12]}; it may have been edited by "
                            "hand. Open an older version or save the workspace again.")
        return bytes(row[0])

    def _prune(self, cursor: _Cursor, workspace_id: str, version: int) -> None:
        oldest = version - KEEP_VERSIONS
        if oldest < 1:
            return
        cursor.execute("DELETE FROM refs WHERE workspace_id = ? AND version <= ?", [workspace_id, oldest])
        cursor.execute("DELETE FROM versions WHERE workspace_id = ? AND version <= ?", [workspace_id, oldest])
        self._collect(cursor)

    @staticmethod
    def _collect(cursor: _Cursor) -> None:
        """Drop the bytes no version and no snapshot refers to any more."""
        cursor.execute("DELETE FROM blobs WHERE digest NOT IN (SELECT digest FROM refs) AND "
                       "digest NOT IN (SELECT digest FROM snapshots)")

    @staticmethod
    def _info(cursor: _Cursor, workspace_id: str) -> WorkspaceInfo | None:
        row = cursor.one("SELECT id, name, owner, shared_with, created_at, updated_at FROM workspaces WHERE id = ?",
                         [workspace_id])
        if row is None:
            return None
        latest = cursor.one("SELECT max(version) FROM versions WHERE workspace_id = ?", [workspace_id])
        return WorkspaceInfo(row[0], row[1], row[2], tuple(json.loads(row[3] or "[]")), row[4], row[5],
                             int(latest[0] or 0))

    def _visible(self, cursor: _Cursor, workspace_id: str, user: str | None) -> WorkspaceInfo:
        info = self._info(cursor, workspace_id)
        if info is None or not _may_see(info, user):
            raise WorkspaceNotFound(f"There is no workspace {workspace_id!r} in {self.describe()}"
                                    + (f" that {user} may open." if user is not None else "."))
        return info

    def _check_owner(self, cursor: _Cursor, workspace_id: str, user: str | None, what: str, *,
                     owner_only: bool = False) -> WorkspaceInfo:
        info = self._visible(cursor, workspace_id, user)
        if user is not None and info.owner is not None and info.owner != user and \
                (owner_only or user not in info.shared_with):
            raise DataError(f"Only {info.owner} may {what} workspace {info.name!r}.")
        return info


def _may_see(info: WorkspaceInfo, user: str | None) -> bool:
    return user is None or info.owner is None or info.owner == user or user in info.shared_with


def _checked_name(name: str) -> str:
    name = str(name or "").strip()
    if not name:
        raise DataError("Give the workspace a name.")
    return name


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class _Cursor:
    """One connection inside one transaction; SQL is written with `?` placeholders for both engines."""

    def __init__(self, conn, *, postgres: bool) -> None:
        self.conn, self.postgres = conn, postgres
        self._last = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if self.postgres:
            self._last = self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))
        else:
            self._last = self.conn.execute(sql, list(params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        self.execute(sql, params)
        return self._last.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self.execute(sql, params)
        return list(self._last.fetchall())


# -- encoding a workspace -------------------------------------------------------------------------
# Parquet digests of frames already encoded, by the frame's id (frames in a Dataset are never changed in
# place), so an autosave that only changed a name does not encode the tables again.
_DIGESTS: dict[int, tuple[weakref.ref, str]] = {}


def _parquet(frame: pd.DataFrame, *, what: str = "table") -> bytes:
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, engine="pyarrow", index=True, compression="zstd")
    except (ValueError, TypeError, ImportError) as exc:
        import pyarrow as pa

        if not isinstance(exc, (pa.ArrowException, ValueError, TypeError)):
            raise
        bad = next((str(c) for c in frame.columns if frame[c].dtype == object and
                    frame[c].dropna().map(type).nunique() > 1), None)
        where = f", column {bad!r} (it mixes numbers and text)" if bad else ""
        raise DataError(f"Cannot save {what}{where}: {exc}") from None
    return buffer.getvalue()


def _frame(data: bytes) -> pd.DataFrame:
    frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    # Parquet has one null; text read from a file marks a blank as NaN (as pandas does), so it comes back NaN.
    for column in frame.columns[frame.dtypes == object]:
        if frame[column].isna().any():
            frame[column] = frame[column].where(frame[column].notna(), np.nan)
    return frame


def _table_blob(frame: pd.DataFrame, *, what: str, rows: np.ndarray | None = None
                ) -> tuple[str, Callable[[], bytes]]:
    """(digest, encoder) for a frame (plus its row numbers); encoded once per frame, the digest remembered."""
    def full() -> pd.DataFrame:
        return frame.assign(**{_ROW_NUMBERS: rows}) if rows is not None else frame

    cached = _DIGESTS.get(id(frame))
    if cached is not None and cached[0]() is frame:
        return cached[1], lambda: _parquet(full(), what=what)
    data = _parquet(full(), what=what)
    digest = hashlib.sha256(data).hexdigest()
    try:
        _DIGESTS[id(frame)] = (weakref.ref(frame, lambda _, key=id(frame): _DIGESTS.pop(key, None)), digest)
    except TypeError:  # not every frame-like takes a weak reference; it is then encoded each time
        pass
    return digest, lambda: data


def _encode(workspace: Workspace) -> tuple[dict, dict[str, Callable[[], bytes]]]:
    """The JSON payload of a workspace and the bytes it refers to (digest -> encoder)."""
    from .result import _jsonable

    _checked_name(workspace.name)
    blobs: dict[str, Callable[[], bytes]] = {}
    payload: dict[str, Any] = {"name": workspace.name, "segment_names": dict(workspace.segment_names),
                               "outcome": _jsonable(dict(workspace.outcome)),
                               "segment_settings": _jsonable(dict(workspace.segment_settings)),
                               "settings": _jsonable(dict(workspace.settings))}
    data = workspace.dataset
    if data is not None:
        tables = []
        for kind, table in data.tables.items():
            rows = np.asarray(table.row_numbers)
            keep = len(rows) == len(table.frame) and _ROW_NUMBERS not in table.frame.columns
            digest, encode = _table_blob(table.frame, what=table.name, rows=rows if keep else None)
            blobs[digest] = encode
            meta = {f.name: getattr(table, f.name) for f in fields(table) if f.name not in ("frame", "row_numbers")}
            tables.append({"kind": kind, "digest": digest, "meta": _jsonable(meta)})
        payload["dataset"] = {"tables": tables, "customers_from": data.customers_from, "source": data.source,
                              "roles": {kind: role_map.to_dict() for kind, role_map in data.roles.items()}}
    segmentation = workspace.segmentation
    if segmentation is not None:
        labels = segmentation.labels.rename("segment").to_frame()
        labels.index = labels.index.astype(str).rename("customer_id")
        digest, encode = _table_blob(labels.astype({"segment": str}), what="the segment labels")
        blobs[digest] = encode
        entry = {"recipe": segmentation.to_recipe(), "labels": digest}
        if segmentation.scores is not None:
            scores = segmentation.scores.copy()
            scores.index = scores.index.astype(str)
            scores.columns = scores.columns.astype(str)
            digest, encode = _table_blob(scores, what="the segment scores")
            blobs[digest] = encode
            entry["scores"] = digest
        payload["segmentation"] = entry
    if workspace.action_plan is not None:
        payload["action_plan"] = json.loads(workspace.action_plan.astype(object).where(
            workspace.action_plan.notna(), None).to_json(orient="split", index=False))
    return payload, blobs


def _digests(payload: Mapping[str, Any]) -> list[str]:
    out = [t["digest"] for t in payload.get("dataset", {}).get("tables", [])]
    entry = payload.get("segmentation") or {}
    out += [entry[k] for k in ("labels", "scores") if k in entry]
    return out


def _decode(payload: Mapping[str, Any], data: Mapping[str, bytes]) -> Workspace:
    from .dataset import Dataset
    from .io import Table
    from .result import Segmentation

    dataset = None
    if "dataset" in payload:
        spec = payload["dataset"]
        tables = {}
        for entry in spec["tables"]:
            frame = _frame(data[entry["digest"]])
            rows = np.empty(0, dtype="int64")
            if _ROW_NUMBERS in frame.columns:
                rows = frame[_ROW_NUMBERS].to_numpy(dtype="int64")
                frame = frame.drop(columns=_ROW_NUMBERS)
            known = {f.name for f in fields(Table)}
            meta = {k: v for k, v in entry["meta"].items() if k in known}
            for key in ("sheets", "ambiguous_dates", "notes"):
                if key in meta:
                    meta[key] = tuple(meta[key])
            tables[entry["kind"]] = Table(frame=frame, row_numbers=rows, **meta)
        roles = {kind: _role_map(spec) for kind, spec in spec["roles"].items()}
        dataset = Dataset(tables, roles, customers_from=spec.get("customers_from"), source=spec.get("source", ""))
    segmentation = None
    if payload.get("segmentation"):
        entry = payload["segmentation"]
        fitted = Segmentation.from_recipe(entry["recipe"])
        labels = _frame(data[entry["labels"]])["segment"].astype(object)
        labels.index = labels.index.astype(object)
        scores = _frame(data[entry["scores"]]) if "scores" in entry else None
        segmentation = replace(fitted, labels=labels, scores=scores)
    plan = None
    if payload.get("action_plan") is not None:
        spec = payload["action_plan"]
        plan = pd.DataFrame(spec["data"], columns=spec["columns"]).fillna("").astype(str)
    return Workspace(name=payload["name"], dataset=dataset, segmentation=segmentation,
                     segment_names=dict(payload.get("segment_names", {})), action_plan=plan,
                     outcome=dict(payload.get("outcome", {})),
                     segment_settings=dict(payload.get("segment_settings", {})),
                     settings=dict(payload.get("settings", {})))


def _role_map(spec: Mapping[str, Any]):
    from .roles import ColumnInfo, RoleMap

    return RoleMap(spec["kind"], dict(spec["roles"]), tuple(ColumnInfo(**c) for c in spec["columns"]),
                   outcome_kind=spec.get("outcome_kind"))


def _snapshot_frame(labels: pd.Series, revenue: pd.Series | None) -> pd.DataFrame:
    frame = pd.DataFrame({"segment": labels.astype(str).to_numpy()},
                         index=pd.Index(labels.index.astype(str), name="customer_id"))
    if revenue is not None:
        values = pd.to_numeric(pd.Series(revenue.to_numpy(), index=revenue.index.astype(str)), errors="coerce")
        frame["revenue"] = values[~values.index.duplicated()].reindex(frame.index).astype(float)
    else:
        frame["revenue"] = np.nan
    return frame

