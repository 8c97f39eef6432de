"""What the agent records at the end of a call; recording it ends wrap-up."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from .callbacks import request_callback
from .context import caller_phone
from .queue import last_entry, open_entry
from .store import AVAILABLE, ON_CALL, WRAP_UP, atomic, get_agent, set_status, utc_text

OUTCOMES = {
    "resolved": "Anliegen geklärt",
    "booking_made": "Termin vereinbart",
    "callback_needed": "Rückruf nötig",
    "forwarded": "Weitergeleitet",
    "information_sent": "Informationen zugeschickt",
    "dropped": "Verbindung abgebrochen",
}
MAX_NOTE = 2000


class NoCurrentCallError(Exception):
    """The agent has no call to record an outcome for."""


def record_outcome(db: Database, agent_id: int, outcome: str, note: str = "", *,
                   now: datetime) -> str:
    """Record the outcome of the agent's current call; returns its CallSid.

    In wrap-up, the agent becomes available. During the call, the outcome is kept and
    the agent goes straight to available when the call ends. `callback_needed` opens a
    callback to the caller's number (if it was not withheld).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
    with atomic(db):
        agent = get_agent(db, agent_id)
        call_sid = agent.current_call_sid
        if call_sid is None or agent.status not in (ON_CALL, WRAP_UP):
            raise NoCurrentCallError(agent_id)
        db.execute("INSERT INTO call_outcomes (call_sid, agent_id, at, outcome, note)"
                   " VALUES (?, ?, ?, ?, ?)",
                   [call_sid, agent_id, utc_text(now), outcome, (note or "")[:MAX_NOTE] or None])
        if outcome == "callback_needed":
            phone = caller_phone(db, call_sid)
            if phone:
                entry = open_entry(db, call_sid)
                last = entry or last_entry(db, call_sid)
                request_callback(db, call_sid, phone=phone, confirmed_by="agent",
                                 topic=last.topic if last else "allgemein",
                                 language=last.language if last else "de",
                                 site=last.site if last else None,
                                 intent=last.intent if last else None, now=now)
        if agent.status == WRAP_UP:
            set_status(db, agent_id, AVAILABLE, now=now, reason="outcome recorded")
    return call_sid


def outcomes_of(db: Database, call_sid: str) -> list[tuple]:
    """(agent_id, at, outcome, note) for one call, oldest first."""
    return db.execute("SELECT agent_id, at, outcome, note FROM call_outcomes WHERE call_sid = ?"
                      " ORDER BY id", [call_sid]).fetchall()
