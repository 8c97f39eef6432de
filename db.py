"""The database: SQLite by default (kept connections in WAL mode, write transactions that
take turns at a gate, WAL checkpoints in the background), or PostgreSQL when
HOTLINE_DATABASE is a `postgresql://` URL (db_postgres.py), and each package's schema.

Tables are owned by the package that writes them; each package's ``store`` module lists
its schema's numbered steps (``MIGRATIONS``), and ``init_app`` brings every package to
its newest step when the app starts (``migrate``, the same code on both engines). The
store modules write plain SQL that both engines understand; what differs (the write
lock, placeholders, DDL types) is decided here and in db_postgres.py, nowhere else.
docs/SCALING.md has the measurements behind the gate and the checkpoints.
"""

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

import clock

BUSY_TIMEOUT_MS = 5000
# Connections are kept open per thread: opening one costs about a millisecond, and
# closing the last one on a WAL file checkpoints it (two more). A thread that serves
# several database files (tests) keeps the most recent few.
OPEN_PER_THREAD = 4

# Webhook connections leave checkpoints (copying the WAL back into the database file,
# with an fsync) to one background thread per process, every this many seconds.
CHECKPOINT_EVERY_S = 1.0
# A database not written for this long is checkpointed once more and then let go.
CHECKPOINT_IDLE_S = 30.0
# How long a checkpoint waits for readers of the old WAL (writers wait meanwhile).
CHECKPOINT_WAIT_MS = 50
# A WAL longer than this (about 64 MB) is started over at the next checkpoint.
WAL_RESTART_FRAMES = 16_000

log = logging.getLogger(__name__)
_local = threading.local()

Migration = Callable[[Database], None]
# Each package (a store module's name) and its schema steps: step N is the list's Nth.
Migrations = Mapping[str, Sequence[Migration]]

# The store's errors, whichever the engine (db_postgres raises these for PostgreSQL's).
IntegrityError = sqlite3.IntegrityError  # a unique or foreign key constraint refused a write
BusyError = sqlite3.OperationalError  # the write lock was not had within the busy timeout


def is_postgres(target: str) -> bool:
    """Whether HOTLINE_DATABASE names a PostgreSQL server rather than a SQLite file."""
    return target.startswith(("postgresql://", "postgres://"))


def engine(db) -> str:
    """"sqlite" or "postgresql": for the few statements the engines write differently."""
    return getattr(db, "engine", "sqlite")


def connect(path: str) -> Database:
    """Open the database: a SQLite file in WAL mode with a busy timeout, creating its
    folder, or (a `postgresql://` URL) a connection from this process's pool."""
    if is_postgres(path):
        import db_postgres  # only deployments on PostgreSQL need psycopg loaded

        return db_postgres.connect(path)
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
    # A WAL that a burst made large is cut back to this once it has been checkpointed.
    db.execute("PRAGMA journal_size_limit=67108864")
    # What is deleted or overwritten is zeroed in the file, not left in free space where
    # a copy of the file would still show callers' numbers and words (see `scrub`).
    db.execute("PRAGMA secure_delete=ON")
    return db


def scrub(db: Database) -> bool:
    """After a purge: copy the WAL into the database file and cut it to nothing, so that
    no older page (with numbers or words since purged) stays in the -wal file. False if
    readers kept it busy beyond the busy timeout (the next purge tries again).

    PostgreSQL: `db_postgres.scrub` (the tables rewritten, the WAL moved on)."""
    if engine(db) == "postgresql":
        import db_postgres

        return db_postgres.scrub(db)
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


_FLOCK_NOW = fcntl.LOCK_EX | fcntl.LOCK_NB  # the writers' flock, taken or refused at once


