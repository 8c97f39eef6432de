"""Replies to appointment reminders by SMS: what the person wants, done, and what to answer.

JA / YES confirms; ABSAGEN / CANCEL asks once ("ABSAGEN JA" cancels, the slot is free at
once); VERSCHIEBEN / MOVE answers with the next free slots, chosen by replying their
number, or RUECKRUF / CALL for a call back; STOP ends reminders for the number. Free
text goes through the intent recogniser ("ich kann nicht, bin krank" asks whether to
cancel or move; "ich möchte den Termin verschieben" offers slots). Anything else gets
a short help text.

The booking a reply is about is the one of the latest reminder sent to that number.
If it was moved since (by phone, or by an earlier reply), the first reply is told the
new time and changes nothing; later replies are about the new booking. A booking
cancelled since is "no longer booked"; a number without bookings learns nothing.
Free text is never stored, only what it did (`bookings.reminder_reply`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlite_utils import Database

from routing import callbacks
from routing.topics import topic_for_intent
from schedules import reminders
from schedules import store as bookings
from schedules.config import Schedule
from speech import recognise
from speech.understanding import Understanding

from .effects import callback_window

# What a reply may say, in German and English, after folding (upper case, letters only).
CONFIRM = {"JA", "J", "YES", "Y", "OK", "JA BITTE"}
CANCEL = {"ABSAGEN", "CANCEL", "STORNIEREN"}
CANCEL_SURE = {"ABSAGEN JA", "JA ABSAGEN", "CANCEL YES", "YES CANCEL", "STORNIEREN JA"}
MOVE = {"VERSCHIEBEN", "MOVE", "RESCHEDULE", "ANDERER TERMIN", "NEUER TERMIN"}
CALL_BACK = {"RUECKRUF", "RÜCKRUF", "ANRUF", "ANRUFEN", "CALL", "CALL ME", "CALLBACK"}
STOP = {"STOP", "STOPP", "ABMELDEN", "UNSUBSCRIBE"}
ENGLISH = {"YES", "Y", "CANCEL", "CANCEL YES", "YES CANCEL", "UNSUBSCRIBE", "MOVE",
           "RESCHEDULE", "CALL", "CALL ME", "CALLBACK"}
# Free text below this score is not acted on: help instead.
MIN_SCORE = 0.5
# Intents of free text, as the reply's keywords.
INTENT_WORDS = {"reschedule_appointment": "MOVE", "cancel_appointment": "CANCEL",
                "report_sick": "CANNOT_COME", "agent": "CALL"}


@dataclass(frozen=True)
class Answer:
    """The sentence to answer with (ivr/prompts), its language and its parameters."""

    key: str
    lang: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """What the reply needs of the app: the schedule and the reminders' times."""

    schedule: Schedule
    reminder_time: time
    morning: time | None = None
    days: frozenset[int] = reminders.WORKING_DAYS


def keyword(body: str) -> str:
    """ "  Absagen, ja! " -> "ABSAGEN JA": upper case, words of letters only."""
    words = "".join(ch if ch.isalpha() else " " for ch in body.upper()).split()
    return " ".join(words)


def answer(db: Database, phone: str, body: str, now: datetime, settings: Settings) -> Answer:
    """Act on an SMS from `phone` (inside the caller's write) and say what to answer."""
    word = keyword(body)
    digits = re.sub(r"\D", "", body)
    booking, moved = _replied_to(db, phone, now)
    lang = "en" if word in ENGLISH or reminders.sms_lang(booking) == "en" else "de"
    if word in STOP:
        for upcoming in bookings.withdraw_consent(db, phone, now):
            reminders.withdraw(db, upcoming, "STOP", now)
            bookings.record_reply(db, upcoming.id, reminders.STOPPED, now)
        return Answer("sms_reply_stopped", lang)
    wish = _wish(word, digits, body, lang, now)
    if wish is None:
        return Answer("sms_reply_help", lang)
    if booking is None:
        latest = bookings.latest_for_phone(db, phone, now)
        return Answer("sms_reply_gone" if latest is not None else "sms_reply_no_booking", lang)
    schedule = settings.schedule
    if moved is not None:
        # Told once: the reminder's time is not the appointment's any more.
        bookings.record_reply(db, booking.id, reminders.MOVED, now)
        return Answer("sms_reply_was_moved", lang, {"appointment": _when(moved, schedule, lang)})
    if wish == "CONFIRM":
        bookings.record_reply(db, booking.id, reminders.CONFIRMED, now)
        return Answer("sms_reply_confirmed", lang)
    if wish == "CANCEL":
        return Answer("sms_reply_cancel_ask", lang)
    if wish == "CANCEL_SURE":
        cancelled = bookings.cancel(db, booking.code, now=now)
        reminders.withdraw(db, cancelled, "cancelled by SMS", now)
        bookings.record_reply(db, booking.id, reminders.CANCELLED, now)
        return Answer("sms_reply_cancelled", lang)
    if wish == "CANNOT_COME":
        return Answer("sms_reply_cannot_come", lang)
    if wish == "CALL":
        _call_back(db, booking, phone, schedule, now)
        return Answer("sms_reply_callback", lang)
    if wish == "MOVE":
        return _offer(db, booking, phone, schedule, lang, now)
    return _choose(db, booking, int(wish), settings, lang, now)


