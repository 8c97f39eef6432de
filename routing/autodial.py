"""Callbacks that dial themselves: a free agent and the caller called back, connected.

A callback request keeps the caller's place in line (`callbacks.queued_at`: when they
joined the queue, for a caller who took a callback while waiting; else when they asked).
Callbacks due now (inside their window, after the wait between attempts) and callers
waiting in the queue are served together in that order, within the same skills and
priorities (routing.decision). When a suitable agent is free and a callback comes
first, the agent is set to `callback` (no call rings them meanwhile), an attempt is
recorded (`dialling`) and the phone side places the call through the outbox:

- agent first (default): the agent's phone rings; they hear a whisper (callback,
  topic, language, identity checked or not) and accept with a key; then the caller is
  dialled and must press a key to be connected (a mailbox presses none);
- caller first (HOTLINE_CALLBACK_DIAL=caller-first): the caller is called with
  answering-machine detection, and a person is connected to the agent.

The attempt ends as reached, no_answer, busy or voicemail, as agents record them by
hand. Not reached: another attempt after HOTLINE_CALLBACK_RETRY_DELAY seconds, up to
HOTLINE_CALLBACK_ATTEMPTS, as long as the caller's window lasts; then failed. An agent
who does not take the whisper costs the caller no attempt: the callback is open again
at once for the next free agent. Callbacks promised for outside hours wait for their
window and a free agent, then go in the order asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from .callbacks import _COLUMNS, DONE, FAILED, IN_PROGRESS, OPEN, Callback, get_callback
from .context import verified_flag
from .decision import WaitingCaller, assign, choose_caller
from .queue import waiting_entries
from .rings import free_agent
from .store import (
    AVAILABLE,
    CALLBACK,
    RINGING,
    Agent,
    atomic,
    get_agent,
    parse_time,
    reachable_agents,
    set_status,
    utc_text,
)
from .topics import language_label, topic_label

log = logging.getLogger(__name__)

AGENT_FIRST, CALLER_FIRST, OFF = "agent-first", "caller-first", "off"
MODES = (AGENT_FIRST, CALLER_FIRST, OFF)
DIALLING = "dialling"
REACHED, NO_ANSWER, BUSY, VOICEMAIL = "reached", "no_answer", "busy", "voicemail"
KEY = "callback-"  # a callback's key among waiting callers


@dataclass(frozen=True)
class Dialling:
    """One automatic attempt: whom to call first, and the numbers the phone side needs."""

    attempt_id: int
    callback: Callback
    agent: Agent
    mode: str


@dataclass(frozen=True)
class Rules:
    """How automatic callbacks go: the mode, attempts and the wait between them."""

    mode: str = AGENT_FIRST
    max_attempts: int = 3
    retry_delay_s: int = 900


# The phone side places the call (through the outbox) inside the same write.
PlaceCall = Callable[[Database, Dialling, datetime], None]


def due_callbacks(db: Database, now: datetime) -> list[tuple[Callback, WaitingCaller]]:
    """Open callbacks inside their window whose wait between attempts is over, each
    with its place in line: the caller's (queued_at), with their skills."""
    stamp = utc_text(now)
    due = []
    for row in db.execute(
            f"SELECT {_COLUMNS}, queued_at FROM callbacks WHERE status = ?"
            " AND (window_start IS NULL OR window_start <= ?)"
            " AND (window_end IS NULL OR window_end > ?)"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            [OPEN, stamp, stamp, stamp]).fetchall():
        callback = Callback(*row[:-1])
        due.append((callback, WaitingCaller(
            key=f"{KEY}{callback.id}", topic=callback.topic, language=callback.language,
            site=callback.site, priority=callback.priority,
            enqueued_at=parse_time(row[-1] or callback.created_at))))
    return due


def _line(db: Database, now: datetime) -> tuple[list[WaitingCaller], dict[str, Callback]]:
    """Everyone waiting for an agent: callers in the queue (not ringing) and due callbacks."""
    callers = [e.caller() for e in waiting_entries(db) if e.ringing_agent_id is None]
    found = due_callbacks(db, now)
    return callers + [waiting for _, waiting in found], {w.key: cb for cb, w in found}


def dial_due(db: Database, now: datetime, place: PlaceCall, rules: Rules) -> int:
    """Give every free agent whose next in line is a callback that callback; returns how
    many were started. The sender runs this every second; an agent who becomes free
    runs `next_for_agent`."""
    if rules.mode == OFF or not db.execute(
            "SELECT 1 FROM callbacks WHERE status = ? LIMIT 1", [OPEN]).fetchone():
        return 0  # the usual second: no write at all
    started = 0
    with atomic(db):
        free = [agent.view() for agent in reachable_agents(db, (AVAILABLE,))]
        if not free:
            return 0
        line, due = _line(db, now)
        if not due:
            return 0
        for waiting, agent in assign(line, free):
            if waiting.key in due:
                _start(db, due[waiting.key], get_agent(db, agent.id), now, place, rules)
                started += 1
    return started


def next_for_agent(db: Database, agent_id: int, now: datetime, place: PlaceCall,
                   rules: Rules) -> bool:
    """The agent just became free: if a callback is first in line for them, start it
    (True); else the waiting caller, if any, is theirs (dispatch.connect_next_caller)."""
    if rules.mode == OFF:
        return False
    with atomic(db):
        agent = get_agent(db, agent_id)
        if agent.status != AVAILABLE or not (agent.reach_kind and agent.reach_address):
            return False
        line, due = _line(db, now)
        first = choose_caller(agent.view(), line)
        if first is None or first.key not in due:
            return False
        _start(db, due[first.key], agent, now, place, rules)
    return True


