"""Written conversations and their messages (tables owned here): who wrote what, when, and
where each conversation stands (the dialogue's state, an identity proven, a hand-over).

A conversation by SMS is found by the sender's number, one in the web chat by the
browser's session (a random token in a signed cookie); both by a keyed hash, so that no
number or token is a key here. Either continues while its last message is younger than
the quiet period (`QUIET`), so a person can come back after a short break; after that
the next message starts a new conversation. Times are UTC ISO 8601 strings.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

import clock
import keyed

CHANNELS = ("sms", "chat")
QUIET = timedelta(minutes=30)  # a conversation left this long is over
# Where a hand-over to a person stands: asked for, taken by an agent, or given back.
WAITING, TAKEN, RETURNED = "waiting", "taken", "returned"
PERSON, HOTLINE, AGENT = "person", "hotline", "agent"  # who wrote a message
MASK = "…"  # what is kept of a message that must not be (a date of birth)
# Machine outcomes: the conversation got what it came for without a person.
CONTAINED = ("answered", "booked", "cancelled", "rescheduled")
WORRY = "worry"  # speech.message_concern's mark for words that give cause to ask


def migrate(db: Database) -> None:
    if "written_conversations" not in db.table_names():
        db["written_conversations"].create(
            {"id": int, "sid": str, "channel": str, "party_key": str, "phone": str,
             "started_at": str, "updated_at": str, "ended_at": str, "lang": str,
             "step": str, "intent": str, "outcome": str, "state": str, "verified": int,
             "customer_number": str, "handover": str, "handover_at": str,
             "agent_id": int, "emergency": int},
            pk="id", not_null={"sid", "channel", "started_at", "updated_at"},
            defaults={"verified": 0, "emergency": 0})
        db["written_conversations"].create_index(["sid"], unique=True)
        db["written_conversations"].create_index(["party_key", "updated_at"])
        db["written_conversations"].create_index(["started_at"])
    if "written_messages" not in db.table_names():
        db["written_messages"].create(
            {"id": int, "conversation_id": int, "at": str, "author": str, "text": str,
             "event": str, "message_sid": str, "agent_id": int},
            pk="id", not_null={"conversation_id", "at", "author"},
            foreign_keys=[("conversation_id", "written_conversations", "id")])
        db["written_messages"].create_index(["conversation_id", "id"])
    if "written_limits" not in db.table_names():
        # Messages counted per sender for the rate limits: a keyed hash and a time only.
        db["written_limits"].create({"key": str, "at": str}, not_null={"key", "at"})
        db["written_limits"].create_index(["key", "at"])


def conversation_concern(db: Database) -> None:
    """Step 2: what a message left for a person was heard to be (`mark_concern`): a crisis
    kind (self_harm, violence, emergency) or words of worry; shown, and worry first after
    the emergencies."""
    if "concern" not in db["written_conversations"].columns_dict:  # as routing.store's
        db["written_conversations"].add_column("concern", str)


MIGRATIONS = [migrate, conversation_concern]  # schema steps, numbered from 1 (db.migrate)


@dataclass(frozen=True)
class Conversation:
    id: int
    sid: str  # stands where a call's CallSid does (bookings, holds, callbacks, the outbox)
    channel: str
    phone: str | None
    lang: str | None
    state: dict | None
    handover: str | None
    agent_id: int | None
    started_at: str
    ended: bool


_COLUMNS = ("id, sid, channel, phone, lang, state, handover, agent_id, started_at,"
            " ended_at IS NOT NULL")


def _conversation(row) -> Conversation | None:
    if row is None:
        return None
    id_, sid, channel, phone, lang, state, handover, agent_id, started, ended = row
    return Conversation(id_, sid, channel, phone, lang, json.loads(state) if state else None,
                        handover, agent_id, started, bool(ended))


def party_key(channel: str, party: str) -> str:
    """The keyed hash a conversation is found by: a number (SMS) or a chat token."""
    return keyed.digest(f"written-{channel}", party)


def current(db: Database, channel: str, party: str, now: datetime) -> Conversation | None:
    """The conversation this sender is in, unless it ended or has been quiet too long.

    One that waits for or is with a person does not end by being quiet."""
    row = db.execute(
        f"SELECT {_COLUMNS}, updated_at FROM written_conversations"
        " WHERE party_key = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
        [party_key(channel, party)]).fetchone()
    if row is None:
        return None
    found = _conversation(row[:-1])
    if found.handover in (WAITING, TAKEN):
        return found
    if row[-1] < clock.utc_text(now - QUIET):
        end(db, found.id, now)
        return None
    return found


def by_sid(db: Database, sid: str) -> Conversation | None:
    return _conversation(db.execute(f"SELECT {_COLUMNS} FROM written_conversations"
                                    " WHERE sid = ?", [sid]).fetchone())


def by_id(db: Database, id_: int) -> Conversation | None:
    return _conversation(db.execute(f"SELECT {_COLUMNS} FROM written_conversations"
                                    " WHERE id = ?", [id_]).fetchone())


def open_conversation(db: Database, channel: str, party: str, now: datetime,
                      phone: str | None = None, lang: str | None = None) -> Conversation:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    at = clock.utc_text(now)
    sid = ("WS" if channel == "sms" else "WC") + secrets.token_hex(16)
    db.execute(
        "INSERT INTO written_conversations (sid, channel, party_key, phone, started_at,"
        " updated_at, lang) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [sid, channel, party_key(channel, party), phone, at, at, lang])
    return by_sid(db, sid)


def save_state(db: Database, id_: int, state: dict, now: datetime) -> None:
    """The dialogue's state after a turn, and what the statistics read of it."""
    db.execute(
        "UPDATE written_conversations SET state = ?, lang = ?, step = ?, intent = ?,"
        " outcome = ?, emergency = max(emergency, ?), updated_at = ? WHERE id = ?",
        [json.dumps(state, ensure_ascii=False), state.get("lang"), state.get("step"),
         state.get("intent"), state.get("outcome"), int(bool(state.get("emergency"))),
         clock.utc_text(now), id_])


