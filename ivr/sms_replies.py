"""Replies to appointment reminders by SMS: what the person wants, done, and what to answer.

In the reminder's language, or in German or English whatever it was (WORDS): JA / YES /
EVET / ТАК / ДА / نعم confirms; ABSAGEN / CANCEL / İPTAL / СКАСУВАТИ / ОТМЕНИТЬ / إلغاء
asks once ("ABSAGEN JA", "İPTAL EVET" cancels, the slot is free at once); VERSCHIEBEN /
MOVE / ERTELE / ПЕРЕНЕСТИ / تأجيل answers with the next free slots, chosen by replying
their number, or RUECKRUF / CALL / ARAYIN / ... for a call back; STOP ends reminders for
the number. The answer is in the booking's language (in English to English words). Free
text goes through the intent recogniser, in the booking's language first ("ich kann
nicht, bin krank" asks whether to cancel or move; "ich möchte den Termin verschieben"
offers slots). Anything else gets a short help text.

The booking a reply is about is the one of the latest reminder sent to that number.
If it was moved since (by phone, or by an earlier reply), the first reply is told the
new time and changes nothing; later replies are about the new booking. A booking
cancelled since is "no longer booked"; a number without bookings learns nothing.
Free text is never stored, only what it did (`bookings.reminder_reply`).
"""

from __future__ import annotations

import re
import unicodedata
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

from . import after_call, prompts
from .effects import callback_window

# What a reply may say, per language (as written; compared folded: upper case, letters
# only, without accents, so "iptal", "İptal" and "IPTAL" are one word). The German and
# English words work whatever the booking's language; STOP always ends the reminders.
WORDS = {
    "de": {"CONFIRM": {"JA", "J", "OK", "JA BITTE"},
           "CANCEL": {"ABSAGEN", "STORNIEREN"},
           "CANCEL_SURE": {"ABSAGEN JA", "JA ABSAGEN", "STORNIEREN JA"},
           "MOVE": {"VERSCHIEBEN", "ANDERER TERMIN", "NEUER TERMIN"},
           "CALL": {"RUECKRUF", "RÜCKRUF", "ANRUF", "ANRUFEN"},
           "STOP": {"STOP", "STOPP", "ABMELDEN"}},
    "en": {"CONFIRM": {"YES", "Y"},
           "CANCEL": {"CANCEL"},
           "CANCEL_SURE": {"CANCEL YES", "YES CANCEL"},
           "MOVE": {"MOVE", "RESCHEDULE"},
           "CALL": {"CALL", "CALL ME", "CALLBACK"},
           "STOP": {"UNSUBSCRIBE"}},
    "tr": {"CONFIRM": {"EVET", "TAMAM"},
           "CANCEL": {"İPTAL"},
           "CANCEL_SURE": {"İPTAL EVET", "EVET İPTAL"},
           "MOVE": {"ERTELE"},
           "CALL": {"ARAYIN", "ARA", "GERİ ARAYIN", "GERİ ARA"},
           "STOP": {"DURDUR"}},
    "uk": {"CONFIRM": {"ТАК"},
           "CANCEL": {"СКАСУВАТИ"},
           "CANCEL_SURE": {"СКАСУВАТИ ТАК", "ТАК СКАСУВАТИ"},
           "MOVE": {"ПЕРЕНЕСТИ"},
           "CALL": {"ПЕРЕДЗВОНІТЬ", "ПЕРЕДЗВОНИТИ"},
           "STOP": {"СТОП"}},
    "ru": {"CONFIRM": {"ДА"},
           "CANCEL": {"ОТМЕНИТЬ", "ОТМЕНА"},
           "CANCEL_SURE": {"ОТМЕНИТЬ ДА", "ДА ОТМЕНИТЬ"},
           "MOVE": {"ПЕРЕНЕСТИ"},
           "CALL": {"ПЕРЕЗВОНИТЕ", "ПЕРЕЗВОНИТЬ"},
           "STOP": {"СТОП"}},
    "ar": {"CONFIRM": {"نعم"},
           "CANCEL": {"إلغاء"},
           "CANCEL_SURE": {"إلغاء نعم", "نعم إلغاء"},
           "MOVE": {"تأجيل"},
           "CALL": {"اتصال", "اتصلوا بي"},
           "STOP": {"توقف", "إيقاف"}},
}
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


