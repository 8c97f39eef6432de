"""The agent queue: callers join, wait (position and estimated wait) and leave, with the reason.

A caller's stay in the queue is one row from joining until they talk to an agent, hang
up, take a callback or are moved elsewhere. Ringing an agent who does not answer does
not end the stay: the caller keeps their place in the line.

The row is written at the hand-over, so that an agent can be reserved while the caller
hears "Ich verbinde Sie ..."; the caller is in the queue only once Twilio says so
(`joined`: the hold music's first request, a ring's result, the queue's action). A
caller who hangs up before that left during the hand-over sentence (`HANDOVER`), which
is not a queue stay. Waits are kept to the millisecond, counted from joining.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from .decision import EMERGENCY, PRIORITIES, WaitingCaller, position
from .rings import CANCELED, free_agent
from .store import atomic, parse_time, staffed, utc_text
from .topics import GENERAL

BERLIN = ZoneInfo("Europe/Berlin")

# How the stay ended.
BRIDGED, ABANDONED, CALLBACK, REDIRECTED, ERROR, HANDOVER = (
    "bridged", "abandoned", "callback", "redirected", "error", "handover")
RESULTS = (BRIDGED, ABANDONED, CALLBACK, REDIRECTED, ERROR, HANDOVER)

HISTORY_DAYS = 14
MIN_HISTORY = 5  # fewer answered callers at this hour say too little: use the default
DEFAULT_WAIT_S = 180  # before there is any history: an honest "a few minutes"
MIN_WAIT_PER_POSITION_S = 30  # never promise less than this per caller in the line
CALLBACK_OFFER_AFTER_S = 120  # offer a callback when the estimate is at least this


class NotQueuedError(LookupError):
    """This call is not waiting in the queue."""


@dataclass(frozen=True)
class QueueEntry:
    """One caller's stay in the queue."""

    id: int
    call_sid: str
    topic: str
    language: str
    site: str | None
    priority: str
    intent: str | None
    enqueued_at: str
    ringing_agent_id: int | None
    left_at: str | None
    result: str | None
    agent_id: int | None
    wait_s: int | None
    joined_at: str | None = None
    wait_ms: int | None = None
    interpreter: str | None = None  # the caller's language, when an interpreter is needed

    def caller(self) -> WaitingCaller:
        """The entry as the pure routing decision sees it."""
        return WaitingCaller(key=self.call_sid, topic=self.topic, language=self.language,
                             site=self.site, priority=self.priority,
                             enqueued_at=parse_time(self.enqueued_at))


@dataclass(frozen=True)
class QueueStatus:
    """What the caller hears while waiting: position, estimate, and whether to offer a callback."""

    position: int
    waited_s: int
    estimated_wait_s: int
    offer_callback: bool
    staffed: bool  # somebody who could take this call is logged in
    emergency: bool = False  # first in line: no wait to announce, no callback to offer

    @property
    def estimated_minutes(self) -> int:
        """The estimate in whole minutes, rounded up, at least one (for speaking it)."""
        return max(1, -(-self.estimated_wait_s // 60))


_COLUMNS = ("id, call_sid, topic, language, site, priority, intent, enqueued_at,"
            " ringing_agent_id, left_at, result, agent_id, wait_s, joined_at, wait_ms,"
            " interpreter")


def _entry(row: tuple) -> QueueEntry:
    return QueueEntry(*row)


def open_entry(db: Database, call_sid: str) -> QueueEntry | None:
    """The call's current stay in the queue, if it is waiting (or ringing an agent)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM queue_entries WHERE call_sid = ?"
                     " AND left_at IS NULL", [call_sid]).fetchone()
    return _entry(row) if row else None


def entry_by_id(db: Database, entry_id: int) -> QueueEntry | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM queue_entries WHERE id = ?",
                     [entry_id]).fetchone()
    return _entry(row) if row else None


def last_entry(db: Database, call_sid: str) -> QueueEntry | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM queue_entries WHERE call_sid = ?"
                     " ORDER BY id DESC LIMIT 1", [call_sid]).fetchone()
    return _entry(row) if row else None


def waiting_entries(db: Database) -> list[QueueEntry]:
    """Every caller in the queue, in no particular order (the decision sorts)."""
    return [_entry(r) for r in db.execute(
        f"SELECT {_COLUMNS} FROM queue_entries WHERE left_at IS NULL").fetchall()]


def enqueue(db: Database, call_sid: str, *, topic: str = GENERAL, language: str = "de",
            site: str | None = None, priority: str = "normal", intent: str | None = None,
            interpreter: str | None = None, now: datetime) -> QueueEntry:
    """Put the caller in the queue; a retry (or a second call) returns the stay already open.

    An emergency already waiting stays an emergency even if a later call says "normal".
    `language` is the agents' language the caller waits for; `interpreter` the caller's
    own when an agent of `language` is to add an interpreter.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}")
    with atomic(db):
        existing = open_entry(db, call_sid)
        if existing is not None:
            if priority == EMERGENCY and existing.priority != EMERGENCY:
                db.execute("UPDATE queue_entries SET priority = ? WHERE id = ?",
                           [EMERGENCY, existing.id])
                return open_entry(db, call_sid)
            return existing
        db.execute("INSERT INTO queue_entries (call_sid, topic, language, site, priority,"
                   " intent, enqueued_at, interpreter) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [call_sid, topic or GENERAL, language or "de", site or None, priority,
                    intent, utc_text(now), interpreter or None])
        return open_entry(db, call_sid)


