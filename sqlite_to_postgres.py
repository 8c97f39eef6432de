"""Copying a SQLite deployment's data into PostgreSQL, and checking the copy (the shell
around it is the `migrate-to` command, migrate_to.py; README: "Moving from SQLite to
PostgreSQL").

What is copied: every table the SQLite database has (found in it, never listed here)
but the two in `NOT_COPIED`, into the same table of the PostgreSQL schema, which the
target gets first from the app's own migrations (db.migrate). Both sides must be at this
release's schema versions, so that they have the same tables and columns; a table or
column on one side only is refused, never dropped.

How: in one PostgreSQL transaction, under the writers' lock, so that a copy that fails
or is interrupted leaves the target as it was and can simply be run again: the schema,
(with `replace`) every row there deleted, then each table by COPY, parents before the
tables whose foreign keys point at them, with the primary keys as they were; each
identity sequence moved past the highest id copied; and the copy checked
(`verify_tables`) before COMMIT. The source is read in one read transaction: one moment
of it, whole.

The statistics' rollup tables (stats_*) are copied as they are, like any data, with
the hours still marked dirty: checked like every table, they give the supervisors the
figures they saw on SQLite (`refresh` then recomputes the dirty hours on PostgreSQL, as
it would have on SQLite). Their triggers are switched off for the copy
(inside the transaction: no other session ever sees them off); on, every copied call
would mark its hour dirty again, each copied agent status would delete the agents' day
totals already copied, and every row would cost a trigger call.

Checking: both sides' rows read in primary-key order, each value rendered the same way
(`canonical`: 1 and 1.0 alike), hashed and counted. Nothing of a row's values is ever
printed or put in an error: errors name the table and column only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import psycopg

import db as database
import db_postgres

# Tables of the SQLite database that are not copied, and why.
NOT_COPIED = {
    "schema_versions": "the target's own: db.migrate writes it when it builds the schema",
    "readiness_probe": "the scratch row /readyz writes to prove the database takes writes",
}
# Rows read from either side per round trip.
BATCH_ROWS = 5000

_INT, _FLOAT = (int,), (float, int)


def _int(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value)
    raise ValueError


def _float(value):
    if isinstance(value, str):
        return float(value)
    raise ValueError


def _text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, int | float):
        return str(canonical(value))
    raise ValueError


def _bytes(value):
    if isinstance(value, str):
        return value.encode()
    raise ValueError


def _bool(value):
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise ValueError


# The PostgreSQL column types the copy knows: the Python types a value of it may have as
# it is, and the conversion of a value SQLite stored as another type (SQLite keeps what
# it is given when its column type cannot take it). Another type is refused up front.
CONVERSIONS: dict[str, tuple[tuple[type, ...], Callable]] = {
    "bigint": (_INT, _int), "integer": (_INT, _int), "smallint": (_INT, _int),
    "double precision": (_FLOAT, _float), "real": (_FLOAT, _float),
    "text": ((str,), _text), "bytea": ((bytes,), _bytes), "boolean": ((bool,), _bool),
}


class MigrationError(Exception):
    """The copy cannot be made as asked; the PostgreSQL database is as it was."""


class TargetNotEmptyError(MigrationError):
    """The PostgreSQL database already holds rows, and emptying it was not asked for."""

    def __init__(self, tables: list[str]):
        super().__init__(f"it already holds data ({len(tables)} tables with rows: "
                         f"{_names(tables)})")
        self.tables = tables


class MismatchError(MigrationError):
    """The copy does not hold what the source holds; it was rolled back."""

    def __init__(self, checks: list[Check]):
        super().__init__(f"{sum(not c.ok for c in checks)} tables differ")
        self.checks = checks


class SourceChangedError(MigrationError):
    """The SQLite database was written while it was being copied (the hotline ran on)."""


@dataclass(frozen=True)
class Table:
    """A table as both sides have it: its columns with the target's types, the columns
    its rows are ordered by (the primary key, or every column), its identity column."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    order: tuple[str, ...]
    identity: str | None