def add_message(db: Database, conversation_id: int, author: str, text: str, now: datetime,
                event: str | None = None, message_sid: str | None = None,
                agent_id: int | None = None) -> int:
    (message_id,) = db.execute(
        "INSERT INTO written_messages (conversation_id, at, author, text, event, message_sid,"
        " agent_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [conversation_id, clock.utc_text(now), author, text, event, message_sid, agent_id]
    ).fetchone()
    db.execute("UPDATE written_conversations SET updated_at = ? WHERE id = ?",
               [clock.utc_text(now), conversation_id])
    return message_id


def messages(db: Database, conversation_id: int, after: int = 0) -> list[dict]:
    return [{"id": id_, "at": at, "from": author, "text": text or ""}
            for id_, at, author, text in db.execute(
                "SELECT id, at, author, text FROM written_messages WHERE conversation_id = ?"
                " AND id > ? ORDER BY id", [conversation_id, after]).fetchall()]


def last_said(db: Database, conversation_id: int) -> tuple[str, str | None] | None:
    """(author, event) of the conversation's latest message, or None before any."""
    row = db.execute("SELECT author, event FROM written_messages WHERE conversation_id = ?"
                     " ORDER BY id DESC LIMIT 1", [conversation_id]).fetchone()
    return (row[0], row[1]) if row else None


def end(db: Database, id_: int, now: datetime) -> None:
    """Over: the next message from the same sender starts a new conversation."""
    db.execute("UPDATE written_conversations SET ended_at = ?,"
               " outcome = COALESCE(outcome, 'hangup'),"
               " handover = CASE WHEN handover IN (?, ?) THEN ? ELSE handover END"
               " WHERE id = ? AND ended_at IS NULL",
               [clock.utc_text(now), WAITING, TAKEN, RETURNED, id_])


# ---------------------------------------------------------------- identity (cases' check)


def mark_verified(db: Database, sid: str, customer_number: str) -> None:
    """The person proved to be this customer in this conversation."""
    db.execute("UPDATE written_conversations SET verified = 1, customer_number = ?"
               " WHERE sid = ?", [customer_number, sid])


def verified_customer(db: Database, sid: str) -> str | None:
    row = db.execute("SELECT verified, customer_number FROM written_conversations"
                     " WHERE sid = ?", [sid]).fetchone()
    return row[1] if row and row[0] and row[1] else None


# ---------------------------------------------------------------- a person takes over


def hand_over(db: Database, id_: int, now: datetime, emergency: bool = False) -> None:
    """The conversation waits for a person (unless one already has it); an emergency
    goes first in the console's list either way."""
    db.execute("UPDATE written_conversations SET handover = ?, handover_at = ?"
               " WHERE id = ? AND (handover IS NULL OR handover = ?)",
               [WAITING, clock.utc_text(now), id_, RETURNED])
    if emergency:
        db.execute("UPDATE written_conversations SET emergency = 1 WHERE id = ?", [id_])


def mark_concern(db: Database, id_: int, concern: str | None) -> None:
    """What a message was heard to be (speech.message_concern); a crisis kind replaces
    worry, nothing replaces a crisis kind."""
    if not concern:
        return
    replaces = "concern IS NULL" if concern == WORRY else "concern IS NULL OR concern = ?"
    db.execute(f"UPDATE written_conversations SET concern = ? WHERE id = ? AND ({replaces})",
               [concern, id_] + ([] if concern == WORRY else [WORRY]))


def take(db: Database, id_: int, agent_id: int, now: datetime) -> bool:
    """An agent takes the conversation over; False if another agent has it."""
    return db.execute(
        "UPDATE written_conversations SET handover = ?, agent_id = ?, updated_at = ?"
        " WHERE id = ? AND ended_at IS NULL AND (handover IS NULL OR handover IN (?, ?)"
        " OR agent_id = ?)",
        [TAKEN, agent_id, clock.utc_text(now), id_, WAITING, RETURNED, agent_id]).rowcount == 1


