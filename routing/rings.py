"""How a ring to an agent ends: the attempt's result, and the agent free again (or offline).

Each ring is a row in `dial_attempts`. `dispatch` reserves and rings agents; both it and
the queue (a caller who leaves while an agent's phone rings for them) end rings here,
so neither needs the other for it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlite_utils import Database

from .store import AVAILABLE, OFFLINE, RINGING, get_agent, set_status, utc_text

log = logging.getLogger(__name__)

ANSWERED, NO_ANSWER, BUSY, FAILED, CANCELED = (
    "answered", "no-answer", "busy", "failed", "canceled")
# Rings that ended through no fault of the agent: they keep their place in the idle line.
EXPIRED, REDIRECT_FAILED = "expired", "redirect-failed"
MISSED_RINGS_BEFORE_AWAY = 3  # in a row: the agent is probably not at the desk; set offline


def end_attempt(db: Database, call_sid: str, agent_id: int, result: str, now: datetime) -> None:
    """Record how the agent's latest ring for this call ended."""
    db.execute("UPDATE dial_attempts SET result = ?, ended_at = ? WHERE id = (SELECT MAX(id)"
               " FROM dial_attempts WHERE call_sid = ? AND agent_id = ?)",
               [result, utc_text(now), call_sid, agent_id])


def free_agent(db: Database, call_sid: str, agent_id: int, *, now: datetime,
               result: str) -> None:
    """The agent's ring for this call is over without a conversation (inside a write).

    An agent who missed the ring goes to the back of the idle line; after several misses
    in a row they are set offline, so that callers stop ringing an empty desk.
    """
    end_attempt(db, call_sid, agent_id, result, now)
    agent = get_agent(db, agent_id)
    if agent.status != RINGING or agent.current_call_sid != call_sid:
        return  # the agent has moved on already (answered, or the console changed them)
    missed = result in (NO_ANSWER, BUSY, FAILED)
    if missed:
        db.execute("UPDATE agents SET missed_rings = missed_rings + 1 WHERE id = ?", [agent_id])
        count = db.execute("SELECT missed_rings FROM agents WHERE id = ?", [agent_id]).fetchone()[0]
        if count >= MISSED_RINGS_BEFORE_AWAY:
            set_status(db, agent_id, OFFLINE, now=now, reason=f"{count} rings missed")
            log.warning("Agent %s set offline after %d missed rings", agent_id, count)
            return
    set_status(db, agent_id, AVAILABLE, now=now, reason=f"ring {result}", back_of_line=missed)
