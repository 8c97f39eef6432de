"""Booking, cancelling and moving a caseworker appointment by voice.

Whatever needs the calendar or the database is asked for with a `Query`; the phone side
runs it (ivr.effects) and hands the result back to the handler in `RESULTS`.

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  -------------
    book_topic      Geld / Arbeit / Beruf / arbeitslos (topic known)                 book_site ...
    book_topic,     a bare "ja" (ready to answer)     the question alone again, once (the same)
    book_site,
    book_when
    book_topic,     "Was für Themen gibt es denn?"    all the choices, once          (the same)
    book_site
    book_site       Waiblingen / Backnang / Schorndorf (site known)                  book_when ...
    book_when       "nächsten Dienstag vormittags"    looks for the nearest slot     book_offer
                    (a day gone by)                   "Der 30. November ist schon vorbei."
                    (a day with nothing free)         says why, offers the nearest   book_offer
    book_offer      yes                               books, reads it back slowly    book_sms ...
    book_offer      no                                offers another half-day        book_offer
    book_offer      no (the second time)              asks what suits them           book_when
    book_name       a name / no / silence             notes who is coming (if no     book_sms ...
                                                      customer number is known)
    book_sms        yes / no                          SMS with the .ics link         book_remind
    book_remind     yes / no (3: by a call instead)   notes the consent, SMS or call anything_else
    find_code       six digits / "weiß ich nicht"     looks the booking up (without  confirm_...
                                                      the code: by the caller's
                                                      number, on the day named)
    find_code       "ja" (they have it)               asks for its digits            find_code
    find_code       "wo steht die?"                   where it is written (the SMS;  confirm_...
                                                      a landline: said at booking),
                                                      then as without it
    find_code       a request of its own, clear       takes it up; the cancel or     (as listen)
                    ("Wo ist mein Geld?")             move is offered after it
    (a request)     "Wann war mein Termin nochmal?"   looks it up by the caller's    confirm_find
                                                      number (else asks the code)
    confirm_find    yes (looking it up)               that was the answer            anything_else
    confirm_find    yes / no                          (found by caller id) is it yours?
                                                      (moving: yes asks the new time) book_when
                                                      no: the number's next booking  confirm_find
                                                      (three in all), then a person
    confirm_cancel  yes / no                          cancels / keeps it             anything_else
    confirm_move    yes                               asks for the new day           book_when
    book_own        yes / a customer number           checks identity (.identity)    id_number ...
    book_own        no, "egal"                        anyone will do                 book_site ...
    (any of these)  a topic, site or day of its own   taken, said back, then the     (the next
                    ("am Mittwoch nachmittag")        missing question               one missing)
    (any of these)  a request of its own ("wann       "Sollen wir vorher noch den    finish_booking
                    kommt mein Geld?")                Termin fertig buchen?"
    finish_booking  yes / no, or the request again    the booking goes on / switches (as before) ...

A caseworker asked for by name ("bei Frau Keller") or as "mein Arbeitsvermittler" (found
in the case's team once the identity is checked) is searched for first; the site follows
from the person unless the caller named one, and the person is named in the offer and
the confirmation. When the slot cannot be with them, the caller hears why (away, fully
booked, not for that topic) before the nearest choice (schedules/caseworker_slots.py).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

from cases.model import InvalidCustomerNumberError, customer_number
from speech.names import about_appointment
from speech.understanding import Understanding

from .actions import Say, say
from .replies import (
    Failed,
    Reply,
    Switch,
    Talk,
    anything_else,
    ask,
    asked_before,
    query,
    transfer,
)
from .state import CallState, Turn, achieve

REFUSALS = 2  # offers refused before the caller is asked what suits them
# "Etwas später", "not that early": at least this long after the time offered; with
# nothing offered yet ("am Freitag, aber nicht so früh"), not before NOT_EARLY.
LATER_THAN_OFFER = timedelta(minutes=90)
NOT_EARLY = "10:00"
MAX_DAYS_AHEAD = 120  # further ahead than this is not bookable yet
# Bookings on the caller's number read out, one after the other "nein", before a person.
FOUND_BY_PHONE = 3
TOPIC_KEYS = {"1": "geldleistungen", "2": "arbeitsvermittlung", "3": "berufsberatung",
              "4": "arbeitslosmeldung"}
SITE_KEYS = {"1": "waiblingen", "2": "backnang", "3": "schorndorf"}
# What is said to "Was gibt es denn?" at a question: all its choices (the site question
# names all three already).
CHOICES = {"topic": "topic_choices", "site": "ask_site"}


# A booking looked for: to cancel it, to move it, or to say when it is (a caller who
# forgot: "Wann war mein Termin nochmal?", `Understanding.asks_when_booked`).
LOOK_UP = "booking_lookup"
CHANGE_MODES = {"cancel_appointment": "cancel", "reschedule_appointment": "reschedule",
                LOOK_UP: "look"}


def by_ordinal(keys: dict, ordinal: int | None) -> str | None:
    """The option an ordinal picks among those offered by key ("die letzte" is the last)."""
    if ordinal is None:
        return None
    if ordinal < 0:
        return list(keys.values())[ordinal] if len(keys) >= -ordinal else None
    return keys.get(str(ordinal))


# ----------------------------------------------------------------------------- starting


def start(t: Talk, intent: str, words: Understanding | None) -> Turn:
    """A new booking (with whatever the request already said), or a cancel or move."""
    state = t.state
    said = words if words is not None and words.text else None
    if intent == "book_appointment":
        state.booking = {
            "mode": "book",
            "topic": said.topic if said else None,
            # "Und kann ich da einen Termin bekommen?" after Backnang's hours: Backnang.
            "site": (said.get("site") or (state.site if said.means_there else None))
            if said else None,
            "wish": (_in_hours(said.wish, None) if said else {}) or None,
            "declined": [],
            "customer_number": _customer_number(said.entities) if said else None,
        }
        if said:
            note_whom(t, said)
            _who(state.booking, said.caller_name)
        # What the request already said is acknowledged before the next question.
        noted = {key: state.booking[key] for key in ("wish", "site", "topic")
                 if state.booking[key]}
        return next_question(state, t.heard.now, noted=noted, before=_other_office(t))
    state.booking = {"mode": CHANGE_MODES[intent],
                     "declined": [],
                     # The booking found is said as "heute" or "morgen" when it is.
                     "today": t.heard.now.date().isoformat()}
    if intent == "reschedule_appointment" and said and said.moved_to:
        # "Auf Donnerstag verschieben": the new day is not asked again once the booking
        # is found.
        state.booking["moved_to"] = _in_hours(said.moved_to, None)
    elif said and said.get("date"):
        # "Meinen Termin am Donnerstag verschieben": the day of the booking, which is
        # looked for on that day if it is looked for by the caller's number.
        state.booking["day"] = said.get("date")
    code = _booking_code(said.entities if said else {})
    if code:
        return query(state, "find_booking", {"code": code}, "find_booking")
    if intent == LOOK_UP and state.caller_id:
        # Who forgot when the appointment is has seldom kept its code: by the number.
        return _by_phone(state, {})
    return ask(state, [say("ask_code")], "code", "ask:code", step="find_code")


def next_question(state: CallState, now: datetime | None, noted: dict | None = None,
                  before=()) -> Turn:
    """Ask for what is still missing, or look for a slot when nothing is; first say what
    the caller told us without being asked (`noted`), so they know it was heard.

    `now` None: the wish was checked already (back from the identity check, whose
    results come without the moment of the turn)."""
    booking = state.booking
    given = list(before)
    which_day = bool((booking.get("wish") or {}).get("or_on"))
    if which_day and noted:
        # "Am Dienstag, den 14.", and the 14th is a Monday: the day is not said back, it
        # is asked about.
        noted = {key: value for key, value in noted.items() if key != "wish"}
    # The acknowledgement goes before a question; an offer says it all itself.
    before = [*given, *([say("noted", noted_facts=noted)] if noted else [])]
    if not booking.get("topic"):
        return ask(state, [*before, say("ask_topic")], "menu", "ask:topic", step="book_topic")
    if which_day:
        return _which_day(state, before)
    problem = _wish_problem(booking["wish"], now) if booking.get("wish") and now else None
    if problem:
        booking["wish"] = None
        return ask(state, [*before, problem, say("ask_when_example")], "request",
                   f"ask:when:{problem.key}", step="book_when")
    if booking.get("own") and not booking.get("team"):
        identity = state.identity or {}
        if identity.get("verified"):
            _own_team(booking, identity)
        else:
            return ask(state, [*before, say("ask_own_check")], "yes_no", "ask:own",
                       step="book_own")
    if not booking.get("site") and not (booking.get("caseworker") or booking.get("team")):
        return ask(state, [*before, say("ask_site")], "menu", "ask:site", step="book_site")
    if booking.get("wish") is None:
        return ask(state, [*before, say("ask_when")], "request", "ask:when", step="book_when")
    return _find_slot(state, before=given, now=now)


def with_anyone(state: CallState, now: datetime | None = None) -> Turn:
    """"Mein Arbeitsvermittler" without an identity check: an appointment with anyone."""
    booking = state.booking
    booking["own"] = False
    return next_question(state, now, before=[say("own_anyone")])


def after_identity(state: CallState, before=()) -> Turn:
    """Identity checked for "mein Arbeitsvermittler": the case's team is known now."""
    booking = state.booking
    _own_team(booking, state.identity or {})
    return next_question(state, None, before=before)


