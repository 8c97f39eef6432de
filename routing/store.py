"""Tables owned by routing (agents, queue, dial attempts, callbacks, outcomes) and their rows.

Times are UTC ISO 8601 strings of one shape ('2026-11-25T09:00:00.000+00:00'), so that
comparing the strings compares the times. Skills are JSON lists. Every write that reads
before it writes runs in one BEGIN IMMEDIATE transaction (`atomic`), or in a savepoint
when the caller (a webhook) already holds one.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from db import atomic as db_atomic

from .decision import AgentView, WaitingCaller, can_serve

# Agent statuses. `ringing` is the reservation: the agent's phone rings for one call,
# and no other call may ring it meanwhile. `callback`: working a callback (calling a
# caller back); no call rings them meanwhile either.
OFFLINE, AVAILABLE, RINGING, ON_CALL, WRAP_UP, CALLBACK = (
    "offline", "available", "ringing", "on_call", "wrap_up", "callback")
STATUSES = (OFFLINE, AVAILABLE, RINGING, ON_CALL, WRAP_UP, CALLBACK)
WRAP_UP_LIMIT_S = 120  # wrap-up ends on its own after this (HOTLINE_WRAP_UP_LIMIT)
ROLES = ("agent", "supervisor")
REACH_KINDS = ("number", "sip", "client")


class UnknownAgentError(LookupError):
    """No agent has this id or login."""


def utc_text(moment: datetime) -> str:
    """The one shape routing stores times in."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def migrate(db: Database) -> None:
    """Create routing's tables and indexes if they are missing."""
    tables = set(db.table_names())
    if "agents" not in tables:
        db["agents"].create({
            "id": int, "login": str, "name": str, "role": str, "password_hash": str,
            "topics": str, "languages": str, "sites": str,
            "reach_kind": str, "reach_address": str,
            "status": str, "status_since": str, "idle_since": str,
            "current_call_sid": str, "missed_rings": int, "active": int, "created_at": str,
        }, pk="id", not_null={"login", "name", "role", "password_hash", "status",
                              "status_since", "created_at"})
        db["agents"].create_index(["login"], unique=True)
    if "agent_status_history" not in tables:
        db["agent_status_history"].create({
            "id": int, "agent_id": int, "status": str, "at": str, "reason": str,
        }, pk="id", foreign_keys=[("agent_id", "agents", "id")])
        db["agent_status_history"].create_index(["agent_id", "at"])
    if "queue_entries" not in tables:
        db["queue_entries"].create({
            "id": int, "call_sid": str, "topic": str, "language": str, "site": str,
            "priority": str, "intent": str, "enqueued_at": str,
            # The agent whose phone rings for this caller right now (a reservation).
            "ringing_agent_id": int,
            "left_at": str, "result": str, "agent_id": int, "wait_s": int,
        }, pk="id", not_null={"call_sid", "topic", "language", "priority", "enqueued_at"})
        # One open stay in the queue per call: a retried webhook finds it again.
        db.execute("CREATE UNIQUE INDEX queue_entries_open ON queue_entries (call_sid)"
                   " WHERE left_at IS NULL")
        db["queue_entries"].create_index(["result", "enqueued_at"])
    # Added for supervisors' figures (issue 23): when Twilio had the caller in the queue,
    # and the wait to the millisecond (wait_s stays: the wait estimate reads it).
    queue_columns = db["queue_entries"].columns_dict
    for column in ("joined_at", "wait_ms"):
        if column not in queue_columns:
            db["queue_entries"].add_column(column, str if column == "joined_at" else int)
    # The language an interpreter is needed for (issue 20): the caller waits for an agent
    # of `language` (the hotline's first), who adds the interpreter in the console.
    if "interpreter" not in queue_columns:
        db["queue_entries"].add_column("interpreter", str)
    # The call a status was about (on_call, wrap_up): handle time per call (issue 23).
    if "call_sid" not in db["agent_status_history"].columns_dict:
        db["agent_status_history"].add_column("call_sid", str)
    if "dial_attempts" not in tables:
        db["dial_attempts"].create({
            "id": int, "call_sid": str, "agent_id": int, "at": str, "ended_at": str,
            "result": str,
        }, pk="id", foreign_keys=[("agent_id", "agents", "id")])
        db["dial_attempts"].create_index(["call_sid"])
    if "callbacks" not in tables:
        db["callbacks"].create({
            "id": int, "call_sid": str, "phone": str, "confirmed_by": str,
            "topic": str, "language": str, "site": str, "intent": str,
            "window_start": str, "window_end": str,
            "status": str, "agent_id": int, "attempts": int,
            "created_at": str, "updated_at": str,
        }, pk="id", not_null={"phone", "topic", "language", "status", "created_at"})
        db["callbacks"].create_index(["status", "created_at"])
        db["callbacks"].create_index(["call_sid"])
    if "note" not in db["callbacks"].columns_dict:
        # A message for the team that comes with the callback (an absence from a
        # letter's appointment, conversation.matters): personal, removed by purge.
        db["callbacks"].add_column("note", str)
    callback_columns = db["callbacks"].columns_dict
    if "queued_at" not in callback_columns:
        # Callbacks that dial themselves (routing/autodial.py): the caller's place in line
        # (when they joined the queue, or asked), and when the next attempt may be made.
        db["callbacks"].add_column("queued_at", str)
        db["callbacks"].add_column("next_attempt_at", str)
    if "callback_attempts" not in tables:
        db["callback_attempts"].create({
            "id": int, "callback_id": int, "agent_id": int, "at": str, "result": str,
            "note": str,
        }, pk="id", foreign_keys=[("callback_id", "callbacks", "id"),
                                  ("agent_id", "agents", "id")])
    if "call_outcomes" not in tables:
        db["call_outcomes"].create({
            "id": int, "call_sid": str, "agent_id": int, "at": str, "outcome": str,
            "note": str,
        }, pk="id", foreign_keys=[("agent_id", "agents", "id")])
        db["call_outcomes"].create_index(["call_sid"])
    if "login_failures" not in tables:
        # Keys are hashes of the login and of the address, never the plain values.
        db["login_failures"].create({
            "key": str, "failures": int, "last_at": str, "locked_until": str,
        }, pk="key")
    if "agent_sessions" not in tables:
        # Console logins (routing.auth): a hash of each session's token; logging out
        # deletes the row, and with it the session, wherever its cookie was copied.
        db["agent_sessions"].create({
            "token_hash": str, "agent_id": int, "started_at": str, "expires_at": str,
        }, pk="token_hash", not_null={"agent_id", "started_at", "expires_at"})


