"""The statistics rollup: per-hour sums of calls, turns, queue stays and callbacks (stats' tables).

Supervisors' figures are sums over hours, so they are kept per UTC hour of the call's
start, split by site, language, intent and outcome (`stats_hourly`), and queue stays
per hour, site, language, result and milliseconds waited (`stats_waits`: exact
percentiles without reading every stay), and calls put through per agent and topic
with their talk time and after-call work (`stats_handle`, from the status history).
All three date everything about a call (its queue stays, waits, abandons, bookings,
handle time, whether its caller called again) by the hour the call started and give it
the call's one site, so that a day, a site or an hour adds up the same in every table.
Callbacks are counted by when they were requested and worked (`figures.callback_figures`,
from the raw tables), not here. The rollup is derived data only: it can be dropped and
rebuilt from the raw tables at any time (`rebuild`).

Keeping it current needs no call from the recording code: triggers on the raw tables
mark the hour a write touched as dirty (`stats_dirty`), and `refresh`, run before every
query, recomputes just those hours. Purging personal data changes no column a trigger
watches and no column the rollup reads, so the figures stay as they were.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from db import atomic, engine

BERLIN = ZoneInfo("Europe/Berlin")

# Outcomes the machine finished without a person ("contained").
CONTAINED = ("answered", "booked", "cancelled", "rescheduled")
HANDOVER = "handover"  # routing.queue: hung up during the hand-over sentence

# A turn the hotline did not understand: the dialogue failed on it because nothing
# matched or the recogniser was unsure (the reason after the colon in `turns.event`:
# "reprompt:not_understood", "menu:low_confidence", "agent:not_understood", ...), or
# it was recognised as out of scope with a low score. Silence ("not_heard") and
# unknown keys are not counted: there was nothing to understand. Only columns that
# purging keeps (event, intent, score) are read, so the count survives the purge.
LOW_OUT_OF_SCOPE_SCORE = 0.5
NOT_UNDERSTOOD_SQL = (
    "(t.event LIKE '%:not_understood' OR t.event LIKE '%:low_confidence'"
    f" OR (t.intent = 'out_of_scope' AND COALESCE(t.score, 0) < {LOW_OUT_OF_SCOPE_SCORE}))")

# contained: a machine outcome and never in the agent queue; queued: was in the agent
# queue (transferred); bridged, abandoned: queue stays that ended so; handover: stays
# whose caller hung up during the hand-over sentence, before the queue had them.
# numbered: calls with a caller pseudonym (or, after purging, its answer); repeated: of
# those, the caller called again within 7 days; machine_/person_: the same for calls the
# machine contained, and for calls that reached a person (queue or callback).
HOURLY_MEASURES = ("calls", "contained", "emergencies", "turns", "not_understood", "conf_sum",
                   "conf_n", "queued", "bridged", "abandoned", "handover", "agent_bookings",
                   "numbered", "repeated", "machine_numbered", "machine_repeated",
                   "person_numbered", "person_repeated")
REPEAT_DAYS = 7

# Which writes make an hour dirty: (table, trigger suffix, event, SQL selecting hours).
_TRIGGERS = [
    ("calls", "ins", "AFTER INSERT", "SELECT substr(NEW.started_at, 1, 13)"),
    ("calls", "upd", "AFTER UPDATE OF lang, intent, outcome, turns, emergency",
     "SELECT substr(NEW.started_at, 1, 13)"),
    ("queue_entries", "ins", "AFTER INSERT",
     "SELECT substr(NEW.enqueued_at, 1, 13) UNION SELECT substr(started_at, 1, 13)"
     " FROM calls WHERE call_sid = NEW.call_sid"),
    ("queue_entries", "upd", "AFTER UPDATE OF left_at, result, wait_s, site, language,"
     " joined_at",
     "SELECT substr(NEW.enqueued_at, 1, 13) UNION SELECT substr(started_at, 1, 13)"
     " FROM calls WHERE call_sid = NEW.call_sid"),
    # A caller's new call makes their calls of the week before repeats (step 1 as it
    # shipped; step 2, bounded_repeat_trigger, replaced it, and step 3,
    # latest_call_repeat_trigger, replaced that).
    ("calls", "rep", "AFTER INSERT",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE caller_key = NEW.caller_key"
     " AND started_at >= {week_before}"
     " AND started_at < NEW.started_at"),
    # A status change ends the agent's previous status: talk and after-call work of the
    # calls both are about.
    ("agent_status_history", "handle", "AFTER INSERT",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE call_sid IN (NEW.call_sid,"
     " (SELECT p.call_sid FROM agent_status_history p WHERE p.agent_id = NEW.agent_id"
     " AND p.at <= NEW.at AND p.id != NEW.id ORDER BY p.at DESC, p.id DESC LIMIT 1))"),
    ("callbacks", "ins", "AFTER INSERT",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE call_sid = NEW.call_sid"),
    ("callbacks", "upd", "AFTER UPDATE OF status",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE call_sid = NEW.call_sid"),
    ("call_outcomes", "ins", "AFTER INSERT",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE call_sid = NEW.call_sid"),
    ("bookings", "ins", "AFTER INSERT",
     "SELECT substr(started_at, 1, 13) FROM calls WHERE call_sid = NEW.call_sid"),
]


def migrate(db: Database) -> None:
    """Create the rollup tables, the dirty-hour triggers and the indexes the rollup reads by."""
    tables = set(db.table_names())
    postgres = engine(db) == "postgresql"
    layout = None if postgres else db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'stats_hourly'").fetchone()
    handle = None if postgres else db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'stats_handle'").fetchone()
    if layout and ("WITHOUT ROWID" not in layout[0] or " person_repeated " not in layout[0]
                   or (handle and " taken " not in handle[0])):
        # An earlier layout of derived data: drop it, and `refresh` rebuilds every hour.
        db.execute("DROP TABLE stats_hourly")
        db.execute("DROP TABLE IF EXISTS stats_waits")
        db.execute("DROP TABLE IF EXISTS stats_handle")
        tables -= {"stats_hourly", "stats_waits", "stats_handle"}
        if "stats_dirty" in tables:
            db.execute("INSERT OR IGNORE INTO stats_dirty (hour)"
                       " SELECT DISTINCT substr(started_at, 1, 13) FROM calls")
            db.execute("INSERT OR IGNORE INTO stats_dirty (hour)"
                       " SELECT DISTINCT substr(enqueued_at, 1, 13) FROM queue_entries")
    # Clustered by hour (WITHOUT ROWID, hour first in the key): a month is one contiguous
    # range of the table, read without a second look-up per row.
    if "stats_hourly" not in tables:
        db.execute(
            "CREATE TABLE stats_hourly (hour TEXT NOT NULL, day TEXT NOT NULL,"
            " local_hour INTEGER NOT NULL, weekday INTEGER NOT NULL, site TEXT NOT NULL,"
            " lang TEXT NOT NULL, intent TEXT NOT NULL, outcome TEXT NOT NULL, "
            + ", ".join(f"{m} {'REAL' if m == 'conf_sum' else 'INTEGER'} NOT NULL DEFAULT 0"
                        for m in HOURLY_MEASURES)
            + ", PRIMARY KEY (hour, site, lang, intent, outcome)) WITHOUT ROWID")
    if "stats_waits" not in tables:
        db.execute(
            "CREATE TABLE stats_waits (hour TEXT NOT NULL, site TEXT NOT NULL,"
            " lang TEXT NOT NULL, result TEXT NOT NULL, wait_ms INTEGER NOT NULL,"
            " n INTEGER NOT NULL, PRIMARY KEY (hour, site, lang, result, wait_ms)) WITHOUT ROWID")
    if "stats_handle" not in tables:
        # Calls put through (taken), by agent and topic, and of those the ones whose
        # conversation and wrap-up are over (calls) with their talk time, per hour of
        # the call's start and milliseconds of after-call work (capped when read, at the
        # wrap-up limit of the day).
        db.execute(
            "CREATE TABLE stats_handle (hour TEXT NOT NULL, site TEXT NOT NULL,"
            " lang TEXT NOT NULL, topic TEXT NOT NULL, agent_id INTEGER NOT NULL,"
            " acw_ms INTEGER NOT NULL, taken INTEGER NOT NULL, calls INTEGER NOT NULL,"
            " talk_ms INTEGER NOT NULL,"
            " PRIMARY KEY (hour, site, lang, topic, agent_id, acw_ms)) WITHOUT ROWID")
    if "stats_dirty" not in tables:
        db.execute("CREATE TABLE stats_dirty (hour TEXT PRIMARY KEY) WITHOUT ROWID")
    # A call's queue stays, looked up by call (routing's table; the open-stay index
    # covers only callers still waiting).
    if "queue_entries" in tables:
        db.execute("CREATE INDEX IF NOT EXISTS queue_entries_call ON queue_entries (call_sid)")
        db.execute("CREATE INDEX IF NOT EXISTS queue_entries_enqueued"
                   " ON queue_entries (enqueued_at)")
    # Callbacks are counted when asked for and when worked (figures.callback_figures).
    if "callbacks" in tables:
        db.execute("CREATE INDEX IF NOT EXISTS callbacks_created ON callbacks (created_at)")
    if "callback_attempts" in tables:
        db.execute("CREATE INDEX IF NOT EXISTS callback_attempts_callback"
                   " ON callback_attempts (callback_id, at)")
        db.execute("CREATE INDEX IF NOT EXISTS callback_attempts_at ON callback_attempts (at)")
    if "stats_agent_days" not in tables:
        # Seconds per agent and status for each finished Berlin day, computed on first
        # use; a status change dated on or before a stored day removes it (and the days
        # after it, into which its status carried on).
        db.execute("CREATE TABLE stats_agent_days (day TEXT NOT NULL, agent_id INTEGER NOT NULL,"
                   " status TEXT NOT NULL, seconds REAL NOT NULL,"
                   " PRIMARY KEY (day, agent_id, status)) WITHOUT ROWID")
        db.execute("CREATE TABLE stats_agent_days_done (day TEXT PRIMARY KEY) WITHOUT ROWID")
    if "agent_status_history" in tables:
        # Handle time reads a call's statuses (stats_handle).
        db.execute("CREATE INDEX IF NOT EXISTS agent_status_history_call"
                   " ON agent_status_history (call_sid) WHERE call_sid IS NOT NULL")
        # Time in each status over a period reads the history by time, for all agents.
        db.execute("CREATE INDEX IF NOT EXISTS agent_status_history_at"
                   " ON agent_status_history (at)")
        # The UTC date minus one day: the Berlin day of the change is never earlier.
        for target in ("stats_agent_days_done", "stats_agent_days"):
            _trigger(db, f"stats_dirty_agents_{target}", "AFTER INSERT", "agent_status_history",
                     f"DELETE FROM {target} WHERE day >= {_days_before('NEW.at', 1, db)}")
    for table, suffix, event, hours in _TRIGGERS:
        if table in tables:
            hours = hours.replace("{week_before}",
                                  _days_before("NEW.started_at", REPEAT_DAYS + 1, db))
            _trigger(db, f"stats_dirty_{table}_{suffix}", event, table,
                     f"INSERT INTO stats_dirty (hour) {hours} ON CONFLICT DO NOTHING"
                     if postgres else f"INSERT OR IGNORE INTO stats_dirty (hour) {hours}")


def bounded_repeat_trigger(db: Database) -> None:
    """Step 2: a caller's new call marks the hour of their latest call before it, not of
    every call of the week before.

    Only that call can become a repeat: any earlier one in the week already has a later
    call within 7 days (that latest one). Marking every call's hour cost a row each, so a
    caller who had called 5,000 times in a week (a test, a robot, the load benchmark's
    one number) made each new call take 4.4 ms instead of 0.3 (measured). Meant to read
    one entry of the (caller_key, started_at) index whatever the history; its HAVING
    clause made SQLite read them all (step 3)."""
    if "calls" not in db.table_names():
        return  # no call records here (step 1 made no trigger either)
    hours = (f"SELECT substr(max(started_at), 1, 13) FROM calls"
             f" WHERE caller_key = NEW.caller_key"
             f" AND started_at >= {_days_before('NEW.started_at', REPEAT_DAYS + 1, db)}"
             f" AND started_at < NEW.started_at HAVING max(started_at) IS NOT NULL")
    _trigger(db, "stats_dirty_calls_rep", "AFTER INSERT", "calls",
             f"INSERT INTO stats_dirty (hour) {hours} ON CONFLICT DO NOTHING"
             if engine(db) == "postgresql" else f"INSERT OR IGNORE INTO stats_dirty (hour) {hours}")


def latest_call_repeat_trigger(db: Database) -> None:
    """Step 3: step 2's trigger as a query that really reads one index entry.

    Step 2 took max(started_at) with a HAVING clause to skip callers without an earlier
    call, and SQLite (3.40) plans a max() with HAVING as an aggregate over the whole range:
    it still read every call of the caller's week (measured: 424 us for a number with
    1,221 calls, against 12 us; every bench_load call comes from one number, so each run
    grew dearer as it went on). ORDER BY ... DESC LIMIT 1 on the (caller_key, started_at)
    index reads the latest entry alone, and gives no row when there is none."""
    if "calls" not in db.table_names():
        return  # no call records here (step 1 made no trigger either)
    hours = (f"SELECT substr(started_at, 1, 13) FROM calls WHERE caller_key = NEW.caller_key"
             f" AND started_at >= {_days_before('NEW.started_at', REPEAT_DAYS + 1, db)}"
             f" AND started_at < NEW.started_at ORDER BY started_at DESC LIMIT 1")
    _trigger(db, "stats_dirty_calls_rep", "AFTER INSERT", "calls",
             f"INSERT INTO stats_dirty (hour) {hours} ON CONFLICT DO NOTHING"
             if engine(db) == "postgresql" else f"INSERT OR IGNORE INTO stats_dirty (hour) {hours}")


# schema steps, from 1 (db.migrate)
MIGRATIONS = [migrate, bounded_repeat_trigger, latest_call_repeat_trigger]


def _days_before(stamp: str, days: int, db: Database) -> str:
    """SQL for the ISO date `days` before the date of the stored time `stamp`."""
    if engine(db) == "postgresql":
        return f"to_char(CAST(substr({stamp}, 1, 10) AS date) - {days}, 'YYYY-MM-DD')"
    return f"date(substr({stamp}, 1, 10), '-{days} days')"


def _trigger(db: Database, name: str, event: str, table: str, action: str) -> None:
    """(Re)create a row trigger: SQLite's inline body, or PostgreSQL's function + trigger."""
    if engine(db) == "postgresql":
        db.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
                   f" AS $$ BEGIN {action}; RETURN NULL; END $$")
        db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        db.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW"
                   f" EXECUTE FUNCTION {name}()")
        return
    db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute(f"CREATE TRIGGER {name} {event} ON {table} BEGIN {action}; END")


def hour_key(moment: datetime) -> str:
    """'2026-11-25T09': the UTC hour, as the first 13 characters of a stored time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def _local(hour: str) -> tuple[str, int, int]:
    """(Berlin date, Berlin hour, weekday 0 = Monday) of a UTC hour key."""
    moment = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC).astimezone(BERLIN)
    return moment.date().isoformat(), moment.hour, moment.weekday()


