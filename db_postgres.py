"""PostgreSQL as the store several app nodes share: pooled connections that run the same
SQL as SQLite, and the few things the two engines do differently.

`db.connect` hands out a `PgDatabase` for a `postgresql://` URL. The store modules talk
to it as to SQLite: `execute(sql, params)` with `?` or `:name` placeholders, explicit
BEGIN/COMMIT through `db.transaction` and `db.atomic`, and for their migrations the part
of sqlite-utils' table API they use (`create`, `create_index`, `add_column`,
`columns_dict`, `table_names`). What differs is translated here, in one place:

- placeholders (`?` -> `%s`, `:name` -> `%(name)s`), parameters bound on the client
  side as SQLite does (psycopg's ClientCursor), so that an untyped parameter such as
  `? IS NULL` means what it means in SQLite;
- a Python bool is stored as 0/1 (SQLite has no boolean; our columns are integers), a
  NUMERIC result (`sum()` of integers) comes back as int or float, a date (`date(...)`
  of a stored time) as SQLite's text 'YYYY-MM-DD', and a NUL character in text (which
  PostgreSQL refuses) as U+FFFD;
- DDL: `INTEGER PRIMARY KEY` (SQLite's rowid) becomes an identity column, INTEGER a
  BIGINT, REAL a DOUBLE PRECISION, and `WITHOUT ROWID` goes;
- errors: a unique or foreign key violation is raised as `db.IntegrityError`, a lock or
  statement timeout as `db.BusyError`, as SQLite's are.

Locking is in `db.transaction`: a write transaction takes a transaction-scoped advisory
lock (see `WRITE_LOCK`), which gives every read-modify-write the guarantee SQLite's
BEGIN IMMEDIATE gave it, now across nodes.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import ClientCursor
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

# Writers take this advisory lock in `db.transaction`, so that they take turns as they
# did at SQLite's write lock (readers never wait for it). The number spells "hotl".
WRITE_LOCK = 0x686F746C
# BEGIN and the lock sent as one (client-side binding sends several statements at once):
# a round trip less for every write, while other writers wait for this one.
BEGIN_LOCKED = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
# Connections per process: gunicorn's threads, media streams and the outbox's sender
# each hold one for a moment.
POOL_MAX = int(os.environ.get("HOTLINE_PG_POOL", "20"))
# A writer that waits this long for the write lock gives up, as SQLite's busy timeout
# did; the webhook then asks the caller to hold on.
LOCK_TIMEOUT_MS = 5000

_TYPES = {str: "TEXT", int: "BIGINT", float: "DOUBLE PRECISION", bytes: "BYTEA",
          bool: "BIGINT"}
_PYTHON = {"text": str, "bigint": int, "integer": int, "double precision": float,
           "bytea": bytes, "real": float, "numeric": float, "boolean": int}


class _BoolAsInt(Dumper):
    """True and False as 1 and 0, which is what our integer columns hold."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """sum() of integers is NUMERIC in PostgreSQL; SQLite answers an int."""

    def load(self, data) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text or "e" in text.lower() else int(text)


class _TextWithoutNul(StrDumperUnknown):
    """SQLite keeps a NUL character in text; PostgreSQL refuses the whole statement
    ("text fields cannot contain NUL"), so a webhook field with one (a broken client, a
    fuzzer) failed the call's turn. NUL is stored as U+FFFD, as a decoder marks what it
    could not read: the same on the way in and in every look-up."""

    def dump(self, obj: str):
        return super().dump(obj.replace("\x00", "\ufffd") if "\x00" in obj else obj)


class _DateAsText(Loader):
    """`date(stored_time)` is SQLite's text 'YYYY-MM-DD'; PostgreSQL's date() is a cast to
    its date type, which psycopg would load as a datetime.date. Our columns hold times
    as text, so a date only comes from such an expression: loaded as SQLite gives it."""

    def load(self, data) -> str:
        return bytes(data).decode()


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_dumper(str, _TextWithoutNul)
    conn.adapters.register_loader("numeric", _NumericAsNumber)
    conn.adapters.register_loader("date", _DateAsText)
    conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    conn.execute("SET TIME ZONE 'UTC'")  # stored times are UTC text (clock.utc_text)
    conn.execute("SET DateStyle = 'ISO'")  # dates as 'YYYY-MM-DD' (_DateAsText)


# SQLite's functions that our SQL uses, defined once per database (`prepare`).
COMPAT_FUNCTIONS = [
    # julianday(text): the day number of a stored time, for differences in days.
    "CREATE OR REPLACE FUNCTION julianday(stamp text) RETURNS double precision"
    " LANGUAGE sql STABLE AS"
    " $$ SELECT extract(epoch FROM CAST(stamp AS timestamptz)) / 86400.0 + 2440587.5 $$",
    # sum(condition): SQLite counts the rows where a comparison holds (true is 1); NULL
    # over no rows, as sum() is.
    "CREATE OR REPLACE FUNCTION sum_true(total bigint, value boolean) RETURNS bigint"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN value IS NULL THEN total"
    " ELSE COALESCE(total, 0) + CASE WHEN value THEN 1 ELSE 0 END END $$",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = sum_true, STYPE = bigint)",
    # min(a, b) and max(a, b): SQLite's scalar forms (NULL if either is NULL).
    *(f"CREATE OR REPLACE FUNCTION {name}(a anycompatible, b anycompatible)"
      f" RETURNS anycompatible LANGUAGE sql IMMUTABLE AS"
      f" $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE {pick}(a, b) END $$"
      for name, pick in (("min", "LEAST"), ("max", "GREATEST"))),
]


def prepare(db: PgDatabase) -> None:
    """What the migrations and queries need of a fresh database (run in `db.init_app`)."""
    for statement in COMPAT_FUNCTIONS:
        db.execute(statement)


def scrub(db: PgDatabase) -> bool:
    """After a purge, so that the purged rows' old versions leave the server's files.

    An UPDATE or DELETE leaves the old row version in the table's file; VACUUM marks its
    space free but does not overwrite it (measured: 36 of the privacy test's 41 numbers
    and words were still in the tables' files after VACUUM and a checkpoint). VACUUM FULL
    rewrites each table and its indexes into new files and empties the old ones; it
    holds each table exclusively while it does (writers wait, up to the lock timeout).
    The WAL keeps the rows as they were written until its segments are removed: here a
    new segment is started and a checkpoint taken, when the role may (a superuser, or
    pg_checkpoint and EXECUTE on pg_switch_wal), after which a server with
    `wal_recycle = off` deletes the old segments (README: "Several nodes on PostgreSQL");
    otherwise the server's own next checkpoint does, within `checkpoint_timeout`. False
    if a table stayed locked beyond the lock timeout (the purge tries again)."""
    try:
        db.execute(f"VACUUM FULL {', '.join(db.table_names())}")
    except sqlite3.OperationalError:  # a lock not had in time (see PgDatabase.execute)
        return False
    try:
        db.execute("SELECT pg_switch_wal()")
        db.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        log.warning("The purged rows stay in PostgreSQL's WAL until the server's next "
                    "checkpoint: this role may not start one (grant pg_checkpoint and "
                    "EXECUTE on pg_switch_wal)")
    return True


# ------------------------------------------------------------------ SQL translation

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|::|\?|:[A-Za-z_]\w*|%")
_cache: dict[str, str] = {}


def translate(sql: str) -> str:
    """SQLite's SQL as psycopg takes it: placeholders, `%` escaped, DDL types."""
    done = _cache.get(sql)
    if done is not None:
        return done

    def one(match: re.Match) -> str:
        part = match.group(0)
        if part == "?":
            return "%s"
        if part == "%":
            return "%%"
        if part.startswith("'"):
            return part.replace("%", "%%")
        if part.startswith("--"):
            return ""
        if part.startswith(":") and part != "::":
            return f"%({part[1:]})s"
        return part

    done = _TOKENS.sub(one, sql)
    if re.match(r"\s*(CREATE\s+TABLE|ALTER\s+TABLE)", done, re.IGNORECASE):
        done = ddl(done)
    if len(_cache) < 5000:
        _cache[sql] = done
    return done


def ddl(sql: str) -> str:
    """A CREATE TABLE or ALTER TABLE written for SQLite, with PostgreSQL's column types."""
    sql = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?",
                 "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql, flags=re.I)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql, flags=re.I)
    sql = re.sub(r"\b(REAL|FLOAT)\b", "DOUBLE PRECISION", sql, flags=re.I)
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql, flags=re.I)
    return re.sub(r"\)\s*WITHOUT\s+ROWID", ")", sql, flags=re.I)


