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
import resource
import shutil
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


def write_calls(folder: Path, port: int, connections: int, calls_each: int) -> None:
    """Pre-signed calls for wrk: one file per connection, every CallSid new."""
    validator = RequestValidator(TOKEN)
    base = f"http://127.0.0.1:{port}"
    for thread in range(connections):
        lines = []
        for _ in range(calls_each):
            sid = "CA" + uuid.uuid4().hex
            for path, fields in CALL:
                form = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+4915100000000",
                        "To": "+4971510000000", **fields}
                lines.append(f"{path}\t{urllib.parse.urlencode(form)}\t"
                             f"{validator.compute_signature(base + path, form)}")
        (folder / f"calls-{thread}.txt").write_text("\n".join(lines) + "\n")


def run_wrk(port: int, seconds: float, callers: int, rate: float | None):
    """wrk with one connection per thread; returns (turns, errors, elapsed, p50, p99, cpu).

    cpu is wrk's own CPU time per request in ms, to compare the generators' cost."""
    # Enough calls that no connection runs out at 3,000 requests a second (the floor
    # manages about half that here); a run that still ran out is repeated with more.
    per_second = 3000 if not rate else rate * 1.5
    calls_each = int(per_second * seconds / callers / len(CALL)) + 2
    mean_delay_ms = callers / rate * 1000 if rate else 0
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            write_calls(Path(folder), port, callers, calls_each)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run(
                ["wrk", "-t", str(callers), "-c", str(callers), "-d", f"{max(1, round(seconds))}s",
                 "--timeout", "20s", "-s", str(ROOT / "bench" / "wrk_calls.lua"),
                 f"http://127.0.0.1:{port}", "--", folder, f"{mean_delay_ms:.3f}"],
                capture_output=True, text=True, check=True).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = dict(item.split("=") for item in
                      out.split("WRK_RESULT ", 1)[1].split())
        if result["ran_out"] == "0":
            break
        calls_each *= 3
    turns = int(result["requests"])
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return (turns, int(result["bad"]) + int(result["socket_errors"]),
            int(result["duration_us"]) / 1e6, int(result["p50_us"]) / 1000,
            int(result["p99_us"]) / 1000, cpu / max(turns, 1) * 1000)


class Measured:
    """What one generator measured of one server, round by round."""

    def __init__(self):
        self.tps: list[float] = []
        self.cpu_ms: list[float] = []  # server CPU per turn
        self.gen_ms: list[float] = []  # the load generator's own CPU per turn
        self.flat: list[float] = []  # latencies flat out (python generator)
        self.flat_p: list[tuple[float, float]] = []  # (p50, p99) per round (wrk)
        self.paced: list[float] = []
        self.paced_p: list[tuple[float, float]] = []
        self.rate: list[float] = []
        self.errors = 0

    def row(self) -> dict:
        def p(samples, rounds, index, share):
            if samples:
                return pct(samples, share)
            # wrk reports percentiles per round; the median of the rounds' figures
            return statistics.median(r[index] for r in rounds) if rounds else 0.0
        return {"tps": statistics.median(self.tps), "cpu": statistics.median(self.cpu_ms),
                "gen": statistics.median(self.gen_ms) if self.gen_ms else 0.0,
                "p50": p(self.flat, self.flat_p, 0, 0.5),
                "p99": p(self.flat, self.flat_p, 1, 0.99),
                "rate": statistics.median(self.rate),
                "paced_p50": p(self.paced, self.paced_p, 0, 0.5),
                "paced_p99": p(self.paced, self.paced_p, 1, 0.99), "errors": self.errors}


