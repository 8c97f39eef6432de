"""Reminders by voice: the webhooks of the short call the outbox places the day before.

Twilio detects an answering machine first (AnsweredBy, DetectMessageEnd): a mailbox
hears only that the job centre asks to be called back, nothing about the appointment.
A person is asked for the booked one by the booking code's last three digits; only
after the key 1 does the call say the day, time and site, then: 1 confirms, 2 cancels
(asked once; the slot is free at once), 3 offers the next free slots by key (9: a call
back instead). What the person chose is kept on the booking (`reminder_reply`), and how
the call went on its outbox row (delivered, or undelivered with mailbox / no-answer /
busy), which the supervisors' figures count.

Every webhook is signed, and answers only for the number the booking was made from.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Response, current_app, request, url_for

import clock
import db as database
import outbox
from routing import callbacks
from routing.topics import topic_for_intent
from schedules import reminders
from schedules import store as bookings
from schedules.spoken import spoken_when

from . import prompts, twiml
from .effects import callback_window
from .signatures import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("reminder_calls", __name__, url_prefix="/voice/reminder")

MACHINES = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other",
            "fax")
KEY_TIMEOUT_S = 8


def _app():
    return current_app._get_current_object()


def _now() -> datetime:
    return clock.now()


def _booking(db) -> bookings.Booking | None:
    """The booking this call reminds of, if the call went to the booking's number."""
    booking_id = request.args.get("booking", type=int)
    found = bookings.booking_by_id(db, booking_id) if booking_id else None
    if found is None or not found.phone or request.form.get("To") != found.phone:
        return None
    return found


def _round() -> int:
    return 2 if request.args.get("round") == "2" else 1


def _url(name: str, booking: bookings.Booking) -> str:
    return url_for(f"reminder_calls.{name}", booking=booking.id, round=_round())


def _text(lang: str, key: str, **params) -> str:
    return prompts.text(lang, key, schedule=_app().extensions["hotline.schedule"], **params)


def _lang(booking: bookings.Booking) -> str:
    return booking.language if booking.language in prompts.available_languages() else "de"


def _moment(booking: bookings.Booking, lang: str) -> str:
    return spoken_when(booking.start, lang, _now())


def _voice():
    return _app().extensions["hotline.voice"]


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _bye(lang: str, key: str = "reminder_call_bye", **params) -> Response:
    return _xml(twiml.say_and_hang_up([_text(lang, key, **params)], lang, _voice()))


def _nobody() -> Response:
    """Not a call we placed to this booking's number: say nothing, hang up."""
    return _xml(twiml.hang_up())


@bp.post("/answer")
@twilio_signed
def answer():
    """The call was answered: a mailbox gets the request to call back, a person the
    question whether they are the one booked."""
    db = database.get_db()
    booking = _booking(db)
    if booking is None:
        return _nobody()
    lang = _lang(booking)
    answered_by = request.form.get("AnsweredBy", "")
    with database.transaction(db):
        outbox.record_call_status(db, reminders.reminder_key(booking.id, _round()), "completed",
                                  answered_by, _now())
    if answered_by in MACHINES:
        log.info("Voice reminder for booking %s reached a mailbox", booking.id)
        return _xml(twiml.say_and_hang_up([_text(lang, "reminder_call_mailbox")], lang,
                                          _voice()))
    return _xml(twiml.keypad([_text(lang, "reminder_call_who", digits_tail=booking.code[-3:])],
                             lang, _voice(), _url("who", booking), timeout_s=KEY_TIMEOUT_S,
                             after=[_text(lang, "reminder_call_bye")]))


@bp.post("/who")
@twilio_signed
def who():
    """1: it is the booked person: now the appointment, and what they can do."""
    db = database.get_db()
    booking = _booking(db)
    if booking is None:
        return _nobody()
    lang = _lang(booking)
    if request.form.get("Digits") != "1":
        return _bye(lang)
    if not booking.active:
        later = bookings.moved_to(db, booking.id)
        if later is None or not later.active:
            return _bye(lang, "reminder_call_gone")
        return _bye(lang, "reminder_call_moved", moment=_moment(later, lang),
                    place_site=later.site_id)
    return _menu(booking, lang)


def _menu(booking: bookings.Booking, lang: str) -> Response:
    return _xml(twiml.keypad(
        [_text(lang, "reminder_call_details", moment=_moment(booking, lang),
               place_site=booking.site_id), _text(lang, "reminder_call_menu")],
        lang, _voice(), _url("choice", booking), timeout_s=KEY_TIMEOUT_S,
        after=[_text(lang, "reminder_call_bye")]))


