"""Supervisors' figures: calls, containment, queue, service level, callbacks, agents, live.

Everything here reads; the call figures come from the hourly rollup (`store`),
which is refreshed first, so a 30-day range over a million calls is a few thousand rows.
Days are Europe/Berlin days; a period is [first day 00:00, last day 24:00) Berlin time.
No phone or customer number ever appears in a figure: utterances are shown with digit
runs masked.

Which day and hour a figure belongs to (one rule, also in the README): the moment of
the thing it counts. A call, and everything that happened on it (its queue stay, wait,
abandon, booking, outcome), belongs to the moment the call started; a callback request
to the moment it was requested, a callback attempt to the moment it was made; agents'
time to when it was spent.

Definitions (also in the README):
- contained: a machine outcome (answered, booked, cancelled, rescheduled) and never in
  the agent queue, as a share of all calls; transferred: was in the agent queue.
  The two never overlap;
- abandonment rate: stays that ended with the caller hanging up / stays that ended,
  without those that became a callback, short abandons left out of both;
- short abandon: hung up within HOTLINE_SHORT_ABANDON seconds (default 5) of joining;
- waiting time (mean, median, 90th percentile, nearest rank): of callers put through,
  to the millisecond;
- service level (the headline, as Genesys and Cisco count it): put through within the
  threshold / (put through + abandoned after the threshold), short abandons left out;
  `service_level_asterisk` (Asterisk's ServicelevelPerf): within / put through;
  `service_level_amazon` (Amazon Connect): within / (put through + every abandon).
  None when the denominator is 0.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process, utils
from sqlite_utils import Database

from db import atomic
from routing.callbacks import CRISES
from routing.store import STATUSES, WRAP_UP_LIMIT_S, parse_time, utc_text
from routing.topics import SITE_LABELS, intent_label, language_label, site_label, topic_label
from speech.masking import mask_numbers
from written import store as written_store

from . import outbound, store
from .store import NOT_UNDERSTOOD_SQL

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_THRESHOLD_S = 20
DEFAULT_SHORT_ABANDON_S = 5
OUTCOMES = ("answered", "booked", "cancelled", "rescheduled", "agent", "callback", "hangup",
            "open")
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
STALE_CALL = timedelta(hours=2)  # a call "in progress" for longer lost its status callback
MAX_UTTERANCES = 5000  # most recent not-understood turns read for grouping
SIMILAR = 75  # rapidfuzz token_set_ratio from which two utterances are one group
_DIGITS = re.compile(r"\d[\d\s\-/]{2,}\d|\d{3,}")


class BadPeriodError(ValueError):
    """The period is not two valid days in order."""


@dataclass(frozen=True)
class Period:
    """Berlin days from `first` to `last`, both included."""

    first: date
    last: date

    @classmethod
    def named(cls, name: str, today: date) -> Period:
        """'today', '7d' (the last 7 days, today included) or '30d'."""
        days = {"today": 1, "7d": 7, "30d": 30}.get(name)
        if days is None:
            raise BadPeriodError(f"unknown period {name!r}")
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def parse(cls, since: str, until: str | None, today: date) -> Period:
        try:
            first = date.fromisoformat(since)
            last = date.fromisoformat(until) if until else today
        except ValueError as error:
            raise BadPeriodError(f"days are written YYYY-MM-DD: {error}") from None
        if last < first:
            raise BadPeriodError("the last day is before the first")
        return cls(first, last)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time(), BERLIN).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), BERLIN).astimezone(UTC)
        return start, end

    def hour_bounds(self) -> tuple[str, str]:
        """[first, after) as rollup hour keys (Berlin midnights fall on whole UTC hours)."""
        start, end = self.utc_bounds()
        return store.hour_key(start), store.hour_key(end)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _filters(site: str | None, lang: str | None) -> tuple[str, list]:
    sql, params = "", []
    if site is not None:
        sql += " AND site = ?"
        params.append(site)
    if lang is not None:
        sql += " AND lang = ?"
        params.append(lang)
    return sql, params


def _wait_figures(histogram: dict[str, Counter], threshold_s: int,
                  short_abandon_s: int) -> dict:
    """Waits and service levels from {result: Counter(wait_ms -> n)}."""
    bridged = histogram.get("bridged", Counter())
    abandoned = histogram.get("abandoned", Counter())
    answered = sum(bridged.values())
    dropped = sum(abandoned.values())
    limit, short_limit = threshold_s * 1000, short_abandon_s * 1000
    short = sum(n for w, n in abandoned.items() if w <= short_limit)
    ended = sum(sum(c.values()) for result, c in histogram.items() if result != "callback")
    waits = sorted(bridged.items())

    def rank(k: int) -> int:  # the k-th smallest wait (1-based)
        seen = 0
        for wait, n in waits:
            seen += n
            if seen >= k:
                return wait
        raise IndexError(k)

    median = p90 = mean = None
    if answered:
        mean = round(sum(w * n for w, n in waits) / answered / 1000, 3)
        middle = (answered + 1) // 2
        median = (rank(middle) if answered % 2 else (rank(middle) + rank(middle + 1)) / 2) / 1000
        p90 = rank(math.ceil(0.9 * answered)) / 1000
    within = sum(n for w, n in bridged.items() if w <= limit)
    late = sum(n for w, n in abandoned.items() if w > limit and w > short_limit)
    return {
        "answered_by_agent": answered,
        "abandoned": dropped,
        "abandoned_short": short,
        "short_abandon_s": short_abandon_s,
        "callbacks_from_queue": sum(histogram.get("callback", Counter()).values()),
        "queue_stays_without_callback": ended,
        "abandonment_rate": _share(dropped - short, ended - short),
        "wait_mean_s": mean,
        "wait_median_s": median,
        "wait_p90_s": p90,
        "threshold_s": threshold_s,
        "answered_within_threshold": within,
        "abandoned_after_threshold": late,
        "service_level": _share(within, answered + late),
        "service_level_asterisk": _share(within, answered),
        "service_level_amazon": _share(within, answered + dropped),
    }


def _language_row(db: Database, code: str, counts: Counter, first: str, after: str,
                  site: str | None, threshold_s: int, short_abandon_s: int) -> dict:
    """One language of the callers: calls, containment, and the wait of those queued."""
    waits = _wait_figures(_waits(db, first, after, site, code), threshold_s, short_abandon_s)
    return {"lang": code, "label": language_label(code), "calls": counts["calls"],
            "contained": counts["contained"],
            "containment_rate": _share(counts["contained"], counts["calls"]),
            "transferred": counts["queued"], "abandoned": counts["abandoned"],
            "wait_mean_s": waits["wait_mean_s"], "wait_median_s": waits["wait_median_s"],
            "service_level": waits["service_level"]}


def figures(db: Database, period: Period, *, site: str | None = None, lang: str | None = None,
            threshold_s: int = DEFAULT_THRESHOLD_S,
            short_abandon_s: int = DEFAULT_SHORT_ABANDON_S,
            wrap_up_limit_s: int = WRAP_UP_LIMIT_S, now: datetime,
            with_agents: bool = True) -> dict:
    """Every figure of the dashboard for one period, optionally for one site and language."""
    store.refresh(db)
    first, after = period.hour_bounds()
    where, params = _filters(site, lang)
    span = [first, after, *params]

    def grouped(by: str, measures=store.HOURLY_MEASURES) -> dict:
        """{key: Counter(measure -> sum)}: SQLite sums the month's rollup rows per key,
        only the measures the table needs (fewer sums, less time)."""
        keys = by.count(",") + 1
        rows = db.execute(
            f"SELECT {by}, {', '.join(f'sum({m})' for m in measures)}"
            f" FROM stats_hourly WHERE hour >= ? AND hour < ?{where} GROUP BY {by}",
            span).fetchall()
        names = measures
        return {row[:keys] if keys > 1 else row[0]:
                Counter(dict(zip(names, row[keys:], strict=True))) for row in rows}

    by_outcome = grouped("outcome")
    total = Counter()
    for counts in by_outcome.values():
        total.update(counts)
    outcomes = Counter({name: counts["calls"] for name, counts in by_outcome.items()})
    by_day = grouped("day", ("calls", "contained", "queued", "abandoned", "turns",
                             "not_understood"))
    by_site = grouped("site", ("calls", "contained", "queued", "abandoned"))
    by_lang = grouped("lang", ("calls", "contained", "queued", "abandoned"))
    by_intent: dict[str, Counter] = defaultdict(Counter)
    for (intent, outcome), counts in grouped("intent, outcome",
                                             ("calls", "contained", "not_understood")).items():
        by_intent[intent][outcome] += counts["calls"]
        by_intent[intent]["calls"] += counts["calls"]
        by_intent[intent]["contained"] += counts["contained"]
        by_intent[intent]["not_understood"] += counts["not_understood"]
    heat = [[0] * 24 for _ in range(7)]
    for weekday, hour, calls in db.execute(
            f"SELECT weekday, local_hour, sum(calls) FROM stats_hourly"
            f" WHERE hour >= ? AND hour < ?{where} GROUP BY 1, 2", span).fetchall():
        heat[weekday][hour] = calls
    for counts in (*by_day.values(), *by_site.values(), *by_lang.values()):
        counts["booked"] = 0
    for day, calls in db.execute(
            f"SELECT day, sum(calls) FROM stats_hourly WHERE hour >= ? AND hour < ?{where}"
            f" AND outcome = 'booked' GROUP BY day", span).fetchall():
        by_day[day]["booked"] = calls
    by_day = defaultdict(Counter, by_day)

    histogram = _waits(db, first, after, site, lang)
    kept = callback_figures(db, period, site=site, lang=lang, now=now)
    summary = {
        "calls": total["calls"],
        "contained": total["contained"],
        "containment_rate": _share(total["contained"], total["calls"]),
        "transferred_to_agents": total["queued"],
        "transfer_rate": _share(total["queued"], total["calls"]),
        "callbacks_requested": kept["requested"],
        "callbacks_done": kept["done_in_period"],
        "handover_hangups": total["handover"],
        "bookings_made": outcomes["booked"] + total["agent_bookings"],
        "bookings_by_hotline": outcomes["booked"],
        "bookings_by_agents": total["agent_bookings"],
        "cancelled": outcomes["cancelled"],
        "rescheduled": outcomes["rescheduled"],
        "emergencies": total["emergencies"],
        "turns": total["turns"],
        "not_understood_turns": total["not_understood"],
        "not_understood_rate": _share(total["not_understood"], total["turns"]),
        "mean_confidence": (round(total["conf_sum"] / total["conf_n"], 3)
                            if total["conf_n"] else None),
        **_wait_figures(histogram, threshold_s, short_abandon_s),
    }
    result = {
        "period": {"first": period.first.isoformat(), "last": period.last.isoformat()},
        "filters": {"site": site, "lang": lang, "threshold_s": threshold_s,
                    "short_abandon_s": short_abandon_s},
        "summary": summary,
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "days": [{"day": d.isoformat(), "calls": by_day[d.isoformat()]["calls"],
                  "contained": by_day[d.isoformat()]["contained"],
                  "transferred": by_day[d.isoformat()]["queued"],
                  "abandoned": by_day[d.isoformat()]["abandoned"],
                  "booked": by_day[d.isoformat()]["booked"],
                  "containment_rate": _share(by_day[d.isoformat()]["contained"],
                                             by_day[d.isoformat()]["calls"]),
                  # The callers' turns the hotline understood (not "not understood").
                  "recognised_rate": _share(by_day[d.isoformat()]["turns"]
                                            - by_day[d.isoformat()]["not_understood"],
                                            by_day[d.isoformat()]["turns"])}
                 for d in period.days()],
        "intents": sorted(
            ({"intent": intent or None, "label": intent_label(intent or None),
              "calls": c["calls"], "contained": c["contained"],
              "agent": c["agent"], "callback": c["callback"], "hangup": c["hangup"],
              "containment_rate": _share(c["contained"], c["calls"]),
              "not_understood_turns": c["not_understood"],
              **{o: c[o] for o in OUTCOMES if o not in ("agent", "callback", "hangup")}}
             for intent, c in by_intent.items()),
            key=lambda item: (-item["calls"], item["intent"] or "")),
        "heatmap": {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "calls": heat},
        "sites": [{"site": s or None, "label": site_label(s) if s else "ohne Standort",
                   "calls": c["calls"], "contained": c["contained"],
                   "containment_rate": _share(c["contained"], c["calls"]),
                   "transferred": c["queued"], "abandoned": c["abandoned"]}
                  for s, c in sorted(by_site.items())],
        "languages": [_language_row(db, code, c, first, after, site, threshold_s,
                                    short_abandon_s)
                      for code, c in sorted(by_lang.items())],
        "callbacks": kept,
        "repeat_callers": repeat_figures(db, period, site=site, lang=lang, now=now),
        # What the hotline does on its own (issue 21); not split by site or language.
        "reminders": outbound.reminder_figures(db, *period.utc_bounds()),
        "dialled_callbacks": outbound.dialled_callback_figures(db, *period.utc_bounds()),
    }
    if with_agents:
        result["agents"] = agent_figures(db, period, now=now)
        result["handling"] = handle_figures(db, period, result["agents"], site=site, lang=lang,
                                            wrap_up_limit_s=wrap_up_limit_s, now=now)
    return result


def _waits(db: Database, first: str, after: str, site: str | None,
           lang: str | None) -> dict[str, Counter]:
    where, params = _filters(site, lang)
    histogram: dict[str, Counter] = defaultdict(Counter)
    for result, wait, n in db.execute(
            f"SELECT result, wait_ms, sum(n) FROM stats_waits WHERE hour >= ? AND hour < ?{where}"
            f" GROUP BY result, wait_ms", [first, after, *params]):
        histogram[result][wait] += n
    return histogram


def callback_figures(db: Database, period: Period, *, site: str | None = None,
                     lang: str | None = None, now: datetime) -> dict:
    """Callbacks kept: counted when requested and when worked (attempts), from the raw rows.

    Of the callbacks requested in the period: how many were completed (reached), how
    many within the window promised (morning or afternoon; of those with a window),
    the time to the first attempt, attempts per callback, and how the others ended:
    never attempted, attempted but not reached, or still open; and how many came with a
    message that was a crisis, or gave cause for worry. Purging keeps all of this (the
    rows, their status and attempts stay; numbers, notes and the kind of crisis go).
    """
    start, end = (utc_text(moment) for moment in period.utc_bounds())
    where, params = "", []
    if site is not None:
        where += " AND COALESCE(b.site, '') = ?"
        params.append(site)
    if lang is not None:
        where += " AND b.language = ?"
        params.append(lang)
    requested = db.execute(
        f"SELECT b.id, b.status, b.attempts, b.created_at, b.window_start, b.window_end,"
        f" (SELECT min(a.at) FROM callback_attempts a WHERE a.callback_id = b.id),"
        f" (SELECT min(a.at) FROM callback_attempts a WHERE a.callback_id = b.id"
        f"  AND a.result = 'reached'), b.concern FROM callbacks b"
        f" WHERE b.created_at >= ? AND b.created_at < ?{where}", [start, end, *params]).fetchall()
    worked = db.execute(
        f"SELECT count(DISTINCT a.callback_id), count(*), sum(a.result = 'reached')"
        f" FROM callback_attempts a JOIN callbacks b ON b.id = a.callback_id"
        f" WHERE a.at >= ? AND a.at < ?{where}", [start, end, *params]).fetchone()
    done = [row for row in requested if row[7] is not None]
    windowed = [row for row in requested if row[4] and row[5]]
    kept = [row for row in windowed if row[7] is not None and row[4] <= row[7] <= row[5]]
    firsts = sorted((parse_time(row[6]) - parse_time(row[3])).total_seconds()
                    for row in requested if row[6] is not None)
    closed = [row for row in requested if row[1] not in ("open", "in_progress")]
    return {
        "requested": len(requested),
        "worked": worked[0],
        "attempts_in_period": worked[1],
        "done_in_period": worked[2] or 0,
        "completed": len(done),
        "completion_rate": _share(len(done), len(requested)),
        "with_window": len(windowed),
        "completed_within_window": len(kept),
        "within_window_rate": _share(len(kept), len(windowed)),
        "first_attempt_mean_s": round(sum(firsts) / len(firsts), 1) if firsts else None,
        "first_attempt_median_s": (round(statistics.median(firsts), 1) if firsts else None),
        "attempts_per_callback": (round(sum(row[2] for row in requested if row[2])
                                        / len(firsts), 2) if firsts else None),
        "never_attempted": sum(1 for row in closed if not row[2]),
        "not_reached": sum(1 for row in closed if row[2] and row[7] is None),
        "still_open": len(requested) - len(closed),
        # Messages left with the request that were a crisis (any kind; after purge the
        # kind is gone, the crisis counted) or gave cause for worry (routing.callbacks).
        "with_crisis": sum(1 for row in requested if row[8] in CRISES),
        "with_worry": sum(1 for row in requested if row[8] == "worry"),
    }


REPEAT_WINDOW = timedelta(days=7)
ENDINGS = {"machine": "von der Hotline gelöst", "person": "an Mitarbeiter oder Rückruf",
           "other": "aufgelegt oder offen"}


def repeat_figures(db: Database, period: Period, *, site: str | None = None,
                   lang: str | None = None, now: datetime) -> dict:
    """Repeat callers: calls of the period whose caller called again within 7 days.

    Callers are told apart by a keyed pseudonym of their number (withheld numbers have
    none); purging replaces it by the answer (`calls.called_again`). Split by how the
    first call ended (by the machine, by a person: agent queue or callback, or
    otherwise) and by intent. The check that "contained" means resolved: a caller the
    machine "solved" who calls back was not. Calls of the last 7 days before now may
    still become repeats. From the rollup (`store`).
    """
    store.refresh(db)
    first, after = period.hour_bounds()
    where, params = _filters(site, lang)
    measures = ("numbered", "repeated", "machine_numbered", "machine_repeated",
                "person_numbered", "person_repeated")
    by_intent = {intent: Counter(dict(zip(measures, sums, strict=True)))
                 for intent, *sums in db.execute(
                     f"SELECT intent, {', '.join(f'sum({m})' for m in measures)}"
                     f" FROM stats_hourly WHERE hour >= ? AND hour < ?{where} GROUP BY intent",
                     [first, after, *params]).fetchall()}
    total = Counter()
    for counts in by_intent.values():
        total.update(counts)
    other = {"numbered": total["numbered"] - total["machine_numbered"]
             - total["person_numbered"],
             "repeated": total["repeated"] - total["machine_repeated"]
             - total["person_repeated"]}
    endings = {"machine": (total["machine_numbered"], total["machine_repeated"]),
               "person": (total["person_numbered"], total["person_repeated"]),
               "other": (other["numbered"], other["repeated"])}
    return {
        "window_days": REPEAT_WINDOW.days,
        "calls_with_number": total["numbered"],
        "repeated": total["repeated"],
        "repeat_rate": _share(total["repeated"], total["numbered"]),
        "complete_until": (min(period.utc_bounds()[1], now) - REPEAT_WINDOW).astimezone(
            BERLIN).date().isoformat(),
        "endings": [{"ended": key, "label": label, "calls": endings[key][0],
                     "repeated": endings[key][1],
                     "repeat_rate": _share(endings[key][1], endings[key][0])}
                    for key, label in ENDINGS.items()],
        "intents": sorted(
            ({"intent": intent or None, "label": intent_label(intent or None),
              "calls": c["numbered"], "repeated": c["repeated"],
              "repeat_rate": _share(c["repeated"], c["numbered"]),
              "machine_repeat_rate": _share(c["machine_repeated"], c["machine_numbered"]),
              "person_repeat_rate": _share(c["person_repeated"], c["person_numbered"])}
             for intent, c in by_intent.items() if c["numbered"]),
            key=lambda item: (-item["calls"], item["intent"] or "")),
    }


BUSY_STATUSES = ("ringing", "on_call", "wrap_up", "callback")  # occupied, for occupancy


def handle_rows(db: Database, first: str, after: str, *, site: str | None = None,
                lang: str | None = None, wrap_up_limit_s: int) -> list[tuple]:
    """(agent, topic, calls, talk s, after-call work s) of the calls put through that
    started in the rollup hours [first, after); after-call work at most `wrap_up_limit_s`
    per call (wrap-up ends on its own then)."""
    where, params = _filters(site, lang)
    return db.execute(
        f"SELECT agent_id, topic, sum(calls), sum(talk_ms) / 1000.0,"
        f" sum(calls * min(acw_ms, ?)) / 1000.0 FROM stats_handle"
        f" WHERE hour >= ? AND hour < ?{where} GROUP BY agent_id, topic",
        [wrap_up_limit_s * 1000, first, after, *params]).fetchall()


def handle_figures(db: Database, period: Period, agents: list[dict], *,
                   site: str | None = None, lang: str | None = None, wrap_up_limit_s: int,
                   now: datetime) -> dict:
    """Talk time, after-call work and average handle time (AHT = talk + after-call work per
    call put through), overall, per agent and per topic, by the calls' start; occupancy
    (time ringing, talking, in wrap-up or on callbacks / time logged in) by when it was spent.
    """
    store.refresh(db)
    first, after = period.hour_bounds()
    rows = handle_rows(db, first, after, site=site, lang=lang, wrap_up_limit_s=wrap_up_limit_s)

    def summed(items) -> dict:
        calls = sum(n for n, _, _ in items)
        if not calls:
            return {"calls": 0, "talk_mean_s": None, "after_call_work_mean_s": None,
                    "aht_s": None}
        talk = sum(t for _, t, _ in items)
        work = sum(w for _, _, w in items)
        return {"calls": calls, "talk_mean_s": round(talk / calls, 1),
                "after_call_work_mean_s": round(work / calls, 1),
                "aht_s": round((talk + work) / calls, 1)}

    by_agent: dict[int, list] = defaultdict(list)
    by_topic: dict[str, list] = defaultdict(list)
    for agent_id, topic, calls, talk, work in rows:
        by_agent[agent_id].append((calls, talk, work))
        by_topic[topic].append((calls, talk, work))
    busy = sum(a[f"{s}_s"] for a in agents for s in BUSY_STATUSES)
    logged_in = sum(a[f"{s}_s"] for a in agents for s in STATUSES if s != "offline")
    return {
        **summed([(calls, talk, work) for _, _, calls, talk, work in rows]),
        "wrap_up_limit_s": wrap_up_limit_s,
        "occupancy": _share(busy, logged_in),
        "agents": [{"agent_id": a["agent_id"], "name": a["name"],
                    **summed(by_agent.get(a["agent_id"], [])),
                    "occupancy": _share(sum(a[f"{s}_s"] for s in BUSY_STATUSES),
                                        sum(a[f"{s}_s"] for s in STATUSES if s != "offline"))}
                   for a in agents],
        "topics": [{"topic": topic, "label": topic_label(topic), **summed(items)}
                   for topic, items in sorted(by_topic.items())],
    }


def agent_figures(db: Database, period: Period, *, now: datetime) -> list[dict]:
    """Per agent: callers put through to them (by the calls' start), callbacks they worked
    (attempts made in the period), and seconds spent in each status."""
    start, end = period.utc_bounds()
    store.refresh(db)
    taken = dict(db.execute(
        "SELECT agent_id, sum(taken) FROM stats_handle WHERE hour >= ? AND hour < ?"
        " GROUP BY agent_id", period.hour_bounds()).fetchall())
    called_back = dict(db.execute(
        "SELECT agent_id, count(*) FROM callback_attempts WHERE at >= ? AND at < ?"
        " GROUP BY agent_id", [utc_text(start), utc_text(min(end, now))]).fetchall())
    seconds: dict[int, Counter] = defaultdict(Counter)
    for agent_counts in _agent_days(db, period, now).values():
        for agent_id, counts in agent_counts.items():
            seconds[agent_id].update(counts)
    out = []
    for agent_id, name, role in db.execute(
            "SELECT id, name, role FROM agents ORDER BY name").fetchall():
        mine = seconds.get(agent_id, Counter())
        if role != "agent" or (not taken.get(agent_id) and not called_back.get(agent_id)
                               and not any(mine[s] for s in STATUSES if s != "offline")):
            continue  # supervisors, and agents not working in this period: no row
        out.append({"agent_id": agent_id, "name": name, "calls_taken": taken.get(agent_id, 0),
                    "callback_attempts": called_back.get(agent_id, 0),
                    **{f"{s}_s": round(mine[s]) for s in STATUSES}})
    return out


def _agent_days(db: Database, period: Period, now: datetime) -> dict[str, dict]:
    """{day: {agent: Counter(status -> seconds)}}: finished days stored once, today live."""
    days = [d.isoformat() for d in period.days()]
    stored: dict[str, dict] = {day: defaultdict(Counter) for day in days}
    marks = ", ".join("?" * len(days))
    done = {day for (day,) in db.execute(
        f"SELECT day FROM stats_agent_days_done WHERE day IN ({marks})", days)}
    for day, agent_id, status, secs in db.execute(
            f"SELECT day, agent_id, status, seconds FROM stats_agent_days WHERE day IN ({marks})",
            days):
        stored[day][agent_id][status] += secs
    missing = [d for d in period.days() if d.isoformat() not in done]
    if not missing:
        return stored
    with atomic(db):
        for day in missing:
            begin, finish = Period(day, day).utc_bounds()
            if begin >= now:
                continue  # the future: nothing yet
            counts = _agent_seconds(db, begin, min(finish, now))
            stored[day.isoformat()] = counts
            if finish <= now:  # only whole days are kept
                db.conn.executemany(
                    "INSERT INTO stats_agent_days (day, agent_id, status, seconds)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (day, agent_id, status)"
                    " DO UPDATE SET seconds = excluded.seconds",
                    [(day.isoformat(), a, s, v) for a, c in counts.items() for s, v in c.items()])
                db.execute("INSERT INTO stats_agent_days_done (day) VALUES (?)"
                           " ON CONFLICT DO NOTHING",
                           [day.isoformat()])
    return stored


def _agent_seconds(db: Database, start: datetime, end: datetime) -> dict[int, Counter]:
    """Seconds per agent and status in [start, end), from the status history."""
    start_text, end_text = utc_text(start), utc_text(end)
    seconds: dict[int, Counter] = defaultdict(Counter)
    # Every change lasts until the next one (or the end); SQLite pairs them (LEAD).
    for agent_id, status, total in db.execute(
            "SELECT agent_id, status, sum((julianday(COALESCE(next_at, :end))"
            " - julianday(at)) * 86400.0) FROM (SELECT agent_id, status, at, LEAD(at) OVER"
            " (PARTITION BY agent_id ORDER BY at, id) AS next_at FROM agent_status_history"
            " WHERE at >= :start AND at < :end) AS changes GROUP BY agent_id, status",
            {"start": start_text, "end": end_text}).fetchall():
        seconds[agent_id][status] += total
    for (agent_id,) in db.execute("SELECT id FROM agents WHERE role = 'agent'").fetchall():
        # The status the agent was in when the span began, until their first change.
        before = db.execute("SELECT status FROM agent_status_history WHERE agent_id = ?"
                            " AND at < ? ORDER BY at DESC, id DESC LIMIT 1",
                            [agent_id, start_text]).fetchone()
        if before is None:
            continue
        first_change = db.execute(
            "SELECT min(at) FROM agent_status_history WHERE agent_id = ? AND at >= ?"
            " AND at < ?", [agent_id, start_text, end_text]).fetchone()[0]
        until = parse_time(first_change) if first_change else end
        seconds[agent_id][before[0]] += (until - start).total_seconds()
    return seconds


def live(db: Database, *, now: datetime) -> dict:
    """Right now: calls in progress, callers waiting, the longest wait, agents by status."""
    in_progress = db.execute(
        "SELECT count(*) FROM calls WHERE ended_at IS NULL AND started_at >= ?",
        [utc_text(now - STALE_CALL)]).fetchone()[0]
    waiting = db.execute("SELECT enqueued_at FROM queue_entries WHERE left_at IS NULL").fetchall()
    longest = max((int((now - parse_time(at)).total_seconds()) for (at,) in waiting), default=0)
    statuses = Counter(dict(db.execute(
        "SELECT status, count(*) FROM agents WHERE active = 1 AND role = 'agent'"
        " GROUP BY status").fetchall()))
    return {"at": utc_text(now), "calls_in_progress": in_progress, "callers_waiting": len(waiting),
            "longest_wait_s": max(0, longest),
            "agents": {status: statuses.get(status, 0) for status in STATUSES}}


def mask_digits(text: str) -> str:
    """Numbers that could say who called become '…': digit runs of three or more, and the
    same said in words ("eins zwei drei D vier", "dritter Mai neunzehnhundertachtzig")."""
    return mask_numbers(_DIGITS.sub("…", text))


def not_understood(db: Database, period: Period, *, site: str | None = None,
                   lang: str | None = None, limit: int = 200) -> list[dict]:
    """Utterances the hotline did not understand, grouped by similarity, largest group first.

    Only transcripts still kept are shown (purging removes older ones); the counts of
    not-understood turns in `figures` do not depend on them.
    """
    start, end = period.utc_bounds()
    params = [utc_text(start), utc_text(end)]
    extra = ""
    if lang is not None:
        extra += " AND c.lang = ?"
        params.append(lang)
    if site is not None:
        extra += (" AND COALESCE((SELECT max(q.site) FROM queue_entries q"
                  " WHERE q.call_sid = c.call_sid), '') = ?")
        params.append(site)
    rows = db.execute(
        f"SELECT t.speech, t.at FROM calls c JOIN turns t ON t.call_sid = c.call_sid"
        f" WHERE c.started_at >= ? AND c.started_at < ? AND t.speech IS NOT NULL"
        f" AND t.speech != '' AND {NOT_UNDERSTOOD_SQL}{extra}"
        f" ORDER BY c.started_at DESC LIMIT {MAX_UTTERANCES}", params).fetchall()
    same: dict[str, list] = {}
    for speech, at in rows:
        text = mask_digits(speech.strip())
        key = utils.default_process(text)
        if not key:
            continue
        entry = same.setdefault(key, [text, 0, at])
        entry[1] += 1
        entry[2] = max(entry[2], at)
    groups: list[dict] = []
    leaders: list[str] = []
    for key, (text, count, last) in sorted(same.items(), key=lambda kv: -kv[1][1]):
        match = process.extractOne(key, leaders, scorer=fuzz.token_set_ratio,
                                   score_cutoff=SIMILAR) if leaders else None
        if match is None:
            leaders.append(key)
            groups.append({"example": text, "count": count, "variants": [text], "last": last})
        else:
            group = groups[match[2]]
            group["count"] += count
            group["last"] = max(group["last"], last)
            if len(group["variants"]) < 6:
                group["variants"].append(text)
    groups.sort(key=lambda g: (-g["count"], g["example"]))
    return [{"example": g["example"], "count": g["count"],
             "variants": g["variants"][1:], "last_day": parse_time(g["last"]).astimezone(
                 BERLIN).date().isoformat()} for g in groups[:limit]]


def sites() -> dict[str, str]:
    return dict(SITE_LABELS)


# ------------------------------------------------------------------------ tables for CSV

TABLES = ("summary", "days", "intents", "heatmap", "sites", "languages", "agents", "callbacks",
          "reminders", "dialled_callbacks",
          "handling", "repeat_callers", "staffing", "staffing_last_week", "utterances")


def table(name: str, data: dict, utterances: list[dict] | None = None) -> tuple[list, list]:
    """(header, rows) of one of the dashboard's tables, for CSV export."""
    if name == "summary":
        return ["figure", "value"], [[k, v] for k, v in data["summary"].items()]
    if name == "days":
        keys = ["day", "calls", "contained", "transferred", "abandoned", "booked"]
        return keys, [[d[k] for k in keys] for d in data["days"]]
    if name == "intents":
        keys = ["intent", "label", "calls", "contained", "containment_rate", "answered",
                "booked", "cancelled", "rescheduled", "agent", "callback", "hangup", "open",
                "not_understood_turns"]
        return keys, [[i.get(k) for k in keys] for i in data["intents"]]
    if name == "heatmap":
        hours = data["heatmap"]["hours"]
        return (["weekday", *[f"{h:02d}" for h in hours]],
                [[day, *counts] for day, counts in zip(data["heatmap"]["weekdays"],
                                                       data["heatmap"]["calls"], strict=True)])
    if name == "sites":
        keys = ["site", "label", "calls", "contained", "containment_rate", "transferred",
                "abandoned"]
        return keys, [[s[k] for k in keys] for s in data["sites"]]
    if name == "languages":
        keys = ["lang", "label", "calls", "contained", "containment_rate"]
        return keys, [[s[k] for k in keys] for s in data["languages"]]
    if name in ("callbacks", "reminders", "dialled_callbacks"):
        return ["figure", "value"], [[k, v] for k, v in data[name].items()]
    if name == "staffing":  # agents needed, a row per hour, a column per day
        plan = data["staffing"]
        return (["hour", *plan["days"]],
                [[f"{hour:02d}", *[plan["agents"][d][i] for d in range(7)]]
                 for i, hour in enumerate(plan["hours"])])
    if name == "staffing_last_week":
        keys = ["day", "weekday", "forecast_calls", "actual_calls", "forecast_agent_hours",
                "actual_agent_hours", "actual_service_level"]
        return keys, [[d[k] for k in keys] for d in data["staffing"]["last_week"]["days"]]
    if name == "repeat_callers":
        repeat = data["repeat_callers"]
        keys = ["calls", "repeated", "repeat_rate"]
        rows = [["alle", "", *[repeat[k] for k in ("calls_with_number", "repeated",
                                                    "repeat_rate")]]]
        rows += [["Ende", e["label"], *[e[k] for k in keys]] for e in repeat["endings"]]
        rows += [["Anliegen", i["label"], *[i[k] for k in keys]] for i in repeat["intents"]]
        return ["group", "name", *keys], rows
    if name == "handling":
        keys = ["calls", "talk_mean_s", "after_call_work_mean_s", "aht_s"]
        handling = data.get("handling") or {}
        rows = [["alle", "", *[handling.get(k) for k in keys], handling.get("occupancy")]]
        rows += [["Mitarbeiter", a["name"], *[a[k] for k in keys], a["occupancy"]]
                 for a in handling.get("agents", [])]
        rows += [["Thema", t["label"], *[t[k] for k in keys], None]
                 for t in handling.get("topics", [])]
        return ["group", "name", *keys, "occupancy"], rows
    if name == "agents":
        keys = ["name", "calls_taken", "callback_attempts", *[f"{s}_s" for s in STATUSES]]
        return keys, [[a[k] for k in keys] for a in data.get("agents", [])]
    if name == "utterances":
        return (["count", "example", "variants", "last_day"],
                [[u["count"], u["example"], " | ".join(u["variants"]), u["last_day"]]
                 for u in utterances or []])
    raise KeyError(name)


CHANNEL_LABELS = {"voice": "Telefon", "sms": "SMS", "chat": "Web-Chat"}


def channel_figures(db: Database, period: Period, voice: dict) -> list[dict]:
    """Conversations, containment and hand-overs per channel: the telephone's from the
    call figures (`voice`, this period's summary), SMS and web chat from the written
    conversations started in the period (Berlin days). Contained: a machine outcome and
    never handed to a person; handed over: waited for or talked to a person."""
    first, after = (utc_text(moment) for moment in period.utc_bounds())
    written = written_store.figures(db, first, after)
    found = [{"channel": "voice", "conversations": voice["calls"],
              "contained": voice["contained"], "handovers": voice["transferred_to_agents"]}]
    for channel in written_store.CHANNELS:
        counts = written.get(channel, {"conversations": 0, "contained": 0, "handovers": 0})
        found.append({"channel": channel, **counts})
    for row in found:
        row["label"] = CHANNEL_LABELS[row["channel"]]
        row["containment_rate"] = _share(row["contained"], row["conversations"])
    return found