def _own_team(booking: dict, identity: dict) -> None:
    booking["own"] = False
    booking["team"] = identity.get("team") or None
    number = identity.get("number") or ""
    if "?" not in number:  # a typed BA number has no letter: only a whole one is kept
        booking["customer_number"] = number or booking.get("customer_number")


def note_whom(t: Talk, said: Understanding) -> None:
    """A caseworker asked for by name, or the caller's own."""
    booking = t.state.booking
    person = t.rules.caseworkers.named(said.caseworker)
    if person is not None:
        booking.update(caseworker=person.id, person=person.name, with_them=True)
    elif said.own_caseworker:
        booking.update(own=True, with_them=True)
        identity = t.state.identity or {}
        if identity.get("verified"):
            _own_team(booking, identity)


def booked_here(office, words: Understanding) -> bool:
    """Whether words that are another office's matter ask for an appointment on a topic
    booked here ("einen Termin, ich will mich arbeitslos melden"): the caller gets the
    appointment, and hears which office decides the matter (`_other_office`). A site and
    a day ask for one too, without the word ("arbeitslos melden, in Backnang, am Montag")."""
    if words.topic is None or words.topic not in office.booked_topics:
        return False
    return about_appointment(words.text) or (words.get("site") is not None and bool(words.wish))


def _other_office(t: Talk) -> list[Say]:
    """"Für die Arbeitslosmeldung ist die Agentur für Arbeit zuständig": said once, before
    the booking goes on, when its topic is another office's matter too."""
    booking = t.state.booking
    topic = booking.get("topic")
    if not topic or booking.get("office_said"):
        return []
    office = t.rules.referrals.for_topic(topic)
    if office is None:
        return []
    booking["office_said"] = True
    return [Say("referral", office.says(t.state.lang)), say("booking_after_referral")]


