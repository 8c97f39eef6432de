"""Callback requests: the caller's confirmed number, topic and time window; agents work them.

A callback is open until an agent starts it, or the hotline dials it itself
(routing/autodial.py) (in_progress, only that agent sees the full number; an available
agent's status is `callback` meanwhile), then each attempt is recorded: reached ->
done; no answer, busy, voicemail -> open again after a wait (RETRY_DELAY_S); after MAX_ATTEMPTS
failed attempts -> failed. A callback still open when purging reaches it expired: never
attempted (no attempt) is then still told apart from not reached (attempts), as the
statistics do.

A message the caller left that is a crisis (speech.message_concern: self-harm, violence,
another emergency) or gives cause for worry marks its callback (`concern`): a crisis goes
first in the agents' list and in line for a free agent at emergency priority, worry
next; the console shows the mark to every agent who may work it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from .decision import EMERGENCY, NORMAL, WORRY, WaitingCaller, can_serve
from .queue import CALLBACK, leave_queue, open_entry
from .store import AVAILABLE, atomic, get_agent, parse_time, set_status, utc_text
from .store import CALLBACK as CALLBACK_WORK
from .topics import GENERAL

OPEN, IN_PROGRESS, DONE, FAILED, EXPIRED = "open", "in_progress", "done", "failed", "expired"
CONFIRMED_BY = ("caller_id", "spoken", "agent")
ATTEMPT_RESULTS = {
    "reached": "erreicht",
    "no_answer": "nicht erreicht",
    "busy": "besetzt",
    "voicemail": "Mailbox",
    "wrong_number": "falsche Nummer",
}
# What a message left with the callback was heard to be, as agents read it.
CONCERNS = {
    "self_harm": "Krise: Selbstgefährdung",
    "violence": "Krise: Gewalt",
    "emergency": "Notlage",
    "crisis": "Krise",  # a kind purged (health data): a crisis it was
    "worry": "Sorge: bitte nachfragen",
}
CRISES = ("self_harm", "violence", "emergency", "crisis")
MAX_ATTEMPTS = 3
RETRY_DELAY_S = 900  # a callback not reached is tried again after this (HOTLINE_CALLBACK_...)


class CallbackNotFoundError(LookupError):
    """No callback has this id (or the agent may not work it)."""


class CallbackStateError(Exception):
    """The callback is not in a state that allows this (e.g. another agent works it)."""


@dataclass(frozen=True)
class Callback:
    """A callback request."""

    id: int
    call_sid: str | None
    phone: str
    confirmed_by: str
    topic: str
    language: str
    site: str | None
    intent: str | None
    window_start: str | None
    window_end: str | None
    status: str
    agent_id: int | None
    attempts: int
    created_at: str
    updated_at: str
    note: str | None = None  # a message for the team (personal: purged)
    concern: str | None = None  # what the caller's message was heard to be (CONCERNS)

    @property
    def priority(self) -> str:
        """A call heard as an emergency, or a crisis in the caller's message: an
        emergency (the caller was told they are called back first); words of worry: next."""
        if self.concern in CRISES or self.intent == "emergency":
            return EMERGENCY
        return WORRY if self.concern == "worry" else NORMAL

    def caller(self) -> WaitingCaller:
        """As the routing decision sees it, so agents see only callbacks they are skilled for."""
        return WaitingCaller(key=f"callback-{self.id}", topic=self.topic,
                             language=self.language, site=self.site, priority=self.priority,
                             enqueued_at=parse_time(self.created_at))


_COLUMNS = ("id, call_sid, phone, confirmed_by, topic, language, site, intent, window_start,"
            " window_end, status, agent_id, attempts, created_at, updated_at, note, concern")


def get_callback(db: Database, callback_id: int) -> Callback:
    row = db.execute(f"SELECT {_COLUMNS} FROM callbacks WHERE id = ?", [callback_id]).fetchone()
    if row is None:
        raise CallbackNotFoundError(callback_id)
    return Callback(*row)


def request_callback(db: Database, call_sid: str | None, *, phone: str, confirmed_by: str,
                     topic: str = GENERAL, language: str = "de", site: str | None = None,
                     intent: str | None = None, window_start: datetime | None = None,
                     window_end: datetime | None = None, note: str | None = None,
                     now: datetime) -> Callback:
    """Record the caller's wish to be called back; a retry returns the request already made.

    `confirmed_by`: how the number was confirmed: 'caller_id' (the caller said yes to
    their own number), 'spoken' (digits spoken or typed), or 'agent'. The window
    (None = any time) is when the caller wants the call. A caller waiting in the queue
    leaves it with the result 'callback'.
    """
    if confirmed_by not in CONFIRMED_BY:
        raise ValueError(f"confirmed_by must be one of {CONFIRMED_BY}")
    if not phone or not phone.strip():
        raise ValueError("a callback needs a phone number")
    with atomic(db):
        if call_sid:
            row = db.execute("SELECT id FROM callbacks WHERE call_sid = ? AND status IN (?, ?)",
                             [call_sid, OPEN, IN_PROGRESS]).fetchone()
            if row:
                return get_callback(db, row[0])
        stamp = utc_text(now)
        # A caller who leaves the queue for a callback keeps their place in line.
        waiting = open_entry(db, call_sid) if call_sid else None
        place = waiting.enqueued_at if waiting is not None else stamp
        if call_sid:
            leave_queue(db, call_sid, CALLBACK, now=now)
        cursor = db.execute(
            "INSERT INTO callbacks (call_sid, phone, confirmed_by, topic, language, site, intent,"
            " window_start, window_end, status, attempts, created_at, updated_at, note,"
            " queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id",
            [call_sid, phone.strip(), confirmed_by, topic or GENERAL, language or "de",
             site or None, intent, utc_text(window_start) if window_start else None,
             utc_text(window_end) if window_end else None, OPEN, stamp, stamp, note, place])
        return get_callback(db, cursor.fetchone()[0])


def mark_concern(db: Database, call_sid: str | None, concern: str | None) -> int:
    """Mark the call's callback still to be worked with what its message was heard to be;
    a crisis outranks worry, and a mark is never taken back. Returns the rows marked."""
    if not call_sid or concern not in CONCERNS:
        return 0
    replaces = "concern IS NULL OR concern = 'worry'" if concern in CRISES else "concern IS NULL"
    return db.execute(
        f"UPDATE callbacks SET concern = ? WHERE call_sid = ? AND status IN (?, ?)"
        f" AND ({replaces})", [concern, call_sid, OPEN, IN_PROGRESS]).rowcount


# A crisis (or a call heard as an emergency) first, then worry, then everything else;
# within each the earliest window.
_CONCERN_RANK = (f"CASE WHEN concern IN ({', '.join(repr(c) for c in CRISES)})"
                 " OR intent = 'emergency' THEN 0"
                 " WHEN concern = 'worry' THEN 1 ELSE 2 END")


def visible_callbacks(db: Database, agent_id: int, *, everything: bool = False) -> list[Callback]:
    """Open callbacks the agent is skilled for, and those they work: a crisis in the
    caller's message first, then worry, then the earliest window first."""
    agent = get_agent(db, agent_id)
    view = agent.view()
    rows = [Callback(*row) for row in db.execute(
        f"SELECT {_COLUMNS} FROM callbacks WHERE status = ? OR (status = ? AND agent_id = ?)"
        f" ORDER BY {_CONCERN_RANK}, COALESCE(window_start, created_at), id",
        [OPEN, IN_PROGRESS, agent_id]).fetchall()]
    return [cb for cb in rows
            if cb.agent_id == agent_id or everything or can_serve(view, cb.caller())]


