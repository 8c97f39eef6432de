"""The SQLite database: one connection per request, WAL mode, and each package's schema.

Tables are owned by the package that writes them; each package has a ``store`` module
with a ``migrate(db)`` function, and ``init_app`` runs them all when the app starts.
"""

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000

Migration = Callable[[Database], None]


def connect(path: str) -> Database:
    """Open the database file in WAL mode with a busy timeout, creating its folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we open transactions ourselves (see `transaction`), so
    # sqlite3 never starts one implicitly and holds a lock we did not ask for.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    Taking the lock up front makes read-modify-write sequences (load call state, run
    the dialogue, save) safe against a second worker answering a retry of the same
    webhook at the same moment.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def get_db() -> Database:
    """The request's database connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["HOTLINE_DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask, migrations: list[Migration]) -> None:
    """Create or migrate every package's tables and close connections after requests."""
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        with transaction(db):
            for migrate in migrations:
                migrate(db)
    finally:
        db.conn.close()
    app.teardown_appcontext(close_db)
