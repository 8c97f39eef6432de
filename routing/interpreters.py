"""A telephone interpreter on an agent's call: caller, agent and interpreter in a conference.

The job centre configures the interpreter service's number and the languages it offers
(HOTLINE_INTERPRETER_NUMBER, HOTLINE_INTERPRETER_LANGUAGES). An agent on a call adds an
interpreter in the console; then, through Twilio's REST API (the gateway):

1. the agent's leg of the call (the <Dial> child call, known from the whisper) is moved
   into a <Conference> named after the call; that ends the caller's <Dial>, whose action
   (/voice/dial-result) now puts the caller into the same conference;
2. the caller's call is moved there too (in case Twilio reports the <Dial>'s end late);
3. the interpreter service is called, and joins the conference when it answers.

The agent can remove the interpreter again (their call is ended; caller and agent stay
in the conference). Twilio's status callback for the interpreter's call
(/voice/interpreter-status) records when it ended, whoever hung up. A conference ends
when the caller or the agent leaves it.

Every REST request goes through the gateway with its short timeouts; a failure is said
to the agent and leaves the call as it was where it can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from gateway import GatewayError

from .store import Agent, atomic, utc_text

log = logging.getLogger(__name__)

# How a session stands: calling the service, the interpreter on the line, taken off
# again by the agent, ended (the interpreter hung up, or the call ended), failed.
CALLING, JOINED, REMOVED, ENDED, FAILED = "calling", "joined", "removed", "ended", "failed"
OPEN = (CALLING, JOINED)

PhoneUrl = Callable[[str, dict], str]  # (webhook name, query) -> absolute URL


class InterpreterError(Exception):
    """The interpreter cannot be added or removed now (said to the agent)."""


@dataclass(frozen=True)
class Session:
    """One interpreter on one call."""

    id: int
    call_sid: str
    agent_id: int
    language: str
    conference: str
    interpreter_call_sid: str | None
    status: str
    started_at: str
    ended_at: str | None

    @property
    def open(self) -> bool:
        return self.status in OPEN


_COLUMNS = ("id, call_sid, agent_id, language, conference, interpreter_call_sid, status,"
            " started_at, ended_at")


def migrate(db: Database) -> None:
    """The table of interpreter sessions (no personal data: SIDs, a language, times)."""
    if "interpreter_sessions" not in db.table_names():
        db["interpreter_sessions"].create({
            "id": int, "call_sid": str, "agent_id": int, "language": str, "conference": str,
            "interpreter_call_sid": str, "status": str, "started_at": str, "ended_at": str,
        }, pk="id", not_null={"call_sid", "agent_id", "language", "conference", "status",
                              "started_at"})
        db["interpreter_sessions"].create_index(["call_sid"])
    if "leg_sid" not in db["dial_attempts"].columns_dict:
        # The agent's own leg of a ring (the <Dial> child call), from the whisper: an
        # interpreter is added by moving it into a conference.
        db["dial_attempts"].add_column("leg_sid", str)


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


def conference_name(call_sid: str) -> str:
    return f"interpreter-{call_sid}"


def offered(languages: list[str], language: str) -> bool:
    """Whether the service offers `language` (an empty list: every language)."""
    return not languages or language in languages


def note_leg(db: Database, call_sid: str, agent_id: int, leg_sid: str) -> None:
    """The agent's leg of the latest ring for this call (inside a write)."""
    db.execute("UPDATE dial_attempts SET leg_sid = ? WHERE id = (SELECT max(id) FROM"
               " dial_attempts WHERE call_sid = ? AND agent_id = ?)",
               [leg_sid, call_sid, agent_id])


def agent_leg(db: Database, call_sid: str, agent_id: int) -> str | None:
    row = db.execute("SELECT leg_sid FROM dial_attempts WHERE call_sid = ? AND agent_id = ?"
                     " AND leg_sid IS NOT NULL ORDER BY id DESC LIMIT 1",
                     [call_sid, agent_id]).fetchone()
    return row[0] if row else None


def _session(row) -> Session | None:
    return Session(*row) if row else None


def current(db: Database, call_sid: str) -> Session | None:
    """The call's interpreter session still open, if any."""
    return _session(db.execute(
        f"SELECT {_COLUMNS} FROM interpreter_sessions WHERE call_sid = ? AND status IN (?, ?)"
        " ORDER BY id DESC LIMIT 1", [call_sid, *OPEN]).fetchone())


def in_conference(db: Database, call_sid: str) -> bool:
    """Whether the call has been moved into an interpreter conference (open or not)."""
    return db.execute("SELECT 1 FROM interpreter_sessions WHERE call_sid = ? AND status != ?"
                      " LIMIT 1", [call_sid, FAILED]).fetchone() is not None


