"""Appointment reminders by SMS or voice call: when each is due, and queueing it in the outbox.

A caller who said yes at booking (`bookings.reminder_consent`) gets a reminder on the
working day before the appointment (Monday to Saturday, not a public holiday of the
job centre's state), at HOTLINE_REMINDER_TIME (17:00 Berlin), and with
HOTLINE_REMINDER_MORNING a second one on the morning of the day: by SMS, or by a short
call for a landline or when the caller chose a call (`bookings.reminder_channel`). The
due moment is stored on the booking (`bookings.reminder_due_at`, `reminder_round`) when
the caller consents (and again for a moved booking), so a restart loses nothing. The
outbox's sender calls `queue_due` before each round: a due reminder is checked against
its booking at that moment (still booked, consent not taken back by STOP) and only then
written to the outbox, whose dedupe key (`reminder:<booking id>[:2]`) makes sure it is
sent once. A booking cancelled or moved after that withdraws the queued message.

Never at night, on a Sunday or a holiday: outside HOTLINE_REMINDER_HOURS (08:00-20:00)
a due reminder (a sender that was down, a changed setting) waits for the next allowed
moment, or is skipped if that is less than two hours (the morning one: one hour) before
the appointment.

10,000 reminders due in the same minute are queued a chunk at a time (CHUNK rows per
short transaction, as the sender gets through them), so that no webhook waits behind
one long write, and they go after anything a caller is waiting for (outbox priority).

The SMS (worded by the caller's side, ivr/after_call.py, in the booking's language)
names the day, time and site and what to reply; no topic, no caseworker, no
amount: whoever reads the phone learns no more than that there is an appointment. A
call says nothing about the appointment before the person who answers says they are
the one booked (ivr/reminder_calls.py), and a mailbox hears only a request to call back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from flask import Flask
from sqlite_utils import Database

import outbox
from db import atomic

from . import store as bookings
from .calendar import holiday_name
from .config import BERLIN, Schedule
from .model import Slot, Wish
from .slots import find_slots

log = logging.getLogger(__name__)

SCHEDULED, QUEUED, SKIPPED = "scheduled", "queued", "skipped"
SMS, CALL = "sms", "call"  # reminder channels
PURPOSE = "reminder"
# A reminder later than this before the appointment is no help: skipped instead.
MIN_AHEAD = timedelta(hours=2)
MIN_AHEAD_MORNING = timedelta(hours=1)
# The days of the week (Monday = 0) on which reminders may go out: HOTLINE_REMINDER_DAYS.
WORKING_DAYS = frozenset(range(6))
# Rows queued per transaction. Each row (reading its booking, writing the outbox row and
# the booking's state) holds the write lock for about a tenth of a millisecond; chunks of
# 50 held it for 9 ms (median; 18 ms at p90) while a webhook's write waited behind them.
# Ten rows hold it for about one.
CHUNK = 10
# Twilio waits for the mailbox's beep before it fetches the answer, so that the request
# to call back is recorded whole; a person is told apart in a second or two.
MACHINE_DETECTION = "DetectMessageEnd"
# Words a booking's reminder SMS, in the booking's language.
Write = Callable[[bookings.Booking, Schedule], str]

# ---------------------------------------------------------------------------- when


def sending_day(schedule: Schedule, day: date, days: frozenset[int] = WORKING_DAYS) -> bool:
    """Reminders may go out on this day: one of `days` (HOTLINE_REMINDER_DAYS, Monday to
    Saturday), not a public holiday."""
    return day.weekday() in days and holiday_name(schedule.state, day) is None


def due_at(schedule: Schedule, start: datetime, at: time,
           days: frozenset[int] = WORKING_DAYS) -> datetime:
    """The sending day before `start` (Berlin), at `at` (Berlin), aware."""
    day = start.astimezone(BERLIN).date() - timedelta(days=1)
    for _ in range(14):
        if sending_day(schedule, day, days):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, at, tzinfo=BERLIN)


def next_allowed(schedule: Schedule, now: datetime, hours: tuple[time, time],
                 days: frozenset[int] = WORKING_DAYS) -> datetime:
    """`now` if a reminder may be sent now, else the next moment one may."""
    local = now.astimezone(BERLIN)
    for ahead in range(0, 14):
        day = local.date() + timedelta(days=ahead)
        if not sending_day(schedule, day, days):
            continue
        first = datetime.combine(day, hours[0], tzinfo=BERLIN)
        last = datetime.combine(day, hours[1], tzinfo=BERLIN)
        if local < last:
            return max(local, first)
    raise ValueError("no day to send reminders on in two weeks")  # a broken calendar


# ---------------------------------------------------------------------------- the webhook side


def morning_due(start: datetime, morning: time | None) -> datetime | None:
    """The second reminder's moment on the day itself, if one is configured and it is
    early enough before the appointment to help."""
    if morning is None:
        return None
    due = datetime.combine(start.astimezone(BERLIN).date(), morning, tzinfo=BERLIN)
    return due if due <= start - MIN_AHEAD_MORNING else None


def schedule_reminder(db: Database, booking: bookings.Booking, schedule: Schedule, at: time,
                      now: datetime, morning: time | None = None,
                      days: frozenset[int] = WORKING_DAYS) -> datetime | None:
    """Store when this booking's reminder is due (inside the caller's write); None if its
    moment has passed already (a booking made the evening before: then only the morning
    one, if configured) or it has one."""
    for round_, due in ((1, due_at(schedule, booking.start, at, days)),
                        (2, morning_due(booking.start, morning))):
        if due is not None and due > now:
            return due if bookings.schedule_reminder(db, booking.id, due, round_) else None
    return None


def withdraw(db: Database, booking: bookings.Booking, reason: str, now: datetime) -> None:
    """The booking was cancelled or moved: its reminders go nowhere, even if queued. One
    already handed to Twilio stays counted as sent."""
    taken_back = [outbox.withdraw(db, reminder_key(booking.id, r), reason, now) for r in (1, 2)]
    if booking.reminder_state == SCHEDULED or any(taken_back):
        bookings.set_reminder_state(db, booking.id, SKIPPED, note=reason)


def reminder_key(booking_id: int, round_: int = 1) -> str:
    return f"{PURPOSE}:{booking_id}" if round_ == 1 else f"{PURPOSE}:{booking_id}:{round_}"


def booking_of_key(key: str) -> int | None:
    """The booking id a reminder's dedupe key names."""
    parts = key.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[0] == PURPOSE and parts[1].isdigit() \
        else None


