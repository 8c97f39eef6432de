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

`--engines understanding-free` adds an experiment beside them: the hotline with the turn's
understanding of the words answered from memory (bench/understanding_free_app.py), which
shows what the rest of a turn costs against the floor.
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


# The floor has no outbox: gunicorn.conf.py would start a sender for it, which fails to
# load the floor as the hotline and is started again and again, taking CPU from the
# floor's rounds.
FLOOR_ENV = {"HOTLINE_OUTBOX_THREAD": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --generator-cpu: the CPUs wrk may use and those the servers may use, else None (any CPU).
PINNED: dict[str, set[int]] | None = None


def _pinned(role: str):
    """A preexec_fn that keeps a child (and every thread and process it starts) on the
    CPUs of its role, or None when nothing is pinned. (wrk inherits this process's CPU.)"""
    if PINNED is None:
        return None
    cpus = PINNED[role]
    return lambda: os.sched_setaffinity(0, cpus)


def start(app: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, **env, "HOTLINE_BIND": f"127.0.0.1:{port}",
           "HOTLINE_WORKERS": str(workers), "HOTLINE_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                                str(ROOT / "gunicorn.conf.py"), app],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=_pinned("servers"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                settle(process)
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start")


def settle(process: subprocess.Popen, quiet: float = 0.05, window: float = 0.5,
           longest: float = 30.0) -> None:
    """Wait until the server has started everything: its processes use less than
    `quiet` of a core over `window` seconds. gunicorn listens before its workers have
    loaded the app, and the hotline's outbox sender loads it once more in a process of its
    own (about a second of CPU): measured rounds that overlap that start-up measure the
    start-up, not the turns (30 November 2026: the first round lost a sixth)."""
    time.sleep(window)
    deadline = time.monotonic() + longest
    before = cpu_seconds(process)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(process)
        if now - before < quiet * window:
            return
        before = now


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


def run_wrk(port: int, seconds: float, callers: int, rate: float | None,
            process: subprocess.Popen | None = None):
    """wrk with one connection per thread; returns (turns, errors, elapsed, p50, p99, cpu,
    server_cpu).

    cpu is wrk's own CPU time per request in ms, to compare the generators' cost;
    server_cpu the CPU seconds `process` (the server) used while the counted run lasted.
    A run whose calls ran out is repeated with more, and only the repeat is counted: the
    server's CPU over both runs against the turns of one made the floor's CPU per turn
    twice what it was (until 30 November 2026)."""
    # Enough calls that no connection runs out at 5,000 requests a second (the floor
    # managed up to 3,300 here); a run that still ran out is repeated with more.
    per_second = 5000 if not rate else rate * 1.5
    calls_each = int(per_second * seconds / callers / len(CALL)) + 2
    mean_delay_ms = callers / rate * 1000 if rate else 0
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            write_calls(Path(folder), port, callers, calls_each)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_before = cpu_seconds(process) if process else 0.0
            out = subprocess.run(
                ["wrk", "-t", str(callers), "-c", str(callers), "-d", f"{max(1, round(seconds))}s",
                 "--timeout", "20s", "-s", str(ROOT / "bench" / "wrk_calls.lua"),
                 f"http://127.0.0.1:{port}", "--", folder, f"{mean_delay_ms:.3f}"],
                capture_output=True, text=True, check=True).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = cpu_seconds(process) - server_before if process else 0.0
        result = dict(item.split("=") for item in
                      out.split("WRK_RESULT ", 1)[1].split())
        if result["ran_out"] == "0":
            break
        calls_each *= 3
    turns = int(result["requests"])
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return (turns, int(result["bad"]) + int(result["socket_errors"]),
            int(result["duration_us"]) / 1e6, int(result["p50_us"]) / 1000,
            int(result["p99_us"]) / 1000, cpu / max(turns, 1) * 1000, server_cpu)


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
        if generator == "wrk":
            turns, errors, elapsed, p50, p99, gen, used = run_wrk(
                self.port, seconds, callers, None, self.process)
            into.flat_p.append((p50, p99))
            into.gen_ms.append(gen)
        else:
            before = cpu_seconds(self.process)
            started = time.process_time()  # this process is the Python generator
            lat, turns, errors, elapsed = run_load(self.port, seconds, callers, None)
            into.flat += lat
            into.gen_ms.append((time.process_time() - started) / max(turns, 1) * 1000)
            used = cpu_seconds(self.process) - before
        into.cpu_ms.append(used / max(turns, 1) * 1000)
        into.tps.append(turns / elapsed)
        into.errors += errors

    def at_rate(self, into: Measured, generator: str, seconds: float, callers: int,
                rate: float) -> None:
        if generator == "wrk":
            turns, errors, elapsed, p50, p99, _, _ = run_wrk(self.port, seconds, callers, rate)
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


# ------------------------------------------------------------------ engines and nodes
# One node on SQLite, one node on PostgreSQL and two nodes on one PostgreSQL, beside the
# floor (issue 25). PostgreSQL runs on this machine too (devtools/pg_server.py), with
# fsync on and synchronous_commit off: the same promise as SQLite's WAL with
# synchronous=NORMAL (a crash of the machine may lose the last commits, never the
# database). Its processes' CPU is counted with the nodes' in the CPU per turn.

ENGINES = {"sqlite": ("one node, SQLite", 0), "postgresql": ("one node, PostgreSQL", 1),
           "postgresql-2": ("two nodes, one PostgreSQL", 2),
           # An experiment, not a way to serve: the turn's understanding of the words
           # answered from memory (bench/understanding_free_app.py), what the rest costs.
           "understanding-free": ("SQLite, understanding free", 0)}
ENGINE_APPS = {"understanding-free": "bench.understanding_free_app:app"}
BENCH_PG_SETTINGS = ["synchronous_commit=off", "max_connections=300", "shared_buffers=128MB"]


class Pid:
    """A process known only by its pid, for `cpu_seconds` (the PostgreSQL server)."""

    def __init__(self, pid: int):
        self.pid = pid


class Nodes:
    """One or more hotline nodes on one database, measured together: the callers (and a
    paced rate) are shared out between the nodes, each call staying on one node as behind
    a load balancer that keeps a connection to one node; turns are summed, p99 is the
    worst node's, CPU is every node's plus the database server's."""

    def __init__(self, name: str, env: dict, workers: int, count: int, database_pid=None,
                 app: str = "app:create_app()"):
        self.name = name
        self.database_pid = database_pid
        # One after the other: the first one migrates the database.
        self.nodes = [Server(name, app, env, workers) for _ in range(count)]
        self.database_ms: list[float] = []  # the database server's CPU per turn

    def cpu(self) -> float:
        return sum(cpu_seconds(node.process) for node in self.nodes) + self.database_cpu()

    def database_cpu(self) -> float:
        return cpu_seconds(Pid(self.database_pid)) if self.database_pid else 0.0

    def _each(self, job) -> list:
        results: list = [None] * len(self.nodes)

        def run(index: int) -> None:
            results[index] = job(self.nodes[index])

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(self.nodes))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def flat_out(self, into: Measured, generator: str, seconds: float, callers: int) -> None:
        share = max(1, callers // len(self.nodes))
        before, database_before = self.cpu(), self.database_cpu()
        if generator == "wrk":
            results = self._each(lambda node: run_wrk(node.port, seconds, share, None,
                                                      node.process))
            turns = sum(r[0] for r in results)
            into.flat_p.append((max(r[3] for r in results), max(r[4] for r in results)))
            into.gen_ms.append(statistics.mean(r[5] for r in results))
            errors, elapsed = sum(r[1] for r in results), max(r[2] for r in results)
            # The nodes' CPU while their counted runs lasted (a repeated run is not counted)
            used = sum(r[6] for r in results) + self.database_cpu() - database_before
        else:
            results = self._each(lambda node: run_load(node.port, seconds, share, None))
            turns = sum(r[1] for r in results)
            for r in results:
                into.flat += r[0]
            errors, elapsed = sum(r[2] for r in results), max(r[3] for r in results)
            used = self.cpu() - before
        into.cpu_ms.append(used / max(turns, 1) * 1000)
        self.database_ms.append((self.database_cpu() - database_before) / max(turns, 1) * 1000)
        into.tps.append(turns / elapsed)
        into.errors += errors

    def at_rate(self, into: Measured, generator: str, seconds: float, callers: int,
                rate: float) -> None:
        share, part = max(1, callers // len(self.nodes)), rate / len(self.nodes)
        if generator == "wrk":
            results = self._each(lambda node: run_wrk(node.port, seconds, share, part))
            turns = sum(r[0] for r in results)
            into.paced_p.append((max(r[3] for r in results), max(r[4] for r in results)))
            errors, elapsed = sum(r[1] for r in results), max(r[2] for r in results)
        else:
            results = self._each(lambda node: run_load(node.port, seconds, share, part))
            turns = sum(r[1] for r in results)
            for r in results:
                into.paced += r[0]
            errors, elapsed = sum(r[2] for r in results), max(r[3] for r in results)
        into.rate.append(turns / elapsed)
        into.errors += errors

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def start_engine(key: str, workers: int, folder: str, postgres) -> Nodes:
    """The hotline on one engine: a fresh SQLite file, or a fresh database on `postgres`."""
    name, count = ENGINES[key]
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_ENV": "production",
           "PROMETHEUS_MULTIPROC_DIR": f"{folder}/m-{key}", "HOTLINE_HASH_KEY": HASH_KEY}
    if count == 0:
        return Nodes(name, {**env, "HOTLINE_DATABASE": f"{folder}/{key}.sqlite3"}, workers, 1,
                     app=ENGINE_APPS.get(key, "app:create_app()"))
    import psycopg

    database = key.replace("-", "_")
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    pid = int((postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
    return Nodes(name, {**env, "HOTLINE_DATABASE": postgres.url(database)}, workers, count,
                 database_pid=pid)


def compare_engines(args, generator: str, keys: list[str]) -> None:
    """The floor and each engine in alternating rounds; one row each, then the ratios."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from devtools.pg_server import PostgresServer

    postgres = PostgresServer(BENCH_PG_SETTINGS) if any(ENGINES[k][1] for k in keys) else None
    targets: list[Nodes] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            floor = Nodes("floor (fixed <Gather>)", FLOOR_ENV, args.workers, 1,
                          app="bench.floor_app:app")
            targets.append(floor)
            for key in keys:
                targets.append(start_engine(key, args.workers, folder, postgres))
            measured = {id(t): Measured() for t in targets}
            for target in targets:  # warm up
                target._each(lambda node: run_load(node.port, 2, args.callers, None))
            for _ in range(args.rounds):
                for target in targets:
                    target.flat_out(measured[id(target)], generator, args.seconds,
                                    args.callers)
            for _ in range(args.rounds):
                for target in targets:
                    target.at_rate(measured[id(target)], generator, args.seconds,
                                   args.callers, args.rate)
            low = measured[id(floor)].row()
            for target in targets:
                row = measured[id(target)].row()
                database = (f"  DB {statistics.median(target.database_ms):.2f} ms"
                            if target.database_pid else "")
                print(f"  {generator:6} {target.name:30} {row['tps']:8.0f} {row['cpu']:7.2f} "
                      f"{row['gen']:7.2f} {row['p50']:7.1f} {row['p99']:7.1f}   "
                      f"{row['rate']:6.0f} {row['paced_p50']:7.1f} {row['paced_p99']:7.1f} "
                      f"{row['errors']:6d}  {row['tps'] / low['tps']:.2f}x{database}", flush=True)
    finally:
        for target in targets:
            target.stop()
        if postgres is not None:
            postgres.stop()


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
    parser.add_argument("--engines", default="sqlite,postgresql,postgresql-2",
                        help="then the hotline on each of these beside the floor: "
                             f"{', '.join(ENGINES)} (empty: none); with the first generator")
    parser.add_argument("--generator", choices=["wrk", "python", "both"],
                        default="both" if shutil.which("wrk") else "python",
                        help="load generator: wrk (C, little CPU of its own) or the Python "
                             "one; both by default while their figures are compared")
    parser.add_argument("--generator-cpu", type=int, default=None, metavar="N",
                        help="run wrk on CPU N alone and both servers on the other CPUs, so "
                             "that the generator takes no CPU (and no cache) from the "
                             "servers; the servers then have one CPU fewer")
    args = parser.parse_args()
    if args.generator_cpu is not None:
        global PINNED
        every = os.sched_getaffinity(0)
        if args.generator_cpu not in every or len(every) < 2:
            parser.error(f"--generator-cpu: CPU {args.generator_cpu} is not one of {sorted(every)}"
                         " or no other is left for the servers")
        if args.engines.strip():
            parser.error("--generator-cpu pins the floor and the hotline only: add --engines ''")
        PINNED = {"generator": {args.generator_cpu}, "servers": every - {args.generator_cpu}}
        # This process is the Python generator (and starts wrk): on the generator's CPU too.
        os.sched_setaffinity(0, PINNED["generator"])
    generators = ["wrk", "python"] if args.generator == "both" else [args.generator]
    # Both servers read these in gunicorn.conf.py.
    os.environ["HOTLINE_THREADS"] = str(args.threads)
    os.environ["HOTLINE_WORKER_CLASS"] = args.worker_class
    threads = args.threads
    print(f"{os.cpu_count()} cores, gunicorn {args.worker_class} {args.workers} workers x "
          f"{threads} threads, "
          f"{args.callers} concurrent callers, {args.rounds} rounds of {args.seconds:.0f} s "
          f"each, floor and hotline in turn; medians"
          + (f"; wrk on CPU {args.generator_cpu}, the servers on CPU "
             f"{','.join(map(str, sorted(PINNED['servers'])))}" if PINNED else ""))
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
            floor = Server("floor (fixed <Gather>)", "bench.floor_app:app", FLOOR_ENV,
                           args.workers)
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
    engines = [key for key in args.engines.split(",") if key.strip()]
    if engines:
        print("  engines (CPU per turn: the nodes' and the database server's, DB: the "
              "server's share; x: turns/s against the floor's)")
        compare_engines(args, generators[0], engines)


if __name__ == "__main__":
    main()