def _who(booking: dict, name: str | None) -> None:
    """The name the caller gives for themselves, kept for the booking (personal data)."""
    if name and not booking.get("caller_name"):
        booking["caller_name"] = name


def _customer_number(entities: dict) -> str | None:
    for found in (entities.get("customer_number"), entities.get("bg_number")):
        if found:
            try:
                return customer_number(found)
            except InvalidCustomerNumberError:
                return None
    return None


def _find_slot(state: CallState, before=(), now: datetime | None = None) -> Turn:
    booking = state.booking
    if now is not None:
        # Offers and confirmations say "heute" and "morgen" (the result comes back
        # within this webhook).
        booking["today"] = now.date().isoformat()
    if booking.get("caseworker") or booking.get("team"):
        return query(state, "find_caseworker_slot", {
            "caseworker": booking.get("caseworker"), "team": booking.get("team"),
            "site": booking.get("site"), "topic": booking["topic"], "wish": booking["wish"],
            "exclude": booking["declined"] + booking.get("taken", []), "lang": state.lang,
        }, "find_caseworker_slot", before=before)
    return query(state, "find_slot", {
        "site": booking["site"], "topic": booking["topic"], "wish": booking["wish"],
        "exclude": booking["declined"] + booking.get("taken", []), "lang": state.lang,
        "avoid": booking["declined"],
    }, "find_slot", before=before)


# ----------------------------------------------------------------------------- the steps


def fill(t: Talk) -> dict:
    """Everything this answer says about the appointment goes into the booking, whatever
    was asked: topic, site and when. Returns what it changed, to acknowledge it."""
    booking, words = t.state.booking, t.words
    changed = {}
    number = _customer_number(words.entities)
    if number and number != booking.get("customer_number"):
        # "Meine Kundennummer ist ...", said at any question: who is coming.
        booking["customer_number"] = changed["customer_number"] = number
    if words.topic and words.topic != booking.get("topic"):
        booking["topic"] = changed["topic"] = words.topic
    site_ = words.get("site")
    if site_ and site_ != booking.get("site"):
        booking["site"] = changed["site"] = site_
    offered = booking.get("offer") if t.state.step == "book_offer" else None
    said = _in_hours(words.wish, offered)
    if said and not (said.get("asap") and booking.get("wish")):
        # A later wish refines the earlier one ("Mittwoch" ... "lieber nachmittags").
        wish = {**(booking.get("wish") or {}), **said}
        if said.get("on"):
            for key in ("earliest", "latest"):
                wish.pop(key, None)
        # The newest of a time and "not before" counts ("um neun" ... "etwas später").
        if said.get("after"):
            wish.pop("time", None)
        elif said.get("time"):
            wish.pop("after", None)
        if said.get("after", "") >= "12:00" and wish.get("part_of_day") == "morning":
            wish.pop("part_of_day")
        if said.get("not_weekdays"):
            _rule_out_days(wish, booking.get("wish") or {}, said["not_weekdays"])
        if wish != booking.get("wish"):
            booking["wish"] = changed["wish"] = wish
            booking["declined"] = []
    return changed


def _answered(t: Talk, asked: str, chosen: str | None, confirm: bool = False) -> Reply:
    """The answer to the question about `asked` (topic, site or when): `chosen` if the
    caller chose by key or by name, plus whatever else they said. Something else said
    in its place is taken and acknowledged, and the question comes again; nothing at all
    is a failed turn."""
    booking = t.state.booking
    dropped = _dropped(t)
    if dropped is not None:
        return dropped
    other = _other_request(t) if chosen is None else None
    if other is not None:
        # "Moment, wann haben Sie heute offen?": a question of its own, whose words
        # ("heute") are not an answer to this one.
        return _switch(t, other)
    if chosen is not None:
        booking[asked] = chosen
        if asked == "wish":
            booking["declined"] = []
    changed = fill(t)
    if chosen is None and not changed and t.words.answer == "yes" and not booking.get("yes"):
        # A bare "ja" to "Worum geht es?", "Wann passt es Ihnen?": ready to say it, no
        # wrong answer. The question once more, without "nicht verstanden" (once a booking:
        # a second "ja" counts as a failed turn).
        booking["yes"] = True
        return ask(t.state, asked_before(t.state)[-1:], t.state.last_expect, f"ask:{asked}:yes")
    told = booking.get("choices_told", [])
    if chosen is None and not changed and asked in CHOICES and t.words.asks_choices \
            and asked not in told:
        # "Was für Themen gibt es denn?": a question asked back, no wrong answer. The
        # choices, once, without "nicht verstanden".
        booking["choices_told"] = [*told, asked]
        return ask(t.state, [say(CHOICES[asked])], t.state.last_expect, f"ask:{asked}:choices")
    if chosen is None and not changed:
        return Failed("when_not_understood" if asked == "wish" else "not_understood")
    noted = {key: value for key, value in changed.items()
             if (key != asked or confirm) and key != "customer_number"}
    if confirm and chosen is not None:
        noted[asked] = chosen
    return next_question(t.state, t.heard.now, noted=noted, before=_other_office(t))


