"""The outbox against huey's SQLite queue: what queueing an SMS costs a webhook, how fast
the sender empties the queue, and what happens to a message whose sender dies.

    python bench/bench_outbox.py [--messages 2000]

Three ways of finishing a booking webhook, each on its own SQLite file (WAL, as in
production): the booking alone (the floor); the booking and its SMS in one transaction
through our outbox; the booking, then the SMS handed to huey (`SqliteHuey`, huey's own
connection and tables in the same file). Then each queue is emptied through the fake
gateway, and finally a sender takes one message and dies before sending it.

huey is not a dependency of the hotline; install it to run this (`pip install huey`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import outbox  # noqa: E402
from db import connect, transaction  # noqa: E402
from gateway import FakeGateway  # noqa: E402

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BODY = ("Jobcenter Rems-Murr: Ihr Termin am Dienstag, 1. Dezember, 9:30 Uhr, Backnang, "
        "Am Obstmarkt 3. Buchungsnummer 123456. Für Ihren Kalender: https://hotline.example.de"
        "/appointments/abcdefabcdefabcdef.ics")


def booking_table(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS bookings (id INTEGER PRIMARY KEY, call_sid TEXT,"
               " code TEXT, phone TEXT)")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[int(len(ordered) * 0.99)] * 1000
    return f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, mean {statistics.mean(samples) * 1000:.3f} ms"


def run_floor(folder: Path, count: int) -> list[float]:
    db = connect(str(folder / "floor.sqlite3"))
    booking_table(db)
    times = []
    for n in range(count):
        started = time.perf_counter()
        with transaction(db):
            db.execute("INSERT INTO bookings (call_sid, code, phone) VALUES (?, ?, ?)",
                       [f"CA{n}", f"{n:06d}", "+491701234567"])
        times.append(time.perf_counter() - started)
    db.conn.close()
    return times


def run_outbox(folder: Path, count: int) -> tuple[list[float], float, int]:
    path = str(folder / "outbox.sqlite3")
    db = connect(path)
    booking_table(db)
    outbox.migrate(db)
    times = []
    for n in range(count):
        started = time.perf_counter()
        with transaction(db):
            db.execute("INSERT INTO bookings (call_sid, code, phone) VALUES (?, ?, ?)",
                       [f"CA{n}", f"{n:06d}", "+491701234567"])
            outbox.enqueue(db, to="+491701234567", body=BODY, purpose="booking_confirmation",
                           key=f"CA{n}:booking", call_sid=f"CA{n}", now=NOW)
        times.append(time.perf_counter() - started)
    gateway = FakeGateway()
    started = time.perf_counter()
    while (message := outbox.claim(db, "bench", NOW)) is not None:
        outbox.deliver(db, gateway, message, "bench", NOW)
    drained = time.perf_counter() - started
    sent = len(gateway.messages)
    # A sender takes a message and dies before sending it.
    with transaction(db):
        outbox.enqueue(db, to="+491701234567", body=BODY, purpose="booking_confirmation",
                       key="CA-dies:booking", call_sid="CA-dies", now=NOW)
    assert outbox.claim(db, "dies", NOW) is not None
    later = NOW.replace(minute=10)
    survivor = outbox.claim(db, "next", later)
    kept = survivor is not None
    db.conn.close()
    return times, drained, sent, kept


def run_huey(folder: Path, count: int):
    from huey import SqliteHuey

    path = str(folder / "huey.sqlite3")
    db = connect(path)
    booking_table(db)
    huey = SqliteHuey(filename=path)
    gateway = FakeGateway()

    @huey.task(retries=10, retry_delay=5)
    def send_sms(to, body):
        gateway.send_sms(to, body)

    times = []
    for n in range(count):
        started = time.perf_counter()
        with transaction(db):
            db.execute("INSERT INTO bookings (call_sid, code, phone) VALUES (?, ?, ?)",
                       [f"CA{n}", f"{n:06d}", "+491701234567"])
        send_sms("+491701234567", BODY)  # its own connection: after the booking's commit
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    drained = time.perf_counter() - started
    sent = len(gateway.messages)
    # A consumer takes a task and dies before running it: huey deleted it when it took it.
    send_sms("+491701234567", BODY)
    assert huey.dequeue() is not None
    kept = huey.pending_count() > 0 or huey.dequeue() is not None
    db.conn.close()
    return times, drained, sent, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    count = parser.parse_args().messages
    try:
        import huey  # noqa: F401
    except ImportError:
        print("huey is not installed: pip install huey", file=sys.stderr)
        raise SystemExit(2) from None
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        floor = run_floor(folder, count)
        own, own_drain, own_sent, own_kept = run_outbox(folder, count)
        hue, hue_drain, hue_sent, hue_kept = run_huey(folder, count)
    print(f"{count} booking webhooks, each a write transaction (+ queueing its SMS):")
    print(f"  booking only (floor)        {percentiles(floor)}")
    print(f"  + outbox, same transaction  {percentiles(own)}")
    print(f"  + huey enqueue after commit {percentiles(hue)}")
    print("Emptying the queue through the fake gateway:")
    print(f"  outbox sender  {own_sent} sent in {own_drain:.2f} s "
          f"({own_sent / own_drain:.0f}/s; claim and result are two transactions)")
    print(f"  huey consumer  {hue_sent} sent in {hue_drain:.2f} s ({hue_sent / hue_drain:.0f}/s)")
    print("A sender takes a message and dies before sending it:")
    print(f"  outbox: message {'sent by the next sender' if own_kept else 'LOST'}")
    print(f"  huey:   message {'kept' if hue_kept else 'LOST (dequeue deletes the task)'}")


if __name__ == "__main__":
    main()
