"""The SQLite database: one connection per request, WAL mode, and each package's schema.

Tables are owned by the package that writes them; each package has a ``store`` module
with a ``migrate(db)`` function, and ``init_app`` runs them all when the app starts.
"""

import contextlib
import fcntl
import os
import secrets
import sqlite3
import threading
import time
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
    if path != ":memory:":
        db.gate_path = str(Path(path).resolve())  # type: ignore[attr-defined]
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class WriteGate:
    """Writers of one database file take turns here before they ask SQLite for its lock.

    SQLite's own busy handler waits by sleeping 1, 2, 5, 10 ... up to 100 ms between
    tries, so two workers that want to write at the same moment lose milliseconds to
    sleep even when the lock is free again after a fraction of one: measured, that was
    most of the p99 under load. Here a thread lock queues the threads of one process
    and an flock on a sidecar file queues the processes; a waiter gets the gate within
    a fraction of a millisecond of its release. The kernel drops the flock of a process
    that dies, so a worker killed mid-write blocks nobody. SQLite's busy timeout stays
    as the backstop for writers that do not pass here (the CLI, another program).
    """

    def __init__(self, path: str):
        self._threads = threading.Lock()
        self._fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_gates: dict[tuple[int, str], WriteGate] = {}
_gates_lock = threading.Lock()


def _gate(db: Database) -> WriteGate | None:
    path = getattr(db, "gate_path", None)
    if not path:
        return None
    # Keyed by process too: a gate made before a fork must not be shared with the child,
    # whose flock would then be the parent's.
    key = (os.getpid(), path)
    gate = _gates.get(key)
    if gate is None:
        with _gates_lock:
            gate = _gates.setdefault(key, WriteGate(path))
    return gate


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    Taking the lock up front makes read-modify-write sequences (load call state, run
    the dialogue, save) safe against a second worker answering a retry of the same
    webhook at the same moment. Writers first queue at the file's `WriteGate`; one
    that cannot pass within the busy timeout fails as SQLite would ("database is
    locked"), so callers handle both the same way.
    """
    gate = _gate(db)
    if gate is not None and not gate.acquire(BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked (write gate)")
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")
    finally:
        if gate is not None:
            gate.release()


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