# Arabic letters written in more than one way: hamza forms, taa marbuta, alif maqsura.
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": ""})


def keyword(body: str) -> str:
    """ "  Absagen, ja! " -> "ABSAGEN JA", "İptal" -> "IPTAL": upper case, without
    accents, words of letters only."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", body.upper())
                   if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalpha() else " " for ch in bare.translate(_ARABIC_FOLD)).split()
    return " ".join(words)


# The words folded as replies are: language -> wish -> words.
_FOLDED = {lang: {wish: {keyword(w) for w in words} for wish, words in table.items()}
           for lang, table in WORDS.items()}
STOP = set().union(*(table["STOP"] for table in _FOLDED.values()))


def is_stop(body: str) -> bool:
    """The reply asks for no more reminders, in any language."""
    return keyword(body) in STOP


def _tongues(word: str) -> list[str]:
    """The languages whose reply words include `word`."""
    return [lang for lang, table in _FOLDED.items()
            if any(word in words for words in table.values())]


def _answer_lang(word: str, booking: bookings.Booking | None) -> str:
    """The booking's language, unless the person wrote a word of one other language than
    it or German (then that one: "cancel" to a German reminder is answered in English).
    A word of several (ПЕРЕНЕСТИ, СТОП: Ukrainian and Russian) does not say which: the
    booking's language again."""
    own = after_call.lang_of(booking) if booking is not None else "de"
    tongues = _tongues(word)
    if len(tongues) != 1 or own in tongues or "de" in tongues:
        return own
    return tongues[0]


def answer(db: Database, phone: str, body: str, now: datetime, settings: Settings) -> Answer:
    """Act on an SMS from `phone` (inside the caller's write) and say what to answer."""
    word = keyword(body)
    digits = re.sub(r"\D", "", body)
    booking, moved = _replied_to(db, phone, now)
    # A booking cancelled since still says the person's language.
    lang = _answer_lang(word, booking or bookings.latest_for_phone(db, phone, now))
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
        return Answer("sms_reply_was_moved", lang,
                      {"appointment": _when(moved.start, moved.site_id, schedule, lang)})
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
    reminded = reminders.last_reminded(db, phone, now)
    if reminded is None:
        return False
    lang = _answer_lang(word, reminded)
    return _wish(word, re.sub(r"\D", "", body), body, lang, now) is not None


def booked_language(db: Database, phone: str, now: datetime) -> str | None:
    """The language of the number's booking (the one a reply would be about, else the
    latest not yet over), to greet in it a message that is no reply; None without one.
    Only the language: the written conversation learns nothing else of the booking."""
    booking, _ = _replied_to(db, phone, now)
    booking = booking or bookings.latest_for_phone(db, phone, now)
    return after_call.lang_of(booking) if booking is not None else None


def _wish(word: str, digits: str, body: str, lang: str, now: datetime) -> str | None:
    """What the reply asks for: CONFIRM, CANCEL, CANCEL_SURE, MOVE, CALL, CANNOT_COME,
    a slot's number ("1".."3"), or None when it cannot be told."""
    for table in _FOLDED.values():
        for wish, words in table.items():
            if wish != "STOP" and word in words:
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


def _when(start: datetime, site_id: str, schedule: Schedule, lang: str) -> str:
    return prompts.written_appointment(start, schedule.site(site_id), lang)


def _offer(db: Database, booking: bookings.Booking, phone: str, schedule: Schedule, lang: str,
           now: datetime) -> Answer:
    slots = reminders.offer_slots(db, schedule, booking, now)
    if not slots:
        _call_back(db, booking, phone, schedule, now)
        return Answer("sms_reply_no_slots", lang)
    listed = "; ".join(f"{n}: {_when(slot.start, slot.site_id, schedule, lang)}"
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
    return Answer("sms_reply_moved", lang, {
        "appointment": _when(moved.start, moved.site_id, settings.schedule, lang)})


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