def topic(t: Talk) -> Reply:
    if not t.words.key and t.words.asks and _other_request(t) is not None:
        # "Eigentlich will ich nur wissen, wann mein Geld kommt": the money is the
        # caller's question, not the appointment's subject.
        return _switch(t, _other_request(t))
    chosen = TOPIC_KEYS.get(t.words.key) or t.words.topic
    by_number = chosen is None and t.words.ordinal is not None
    if by_number:
        chosen = by_ordinal(TOPIC_KEYS, t.words.ordinal)  # "das Erste": said back, to be sure
    return _answered(t, "topic", chosen, confirm=by_number)


def site(t: Talk) -> Reply:
    chosen = SITE_KEYS.get(t.words.key) or t.words.get("site")
    by_number = chosen is None and t.words.ordinal is not None
    if by_number:
        chosen = by_ordinal(SITE_KEYS, t.words.ordinal)  # "die zweite": said back, to be sure
    return _answered(t, "site", chosen, confirm=by_number)


def when(t: Talk) -> Reply:
    booking = t.state.booking
    wish = _in_hours(t.words.wish, None)
    choices = booking.pop("day_choices", None)
    if choices:
        # The answer to "Montag, den 14., oder Dienstag, den 15.?": a day ("den Dienstag",
        # "der vierzehnte") or "das Erste"; the part of the day said before stays.
        if not wish.get("on") and t.words.ordinal in (1, 2, -1):
            wish = {**wish, "on": choices[t.words.ordinal - 1 if t.words.ordinal > 0 else -1]}
        if wish.get("on"):
            wish = {**(booking.get("wish") or {}), **wish}
        else:
            booking["day_choices"] = choices
    return _answered(t, "wish", wish or None)


def _which_day(state: CallState, before: list) -> Turn:
    """Ask which day the caller means when the weekday said does not fit the date."""
    booking = state.booking
    wish = booking["wish"]
    said, other = wish["on"], wish["or_on"]
    booking["day_choices"] = [said, other]
    booking["wish"] = {key: value for key, value in wish.items()
                       if key not in ("on", "or_on")} or None
    return ask(state, [*before, say("when_which_day", daymonth_day=said, weekday_day=said,
                                    date_day=said, date_other=other)],
               "request", "ask:when:which_day", step="book_when")


def _rule_out_days(wish: dict, earlier: dict, weekdays: list[int]) -> None:
    """Days ruled out add up ("Montag nicht" ... "Dienstag auch nicht"), and a day wished
    before that falls on one of them is no longer wished ("Montag geht doch nicht"): the
    days after it are, the time the caller had in mind."""
    wish["not_weekdays"] = sorted({*earlier.get("not_weekdays", ()), *weekdays})
    for key in ("on", "or_on"):
        if wish.get(key) and date.fromisoformat(wish[key]).weekday() in wish["not_weekdays"]:
            day = wish.pop(key)
            if key == "on" and not wish.get("earliest"):
                wish["earliest"] = day


def _in_hours(wish: dict, offered: dict | None) -> dict:
    """The caller's wish with "later" ("nicht so früh", "etwas später") said as the time of
    day nothing may start before: some while after the slot `offered`, or NOT_EARLY."""
    if not wish.get("later"):
        return wish
    wish = {key: value for key, value in wish.items() if key != "later"}
    if wish.get("time"):
        # "Nee, später, so gegen elf": the time named is what later means.
        if offered and not wish.get("on"):
            wish["earliest"] = offered["start"][:10]
        return wish
    if offered:
        start = datetime.fromisoformat(offered["start"])
        wish["after"] = (start + LATER_THAN_OFFER).strftime("%H:%M")
        if not wish.get("on"):
            wish["earliest"] = start.date().isoformat()  # later, not on an earlier day
    else:
        wish["after"] = NOT_EARLY
    return wish


def offer(t: Talk) -> Reply:
    state, words = t.state, t.words
    booking = state.booking
    dropped = _dropped(t) or _way_asked(t)
    if dropped is not None:
        return dropped
    if words.answer == "yes" or words.key == "1":
        booking["today"] = t.heard.now.date().isoformat()  # for the read-back
        kind = "reschedule" if booking["mode"] == "reschedule" else "book"
        args = {"slot": booking["offer"], "lang": state.lang,
                "customer_number": booking.get("customer_number")}
        if kind == "book":
            _who(booking, words.caller_name)  # "Ja, auf den Namen Schmid"
            if booking.get("caller_name"):
                args["caller_name"] = booking["caller_name"]
        if kind == "reschedule":
            args["code"] = booking["found"]["code"]
        return query(state, kind, args, kind)
    other = _other_request(t)
    if other is not None and not words.wish and not words.get("site") and not words.refuses:
        # "Moment, eigentlich wollte ich nur wissen, ob mein Antrag bearbeitet ist": a
        # request of its own, not a refusal of the time offered.
        return _switch(t, other)
    changed = fill(t)
    changed.pop("customer_number", None)  # noted for the booking; the offer stands
    if changed and not (set(changed) == {"wish"} and words.wish.get("asap")):
        # "Nein, lieber nachmittags", "nicht Backnang, Schorndorf": a correction is an
        # answer too, and leads straight to a new offer.
        return next_question(state, t.heard.now)
    if words.answer == "no" or words.key == "2" or words.refuses:
        booking["declined"].append(booking["offer"]["start"])
        if len(booking["declined"]) >= REFUSALS:
            booking["wish"] = None
            booking["declined"] = []
            return ask(state, [say("ask_what_suits")], "request", "ask:when:declined",
                       step="book_when")
        # The next offer is another half-day (schedules.slots: `avoid`).
        return _find_slot(state, now=t.heard.now)
    other = _other_request(t)
    if other is not None:
        return _switch(t, other)
    return Failed("not_understood")


