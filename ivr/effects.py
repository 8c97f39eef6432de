"""Running the dialogue's queries: the calendar, the bookings and SMS, for one webhook.

The conversation stays pure by asking for what it needs (`conversation.Query`); this module
answers with plain data it can keep in the call state. Nothing here talks to Twilio's
REST API: an SMS goes into the outbox in the webhook's own transaction, and the outbox's
sender delivers it later (outbox.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import phonenumbers
from flask import current_app
from sqlite_utils import Database

import outbox
from cases import spoken as case_spoken
from cases import store as cases
from cases.model import STATUSES, Customer, lock_key
from conversation import Query
from routing import callbacks
from routing import store as routing
from routing.topics import topic_for_intent
from schedules import reminders
from schedules import store as bookings
from schedules.alternatives import nearest_slot, why_no_slot
from schedules.calendar import site_day
from schedules.caseworker_slots import find_with_caseworker
from schedules.config import BERLIN, Schedule
from schedules.hours import opening_facts
from schedules.model import Slot, Wish
from schedules.slots import find_slots
from schedules.spoken import phone_groups
from written import store as written_store

from . import prompts, store
from .call_site import call_site

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What a query may use: this call, the database (in the webhook's write), the calendar."""

    db: Database
    schedule: Schedule
    call_sid: str
    phone: str | None  # the caller id, if not withheld
    now: datetime
    public_url: str  # for links in SMS
    site_numbers: dict[str, str] = field(default_factory=dict)  # HOTLINE_SITE_NUMBERS
    # voice, or a written conversation (sms, chat: `call_sid` is then the conversation's
    # sid, and an identity proven is kept with it, in written.store).
    channel: str = "voice"

    def mark_verified(self, customer_number: str) -> None:
        if self.channel == "voice":
            store.mark_verified(self.db, self.call_sid, customer_number)
        else:
            written_store.mark_verified(self.db, self.call_sid, customer_number)

    def verified_customer(self) -> str | None:
        if self.channel == "voice":
            return store.verified_customer(self.db, self.call_sid)
        return written_store.verified_customer(self.db, self.call_sid)


def is_mobile(number: str | None) -> bool:
    """A German (or other) mobile number that can receive an SMS."""
    return caller_line(number)[1]


def has_caller_id(number: str | None) -> bool:
    """Twilio reports withheld numbers as 'anonymous', 'restricted' and the like."""
    return caller_line(number)[0]


# Twilio's placeholders for a withheld caller id: the words spelled on a keypad, sent in
# `From` as if they were numbers (ANONYMOUS, UNKNOWN, UNAVAILABLE, RESTRICTED, BLOCKED,
# PRIVATE). Nobody can be called back on them.
PLACEHOLDER_CALLER_IDS = frozenset({
    "266696687", "8656696", "86282452253", "7378742833", "2562533", "7748283"})


def is_placeholder(number: str) -> bool:
    """A number Twilio puts in `From` when the caller withheld theirs."""
    digits = re.sub(r"\D", "", number)
    return number.strip().startswith("+") and digits in PLACEHOLDER_CALLER_IDS


def caller_line(number: str | None) -> tuple[bool, bool]:
    """(a caller id was sent, it is a mobile that can receive an SMS), parsed once."""
    if not number or is_placeholder(number):
        return False, False
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return False, False
    # number_type is UNKNOWN for an invalid number: it runs is_valid_number's own test,
    # which asked again cost as much as the type (measured: 0.4% of a request).
    mobile = phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.is_possible_number(parsed), mobile


def run(query: Query, ctx: Context):
    return HANDLERS[query.kind](ctx, **query.args)


def booking_data(booking: bookings.Booking) -> dict:
    """A booking as the softphone's summary and the call state carry it."""
    return {"code": booking.code, "site": booking.site_id, "topic": booking.topic_id,
            "caseworker": booking.caseworker_name, "start": booking.start.isoformat()}