def _start(db: Database, callback: Callback, agent: Agent, now: datetime, place: PlaceCall,
           rules: Rules) -> None:
    stamp = utc_text(now)
    db.execute("UPDATE callbacks SET status = ?, agent_id = ?, updated_at = ? WHERE id = ?",
               [IN_PROGRESS, agent.id, stamp, callback.id])
    attempt_id = db.execute("INSERT INTO callback_attempts (callback_id, agent_id, at, result)"
                            " VALUES (?, ?, ?, ?) RETURNING id",
                            [callback.id, agent.id, stamp, DIALLING]).fetchone()[0]
    set_status(db, agent.id, CALLBACK, now=now, reason=f"callback {callback.id} dialling")
    place(db, Dialling(attempt_id, get_callback(db, callback.id), agent, rules.mode), now)
    log.info("Callback %s: dialling, agent %s, %s", callback.id, agent.id, rules.mode)


def dialling(db: Database, attempt_id: int) -> Dialling | None:
    """The automatic attempt behind a call's webhooks, while it is under way."""
    row = db.execute("SELECT callback_id, agent_id, result FROM callback_attempts WHERE id = ?",
                     [attempt_id]).fetchone()
    if row is None:
        return None
    callback = get_callback(db, row[0])
    return Dialling(attempt_id, callback, get_agent(db, row[1]), "")


def whisper_text(db: Database, callback: Callback) -> str:
    """The sentence the agent hears before the caller is dialled (German, like the
    queue's whisper)."""
    verified = callback.call_sid is not None and verified_flag(db, callback.call_sid)
    return (f"Rückruf zum Thema {topic_label(callback.topic)}, Sprache "
            f"{language_label(callback.language)}, "
            f"{'Identität geprüft' if verified else 'Identität nicht geprüft'}.")


def reached(db: Database, attempt_id: int, now: datetime) -> None:
    """The caller pressed a key (or answered in person): they talk to the agent now."""
    with atomic(db):
        db.execute("UPDATE callback_attempts SET result = ? WHERE id = ? AND result = ?",
                   [REACHED, attempt_id, DIALLING])


def was_reached(db: Database, attempt_id: int) -> bool:
    """Whether the caller and the agent were connected on this attempt."""
    row = db.execute("SELECT result FROM callback_attempts WHERE id = ?",
                     [attempt_id]).fetchone()
    return row is not None and row[0] == REACHED


def finish(db: Database, attempt_id: int, result: str, now: datetime, rules: Rules) -> str:
    """The attempt is over: reached (done), or not (another try after the delay, within
    the window and the number of attempts; else failed). The agent is free again.
    Idempotent: the status callback and the Dial's end may both report it."""
    with atomic(db):
        row = db.execute("SELECT callback_id, agent_id, result FROM callback_attempts"
                         " WHERE id = ?", [attempt_id]).fetchone()
        if row is None:
            return ""
        callback_id, agent_id, recorded = row
        callback = get_callback(db, callback_id)
        if recorded not in (DIALLING, REACHED) or callback.status != IN_PROGRESS:
            return callback.status
        final = REACHED if recorded == REACHED else result
        db.execute("UPDATE callback_attempts SET result = ? WHERE id = ?", [final, attempt_id])
        attempts = callback.attempts + 1
        retry_at = now + timedelta(seconds=rules.retry_delay_s)
        window_over = callback.window_end is not None and retry_at >= parse_time(
            callback.window_end)
        if final == REACHED:
            status = DONE
        elif attempts >= rules.max_attempts or window_over:
            status = FAILED
        else:
            status = OPEN
        db.execute("UPDATE callbacks SET status = ?, attempts = ?, updated_at = ?, agent_id = ?,"
                   " next_attempt_at = ? WHERE id = ?",
                   [status, attempts, utc_text(now), agent_id if status != OPEN else None,
                    utc_text(retry_at) if status == OPEN else None, callback_id])
        _free(db, agent_id, now, "callback attempt over")
        log.info("Callback %s: attempt %d %s -> %s", callback_id, attempts, final, status)
        return status


def agent_missed(db: Database, attempt_id: int, now: datetime) -> None:
    """The agent did not take the whisper: no attempt is charged to the caller; the
    callback is open again at once and the agent counts a missed ring."""
    with atomic(db):
        row = db.execute("SELECT callback_id, agent_id, result FROM callback_attempts"
                         " WHERE id = ?", [attempt_id]).fetchone()
        if row is None or row[2] != DIALLING:
            return
        callback_id, agent_id, _ = row
        db.execute("DELETE FROM callback_attempts WHERE id = ?", [attempt_id])
        db.execute("UPDATE callbacks SET status = ?, agent_id = NULL, updated_at = ?"
                   " WHERE id = ? AND status = ?", [OPEN, utc_text(now), callback_id,
                                                     IN_PROGRESS])
        agent = get_agent(db, agent_id)
        if agent.status == CALLBACK:
            # The missed-ring rules of a queue call (offline after several) apply.
            set_status(db, agent_id, RINGING, now=now, reason="callback whisper",
                       call_sid=f"callback-{callback_id}")
            db.execute("INSERT INTO dial_attempts (call_sid, agent_id, at, result)"
                       " VALUES (?, ?, ?, ?)", [f"callback-{callback_id}", agent_id,
                                                utc_text(now), "ringing"])
            free_agent(db, f"callback-{callback_id}", agent_id, now=now, result="no-answer")


def _free(db: Database, agent_id: int, now: datetime, reason: str) -> None:
    if get_agent(db, agent_id).status == CALLBACK:
        set_status(db, agent_id, AVAILABLE, now=now, reason=reason)
