"""Benchmark: webhook turns per second and latency under gunicorn, beside the stack's floor.

Run from the project root: ``python bench/bench_load.py [--seconds 4] [--rounds 5]
[--callers 20] [--rate 200] [--history 0,10000]``.

Both servers run under gunicorn with the same workers on loopback:
- the hotline (`app:create_app()`), on a fresh SQLite file, optionally pre-filled with
  a recorded history of N calls (``flask seed-calls``) to show how cost grows;
- the floor: a minimal Flask app that answers every webhook with one fixed <Gather>
  (bench/floor_app.py), i.e. what gunicorn + Flask + Twilio's TwiML cost at the least.

Each simulated call is a realistic sequence of signed Twilio requests (incoming, four
turns, status callback). Two measurements per server: as fast as `--callers` concurrent
calls can go (throughput, and the servers' CPU time per turn), and paced at `--rate`
turns per second (latency p50/p99 at that rate). The load generator shares the machine's
cores with the servers. Shared machines drift by a factor of two within minutes, so the
floor and the hotline run in alternating rounds and the medians are printed; the ratio
hotline / floor is the figure to read.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
# Production settings need a secret for hashing callers' numbers (config.py); the history
# is recorded with the same one the servers use.
HASH_KEY = "bench-hash-key-0123456789abcdef"
TOKEN = "bench-load-token"
CALL = [  # (path, fields) of one call; {t} is the turn number the hotline expects
    ("/voice/incoming", {"CallStatus": "ringing"}),
    ("/voice/turn?t=0", {"SpeechResult": "welche unterlagen brauche ich", "Confidence": "0.9"}),
    ("/voice/turn?t=1", {"SpeechResult": "ja", "Confidence": "0.9"}),
    ("/voice/turn?t=2", {"SpeechResult": "kann ich das auch online machen",
                         "Confidence": "0.9"}),
    ("/voice/turn?t=3", {"SpeechResult": "nein danke", "Confidence": "0.9"}),
    ("/voice/status", {"CallStatus": "completed", "CallDuration": "75"}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, **env, "HOTLINE_BIND": f"127.0.0.1:{port}",
           "HOTLINE_WORKERS": str(workers), "HOTLINE_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                                str(ROOT / "gunicorn.conf.py"), app],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let every worker come up
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def run_load(port: int, seconds: float, callers: int, rate: float | None):
    """Calls over keep-alive connections; returns (latencies, turns, errors, elapsed)."""
    validator = RequestValidator(TOKEN)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    interval = callers / rate if rate else 0.0  # each caller paces its own requests

    def caller() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        mine: list[float] = []
        bad = 0
        # Paced callers send at random (Poisson) moments, as independent callers do; in
        # lockstep they would arrive twenty at a time and measure the queue they made.
        next_at = time.monotonic() + (random.uniform(0, interval) if interval else 0)
        while time.monotonic() < stop_at:
            sid = "CA" + uuid.uuid4().hex
            for path, fields in CALL:
                if interval:
                    next_at += random.expovariate(1 / interval)
                    if next_at >= stop_at:
                        break
                    pause = next_at - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                form = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+4915100000000",
                        "To": "+4971510000000", **fields}
                body = urllib.parse.urlencode(form)
                headers = {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": validator.compute_signature(base + path, form)}
                started = time.perf_counter()
                try:
                    conn.request("POST", path, body, headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status >= 400:
                        bad += 1
                except (OSError, http.client.HTTPException):
                    bad += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    began = time.monotonic()
    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(latencies), errors[0], time.monotonic() - began


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time used so far by the gunicorn master and its workers (Linux /proc)."""
    pids = [process.pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children")
                 .read_text().split()]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def seed_history(database: str, calls: int) -> None:
    if calls <= 0:
        return
    print(f"  recording a history of {calls:,} calls first ...", flush=True)
    env = {**os.environ, "HOTLINE_HASH_KEY": HASH_KEY, "HOTLINE_DATABASE": database,
           "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-calls", "--calls",
                    str(calls)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Server:
    """One gunicorn under test, and what was measured of it round by round."""

    def __init__(self, name: str, app: str, env: dict, workers: int):
        self.name = name
        self.process, self.port = start(app, env, workers)
        self.tps: list[float] = []
        self.cpu_ms: list[float] = []  # server CPU per turn
        self.flat: list[float] = []  # latencies flat out
        self.paced: list[float] = []  # latencies at the paced rate
        self.rate: list[float] = []
        self.errors = 0

    def flat_out(self, seconds: float, callers: int) -> None:
        before = cpu_seconds(self.process)
        lat, turns, errors, elapsed = run_load(self.port, seconds, callers, None)
        self.cpu_ms.append((cpu_seconds(self.process) - before) / max(turns, 1) * 1000)
        self.tps.append(turns / elapsed)
        self.flat += lat
        self.errors += errors

    def at_rate(self, seconds: float, callers: int, rate: float) -> None:
        lat, turns, errors, elapsed = run_load(self.port, seconds, callers, rate)
        self.paced += lat
        self.rate.append(turns / elapsed)
        self.errors += errors

    def row(self) -> dict:
        return {"tps": statistics.median(self.tps), "cpu": statistics.median(self.cpu_ms),
                "p50": pct(self.flat, 0.5), "p99": pct(self.flat, 0.99),
                "rate": statistics.median(self.rate), "paced_p50": pct(self.paced, 0.5),
                "paced_p99": pct(self.paced, 0.99), "errors": self.errors}

    def stop(self) -> None:
        stop(self.process)


def compare(floor: Server, hotline: Server, args) -> None:
    """Rounds taken in turn, floor then hotline, so both see the same machine."""
    for server in (floor, hotline):
        run_load(server.port, 2, args.callers, None)  # warm up
    ratios = []
    for _ in range(args.rounds):
        floor.flat_out(args.seconds, args.callers)
        hotline.flat_out(args.seconds, args.callers)
        ratios.append(hotline.tps[-1] / floor.tps[-1])
    for _ in range(args.rounds):
        floor.at_rate(args.seconds, args.callers, args.rate)
        hotline.at_rate(args.seconds, args.callers, args.rate)
    for server in (floor, hotline):
        row = server.row()
        print(f"  {server.name:30} {row['tps']:8.0f} {row['cpu']:7.2f} {row['p50']:7.1f} "
              f"{row['p99']:7.1f}   {row['rate']:6.0f} {row['paced_p50']:7.1f} "
              f"{row['paced_p99']:7.1f} {row['errors']:6d}", flush=True)
    hot, low = hotline.row(), floor.row()
    print(f"    throughput {statistics.median(ratios):.2f}x the floor (rounds: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}); CPU per turn {hot['cpu'] / low['cpu']:.1f}x; "
          f"p99 at {hot['rate']:.0f} turns/s: {hot['paced_p99']:.1f} ms "
          f"(floor {low['paced_p99']:.1f} ms)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Five short rounds rather than three long ones: the machine's phase changes within
    # seconds, and the median of more floor/hotline pairs moved less between runs.
    parser.add_argument("--seconds", type=float, default=4, help="length of one round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--history", default="0,10000",
                        help="comma-separated sizes of recorded history, e.g. 0,10000,1000000")
    args = parser.parse_args()
    threads = os.environ.get("HOTLINE_THREADS", "4")
    print(f"{os.cpu_count()} cores, gunicorn {args.workers} workers x {threads} threads, "
          f"{args.callers} concurrent callers, {args.rounds} rounds of {args.seconds:.0f} s "
          f"each, floor and hotline in turn; medians")
    print(f"  {'server':30} {'turns/s':>8} {'CPU ms':>7} {'p50 ms':>7} {'p99 ms':>7}   "
          f"{'paced':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for size in [int(x) for x in args.history.split(",") if x.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            database = str(Path(tmp) / "hotline.sqlite3")
            seed_history(database, size)
            env = {"HOTLINE_DATABASE": database, "TWILIO_AUTH_TOKEN": TOKEN,
                   "HOTLINE_ENV": "production", "PROMETHEUS_MULTIPROC_DIR": tmp + "/m",
                   "HOTLINE_HASH_KEY": HASH_KEY}
            floor = Server("floor (fixed <Gather>)", "bench.floor_app:app", {}, args.workers)
            try:
                hotline = Server(f"hotline, {size:,} calls recorded", "app:create_app()", env,
                                 args.workers)
                try:
                    compare(floor, hotline, args)
                finally:
                    hotline.stop()
            finally:
                floor.stop()


if __name__ == "__main__":
    main()