# ------------------------------------------------------------------ connections

_pools: dict[tuple[int, str], ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool(url: str) -> ConnectionPool:
    """This process's pool for the URL (a forked child makes its own)."""
    key = (os.getpid(), url)
    found = _pools.get(key)
    if found is None:
        with _pools_lock:
            found = _pools.get(key)
            if found is None:
                found = _pools[key] = ConnectionPool(
                    url, min_size=1, max_size=POOL_MAX, open=True, name="hotline",
                    kwargs={"autocommit": True, "cursor_factory": ClientCursor},
                    configure=_configure, timeout=LOCK_TIMEOUT_MS / 1000)
    return found


def close_pools(url: str | None = None) -> None:
    """Close this process's pools (of one URL, or all): a test's database is done with."""
    with _pools_lock:
        for key in [k for k in _pools if k[0] == os.getpid() and url in (None, k[1])]:
            _pools.pop(key).close()


def connect(url: str) -> PgDatabase:
    """A connection from this process's pool; `db.conn.close()` gives it back."""
    source = pool(url)
    try:
        conn = source.getconn()
    except psycopg.OperationalError as error:
        raise sqlite3.OperationalError(f"database busy: {error}") from error
    return PgDatabase(conn, source)


class PgConnection:
    """What the store modules ask of `db.conn`: whether a transaction is open, rollback,
    close (back to the pool)."""

    def __init__(self, conn: psycopg.Connection, source: ConnectionPool):
        self.raw = conn
        self._pool = source

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def rollback(self) -> None:
        self.raw.execute("ROLLBACK")

    def commit(self) -> None:
        """As sqlite3's: the open transaction, if any, is committed."""
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, kind, _error, _trace) -> None:
        """As sqlite3's `with conn:`: an open transaction is committed, or rolled back on
        an error."""
        if self.in_transaction:
            self.raw.execute("ROLLBACK" if kind is not None else "COMMIT")

    def executemany(self, sql: str, rows: Iterable[Sequence | Mapping]):
        """As sqlite3's `conn.executemany`, which the store modules use for bulk rows."""
        cursor = self.raw.cursor()
        try:
            cursor.executemany(translate(sql), list(rows))
        except psycopg.IntegrityError as error:
            raise sqlite3.IntegrityError(str(error)) from error
        return cursor

    def close(self) -> None:
        if self.raw is None:
            return
        raw, self.raw = self.raw, None
        if raw.info.transaction_status in (TransactionStatus.INTRANS,
                                           TransactionStatus.INERROR):
            raw.execute("ROLLBACK")
        self._pool.putconn(raw)