def find_slot(ctx: Context, site: str, topic: str, wish: dict, exclude: list, lang: str,
              avoid: list = ()):
    """The free slot nearest the wish (a slot's plain data): with a caseworker who speaks
    the caller's language if one has a slot, else with anyone, an interpreter noted
    (`interpreter` in the slot's data, for a language other than the hotline's first).
    `avoid` holds offers the caller refused, whose half-days are skipped.

    When nothing fits: ``{"nearest": slot or None, "day": ISO date, "why": reason}``,
    the day and why it has no slot only when the wish named one day
    (schedules.alternatives), for the caller to hear before the nearest slot instead.
    """
    topic = topic if topic in ctx.schedule.topics else _fallback_topic(ctx.schedule)
    wanted = Wish.from_dict(wish or {})
    exclude = [datetime.fromisoformat(s) for s in exclude]
    avoid = [datetime.fromisoformat(s) for s in avoid]
    spoken = routing_language(lang)
    first = routing_language(current_app.config["HOTLINE_LANGUAGES"][0])
    interpreter = None
    found = []
    for language in ((spoken, None) if spoken != first else (None,)):
        found = find_slots(ctx.db, ctx.schedule, site, topic, wanted, now=ctx.now, limit=1,
                           language=language, exclude=exclude, avoid=avoid,
                           for_call=ctx.call_sid)
        if found:
            interpreter = spoken if spoken != first and language is None else None
            break
    nearest = found[0] if found else nearest_slot(
        ctx.db, ctx.schedule, site, topic, wanted, ctx.now, exclude=exclude, avoid=avoid,
        for_call=ctx.call_sid)
    if nearest is not None:
        # Held for this caller while they decide, so others on the line get other slots.
        bookings.hold(ctx.db, nearest, ctx.call_sid, ctx.now)
    if found:
        slot = _offered(ctx.schedule, nearest)
        if interpreter:
            slot["interpreter"] = interpreter
        return slot
    missed = {"nearest": _offered(ctx.schedule, nearest) if nearest else None}
    if wanted.on is not None:
        missed["day"] = wanted.on.isoformat()
        missed["why"] = why_no_slot(ctx.schedule, site, topic, wanted.on, wanted.part_of_day,
                                    ctx.now)
    return missed


def find_caseworker_slot(ctx: Context, caseworker: str | None, team: str | None,
                         site: str | None, topic: str, wish: dict, exclude: list, lang: str):
    """A slot with the caseworker (or the case's team) asked for, or the nearest choice
    and why it is not with them (schedules/caseworker_slots.py)."""
    if caseworker is not None and caseworker not in ctx.schedule.caseworkers:
        return {"no_team": True}  # gone from the schedule since: anyone will do
    topic = topic if topic in ctx.schedule.topics else _fallback_topic(ctx.schedule)
    found = find_with_caseworker(ctx.db, ctx.schedule, site, topic, Wish.from_dict(wish or {}),
                                 ctx.now, exclude=[datetime.fromisoformat(s) for s in exclude],
                                 for_call=ctx.call_sid, caseworker_id=caseworker, team=team)
    if found.no_team:
        return {"no_team": True}
    if found.slot is None:
        return None
    bookings.hold(ctx.db, found.slot, ctx.call_sid, ctx.now)
    return {"slot": _offered(ctx.schedule, found.slot), "with_them": found.with_them,
            "why": found.why,
            "back": found.back.isoformat() if found.back else None, "person": found.person}


def _offered(schedule: Schedule, slot: Slot) -> dict:
    """A slot's data to offer, with ``doors_closed`` when it starts while the site is
    closed to walk-ins: the caller hears it before saying yes."""
    return {**slot.to_dict(), **_doors(schedule, slot.site_id, slot.start)}


def _fallback_topic(schedule: Schedule) -> str:
    return "allgemein" if "allgemein" in schedule.topics else next(iter(schedule.topics))


def book(ctx: Context, slot: dict, lang: str, customer_number: str | None = None,
         caller_name: str | None = None):
    try:
        booking = bookings.book(ctx.db, Slot.from_dict(slot), call_sid=ctx.call_sid,
                                phone=ctx.phone, language=lang,
                                customer_number=customer_number, caller_name=caller_name,
                                now=ctx.now)
    except bookings.SlotTakenError:
        return {"taken": True}
    bookings.release_hold(ctx.db, ctx.call_sid)
    if slot.get("interpreter"):
        bookings.note_interpreter(ctx.db, booking.id, slot["interpreter"])
    return {"booking": booking_data(booking), **_entry(ctx.schedule, booking)}