def by_interpreter_call(db: Database, sid: str) -> Session | None:
    return _session(db.execute(
        f"SELECT {_COLUMNS} FROM interpreter_sessions WHERE interpreter_call_sid = ?",
        [sid]).fetchone())


def add(db: Database, agent: Agent, language: str, *, number: str, caller_id: str,
        phone_url: PhoneUrl, gateway, now: datetime) -> Session:
    """Bring an interpreter for `language` into the agent's current call (see the module)."""
    call_sid = agent.current_call_sid
    if not call_sid:
        raise InterpreterError("Sie sind gerade in keinem Gespräch.")
    if not number:
        raise InterpreterError("Es ist kein Dolmetscherdienst eingerichtet.")
    if current(db, call_sid) is not None:
        raise InterpreterError("Für dieses Gespräch ist schon ein Dolmetscher angefragt.")
    leg = agent_leg(db, call_sid, agent.id)
    if leg is None:
        raise InterpreterError("Dieses Gespräch kann keinen Dolmetscher dazunehmen.")
    name = conference_name(call_sid)
    with atomic(db):
        cursor = db.execute(
            "INSERT INTO interpreter_sessions (call_sid, agent_id, language, conference, status,"
            " started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [call_sid, agent.id, language, name, CALLING, utc_text(now)])
        session_id = cursor.fetchone()[0]
    try:
        gateway.redirect_call(leg, phone_url("conference", {"call": call_sid, "role": "agent"}))
        gateway.redirect_call(call_sid, phone_url("conference", {"call": call_sid,
                                                                 "role": "caller"}))
        sid = gateway.create_call(
            to=number, from_=caller_id,
            url=phone_url("conference", {"call": call_sid, "role": "interpreter",
                                         "lang": language}),
            status_callback=phone_url("interpreter-status", {"call": call_sid}))
    except GatewayError as error:
        log.warning("Could not add an interpreter to call %s (%s)", call_sid, error.reason)
        with atomic(db):
            db.execute("UPDATE interpreter_sessions SET status = ?, ended_at = ? WHERE id = ?",
                       [FAILED, utc_text(now), session_id])
        raise InterpreterError("Der Dolmetscher konnte nicht angerufen werden. Bitte versuchen"
                               " Sie es noch einmal.") from error
    with atomic(db):
        db.execute("UPDATE interpreter_sessions SET interpreter_call_sid = ? WHERE id = ?",
                   [sid, session_id])
    return current(db, call_sid)


def remove(db: Database, agent: Agent, *, gateway, now: datetime) -> Session:
    """Take the interpreter off the agent's current call; caller and agent stay."""
    session = current(db, agent.current_call_sid) if agent.current_call_sid else None
    if session is None or session.agent_id != agent.id:
        raise InterpreterError("In diesem Gespräch ist kein Dolmetscher.")
    if session.interpreter_call_sid:
        try:
            gateway.end_call(session.interpreter_call_sid)
        except GatewayError as error:
            log.warning("Could not end the interpreter's call on %s (%s)", session.call_sid,
                        error.reason)
            raise InterpreterError("Der Dolmetscher konnte nicht getrennt werden. Bitte"
                                   " versuchen Sie es noch einmal.") from error
    with atomic(db):
        db.execute("UPDATE interpreter_sessions SET status = ?, ended_at = ? WHERE id = ?"
                   " AND status IN (?, ?)", [REMOVED, utc_text(now), session.id, *OPEN])
    return _session(db.execute(f"SELECT {_COLUMNS} FROM interpreter_sessions WHERE id = ?",
                               [session.id]).fetchone())


def interpreter_status(db: Database, interpreter_call_sid: str, call_status: str, *,
                       now: datetime) -> None:
    """Twilio's status callback for the interpreter's call (inside a write)."""
    session = by_interpreter_call(db, interpreter_call_sid)
    if session is None or not session.open:
        return
    if call_status == "in-progress":
        db.execute("UPDATE interpreter_sessions SET status = ? WHERE id = ?",
                   [JOINED, session.id])
    elif call_status in ("completed", "busy", "no-answer", "failed", "canceled"):
        status = ENDED if call_status == "completed" else FAILED
        db.execute("UPDATE interpreter_sessions SET status = ?, ended_at = ? WHERE id = ?",
                   [status, utc_text(now), session.id])


def call_ended(db: Database, call_sid: str, *, now: datetime) -> None:
    """The caller's call is over: the interpreter session ends too (inside a write)."""
    db.execute("UPDATE interpreter_sessions SET status = ?, ended_at = ? WHERE call_sid = ?"
               " AND status IN (?, ?)", [ENDED, utc_text(now), call_sid, *OPEN])
