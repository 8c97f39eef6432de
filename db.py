"""The SQLite database: one connection per request, WAL mode, and each package's schema.

Tables are owned by the package that writes them; each package has a ``store`` module
with a ``migrate(db)`` function, and ``init_app`` runs them all when the app starts.
"""

import contextlib
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000
# Connections are kept open per thread: opening one costs about a millisecond, and
# closing the last one on a WAL file checkpoints it (two more). A thread that serves
# several database files (tests) keeps the most recent few.
OPEN_PER_THREAD = 4

_local = threading.local()

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


@contextlib.contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """A write transaction, or a savepoint inside the one the caller already holds.

    Lets a package's write (a booking, a queue entry) be one step of a webhook's turn,
    and still be atomic on its own when called from a command or a test.
    """
    if not db.conn.in_transaction:
        with transaction(db):
            yield db
        return
    name = f"step_{secrets.token_hex(4)}"
    db.execute(f"SAVEPOINT {name}")
    try:
        yield db
    except BaseException:
        db.execute(f"ROLLBACK TO {name}")
        db.execute(f"RELEASE {name}")
        raise
    db.execute(f"RELEASE {name}")


def get_db() -> Database:
    """This thread's connection to the app's database, opened on first use and kept."""
    if "db" not in g:
        g.db = _thread_connection(current_app.config["HOTLINE_DATABASE"])
    return g.db


def _thread_connection(path: str) -> Database:
    open_here: OrderedDict = _local.__dict__.setdefault("open", OrderedDict())
    db = open_here.get(path)
    if db is None:
        db = connect(path)
        open_here[path] = db
        while len(open_here) > OPEN_PER_THREAD:
            _, oldest = open_here.popitem(last=False)
            oldest.conn.close()
    else:
        open_here.move_to_end(path)
    return db


def close_db(_exc: BaseException | None = None) -> None:
    """End of a request: never leave a transaction open on the kept connection."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


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