def reschedule(ctx: Context, code: str, slot: dict, lang: str, customer_number=None):
    old = bookings.find_booking(ctx.db, code, now=ctx.now)
    try:
        booking = bookings.reschedule(ctx.db, code, Slot.from_dict(slot), call_sid=ctx.call_sid,
                                      now=ctx.now)
    except bookings.SlotTakenError:
        return {"taken": True}
    except bookings.BookingNotFoundError:
        return {"missing": True}
    if old is not None and old.id != booking.id:
        # The old time's reminder goes nowhere; the new time gets one if it was wanted.
        reminders.withdraw(ctx.db, old, "moved", ctx.now)
        if booking.reminder_consent:
            reminders.schedule_reminder(ctx.db, booking, ctx.schedule, _reminder_time(),
                                        ctx.now, _reminder_morning(), _reminder_days())
    return {"booking": booking_data(booking), **_entry(ctx.schedule, booking)}


def _entry(schedule: Schedule, booking: bookings.Booking) -> dict:
    """``{"doors_closed": True}`` when the appointment starts while the site is closed to
    walk-ins (appointment hours may be longer): the caller must hear how to get in."""
    return _doors(schedule, booking.site_id, booking.start)


def _doors(schedule: Schedule, site_id: str, start: datetime) -> dict:
    local = start.astimezone(BERLIN)
    day = site_day(schedule, site_id, local.date())
    return {} if day.doors_open(local.hour * 60 + local.minute) else {"doors_closed": True}


def find_booking(ctx: Context, code: str | None = None, by_phone: bool = False,
                 date: str | None = None, skip: list = ()):
    """A booking by its code, or (`by_phone`) the caller's next one, on `date` if given,
    but none of the codes in `skip` (those the caller said were not theirs)."""
    if code:
        found = bookings.find_booking(ctx.db, code, now=ctx.now)
        return booking_data(found) if found else None
    if by_phone and ctx.phone:
        day = datetime.fromisoformat(date).date() if date else None
        every = bookings.bookings_for_phone(ctx.db, ctx.phone, now=ctx.now)
        # One that would be read out just like one the caller said was not theirs (the
        # same time and place, another topic) is not read out again.
        not_theirs = {(b.start, b.site_id) for b in every if b.code in skip}
        left = [b for b in every if (b.start, b.site_id) not in not_theirs]
        found = [b for b in left if day is None or b.start.astimezone(BERLIN).date() == day]
        if found:
            return booking_data(found[0])
        # None on the day the caller named: their next one, said to be on another day,
        # which they confirm or not (the day may have been misheard or misremembered).
        return {**booking_data(left[0]), "other_day": date} if day and left else None
    return None


def cancel(ctx: Context, code: str):
    try:
        cancelled = bookings.cancel(ctx.db, code, now=ctx.now)
    except bookings.BookingNotFoundError:
        return None
    reminders.withdraw(ctx.db, cancelled, "cancelled", ctx.now)
    return booking_data(cancelled)


def send_sms(ctx: Context, code: str, lang: str):
    booking = bookings.find_booking(ctx.db, code, now=ctx.now)
    if booking is None or not is_mobile(ctx.phone):
        return {"sent": False}
    link = f"{ctx.public_url.rstrip('/')}/appointments/{booking.token}.ics"
    body = prompts.text(lang, "sms_confirmation", schedule=ctx.schedule,
                        at_start=booking.start.isoformat(), place_site=booking.site_id,
                        street_site=booking.site_id, code=booking.code, link=link)
    # Queued with the booking (same transaction); sent once by the outbox's sender.
    outbox.enqueue(ctx.db, to=ctx.phone, body=body, purpose="booking_confirmation",
                   key=f"{ctx.call_sid}:booking:{booking.code}", call_sid=ctx.call_sid,
                   now=ctx.now)
    return {"sent": True}


def booking_name(ctx: Context, code: str, name: str):
    """The name the caller gave after booking, on the booking (for the caseworker)."""
    booking = bookings.set_caller_name(ctx.db, code, name, now=ctx.now)
    return {"recorded": booking is not None}


def reminder_consent(ctx: Context, code: str, consent: bool, channel: str = "sms"):
    """The caller's answer to "remind you the working day before?" (by SMS or by a call),
    on the booking; a yes stores when the reminder is due (schedules/reminders.py)."""
    booking = bookings.set_reminder_consent(ctx.db, code, consent, now=ctx.now,
                                            channel=channel)
    if booking is None:
        return {"missing": True}
    if booking.reminder_consent:
        reminders.schedule_reminder(ctx.db, booking, ctx.schedule, _reminder_time(), ctx.now,
                                    _reminder_morning(), _reminder_days())
    return {"consent": bool(booking.reminder_consent), "channel": channel}