def give_back(db: Database, id_: int, agent_id: int, now: datetime) -> bool:
    """The agent hands the conversation back to the hotline's assistant."""
    return db.execute(
        "UPDATE written_conversations SET handover = ?, updated_at = ? WHERE id = ?"
        " AND agent_id = ? AND handover = ?",
        [RETURNED, clock.utc_text(now), id_, agent_id, TAKEN]).rowcount == 1


def waiting(db: Database, agent_id: int | None = None, limit: int = 50) -> list[dict]:
    """Conversations waiting for a person, and those `agent_id` has taken, oldest first;
    emergencies first, then words of worry. No number, no words: the console shows those
    on opening one."""
    rows = db.execute(
        "SELECT id, channel, lang, intent, handover, handover_at, agent_id, emergency,"
        " verified, concern FROM written_conversations WHERE ended_at IS NULL"
        " AND (handover = ? OR (handover = ? AND agent_id = ?))"
        " ORDER BY emergency DESC, CASE WHEN concern = ? THEN 1 ELSE 0 END DESC, handover_at"
        " LIMIT ?",
        [WAITING, TAKEN, agent_id if agent_id is not None else -1, WORRY, limit]).fetchall()
    return [{"id": id_, "channel": channel, "lang": lang or "de", "intent": intent,
             "handover": handover, "since": since, "agent_id": agent, "emergency": bool(em),
             "verified": bool(verified), "concern": concern}
            for id_, channel, lang, intent, handover, since, agent, em, verified, concern
            in rows]


# ---------------------------------------------------------------- abuse: rate limits


def over_limit(db: Database, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one more message for `key` (a keyed hash); True if that is more than `limit`
    within `window`. Old counts are forgotten as they fall out of the window."""
    db.execute("DELETE FROM written_limits WHERE key = ? AND at < ?",
               [key, clock.utc_text(now - window)])
    count = db.execute("SELECT count(*) FROM written_limits WHERE key = ?", [key]).fetchone()[0]
    if count >= limit:
        return True
    db.execute("INSERT INTO written_limits (key, at) VALUES (?, ?)", [key, clock.utc_text(now)])
    return False


# ---------------------------------------------------------------- supervisors' figures


def figures(db: Database, start: str, end_: str) -> dict[str, dict]:
    """Per channel: conversations started in [start, end_), how many got what they came
    for without a person (contained), and how many were handed to a person."""
    found = {}
    for channel, total, contained, handed in db.execute(
            "SELECT channel, count(*),"
            f" sum(outcome IN ({', '.join('?' * len(CONTAINED))}) AND handover IS NULL),"
            " sum(handover IS NOT NULL)"
            " FROM written_conversations WHERE started_at >= ? AND started_at < ?"
            " GROUP BY channel", [*CONTAINED, start, end_]).fetchall():
        found[channel] = {"conversations": total, "contained": contained or 0,
                          "handovers": handed or 0}
    return found


# ---------------------------------------------------------------- privacy


def identity_message_sids(db: Database, conversation_id: int) -> list[str]:
    """Twilio's SIDs of the messages this person sent (to redact there once checked)."""
    return [row[0] for row in db.execute(
        "SELECT message_sid FROM written_messages WHERE conversation_id = ? AND author = ?"
        " AND message_sid IS NOT NULL AND event = 'identity'", [conversation_id, PERSON])]


def purge_personal_data(db: Database, before: str) -> int:
    """Numbers, tokens' hashes, customer numbers and every word of conversations started
    before `before`; the counts and outcomes stay for the statistics."""
    old = "SELECT id FROM written_conversations WHERE started_at < ?"
    words = db.execute(
        f"UPDATE written_messages SET text = NULL, message_sid = NULL WHERE conversation_id"
        f" IN ({old}) AND (text IS NOT NULL OR message_sid IS NOT NULL)", [before]).rowcount
    for id_, text in db.execute("SELECT id, state FROM written_conversations"
                                " WHERE started_at < ? AND state IS NOT NULL",
                                [before]).fetchall():
        state = json.loads(text)
        kept = {k: state[k] for k in STATE_KEPT if k in state}
        db.execute("UPDATE written_conversations SET state = ? WHERE id = ?",
                   [json.dumps(kept), id_])
    db.execute("UPDATE written_conversations SET phone = NULL, party_key = NULL,"
               " customer_number = NULL, ended_at = COALESCE(ended_at, ?)"
               " WHERE started_at < ?", [before, before])
    # Which crisis a person wrote of is health data; that there was one stays counted.
    db.execute("UPDATE written_conversations SET concern = 'crisis' WHERE started_at < ?"
               " AND concern IN ('self_harm', 'violence', 'emergency')", [before])
    db.execute("DELETE FROM written_limits WHERE at < ?", [before])
    return words


# As the calls' state keeps (ivr.store.STATE_KEPT): how far it got, never what was said.
STATE_KEPT = ("lang", "step", "turn", "failures", "intent", "outcome", "emergency")
