"""Benchmark: the dashboard's figures for 30 days from the rollup, against the raw tables.

    .venv/bin/python bench/bench_stats.py                      # 100k calls over 73 days
    .venv/bin/python bench/bench_stats.py --calls 1000000      # the README's figure (730 days)
    .venv/bin/python bench/bench_stats.py --db PATH            # an already seeded database

Both keep the same density (about 1,370 calls a day), so the 30-day window holds the same
~41,000 calls; the history before it only deepens the indexes. The baseline computes the
same summary directly from calls, turns and queue_entries (indexed by time) in one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clock  # noqa: E402
import db as database  # noqa: E402
from stats import figures  # noqa: E402
from stats import store as stats_store  # noqa: E402

BUDGET_MS = 300
CALLS_PER_DAY = 1_000_000 / 730


def _timed(work, repeat: int) -> float:
    """Median milliseconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def naive(db, period: figures.Period) -> dict:
    """The same headline figures straight from the raw rows, as one would without a rollup."""
    start, end = (b.isoformat(timespec="milliseconds") for b in period.utc_bounds())
    span = [start, end]
    calls, contained = db.execute(
        "SELECT count(*), sum(outcome IN ('answered', 'booked', 'cancelled', 'rescheduled'))"
        " FROM calls WHERE started_at >= ? AND started_at < ?", span).fetchone()
    turns, not_understood, confidence = db.execute(
        f"SELECT count(*), sum({stats_store.NOT_UNDERSTOOD_SQL}), avg(t.confidence)"
        " FROM calls c JOIN turns t ON t.call_sid = c.call_sid"
        " WHERE c.started_at >= ? AND c.started_at < ? AND t.turn > 0", span).fetchone()
    by_intent = db.execute(
        "SELECT intent, outcome, count(*) FROM calls WHERE started_at >= ? AND started_at < ?"
        " GROUP BY 1, 2", span).fetchall()
    waits = sorted(w for (w,) in db.execute(
        "SELECT wait_s FROM queue_entries WHERE enqueued_at >= ? AND enqueued_at < ?"
        " AND result = 'bridged'", span))
    by_result = db.execute("SELECT result, count(*) FROM queue_entries WHERE enqueued_at >= ?"
                           " AND enqueued_at < ? GROUP BY 1", span).fetchall()
    heat = db.execute("SELECT strftime('%w', started_at), strftime('%H', started_at), count(*)"
                      " FROM calls WHERE started_at >= ? AND started_at < ? GROUP BY 1, 2",
                      span).fetchall()
    return {"calls": calls, "contained": contained, "turns": turns,
            "not_understood": not_understood, "confidence": confidence,
            "intents": len(by_intent), "median_wait": statistics.median(waits) if waits else None,
            "results": dict(by_result), "heat": len(heat)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--db", help="use this seeded database instead of seeding one")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    scratch = None
    if args.db:
        path = args.db
    else:
        from app import create_app
        from devtools import history

        scratch = tempfile.TemporaryDirectory(prefix="bench-stats-")
        path = str(Path(scratch.name) / "hotline.sqlite3")
        create_app({"HOTLINE_DATABASE": path, "HOTLINE_ENV": "test", "TESTING": True,
                    "TWILIO_AUTH_TOKEN": "bench"})
        days = max(30, round(args.calls / CALLS_PER_DAY))
        began = time.perf_counter()
        report = history.seed_calls(path, calls=args.calls, days=days, seed=1, end=clock.now(),
                                    progress=lambda line: print(line, flush=True))
        print(f"seeded {args.calls} calls over {days} days in "
              f"{time.perf_counter() - began:.0f} s {report}")

    db = database.connect(path)
    with database.transaction(db):
        stats_store.migrate(db)
    stats_store.refresh(db)
    now = datetime.now(UTC)
    period = figures.Period.named("30d", now.astimezone(figures.BERLIN).date())
    total = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    window = db.execute("SELECT count(*) FROM calls WHERE started_at >= ?",
                        [period.utc_bounds()[0].isoformat()]).fetchone()[0]
    print(f"database: {total} calls, {window} in the last 30 days")

    def dirty_one_hour():
        # What a live dashboard pays: the current hour changed since the last look.
        db.execute("INSERT OR IGNORE INTO stats_dirty (hour) VALUES (?)",
                   [stats_store.hour_key(now)])
        figures.figures(db, period, now=now)

    results = {
        "naive (raw tables, headline figures only)": _timed(lambda: naive(db, period),
                                                            args.repeat),
        "rollup: every figure, agents included": _timed(
            lambda: figures.figures(db, period, now=now), args.repeat),
        "rollup + one dirty hour recomputed": _timed(dirty_one_hour, args.repeat),
        "not-understood utterances grouped": _timed(
            lambda: figures.not_understood(db, period), max(3, args.repeat // 2)),
    }
    baseline = results["naive (raw tables, headline figures only)"]
    for name, ms in results.items():
        print(f"{name:<45} {ms:8.1f} ms   x{baseline / ms:5.1f} vs naive")
    figures_ms = results["rollup + one dirty hour recomputed"]
    verdict = "holds" if figures_ms < BUDGET_MS else "MISSED"
    print(f"budget {BUDGET_MS} ms for a 30-day range: {verdict} ({figures_ms:.0f} ms)")
    db.conn.close()
    if scratch:
        scratch.cleanup()
    return 0 if figures_ms < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
