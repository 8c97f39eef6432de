"""Benchmark: how many webhook turns one SQLite file can write, whatever the CPU in front.

Run from the project root: ``python bench/bench_write_lock.py [--seconds 5]
[--processes 1,2,4]``.

SQLite takes one writer at a time. This measures the ceiling that puts on the hotline:
N processes write whole calls (open, four turns with their stored replies, close) with
exactly the writes and transactions a webhook makes (`ivr.store` under `db.transaction`,
through the write gate), with none of the webhook's other work. The baseline in the same
run is one process writing alone, where nothing waits for the lock. Printed: turns
written per second, how long each transaction held the lock (p50/p99), and the share of
wall time the lock was held (near 100% means the file is the bottleneck).

Compare turns/s here with `bench_load.py`'s turns/s: the smaller one is what saturates
first on this machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEECH = ["welche unterlagen brauche ich", "ja", "kann ich das auch online machen",
          "nein danke"]


def writer(path: str, seconds: float, results) -> None:
    import db as database
    from conversation import CallState, Heard, Say, Turn
    from ivr import store

    conn = database._thread_connection(path)  # a webhook's kind of connection
    body = "<Response>" + "x" * 700 + "</Response>"  # a stored reply's usual size
    holds: list[float] = []
    turns = 0
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        sid = "CA" + uuid.uuid4().hex
        with database.transaction(conn):
            store.open_call(conn, sid, "+4915100000000", "+4971510000000")
        previous = None
        for n, words in enumerate(SPEECH, start=1):
            state = CallState(lang="de", step="anything_else", turn=n, intent="documents",
                              last_ask=[["anything_else", {}]])
            turn = Turn(state, (Say("anything_else"),), "answered:documents")
            heard = Heard(speech=words, confidence=0.9)
            key = uuid.uuid4().hex
            with database.transaction(conn):
                started = time.perf_counter()  # from BEGIN IMMEDIATE's return: lock held
                if not store.record_turn(conn, sid, heard, turn, "Brauchen Sie noch etwas?",
                                         reply=(key, body), if_state=previous):
                    store.record_turn(conn, sid, heard, turn, "Brauchen Sie noch etwas?",
                                      reply=(key, body))
            holds.append(time.perf_counter() - started)
            previous = store.load_state_text(conn, sid)
            turns += 1
        with database.transaction(conn):
            store.close_call(conn, sid, "completed", 75)
    results.put((turns, holds))


def run(path: str, processes: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=writer, args=(path, seconds, results))
               for _ in range(processes)]
    began = time.monotonic()
    for worker in workers:
        worker.start()
    gathered = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    turns = sum(t for t, _ in gathered)
    holds = sorted(h for _, hs in gathered for h in hs)
    return {"tps": turns / elapsed, "p50": holds[len(holds) // 2] * 1000,
            "p99": holds[int(len(holds) * 0.99)] * 1000,
            "busy": sum(holds) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--processes", default="1,2,4")
    args = parser.parse_args()
    from app import create_app

    print(f"{os.cpu_count()} cores; each process writes whole calls as webhooks do")
    print(f"  {'writers':24} {'turns/s':>8} {'hold p50 ms':>12} {'hold p99 ms':>12} "
          f"{'lock busy':>10}")
    baseline = None
    for processes in [int(p) for p in args.processes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "hotline.sqlite3")
            create_app({"HOTLINE_DATABASE": path, "TWILIO_AUTH_TOKEN": "bench",
                        "HOTLINE_ENV": "test"})  # creates the tables
            row = run(path, processes, args.seconds)
        baseline = baseline or row
        label = "1 process (baseline)" if processes == 1 else f"{processes} processes"
        print(f"  {label:24} {row['tps']:8.0f} {row['p50']:12.3f} {row['p99']:12.3f} "
              f"{row['busy']:9.0%}   {row['tps'] / baseline['tps']:.2f}x the baseline",
              flush=True)


if __name__ == "__main__":
    main()
