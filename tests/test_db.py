"""The database's write gate: workers take turns to write, and a dead one blocks nobody.

The gate, the WAL and its checkpoints are SQLite's (`sqlite_only`); PostgreSQL's writers'
lock has the same tests in tests/test_store_engines.py.
"""

import signal
import subprocess
import sys
import threading

import pytest

import db as database

# A second worker process that takes the gate of a database file and keeps it until
# its standard input closes (or it is killed).
HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1] + "-writer", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def db(db):
    """The app's database, with a table of its own for these tests to write to."""
    db.execute("CREATE TABLE scratch (key TEXT PRIMARY KEY, body TEXT)")
    return db


@pytest.fixture
def hold_gate(app):
    """Starts another process holding the app database's write gate; returns it."""
    started = []

    def start():
        path = str(database.Path(app.config["HOTLINE_DATABASE"]).resolve())
        process = subprocess.Popen([sys.executable, "-c", HOLDER, path],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "holding"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(5)
        process.stdout.close()
        if not process.stdin.closed:
            process.stdin.close()


@pytest.fixture
def holder(hold_gate):
    return hold_gate()


def write_in_background(db):
    done = threading.Event()

    def write():
        with database.transaction(db):
            db.execute("INSERT INTO scratch (key, body) VALUES ('k', 'x')")
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, done


@pytest.mark.sqlite_only
def test_a_write_waits_while_another_worker_writes_and_goes_on_after(app, db, holder):
    thread, done = write_in_background(db)
    assert not done.wait(0.5)  # the other worker is writing
    holder.stdin.close()  # ... and is done
    thread.join(5)
    assert done.is_set()
    assert db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 1


@pytest.mark.sqlite_only
def test_a_worker_killed_while_writing_blocks_nobody(app, db, holder):
    thread, done = write_in_background(db)
    assert not done.wait(0.3)
    holder.send_signal(signal.SIGKILL)  # the kernel drops a dead process's lock
    thread.join(5)
    assert done.is_set()


@pytest.mark.sqlite_only
def test_a_gate_held_beyond_the_busy_timeout_fails_as_a_locked_database(app, db, holder,
                                                                          monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(database.sqlite3.OperationalError, match="locked"):
        with database.transaction(db):
            pass
    # Nothing is left held in this process: once the other worker is done, writes go on.
    holder.stdin.close()
    holder.wait(5)
    with database.transaction(db):
        db.execute("INSERT INTO scratch (key, body) VALUES ('k', 'x')")


@pytest.mark.sqlite_only
def test_a_caller_hears_a_holding_message_while_another_worker_holds_the_gate_too_long(
        app, caller, hold_gate, monkeypatch):
    caller.dial()
    holder = hold_gate()
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    reply = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    assert reply.status == 200
    assert "Einen Moment bitte." in reply.body
    holder.stdin.close()
    holder.wait(5)
    answered = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                           Confidence="0.9")
    assert "Kontoauszüge" in answered.body


@pytest.mark.sqlite_only
def test_webhook_writes_are_checkpointed_in_the_background_not_in_the_commit(app, db,
                                                                           monkeypatch):
    import os
    import time

    path = str(database.Path(app.config["HOTLINE_DATABASE"]).resolve())
    before = os.path.getsize(path)
    conn = database._thread_connection(path)
    # The background thread is told of the writes only after the loop: on a slow machine
    # its one-second round would otherwise come in the middle and copy pages back, and
    # the test could not tell that from a commit doing it.
    told = []
    monkeypatch.setattr(database.checkpointer, "wrote", told.append)
    body = "x" * 3000
    for n in range(400):  # about 1,200 pages: past SQLite's own checkpoint threshold
        with database.transaction(conn):
            conn.execute("INSERT INTO scratch (key, body) VALUES (?, ?)", [f"k{n}", body])
    # No commit copied the WAL back into the database file; each told the thread ...
    assert os.path.getsize(path) == before
    assert told == [path] * 400
    monkeypatch.undo()
    database.checkpointer.wrote(path)
    # ... which does, within a few of its rounds.
    deadline = time.monotonic() + 10
    while os.path.getsize(path) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.path.getsize(path) > before + 400 * 3000


@pytest.mark.sqlite_only
def test_the_wal_is_started_over_under_a_load_that_never_pauses(app, monkeypatch, db):
    import time

    monkeypatch.setattr(database, "CHECKPOINT_EVERY_S", 0.05)
    monkeypatch.setattr(database, "WAL_RESTART_FRAMES", 500)
    path = str(database.Path(app.config["HOTLINE_DATABASE"]).resolve())
    stop = threading.Event()
    written = [0]

    def write():
        db = database._thread_connection(path)
        n = 0
        # At least 3,000 writes and at least 4 s of them (the checkpoint thread's rounds):
        # however fast the machine, or a faked clock, runs.
        until = time.monotonic() + 4
        while n < 3000 or time.monotonic() < until:
            with database.transaction(db):
                db.execute("INSERT INTO scratch (key, body) VALUES (?, ?)", [f"k{n}", "x" * 3000])
            n += 1
            time.sleep(0.0002)  # a webhook does other work between two writes
        written[0] = n
        stop.set()

    def read():  # a reader on the WAL at nearly every moment, as busy webhooks are
        db = database._thread_connection(path)
        while not stop.is_set():
            db.execute("SELECT count(*) FROM scratch").fetchone()

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = database.connect(path)
    _, frames, _ = check.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    check.conn.close()
    assert written[0] >= 3000  # each write is a page or more: far more than 500 frames
    assert frames < 3 * 500  # the WAL now: started over, not grown by every write


def test_a_failed_step_inside_a_turn_undoes_only_itself(app, db):
    def insert(key):
        db.execute("INSERT INTO scratch (key, body) VALUES (?, 'x')", [key])

    with database.transaction(db):
        insert("outer")
        with database.atomic(db):
            insert("step")
            with pytest.raises(ValueError):
                with database.atomic(db):
                    insert("inner step")
                    raise ValueError("the inner step fails")
        with pytest.raises(ValueError):
            with database.atomic(db):
                insert("second step")
                raise ValueError("so does this one")
        insert("after")
    keys = {row[0] for row in db.execute("SELECT key FROM scratch")}
    assert keys == {"outer", "step", "after"}


def _write_in_child(path: str, results) -> None:
    try:
        child = database.connect(path)
        with database.transaction(child):
            child.execute("INSERT INTO scratch VALUES ('child', 'forked')")
        database.checkpointer.wrote(child.gate_path)
        results.put("written")
    except BaseException as error:  # the parent shows why
        results.put(repr(error))


@pytest.mark.sqlite_only
def test_a_child_forked_while_another_thread_holds_the_locks_can_still_write(db, app):
    """gunicorn's workers and the racing test fork; a lock held by another thread at
    that moment (the checkpoint thread's, a gate being made) must not stay held in the
    child for ever."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    path = app.config["HOTLINE_DATABASE"]
    with database._gates_lock, database.checkpointer._lock:  # as another thread might
        child = context.Process(target=_write_in_child, args=(path, results))
        child.start()
    try:
        assert results.get(timeout=30) == "written"
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
    assert db.execute("SELECT body FROM scratch WHERE key = 'child'").fetchone() == ("forked",)