# Requests that are not another way of saying something about this booking.
NOT_A_SWITCH = {"book_appointment", "out_of_scope", "agent", "emergency"}
# Cancelling or moving: at the booking code question, the request the caller is in.
CHANGES = {"cancel_appointment", "reschedule_appointment"}


def _dropped(t: Talk) -> Reply | None:
    """"Ach, vergessen Sie den Termin. Wo bleibt mein Geld?": the booking is given up, and
    what else was said is a new request if it is clearly one; None if not given up."""
    rest = t.words.without_booking
    if rest is None:
        return None
    t.state.booking = None
    before = (say("booking_dropped"),)
    words = t.about(rest) if rest else None
    recognition = words.recognition if words is not None else None
    if (recognition is not None and recognition.confident and not recognition.ambiguous
            and recognition.intent not in NOT_A_SWITCH):
        return Switch(recognition.intent, words, recognition, before=before)
    return anything_else(t.state, "booking:dropped", before=before)


def _other_request(t: Talk) -> str | None:
    """A request of its own, clearly heard, in the middle of a booking ("eigentlich
    wollte ich wissen, wann mein Geld kommt")."""
    recognition = t.recognition
    if (recognition is not None and recognition.confident and not recognition.ambiguous
            and recognition.intent not in NOT_A_SWITCH):
        return recognition.intent
    return None


def _switch(t: Talk, intent: str) -> Reply:
    """Go over to `intent`; when the booking is half done, ask first whether to finish it."""
    state, booking = t.state, t.state.booking
    if not any(booking.get(key) for key in ("topic", "site", "wish")):
        return Switch(intent, t.words, t.recognition)
    booking["paused"] = {"step": state.step, "ask": state.last_ask,
                         "expect": state.last_expect}
    state.candidates = [intent]
    state.request_text = t.words.text
    return ask(state, [say("finish_booking_first")], "yes_no", f"switch:{intent}",
               step="finish_booking")


def finish_booking(t: Talk) -> Reply:
    """The answer to "Sollen wir zuerst den Termin fertig buchen?"."""
    state, words, recognition = t.state, t.words, t.recognition
    intent = state.candidates[0] if state.candidates else None
    named_again = (recognition is not None and recognition.intent == intent
                   and recognition.score >= 0.3)
    if intent and (words.answer == "no" or words.key == "2" or named_again):
        state.booking.pop("paused", None)
        return Switch(intent, t.about(f"{state.request_text} {words.text}".strip()),
                      recognition if named_again else None)
    if words.answer == "yes" or words.key == "1" or BOOK_WORDS.search(words.folded):
        paused = state.booking.pop("paused", None) or {}
        state.candidates = []
        state.request_text = ""
        state.step = paused.get("step", "book_when")
        prompts = [say(item[0], **item[1]) for item in paused.get("ask", [])]
        return ask(state, prompts or [say("ask_when")], paused.get("expect", "request"),
                   "switch:kept_booking")
    return Failed("not_understood")


BOOK_WORDS = re.compile(r"\b(termin\w*|buchen|appointment|book)\b")


def own(t: Talk) -> Reply:
    """The answer to "Möchten Sie Ihre Kundennummer angeben?" (for "mein Arbeitsvermittler")."""
    state, words = t.state, t.words
    number = _customer_number(words.entities)
    if number or words.answer == "yes" or words.key == "1":
        state.identity = {**(state.identity or {}), "purpose": "book_appointment",
                          "number": number, "confirmed": False}
        return query(state, "identity_open", {"number": None}, "identity_open")
    if words.answer == "no" or words.key == "2" or words.dont_know or words.wish.get("asap"):
        return with_anyone(state, t.heard.now)
    return Failed("not_understood")


def _way_asked(t: Talk) -> Turn | None:
    """"Wie komme ich da hin?" at the offer or after the booking: the way to the site of
    the slot, then the question again. None when the caller asks no such thing."""
    booking = t.state.booking
    slot = booking.get("result") or booking.get("offer") or {}
    site = slot.get("site") or booking.get("site")
    if t.words.key or not site or not t.words.asks_way:
        return None
    state = t.state
    state.site = site
    asked, expect = state.last_ask, state.last_expect
    question = [say(key, **params) for key, params in asked if key not in READ_BACK]
    turn = ask(state, [say("way_address", site_site=site, way_site=site), *question],
               expect, "way:booking")
    state.last_ask = asked  # "Wie bitte?" repeats what was said before, not the way
    return turn


# What is said of a booking before the question that follows it (not asked again after
# the way there).
READ_BACK = {"booked", "booked_with", "rescheduled", "booked_interpreter", "entry", "entry_how",
             "address", "bring", "booking_code", "name_noted", "sms_sent", "sms_failed"}