def is_reply(db: Database, phone: str, body: str, now: datetime) -> bool:
    """Whether an SMS from `phone` answers a reminder: STOP always (opting out must work
    whatever else goes on); otherwise a reminder sent to that number whose appointment
    is not over, and a text that says what reminder replies say (JA, ABSAGEN,
    VERSCHIEBEN, a slot's number, "ich kann nicht, bin krank")."""
    word = keyword(body)
    if word in STOP:
        return True
    if reminders.last_reminded(db, phone, now) is None:
        return False
    lang = "en" if word in ENGLISH else "de"
    return _wish(word, re.sub(r"\D", "", body), body, lang, now) is not None


def _wish(word: str, digits: str, body: str, lang: str, now: datetime) -> str | None:
    """What the reply asks for: CONFIRM, CANCEL, CANCEL_SURE, MOVE, CALL, CANNOT_COME,
    a slot's number ("1".."3"), or None when it cannot be told."""
    for words, wish in ((CONFIRM, "CONFIRM"), (CANCEL, "CANCEL"), (CANCEL_SURE, "CANCEL_SURE"),
                        (MOVE, "MOVE"), (CALL_BACK, "CALL")):
        if word in words:
            return wish
    if not word and len(digits) == 1 and "1" <= digits <= str(reminders.OFFERS):
        return digits
    if not word:
        return None
    for tongue in dict.fromkeys((lang, "de", "en")):
        heard = Understanding(body, tongue, now, recognise=recognise)
        found = heard.recognition
        if found is not None and found.score >= MIN_SCORE and found.intent in INTENT_WORDS:
            return INTENT_WORDS[found.intent]
        if heard.answer == "yes":
            return "CONFIRM"
    return None


def _replied_to(db: Database, phone: str, now: datetime):
    """(booking the reply is about, the booking it was moved to if the person has not
    been told yet). The latest reminder's booking, followed to where it was moved; else
    the number's next booking."""
    reminded = reminders.last_reminded(db, phone, now)
    if reminded is not None and not reminded.active:
        later = bookings.moved_to(db, reminded.id)
        if later is None or not later.active or later.end <= now:
            return None, None  # cancelled (or moved, then cancelled)
        if reminded.reminder_reply == reminders.MOVED:
            return later, None
        return reminded, later
    if reminded is not None:
        return reminded, None
    upcoming = bookings.bookings_for_phone(db, phone, now=now)
    return (upcoming[0] if upcoming else None), None


def _when(booking: bookings.Booking, schedule: Schedule, lang: str) -> str:
    return reminders.sms_when(booking.start, booking.site_id, schedule, lang)


def _offer(db: Database, booking: bookings.Booking, phone: str, schedule: Schedule, lang: str,
           now: datetime) -> Answer:
    slots = reminders.offer_slots(db, schedule, booking, now)
    if not slots:
        _call_back(db, booking, phone, schedule, now)
        return Answer("sms_reply_no_slots", lang)
    listed = "; ".join(f"{n}: {reminders.sms_when(slot.start, slot.site_id, schedule, lang)}"
                       for n, slot in enumerate(slots, 1))
    return Answer("sms_reply_slots", lang, {"slots": listed})


def _choose(db: Database, booking: bookings.Booking, number: int, settings: Settings,
            lang: str, now: datetime) -> Answer:
    slots = reminders.offered(db, booking.id, now)
    if not 1 <= number <= len(slots):
        return Answer("sms_reply_help", lang)
    try:
        moved = reminders.move_to(db, booking, slots[number - 1], settings.schedule,
                                  settings.reminder_time, now, settings.morning,
                                  settings.days)
    except bookings.SlotTakenError:
        return Answer("sms_reply_slot_taken", lang)
    return Answer("sms_reply_moved", lang, {"appointment": _when(moved, settings.schedule, lang)})


def _call_back(db: Database, booking: bookings.Booking, phone: str, schedule: Schedule,
               now: datetime) -> None:
    """A callback about a new time, on the number the reply came from (it has the
    booking's number: that is how the booking was found)."""
    start, end = callback_window(schedule, None, now)
    callbacks.request_callback(db, None, phone=phone, confirmed_by="caller_id",
                               topic=topic_for_intent("reschedule_appointment"),
                               language=booking.language, site=booking.site_id,
                               intent="reschedule_appointment", window_start=start,
                               window_end=end, now=now)
    bookings.record_reply(db, booking.id, reminders.CALLBACK, now)