def call_paths(booking_id: int, round_: int) -> tuple[str, str]:
    """The voice reminder's webhooks (ivr/reminder_calls.py): answered, and ended."""
    query = f"booking={booking_id}&round={round_}"
    return f"/voice/reminder/answer?{query}", f"/voice/reminder/status?{query}"


# ---------------------------------------------------------------------------- moving it


OFFERS = 3  # free slots offered to choose from by number
OFFER_VALID = timedelta(days=2)


def offer_slots(db: Database, schedule: Schedule, booking: bookings.Booking,
                now: datetime) -> list[Slot]:
    """The next free slots for the same site and topic as `booking` (inside a write),
    remembered for the booking so that a reply "2" or the key 2 takes the second."""
    found = find_slots(db, schedule, booking.site_id, booking.topic_id, Wish(), now=now,
                       limit=OFFERS, exclude=[booking.start])
    db.execute("INSERT INTO reminder_offers (booking_id, slots, offered_at)"
               " VALUES (?, ?, ?) ON CONFLICT (booking_id)"
               " DO UPDATE SET slots = excluded.slots, offered_at = excluded.offered_at",
               [booking.id, json.dumps([s.to_dict() for s in found]), bookings.utc_text(now)])
    return found


def offered(db: Database, booking_id: int, now: datetime) -> list[Slot]:
    """The slots last offered for this booking, if that was recently."""
    row = db.execute("SELECT slots, offered_at FROM reminder_offers WHERE booking_id = ?",
                     [booking_id]).fetchone()
    if row is None or datetime.fromisoformat(row[1]) < now - OFFER_VALID:
        return []
    return [Slot.from_dict(item) for item in json.loads(row[0])]


def move_to(db: Database, booking: bookings.Booking, slot: Slot, schedule: Schedule,
            at: time, now: datetime, morning: time | None = None,
            days: frozenset[int] = WORKING_DAYS) -> bookings.Booking:
    """Move the booking to an offered slot (raises SlotTakenError if it went meanwhile):
    the old time's reminders are withdrawn, the new time is reminded as agreed, and the
    old booking's reply says it was moved."""
    moved = bookings.reschedule(db, booking.code, slot, now=now)
    withdraw(db, booking, "moved", now)
    bookings.record_reply(db, booking.id, MOVED, now)
    db.execute("DELETE FROM reminder_offers WHERE booking_id = ?", [booking.id])
    if moved.reminder_consent:
        schedule_reminder(db, moved, schedule, at, now, morning, days)
    return moved


