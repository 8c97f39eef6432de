"""`flask --app app seed-calls`: a realistic call history, recorded by the webhooks' own store code.

Volume follows the hour of day and the weekday (Monday morning is busiest, nights and
Sundays are quiet), intents and outcomes follow a plausible mix, and callers handed to
a person wait for one of a few agents per site, abandon when their patience runs out
or ask for a callback. Every call is written by `ivr.store` (open_call, record_turn,
close_call) and every queue stay, answer, outcome and callback by routing's functions,
exactly as the webhooks write them; only the clock is the history's.

Speed: a million calls go through those functions in worker processes (one per CPU),
each into its own temporary database, merged at the end; sqlite-utils' schema look-ups
are cached per worker because the schema does not change while seeding. The
statistics rollup is rebuilt once after the merge. Caller numbers are fictitious
(+49 1500 ... is an unassigned range) and call sids are deterministic per --seed.
"""

from __future__ import annotations

import math
import os
import random
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlite_utils import Database
from werkzeug.security import generate_password_hash

import clock
import db as database
from conversation import CallState, Heard, Turn
from ivr import store
from routing import callbacks, dispatch, outcomes, queue
from routing import store as routing_store
from routing.topics import topic_for_intent
from schedules import store as schedules_store
from speech.intents import Recognition
from stats import store as stats_store

BERLIN = ZoneInfo("Europe/Berlin")
SITE_WEIGHTS = {"waiblingen": 0.5, "backnang": 0.3, "schorndorf": 0.2}
# Share of a day's calls per Berlin hour (staffed 8-18, some calls before and after).
HOUR_WEIGHTS = {6: 0.5, 7: 2, 8: 9, 9: 14, 10: 14, 11: 12, 12: 8, 13: 8, 14: 10, 15: 9,
                16: 7, 17: 4, 18: 1.5, 19: 0.8, 20: 0.5, 21: 0.2}
WEEKDAY_WEIGHTS = (1.35, 1.1, 1.0, 1.05, 0.85, 0.12, 0.05)  # Monday .. Sunday
STAFFED = (8, 18)  # agents on duty from 8:00 to 18:00, Monday to Friday
INTENTS = {  # intent -> (share of calls, what the machine does with it)
    "opening_hours": (0.13, "answer"), "documents": (0.10, "answer"),
    "online_services": (0.06, "answer"), "book_appointment": (0.12, "book"),
    "cancel_appointment": (0.04, "cancel"), "reschedule_appointment": (0.04, "reschedule"),
    "payment_status": (0.15, "agent"), "application_status": (0.10, "agent"),
    "report_change": (0.05, "agent"), "register_unemployed": (0.05, "agent"),
    "job_search": (0.04, "agent"), "emergency": (0.01, "agent"), "agent": (0.07, "agent"),
    "out_of_scope": (0.04, "answer"),
}
PHRASES = {
    "opening_hours": ["wann haben sie heute offen", "wie lange ist backnang geöffnet",
                      "öffnungszeiten waiblingen"],
    "documents": ["welche unterlagen brauche ich", "was muss ich zum termin mitbringen"],
    "online_services": ["kann ich das auch online machen", "wie geht das mit dem postfach"],
    "book_appointment": ["ich brauche einen termin", "termin bei meinem vermittler nächste woche"],
    "cancel_appointment": ["ich möchte meinen termin absagen", "termin stornieren"],
    "reschedule_appointment": ["kann ich den termin verschieben", "termin verlegen bitte"],
    "payment_status": ["mein geld ist noch nicht da", "wann kommt die zahlung",
                       "mei geld isch no net do"],
    "application_status": ["wie weit ist mein antrag", "ist mein antrag schon bearbeitet"],
    "report_change": ["ich habe eine neue wohnung", "ich habe arbeit gefunden"],
    "register_unemployed": ["ich muss mich arbeitslos melden", "ich bin gekündigt worden"],
    "job_search": ["ich suche eine stelle", "haben sie jobs für lagerarbeiter"],
    "emergency": ["ich habe kein geld für essen", "mir wird der strom abgestellt"],
    "agent": ["ich möchte mit einem mitarbeiter sprechen", "bitte einen menschen"],
    "out_of_scope": ["kindergeld beantragen", "wo bekomme ich einen reisepass"],
}
# What callers say that the catalogue does not know (the supervisors' to-do list).
UNKNOWN = ["wohngeld antrag", "wohngeldantrag stellen", "wohngeld beantragen bitte",
           "bildungsgutschein", "bildungs gutschein für umschulung", "äh ja also das",
           "elterngeld frage", "elterngeld beantragen", "führerschein förderung",
           "mein sachbearbeiter ruft nicht zurück", "sachbearbeiter zurückrufen",
           "bescheid verstehe ich nicht", "den bescheid verstehe ich nicht",
           "krankmeldung abgeben", "krankmeldung schicken wie"]