def who(t: Talk) -> Reply:
    """The answer to "Auf welchen Namen?": optional, so anything but a name skips it."""
    state, words = t.state, t.words
    way = _way_asked(t)
    if way is not None:
        return way
    unsure = t.heard.confidence is not None and t.heard.confidence < t.rules.min_confidence
    # A name heard badly would be written down wrong: better none.
    given = None if words.answer == "no" or unsure else words.name_answer
    if given:
        state.booking["caller_name"] = given
        return query(state, "booking_name", {"code": state.booking["result"]["code"],
                                             "name": given}, "booking_name")
    if words.answer == "yes" and not state.booking.get("name_asked_again"):
        state.booking["name_asked_again"] = True
        return ask(state, [say("name_please")], "request", "name:again", step="book_name")
    return _after_name(state, "name:skipped")


def sms(t: Talk) -> Reply:
    state, words = t.state, t.words
    way = _way_asked(t)
    if way is not None:
        return way
    if words.answer == "yes" or words.key == "1":
        return query(state, "send_sms", {"code": state.booking["result"]["code"],
                                         "lang": state.lang}, "send_sms")
    if words.answer == "no" or words.key == "2":
        return _after_sms(state, "sms:declined")
    return Failed("not_understood")


def remind(t: Talk) -> Reply:
    """Yes: by SMS on a mobile, by a short call on a landline; 3 on a mobile: by a call."""
    way = _way_asked(t)
    if way is not None:
        return way
    channel = "sms" if t.state.mobile else "call"
    if t.state.mobile and t.words.key == "3":
        return _remind_query(t.state, True, "call")
    for consent, said, key in ((True, "yes", "1"), (False, "no", "2")):
        if t.words.answer == said or t.words.key == key:
            return _remind_query(t.state, consent, channel)
    return Failed("not_understood")


def _remind_query(state: CallState, consent: bool, channel: str) -> Reply:
    return query(state, "reminder_consent", {"code": state.booking["result"]["code"],
                                             "consent": consent, "channel": channel},
                 "reminder_consent")


def find_code(t: Talk) -> Reply:
    words = t.words
    code = _booking_code(words.entities) or _booking_code({"number": words.digits})
    if code:
        return query(t.state, "find_booking", {"code": code}, "find_booking")
    without = words.answer == "no" or words.dont_know  # "weiß ich nicht mehr, war krank"
    other = None if without else _other_request(t)
    if other is not None and other not in CHANGES:
        # "Wo ist mein Geld?": a matter of its own, clearly heard, not a question where
        # the code is written. The appointment is offered again when it is done.
        t.state.later = {"intent": t.state.intent, "text": ""}
        return Switch(other, words, t.recognition)
    if words.asks_where_written:
        # "Weiß ich nicht, wo steht die?": where it is written, then on as without it.
        turn = _by_phone(t.state, words.entities)
        # The SMS that confirmed it reached only a mobile; on a landline it was said.
        where = say("code_where" if t.state.mobile else "code_where_said")
        return dataclasses.replace(turn, actions=(where, *turn.actions))
    if without:
        return _by_phone(t.state, words.entities)
    if words.get("number") or words.digits:
        return Failed("code_incomplete")
    if words.answer == "yes":
        # "Ja": they have it, or are looking for it. Asked for the digits themselves.
        return ask(t.state, [say("code_go_on")], "code", "ask:code:has_it", step="find_code")
    return Failed("not_understood")


def confirm_find(t: Talk) -> Reply:
    if t.words.answer == "yes" or t.words.key == "1":
        if t.state.booking["mode"] == "reschedule":
            # "Ist das Ihr Termin?" - "Ja": moving it was asked for, and nothing is moved
            # before the new time is confirmed, so it is not asked a second time.
            return _move(t.state, t.heard.now)
        return _found(t.state, t.state.booking["found"], confirmed=True)
    if t.words.answer == "no" or t.words.key == "2":
        booking = t.state.booking
        not_theirs = [*booking.get("not_theirs", []), booking["found"]["code"]]
        booking["not_theirs"] = not_theirs
        if len(not_theirs) < FOUND_BY_PHONE:
            # Another booking on the same number may be theirs: the next one is read out.
            return _by_phone(t.state, {})
        return transfer(t.state, "agent:booking_not_found", "handover",
                        before=[say("booking_not_found_phone")])
    return Failed("not_understood")


def confirm_change(t: Talk) -> Reply:
    """Cancel (confirm_cancel) or move (confirm_move) the booking found?"""
    state = t.state
    booking = state.booking
    if t.words.answer == "yes" or t.words.key == "1":
        if state.step == "confirm_cancel":
            return query(state, "cancel", {"code": booking["found"]["code"]}, "cancel")
        return _move(state, t.heard.now)
    if t.words.answer == "no" or t.words.key == "2":
        return anything_else(state, "kept", before=[say("kept")])
    return Failed("not_understood")


def _move(state: CallState, now: datetime) -> Turn:
    """The booking found is to be moved: the new time, at its site, about its topic."""
    booking = state.booking
    booking["site"] = booking["found"]["site"]
    booking["topic"] = booking["found"]["topic"]
    booking["wish"] = booking.pop("moved_to", None)
    if booking["wish"]:
        return next_question(state, now)
    return ask(state, [say("ask_when")], "request", "ask:when", step="book_when")


def _by_phone(state: CallState, entities: dict) -> Turn:
    if not state.caller_id:
        return transfer(state, "agent:booking_not_found", "handover",
                        before=[say("booking_not_found_no_number")])
    state.booking["searched_phone"] = True
    args = {"by_phone": True}
    if state.booking.get("not_theirs"):
        args["skip"] = state.booking["not_theirs"]
    day = entities.get("date") or state.booking.get("day")
    if day:
        args["date"] = day
    return query(state, "find_booking", args, "find_booking")


