"""Staffing: agents needed per weekday and hour of the coming week, by Erlang C.

The forecast for an hour is the mean number of callers who joined the agent queue in
that weekday's hour over the last weeks (4 to 8 whole weeks, by the calls' start,
Berlin time), with the average handle time (talk + after-call work) of those weeks.
Erlang C then gives the fewest agents for which the expected service level (the share
of callers answered within the target seconds) reaches the target the supervisor set:

    A = calls per hour x AHT / 3600 (offered load, in Erlangs); for n agents (n > A)
    P(wait) = C(n, A) = n B / (n - A (1 - B)), B the Erlang B loss (B_0 = 1,
    B_k = A B_(k-1) / (k + A B_(k-1))); service level = 1 - P(wait) e^(-(n - A) T / AHT).

Beside it, last week's forecast (made the same way from the weeks before it) and what
happened: callers queued, agent hours logged in and the service level reached. Erlang C
assumes callers who wait as long as it takes and a steady hour; it plans the minimum,
breaks and callbacks come on top.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from routing.store import WRAP_UP_LIMIT_S

from . import figures, store

MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 4, 8, 6
DEFAULT_LEVEL, DEFAULT_SECONDS = 0.8, 20
DEFAULT_AHT_S = 300.0  # before any conversation was recorded: five minutes
MAX_AGENTS = 500


@dataclass(frozen=True)
class Target:
    """The service level the supervisor wants: `level` of callers answered within `seconds`."""

    level: float = DEFAULT_LEVEL
    seconds: int = DEFAULT_SECONDS
    weeks: int = DEFAULT_WEEKS


def erlang_c(load: float, agents: int) -> float:
    """The probability that a caller has to wait (Erlang C), for `agents` > `load`."""
    if agents <= load:
        return 1.0
    blocked = 1.0
    for k in range(1, agents + 1):
        blocked = load * blocked / (k + load * blocked)
    return agents * blocked / (agents - load * (1 - blocked))


def service_level(agents: int, calls_per_hour: float, aht_s: float, seconds: float) -> float:
    """The expected share of callers answered within `seconds` with this many agents."""
    if calls_per_hour <= 0:
        return 1.0
    load = calls_per_hour * aht_s / 3600
    if agents <= load:
        return 0.0
    return 1 - erlang_c(load, agents) * math.exp(-(agents - load) * seconds / aht_s)


def agents_needed(calls_per_hour: float, aht_s: float, target: Target) -> int:
    """The fewest agents for which the expected service level reaches the target."""
    if calls_per_hour <= 0:
        return 0
    agents = max(1, math.floor(calls_per_hour * aht_s / 3600) + 1)
    while service_level(agents, calls_per_hour, aht_s, target.seconds) < target.level:
        agents += 1
        if agents > MAX_AGENTS:
            break
    return agents


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _history(db: Database, first: date, weeks: int,
             wrap_up_limit_s: int) -> tuple[list[list[float]], float | None]:
    """(mean callers queued [weekday][hour], mean handle time) of `weeks` weeks before `first`."""
    span = figures.Period(first - timedelta(weeks=weeks), first - timedelta(days=1))
    start, after = span.hour_bounds()
    volume = [[0.0] * 24 for _ in range(7)]
    for weekday, hour, queued in db.execute(
            "SELECT weekday, local_hour, sum(queued) FROM stats_hourly WHERE hour >= ?"
            " AND hour < ? GROUP BY 1, 2", [start, after]).fetchall():
        volume[weekday][hour] = queued / weeks
    rows = figures.handle_rows(db, start, after, wrap_up_limit_s=wrap_up_limit_s)
    calls = sum(row[2] for row in rows)
    aht = sum(row[3] + row[4] for row in rows) / calls if calls else None
    return volume, aht


def _plan(volume: list[list[float]], aht: float, target: Target) -> list[list[int]]:
    return [[agents_needed(calls, aht, target) for calls in day] for day in volume]


def staffing(db: Database, *, today: date, target: Target, now: datetime,
             wrap_up_limit_s: int = WRAP_UP_LIMIT_S) -> dict:
    """The coming week's table (from next Monday) and last week's forecast against actuals."""
    store.refresh(db)
    coming = monday(today) + timedelta(weeks=1)
    volume, aht = _history(db, monday(today), target.weeks, wrap_up_limit_s)
    aht = aht or DEFAULT_AHT_S
    agents = _plan(volume, aht, target)

    last = monday(today) - timedelta(weeks=1)
    before, before_aht = _history(db, last, target.weeks, wrap_up_limit_s)
    before_aht = before_aht or DEFAULT_AHT_S
    forecast = _plan(before, before_aht, target)
    week = figures.Period(last, last + timedelta(days=6))
    first, after = week.hour_bounds()
    actual = Counter()
    for weekday, queued in db.execute(
            "SELECT weekday, sum(queued) FROM stats_hourly WHERE hour >= ? AND hour < ?"
            " GROUP BY 1", [first, after]).fetchall():
        actual[weekday] = queued
    days = []
    agent_days = figures._agent_days(db, week, now)
    for offset, day in enumerate(week.days()):
        one = figures.Period(day, day)
        start, end = one.hour_bounds()
        reached = figures._wait_figures(figures._waits(db, start, end, None, None),
                                        target.seconds, figures.DEFAULT_SHORT_ABANDON_S)
        logged_in = sum(seconds for counts in agent_days.get(day.isoformat(), {}).values()
                        for status, seconds in counts.items() if status != "offline")
        days.append({
            "day": day.isoformat(), "weekday": figures.WEEKDAYS[offset],
            "forecast_calls": round(sum(before[offset]), 1), "actual_calls": actual[offset],
            "forecast_agent_hours": sum(forecast[offset]),
            "actual_agent_hours": round(logged_in / 3600, 1),
            "actual_service_level": reached["service_level"],
        })
    hours = [h for h in range(24) if any(volume[d][h] or before[d][h] for d in range(7))]
    return {
        "target": {"level": target.level, "seconds": target.seconds, "weeks": target.weeks},
        "week": coming.isoformat(),
        "days": [(coming + timedelta(days=i)).isoformat() for i in range(7)],
        "weekdays": list(figures.WEEKDAYS),
        "history": {"first": (monday(today) - timedelta(weeks=target.weeks)).isoformat(),
                    "last": (monday(today) - timedelta(days=1)).isoformat()},
        "aht_s": round(aht, 1),
        "hours": hours,
        "calls": [[round(volume[d][h], 2) for h in hours] for d in range(7)],
        "agents": [[agents[d][h] for h in hours] for d in range(7)],
        "last_week": {"week": last.isoformat(), "aht_s": round(before_aht, 1), "days": days,
                      "forecast_calls": round(sum(map(sum, before)), 1),
                      "actual_calls": sum(actual.values())},
    }