CHUNK_COMMIT = 2000  # calls per transaction in a worker
PROGRESS_EVERY = 50_000


class AlreadySeededError(Exception):
    """This --seed was loaded into the database before."""


@dataclass(frozen=True)
class Plan:
    """What one worker records: calls numbered [first, first + count) starting in [start, end)."""

    path: str
    seed: int
    first: int
    count: int
    start: datetime
    end: datetime
    agents: dict  # site -> list of agent ids
    report: bool = False  # print progress (the command does; tests do not)


class _Rows(list):
    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None


class SchemaCachingDatabase(Database):
    """sqlite-utils asks SQLite for a table's columns on every insert and update; while
    seeding nobody changes the schema, so the answers are kept (about half the time)."""

    def execute(self, sql, parameters=None):
        if parameters is None and sql.startswith(("PRAGMA table_info",
                                                  "select name from sqlite_master")):
            cache = self.__dict__.setdefault("_schema_cache", {})
            if sql not in cache:
                cache[sql] = super().execute(sql).fetchall()
            return _Rows(cache[sql])
        return super().execute(sql, parameters)


class _Clock:
    """The history's time, handed to ivr.store (which reads its own `utcnow`)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def text(self) -> str:
        return self.moment.isoformat(timespec="milliseconds")


def _sid(seed: int, number: int) -> str:
    return f"CA{seed:06x}{number:026x}"


def _weighted(rng: random.Random, table: dict):
    keys = list(table)
    return rng.choices(keys, weights=[table[k] if not isinstance(table[k], tuple)
                                      else table[k][0] for k in keys])[0]


def _call_times(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` start times in [start, end), shaped by weekday and hour (Berlin)."""
    days = []
    day = start.astimezone(BERLIN).date()
    last = (end - timedelta(microseconds=1)).astimezone(BERLIN).date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    hours = [(d, h) for d in days for h in HOUR_WEIGHTS]
    weights = [WEEKDAY_WEIGHTS[d.weekday()] * HOUR_WEIGHTS[h] for d, h in hours]
    times = []
    for d, h in rng.choices(hours, weights=weights, k=count):
        local = datetime(d.year, d.month, d.day, h, tzinfo=BERLIN) + timedelta(
            seconds=rng.random() * 3600)
        moment = local.astimezone(UTC)
        if start <= moment < end:
            times.append(moment)
        else:
            times.append(start + (end - start) * rng.random())
    times.sort()
    return times


def _recognition(text: str, intent: str, score: float) -> Recognition:
    return Recognition(text=text, intent=intent, score=score, alternatives=((intent, score),),
                       evidence="seed", confident=score >= 0.5, ambiguous=False)