def _reminder_days() -> frozenset[int]:
    """HOTLINE_REMINDER_DAYS of the app answering this webhook."""
    return current_app.config["HOTLINE_REMINDER_DAYS"]


def _reminder_time() -> time:
    """HOTLINE_REMINDER_TIME of the app answering this webhook."""
    return current_app.config["HOTLINE_REMINDER_TIME"]


def _reminder_morning() -> time | None:
    """HOTLINE_REMINDER_MORNING: the second reminder on the day itself, or None."""
    return current_app.config.get("HOTLINE_REMINDER_MORNING")


def send_referral_sms(ctx: Context, number: str, lang: str, **office: str):
    """Another office's number by SMS, queued with the turn like every SMS."""
    if not is_mobile(ctx.phone) or not number:
        return {"sent": False}
    # Written as the office writes it, in the groups the caller just heard ("0800 4 5555
    # 30"); an office known only by its number in groups as any number is written.
    office["office_figures"] = office.get("office_figures") or " ".join(phone_groups(number))
    body = prompts.text(lang, "sms_referral", **office)
    outbox.enqueue(ctx.db, to=ctx.phone, body=body, purpose="referral",
                   key=f"{ctx.call_sid}:referral:{number}", call_sid=ctx.call_sid, now=ctx.now)
    return {"sent": True}


ABSENCE_REASONS = {"sick": "krank", "child": "Kind krank", "interview": "Vorstellungsgespräch"}


def absence_note(ctx: Context, day: str | None, reason: str, lang: str,
                 customer_number: str | None = None):
    """An absence from a letter's appointment, for the team: a callback with a note,
    shown in the agent console like any callback (needs the caller's number)."""
    known, _ = caller_line(ctx.phone)
    if not known:
        return {"recorded": False}
    spoken_day = case_spoken.day(day, lang, ctx.now.astimezone(BERLIN).date()) if day else ""
    when = f"am {case_spoken.day(day, 'de')}" if day else "Datum nicht genannt"
    note = (f"Kann zu einem Termin aus einem Brief nicht kommen: {when}. "
            f"Grund: {ABSENCE_REASONS.get(reason, 'krank')}.")
    if customer_number:
        note += f" Kundennummer: {customer_number}."
    callbacks.request_callback(ctx.db, ctx.call_sid, phone=ctx.phone, confirmed_by="caller_id",
                               topic=topic_for_intent("report_sick"), language=lang,
                               intent="report_sick", note=note,
                               site=call_site(ctx.db, ctx.call_sid, None, ctx.site_numbers),
                               now=ctx.now)
    return {"recorded": True, "day": spoken_day}


def opening_hours(ctx: Context, site: str | None, day: str | None, lang: str):
    """The facts of the hours asked about, as plain data (worded by conversation.hours_words)."""
    when = date.fromisoformat(day) if day else None
    return opening_facts(ctx.schedule, site, when, now=ctx.now).to_dict()


def send_address_sms(ctx: Context, site: str, lang: str):
    """A site's address and directions by SMS, queued with the turn like every SMS."""
    if not is_mobile(ctx.phone) or site not in ctx.schedule.sites:
        return {"sent": False}
    body = prompts.text(lang, "sms_address", schedule=ctx.schedule, town_site=site,
                        address_site=site)
    outbox.enqueue(ctx.db, to=ctx.phone, body=body, purpose="address",
                   key=f"{ctx.call_sid}:address:{site}", call_sid=ctx.call_sid, now=ctx.now)
    return {"sent": True}


def hotline_open(schedule: Schedule, now: datetime) -> bool:
    """Staffed now: some site of the job centre is open at this minute."""
    local = now.astimezone(BERLIN)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end
               for site in schedule.sites
               for start, end in site_day(schedule, site, local.date()).opening_hours)


def agents_open(ctx: Context, lang: str | None = None, interpreter: str | None = None) -> dict:
    """Staffed now, and whether anyone on duty speaks the caller's language. The
    hotline's first language counts as spoken whenever it is staffed (today's rule: its
    callers wait for whoever logs in), and so does a call that brings an interpreter."""
    open_now = hotline_open(ctx.schedule, ctx.now)
    first = routing_language(current_app.config["HOTLINE_LANGUAGES"][0])
    wanted = routing_language(lang or first)
    speakers = (not open_now or interpreter is not None or wanted == first
                or routing.speaks(ctx.db, wanted))
    return {"open": open_now, "speakers": speakers}