@dataclass(frozen=True)
class Check:
    """One table's rows and checksums on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass(frozen=True)
class Copied:
    """What a copy did: the source migrated first (package -> version), the checks."""

    migrated_source: dict[str, int]
    checks: list[Check]


# ------------------------------------------------------------------ the whole copy


def copy_database(source, target, migrations: database.Migrations, *,
                  replace: bool = False) -> Copied:
    """Copy `source` (SQLite) into `target` (PostgreSQL) and check the copy, all or
    nothing; `replace` empties a target that holds data first. Raises MigrationError
    (or one of its kinds) with the target untouched."""
    moved = prepare_source(source, migrations)
    before = source.execute("PRAGMA data_version").fetchone()[0]
    source.execute("BEGIN")  # one moment of the source for the copy and the check
    try:
        with database.transaction(target):
            _newer_than_release(target, migrations, "PostgreSQL")
            db_postgres.prepare(target)
            database.migrate(target, migrations)
            _same_versions(target, migrations, "PostgreSQL")
            tables = discover(source, target)
            full = tables_with_rows(target)
            if full and not replace:
                raise TargetNotEmptyError(full)
            if full:
                empty(target)
            copy_tables(source, target, tables)
            move_sequences(target, tables)
            checks = verify_tables(source, target, tables)
            if not all(check.ok for check in checks):
                raise MismatchError(checks)
            source.execute("ROLLBACK")
            if source.execute("PRAGMA data_version").fetchone()[0] != before:
                raise SourceChangedError(
                    "the SQLite database was written to while it was copied (is the "
                    "hotline still running on it?)")
    finally:
        if source.conn.in_transaction:
            source.execute("ROLLBACK")
    return Copied(moved, checks)


def verify_databases(source, target, migrations: database.Migrations) -> list[Check]:
    """Compare the two databases table by table (rows and checksums); writes nothing."""
    _same_versions(source, migrations, "SQLite")
    _same_versions(target, migrations, "PostgreSQL")
    source.execute("BEGIN")
    try:
        # Read in a transaction: server-side cursors live in one; no writers' lock.
        with database.transaction(target, writers_lock=False):
            return verify_tables(source, target, discover(source, target))
    finally:
        source.execute("ROLLBACK")


# ------------------------------------------------------------------ steps


def prepare_source(source, migrations: database.Migrations) -> dict[str, int]:
    """Bring the SQLite database to this release's schema, as starting the app does;
    returns the packages moved on. Refuses a database a newer release has migrated."""
    _newer_than_release(source, migrations, "SQLite")
    moved = database.migrate(source, migrations)
    _same_versions(source, migrations, "SQLite")
    return moved


def _versions(db) -> dict[str, int]:
    if "schema_versions" not in _table_names(db):
        return {}
    return dict(db.execute("SELECT package, version FROM schema_versions").fetchall())


def _newer_than_release(db, migrations: database.Migrations, which: str) -> None:
    for package, have in sorted(_versions(db).items()):
        known = len(migrations.get(package, ()))
        if have > known:
            raise MigrationError(
                f"the {which} database's {package} tables are at version {have}; this "
                f"release knows {known}. Run migrate-to with the release that migrated it")


def _same_versions(db, migrations: database.Migrations, which: str) -> None:
    _newer_than_release(db, migrations, which)
    have = _versions(db)
    behind = [p for p, steps in migrations.items() if have.get(p, 0) < len(steps)]
    if behind:
        raise MigrationError(f"the {which} database is behind this release's schema "
                             f"({_names(behind)}): start this release on it once")


def _table_names(db) -> list[str]:
    if database.engine(db) == "postgresql":
        return db.table_names()
    return [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name").fetchall()]


def discover(source, target) -> list[Table]:
    """Every table to copy, in an order that puts parents before the tables whose
    foreign keys point at them. Refuses tables or columns that one side lacks."""
    names = [n for n in _table_names(source) if n not in NOT_COPIED]
    theirs = set(_table_names(target))
    missing = [n for n in names if n not in theirs]
    if missing:
        raise MigrationError(f"the PostgreSQL schema has no table {_names(missing)}")
    extra = sorted(theirs - set(names) - set(NOT_COPIED))
    if extra:
        raise MigrationError(f"the SQLite database has no table {_names(extra)}")
    found = {name: _table(source, target, name) for name in names}
    return [found[name] for name in _parents_first(target, names)]


def _table(source, target, name: str) -> Table:
    here = [row[1] for row in source.execute(f"PRAGMA table_info({_q(name)})").fetchall()]
    there = target.execute(
        "SELECT column_name, data_type, is_identity = 'YES'"
        " OR column_default LIKE 'nextval(%' FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?"
        " ORDER BY ordinal_position", [name]).fetchall()
    kinds = {column: kind for column, kind, _ in there}
    odd = [c for c in here if c not in kinds] + [c for c in kinds if c not in here]
    if odd:
        raise MigrationError(f"{name}: the column {_names(odd)} is on one side only")
    unknown = [f"{name}.{c} ({k})" for c, k in kinds.items() if k not in CONVERSIONS]
    if unknown:
        raise MigrationError(f"no conversion for the column type of {_names(unknown)}"
                             " (sqlite_to_postgres.CONVERSIONS)")
    key = tuple(row[0] for row in target.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
        " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass)"
        " AND i.indisprimary ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
        [_q(name)]).fetchall())
    identity = [column for column, _, serial in there if serial]
    return Table(name, tuple(here), tuple(kinds[c] for c in here), key or tuple(here),
                 identity[0] if identity else None)


def _parents_first(target, names: list[str]) -> list[str]:
    graph: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in target.execute(
            "SELECT CAST(conrelid AS regclass)::text, CAST(confrelid AS regclass)::text"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace = CAST(current_schema() AS regnamespace)").fetchall():
        child, parent = child.strip('"'), parent.strip('"')
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise MigrationError(f"foreign keys in a circle: {_names(error.args[1])}") from None


def tables_with_rows(target) -> list[str]:
    """The PostgreSQL database's tables that hold a row (those in NOT_COPIED aside)."""
    names = [n for n in _table_names(target) if n not in NOT_COPIED]
    if not names:
        return []
    return [row[0] for row in target.execute(" UNION ALL ".join(
        f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {_q(n)})" for n in names)).fetchall()]


def empty(target) -> None:
    """Delete every row of the PostgreSQL database (in the caller's transaction), the
    schema versions aside, and restart its identities."""
    names = [n for n in _table_names(target) if n != "schema_versions"]
    target.execute(f"TRUNCATE {', '.join(map(_q, names))} RESTART IDENTITY")


def copy_tables(source, target, tables: list[Table]) -> None:
    """COPY every table's rows (in the caller's transaction), the user triggers off."""
    triggered = [row[0] for row in target.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal"
        " AND c.relnamespace = CAST(current_schema() AS regnamespace)").fetchall()]
    for name in triggered:
        target.execute(f"ALTER TABLE {_q(name)} DISABLE TRIGGER USER")
    for table in tables:
        columns = ", ".join(map(_q, table.columns))
        rows = _fitted(table, _rows(source.execute(f"SELECT {columns} FROM {_q(table.name)}")))
        try:
            with target.conn.raw.cursor().copy(
                    f"COPY {_q(table.name)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            # Only the kind of refusal and the constraint's name: the message's detail
            # and context quote the row.
            constraint = error.diag.constraint_name
            raise MigrationError(
                f"PostgreSQL refused a row of {table.name}: {type(error).__name__}"
                f"{f' ({constraint})' if constraint else ''}") from None
    for name in triggered:
        target.execute(f"ALTER TABLE {_q(name)} ENABLE TRIGGER USER")


def _rows(cursor) -> Iterator[tuple]:
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield from batch


def _fitted(table: Table, rows: Iterable[tuple]) -> Iterator[tuple]:
    """Each row with every value as the target's column type takes it. A table's rows
    come in a few shapes (which columns are NULL): each shape is looked at once."""
    rules = [CONVERSIONS[kind] for kind in table.kinds]
    fine: set[tuple[type, ...]] = set()
    for row in rows:
        shape = tuple(map(type, row))
        if shape in fine:
            yield row
            continue
        if all(kind is _NONE or kind in rule[0] for kind, rule in zip(shape, rules,
                                                                       strict=True)):
            fine.add(shape)
            yield row
            continue
        fitted = []
        for value, (takes, convert), column, kind in zip(row, rules, table.columns,
                                                         table.kinds, strict=True):
            if value is not None and type(value) not in takes:
                try:
                    value = convert(value)
                except (ValueError, UnicodeDecodeError):
                    raise MigrationError(f"{table.name}.{column}: a value there cannot be "
                                         f"stored as {kind}") from None
            fitted.append(value)
        yield tuple(fitted)


def move_sequences(target, tables: list[Table]) -> None:
    """Move each identity sequence past the highest id copied, so that the next row
    inserted on PostgreSQL gets an id of its own."""
    for table in tables:
        if table.identity is None:
            continue
        column = _q(table.identity)
        target.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), GREATEST(COALESCE(max({column}),"
            f" 1), 1), COALESCE(max({column}) >= 1, false)) FROM {_q(table.name)}",
            [_q(table.name), table.identity])


# ------------------------------------------------------------------ checking


def canonical(value) -> str | int | float | None:
    """A value as the checksum sees it, whichever engine gave it: an integral number as
    an integer (1 and 1.0 alike, True as 1), other floats as they are (compared in their
    shortest exact form), text as it is, bytes as text in hex. A number and text are
    different data ("1" is not 1)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"no canonical form for {type(value).__name__}")


_NONE = type(None)
_AS_IS = frozenset({str, int, _NONE})  # their own canonical form: skip the call


def checksum(rows: Iterable[tuple]) -> tuple[int, str]:
    """(rows, SHA-256 over their canonical forms, one line each) of rows in a fixed order."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(repr([v if type(v) in _AS_IS else canonical(v) for v in row]).encode()
                      + b"\n")
        count += 1
    return count, digest.hexdigest()


def verify_tables(source, target, tables: list[Table]) -> list[Check]:
    """Rows and checksums of every table on both sides, in the order of its key.

    SQLite orders text by its bytes; PostgreSQL by its collation unless told "C", which
    is the same order for UTF-8. SQLite puts NULL first."""
    checks = []
    for table in tables:
        columns = ", ".join(map(_q, table.columns))
        kinds = dict(zip(table.columns, table.kinds, strict=True))
        here = ", ".join(map(_q, table.order))
        there = ", ".join(_q(c) + (' COLLATE "C"' if kinds[c] == "text" else "")
                          + " NULLS FIRST" for c in table.order)
        source_rows, source_sum = checksum(_rows(source.execute(
            f"SELECT {columns} FROM {_q(table.name)} ORDER BY {here}")))
        with target.conn.raw.cursor(name=f"verify_{table.name}") as cursor:
            cursor.execute(f"SELECT {columns} FROM {_q(table.name)} ORDER BY {there}")
            target_rows, target_sum = checksum(_rows(cursor))
        checks.append(Check(table.name, source_rows, target_rows, source_sum, target_sum))
    return sorted(checks, key=lambda check: check.table)


def _q(name: str) -> str:
    """An identifier quoted for both engines."""
    return '"' + name.replace('"', '""') + '"'


def _names(names: Iterable[str], most: int = 8) -> str:
    names = list(names)
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most
                                      else "")

