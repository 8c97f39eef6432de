"""The outbox's sender, counted: write transactions, statements and CPU time per message.

    python bench/bench_sender.py [--reminders 5000]

In one process, without gunicorn, pace or webhooks: `--reminders` bookings whose SMS
reminder is due are turned into outbox rows and sent through the fake gateway by an
`outbox.Sender` (as production runs it, with its lease), on a SQLite file in WAL mode.
Counted on the sender's connection: write transactions (each takes the writers' gate
and SQLite's write lock that the webhooks need too) and statements; and the CPU time of
the sender's thread per 1,000 messages. Counts do not drift with a shared machine's load
as latencies do (bench_reminders.py measures those); the CPU time does a little.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db as database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=5000)
    count = parser.parse_args().reminders
    folder = tempfile.mkdtemp(prefix="bench-sender-")
    path = os.path.join(folder, "hotline.sqlite3")
    os.environ.update(HOTLINE_DATABASE=path, HOTLINE_HASH_KEY="bench-hash-key-0123456789abcdef",
                      HOTLINE_SECRET_KEY="bench", HOTLINE_OUTBOX_RATE="0",
                      HOTLINE_REMINDER_HOURS="00:00-23:59", HOTLINE_REMINDER_DAYS="Mon-Sun",
                      HOTLINE_SMS_FROM="+4971519999999", HOTLINE_OUTBOX_THREAD="0",
                      HOTLINE_LOG_LEVEL="ERROR", TWILIO_AUTH_TOKEN="bench")
    seen: Counter = Counter()
    connect = database.connect

    def counted(target: str):
        db = connect(target)

        def trace(sql: str) -> None:
            seen["statements"] += 1
            if sql.startswith("BEGIN"):
                seen["write transactions"] += 1

        db.conn.set_trace_callback(trace)
        return db

    from bench_reminders import seed

    import outbox
    from app import create_app

    app = create_app()
    seed(path, count, datetime.now(UTC))
    database.connect = counted
    sender = outbox.Sender(app, name="bench", poll_s=0.01)
    watch = connect(path)
    wall = time.perf_counter()
    sender.start()
    clock_id = time.pthread_getcpuclockid(sender._thread.ident)
    sent = 0
    while sent < count and time.perf_counter() - wall < 300:
        time.sleep(0.05)
        sent = watch.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
    cpu, wall = time.clock_gettime(clock_id), time.perf_counter() - wall
    sender.stop()
    database.connect = connect
    print(f"{sent:,} of {count:,} reminders sent in {wall:.2f} s ({sent / wall:,.0f}/s)")
    print(f"  per message: {seen['write transactions'] / sent:.2f} write transactions, "
          f"{seen['statements'] / sent:.1f} statements")
    print(f"  CPU: {cpu / sent * 1000:.2f} s per 1,000 messages")


if __name__ == "__main__":
    main()
