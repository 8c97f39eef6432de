"""Caseworker appointments (table owned by schedules): book, cancel, reschedule, look up.

Two callers can never get the same caseworker at the same time: every write runs in
one BEGIN IMMEDIATE transaction (SQLite lets one writer in at a time) that checks for
overlapping bookings before it inserts, and a partial unique index on (caseworker,
start) of booked rows stops anything that slips past. Times are stored in UTC as ISO
8601 strings of one fixed shape, so that comparing the strings compares the times, and
again as Unix seconds for the slot search, which reads many of them.

A booking is "active" while it is booked and not yet over; booking codes are unique
among active bookings, so the six digits are free again once an appointment has passed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlite_utils import Database

import clock
import db as database
from db import atomic as db_atomic

from .config import BERLIN
from .model import Slot

BOOKED, CANCELLED = "booked", "cancelled"
CODE_DIGITS = 6
DEMO_CALL_PREFIX = "DEMO-"
_COLUMNS = ("id, code, token, call_sid, site_id, topic_id, caseworker_id, caseworker_name,"
            " start_utc, end_utc, status, phone, customer_number, language, created_at,"
            " cancelled_at, replaces, reminder_consent, reminder_state, caller_name,"
            " reminder_channel, reminder_round, reminder_reply")


class SlotTakenError(Exception):
    """The slot was booked by someone else (or has passed) before this caller could take it."""

    def __init__(self, slot: Slot):
        super().__init__(f"{slot.caseworker_id} at {slot.start.isoformat()} is no longer free")
        self.slot = slot


class BookingNotFoundError(LookupError):
    """No active booking has this code."""


@dataclass(frozen=True)
class Booking:
    """A booked (or cancelled) appointment; start and end in Europe/Berlin."""

    id: int
    code: str
    token: str
    call_sid: str | None
    site_id: str
    topic_id: str
    caseworker_id: str
    caseworker_name: str
    start: datetime
    end: datetime
    status: str
    phone: str | None
    customer_number: str | None
    language: str
    created_at: str
    cancelled_at: str | None
    replaces: int | None
    # Asked once at booking: remind by SMS the working day before? None: never asked.
    reminder_consent: bool | None = None
    reminder_state: str | None = None  # scheduled | queued | skipped (schedules/reminders.py)
    # Who is coming when no customer number is known: the name the caller gave
    # (personal, purged with the phone number).
    caller_name: str | None = None
    reminder_channel: str | None = None  # sms | call: how the caller chose to be reminded
    reminder_round: int | None = None  # 1 the day before, 2 the morning of the day
    reminder_reply: str | None = None  # confirmed | cancelled | moved | callback | stop

    @property
    def active(self) -> bool:
        return self.status == BOOKED


def utc_text(moment: datetime) -> str:
    """The one shape times are stored in: '2026-12-01T08:30:00+00:00'."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (Europe/Berlin or UTC)")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def migrate(db: Database) -> None:
    """Create the bookings table and its indexes if they are missing."""
    if "bookings" not in db.table_names():
        db["bookings"].create(
            {
                "id": int,
                "code": str,
                "token": str,
                "call_sid": str,
                "site_id": str,
                "topic_id": str,
                "caseworker_id": str,
                "caseworker_name": str,
                "start_utc": str,
                "end_utc": str,
                "start_ts": int,
                "end_ts": int,
                "status": str,
                "phone": str,
                "customer_number": str,
                "language": str,
                "created_at": str,
                "cancelled_at": str,
                "replaces": int,
            },
            pk="id",
            not_null={"code", "token", "site_id", "topic_id", "caseworker_id", "start_utc",
                      "end_utc", "start_ts", "end_ts", "status", "language", "created_at"},
        )
    columns = db["bookings"].columns_dict
    if "start_ts" not in columns:
        # Databases made before the slot search read Unix seconds: add and fill them.
        db.execute("ALTER TABLE bookings ADD COLUMN start_ts INTEGER")
        db.execute("ALTER TABLE bookings ADD COLUMN end_ts INTEGER")
        db.execute("UPDATE bookings SET start_ts = CAST(strftime('%s', start_utc) AS INTEGER),"
                   " end_ts = CAST(strftime('%s', end_utc) AS INTEGER)")
    if "reminder_consent" not in columns:
        # The SMS reminder (schedules/reminders.py). reminder_consent: 1 yes, 0 no (or
        # STOP), NULL never asked; personal (the caller's answer), purged. When it is due
        # (UTC), and scheduled | queued | skipped, with why it was skipped.
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_consent INTEGER")
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_due_at TEXT")
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_state TEXT")
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_note TEXT")
        # The answer to the reminder by SMS (confirmed | cancelled | stop) and when it
        # came: personal (the person's reply), purged.
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_reply TEXT")
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_reply_at TEXT")
    if "caller_name" not in columns:
        # Who is coming, for the caseworker, when the caller gave a name rather than a
        # customer number: personal, purged.
        db.execute("ALTER TABLE bookings ADD COLUMN caller_name TEXT")
    if "interpreter" not in columns:
        # The language an interpreter is booked for (issue 20): the caller's, when no
        # caseworker who speaks it had a slot. Not personal: kept like the language.
        db.execute("ALTER TABLE bookings ADD COLUMN interpreter TEXT")
    if "reminder_channel" not in columns:
        # Reminders by voice call (issue 21): sms | call, as chosen at booking, and which
        # reminder is next (1 the working day before, 2 the morning of the day).
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_channel TEXT")
        db.execute("ALTER TABLE bookings ADD COLUMN reminder_round INTEGER")
    # The reminders still to send, found by the outbox's sender every second.
    db.execute("CREATE INDEX IF NOT EXISTS bookings_reminder_due ON bookings (reminder_due_at)"
               " WHERE reminder_state = 'scheduled'")
    # The last line of defence against double booking.
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS bookings_active_slot"
               " ON bookings (caseworker_id, start_utc) WHERE status = 'booked'")
    # The slot search reads hundreds of bookings for a busy day; as whole seconds in a
    # covering index they cost a fraction of parsing the ISO text (see bench/bench_slots.py).
    db.execute("CREATE INDEX IF NOT EXISTS bookings_busy"
               " ON bookings (caseworker_id, start_ts, end_ts) WHERE status = 'booked'")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS bookings_token ON bookings (token)")
    db.execute("CREATE INDEX IF NOT EXISTS bookings_code ON bookings (code, start_utc)"
               " WHERE status = 'booked'")
    db.execute("CREATE INDEX IF NOT EXISTS bookings_phone ON bookings (phone, start_utc)"
               " WHERE status = 'booked'")
    db.execute("CREATE INDEX IF NOT EXISTS bookings_call ON bookings (call_sid)")
    if "reminder_offers" not in db.table_names():
        # Free slots offered to a reminded person who asked to move (VERSCHIEBEN, or 3 in
        # a voice reminder), to be chosen by number: no number, no name, only the times.
        db["reminder_offers"].create({"booking_id": int, "slots": str, "offered_at": str},
                                     pk="booking_id")
    if "slot_holds" not in db.table_names():
        db["slot_holds"].create(
            {"call_sid": str, "caseworker_id": str, "start_ts": int, "end_ts": int,
             "expires_ts": int},
            pk="call_sid",
        )
        db.execute("CREATE INDEX slot_holds_busy ON slot_holds (caseworker_id, start_ts)")


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


