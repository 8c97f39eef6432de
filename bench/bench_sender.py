"""The outbox's sender, counted: write transactions, statements and CPU time per message.

    python bench/bench_sender.py [--reminders 5000]
    python bench/bench_sender.py --twilio-latency 0.15 [--sms-rate 250] [--parallel N]

In one process, without gunicorn, pace or webhooks: `--reminders` bookings whose SMS
reminder is due are turned into outbox rows and sent through the fake gateway by an
`outbox.Sender` (as production runs it, with its lease), on a SQLite file in WAL mode.
Counted on the sender's connection: write transactions (each takes the writers' gate
and SQLite's write lock that the webhooks need too) and statements; and the CPU time of
the sender's thread per 1,000 messages. Counts do not drift with a shared machine's load
as latencies do (bench_reminders.py measures those); the CPU time does a little.

With `--twilio-latency S` the sender talks HTTP, through the real gateway, to a stand-in
for Twilio's REST API (tests/twilio_standin.py, in a process of its own) that answers
each request after S seconds, as the real one does in 100-300 ms; paced at `--sms-rate`
(HOTLINE_OUTBOX_RATE) with `--parallel` requests in flight (HOTLINE_OUTBOX_PARALLEL; 0:
the default, from the rate). Printed: the send rate reached (first to last `sent_at`)
against the configured one, and the most requests the stand-in held at once. The CPU
time is then the whole process's (the threads that make the requests too).
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
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from twilio_standin import OwnProcess  # noqa: E402

import db as database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--twilio-latency", type=float, default=0.0,
                        help="talk HTTP to a stand-in Twilio answering after this many seconds")
    parser.add_argument("--sms-rate", type=float, default=250,
                        help="HOTLINE_OUTBOX_RATE with --twilio-latency (without: no pace)")
    parser.add_argument("--parallel", type=int, default=0, help="HOTLINE_OUTBOX_PARALLEL")
    args = parser.parse_args()
    count = args.reminders
    folder = tempfile.mkdtemp(prefix="bench-sender-")
    path = os.path.join(folder, "hotline.sqlite3")
    os.environ.update(HOTLINE_DATABASE=path, HOTLINE_HASH_KEY="bench-hash-key-0123456789abcdef",
                      HOTLINE_SECRET_KEY="bench", HOTLINE_OUTBOX_RATE="0",
                      HOTLINE_OUTBOX_PARALLEL=str(args.parallel),
                      HOTLINE_REMINDER_HOURS="00:00-23:59", HOTLINE_REMINDER_DAYS="Mon-Sun",
                      HOTLINE_SMS_FROM="+4971519999999", HOTLINE_OUTBOX_THREAD="0",
                      HOTLINE_LOG_LEVEL="ERROR", TWILIO_AUTH_TOKEN="bench")
    standin = None
    if args.twilio_latency:
        standin = OwnProcess(args.twilio_latency)
        os.environ.update(HOTLINE_OUTBOX_RATE=str(args.sms_rate),
                          TWILIO_ACCOUNT_SID="AC" + "0" * 32, HOTLINE_TWILIO_API_BASE=standin.url)
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
    if standin:
        print(f"Stand-in Twilio answering after {args.twilio_latency * 1000:.0f} ms; "
              f"HOTLINE_OUTBOX_RATE={args.sms_rate:.0f}, at most "
              f"{outbox.parallel_for(app.config)} requests in flight", flush=True)
    seed(path, count, datetime.now(UTC))
    # The first reminder loads the holiday calendars (0.2-0.4 s of CPU, once a process):
    # loaded before the count starts, as in a sender that has run a while.
    import holidays.countries  # noqa: F401
    database.connect = counted
    sender = outbox.Sender(app, name="bench", poll_s=0.01)
    watch = connect(path)
    wall = time.perf_counter()
    sender.start()
    clock_id = time.pthread_getcpuclockid(sender._thread.ident)
    process_cpu = time.process_time()
    sent = 0
    while sent < count and time.perf_counter() - wall < 300:
        time.sleep(0.05)
        sent = watch.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
    cpu, wall = time.clock_gettime(clock_id), time.perf_counter() - wall
    if standin:  # the requests' threads too (the stand-in is a process of its own)
        cpu = time.process_time() - process_cpu
    sender.stop()
    database.connect = connect
    print(f"{sent:,} of {count:,} reminders sent in {wall:.2f} s ({sent / wall:,.0f}/s)")
    if standin:
        first, last = watch.execute("SELECT min(sent_at), max(sent_at) FROM outbox"
                                    " WHERE state = 'sent'").fetchone()
        span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
        requests, most, standin_cpu = standin.stop()
        print(f"  send rate, first to last sent_at: {(sent - 1) / span:,.1f}/s against "
              f"{args.sms_rate:.0f}/s configured ({(sent - 1) / span / args.sms_rate:.2f}x); "
              f"the stand-in held at most {most} requests at once ({requests} in all)")
        print(f"  the stand-in's own CPU (not ours in production): {standin_cpu:.2f} s, "
              f"{standin_cpu / requests * 1000:.2f} s per 1,000 requests")
    print(f"  per message: {seen['write transactions'] / sent:.2f} write transactions, "
          f"{seen['statements'] / sent:.1f} statements")
    print(f"  CPU: {cpu / sent * 1000:.2f} s per 1,000 messages")


if __name__ == "__main__":
    main()