class WriteGate:
    """Writers of one database file take turns here before they ask SQLite for its lock.

    SQLite's own busy handler waits by sleeping 1, 2, 5, 10 ... up to 100 ms between
    tries, so two workers that want to write at the same moment lose milliseconds to
    sleep even when the lock is free again after a fraction of one: measured, that was
    most of the p99 under load. Here a thread lock queues the threads of one process
    and an flock on a sidecar file queues the processes; a waiter gets the gate within
    a millisecond of its release. The kernel drops the flock of a process that dies, so
    a worker killed mid-write blocks nobody. SQLite's busy timeout stays as the
    backstop for writes outside `transaction` and for other programs.
    """

    def __init__(self, path: str):
        self._threads = threading.Lock()
        self._fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        # Cleared while the checkpoint thread waits: Python's locks are not fair, and
        # busy writers would otherwise take the gate again and again before it.
        self._no_priority_waiter = threading.Event()
        self._no_priority_waiter.set()

    def acquire(self, timeout: float, priority: bool = False) -> bool:
        deadline = time.monotonic() + timeout
        if priority:
            self._no_priority_waiter.clear()
        elif not self._no_priority_waiter.is_set():  # wait() takes a lock even when set
            self._no_priority_waiter.wait(timeout)
        # The free gate (most writes) is taken without working out how long to wait.
        if not self._threads.acquire(False) and not self._threads.acquire(
                True, max(0.0, deadline - time.monotonic())):
            if priority:
                self._no_priority_waiter.set()
            return False
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, _FLOCK_NOW)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.release(priority)
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def release(self, priority: bool = False) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()
            if priority:
                self._no_priority_waiter.set()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def _gate(db: Database) -> WriteGate | None:
    path = getattr(db, "gate_path", None)
    if not path:
        return None
    # A gate made before a fork is never the child's (whose flock would then be the
    # parent's): the child starts with none (_after_fork_in_child). Not keyed by
    # os.getpid(), a system call on every write.
    gate = _gates.get(path)
    if gate is None:
        with _gates_lock:
            gate = _gates.get(path)
            if gate is None:
                gate = _gates[path] = WriteGate(path)
    return gate