_atomic = db_atomic  # a transaction, or a savepoint inside a webhook's


def book(db: Database, slot: Slot, *, call_sid: str | None, phone: str | None,
         language: str = "de", customer_number: str | None = None,
         caller_name: str | None = None, now: datetime | None = None) -> Booking:
    """Book `slot` for the caller, or raise SlotTakenError so the dialogue offers the next one.

    Booking the same slot again in the same call (a Twilio retry) returns the booking
    already made instead of failing.
    """
    now = now or clock.now()
    with _atomic(db):
        if call_sid:
            again = _one(db, "call_sid = ? AND caseworker_id = ? AND start_utc = ?"
                             " AND status = 'booked'",
                         [call_sid, slot.caseworker_id, utc_text(slot.start)])
            if again is not None:
                return again
        _claim(db, slot, now, ignore_id=None)
        return _insert(db, slot, _new_code(db, now), call_sid=call_sid, phone=phone,
                       language=language, customer_number=customer_number,
                       caller_name=caller_name, now=now)


def note_interpreter(db: Database, booking_id: int, language: str | None) -> None:
    """Note on the booking that an interpreter for `language` is needed (None: none)."""
    db.execute("UPDATE bookings SET interpreter = ? WHERE id = ?", [language, booking_id])


def interpreter_for(db: Database, booking_id: int) -> str | None:
    row = db.execute("SELECT interpreter FROM bookings WHERE id = ?", [booking_id]).fetchone()
    return row[0] if row else None