# ----------------------------------------------------------------------------- results


def slot_found(state: CallState, result) -> Turn:
    """A slot as wished, or (``nearest``) the nearest one, after why none was as wished."""
    booking = state.booking
    if result is not None and "start" in result:
        booking["offer"] = result
        if booking.get("with_them"):
            # Asked for a person: whoever the slot is with is named.
            prompt = say("offer_with", when_start=result["start"],
                         with_caseworker=result["caseworker"], place_site=result["site"],
                         today=booking.get("today"), **_doors(result))
        else:
            prompt = _when("offer", result, booking)
        return ask(state, [prompt], "yes_no", "offer", step="book_offer")
    nearest = (result or {}).get("nearest")
    if nearest is None:
        if (booking.get("wish") or {}).get("asap") or not booking.get("wish"):
            # Nothing free at all in the bookable future: a person must help.
            return transfer(state, "agent:no_slots", "handover",
                            before=[say("no_slots_at_all")])
        booking["wish"] = None
        booking["declined"] = []
        return ask(state, [say("no_slot_for_wish"), say("ask_other_day")],
                   "request", "ask:when:no_slot", step="book_when")
    booking["offer"] = nearest
    # After a refusal the caller knows why this is another time; otherwise they hear why
    # nothing was free as they wished, then the nearest slot right away.
    why = [] if booking["declined"] else [_why_not(result, booking)]
    return ask(state, [*why, _when("offer_instead", nearest, booking)], "yes_no",
               f"offer:nearest:{result.get('why') or 'wish'}", step="book_offer")


def _when(key: str, slot: dict, booking: dict) -> Say:
    """A sentence with the slot's time and place; today and tomorrow said as such."""
    doors = _doors(slot) if key.startswith("offer") else {}
    return say(key, when_start=slot["start"], place_site=slot["site"],
               today=booking.get("today"), **doors)


def _doors(slot: dict) -> dict:
    """For a slot offered while its site's doors are closed to walk-ins: the offer says
    so before the caller agrees (the read-back then says how to get in)."""
    return {"doors_site": slot["site"]} if slot.get("doors_closed") else {}


def _why_not(result: dict, booking: dict) -> Say:
    """Why the day wished for has no slot (schedules.alternatives names the reason)."""
    why, day, site = result.get("why"), result.get("day"), booking["site"]
    part = (booking.get("wish") or {}).get("part_of_day")
    if why is None:
        return say("no_slot_for_wish")
    if why == "holiday":
        return say("slot_day_holiday", date_day=day, holiday_day=day)
    if why == "closure":
        return say("slot_day_closure", date_day=day, site_site=site, closure_day=f"{site}/{day}")
    if why == "closed":
        return say("slot_day_closed", date_day=day, site_site=site)
    if part in ("morning", "afternoon"):
        return say(f"slot_day_{part}", date_day=day)
    if why == "no_staff":
        return say("slot_day_no_staff", date_day=day, place_site=site)
    return say(f"slot_day_{why}", date_day=day)


def caseworker_slot_found(state: CallState, result) -> Turn:
    """A slot for a caller who asked for a person, with why it is not with them if so."""
    booking = state.booking
    if result is None:
        return slot_found(state, None)
    if result.get("no_team"):
        # The case's team has nobody in the calendar: the caller chooses the site.
        booking.update(caseworker=None, team=None)
        return next_question(state, None, before=[say("team_unknown")])
    slot, why = result["slot"], result.get("why")
    before = []
    if why and not booking.get("told"):
        # The reason once; later offers (after a "no") just name the person.
        booking["told"] = True
        person = {"person_caseworker": result.get("person") or booking.get("person") or ""}
        if why == "topic":
            before.append(say("caseworker_topic" if booking.get("caseworker") else "team_topic",
                              **person))
        elif why == "away" and result.get("back"):
            before.append(say("caseworker_away", date_back=result["back"], **person))
        elif why in ("away", "busy") and person["person_caseworker"]:
            before.append(say("caseworker_busy", **person))
        elif why in ("away", "busy"):
            before.append(say("team_busy"))
    if why == "topic":
        # Nobody asked for sees customers about this: from now on, anyone at that site.
        booking.update(caseworker=None, team=None, site=slot["site"])
    booking["offer"] = slot
    return ask(state, [*before, say("offer_with", when_start=slot["start"],
                                    with_caseworker=slot["caseworker"],
                                    place_site=slot["site"], today=booking.get("today"),
                                    **_doors(slot))],
               "yes_no", "offer", step="book_offer")


