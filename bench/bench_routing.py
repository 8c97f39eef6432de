"""Benchmark: the routing decision for 500 agents and 200 waiting callers; p99 must stay under 2 ms.

Run from the project root: ``python bench/bench_routing.py``. Each round draws a fresh
call centre (500 agents with random topics, languages, sites and statuses; 200 waiting
callers, some emergencies) and times, per round:

* assign      every free agent matched to the waiting callers in queue order (SkillIndex)
* for caller  the agent to ring for one caller (plain scan, as reserve_agent runs it)
* for agent   the caller for one agent who just became free (plain scan)

The baseline in the same run does the matching the obvious way: for each caller, filter
all agents and sort them by idle time. The ratio says what the bit-mask index buys.
Then, for information, the same decision as the database-backed `reserve_agent` makes it
(500 agents and 200 callers read from SQLite).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db as database  # noqa: E402
from routing import dispatch, queue, store  # noqa: E402
from routing.decision import (  # noqa: E402
    AgentView,
    SkillIndex,
    WaitingCaller,
    can_serve,
    choose_agent,
    choose_caller,
    idle_key,
    queue_key,
)

AGENTS, CALLERS, ROUNDS, LIMIT_MS = 500, 200, 400, 2.0
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TOPICS = ["geldleistungen", "arbeitsvermittlung", "berufsberatung", "arbeitslosmeldung",
          "allgemein"]
LANGUAGES = ["de", "en", "tr", "ar", "uk"]
SITES = ["waiblingen", "backnang", "schorndorf"]


def make_agents(rng: random.Random) -> list[AgentView]:
    return [AgentView(
        id=n, topics=frozenset(rng.sample(TOPICS, rng.randint(1, 3))),
        languages=frozenset(["de"] + rng.sample(LANGUAGES[1:], rng.randint(0, 2))),
        sites=frozenset(rng.sample(SITES, rng.randint(1, 2))),
        status=rng.choice(["available"] * 3 + ["on_call"] * 5 + ["offline", "wrap_up"]),
        idle_since=T0 - timedelta(seconds=rng.randint(0, 3600))) for n in range(AGENTS)]


def make_callers(rng: random.Random) -> list[WaitingCaller]:
    return [WaitingCaller(
        key=f"CA{n:04d}", topic=rng.choice(TOPICS),
        language="de" if rng.random() < 0.8 else rng.choice(LANGUAGES[1:]),
        site=rng.choice(SITES + [None]),
        priority="emergency" if rng.random() < 0.05 else "normal",
        enqueued_at=T0 - timedelta(seconds=rng.randint(0, 1800))) for n in range(CALLERS)]


def naive_assign(callers, agents):
    """The baseline: per caller, filter every agent, sort the candidates, take the first."""
    free = [a for a in agents if a.status == "available"]
    pairs = []
    for one in sorted(callers, key=queue_key):
        candidates = sorted((a for a in free if can_serve(a, one)), key=idle_key)
        if candidates:
            pairs.append((one, candidates[0]))
            free.remove(candidates[0])
    return pairs


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(work) -> tuple[float, object]:
    began = clock.perf_counter()
    result = work()
    return (clock.perf_counter() - began) * 1000, result


def in_memory(rng: random.Random) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"assign": [], "naive assign": [], "for caller": [],
                                       "for agent": []}
    for _ in range(ROUNDS):
        agents, callers = make_agents(rng), make_callers(rng)
        ms, fast = timed(lambda: SkillIndex(agents).assign(callers))  # noqa: B023
        timings["assign"].append(ms)
        ms, slow = timed(lambda: naive_assign(callers, agents))  # noqa: B023
        timings["naive assign"].append(ms)
        if [(c.key, a.id) for c, a in fast] != [(c.key, a.id) for c, a in slow]:
            raise SystemExit("the index and the baseline disagree: a bug, not a benchmark")
        one = rng.choice(callers)
        timings["for caller"].append(timed(lambda: choose_agent(one, agents))[0])  # noqa: B023
        free = rng.choice(agents)
        timings["for agent"].append(timed(lambda: choose_caller(free, callers))[0])  # noqa: B023
    return timings


def with_database(rng: random.Random) -> list[float]:
    """reserve_agent end to end on SQLite: read 500 agents and the queue, decide, write."""
    with tempfile.TemporaryDirectory() as folder:
        conn = database.connect(str(Path(folder) / "bench.sqlite3"))
        with database.transaction(conn):
            store.migrate(conn)
        for view in make_agents(rng):
            made = store.add_agent(conn, login=f"a{view.id}", name="x", password_hash="-",
                                   topics=view.topics, languages=view.languages,
                                   sites=view.sites, reach_kind="client",
                                   reach_address=f"a{view.id}", now=view.idle_since)
            with database.transaction(conn):
                store.set_status(conn, made.id, view.status, now=view.idle_since, reason="b")
        for one in make_callers(rng):
            queue.enqueue(conn, one.key, topic=one.topic, language=one.language, site=one.site,
                          priority=one.priority, now=one.enqueued_at)
        sids = [e.call_sid for e in queue.waiting_entries(conn)]
        times = []
        for sid in sids[:100]:
            ms, found = timed(lambda: dispatch.reserve_agent(conn, sid, now=T0))  # noqa: B023
            times.append(ms)
            if found is not None:  # free the agent again, so every round has 500 agents
                with database.transaction(conn):
                    conn.execute("UPDATE queue_entries SET ringing_agent_id = NULL")
                    conn.execute("DELETE FROM dial_attempts")
                    store.set_status(conn, found.agent_id, "available", now=T0, reason="b",
                                     back_of_line=False)
        conn.conn.close()
    return times


def main() -> int:
    rng = random.Random(20261125)
    timings = in_memory(rng)
    print(f"Routing decision, {AGENTS} agents and {CALLERS} waiting callers, {ROUNDS} rounds")
    print(f"{'':<14}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, values in timings.items():
        print(f"{name:<14}{percentile(values, .5):9.3f}{percentile(values, .99):9.3f}"
              f"{max(values):9.3f}")
    fast, slow = timings["assign"], timings["naive assign"]
    print(f"assign vs naive: p50 {percentile(slow, .5) / percentile(fast, .5):.1f}x faster, "
          f"p99 {percentile(slow, .99) / percentile(fast, .99):.1f}x faster")
    db_times = with_database(rng)
    print(f"reserve_agent on SQLite (for information): p50 {percentile(db_times, .5):.2f} ms, "
          f"p99 {percentile(db_times, .99):.2f} ms")
    worst = max(percentile(timings[name], .99) for name in ("assign", "for caller", "for agent"))
    if worst >= LIMIT_MS:
        print(f"FAIL: p99 {worst:.3f} ms is not under {LIMIT_MS} ms")
        return 1
    print(f"OK: every routing decision's p99 is under {LIMIT_MS} ms (worst {worst:.3f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