def cancel(db: Database, code: str, now: datetime | None = None) -> Booking:
    """Cancel the active booking with this code; returns it as cancelled.

    Raises BookingNotFoundError when no active booking has the code (already cancelled,
    already over, or misheard).
    """
    now = now or clock.now()
    with _atomic(db):
        booking = _active_by_code(db, code, now)
        if booking is None:
            raise BookingNotFoundError(code)
        _release(db, booking.id, now)
    return _one(db, "id = ?", [booking.id])


def reschedule(db: Database, code: str, new_slot: Slot, *, call_sid: str | None = None,
               now: datetime | None = None) -> Booking:
    """Move a booking to `new_slot` in one step: the new slot is taken, then the old one freed.

    If the new slot is taken, SlotTakenError is raised and nothing changes; the caller
    keeps the old appointment. The booking code stays the same, so the caller need not
    write down a new one. A retry of the same move returns the moved booking.
    """
    now = now or clock.now()
    with _atomic(db):
        old = _active_by_code(db, code, now)
        if old is None:
            moved = _one(db, "code = ? AND caseworker_id = ? AND start_utc = ?"
                             " AND status = 'booked' AND replaces IS NOT NULL",
                         [code, new_slot.caseworker_id, utc_text(new_slot.start)])
            if moved is not None:
                return moved
            raise BookingNotFoundError(code)
        if (old.caseworker_id, old.start) == (new_slot.caseworker_id, new_slot.start) and \
                old.end == new_slot.end:
            return old
        _claim(db, new_slot, now, ignore_id=old.id)
        same_start = (old.caseworker_id, old.start) == (new_slot.caseworker_id, new_slot.start)
        if same_start:
            # Only a new length at the same time: the unique index on (caseworker, start)
            # must not see both rows, so the old one goes first (still one transaction).
            _release(db, old.id, now)
        moved = _insert(db, new_slot, old.code, call_sid=call_sid or old.call_sid,
                        phone=old.phone, language=old.language,
                        customer_number=old.customer_number, caller_name=old.caller_name,
                        now=now, replaces=old.id, reminder_consent=old.reminder_consent,
                        reminder_channel=old.reminder_channel)
        if not same_start:
            _release(db, old.id, now)
        return moved


def set_reminder_consent(db: Database, code: str, consent: bool,
                         now: datetime | None = None, channel: str = "sms") -> Booking | None:
    """Record the caller's answer to "remind you?" (by SMS or by a call) on the active
    booking; None if no active booking has the code."""
    now = now or clock.now()
    with _atomic(db):
        booking = _active_by_code(db, code, now)
        if booking is None:
            return None
        db.execute("UPDATE bookings SET reminder_consent = ?, reminder_channel = ? WHERE id = ?",
                   [int(consent), channel, booking.id])
    return _one(db, "id = ?", [booking.id])


def set_caller_name(db: Database, code: str, name: str,
                    now: datetime | None = None) -> Booking | None:
    """Record who is coming (the name the caller gave) on the active booking; None if no
    active booking has the code."""
    now = now or clock.now()
    with _atomic(db):
        booking = _active_by_code(db, code, now)
        if booking is None:
            return None
        db.execute("UPDATE bookings SET caller_name = ? WHERE id = ?", [name, booking.id])
    return _one(db, "id = ?", [booking.id])