class Server:
    """One gunicorn under test."""

    def __init__(self, name: str, app: str, env: dict, workers: int):
        self.name = name
        self.process, self.port = start(app, env, workers)

    def flat_out(self, into: Measured, generator: str, seconds: float, callers: int) -> None:
        before = cpu_seconds(self.process)
        if generator == "wrk":
            turns, errors, elapsed, p50, p99, gen = run_wrk(self.port, seconds, callers, None)
            into.flat_p.append((p50, p99))
            into.gen_ms.append(gen)
        else:
            started = time.process_time()  # this process is the Python generator
            lat, turns, errors, elapsed = run_load(self.port, seconds, callers, None)
            into.flat += lat
            into.gen_ms.append((time.process_time() - started) / max(turns, 1) * 1000)
        into.cpu_ms.append((cpu_seconds(self.process) - before) / max(turns, 1) * 1000)
        into.tps.append(turns / elapsed)
        into.errors += errors

    def at_rate(self, into: Measured, generator: str, seconds: float, callers: int,
                rate: float) -> None:
        if generator == "wrk":
            turns, errors, elapsed, p50, p99, _ = run_wrk(self.port, seconds, callers, rate)
            into.paced_p.append((p50, p99))
        else:
            lat, turns, errors, elapsed = run_load(self.port, seconds, callers, rate)
            into.paced += lat
        into.rate.append(turns / elapsed)
        into.errors += errors

    def stop(self) -> None:
        stop(self.process)


def compare(floor: Server, hotline: Server, args, generator: str) -> None:
    """Rounds taken in turn, floor then hotline, so both see the same machine."""
    low, hot = Measured(), Measured()
    for server in (floor, hotline):
        run_load(server.port, 2, args.callers, None)  # warm up
    ratios = []
    for _ in range(args.rounds):
        floor.flat_out(low, generator, args.seconds, args.callers)
        hotline.flat_out(hot, generator, args.seconds, args.callers)
        ratios.append(hot.tps[-1] / low.tps[-1])
    for _ in range(args.rounds):
        floor.at_rate(low, generator, args.seconds, args.callers, args.rate)
        hotline.at_rate(hot, generator, args.seconds, args.callers, args.rate)
    for server, measured in ((floor, low), (hotline, hot)):
        row = measured.row()
        print(f"  {generator:6} {server.name:30} {row['tps']:8.0f} {row['cpu']:7.2f} "
              f"{row['gen']:7.2f} {row['p50']:7.1f} {row['p99']:7.1f}   {row['rate']:6.0f} "
              f"{row['paced_p50']:7.1f} {row['paced_p99']:7.1f} {row['errors']:6d}", flush=True)
    h, f = hot.row(), low.row()
    print(f"    {generator}: throughput {statistics.median(ratios):.2f}x the floor (rounds: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}); CPU per turn {h['cpu']:.2f} ms, "
          f"{h['cpu'] / f['cpu']:.1f}x the floor's; p99 at {h['rate']:.0f} turns/s: "
          f"{h['paced_p99']:.1f} ms (floor {f['paced_p99']:.1f} ms)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Five short rounds rather than three long ones: the machine's phase changes within
    # seconds, and the median of more floor/hotline pairs moved less between runs.
    parser.add_argument("--seconds", type=float, default=4, help="length of one round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("HOTLINE_THREADS", 4)))
    parser.add_argument("--worker-class", default=os.environ.get("HOTLINE_WORKER_CLASS",
                                                                 "gthread"),
                        help="gunicorn worker type for both servers (gthread or sync)")
    parser.add_argument("--history", default="0,10000",
                        help="comma-separated sizes of recorded history, e.g. 0,10000,1000000")
    parser.add_argument("--generator", choices=["wrk", "python", "both"],
                        default="both" if shutil.which("wrk") else "python",
                        help="load generator: wrk (C, little CPU of its own) or the Python "
                             "one; both by default while their figures are compared")
    args = parser.parse_args()
    generators = ["wrk", "python"] if args.generator == "both" else [args.generator]
    # Both servers read these in gunicorn.conf.py.
    os.environ["HOTLINE_THREADS"] = str(args.threads)
    os.environ["HOTLINE_WORKER_CLASS"] = args.worker_class
    threads = args.threads
    print(f"{os.cpu_count()} cores, gunicorn {args.worker_class} {args.workers} workers x "
          f"{threads} threads, "
          f"{args.callers} concurrent callers, {args.rounds} rounds of {args.seconds:.0f} s "
          f"each, floor and hotline in turn; medians")
    print(f"  {'gen':6} {'server':30} {'turns/s':>8} {'CPU ms':>7} {'gen ms':>7} "
          f"{'p50 ms':>7} {'p99 ms':>7}   "
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
                    for generator in generators:
                        compare(floor, hotline, args, generator)
                finally:
                    hotline.stop()
            finally:
                floor.stop()


if __name__ == "__main__":
    main()