def may_work(db: Database, agent_id: int, callback: Callback, everything: bool = False) -> bool:
    return everything or callback.agent_id == agent_id or can_serve(
        get_agent(db, agent_id).view(), callback.caller())


def start_callback(db: Database, callback_id: int, agent_id: int, *, now: datetime) -> Callback:
    """The agent takes the callback: nobody else works it until an attempt is recorded."""
    with atomic(db):
        callback = get_callback(db, callback_id)
        if callback.status == IN_PROGRESS and callback.agent_id == agent_id:
            return callback
        if callback.status != OPEN:
            raise CallbackStateError("Dieser Rückruf wird schon bearbeitet oder ist erledigt.")
        db.execute("UPDATE callbacks SET status = ?, agent_id = ?, updated_at = ? WHERE id = ?",
                   [IN_PROGRESS, agent_id, utc_text(now), callback_id])
        if get_agent(db, agent_id).status == AVAILABLE:  # no call rings them meanwhile
            set_status(db, agent_id, CALLBACK_WORK, now=now, reason=f"callback {callback_id}")
        return get_callback(db, callback_id)


def record_attempt(db: Database, callback_id: int, agent_id: int, result: str, note: str = "",
                   *, now: datetime) -> Callback:
    """One try at calling back: reached ends it; otherwise it is open again, or failed at last."""
    if result not in ATTEMPT_RESULTS:
        raise ValueError(f"result must be one of {sorted(ATTEMPT_RESULTS)}")
    with atomic(db):
        callback = get_callback(db, callback_id)
        if callback.status != IN_PROGRESS or callback.agent_id != agent_id:
            raise CallbackStateError("Bitte den Rückruf zuerst übernehmen.")
        stamp = utc_text(now)
        # A call the hotline is dialling itself (autodial) gets its result by hand here.
        if not db.execute("UPDATE callback_attempts SET result = ?, note = ? WHERE callback_id = ?"
                          " AND agent_id = ? AND result = 'dialling'",
                          [result, note or None, callback_id, agent_id]).rowcount:
            db.execute("INSERT INTO callback_attempts (callback_id, agent_id, at, result, note)"
                       " VALUES (?, ?, ?, ?, ?)",
                       [callback_id, agent_id, stamp, result, note or None])
        attempts = callback.attempts + 1
        if result == "reached":
            status = DONE
        elif result == "wrong_number" or attempts >= MAX_ATTEMPTS:
            status = FAILED
        else:
            status = OPEN
        retry_at = utc_text(now + timedelta(seconds=RETRY_DELAY_S)) if status == OPEN else None
        db.execute("UPDATE callbacks SET status = ?, attempts = ?, updated_at = ?,"
                   " agent_id = ?, next_attempt_at = ? WHERE id = ?",
                   [status, attempts, stamp, agent_id if status != OPEN else None, retry_at,
                    callback_id])
        if get_agent(db, agent_id).status == CALLBACK_WORK:
            set_status(db, agent_id, AVAILABLE, now=now, reason="callback attempt recorded")
        return get_callback(db, callback_id)