def schedule_reminder(db: Database, booking_id: int, due: datetime, round_: int = 1) -> bool:
    """Store when the booking's reminder is due; False if it has one already."""
    return db.execute("UPDATE bookings SET reminder_due_at = ?, reminder_state = 'scheduled',"
                      " reminder_round = ? WHERE id = ? AND reminder_state IS NULL",
                      [utc_text(due), round_, booking_id]).rowcount == 1


def due_reminders(db: Database, now: datetime, limit: int = 500) -> list[Booking]:
    """Bookings (in any status) whose reminder is scheduled for `now` or earlier."""
    return _many(db, "reminder_state = 'scheduled' AND reminder_due_at <= ?"
                     f" ORDER BY reminder_due_at LIMIT {int(limit)}", [utc_text(now)])


def set_reminder_state(db: Database, booking_id: int, state: str, *, note: str | None = None,
                       due: datetime | None = None, round_: int | None = None) -> None:
    """Move a reminder on: queued, skipped (with why), or scheduled for later (`due`),
    perhaps as the next round (the morning of the day)."""
    db.execute("UPDATE bookings SET reminder_state = ?, reminder_note = ?,"
               " reminder_due_at = COALESCE(?, reminder_due_at),"
               " reminder_round = COALESCE(?, reminder_round) WHERE id = ?",
               [state, note, utc_text(due) if due else None, round_, booking_id])


def record_reply(db: Database, booking_id: int, reply: str, now: datetime) -> None:
    """The person's answer to the reminder (confirmed | cancelled | stop), on the booking."""
    db.execute("UPDATE bookings SET reminder_reply = ?, reminder_reply_at = ? WHERE id = ?",
               [reply, utc_text(now), booking_id])


def moved_to(db: Database, booking_id: int) -> Booking | None:
    """The booking that replaced this one (a move), following later moves too."""
    found = None
    for _ in range(20):  # a chain of moves, never a circle; bounded all the same
        later = _one(db, "replaces = ? ORDER BY id DESC", [booking_id])
        if later is None:
            return found
        found, booking_id = later, later.id
    return found


def withdraw_consent(db: Database, phone: str, now: datetime) -> list[Booking]:
    """STOP from this number: no reminder for any of its upcoming bookings; returns them."""
    upcoming = _many(db, "phone = ? AND status = 'booked' AND end_utc > ?",
                     [phone, utc_text(now)])
    for booking in upcoming:
        db.execute("UPDATE bookings SET reminder_consent = 0 WHERE id = ?", [booking.id])
    return upcoming


def latest_for_phone(db: Database, phone: str, now: datetime) -> Booking | None:
    """The number's most recently made booking not yet over, booked or cancelled."""
    return _one(db, "phone = ? AND end_utc > ? ORDER BY id DESC", [phone, utc_text(now)])


def find_booking(db: Database, code: str, now: datetime | None = None) -> Booking | None:
    """The active booking with this six-digit code, or None."""
    return _active_by_code(db, code, now or clock.now())


def booking_by_token(db: Database, token: str) -> Booking | None:
    """The booking behind a calendar link, whatever its status."""
    return _one(db, "token = ?", [token])


def booking_by_id(db: Database, booking_id: int) -> Booking | None:
    """The booking with this row id, whatever its status."""
    return _one(db, "id = ?", [booking_id])


def booking_for_call(db: Database, call_sid: str) -> Booking | None:
    """The booking made (or moved) during this call, if it is still booked."""
    return _one(db, "call_sid = ? AND status = 'booked' ORDER BY id DESC", [call_sid])


def bookings_for_phone(db: Database, phone: str, day: date | None = None,
                       now: datetime | None = None) -> list[Booking]:
    """The caller's active bookings in start order, only those on `day` (Berlin) if given."""
    now = now or clock.now()
    lower, upper = utc_text(now), "9999"
    if day is not None:
        lower = max(lower, utc_text(datetime.combine(day, time(0), tzinfo=BERLIN)))
        upper = utc_text(datetime.combine(day + timedelta(days=1), time(0), tzinfo=BERLIN))
    return _many(db, "phone = ? AND status = 'booked' AND end_utc > ? AND start_utc < ?"
                     " ORDER BY start_utc", [phone, lower, upper])