@bp.post("/choice")
@twilio_signed
def choice():
    """1 confirms, 2 asks once before cancelling, 3 offers other times."""
    db = database.get_db()
    booking = _booking(db)
    if booking is None or not booking.active:
        return _nobody()
    lang = _lang(booking)
    key = request.form.get("Digits", "")
    if key == "1":
        with database.transaction(db):
            bookings.record_reply(db, booking.id, reminders.CONFIRMED, _now())
        return _bye(lang, "reminder_call_confirmed")
    if key == "2":
        return _xml(twiml.keypad([_text(lang, "reminder_call_cancel_ask")], lang, _voice(),
                                 _url("cancel", booking), timeout_s=KEY_TIMEOUT_S,
                                 after=[_text(lang, "reminder_call_kept")]))
    if key == "3":
        return _offer(db, booking, lang)
    return _menu(booking, lang)


@bp.post("/cancel")
@twilio_signed
def cancel():
    """1: cancelled, the slot free for others at once; anything else keeps it."""
    db = database.get_db()
    booking = _booking(db)
    if booking is None:
        return _nobody()
    lang = _lang(booking)
    if request.form.get("Digits") != "1":
        return _bye(lang, "reminder_call_kept")
    with database.transaction(db):
        if booking.active:
            cancelled = bookings.cancel(db, booking.code, now=_now())
            reminders.withdraw(db, cancelled, "cancelled by a voice reminder", _now())
            bookings.record_reply(db, booking.id, reminders.CANCELLED, _now())
    return _bye(lang, "reminder_call_cancelled")


def _offer(db, booking: bookings.Booking, lang: str) -> Response:
    with database.transaction(db):
        slots = reminders.offer_slots(db, _app().extensions["hotline.schedule"], booking,
                                      _now())
        if not slots:
            _call_back(db, booking)
    if not slots:
        return _bye(lang, "reminder_call_callback")
    sentences = [_text(lang, "reminder_call_slots")]
    sentences += [_text(lang, f"reminder_call_slot_{n}",
                        moment=spoken_when(slot.start, lang, _now()))
                  for n, slot in enumerate(slots, 1)]
    sentences.append(_text(lang, "reminder_call_slot_callback"))
    return _xml(twiml.keypad(sentences, lang, _voice(), _url("slot", booking),
                             timeout_s=KEY_TIMEOUT_S, after=[_text(lang, "reminder_call_bye")]))


@bp.post("/slot")
@twilio_signed
def slot():
    """A key for one of the slots offered moves the booking there; 9 asks for a call back."""
    db = database.get_db()
    booking = _booking(db)
    if booking is None:
        return _nobody()
    lang = _lang(booking)
    key = request.form.get("Digits", "")
    app = _app()
    with database.transaction(db):
        if key == "9" or not booking.active:
            if booking.active:
                _call_back(db, booking)
            return _bye(lang, "reminder_call_callback" if booking.active else "reminder_call_gone")
        offered = reminders.offered(db, booking.id, _now())
        if not key.isdigit() or not 1 <= int(key) <= len(offered):
            return _bye(lang)
        try:
            moved = reminders.move_to(db, booking, offered[int(key) - 1],
                                      app.extensions["hotline.schedule"],
                                      app.config["HOTLINE_REMINDER_TIME"], _now(),
                                      app.config.get("HOTLINE_REMINDER_MORNING"),
                                      app.config["HOTLINE_REMINDER_DAYS"])
        except bookings.SlotTakenError:
            _call_back(db, booking)
            return _xml(twiml.say_and_hang_up(
                [_text(lang, "reminder_call_taken"), _text(lang, "reminder_call_callback")],
                lang, _voice()))
    return _bye(lang, "reminder_call_moved", moment=_moment(moved, lang),
                place_site=moved.site_id)


def _call_back(db, booking: bookings.Booking) -> None:
    """A callback about a new time, on the number this reminder called."""
    start, end = callback_window(_app().extensions["hotline.schedule"], None, _now())
    callbacks.request_callback(db, None, phone=booking.phone, confirmed_by="caller_id",
                               topic=topic_for_intent("reschedule_appointment"),
                               language=booking.language, site=booking.site_id,
                               intent="reschedule_appointment", window_start=start,
                               window_end=end, now=_now())
    bookings.record_reply(db, booking.id, reminders.CALLBACK, _now())


@bp.post("/status")
@twilio_signed
def status():
    """Twilio's status callback of the reminder call: answered, a mailbox, no answer, busy."""
    db = database.get_db()
    booking_id = request.args.get("booking", type=int)
    if booking_id is None:
        return Response("Missing booking\n", status=400, mimetype="text/plain")
    state = request.form.get("CallStatus", "")[:20]
    with database.transaction(db):
        outbox.record_call_status(db, reminders.reminder_key(booking_id, _round()), state,
                                  request.form.get("AnsweredBy", "")[:32], _now())
    return Response(status=204)
