"""Read model of the caller's context for the agent's screen (reads ivr's and schedules' tables).

This is the one module in routing that reads other packages' tables, by SQL and only
for reading: `calls`, `turns` and `voicemails` (ivr: what the caller said, intent,
verification, messages left) and `bookings` (schedules: the caller's recent
appointments). Numbers leave it masked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from speech.masking import mask_numbers

from .topics import intent_label, site_label, topic_label

BERLIN = ZoneInfo("Europe/Berlin")
RECENT_BOOKINGS = 5


@dataclass(frozen=True)
class SaidTurn:
    """One turn: what the caller said (or pressed), what was recognised, what the hotline said."""

    caller: str
    intent: str | None
    score: float | None
    hotline: str


@dataclass(frozen=True)
class CallContext:
    """What the agent sees about the current caller."""

    call_sid: str
    intent: str | None
    intent_label: str
    verified: bool
    phone_masked: str
    customer_number_masked: str
    turns: list[SaidTurn] = field(default_factory=list)
    bookings: list[dict] = field(default_factory=list)
    # A second request said with the first and not taken up before the hand-over
    # ("Mitarbeiter bitte, und ich hab eine neue Adresse"): its label, or "".
    also_asked: str = ""


def mask_customer_number(number: str | None) -> str:
    """'123D456789' -> '123D****89': enough to compare with a letter, not enough to misuse."""
    if not number:
        return "unbekannt"
    text = "".join(ch for ch in str(number) if ch.isalnum())
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def mask_phone(number: str | None) -> str:
    """'+4915112345678' -> '+49*********78': the country and the last two digits only."""
    if not number:
        return "unterdrückt"
    text = str(number).strip()
    if len(text) <= 5:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]


def _columns(db: Database, table: str) -> set[str]:
    return set(db[table].columns_dict)


def verified_flag(db: Database, call_sid: str) -> bool:
    """Whether the caller's identity was checked (a `verified` column of calls, once it exists)."""
    if "verified" not in _columns(db, "calls"):
        return False
    row = db.execute("SELECT verified FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    return bool(row and row[0])


def caller_phone(db: Database, call_sid: str) -> str | None:
    """The caller id of a call (for a callback the agent asks for); None when withheld."""
    row = db.execute("SELECT from_number FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    return row[0] if row and row[0] else None


def hotline_number(db: Database, call_sid: str) -> str:
    """The number the caller dialled (ours), to call an interpreter from."""
    row = db.execute("SELECT to_number FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    return row[0] if row and row[0] else ""


def _state(state_json: str | None) -> dict:
    try:
        state = json.loads(state_json or "{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def also_asked(state_json: str | None) -> str:
    """The label of the second request the caller made with the first, still open when
    the call was handed over (the conversation's `later`); "" when there is none."""
    later = _state(state_json).get("later") or {}
    return intent_label(later["intent"]) if later.get("intent") else ""


def _customer_number(db: Database, call_sid: str, state_json: str | None) -> str | None:
    if "customer_number" in _columns(db, "calls"):
        row = db.execute("SELECT customer_number FROM calls WHERE call_sid = ?",
                         [call_sid]).fetchone()
        if row and row[0]:
            return row[0]
    state = _state(state_json)
    for part in ("booked", "booking"):
        value = (state.get(part) or {}).get("customer_number")
        if value:
            return value
    row = db.execute("SELECT customer_number FROM bookings WHERE call_sid = ?"
                     " AND customer_number IS NOT NULL LIMIT 1", [call_sid]).fetchone()
    return row[0] if row else None


def recent_bookings(db: Database, phone: str | None, *, now: datetime) -> list[dict]:
    """The caller's latest bookings (by their number), without the number itself: with
    whom, and who is coming (the customer number masked, or the name the caller gave)."""
    if not phone:
        return []
    name = "caller_name" if "caller_name" in _columns(db, "bookings") else "NULL"
    rows = db.execute(
        f"SELECT start_utc, site_id, topic_id, status, caseworker_name, customer_number, {name}"
        " FROM bookings WHERE phone = ? ORDER BY start_utc DESC LIMIT ?",
        [phone, RECENT_BOOKINGS]).fetchall()
    return [{
        "when": datetime.fromisoformat(start).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M"),
        "site": site_label(site),
        "topic": topic_label(topic),
        "status": {"booked": "gebucht", "cancelled": "abgesagt"}.get(status, status),
        "past": datetime.fromisoformat(start) < now,
        "caseworker": caseworker or "",
        "who": who_is_coming(number, caller_name),
    } for start, site, topic, status, caseworker, number, caller_name in rows]


def who_is_coming(customer_number: str | None, caller_name: str | None) -> str:
    """Who a booking is for, as staff see it: "Kundennummer 123D****89", "Name: Schmid"."""
    if customer_number:
        return f"Kundennummer {mask_customer_number(customer_number)}"
    if caller_name:
        return f"Name: {caller_name}"
    return "ohne Namen"


def call_context(db: Database, call_sid: str, *, now: datetime) -> CallContext:
    """Everything the agent's screen shows about one call."""
    row = db.execute("SELECT intent, from_number, state FROM calls WHERE call_sid = ?",
                     [call_sid]).fetchone()
    intent, phone, state_json = row if row else (None, None, None)
    turns = [
        SaidTurn(caller=mask_numbers(speech or (f"Tasten: {digits}" if digits else "")),
                 intent=t_intent, score=score,
                 hotline=mask_numbers(said or "") if _identity_turn(event) else said or "")
        for speech, digits, t_intent, score, said, event in db.execute(
            "SELECT speech, digits, intent, score, said, event FROM turns WHERE call_sid = ?"
            " ORDER BY turn, id", [call_sid]).fetchall()
    ]
    return CallContext(
        call_sid=call_sid, intent=intent, intent_label=intent_label(intent),
        verified=verified_flag(db, call_sid), phone_masked=mask_phone(phone),
        customer_number_masked=mask_customer_number(_customer_number(db, call_sid, state_json)),
        turns=turns, bookings=recent_bookings(db, phone, now=now),
        also_asked=also_asked(state_json))


def _identity_turn(event: str | None) -> bool:
    """A turn of the identity check: what the hotline said reads a number back."""
    return bool(event) and event.startswith(("identity:", "reprompt:customer_number",
                                             "reprompt:birth_date"))


def voicemail_message(db: Database, call_sid: str | None) -> str | None:
    """What the caller said in the message they left on this call, once transcribed.

    None: no message (or not transcribed yet); "" : a message without recognisable words.
    """
    if not call_sid or "voicemails" not in db.table_names():
        return None
    row = db.execute("SELECT transcript FROM voicemails WHERE call_sid = ? ORDER BY id DESC",
                     [call_sid]).fetchone()
    return row[0] if row else None