def booked_times(db: Database, caseworker_ids: list[str], start: datetime,
                 end: datetime) -> list[tuple[str, int, int]]:
    """(caseworker, start, end) in Unix seconds of booked appointments starting in [start, end).

    Reads only the window, through a covering (caseworker, start, end) index.
    Appointments never cross midnight (configured hours end by 24:00), so a window of
    whole local days holds every appointment touching those days.
    """
    if not caseworker_ids:
        return []
    marks = ",".join("?" * len(caseworker_ids))
    return db.execute(
        f"SELECT caseworker_id, start_ts, end_ts FROM bookings"
        f" WHERE status = 'booked' AND caseworker_id IN ({marks})"
        f" AND start_ts >= ? AND start_ts < ?",
        [*caseworker_ids, int(start.timestamp()), int(end.timestamp())],
    ).fetchall()


# How long a slot offered on the phone stays out of other callers' offers: long enough
# to hear the offer and say yes, short enough that a caller who hangs up frees it soon.
HOLD_SECONDS = 120


def hold(db: Database, slot: Slot, call_sid: str, now: datetime,
         seconds: int = HOLD_SECONDS) -> None:
    """Keep `slot` out of other callers' offers while this caller decides (one per call).

    A hold is no booking: `book` still decides who gets the slot, and a caller whose
    hold expired can still book it if nobody else did.
    """
    with _atomic(db):
        db.execute("DELETE FROM slot_holds WHERE expires_ts < ?", [int(now.timestamp())])
        db.execute("INSERT INTO slot_holds"
                   " (call_sid, caseworker_id, start_ts, end_ts, expires_ts)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_sid) DO UPDATE SET"
                   " caseworker_id = excluded.caseworker_id, start_ts = excluded.start_ts,"
                   " end_ts = excluded.end_ts, expires_ts = excluded.expires_ts",
                   [call_sid, slot.caseworker_id, int(slot.start.timestamp()),
                    int(slot.end.timestamp()), int(now.timestamp()) + seconds])


def release_hold(db: Database, call_sid: str) -> None:
    db.execute("DELETE FROM slot_holds WHERE call_sid = ?", [call_sid])


def held_times(db: Database, caseworker_ids: list[str], start: datetime, end: datetime,
               for_call: str, now: datetime | None) -> list[tuple[str, int, int]]:
    """(caseworker, start, end) of slots other calls hold right now, starting in [start, end)."""
    if not caseworker_ids:
        return []
    moment = int((now or clock.now()).timestamp())
    marks = ",".join("?" * len(caseworker_ids))
    return db.execute(
        f"SELECT caseworker_id, start_ts, end_ts FROM slot_holds"
        f" WHERE caseworker_id IN ({marks}) AND start_ts >= ? AND start_ts < ?"
        f" AND call_sid != ? AND expires_ts >= ?",
        [*caseworker_ids, int(start.timestamp()), int(end.timestamp()), for_call, moment],
    ).fetchall()


def demo_bookings_ahead(db: Database, now: datetime) -> int:
    """How many demo bookings (`seed_demo`'s) are still to come."""
    return db.execute("SELECT count(*) FROM bookings WHERE status = 'booked'"
                      " AND call_sid LIKE ? AND end_utc > ?",
                      [DEMO_CALL_PREFIX + "%", utc_text(now)]).fetchone()[0]


def purge_personal_data(db: Database, before: str) -> int:
    """Remove phone and customer numbers and the caller's answers (how to be reminded,
    the reply, slots offered to move to) from bookings that ended before `before` (UTC ISO)."""
    db.execute("DELETE FROM reminder_offers WHERE booking_id IN"
               " (SELECT id FROM bookings WHERE end_utc < ?)", [before])
    return db.execute(
        "UPDATE bookings SET phone = NULL, customer_number = NULL, caller_name = NULL,"
        " reminder_consent = NULL, reminder_reply = NULL, reminder_reply_at = NULL,"
        " reminder_channel = NULL"
        " WHERE end_utc < ? AND (phone IS NOT NULL OR customer_number IS NOT NULL"
        " OR caller_name IS NOT NULL OR reminder_consent IS NOT NULL"
        " OR reminder_reply IS NOT NULL OR reminder_channel IS NOT NULL)", [before]).rowcount