class PgDatabase:
    """One pooled PostgreSQL connection, spoken to as the store modules speak to SQLite."""

    engine = "postgresql"

    def __init__(self, conn: psycopg.Connection, source: ConnectionPool):
        self.conn = PgConnection(conn, source)

    def execute(self, sql: str, params: Sequence | Mapping | None = None):
        cursor = self.conn.raw.cursor()
        try:
            cursor.execute(translate(sql), params if params is not None else ())
        except psycopg.IntegrityError as error:
            raise sqlite3.IntegrityError(str(error)) from error
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled,
                psycopg.errors.DeadlockDetected) as error:
            raise sqlite3.OperationalError(f"database locked: {error}") from error
        return cursor

    def executescript(self, script: str) -> None:
        """Several statements separated by semicolons (none inside a literal or comment)."""
        script = re.sub(r"--[^\n]*", "", script)
        for statement in script.split(";"):
            if statement.strip():
                self.execute(statement)

    def table_names(self) -> list[str]:
        return [row[0] for row in self.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " ORDER BY tablename").fetchall()]

    def __getitem__(self, name: str) -> PgTable:
        return PgTable(self, name)


class PgTable:
    """The part of sqlite-utils' Table that the migrations use, as PostgreSQL DDL."""

    def __init__(self, db: PgDatabase, name: str):
        self.db = db
        self.name = name

    @property
    def columns_dict(self) -> dict[str, type]:
        rows = self.db.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?"
            " ORDER BY ordinal_position", [self.name]).fetchall()
        return {name: _PYTHON.get(kind, str) for name, kind in rows}

    def create(self, columns: Mapping[str, type], pk: str | Sequence[str] | None = None,
               not_null: Iterable[str] = (), foreign_keys: Iterable[tuple] = (),
               defaults: Mapping[str, Any] | None = None, **_ignored) -> PgTable:
        not_null, defaults = set(not_null), defaults or {}
        parts = []
        for column, kind in columns.items():
            if pk == column and kind is int:
                parts.append(f"{column} BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                continue
            part = f"{column} {_TYPES.get(kind, 'TEXT')}"
            if pk == column:
                part += " PRIMARY KEY"
            if column in not_null:
                part += " NOT NULL"
            if column in defaults:
                part += f" DEFAULT {_literal(defaults[column])}"
            parts.append(part)
        if pk is not None and not isinstance(pk, str):
            parts.append(f"PRIMARY KEY ({', '.join(pk)})")
        for column, other, other_column in (fk[:3] for fk in foreign_keys):
            parts.append(f"FOREIGN KEY ({column}) REFERENCES {other} ({other_column})")
        self.db.execute(f"CREATE TABLE {self.name} ({', '.join(parts)})")
        return self

    def create_index(self, columns: Sequence[str], index_name: str | None = None,
                     unique: bool = False, if_not_exists: bool = False, **_ignored) -> PgTable:
        name = index_name or f"idx_{self.name}_{'_'.join(columns)}"
        self.db.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX"
                        f"{' IF NOT EXISTS' if if_not_exists else ''} {name}"
                        f" ON {self.name} ({', '.join(columns)})")
        return self

    def add_column(self, name: str, kind: type = str, **_ignored) -> PgTable:
        self.db.execute(f"ALTER TABLE {self.name} ADD COLUMN {name} {_TYPES.get(kind, 'TEXT')}")
        return self


def _literal(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"