def _next_hour(hour: str) -> str:
    return hour_key(datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
                    + timedelta(hours=1))


def _ranges(hours: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted hours as [first, after-last) runs of consecutive hours (one index range each)."""
    runs: list[list[str]] = []
    for hour in sorted(set(hours)):
        if runs and _next_hour(runs[-1][1]) == hour:
            runs[-1][1] = hour
        else:
            runs.append([hour, hour])
    return [(first, _next_hour(last)) for first, last in runs]


def _recompute(db: Database, first: str, after: str) -> None:
    """Replace the rollup rows of the hours [first, after) with sums of the raw rows."""
    # CROSS JOIN keeps the calls of the hours as the outer loop: without it SQLite may
    # scan all of call_outcomes and look each call up (seconds instead of milliseconds).
    # PostgreSQL plans the order itself and knows no CROSS JOIN ... ON.
    join = "CROSS JOIN" if engine(db) == "sqlite" else "JOIN"
    where = "c.started_at >= ? AND c.started_at < ?"
    span = [first, after]
    calls = {sid: [hour, lang, intent, outcome, emergency]
             for sid, hour, lang, intent, outcome, emergency in db.execute(
                 f"SELECT c.call_sid, substr(c.started_at, 1, 13), COALESCE(c.lang, 'de'),"
                 f" COALESCE(c.intent, ''), COALESCE(c.outcome, 'open'),"
                 f" COALESCE(c.emergency, 0) FROM calls c WHERE {where}", span)}
    # Whether the caller called again within 7 days: kept as an answer after purging,
    # else looked up by the pseudonym.
    again = dict(db.execute(
        f"SELECT c.call_sid, COALESCE(c.called_again, CASE WHEN EXISTS (SELECT 1 FROM calls d"
        f" WHERE d.caller_key = c.caller_key AND d.started_at > c.started_at"
        f" AND julianday(d.started_at) <= julianday(c.started_at) + {REPEAT_DAYS})"
        f" THEN 1 ELSE 0 END)"
        f" FROM calls c WHERE {where} AND (c.caller_key IS NOT NULL"
        f" OR c.called_again IS NOT NULL)", span).fetchall())
    handled: dict[str, dict[int, list]] = defaultdict(dict)  # call -> agent -> [talk, acw]
    for agent_id, status, sid, at, until in db.execute(
            f"SELECT h.agent_id, h.status, h.call_sid, h.at, (SELECT n.at FROM"
            f" agent_status_history n WHERE n.agent_id = h.agent_id AND n.at >= h.at"
            f" AND (n.at > h.at OR n.id > h.id) ORDER BY n.at, n.id LIMIT 1)"
            f" FROM calls c {join} agent_status_history h ON h.call_sid = c.call_sid"
            f" WHERE {where} AND h.status IN ('on_call', 'wrap_up')", span):
        if until is None:
            continue  # still talking or in wrap-up: counted once it ends
        times = handled[sid].setdefault(agent_id, [0, 0])
        spent = round((datetime.fromisoformat(until) - datetime.fromisoformat(at))
                      .total_seconds() * 1000)
        times[0 if status == "on_call" else 1] += spent
    turns = {row[0]: row[1:] for row in db.execute(
        f"SELECT t.call_sid, count(*), sum(CASE WHEN {NOT_UNDERSTOOD_SQL} THEN 1 ELSE 0 END),"
        f" sum(t.confidence),"
        f" count(t.confidence) FROM calls c {join} turns t ON t.call_sid = c.call_sid"
        f" WHERE {where} AND t.turn > 0 GROUP BY t.call_sid", span)}
    stays: dict[str, list] = defaultdict(list)
    topics: dict[str, str] = {}
    taken: dict[str, Counter] = defaultdict(Counter)  # call -> agent -> stays put through
    for sid, site, result, wait_ms, wait_s, joined, topic, agent_id in db.execute(
            f"SELECT q.call_sid, q.site, q.result, q.wait_ms, q.wait_s, q.joined_at, q.topic,"
            f" q.agent_id FROM calls c {join} queue_entries q ON q.call_sid = c.call_sid"
            f" WHERE {where} ORDER BY q.id", span):
        stays[sid].append((site, result, wait_ms if wait_ms is not None else (wait_s or 0) * 1000,
                           joined))
        if result == "bridged":
            topics[sid] = topic
            taken[sid][agent_id] += 1
    callback_sites = dict(db.execute(
        f"SELECT b.call_sid, max(b.site) FROM calls c {join} callbacks b"
        f" ON b.call_sid = c.call_sid WHERE {where} GROUP BY b.call_sid", span).fetchall())
    agent_bookings = dict(db.execute(
        f"SELECT o.call_sid, count(*) FROM calls c {join} call_outcomes o"
        f" ON o.call_sid = c.call_sid WHERE {where} AND o.outcome = 'booking_made'"
        f" GROUP BY o.call_sid", span).fetchall())
    booked_sites = dict(db.execute(
        f"SELECT b.call_sid, max(b.site_id) FROM calls c {join} bookings b"
        f" ON b.call_sid = c.call_sid WHERE {where} GROUP BY b.call_sid", span).fetchall())

    sums: dict[tuple, list] = defaultdict(lambda: [0] * len(HOURLY_MEASURES))
    waits: dict[tuple, int] = defaultdict(int)
    handle: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    for sid, (hour, lang, intent, outcome, emergency) in calls.items():
        turn_count, not_understood, conf_sum, conf_n = turns.get(sid, (0, 0, 0.0, 0))
        mine = stays.get(sid, [])
        # In the queue: Twilio had the caller there (a stay that joined); a hang-up
        # during the hand-over sentence is not a queue stay.
        queue_stays = [stay for stay in mine if stay[1] != HANDOVER and stay[3] is not None]
        queue_site = max((stay[0] for stay in mine if stay[0]), default=None)
        # Where the call belongs: the site routing queued it for, else the site of the
        # callback or of the appointment it booked; '' when it never had one.
        site = queue_site or callback_sites.get(sid) or booked_sites.get(sid) or ""
        contained = outcome in CONTAINED and not queue_stays
        ended = [stay for stay in queue_stays if stay[1] is not None]
        for _, result, wait_ms, _ in ended:
            waits[(hour, site, lang, result, wait_ms)] += 1
        numbered, repeated = sid in again, bool(again.get(sid))
        person = bool(queue_stays) or sid in callback_sites
        row = sums[(hour, site, lang, intent, outcome)]
        for i, value in enumerate((
                1, contained, emergency, turn_count, not_understood, conf_sum or 0.0, conf_n,
                bool(queue_stays), sum(stay[1] == "bridged" for stay in ended),
                sum(stay[1] == "abandoned" for stay in ended),
                sum(stay[1] == HANDOVER for stay in mine), agent_bookings.get(sid, 0),
                numbered, repeated, numbered and contained, repeated and contained,
                numbered and person, repeated and person)):
            row[i] += value or 0
        if sid in topics:
            times = handled.get(sid, {})
            for agent_id in {*times, *taken[sid]}:
                talk_ms, acw_ms = times.get(agent_id, (0, 0))
                cell = handle[(hour, site, lang, topics[sid], agent_id or 0, acw_ms)]
                cell[0] += taken[sid][agent_id]
                cell[1] += agent_id in times
                cell[2] += talk_ms
    db.execute("DELETE FROM stats_hourly WHERE hour >= ? AND hour < ?", [first[:13], after[:13]])
    local = {}
    db.conn.executemany(
        f"INSERT INTO stats_hourly (hour, day, local_hour, weekday, site, lang, intent, outcome,"
        f" {', '.join(HOURLY_MEASURES)}) VALUES ({', '.join('?' * (8 + len(HOURLY_MEASURES)))})",
        [(hour, *local.setdefault(hour, _local(hour)), site, lang, intent, outcome, *measures)
         for (hour, site, lang, intent, outcome), measures in sums.items()])
    db.execute("DELETE FROM stats_waits WHERE hour >= ? AND hour < ?", [first[:13], after[:13]])
    db.conn.executemany(
        "INSERT INTO stats_waits (hour, site, lang, result, wait_ms, n) VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, n) for key, n in waits.items()])
    db.execute("DELETE FROM stats_handle WHERE hour >= ? AND hour < ?", [first[:13], after[:13]])
    db.conn.executemany(
        "INSERT INTO stats_handle (hour, site, lang, topic, agent_id, acw_ms, taken, calls,"
        " talk_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*key, *sums) for key, sums in handle.items()])


def refresh(db: Database) -> int:
    """Recompute the hours marked dirty since the last refresh; returns how many.

    Runs in one write transaction (or a savepoint inside the caller's), so a webhook
    writing at the same moment either is counted now or marks its hour dirty again.
    """
    if not db.execute("SELECT 1 FROM stats_dirty LIMIT 1").fetchone():
        return 0  # the common case costs one index probe and no write lock
    with atomic(db):
        hours = [row[0] for row in db.execute("SELECT hour FROM stats_dirty").fetchall()
                 if row[0]]
        for first, after in _ranges(hours):
            _recompute(db, first, after)
        db.execute("DELETE FROM stats_dirty")
    return len(hours)


def rebuild(db: Database) -> int:
    """Mark every hour that has calls or queue stays dirty, and refresh (after a bulk load)."""
    with atomic(db):
        db.execute("DELETE FROM stats_hourly")
        db.execute("DELETE FROM stats_waits")
        db.execute("DELETE FROM stats_handle")
        # WHERE true: SQLite would read ON CONFLICT as part of the SELECT's join otherwise.
        db.execute("INSERT INTO stats_dirty (hour) SELECT DISTINCT substr(started_at, 1, 13)"
                   " FROM calls WHERE true ON CONFLICT DO NOTHING")
        db.execute("INSERT INTO stats_dirty (hour) SELECT DISTINCT substr(enqueued_at, 1, 13)"
                   " FROM queue_entries WHERE true ON CONFLICT DO NOTHING")
    return refresh(db)