def booked(state: CallState, result, kind: str = "book") -> Turn:
    """The result of booking (or moving, `kind` "reschedule") the slot offered."""
    booking = state.booking
    if result.get("taken"):
        # Lost to another caller: not a "no" from this one, so it does not count
        # towards the three offers before asking for another day.
        booking.setdefault("taken", []).append(booking["offer"]["start"])
        return _find_slot(state, before=[say("slot_taken")])
    if result.get("missing"):
        return transfer(state, "agent:booking_not_found", "handover",
                        before=[say("booking_gone")])
    done = result["booking"]
    booking["result"] = done
    state.site = done["site"]  # "Und wo genau ist das?" later is about this site
    outcome = "rescheduled" if kind == "reschedule" else "booked"
    achieve(state, outcome)
    # Appointments may start before or after the walk-in hours: then how to get in (that
    # the doors are closed was said with the offer, if it was offered so).
    told = booking["offer"].get("doors_closed")
    entry = [say("entry_how" if told else "entry", entry_site=done["site"])] \
        if result.get("doors_closed") else []
    interpreter = [say("booked_interpreter")] if booking["offer"].get("interpreter") else []
    if kind != "reschedule" and booking.get("with_them") and done.get("caseworker"):
        confirmed = say("booked_with", when_start=done["start"],
                        with_caseworker=done["caseworker"], place_site=done["site"],
                        today=booking.get("today"))
    else:
        confirmed = _when("rescheduled" if kind == "reschedule" else "booked", done, booking)
    readback = [
        confirmed,
        *interpreter,
        *entry,
        say("address", way_site=done["site"]),  # street and directions, no postcode
        say("bring", bring_topic=done["topic"]),
        say("booking_code", groups_code=done["code"]),
    ]
    if kind != "reschedule" and not booking.get("customer_number") \
            and not booking.get("caller_name"):
        # Who is coming, for the caseworker: one question, never required.
        return ask(state, [*readback, say("ask_name")], "request", outcome, step="book_name")
    return _after_name(state, outcome, before=readback)


def moved(state: CallState, result) -> Turn:
    return booked(state, result, kind="reschedule")


def name_noted(state: CallState, result) -> Turn:
    return _after_name(state, "name:noted", before=[say("name_noted")])


def _after_name(state: CallState, event: str, before=()) -> Turn:
    """After the read-back (and the name): the SMS to a mobile, a reminder call offered to
    a landline, else anything else."""
    if state.mobile:
        return ask(state, [*before, say("offer_sms")], "yes_no", event, step="book_sms")
    if state.booking.get("mode") == "book" and state.caller_id:
        # A landline: reminded, if wanted, by a short call the working day before.
        return ask(state, [*before, say("offer_reminder_call")], "yes_no", event,
                   step="book_remind")
    return anything_else(state, event, before=before)


def sms_sent(state: CallState, result) -> Turn:
    key = "sms_sent" if result.get("sent") else "sms_failed"
    return _after_sms(state, key, before=[say(key)])


def reminder_noted(state: CallState, result) -> Turn:
    key = "remind_yes" if result.get("consent") else "remind_no"
    if result.get("consent") and result.get("channel") == "call":
        key = "remind_yes_call"
    if result.get("missing"):
        key = "remind_gone"
    return anything_else(state, f"reminder:{key}", before=[say(key)])


def booking_found(state: CallState, result) -> Turn:
    booking = state.booking
    if result is None:
        if booking.get("searched_phone") or not state.caller_id:
            return transfer(state, "agent:booking_not_found", "handover",
                            before=[say("booking_not_found_phone")])
        turn = _by_phone(state, {})
        return dataclasses.replace(turn, actions=(say("booking_not_found_code"), *turn.actions))
    return _found(state, result, confirmed=not booking.get("searched_phone"))


def cancelled(state: CallState, result) -> Turn:
    if result is None:
        return transfer(state, "agent:booking_not_found", "handover",
                        before=[say("booking_gone")])
    achieve(state, "cancelled")
    return anything_else(state, "cancelled", before=[
        say("cancelled", when_start=result["start"], today=state.booking.get("today"))])


def _after_sms(state: CallState, event: str, before=()) -> Turn:
    """A new booking's caller (on a mobile) is asked once whether to be reminded."""
    if state.booking.get("mode") == "book" and state.mobile:
        return ask(state, [*before, say("offer_reminder"), say("offer_reminder_by_call")],
                   "yes_no", event, step="book_remind")
    return anything_else(state, event, before=before)


def _found(state: CallState, found: dict, confirmed: bool) -> Turn:
    booking = state.booking
    booking["found"] = found
    if confirmed and booking["mode"] == "look":
        # When it is was all the caller asked; found by the number, it was said already.
        achieve(state, "answered")
        told = [] if booking.get("searched_phone") else [_when("found", found, booking)]
        return anything_else(state, "found:look", before=told)
    if not confirmed:
        # Found by caller id: make sure it is theirs before saying more (and that it is
        # not on the day they named, if it is not).
        if booking.get("not_theirs"):
            prompt = _when("found_by_phone_next", found, booking)
        elif found.get("other_day"):
            prompt = say("found_by_phone_other_day", date_day=found["other_day"],
                         when_start=found["start"], place_site=found["site"],
                         today=booking.get("today"))
        else:
            prompt = _when("found_by_phone", found, booking)
        return ask(state, [prompt], "yes_no", "found:phone", step="confirm_find")
    step = "confirm_cancel" if booking["mode"] == "cancel" else "confirm_move"
    return ask(state, [_when("found", found, booking), say(step)], "yes_no",
               f"found:{booking['mode']}", step=step)


def _booking_code(entities: dict) -> str | None:
    number = re.sub(r"\D", "", str(entities.get("number") or ""))
    return number if len(number) == 6 else None


def _wish_problem(wish: dict, now: datetime) -> Say | None:
    """Why a wish cannot be booked as said: a day gone by ("Der 30. November ist schon
    vorbei."), or too far ahead."""
    today = now.date()
    days = [date.fromisoformat(wish[k]) for k in ("on", "earliest") if wish.get(k)]
    past = [day for day in days if day < today]
    if past:
        return say("when_past", daymonth_day=past[0].isoformat())
    if any(day > today + timedelta(days=MAX_DAYS_AHEAD) for day in days):
        return say("when_too_far")
    return None