def transaction(db: Database, writers_lock: bool = True):
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE); use it
    as `with transaction(db):`.

    Taking the lock up front makes read-modify-write sequences (load call state, run
    the dialogue, save) safe against a second worker answering a retry of the same
    webhook at the same moment. Writers first queue at the file's `WriteGate`; one
    that cannot pass within the busy timeout fails as SQLite would ("database is
    locked"), so callers handle both the same way.

    `writers_lock=False` is for writes that guard themselves, such as a compare-and-set
    on the one row they change: on PostgreSQL they then take only the row locks their
    statements take, and writers of other calls do not wait for them. SQLite has one
    write lock whatever is asked.
    """
    if engine(db) == "postgresql":
        return _pg_transaction(db, writers_lock)
    return _SqliteTransaction(db)


class _SqliteTransaction:
    """`transaction` on SQLite. A class rather than a generator under contextlib, and
    its statements sent to sqlite3 directly: every webhook turn takes one or two of
    these (measured: 0.8% of a request)."""

    __slots__ = ("db", "gate")

    def __init__(self, db: Database):
        self.db = db
        self.gate = _gate(db)

    def __enter__(self) -> Database:
        gate = self.gate
        if gate is not None and not gate.acquire(BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked (write gate)")
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            if gate is not None:
                gate.release()
            raise
        return self.db

    def __exit__(self, kind, error, trace) -> bool:
        db = self.db
        try:
            if kind is not None:
                db.conn.execute("ROLLBACK")
                return False  # the error goes on
            db.conn.execute("COMMIT")
            if getattr(db, "checkpointed_elsewhere", False):
                checkpointer.wrote(db.gate_path)
        finally:
            if self.gate is not None:
                self.gate.release()
        return False


@contextlib.contextmanager
def _pg_transaction(db, writers_lock: bool) -> Iterator:
    """PostgreSQL: BEGIN, then the writers' advisory lock (db_postgres.WRITE_LOCK), which
    every node's writers queue at as one machine's did at BEGIN IMMEDIATE. Held to the
    end of the transaction; a writer that waits past the lock timeout fails as a busy
    SQLite would. Both in one round trip (db_postgres.BEGIN_LOCKED)."""
    import db_postgres

    try:
        # A lock not had in time fails after BEGIN: rolled back below as well.
        db.execute(db_postgres.BEGIN_LOCKED if writers_lock else "BEGIN")
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Checkpointer:
    """Checkpoints, in one background thread per process, the databases written lately.

    By default SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages:
    that request then copies the pages back and waits for an fsync, while holding the
    write gate every other writer queues at. Measured, that was half of what a commit
    cost on average. Webhook connections therefore switch the automatic checkpoint off
    (`wal_autocheckpoint=0`) and tell this thread which files they wrote.

    These checkpoints are PASSIVE: they never block a writer. Under a load that never
    pauses, though, writers keep adding to the WAL while it is copied, SQLite never
    starts it over, and it grew by 12 MB a second (200 MB in a 16 s load run). So once
    the WAL is past `WAL_RESTART_FRAMES`, the next round holds the write gate for the
    rest of the copy (RESTART) and the next writer starts the WAL from its beginning.
    Holding the gate every round instead cost a fifth of the throughput.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._written: dict[str, float] = {}  # path -> when last written (monotonic)
        self._thread: threading.Thread | None = None

    def wrote(self, path: str) -> None:
        self._written[path] = time.monotonic()
        # None: the first write of this process (a forked child starts with none, see
        # _after_fork_in_child): checked without os.getpid(), a system call per commit.
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="wal-checkpoint",
                                                    daemon=True)
                    self._thread.start()

    @classmethod
    def _checkpoint(cls, db: Database) -> None:
        _, frames, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames > WAL_RESTART_FRAMES:
            cls._restart(db)

    @staticmethod
    def _restart(db: Database) -> None:
        gate = _gate(db)
        if gate is not None and not gate.acquire(BUSY_TIMEOUT_MS / 1000, priority=True):
            return  # writers busy for seconds: try again next round
        try:
            # Readers still on the old WAL are waited for briefly, never for long: the
            # writers are held meanwhile.
            db.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            db.execute("PRAGMA wal_checkpoint(RESTART)")
        finally:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if gate is not None:
                gate.release(priority=True)

    def _run(self) -> None:
        open_dbs: dict[str, Database] = {}

        def let_go(path: str) -> None:
            db = open_dbs.pop(path, None)
            if db is not None:
                db.conn.close()

        while True:
            time.sleep(CHECKPOINT_EVERY_S)
            for path, last in list(self._written.items()):
                if not os.path.exists(path):  # removed (a test's folder): never recreate it
                    self._written.pop(path, None)
                    let_go(path)
                    continue
                try:
                    if path not in open_dbs:
                        open_dbs[path] = connect(path)
                    self._checkpoint(open_dbs[path])
                except Exception:  # noqa: BLE001 - this thread must live on; next round
                    log.exception("WAL checkpoint of %s failed", path)
                if time.monotonic() - last > CHECKPOINT_IDLE_S:
                    # Let an idle file go (tests make hundreds); a new write brings it back.
                    with self._lock:
                        if self._written.get(path) == last:
                            del self._written[path]
                    let_go(path)


checkpointer = Checkpointer()


def _after_fork_in_child() -> None:
    """A forked child starts with fresh locks. A lock that another thread of the parent
    (the checkpoint thread, a webhook making a gate) held at the moment of the fork
    would stay held for ever in the child, and its first write would wait for good: the
    likeliest reason why the racing test's forked callers once left it at queue.Empty
    (not reproduced in 20 runs since; test_db holds the locks at a fork on purpose)."""
    global _gates_lock
    _gates_lock = threading.Lock()
    _gates.clear()
    checkpointer._lock = threading.Lock()
    checkpointer._written.clear()
    checkpointer._thread = None  # the parent's thread did not come along


os.register_at_fork(after_in_child=_after_fork_in_child)


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
    # One name for every savepoint: SQLite's ROLLBACK TO and RELEASE act on the innermost
    # of that name, so nesting works, and the statements stay in sqlite3's cache (a new
    # name each time was compiled each time).
    db.execute("SAVEPOINT step")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK TO step")
        db.execute("RELEASE step")
        raise
    db.execute("RELEASE step")