def _claim(db: Database, slot: Slot, now: datetime, ignore_id: int | None) -> None:
    """Raise SlotTakenError unless the caseworker is free for the whole slot (inside a write)."""
    if slot.start <= now:
        raise SlotTakenError(slot)
    clash = db.execute(
        "SELECT id FROM bookings WHERE caseworker_id = ? AND status = 'booked'"
        " AND start_utc < ? AND end_utc > ? AND id IS DISTINCT FROM ? LIMIT 1",
        [slot.caseworker_id, utc_text(slot.end), utc_text(slot.start), ignore_id],
    ).fetchone()
    if clash is not None:
        raise SlotTakenError(slot)


def _release(db: Database, booking_id: int, now: datetime) -> None:
    db.execute("UPDATE bookings SET status = ?, cancelled_at = ? WHERE id = ?",
               [CANCELLED, utc_text(now), booking_id])


def _insert(db: Database, slot: Slot, code: str, *, call_sid, phone, language,
            customer_number, now: datetime, replaces: int | None = None,
            reminder_consent: bool | None = None, caller_name: str | None = None,
            reminder_channel: str | None = None) -> Booking:
    try:
        booking_id = db.execute(
            "INSERT INTO bookings (code, token, call_sid, site_id, topic_id, caseworker_id,"
            " caseworker_name, start_utc, end_utc, start_ts, end_ts, status, phone,"
            " customer_number, language, created_at, replaces, reminder_consent, caller_name,"
            " reminder_channel)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [code, secrets.token_urlsafe(24), call_sid, slot.site_id, slot.topic_id,
             slot.caseworker_id, slot.caseworker_name, utc_text(slot.start), utc_text(slot.end),
             int(slot.start.timestamp()), int(slot.end.timestamp()), BOOKED, phone,
             customer_number, language, utc_text(now), replaces,
             None if reminder_consent is None else int(reminder_consent), caller_name,
             reminder_channel],
        ).fetchone()[0]
    except database.IntegrityError as error:
        if "bookings_active_slot" in str(error) or "caseworker_id" in str(error):
            raise SlotTakenError(slot) from error
        raise
    return _one(db, "id = ?", [booking_id])


def _new_code(db: Database, now: datetime) -> str:
    """Six random digits that no active booking uses (checked inside the write transaction)."""
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if _active_by_code(db, code, now) is None:
            return code


def _active_by_code(db: Database, code: str, now: datetime) -> Booking | None:
    code = "".join(ch for ch in str(code) if ch.isdigit())
    return _one(db, "code = ? AND status = 'booked' AND end_utc > ? ORDER BY start_utc",
                [code, utc_text(now)])


def _one(db: Database, where: str, params: list) -> Booking | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM bookings WHERE {where} LIMIT 1", params).fetchone()
    return _booking(row) if row else None


def _many(db: Database, where: str, params: list) -> list[Booking]:
    return [_booking(row) for row in
            db.execute(f"SELECT {_COLUMNS} FROM bookings WHERE {where}", params).fetchall()]


def _booking(row: tuple) -> Booking:
    (id_, code, token, call_sid, site_id, topic_id, caseworker_id, caseworker_name, start,
     end, status, phone, customer_number, language, created_at, cancelled_at, replaces,
     consent, reminder_state, caller_name, reminder_channel, reminder_round,
     reminder_reply) = row
    return Booking(
        id=id_, code=code, token=token, call_sid=call_sid, site_id=site_id, topic_id=topic_id,
        caseworker_id=caseworker_id, caseworker_name=caseworker_name or "",
        start=datetime.fromisoformat(start).astimezone(BERLIN),
        end=datetime.fromisoformat(end).astimezone(BERLIN), status=status, phone=phone,
        customer_number=customer_number, language=language, created_at=created_at,
        cancelled_at=cancelled_at, replaces=replaces,
        reminder_consent=None if consent is None else bool(consent),
        reminder_state=reminder_state, caller_name=caller_name,
        reminder_channel=reminder_channel, reminder_round=reminder_round,
        reminder_reply=reminder_reply,
    )
