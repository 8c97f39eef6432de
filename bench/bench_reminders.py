"""Benchmark: 10,000 reminders due in the same minute, sent at the configured rate, while
the usual webhook turns go on at 200 a second.

    python bench/bench_reminders.py [--reminders 10000] [--sms-rate 250] [--rate 200]
                                    [--twilio-latency 0.15] [--parallel N]

The hotline runs under gunicorn as in production (bench_load.py's servers: a worker per
core plus one, and the outbox's sender process beside them), with the fake Twilio
gateway. The baseline is the same server in the same run with no reminder due: paced
turns at `--rate` for a few rounds before and after. Then `--reminders` bookings whose
reminder came due a minute ago are written to the database, and the same paced turns
run until the last reminder is sent. Printed: the send rate reached against the
configured HOTLINE_OUTBOX_RATE (from the first to the last reminder's `sent_at`), the
turns' p50/p99 while sending against the baseline (the target: p99 under 50 ms), and
CPU time from /proc: the workers' per turn, baseline and while sending, and the sender
process's per 1,000 reminders (a sender that is a thread in the workers shows in theirs).

With `--twilio-latency S` the sender talks HTTP, through the real gateway, to a stand-in
for Twilio's REST API (tests/twilio_standin.py, a process of its own on the same cores,
at nice 19: Twilio's work is not ours) answering each request after S seconds, as the
real one does in 100-300 ms, with `--parallel` requests in flight
(HOTLINE_OUTBOX_PARALLEL; 0: the default, from the rate). Without it, the fake gateway
answers at once and hides Twilio's round trip.

The reminder hours and days are opened to the whole week for the run
(HOTLINE_REMINDER_HOURS, HOTLINE_REMINDER_DAYS), so that it measures the same on a
Sunday. Only on a public holiday does the server run under `faketime` from the next
Monday 10:00 UTC on, and then its figures are not worth much: libfaketime serialises the
workers' threads on its own lock (strace: about a thousand futex calls a turn), and the
same server answers 8-10 times fewer turns a second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_load import HASH_KEY, ROOT, TOKEN, free_port, pct, run_load, run_wrk  # noqa: E402
from twilio_standin import OwnProcess  # noqa: E402

from db import connect, transaction  # noqa: E402
from schedules.calendar import holiday_name  # noqa: E402

ROUND_S = 5.0


def paced_round(port: int, callers: int, rate: float, generator: str):
    """One round of turns paced at `rate`: (turns, p50 ms, p99 ms)."""
    if generator == "wrk":
        turns, _, _, p50, p99, _ = run_wrk(port, ROUND_S, callers, rate)
        return turns, p50, p99
    latencies, turns, _, _ = run_load(port, ROUND_S, callers, rate)
    return turns, pct(latencies, 0.5), pct(latencies, 0.99)


def server_clock() -> datetime:
    """Now, or the next Monday 10:00 UTC when today is a public holiday."""
    now = datetime.now(UTC)
    if holiday_name("BW", now.date()) is None:
        return now
    monday = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)
    return datetime(monday.year, monday.month, monday.day, 10, 0, tzinfo=UTC)


def start(env: dict, workers: int, at: datetime) -> tuple[subprocess.Popen, int]:
    """The hotline under gunicorn (as bench_load.py), at `at` under faketime if not now."""
    port = free_port()
    env = {**os.environ, **env, "HOTLINE_BIND": f"127.0.0.1:{port}",
           "HOTLINE_WORKERS": str(workers), "HOTLINE_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "app:create_app()"]
    if abs((at - datetime.now(UTC)).total_seconds()) > 60:
        if shutil.which("faketime") is None:
            raise SystemExit("Today no reminder may go out, and faketime is not installed")
        # As tools/test-clock: only the wall clock is faked, sleeps go through select().
        command = ["faketime", "-f", at.strftime("@%Y-%m-%d %H:%M:%S"), *command]
        env.update(TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "tools" / "faketime"),
                                                            env.get("PYTHONPATH")])))
    # A session of its own: faketime forks gunicorn, and the whole group is stopped.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)
                return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("the hotline did not start")


def stop(process: subprocess.Popen) -> None:
    """gunicorn and its workers (and faketime, if it wraps them): the process group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def seed(database: str, count: int, now: datetime) -> None:
    """`count` bookings tomorrow whose SMS reminder was due a minute ago."""
    due = (now - timedelta(minutes=1)).isoformat(timespec="seconds")
    start_at = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    db = connect(database)
    rows = []
    for n in range(count):
        begin = start_at + timedelta(minutes=15 * (n % 40))
        rows.append([f"{n:06d}", f"bench-token-{n}", "waiblingen", "arbeitsvermittlung",
                     f"bench-cw-{n // 40}", "Frau Bench", begin.isoformat(),
                     (begin + timedelta(minutes=15)).isoformat(), int(begin.timestamp()),
                     int(begin.timestamp()) + 900, "booked", f"+49170{n:07d}", "de",
                     now.isoformat(), 1, due, "scheduled", "sms", 1])
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO bookings (code, token, site_id, topic_id, caseworker_id,"
            " caseworker_name, start_utc, end_utc, start_ts, end_ts, status, phone, language,"
            " created_at, reminder_consent, reminder_due_at, reminder_state, reminder_channel,"
            " reminder_round) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    db.conn.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(process: subprocess.Popen) -> tuple[list[int], list[int]]:
    """(workers, sender processes) of the gunicorn that `process` runs (perhaps under
    faketime): gunicorn's master is the process whose children they are."""
    def children(pid: int) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(child) for child in out.split()]

    found = children(process.pid)
    if len(found) == 1 and len(children(found[0])) > 1:  # faketime, then gunicorn
        found = children(found[0])
    senders = [pid for pid in found
               if b"outbox_process" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [pid for pid in found if pid not in senders], senders


def cpu_of(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def sending_span(database: str) -> float:
    """Seconds from the first reminder sent to the last."""
    db = connect(database)
    try:
        first, last = db.execute("SELECT min(sent_at), max(sent_at) FROM outbox"
                                 " WHERE purpose = 'reminder' AND state = 'sent'").fetchone()
    finally:
        db.conn.close()
    return (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()


def sent(database: str) -> int:
    db = connect(database)
    try:
        return db.execute("SELECT count(*) FROM outbox WHERE purpose = 'reminder'"
                          " AND state = 'sent'").fetchone()[0]
    finally:
        db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--sms-rate", type=float, default=250,
                        help="HOTLINE_OUTBOX_RATE: requests a second to Twilio")
    parser.add_argument("--rate", type=float, default=200, help="webhook turns a second")
    parser.add_argument("--twilio-latency", type=float, default=0.0,
                        help="talk HTTP to a stand-in Twilio answering after this many seconds")
    parser.add_argument("--parallel", type=int, default=0, help="HOTLINE_OUTBOX_PARALLEL")
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="baseline rounds before/after")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--generator", choices=["wrk", "python"],
                        default="wrk" if shutil.which("wrk") else "python",
                        help="what paces the turns: wrk (C, little CPU of its own) or Python")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    database = str(folder / "hotline.sqlite3")
    env = {"HOTLINE_DATABASE": database, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_HASH_KEY": HASH_KEY,
           "HOTLINE_SECRET_KEY": "bench", "HOTLINE_OUTBOX_RATE": str(args.sms_rate),
           "HOTLINE_REMINDER_HOURS": "00:00-23:59", "HOTLINE_REMINDER_DAYS": "Mon-Sun",
           "HOTLINE_SMS_FROM": "+4971519999999", "HOTLINE_OUTBOX_PARALLEL": str(args.parallel)}
    standin = None
    if args.twilio_latency:
        standin = OwnProcess(args.twilio_latency)
        env.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, HOTLINE_TWILIO_API_BASE=standin.url)
    at = server_clock()
    process, port = start(env, args.workers, at)
    started_at = time.monotonic()
    try:
        print(f"{os.cpu_count()} cores, gunicorn {args.workers} workers; {args.reminders:,} "
              f"reminders at HOTLINE_OUTBOX_RATE={args.sms_rate:.0f}/s; turns paced at "
              f"{args.rate:.0f}/s", flush=True)
        run_load(port, 2, args.callers, None)  # warm up
        workers, senders = server_processes(process)
        nice = os.getpriority(os.PRIO_PROCESS, senders[0]) if senders else 0
        cpu = [(cpu_of(workers), cpu_of(senders))]
        before = [paced_round(port, args.callers, args.rate, args.generator)
                  for _ in range(args.rounds)]
        cpu.append((cpu_of(workers), cpu_of(senders)))
        seed(database, args.reminders, at + timedelta(seconds=time.monotonic() - started_at))
        began = time.monotonic()
        during = []
        while sent(database) < args.reminders and time.monotonic() - began < 600:
            during.append(paced_round(port, args.callers, args.rate, args.generator))
        took = time.monotonic() - began
        done = sent(database)
        span = sending_span(database) if done > 1 else took
        cpu.append((cpu_of(workers), cpu_of(senders)))
        after = [paced_round(port, args.callers, args.rate, args.generator)
                 for _ in range(args.rounds)]
        cpu.append((cpu_of(workers), cpu_of(senders)))
    finally:
        stop(process)
        if standin:
            _, most, cpu_s = standin.stop()
            print(f"  stand-in Twilio answering after {args.twilio_latency * 1000:.0f} ms (at "
                  f"nice 19, on the same cores): at most {most} requests at once, "
                  f"{cpu_s} s of CPU", flush=True)
    baseline = before + after
    print(f"  reminders sent: {done:,} of {args.reminders:,}, the first to the last in "
          f"{span:.1f} s: {(done - 1) / span:.0f}/s, {(done - 1) / span / args.sms_rate:.2f}x "
          f"the configured rate (all sent within {took:.0f} s of {ROUND_S:.0f} s rounds)",
          flush=True)
    turns_baseline = sum(r[0] for r in baseline)
    turns_during = sum(r[0] for r in during)
    workers_baseline = (cpu[1][0] - cpu[0][0]) + (cpu[3][0] - cpu[2][0])
    print(f"  CPU: workers {workers_baseline / turns_baseline * 1000:.2f} ms a turn with "
          f"nothing due, {(cpu[2][0] - cpu[1][0]) / turns_during * 1000:.2f} ms while sending; "
          + (f"sender process {(cpu[2][1] - cpu[1][1]) / done * 1000:.2f} s per 1,000 "
             f"reminders (nice {nice})"
             if senders and done else "no sender process (a thread in the workers)"),
          flush=True)
    print(f"  turns ({args.generator}, {ROUND_S:.0f} s rounds; medians, worst round's p99)")
    print(f"  {'':28} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'worst':>7}")
    rows = {}
    for name, rounds in (("baseline (nothing due)", baseline), ("while reminders go out", during)):
        rows[name] = (statistics.median(r[1] for r in rounds),
                      statistics.median(r[2] for r in rounds), max(r[2] for r in rounds))
        print(f"  {name:28} {statistics.median(r[0] for r in rounds) / ROUND_S:8.0f} "
              f"{rows[name][0]:7.1f} {rows[name][1]:7.1f} {rows[name][2]:7.1f}")
    (b50, b99, _), (d50, d99, _) = rows.values()
    print(f"    p99 while sending / baseline: {d99 / b99:.2f}x; p50 {d50 / b50:.2f}x; "
          f"target p99 under 50 ms: {'met' if d99 < 50 else 'NOT met'}", flush=True)


if __name__ == "__main__":
    main()