def attempts_of(db: Database, callback_id: int) -> list[tuple]:
    """(agent_id, at, result, note) of every attempt, oldest first."""
    return db.execute("SELECT agent_id, at, result, note FROM callback_attempts"
                      " WHERE callback_id = ? ORDER BY id", [callback_id]).fetchall()


def purge_personal_data(db: Database, before: str) -> int:
    """Forget numbers, notes and the kind of crisis of callbacks, attempts and call
    outcomes older than `before`.

    The rows stay (statistics count them); a callback still open that old has waited
    past the retention period and expires (its attempts, if any, stay counted).
    """
    with atomic(db):
        db.execute("UPDATE callbacks SET status = ? WHERE created_at < ? AND status IN (?, ?)",
                   [EXPIRED, before, OPEN, IN_PROGRESS])
        purged = db.execute("UPDATE callbacks SET phone = '', note = NULL"
                            " WHERE created_at < ? AND (phone != '' OR note IS NOT NULL)",
                            [before]).rowcount
        # Which crisis a caller spoke of is health data; that there was one, the
        # statistics keep (as calls keep `emergency` without the kind).
        db.execute("UPDATE callbacks SET concern = 'crisis' WHERE created_at < ?"
                   " AND concern IN ('self_harm', 'violence', 'emergency')", [before])
        db.execute("UPDATE callback_attempts SET note = NULL WHERE at < ?", [before])
        db.execute("UPDATE call_outcomes SET note = NULL WHERE at < ?", [before])
    return purged