def get_db() -> Database:
    """This thread's connection to the app's database, opened on first use and kept."""
    # `g` resolved once: each attribute read through Flask's context proxy costs a raised
    # and caught AttributeError, and a webhook asks for its connection several times.
    here = g._get_current_object()
    db = here.get("db")
    if db is None:
        target = current_app.config["HOTLINE_DATABASE"]
        # PostgreSQL: a connection from the pool for this request, given back at its end.
        db = here.db = connect(target) if is_postgres(target) else _thread_connection(target)
    return db


def _thread_connection(path: str) -> Database:
    open_here: OrderedDict = _local.__dict__.setdefault("open", OrderedDict())
    db = open_here.get(path)
    if db is None:
        db = leave_checkpoints(connect(path))
        open_here[path] = db
        while len(open_here) > OPEN_PER_THREAD:
            _, oldest = open_here.popitem(last=False)
            oldest.conn.close()
    else:
        open_here.move_to_end(path)
    return db


def leave_checkpoints(db: Database) -> Database:
    """Let this process's checkpoint thread checkpoint what this connection writes, not
    its own commits (which would hold the writers' gate meanwhile; see Checkpointer):
    for connections that write often, the webhooks' and the outbox sender's."""
    if getattr(db, "gate_path", None):
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.checkpointed_elsewhere = True  # type: ignore[attr-defined]
    return db


def close_db(_exc: BaseException | None = None) -> None:
    """End of a request: never leave a transaction open on the kept connection."""
    db = g._get_current_object().pop("db", None)  # not through the proxy (see get_db)
    if db is not None and engine(db) == "postgresql":
        db.conn.close()
    elif db is not None and db.conn.in_transaction:
        db.conn.rollback()


def migrate(db: Database, migrations: Migrations) -> dict[str, int]:
    """Bring each package's tables to its newest step; returns the packages moved on and
    the version each reached.

    `schema_versions` holds how far each package's steps have run. Each step runs once,
    in order, in one write transaction with the versions reached: nodes that start
    together take turns, and a step that fails undoes the whole migration (the app does
    not start; the database is as it was).
    Step 1 of every package is the schema as the releases before versioning built it:
    it inspects the tables and adds what is missing, so it brings a database from any of
    those releases to version 1. A change to the schema is a new step at the end of the
    list; a step that has shipped never changes (tests/test_migrations.py holds them).
    A database already past this release's steps (a newer node migrated it during a
    rolling upgrade) is used as it is: steps only add.
    """
    moved: dict[str, int] = {}
    with atomic(db):
        db.execute("CREATE TABLE IF NOT EXISTS schema_versions (package TEXT PRIMARY KEY,"
                   " version INTEGER NOT NULL, migrated_at TEXT NOT NULL)")
        versions = dict(db.execute("SELECT package, version FROM schema_versions").fetchall())
        for package, steps in migrations.items():
            have = versions.get(package, 0)
            if have > len(steps):
                log.warning("The database's %s tables are at version %d; this release knows "
                            "%d steps", package, have, len(steps))
                continue
            for step in steps[have:]:
                step(db)
            if len(steps) > have:
                db.execute("INSERT INTO schema_versions (package, version, migrated_at)"
                           " VALUES (?, ?, ?) ON CONFLICT (package) DO UPDATE SET"
                           " version = excluded.version, migrated_at = excluded.migrated_at",
                           [package, len(steps), clock.utc_text()])
                moved[package] = len(steps)
    if moved:
        log.info("Schema migrated: %s", ", ".join(f"{p} to {v}" for p, v in moved.items()))
    return moved


def init_app(app: Flask, migrations: Migrations) -> None:
    """Create or migrate every package's tables and close connections after requests."""
    app.extensions["hotline.migrations"] = migrations  # for `migrate-to` (migrate_to.py)
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        with transaction(db):
            if engine(db) == "postgresql":
                import db_postgres

                db_postgres.prepare(db)
            migrate(db, migrations)
    finally:
        db.conn.close()
    app.teardown_appcontext(close_db)