def callback_concern(db: Database) -> None:
    """Step 2: what the caller's message was heard to be (routing.callbacks.mark_concern):
    a crisis (self_harm, violence, emergency) or words of worry, first in line, marked."""
    if "concern" not in db["callbacks"].columns_dict:  # a database without versions ran it
        db["callbacks"].add_column("concern", str)


MIGRATIONS = [migrate, callback_concern]  # this module's schema steps, numbered from 1


atomic = db_atomic  # a transaction, or a savepoint inside a webhook's


@dataclass(frozen=True)
class Agent:
    """An agent or supervisor as stored (without the password hash)."""

    id: int
    login: str
    name: str
    role: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    sites: tuple[str, ...]
    reach_kind: str | None
    reach_address: str | None
    status: str
    status_since: str
    idle_since: str | None
    current_call_sid: str | None
    active: bool

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def view(self) -> AgentView:
        """The agent as the pure routing decision sees them."""
        return AgentView(
            id=self.id, topics=frozenset(self.topics), languages=frozenset(self.languages),
            sites=frozenset(self.sites), status=self.status if self.active else OFFLINE,
            idle_since=parse_time(self.idle_since or self.status_since))


_AGENT_COLUMNS = ("id, login, name, role, topics, languages, sites, reach_kind, reach_address,"
                  " status, status_since, idle_since, current_call_sid, active")


@functools.lru_cache(maxsize=1024)
def _skills(text: str | None) -> tuple[str, ...]:
    # Agents share a handful of skill lists: parse each distinct one once.
    return tuple(json.loads(text or "[]"))


def _agent(row: tuple) -> Agent:
    (id_, login, name, role, topics, languages, sites, reach_kind, reach_address, status,
     status_since, idle_since, current, active) = row
    return Agent(id=id_, login=login, name=name, role=role,
                 topics=_skills(topics), languages=_skills(languages), sites=_skills(sites),
                 reach_kind=reach_kind, reach_address=reach_address, status=status,
                 status_since=status_since, idle_since=idle_since, current_call_sid=current,
                 active=bool(active))


def get_agent(db: Database, agent_id: int) -> Agent:
    row = db.execute(f"SELECT {_AGENT_COLUMNS} FROM agents WHERE id = ?", [agent_id]).fetchone()
    if row is None:
        raise UnknownAgentError(f"no agent {agent_id}")
    return _agent(row)


def find_agent(db: Database, login: str) -> Agent | None:
    row = db.execute(f"SELECT {_AGENT_COLUMNS} FROM agents WHERE login = ?", [login]).fetchone()
    return _agent(row) if row else None


def password_hash(db: Database, agent_id: int) -> str | None:
    row = db.execute("SELECT password_hash FROM agents WHERE id = ?", [agent_id]).fetchone()
    return row[0] if row else None


