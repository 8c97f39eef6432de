"""Appointment reminders by SMS: when each is due, and queueing it in the outbox then.

A caller who said yes at booking (`bookings.reminder_consent`) gets one SMS on the
working day before the appointment (Monday to Saturday, not a public holiday of the
job centre's state), at HOTLINE_REMINDER_TIME (17:00 Berlin). The due moment is stored
on the booking (`bookings.reminder_due_at`) when the caller consents (and again for a
moved booking), so a restart loses nothing. The outbox's sender calls `queue_due`
before each round: a due reminder is checked against its booking at that moment (still
booked, consent not taken back by STOP) and only then written to the outbox, whose
dedupe key (`reminder:<booking id>`) makes sure it is sent once. A booking cancelled or
moved after that withdraws the queued message (`withdraw`).

Never at night, on a Sunday or a holiday: outside HOTLINE_REMINDER_HOURS (08:00-20:00)
a due reminder (a sender that was down, a changed setting) waits for the next allowed
moment, or is skipped if that is less than two hours before the appointment.

The text names the day, time and site and what to reply; no topic, no caseworker, no
amount: whoever reads the phone learns no more than that there is an appointment.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from flask import Flask
from sqlite_utils import Database

import outbox
from db import atomic

from . import store as bookings
from .calendar import holiday_name
from .config import BERLIN, Schedule
from .spoken import MONTH_NAMES, spoken_time, weekday_name

log = logging.getLogger(__name__)

SCHEDULED, QUEUED, SKIPPED = "scheduled", "queued", "skipped"
PURPOSE = "reminder"
# A reminder later than this before the appointment is no help: skipped instead.
MIN_AHEAD = timedelta(hours=2)
SUNDAY = 6

TEXTS = {
    "de": ("Jobcenter Rems-Murr: Erinnerung an Ihren Termin am {day}, {time}, {site}."
           " Antworten Sie JA zum Bestätigen oder ABSAGEN zum Absagen."),
    "en": ("Jobcenter Rems-Murr: reminder of your appointment on {day}, {time}, {site}."
           " Reply YES to confirm or CANCEL to cancel."),
}


# ---------------------------------------------------------------------------- when


def sending_day(schedule: Schedule, day: date) -> bool:
    """Reminders may go out on this day: not a Sunday, not a public holiday."""
    return day.weekday() != SUNDAY and holiday_name(schedule.state, day) is None


def due_at(schedule: Schedule, start: datetime, at: time) -> datetime:
    """The working day before `start` (Berlin), at `at` (Berlin), aware."""
    day = start.astimezone(BERLIN).date() - timedelta(days=1)
    while not sending_day(schedule, day):
        day -= timedelta(days=1)
    return datetime.combine(day, at, tzinfo=BERLIN)


def next_allowed(schedule: Schedule, now: datetime, hours: tuple[time, time]) -> datetime:
    """`now` if a reminder may be sent now, else the next moment one may."""
    local = now.astimezone(BERLIN)
    for ahead in range(0, 14):
        day = local.date() + timedelta(days=ahead)
        if not sending_day(schedule, day):
            continue
        first = datetime.combine(day, hours[0], tzinfo=BERLIN)
        last = datetime.combine(day, hours[1], tzinfo=BERLIN)
        if local < last:
            return max(local, first)
    raise ValueError("no day to send reminders on in two weeks")  # a broken calendar


# ---------------------------------------------------------------------------- the webhook side


def schedule_reminder(db: Database, booking: bookings.Booking, schedule: Schedule, at: time,
                      now: datetime) -> datetime | None:
    """Store when this booking's reminder is due (inside the caller's write); None if its
    moment has passed already (a booking made the evening before) or it has one."""
    due = due_at(schedule, booking.start, at)
    if due <= now or not bookings.schedule_reminder(db, booking.id, due):
        return None
    return due


def withdraw(db: Database, booking: bookings.Booking, reason: str, now: datetime) -> None:
    """The booking was cancelled or moved: its reminder goes nowhere, even if queued."""
    if booking.reminder_state in (SCHEDULED, QUEUED):
        bookings.set_reminder_state(db, booking.id, SKIPPED, note=reason)
    outbox.withdraw(db, reminder_key(booking.id), reason, now)


def reminder_key(booking_id: int) -> str:
    return f"{PURPOSE}:{booking_id}"


def text(booking: bookings.Booking, schedule: Schedule) -> str:
    """The reminder: day, time, site and what to reply; in the booking's language."""
    lang = "en" if booking.language == "en" else "de"
    local = booking.start.astimezone(BERLIN)
    month = MONTH_NAMES[lang][local.month - 1]
    day = (f"{weekday_name(local.date(), lang)}, {local.day} {month}" if lang == "en"
           else f"{weekday_name(local.date(), lang)}, {local.day}. {month}")
    site = schedule.site(booking.site_id)
    return TEXTS[lang].format(day=day, time=spoken_time(local.hour * 60 + local.minute, lang),
                              site=site.name_en if lang == "en" else site.name)