def routing_language(lang: str) -> str:
    """The language agents are skilled for: plain German (de-simple) is German."""
    return lang.split("-", 1)[0]


# When "vormittags" and "nachmittags" are, for the callback window.
CALLBACK_WINDOWS = {"morning": (time(8), time(12)), "afternoon": (time(12), time(18))}


def callback_window(schedule: Schedule, part: str | None, now: datetime):
    """The next open day's morning or afternoon (from now on), or no window at all."""
    if part not in CALLBACK_WINDOWS:
        return None, None
    first, last = CALLBACK_WINDOWS[part]
    local = now.astimezone(BERLIN)
    for ahead in range(0, 21):
        day = local.date() + timedelta(days=ahead)
        start = datetime.combine(day, first, tzinfo=BERLIN)
        end = datetime.combine(day, last, tzinfo=BERLIN)
        if end <= local or not any(site_day(schedule, s, day).opening_hours
                                   for s in schedule.sites):
            continue
        return max(start, local), end
    return None, None


def request_callback(ctx: Context, lang: str, intent: str | None = None,
                     confirmed_by: str = "caller_id", phone: str | None = None,
                     part_of_day: str | None = None, emergency: bool = False):
    number = phone or ctx.phone
    start, end = callback_window(ctx.schedule, part_of_day, ctx.now)
    made = callbacks.request_callback(
        ctx.db, ctx.call_sid, phone=number, confirmed_by=confirmed_by,
        topic=topic_for_intent("emergency" if emergency else intent), language=lang,
        intent="emergency" if emergency else intent, window_start=start, window_end=end,
        site=call_site(ctx.db, ctx.call_sid, None, ctx.site_numbers), now=ctx.now)
    return {"id": made.id}


# ----------------------------------------------------------------------------- status by phone


def _check_keys(ctx: Context, number: str | None) -> list[str]:
    """What failed identity checks are counted against: the customer, the caller id, the call."""
    keys = [f"call:{ctx.call_sid}"]
    if number:
        keys.append(f"customer:{lock_key(number)}")
    if has_caller_id(ctx.phone):
        keys.append(f"phone:{ctx.phone}")
    return keys


def identity_open(ctx: Context, number: str | None = None):
    """May this caller (and this customer number, if given) try an identity check now?"""
    if not cases.has_cases(ctx.db):
        # No case data imported (or cases not installed): every answer would be wrong.
        return {"unavailable": True}
    return {"locked": cases.is_locked(ctx.db, _check_keys(ctx, number), ctx.now)}


def check_identity(ctx: Context, number: str, birth_date: str):
    """Do customer number and birth date belong together? Marks the call verified if so."""
    keys = _check_keys(ctx, number)
    if cases.is_locked(ctx.db, keys, ctx.now):
        return {"ok": False, "locked": True}
    # Exactly one customer must match: a typed BA number (letter open) that fits two
    # customers born the same day identifies nobody.
    matches = [c for c in cases.find_customers(ctx.db, number) if c.birth_date == birth_date]
    if len(matches) != 1:
        cases.record_failed_check(ctx.db, keys, ctx.now)
        log.info("Identity check failed on call %s", ctx.call_sid)
        return {"ok": False, "locked": cases.is_locked(ctx.db, keys, ctx.now)}
    ctx.mark_verified(matches[0].customer_number)
    # The case's team: "mein Arbeitsvermittler" is found in it (conversation.people).
    return {"ok": True, "number": matches[0].customer_number, "team": matches[0].team}


def _verified(ctx: Context, number: str) -> Customer | None:
    """The customer, only if this very call proved to be them."""
    if ctx.verified_customer() != number:
        return None
    return cases.get_customer(ctx.db, number)


def payment_sentences(customer: Customer, lang: str, today: date) -> dict:
    """Why money may be missing, and what the caller can do, before the next payment.

    "Mein Geld ist nicht da" needs the reason (documents missing, an application still
    being decided) and the next step more than the date of a payment that may not come.
    """
    def text(key: str, **params) -> str:
        return prompts.text(lang, key, **params)

    sentences, documents = [], False
    known = [a for a in customer.applications
             if a.open and a.status in STATUSES and a.kind in case_spoken.KIND_NAMES["de"]]
    for application in known:
        facts = {"kind": case_spoken.kind(application.kind, lang),
                 "received": case_spoken.day(application.received, lang, today)}
        if application.status == "unterlagen_fehlen":
            sentences.append(text("payment_documents", **facts, documents=case_spoken.listing(
                application.missing_documents, lang)))
            documents = True
        else:
            sentences.append(text("payment_in_progress", **facts))
    if documents:
        sentences.append(text("payment_documents_next"))
    if (customer.payment_date and customer.payment_cents
            and customer.payment_date >= today.isoformat()):
        sentences.append(text("payment_next", amount=case_spoken.euros(
            customer.payment_cents, lang), day=case_spoken.day(customer.payment_date, lang,
                                                                today)))
    elif not sentences:
        return {"sentences": [text("payment_unknown")], "follow_up": True}
    return {"sentences": sentences, "follow_up": bool(known), "documents": documents}