def all_agents(db: Database) -> list[Agent]:
    return [_agent(r) for r in
            db.execute(f"SELECT {_AGENT_COLUMNS} FROM agents ORDER BY login").fetchall()]


def reachable_agents(db: Database, statuses: tuple[str, ...]) -> list[Agent]:
    """Active agents with a phone to ring, in one of these statuses (what routing considers)."""
    marks = ", ".join("?" for _ in statuses)
    return [_agent(r) for r in db.execute(
        f"SELECT {_AGENT_COLUMNS} FROM agents WHERE active = 1 AND status IN ({marks})"
        " AND reach_kind IS NOT NULL AND reach_address IS NOT NULL AND reach_address != ''",
        list(statuses)).fetchall()]


def staffed(db: Database, caller: WaitingCaller) -> bool:
    """Whether anyone who could take this caller is logged in (not offline)."""
    working = tuple(status for status in STATUSES if status != OFFLINE)
    return any(can_serve(agent.view(), caller) for agent in reachable_agents(db, working))


def speaks(db: Database, language: str) -> bool:
    """Whether anyone logged in (not offline, whatever they are doing) speaks `language`."""
    working = tuple(status for status in STATUSES if status != OFFLINE)
    return any(language in agent.languages for agent in reachable_agents(db, working))


def add_agent(db: Database, *, login: str, name: str, password_hash: str, role: str = "agent",
              topics=(), languages=("de",), sites=(), reach_kind: str | None = None,
              reach_address: str | None = None, now: datetime) -> Agent:
    """Create an account (offline); the password must already be hashed."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if reach_kind is not None and reach_kind not in REACH_KINDS:
        raise ValueError(f"reach kind must be one of {REACH_KINDS}")
    stamp = utc_text(now)
    with atomic(db):
        cursor = db.execute(
            "INSERT INTO agents (login, name, role, password_hash, topics, languages, sites,"
            " reach_kind, reach_address, status, status_since, idle_since, missed_rings,"
            " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)"
            " RETURNING id",
            [login, name, role, password_hash, json.dumps(list(topics)),
             json.dumps(list(languages)), json.dumps(list(sites)), reach_kind, reach_address,
             OFFLINE, stamp, None, stamp])
        agent_id = cursor.fetchone()[0]
        db.execute("INSERT INTO agent_status_history (agent_id, status, at, reason)"
                   " VALUES (?, ?, ?, ?)", [agent_id, OFFLINE, stamp, "created"])
    return get_agent(db, agent_id)


def set_status(db: Database, agent_id: int, status: str, *, now: datetime, reason: str,
               call_sid: str | None = None, back_of_line: bool = True) -> None:
    """Change an agent's status and keep the history (call inside a write).

    Becoming available from any other status puts the agent at the back of the idle
    line (`back_of_line`), so the longest-idle agent is the one who waited longest.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    stamp = utc_text(now)
    fields = {"status": status, "status_since": stamp,
              "current_call_sid": call_sid if status in (RINGING, ON_CALL, WRAP_UP) else None}
    if status == AVAILABLE and back_of_line:
        fields["idle_since"] = stamp
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(f"UPDATE agents SET {assignments} WHERE id = ?", [*fields.values(), agent_id])
    db.execute("INSERT INTO agent_status_history (agent_id, status, at, reason, call_sid)"
               " VALUES (?, ?, ?, ?, ?)", [agent_id, status, stamp, reason,
                                           fields["current_call_sid"]])


def end_long_wrap_ups(db: Database, *, now: datetime, limit_s: int = WRAP_UP_LIMIT_S) -> int:
    """Agents in wrap-up for longer than `limit_s` become available.

    The change is dated when the limit ran out, not when this noticed it, so the time
    in each status stays exact however seldom this runs. Returns how many.
    """
    cutoff = utc_text(now - timedelta(seconds=limit_s))
    query = "SELECT id, status_since FROM agents WHERE status = ? AND status_since <= ?"
    if not db.execute(query, [WRAP_UP, cutoff]).fetchone():
        return 0  # the usual answer: one read, no write lock
    with atomic(db):
        late = db.execute(query, [WRAP_UP, cutoff]).fetchall()
        for agent_id, since in late:
            set_status(db, agent_id, AVAILABLE, reason="wrap-up time over",
                       now=parse_time(since) + timedelta(seconds=limit_s))
    return len(late)


def status_history(db: Database, agent_id: int) -> list[tuple[str, str, str]]:
    """(status, at, reason) of one agent, oldest first."""
    return db.execute("SELECT status, at, reason FROM agent_status_history WHERE agent_id = ?"
                      " ORDER BY id", [agent_id]).fetchall()