# ---------------------------------------------------------------------------- the sender side


def queue_due(db: Database, schedule: Schedule, now: datetime, hours: tuple[time, time],
              limit: int = 500) -> int:
    """Queue the SMS of every reminder due by `now` whose booking still wants one;
    returns how many were queued. Runs before each round of the outbox's sender."""
    queued = 0
    if not bookings.due_reminders(db, now, 1):
        return 0  # the usual second: no write at all
    allowed = next_allowed(schedule, now, hours)
    with atomic(db):
        for booking in bookings.due_reminders(db, now, limit):
            reason = _why_not(booking, now)
            if reason is None and allowed > now:
                if allowed > booking.start - MIN_AHEAD:
                    reason = "too late to remind"
                else:  # at night, on a Sunday or holiday: the next allowed moment
                    bookings.set_reminder_state(db, booking.id, SCHEDULED, due=allowed)
                    continue
            if reason is not None:
                bookings.set_reminder_state(db, booking.id, SKIPPED, note=reason)
                continue
            outbox.enqueue(db, to=booking.phone, body=text(booking, schedule),
                           purpose=PURPOSE, key=reminder_key(booking.id),
                           call_sid=booking.call_sid, now=now)
            bookings.set_reminder_state(db, booking.id, QUEUED)
            queued += 1
    if queued:
        log.info("Reminders: %d queued", queued)
    return queued


def _why_not(booking: bookings.Booking, now: datetime) -> str | None:
    if not booking.active:
        return "cancelled or moved"
    if booking.start <= now:
        return "appointment over"
    if not booking.reminder_consent:
        return "no consent"  # never given, or taken back by STOP
    if not booking.phone:
        return "no number"
    return None


# ---------------------------------------------------------------------------- replies

# What a reply may say, in German and English, after folding (upper case, letters only).
CONFIRM = {"JA", "J", "YES", "Y", "OK", "JA BITTE"}
CANCEL = {"ABSAGEN", "CANCEL", "STORNIEREN"}
CANCEL_SURE = {"ABSAGEN JA", "JA ABSAGEN", "CANCEL YES", "YES CANCEL", "STORNIEREN JA"}
STOP = {"STOP", "STOPP", "ABMELDEN", "UNSUBSCRIBE"}
ENGLISH = {"YES", "Y", "CANCEL", "CANCEL YES", "YES CANCEL", "UNSUBSCRIBE"}
CONFIRMED, CANCELLED, STOPPED = "confirmed", "cancelled", "stop"


def keyword(body: str) -> str:
    """ "  Absagen, ja! " -> "ABSAGEN JA": upper case, words of letters only."""
    words = "".join(ch if ch.isalpha() else " " for ch in body.upper()).split()
    return " ".join(words)


def answer(db: Database, phone: str, body: str, now: datetime) -> tuple[str, str]:
    """Act on an SMS from `phone` (inside the caller's write); returns what to answer:
    (sentence key, language). JA confirms, ABSAGEN asks once, ABSAGEN JA cancels (the
    slot is free at once), STOP ends reminders for the number; anything else: help."""
    word = keyword(body)
    booking = _replied_to(db, phone, now)
    lang = "en" if word in ENGLISH or (booking and booking.language == "en") else "de"
    if word in STOP:
        for upcoming in bookings.withdraw_consent(db, phone, now):
            withdraw(db, upcoming, "STOP", now)
            bookings.record_reply(db, upcoming.id, STOPPED, now)
        return "sms_reply_stopped", lang
    if word not in CONFIRM | CANCEL | CANCEL_SURE:
        return "sms_reply_help", lang
    if booking is None:
        latest = bookings.latest_for_phone(db, phone, now)
        return ("sms_reply_gone" if latest is not None else "sms_reply_no_booking"), lang
    if word in CONFIRM:
        bookings.record_reply(db, booking.id, CONFIRMED, now)
        return "sms_reply_confirmed", lang
    if word in CANCEL:
        return "sms_reply_cancel_ask", lang
    cancelled = bookings.cancel(db, booking.code, now=now)
    withdraw(db, cancelled, "cancelled by SMS", now)
    bookings.record_reply(db, booking.id, CANCELLED, now)
    return "sms_reply_cancelled", lang


def _replied_to(db: Database, phone: str, now: datetime) -> bookings.Booking | None:
    """The booking a reply from `phone` is about: the next one reminded, else the next."""
    upcoming = bookings.bookings_for_phone(db, phone, now=now)
    reminded = [b for b in upcoming if b.reminder_state == QUEUED]
    return (reminded or upcoming or [None])[0]


def init_app(app: Flask) -> None:
    """Let the outbox's sender queue due reminders before each of its rounds."""

    def before_round(db: Database, now: datetime) -> None:
        queue_due(db, app.extensions["hotline.schedule"], now,
                  app.config["HOTLINE_REMINDER_HOURS"])

    outbox.before_each_round(app, before_round)
