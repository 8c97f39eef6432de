"""Ringing agents: reserve one for a caller, record how a ring ended, give free agents callers.

The phone side (ivr) calls these with its database and clock. An agent whose phone
rings for one call is `ringing` (reserved): no second call rings them. A ring that is
never reported back (a lost webhook) is released after the ring timeout plus a grace
period, so no agent stays reserved for ever. Moving a waiting call to a free agent goes
through the REST gateway: redirect_call(call_sid, connect_url(call_sid, agent_id)), with a
short timeout. When that fails the agent's reservation is released at once and the
caller keeps waiting; the next dispatch (another free agent, or the caller's own hold
music asking `/voice/wait`, which reserves a free agent without any REST request) tries
again, and the same agent may be chosen again: the failure was not theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from gateway import GatewayError

from .autodial import due_callbacks
from .context import verified_flag
from .decision import EMERGENCY, choose_agent, choose_caller
from .queue import (
    ABANDONED,
    BRIDGED,
    NotQueuedError,
    QueueEntry,
    close_entry,
    entry_by_id,
    joined,
    open_entry,
    waiting_entries,
)
from .rings import (
    ANSWERED,
    BUSY,
    CANCELED,
    EXPIRED,
    FAILED,
    NO_ANSWER,
    REDIRECT_FAILED,
    end_attempt,
    free_agent,
)
from .store import (
    AVAILABLE,
    OFFLINE,
    ON_CALL,
    RINGING,
    WRAP_UP,
    Agent,
    atomic,
    get_agent,
    reachable_agents,
    set_status,
    utc_text,
)
from .topics import WHISPER_REASONS, language_label, topic_label

log = logging.getLogger(__name__)

RING_TIMEOUT_S = 20  # <Dial timeout>: then the next agent
STALE_GRACE_S = 60  # a ring not reported back this long after its timeout is released
RETRY_AGENT_AFTER_S = 120  # an agent who missed this caller is not rung again for them sooner

ConnectUrl = Callable[[str, int], str]
MOVED, GONE, TROUBLE = "moved", "gone", "trouble"  # how moving a call to an agent went


class CannotTakeError(Exception):
    """The agent cannot take this call now (busy, no phone, or the call is gone)."""


@dataclass(frozen=True)
class Reservation:
    """An agent reserved for a call: ring `reach_kind`/`reach_address` for `ring_timeout_s`."""

    call_sid: str
    agent_id: int
    agent_name: str
    reach_kind: str  # number | sip | client: <Number>, <Sip> or <Client> inside <Dial>
    reach_address: str
    ring_timeout_s: int


@dataclass(frozen=True)
class DialOutcome:
    """How a ring ended: whether caller and agent talked, and whom to ring next."""

    talked: bool
    next: Reservation | None  # None and not talked: put the caller (back) in the queue


def _reachable(agent: Agent) -> bool:
    return agent.active and bool(agent.reach_kind and agent.reach_address)


def _recently_tried(db: Database, call_sid: str, now: datetime) -> set[int]:
    since = utc_text(now - timedelta(seconds=RETRY_AGENT_AFTER_S))
    return {agent_id for (agent_id,) in db.execute(
        "SELECT agent_id FROM dial_attempts WHERE call_sid = ? AND result NOT IN (?, ?)"
        " AND COALESCE(ended_at, at) >= ?",
        [call_sid, ANSWERED, REDIRECT_FAILED, since]).fetchall()}


def _reservation(db: Database, entry: QueueEntry, ring_timeout_s: int) -> Reservation:
    agent = get_agent(db, entry.ringing_agent_id)
    return Reservation(call_sid=entry.call_sid, agent_id=agent.id, agent_name=agent.name,
                       reach_kind=agent.reach_kind, reach_address=agent.reach_address,
                       ring_timeout_s=ring_timeout_s)


def _reserve(db: Database, entry: QueueEntry, agent_id: int, now: datetime,
             ring_timeout_s: int, reason: str) -> Reservation:
    set_status(db, agent_id, RINGING, now=now, reason=reason, call_sid=entry.call_sid)
    db.execute("UPDATE queue_entries SET ringing_agent_id = ? WHERE id = ?", [agent_id, entry.id])
    db.execute("INSERT INTO dial_attempts (call_sid, agent_id, at, result) VALUES (?, ?, ?, ?)",
               [entry.call_sid, agent_id, utc_text(now), "ringing"])
    return _reservation(db, entry_by_id(db, entry.id), ring_timeout_s)


def release_ringing(db: Database, entry: QueueEntry, *, now: datetime, result: str) -> None:
    """The ring for this caller is over without a conversation: free the agent (inside a
    write; how a missed ring counts is in `rings.free_agent`)."""
    agent_id = entry.ringing_agent_id
    if agent_id is None:
        return
    db.execute("UPDATE queue_entries SET ringing_agent_id = NULL WHERE id = ?", [entry.id])
    free_agent(db, entry.call_sid, agent_id, now=now, result=result)


def expire_stale_rings(db: Database, *, now: datetime,
                       ring_timeout_s: int = RING_TIMEOUT_S) -> int:
    """Release rings nobody reported back on in time (inside a write); returns how many."""
    cutoff = utc_text(now - timedelta(seconds=ring_timeout_s + STALE_GRACE_S))
    stale = db.execute(
        "SELECT q.id FROM queue_entries q JOIN dial_attempts d ON d.call_sid = q.call_sid"
        " AND d.agent_id = q.ringing_agent_id AND d.result = 'ringing'"
        " WHERE q.left_at IS NULL AND q.ringing_agent_id IS NOT NULL AND d.at < ?",
        [cutoff]).fetchall()
    for (entry_id,) in stale:
        release_ringing(db, entry_by_id(db, entry_id), now=now, result=EXPIRED)
    return len(stale)


def reserve_agent(db: Database, call_sid: str, *, now: datetime,
                  ring_timeout_s: int = RING_TIMEOUT_S) -> Reservation | None:
    """Pick and reserve the agent to ring for this queued call, or None when nobody is free.

    The call must be in the queue (`enqueue` first). Asking again while an agent rings
    for the call (a retried webhook) returns the same reservation.
    """
    with atomic(db):
        expire_stale_rings(db, now=now, ring_timeout_s=ring_timeout_s)
        entry = open_entry(db, call_sid)
        if entry is None:
            raise NotQueuedError(call_sid)
        if entry.ringing_agent_id is not None:
            return _reservation(db, entry, ring_timeout_s)
        free = [agent.view() for agent in reachable_agents(db, (AVAILABLE,))]
        agent = choose_agent(entry.caller(), free, _recently_tried(db, call_sid, now))
        if agent is None:
            return None
        return _reserve(db, entry, agent.id, now, ring_timeout_s, "rings for a caller")


def reserve_for_waiting(db: Database, call_sid: str, *, now: datetime,
                        ring_timeout_s: int = RING_TIMEOUT_S) -> Reservation | None:
    """The waiting caller's own dispatch (their hold music asked again): reserve a free
    agent for them if they are the caller that agent should take next, else None.

    This is how a caller whose move to an agent failed (Twilio's REST API unreachable)
    still reaches a free agent: the hold music answers <Leave>, no REST request needed.
    """
    with atomic(db):
        entry = open_entry(db, call_sid)
        if entry is None or entry.ringing_agent_id is not None:
            return None
        free = [agent.view() for agent in reachable_agents(db, (AVAILABLE,))]
        agent = choose_agent(entry.caller(), free, _recently_tried(db, call_sid, now))
        if agent is None:
            return None
        others = [e.caller() for e in waiting_entries(db) if e.ringing_agent_id is None
                  and agent.id not in _recently_tried(db, e.call_sid, now)]
        # A callback asked for earlier keeps its place (routing/autodial.py dials it).
        others += [waiting for _, waiting in due_callbacks(db, now)]
        first = choose_caller(agent, others)
        if first is None or first.key != call_sid:
            return None  # someone waits longer for this agent
        return _reserve(db, entry, agent.id, now, ring_timeout_s, "rings for a waiting caller")


def reservation_for(db: Database, call_sid: str, *,
                    ring_timeout_s: int = RING_TIMEOUT_S) -> Reservation | None:
    """The agent currently reserved for this call (for the connect URL), if any."""
    entry = open_entry(db, call_sid)
    if entry is None or entry.ringing_agent_id is None:
        return None
    return _reservation(db, entry, ring_timeout_s)


def agent_answered(db: Database, call_sid: str, agent_id: int, *, now: datetime) -> None:
    """The agent picked up (Twilio fetched the whisper URL): the caller leaves the queue bridged."""
    with atomic(db):
        joined(db, call_sid)  # the ring reached them: they were in the line
        entry = open_entry(db, call_sid)
        if entry is not None:
            close_entry(db, entry, BRIDGED, now=now, agent_id=agent_id)
        end_attempt(db, call_sid, agent_id, ANSWERED, now)
        db.execute("UPDATE agents SET missed_rings = 0 WHERE id = ?", [agent_id])
        agent = get_agent(db, agent_id)
        if not (agent.status == ON_CALL and agent.current_call_sid == call_sid):
            set_status(db, agent_id, ON_CALL, now=now, reason="answered", call_sid=call_sid)


def dial_ended(db: Database, call_sid: str, agent_id: int, dial_status: str, *, now: datetime,
               ring_timeout_s: int = RING_TIMEOUT_S) -> DialOutcome:
    """Twilio's <Dial action> for a ring to an agent: record it and say what comes next.

    `dial_status` is Twilio's DialCallStatus. completed/answered: they talked; the agent
    goes to wrap-up (or straight to available if they already recorded the outcome).
    canceled: the caller hung up while it rang. no-answer/busy/failed (or anything
    unknown): the next agent is reserved and returned; None means queue the caller again
    (they keep their place: the queue entry stays open).
    """
    with atomic(db):
        joined(db, call_sid)  # a ring's result: the caller was in the line
        entry = open_entry(db, call_sid)
        if dial_status in ("completed", ANSWERED):
            if entry is not None and entry.ringing_agent_id == agent_id:
                close_entry(db, entry, BRIDGED, now=now, agent_id=agent_id)
                end_attempt(db, call_sid, agent_id, ANSWERED, now)
            _after_conversation(db, call_sid, agent_id, now)
            return DialOutcome(talked=True, next=None)
        if entry is None:
            return DialOutcome(talked=False, next=None)
        result = dial_status if dial_status in (NO_ANSWER, BUSY, CANCELED) else FAILED
        if entry.ringing_agent_id == agent_id:
            release_ringing(db, entry, now=now, result=result)
        if result == CANCELED:
            close_entry(db, entry, ABANDONED, now=now)
            return DialOutcome(talked=False, next=None)
        return DialOutcome(talked=False, next=reserve_agent(
            db, call_sid, now=now, ring_timeout_s=ring_timeout_s))


def _after_conversation(db: Database, call_sid: str, agent_id: int, now: datetime) -> None:
    agent = get_agent(db, agent_id)
    if agent.current_call_sid != call_sid or agent.status not in (ON_CALL, RINGING):
        return
    noted = db.execute("SELECT 1 FROM call_outcomes WHERE call_sid = ? AND agent_id = ?",
                       [call_sid, agent_id]).fetchone()
    if noted:
        set_status(db, agent_id, AVAILABLE, now=now, reason="call ended, outcome noted")
    else:
        set_status(db, agent_id, WRAP_UP, now=now, reason="call ended", call_sid=call_sid)


def call_finished(db: Database, call_sid: str, *, now: datetime) -> None:
    """Twilio's status callback says the call is over: tidy whatever is still open.

    A caller still in the queue hung up (abandoned; during the hand-over sentence when
    Twilio never had them in the queue); an agent still ringing for them is freed; an
    agent still on the call goes to wrap-up. Safe to call for any call.
    """
    with atomic(db):
        entry = open_entry(db, call_sid)
        if entry is not None:
            release_ringing(db, entry, now=now, result=CANCELED)
            close_entry(db, entry, ABANDONED, now=now)
        for (agent_id,) in db.execute("SELECT id FROM agents WHERE current_call_sid = ?"
                                      " AND status = ?", [call_sid, ON_CALL]).fetchall():
            _after_conversation(db, call_sid, agent_id, now)


# Phones a voicemail or a switchboard can pick up: the agent presses a key to accept, so
# that a mailbox never takes the caller (no key, and the next agent is tried).
KEY_TO_ACCEPT = ("number", "sip")
ACCEPT_PROMPT = "Zum Annehmen drücken Sie bitte eine Taste."


def needs_key_press(db: Database, agent_id: int) -> bool:
    """Whether this agent accepts a call with a key (reached on a phone number or SIP)."""
    row = db.execute("SELECT reach_kind FROM agents WHERE id = ?", [agent_id]).fetchone()
    return row is not None and row[0] in KEY_TO_ACCEPT


def accepted(db: Database, call_sid: str, agent_id: int) -> bool:
    """Whether the agent's latest ring for this call was taken (whisper accepted)."""
    row = db.execute("SELECT result FROM dial_attempts WHERE call_sid = ? AND agent_id = ?"
                     " ORDER BY id DESC LIMIT 1", [call_sid, agent_id]).fetchone()
    return row is not None and row[0] == ANSWERED


def whisper_text(db: Database, call_sid: str) -> str:
    """The one German sentence the agent hears before being connected."""
    entry = open_entry(db, call_sid)
    if entry is None:
        return "Anruf aus der Hotline."
    verified = "Identität geprüft" if verified_flag(db, call_sid) else "Identität nicht geprüft"
    urgent = "Notfall! " if entry.priority == EMERGENCY else ""
    language = f"Sprache {language_label(entry.language)}"
    if entry.interpreter:
        # The caller needs an interpreter: the agent adds one in the console.
        language = (f"Sprache {language_label(entry.interpreter)}, "
                    f"bitte Dolmetscher dazuholen")
    reason = WHISPER_REASONS.get(entry.intent or "")
    topic = f"{topic_label(entry.topic)}, {reason}" if reason else topic_label(entry.topic)
    return f"{urgent}Anruf zum Thema {topic}, {language}, {verified}."


def _redirect(db: Database, reservation: Reservation, entry_id: int, *, now: datetime,
              connect_url: ConnectUrl, gateway) -> str:
    """Move the reserved call on to the agent; on failure free the agent again.

    Never raises: whatever goes wrong (Twilio unreachable, slow, refusing) ends in the
    caller still waiting and the agent free. Returns MOVED, GONE (Twilio refused: the
    call has probably ended) or TROUBLE (Twilio could not be reached or answered late)."""
    try:
        gateway.redirect_call(reservation.call_sid,
                              connect_url(reservation.call_sid, reservation.agent_id))
        return MOVED
    except Exception as error:  # noqa: BLE001 - a failed move must not fail the request
        reason = error.reason if isinstance(error, GatewayError) else type(error).__name__
        log.warning("Could not move call %s to agent %s (%s): the caller keeps waiting",
                    reservation.call_sid, reservation.agent_id, reason)
        with atomic(db):
            entry = entry_by_id(db, entry_id)
            if entry is not None and entry.left_at is None:
                # The caller stays in the queue: if they have hung up, Twilio's queue
                # result or status callback closes the stay; if Twilio was unreachable,
                # the next free agent tries again.
                release_ringing(db, entry, now=now, result=REDIRECT_FAILED)
        refused = isinstance(error, GatewayError) and not error.retryable
        return GONE if refused else TROUBLE


def connect_next_caller(db: Database, agent_id: int, *, now: datetime, connect_url: ConnectUrl,
                        gateway, ring_timeout_s: int = RING_TIMEOUT_S) -> str | None:
    """The agent is free: ring them for the longest-waiting caller they can serve.

    Returns the CallSid moved on, or None when nobody suitable waits. Call it outside a
    transaction: the REST request to Twilio should not hold the database's write lock.
    """
    skipped: set[str] = set()
    for _ in range(3):  # a caller who hung up meanwhile: try the next one
        with atomic(db):
            expire_stale_rings(db, now=now, ring_timeout_s=ring_timeout_s)
            agent = get_agent(db, agent_id)
            if agent.status != AVAILABLE or not _reachable(agent):
                return None
            entries = {e.call_sid: e for e in waiting_entries(db) if e.ringing_agent_id is None}
            callers = [e.caller() for e in entries.values() if e.call_sid not in skipped
                       and agent_id not in _recently_tried(db, e.call_sid, now)]
            caller = choose_caller(agent.view(), callers)
            if caller is None:
                return None
            entry = entries[caller.key]
            reservation = _reserve(db, entry, agent_id, now, ring_timeout_s,
                                   "connected to a waiting caller")
        moved = _redirect(db, reservation, entry.id, now=now, connect_url=connect_url,
                          gateway=gateway)
        if moved == MOVED:
            return caller.key
        if moved == TROUBLE:
            return None  # Twilio is in trouble: the caller's hold music tries again
        skipped.add(caller.key)
    return None


def take_call(db: Database, agent_id: int, entry_id: int, *, now: datetime,
              connect_url: ConnectUrl, gateway, ring_timeout_s: int = RING_TIMEOUT_S) -> str:
    """The agent picks this waiting caller in the console: ring them for it; returns the CallSid.

    The console checks first that the agent may see this caller.
    """
    with atomic(db):
        agent = get_agent(db, agent_id)
        if not _reachable(agent):
            raise CannotTakeError("Für Sie ist keine Telefonverbindung hinterlegt.")
        if agent.status not in (OFFLINE, AVAILABLE):
            raise CannotTakeError("Sie sind gerade in einem Gespräch oder in der Nachbearbeitung.")
        entry = entry_by_id(db, entry_id)
        if entry is None or entry.left_at is not None:
            raise CannotTakeError("Dieser Anruf wartet nicht mehr.")
        if entry.ringing_agent_id is not None:
            raise CannotTakeError("Für diesen Anruf klingelt schon ein anderes Telefon.")
        reservation = _reserve(db, entry, agent_id, now, ring_timeout_s, "took a waiting caller")
    if _redirect(db, reservation, entry.id, now=now, connect_url=connect_url,
                 gateway=gateway) != MOVED:
        raise CannotTakeError("Der Anruf konnte nicht durchgestellt werden.")
    return reservation.call_sid