# The person's reply to a reminder, kept on the booking (bookings.reminder_reply).
CONFIRMED, CANCELLED, MOVED, CALLBACK, STOPPED = (
    "confirmed", "cancelled", "moved", "callback", "stop")


# ---------------------------------------------------------------------------- the sender side


def queue_due(db: Database, schedule: Schedule, now: datetime, hours: tuple[time, time],
              write: Write, limit: int = CHUNK, morning: time | None = None,
              days: frozenset[int] = WORKING_DAYS) -> int:
    """Queue the SMS or call of up to `limit` reminders due by `now` whose booking still
    wants one, in one short transaction; returns how many were queued. Runs before each
    round of the outbox's sender, and again whenever it has sent what was queued.
    `write` words an SMS in the booking's language (ivr/after_call.py)."""
    queued = 0
    if not bookings.due_reminders(db, now, 1):
        return 0  # the usual second: no write at all
    allowed = next_allowed(schedule, now, hours, days)
    with atomic(db):
        for booking in bookings.due_reminders(db, now, limit):
            round_ = booking.reminder_round or 1
            reason = _why_not(booking, now)
            if reason is None and allowed > now:
                ahead = MIN_AHEAD if round_ == 1 else MIN_AHEAD_MORNING
                if allowed > booking.start - ahead:
                    reason = "too late to remind"
                else:  # at night, on a Sunday or holiday: the next allowed moment
                    bookings.set_reminder_state(db, booking.id, SCHEDULED, due=allowed)
                    continue
            if reason is not None:
                bookings.set_reminder_state(db, booking.id, SKIPPED, note=reason)
                continue
            _enqueue(db, booking, round_, schedule, now, write)
            later = morning_due(booking.start, morning) if round_ == 1 else None
            if later is not None and later > now:
                bookings.set_reminder_state(db, booking.id, SCHEDULED, due=later, round_=2)
            else:
                bookings.set_reminder_state(db, booking.id, QUEUED)
            queued += 1
    if queued:
        log.info("Reminders: %d queued", queued)
    return queued


def _enqueue(db: Database, booking: bookings.Booking, round_: int, schedule: Schedule,
             now: datetime, write: Write) -> None:
    key = reminder_key(booking.id, round_)
    if booking.reminder_channel == CALL:
        answer, status = call_paths(booking.id, round_)
        outbox.enqueue_call(db, to=booking.phone, answer_url=answer, status_url=status,
                            purpose=PURPOSE, key=key, now=now,
                            machine_detection=MACHINE_DETECTION, priority=outbox.LATER)
    else:
        outbox.enqueue(db, to=booking.phone, body=write(booking, schedule), purpose=PURPOSE,
                       key=key, call_sid=booking.call_sid, now=now, priority=outbox.LATER)


def last_reminded(db: Database, phone: str, now: datetime) -> bookings.Booking | None:
    """The booking of the latest reminder sent to this number (whatever became of the
    booking since: cancelled, moved), if its appointment is not over."""
    for (key,) in db.execute(
            "SELECT dedupe_key FROM outbox WHERE purpose = ? AND to_number = ?"
            " AND state NOT IN (?, ?) ORDER BY id DESC LIMIT 5",
            [PURPOSE, phone, outbox.QUEUED, outbox.WITHDRAWN]).fetchall():
        booking_id = booking_of_key(key)
        found = bookings.booking_by_id(db, booking_id) if booking_id else None
        if found is not None and found.end > now:
            return found
    return None


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


def init_app(app: Flask, write: Write) -> None:
    """Let the outbox's sender queue due reminders before each of its rounds; `write`
    words the SMS (the caller's side knows the languages)."""

    def before_round(db: Database, now: datetime) -> int:
        return queue_due(db, app.extensions["hotline.schedule"], now,
                         app.config["HOTLINE_REMINDER_HOURS"], write,
                         morning=app.config.get("HOTLINE_REMINDER_MORNING"),
                         days=app.config["HOTLINE_REMINDER_DAYS"])

    outbox.before_each_round(app, before_round)