class _Recorder:
    """Records one worker's calls through ivr.store and routing, with the history's clock."""

    def __init__(self, db: Database, plan: Plan, clock: _Clock):
        self.db, self.plan, self.clock = db, plan, clock
        self.rng = random.Random(plan.seed * 1_000_003 + plan.first)
        self.free_at = {agent: plan.start for site in plan.agents for agent in plan.agents[site]}
        self.on_duty_day: dict[int, date] = {}

    def at(self, moment: datetime) -> datetime:
        self.clock.moment = moment
        return moment

    def turn(self, sid: str, state: CallState, event: str, *, speech: str = "",
             confidence: float | None = None, intent: str | None = None,
             score: float | None = None, when: datetime) -> None:
        self.at(when)
        recognition = _recognition(speech, intent, score) if intent and speech else None
        store.record_turn(self.db, sid, Heard(speech=speech, confidence=confidence, now=when),
                          Turn(state, (), event, recognition), "")

    def staffed(self, moment: datetime) -> bool:
        local = moment.astimezone(BERLIN)
        return local.weekday() < 5 and STAFFED[0] <= local.hour < STAFFED[1]

    def duty(self, agent_id: int, moment: datetime) -> None:
        """Agents come on duty at 8:00 and go at 18:00 (Berlin) on the days they work."""
        local = moment.astimezone(BERLIN)
        day = local.date()
        if self.on_duty_day.get(agent_id) == day:
            return
        db = self.db
        with routing_store.atomic(db):
            if agent_id in self.on_duty_day:
                previous = self.on_duty_day[agent_id]
                off = datetime(previous.year, previous.month, previous.day, STAFFED[1],
                               tzinfo=BERLIN).astimezone(UTC)
                routing_store.set_status(db, agent_id, routing_store.OFFLINE, now=off,
                                         reason="end of shift")
            on = datetime(day.year, day.month, day.day, STAFFED[0], tzinfo=BERLIN)
            routing_store.set_status(db, agent_id, routing_store.AVAILABLE,
                                     now=on.astimezone(UTC), reason="start of shift")
        self.on_duty_day[agent_id] = day
        self.free_at[agent_id] = max(self.free_at[agent_id], on.astimezone(UTC))

    def finish(self) -> None:
        """Every agent goes off duty at the end of their last shift."""
        with routing_store.atomic(self.db):
            for agent_id, day in self.on_duty_day.items():
                off = datetime(day.year, day.month, day.day, STAFFED[1], tzinfo=BERLIN)
                routing_store.set_status(self.db, agent_id, routing_store.OFFLINE,
                                         now=off.astimezone(UTC), reason="end of shift")

    def call(self, number: int, start: datetime) -> None:
        rng, db = self.rng, self.db
        sid = _sid(self.plan.seed, number)
        self.at(start)
        # A pool of numbers about as large as the calls: some callers call again.
        number = f"+491500{rng.randrange(10**7) % max(100, self.plan.count):07d}"
        store.open_call(db, sid, number, "+497151000000",
                        store.caller_key(number, key=HISTORY_KEY))
        state = CallState(lang="en" if rng.random() < 0.1 else "de", step="listen")
        self.turn(sid, state, "greeting", when=start)
        moment = start + timedelta(seconds=12)
        intent = _weighted(rng, INTENTS)
        handling = INTENTS[intent][1]
        # Some callers are not understood first; a few never are and go to a person.
        failures = 0
        while rng.random() < (0.12 if failures == 0 else 0.3) and failures < 3:
            failures += 1
            moment += timedelta(seconds=rng.randint(6, 15))
            state.turn += 1
            state.failures = failures
            kind = "not_understood" if rng.random() < 0.8 else "low_confidence"
            event = ("reprompt" if failures == 1 else "menu" if failures == 2 else "agent")
            if failures == 3:
                state.step, handling, intent = "agent", "agent", None
                state.outcome = "agent"
            self.turn(sid, state, f"{event}:{kind}", speech=rng.choice(UNKNOWN),
                      confidence=round(rng.uniform(0.2, 0.7), 2), intent="out_of_scope",
                      score=round(rng.uniform(0.05, 0.45), 2), when=moment)
        if intent is not None:
            moment += timedelta(seconds=rng.randint(6, 15))
            state.turn += 1
            state.intent = intent
            state.failures = 0
            state.emergency = intent == "emergency"
            score = round(min(0.99, rng.betavariate(8, 2)), 2)
            if rng.random() < 0.05:
                handling = "hangup"  # the caller hangs up while the answer is read
            state.outcome = {"answer": "answered", "book": "booked", "cancel": "cancelled",
                             "reschedule": "rescheduled", "agent": "agent",
                             "hangup": None}[handling]
            if handling in ("book", "cancel", "reschedule") and rng.random() < 0.2:
                state.outcome, handling = "agent", "agent"  # no slot, or code not found
            event = {"answer": f"answered:{intent}", "agent": f"agent:{intent}",
                     "hangup": f"answered:{intent}"}.get(handling, f"query:{handling}")
            self.turn(sid, state, event, speech=rng.choice(PHRASES[intent]),
                      confidence=round(rng.uniform(0.55, 0.98), 2), intent=intent, score=score,
                      when=moment)
            if handling in ("answer", "book", "cancel", "reschedule"):
                moment += timedelta(seconds=rng.randint(30, 120))
                state.turn += 1
                state.step = "anything_else"
                self.turn(sid, state, "goodbye:goodbye", speech="nein danke", confidence=0.9,
                          when=moment)
        end = moment + timedelta(seconds=rng.randint(5, 30))
        if handling == "agent":
            end = self.hand_over(sid, state, moment)
        self.at(end)
        store.close_call(db, sid, "completed", int((end - start).total_seconds()))
        dispatch.call_finished(db, sid, now=end)

    def hand_over(self, sid: str, state: CallState, moment: datetime) -> datetime:
        """Queue the caller; they are answered, give up, or ask for a callback."""
        rng, db = self.rng, self.db
        site = _weighted(rng, SITE_WEIGHTS)
        topic = topic_for_intent(state.intent)
        if not self.staffed(moment):
            # Out of hours nobody answers: a callback for some, the others hang up.
            if rng.random() < 0.5:
                state.outcome = "callback"
                self.turn(sid, state, "callback:requested", when=moment)
                self.callback(sid, site, topic, state.lang, moment)
            return moment + timedelta(seconds=rng.randint(20, 60))
        queue.enqueue(db, sid, topic=topic, language=state.lang, site=site,
                      priority="emergency" if state.emergency else "normal",
                      intent=state.intent, now=moment)
        queue.joined(db, sid, now=moment)  # as the hold music's first request says
        agents = self.plan.agents[site]
        for agent_id in agents:
            self.duty(agent_id, moment)
        agent_id = min(agents, key=lambda a: self.free_at[a])
        answer = max(moment + timedelta(seconds=rng.randint(3, 12)), self.free_at[agent_id])
        patience = timedelta(seconds=rng.expovariate(1 / 150))
        closing = datetime(*moment.astimezone(BERLIN).timetuple()[:3], STAFFED[1],
                           tzinfo=BERLIN).astimezone(UTC)
        if answer - moment > patience or answer >= closing:
            gone = moment + min(patience, timedelta(minutes=20))
            if gone - moment > timedelta(seconds=90) and rng.random() < 0.35:
                state.outcome = "callback"
                self.turn(sid, state, "callback:requested", when=gone)
                self.callback(sid, site, topic, state.lang, gone)
            return gone
        dispatch.agent_answered(db, sid, agent_id, now=answer)
        talk_end = answer + timedelta(seconds=min(1800, rng.lognormvariate(5.3, 0.5)))
        dispatch.dial_ended(db, sid, agent_id, "completed", now=talk_end)
        noted = talk_end + timedelta(seconds=rng.randint(20, 120))
        outcome = rng.choices(["resolved", "booking_made", "information_sent", "forwarded"],
                              weights=[70, 12, 10, 8])[0]
        outcomes.record_outcome(db, agent_id, outcome, now=noted)
        self.free_at[agent_id] = noted
        return talk_end

    def callback(self, sid: str, site: str, topic: str, lang: str, moment: datetime) -> None:
        rng, db = self.rng, self.db
        phone = f"+491500{rng.randrange(10**7):07d}"
        made = callbacks.request_callback(db, sid, phone=phone, confirmed_by="caller_id",
                                          topic=topic, language=lang, site=site, now=moment)
        if rng.random() < 0.85:  # most are worked the same or the next day
            agent_id = rng.choice(self.plan.agents[site])
            later = moment + timedelta(hours=rng.uniform(1, 20))
            callbacks.start_callback(db, made.id, agent_id, now=later)
            callbacks.record_attempt(db, made.id, agent_id, "reached", now=later)