def status_sentences(customer: Customer, purpose: str, lang: str, today: date) -> dict:
    """What to say about a case: whole sentences, and whether something is left to do.

    All or nothing: an application in a status (or of a kind) this version does not know
    makes the whole answer "no information", never a part of it.
    """
    def text(key: str, **params) -> str:
        return prompts.text(lang, key, **params)

    if purpose == "payment_status":
        return payment_sentences(customer, lang, today)
    applications = customer.applications
    if any(a.status not in STATUSES or a.kind not in case_spoken.KIND_NAMES["de"]
           for a in applications):
        return {"sentences": [text("status_unknown")], "follow_up": True}
    told = [a for a in applications if a.open] or sorted(
        applications, key=lambda a: a.received)[-1:]
    if not told:
        return {"sentences": [text("status_no_application")], "follow_up": True}
    sentences, documents = [], []
    for application in told:
        sentences.append(text(
            f"status_{application.status}", kind=case_spoken.kind(application.kind, lang),
            received=case_spoken.day(application.received, lang, today),
            documents=case_spoken.listing(application.missing_documents, lang)))
        if application.status == "unterlagen_fehlen":
            documents.extend(application.missing_documents)
    if not any(a.open for a in applications):
        sentences.insert(0, text("status_no_application"))
    follow_up = bool(documents) or any(a.status == "abgelehnt" for a in told)
    return {"sentences": sentences, "follow_up": follow_up, "documents": bool(documents)}


def case_status(ctx: Context, number: str, purpose: str, lang: str):
    """Say the status to a verified caller, and write what was said to the audit log."""
    customer = _verified(ctx, number)
    if customer is None:
        log.warning("Status asked on call %s without a matching identity check", ctx.call_sid)
        return {"refused": True}
    answer = status_sentences(customer, purpose, lang, ctx.now.astimezone(BERLIN).date())
    cases.record_disclosure(ctx.db, call_sid=ctx.call_sid, customer_number=number,
                            caller_number=ctx.phone, topic=purpose, channel=ctx.channel,
                            said=" ".join(answer["sentences"]), now=ctx.now)
    return answer


def send_case_sms(ctx: Context, number: str, lang: str):
    """The missing documents by SMS to the verified caller's mobile; audit-logged."""
    customer = _verified(ctx, number)
    if customer is None or not is_mobile(ctx.phone):
        return {"sent": False}
    documents = [d for a in customer.applications if a.status == "unterlagen_fehlen"
                 for d in a.missing_documents]
    if not documents:
        return {"sent": False}
    # No name and no number in the text: an SMS can be read by others on the phone.
    body = prompts.text(lang, "sms_documents", documents=case_spoken.listing(documents, lang))
    outbox.enqueue(ctx.db, to=ctx.phone, body=body, purpose="documents",
                   key=f"{ctx.call_sid}:documents", call_sid=ctx.call_sid, now=ctx.now)
    cases.record_disclosure(ctx.db, call_sid=ctx.call_sid, customer_number=number,
                            caller_number=ctx.phone, topic="documents", channel="sms",
                            said=body, now=ctx.now)
    return {"sent": True}


HANDLERS = {
    "agents_open": agents_open,
    "request_callback": request_callback,
    "find_slot": find_slot,
    "find_caseworker_slot": find_caseworker_slot,
    "booking_name": booking_name,
    "book": book,
    "reschedule": reschedule,
    "find_booking": find_booking,
    "cancel": cancel,
    "send_sms": send_sms,
    "reminder_consent": reminder_consent,
    "send_referral_sms": send_referral_sms,
    "absence_note": absence_note,
    "opening_hours": opening_hours,
    "send_address_sms": send_address_sms,
    "identity_open": identity_open,
    "check_identity": check_identity,
    "case_status": case_status,
    "send_case_sms": send_case_sms,
}