def joined(db: Database, call_sid: str, *, now: datetime | None = None) -> None:
    """Twilio says the caller is in the queue (inside a write); the first word counts.

    `now` is the moment Twilio put them in the queue (the hold music's first request);
    None when the signal came later (a ring's result, the queue's action): then the
    caller counts as queued since the hand-over, the best that is known.
    """
    db.execute("UPDATE queue_entries SET joined_at = COALESCE(?, enqueued_at)"
               " WHERE call_sid = ? AND left_at IS NULL AND joined_at IS NULL",
               [utc_text(now) if now else None, call_sid])


def close_entry(db: Database, entry: QueueEntry, result: str, *, now: datetime,
                agent_id: int | None = None) -> QueueEntry:
    """End a stay (inside a write); the wait is counted from joining the queue.

    A stay that never joined ends as `HANDOVER` when the caller hung up (`ABANDONED`
    asked for): they were gone before the queue had them. Otherwise leaving is the
    signal that they were in it.
    """
    if result not in RESULTS:
        raise ValueError(f"result must be one of {RESULTS}")
    if entry.joined_at is None and result == ABANDONED:
        result = HANDOVER
    start = entry.joined_at or entry.enqueued_at
    waited_ms = max(0, round((now - parse_time(start)).total_seconds() * 1000))
    db.execute("UPDATE queue_entries SET left_at = ?, result = ?, agent_id = ?, wait_s = ?,"
               " wait_ms = ?, joined_at = ?, ringing_agent_id = NULL WHERE id = ?",
               [utc_text(now), result, agent_id, waited_ms // 1000, waited_ms,
                None if result == HANDOVER else start, entry.id])
    return entry_by_id(db, entry.id)


def waiting_callers(db: Database) -> list[WaitingCaller]:
    return [entry.caller() for entry in waiting_entries(db)]


def estimated_wait(db: Database, *, now: datetime, position_: int = 1,
                   waited_s: int = 0) -> int:
    """Seconds still to wait, from callers answered at this hour of day in the last 14 days.

    The median total wait of those callers, less what this caller has already waited,
    but never less than 30 s per place in the line. Without enough history: 3 minutes.
    """
    hour = now.astimezone(BERLIN).hour
    since = utc_text(now - timedelta(days=HISTORY_DAYS))
    waits = [wait for enqueued_at, wait in db.execute(
        "SELECT enqueued_at, wait_s FROM queue_entries WHERE result = ? AND enqueued_at >= ?"
        " AND enqueued_at < ? AND wait_s IS NOT NULL", [BRIDGED, since, utc_text(now)])
        if parse_time(enqueued_at).astimezone(BERLIN).hour == hour]
    typical = statistics.median(waits) if len(waits) >= MIN_HISTORY else DEFAULT_WAIT_S
    return int(max(typical - waited_s, MIN_WAIT_PER_POSITION_S * max(1, position_)))


def queue_status(db: Database, call_sid: str, *, now: datetime,
                 offer_after_s: int = CALLBACK_OFFER_AFTER_S) -> QueueStatus:
    """Position, estimated wait and whether to offer a callback, for the wait music."""
    entry = open_entry(db, call_sid)
    if entry is None:
        raise NotQueuedError(call_sid)
    me = entry.caller()
    place = position(me, waiting_callers(db))
    waited = max(0, int((now - me.enqueued_at).total_seconds()))
    estimate = estimated_wait(db, now=now, position_=place, waited_s=waited)
    someone = staffed(db, me)
    urgent = me.priority == EMERGENCY
    return QueueStatus(position=place, waited_s=waited, estimated_wait_s=estimate,
                       offer_callback=not urgent and (estimate >= offer_after_s or not someone),
                       staffed=someone, emergency=urgent)


def leave_queue(db: Database, call_sid: str, result: str, *, now: datetime,
                agent_id: int | None = None) -> QueueEntry | None:
    """The caller left the queue (hung up, chose a callback, was moved on); idempotent.

    Releases an agent whose phone was ringing for this caller. Returns the closed stay,
    or None when the call was not waiting (a retry, or it never queued).
    """
    with atomic(db):
        entry = open_entry(db, call_sid)
        if entry is None:
            return None
        if entry.ringing_agent_id is not None and entry.ringing_agent_id != agent_id:
            # close_entry below takes the agent off the stay; here the agent is freed.
            free_agent(db, call_sid, entry.ringing_agent_id, now=now, result=CANCELED)
        if result == ABANDONED:  # the queue's own action says so: they were in it
            joined(db, call_sid)
            entry = open_entry(db, call_sid)
        return close_entry(db, entry, result, now=now, agent_id=agent_id)