HISTORY_KEY = "seeded-history"  # fictitious numbers: their pseudonyms need no secret


def _worker(plan: Plan) -> int:
    """Record one plan into its own database file; returns the number of calls."""
    history_clock = _Clock(plan.start)
    original = store.utcnow
    # ivr.store stamps rows with its own clock: the history's here
    store.utcnow = history_clock.text
    try:
        conn = sqlite3.connect(plan.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=OFF")  # a scratch file: rebuilt if anything fails
        conn.execute("PRAGMA synchronous=OFF")
        db = SchemaCachingDatabase(conn)
        recorder = _Recorder(db, plan, history_clock)
        rng = random.Random(plan.seed * 7919 + plan.first)
        times = _call_times(rng, plan.count, plan.start, plan.end)
        for offset in range(0, plan.count, CHUNK_COMMIT):
            db.execute("BEGIN")
            for i in range(offset, min(plan.count, offset + CHUNK_COMMIT)):
                recorder.call(plan.first + i, times[i])
            db.execute("COMMIT")
            done = min(plan.count, offset + CHUNK_COMMIT)
            if plan.report and (done % PROGRESS_EVERY < CHUNK_COMMIT or done == plan.count):
                # Workers are separate processes: they print their own progress.
                print(f"  calls {plan.first + 1}-{plan.first + plan.count}: {done} recorded",
                      flush=True)
        recorder.finish()
        conn.close()
        return plan.count
    finally:
        store.utcnow = original


def _prepare(path: str, main_path: str) -> None:
    """A scratch database with the app's tables and the main database's agents."""
    db = database.connect(path)
    with database.transaction(db):
        store.migrate(db)
        schedules_store.migrate(db)
        for step in routing_store.MIGRATIONS:  # every step: the code reads their columns
            step(db)
        db.execute("ATTACH DATABASE ? AS main_db", [main_path])
    db.execute("INSERT INTO agents SELECT * FROM main_db.agents")
    db.execute("DETACH DATABASE main_db")
    db.conn.close()


_MERGED = {  # table -> columns copied (ids are renumbered by the target, except callbacks)
    "calls": None,
    "turns": "call_sid, turn, at, speech, digits, confidence, intent, score, evidence, event,"
             " said",
    "queue_entries": "call_sid, topic, language, site, priority, intent, enqueued_at,"
                     " ringing_agent_id, left_at, result, agent_id, wait_s, joined_at, wait_ms",
    "agent_status_history": "agent_id, status, at, reason, call_sid",
    "dial_attempts": "call_sid, agent_id, at, ended_at, result",
    "call_outcomes": "call_sid, agent_id, at, outcome, note",
}


def _merge(db: Database, path: str) -> None:
    """Copy one worker's rows into the main database (one transaction)."""
    db.execute("ATTACH DATABASE ? AS part", [path])
    try:
        with database.transaction(db):
            for table, columns in _MERGED.items():
                if columns is None:
                    db.execute(f"INSERT INTO {table} SELECT * FROM part.{table}")
                else:
                    db.execute(f"INSERT INTO {table} ({columns}) SELECT {columns}"
                               f" FROM part.{table} ORDER BY id")
            # Callback attempts point at their callback: shift both ids by the same offset.
            offset = db.execute("SELECT COALESCE(max(id), 0) FROM callbacks").fetchone()[0]
            columns = ("call_sid, phone, confirmed_by, topic, language, site, intent,"
                       " window_start, window_end, status, agent_id, attempts, created_at,"
                       " updated_at")
            db.execute(f"INSERT INTO callbacks (id, {columns}) SELECT id + {offset}, {columns}"
                       f" FROM part.callbacks")
            db.execute(f"INSERT INTO callback_attempts (callback_id, agent_id, at, result, note)"
                       f" SELECT callback_id + {offset}, agent_id, at, result, note"
                       f" FROM part.callback_attempts ORDER BY id")
            # Where the seed leaves the agents: offline, as after the last shift.
            db.execute("UPDATE agents SET status = 'offline', current_call_sid = NULL"
                       " WHERE login LIKE 'seed.%'")
    finally:
        db.execute("DETACH DATABASE part")


CALLS_PER_AGENT_DAY = 70  # what one agent takes in a day, talk and wrap-up included
HANDED_OVER = 0.45  # share of calls that reach the queue


def _seed_agents(db: Database, now: datetime, calls_per_day: float) -> dict:
    """The seed's agents per site, enough for the volume (created once, unknown passwords)."""
    needed = max(3, math.ceil(calls_per_day * HANDED_OVER / CALLS_PER_AGENT_DAY))
    agents = {}
    for site, weight in SITE_WEIGHTS.items():
        count = max(1, round(needed * weight))
        ids = []
        for n in range(1, count + 1):
            login = f"seed.{site}.{n}"
            found = routing_store.find_agent(db, login)
            if found is None:
                found = routing_store.add_agent(
                    db, login=login, name=f"{site.capitalize()} {n} (Seed)",
                    password_hash=generate_password_hash(secrets.token_urlsafe(24)),
                    topics=("allgemein",), languages=("de", "en"), sites=(site,),
                    reach_kind="client", reach_address=login, now=now)
            ids.append(found.id)
        agents[site] = ids
    return agents


def seed_calls(path: str, *, calls: int, days: int, seed: int, end: datetime,
               workers: int | None = None, report: bool = False,
               progress: Callable[[str], None] = lambda _: None) -> dict:
    """Record `calls` calls spread over the `days` days before `end`; returns timings."""
    end = end.astimezone(UTC)
    start = end - timedelta(days=days)
    workers = max(1, min(workers or os.cpu_count() or 1, math.ceil(calls / 1000)))
    db = database.connect(path)
    timings = {}
    try:
        if db.execute("SELECT 1 FROM calls WHERE call_sid = ?", [_sid(seed, 0)]).fetchone():
            raise AlreadySeededError(f"seed {seed} is in the database already")
        agents = _seed_agents(db, start, calls / days)
        with tempfile.TemporaryDirectory(prefix="seed-calls-") as scratch:
            plans = []
            span = (end - start) / workers
            for k in range(workers):
                first, last = calls * k // workers, calls * (k + 1) // workers
                part = str(Path(scratch) / f"part{k}.sqlite3")
                _prepare(part, path)
                plans.append(Plan(part, seed, first, last - first, start + span * k,
                                  start + span * (k + 1) if k < workers - 1 else end, agents,
                                  report=report))
            began = time.perf_counter()
            progress(f"recording {calls} calls over {days} days in {workers} process(es) ...")
            if workers == 1:
                _worker(plans[0])
            else:
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    for done in pool.map(_worker, plans):
                        progress(f"  a worker recorded {done} calls "
                                 f"({time.perf_counter() - began:.0f} s)")
            timings["record_s"] = round(time.perf_counter() - began, 1)
            began = time.perf_counter()
            for plan in plans:
                _merge(db, plan.path)
            timings["merge_s"] = round(time.perf_counter() - began, 1)
        progress("rebuilding the statistics rollup ...")
        began = time.perf_counter()
        with database.transaction(db):
            stats_store.migrate(db)
        stats_store.rebuild(db)
        timings["rollup_s"] = round(time.perf_counter() - began, 1)
    finally:
        db.conn.close()
    return {"calls": calls, "days": days, "workers": workers, **timings}


@click.command("seed-calls")
@click.option("--calls", type=click.IntRange(1, 10_000_000), default=10_000, show_default=True,
              help="How many calls to record.")
@click.option("--days", type=click.IntRange(1, 3650), default=730, show_default=True,
              help="Spread over this many days before now.")
@click.option("--seed", type=click.IntRange(0, 2**24 - 1), default=1, show_default=True,
              help="Random seed: the same seed gives the same history (once per database).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes recording in parallel (default: one per CPU).")
@with_appcontext
def seed_calls_command(calls: int, days: int, seed: int, workers: int | None):
    """Record a realistic call history for the dashboard (fictitious numbers)."""
    try:
        report = seed_calls(current_app.config["HOTLINE_DATABASE"], calls=calls, days=days,
                            seed=seed, end=clock.now(), workers=workers, report=True,
                            progress=click.echo)
    except AlreadySeededError as error:
        raise click.ClickException(f"{error}: use another --seed") from None
    click.echo(f"Recorded {report['calls']} calls over {report['days']} days: "
               f"{report['record_s']} s recording ({report['workers']} processes), "
               f"{report['merge_s']} s merging, {report['rollup_s']} s statistics.")
