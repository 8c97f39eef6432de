"""The booking conversations: book, cancel and reschedule a caseworker appointment by voice.

Part of the pure dialogue (mixed into `ivr.dialogue.Dialogue`). Whatever needs the
calendar or the database is asked for with a `Query` in the returned turn; the webhook
view runs it (ivr.effects) and hands the result back through `Dialogue.resume`.

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  -------------
    book_topic      Geld / Arbeit / Beruf / arbeitslos (topic known)                 book_site ...
    book_site       Waiblingen / Backnang / Schorndorf (site known)                  book_when ...
    book_when       "nächsten Dienstag vormittags"    looks for the nearest slot     book_offer
    book_offer      yes                               books, reads it back slowly    book_sms ...
    book_offer      no (3 times: another day)         offers the next slot           book_offer
    book_sms        yes / no                          SMS with the .ics link         anything_else
    find_code       six digits / "weiß ich nicht"     looks the booking up           confirm_...
    confirm_cancel  yes / no                          cancels / keeps it             anything_else
    confirm_move    yes                               asks for the new day           book_when
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from speech.normalise import fold
from speech.wishes import appointment_wish

OFFERS_PER_WISH = 3  # slots offered one at a time before asking for another day
MAX_DAYS_AHEAD = 120  # further ahead than this is not bookable yet

# What callers say about an appointment's subject; the first topic whose word appears
# wins, so the more specific words come first.
TOPIC_WORDS = {
    "arbeitslosmeldung": ("arbeitslos", "gekuendigt", "kuendigung", "unemployed"),
    "berufsberatung": ("berufsberat", "ausbildung", "studium", "beruf", "schule", "career"),
    "arbeitsvermittlung": ("vermittl", "arbeitssuche", "stelle", "bewerb", "job", "arbeit",
                           "work"),
    "geldleistungen": ("geld", "leistung", "buergergeld", "antrag", "miete", "sachbearbeit",
                       "zahlung", "benefit", "money"),
}
TOPIC_KEYS = {"1": "geldleistungen", "2": "arbeitsvermittlung", "3": "berufsberatung",
              "4": "arbeitslosmeldung"}
SITE_KEYS = {"1": "waiblingen", "2": "backnang", "3": "schorndorf"}
DONT_KNOW = re.compile(
    r"\b(weiss (ich )?nicht|keine ahnung|(hab|habe) (ich )?(sie |die |keine )?(nicht|keine)|"
    r"finde (ich )?(sie |die )?nicht|nicht (da|dabei|zur hand)|keine (buchungs)?nummer|"
    r"vergessen|verloren|don ?t (know|have)|no idea|lost)\b")


@dataclass(frozen=True)
class Query:
    """Something the dialogue needs from outside: the calendar, the bookings, an SMS."""

    kind: str  # find_slot | book | find_booking | cancel | reschedule | send_sms |
    #            reminder_consent | opening_hours
    args: dict


def topic_from(text: str) -> str | None:
    folded = fold(text)
    for topic, words in TOPIC_WORDS.items():
        if any(word in folded for word in words):
            return topic
    return None


class BookingSteps:
    """The booking half of the dialogue; expects the core helpers of `Dialogue`."""

    # -- starting

    def _start_booking(self, state, intent: str, heard, recognition):
        text = heard.speech if heard else ""
        entities = self.extract(text, state.lang, heard.now) if text else {}
        if intent == "book_appointment":
            wish = appointment_wish(text, state.lang, heard.now) if text else {}
            state.booking = {
                "mode": "book",
                "topic": topic_from(text) if text else None,
                "site": entities.get("site"),
                "wish": wish or None,
                "declined": [],
                "customer_number": entities.get("customer_number"),
            }
            return self._booking_next(state, heard)
        state.booking = {"mode": "cancel" if intent == "cancel_appointment" else "reschedule",
                         "declined": []}
        code = _booking_code(entities)
        if code:
            return self._query(state, "find_booking", {"code": code}, "find_booking")
        return self._ask(state, [self.say("ask_code")], "code", "ask:code", step="find_code")

    def _booking_next(self, state, heard):
        """Ask for what is still missing, or look for a slot when nothing is."""
        booking = state.booking
        if not booking.get("topic"):
            return self._ask(state, [self.say("ask_topic")], "menu", "ask:topic",
                             step="book_topic")
        if not booking.get("site"):
            return self._ask(state, [self.say("ask_site")], "menu", "ask:site", step="book_site")
        if booking.get("wish") is None:
            return self._ask(state, [self.say("ask_when")], "request", "ask:when",
                             step="book_when")
        problem = _wish_problem(booking["wish"], heard.now)
        if problem:
            booking["wish"] = None
            return self._ask(state, [self.say(problem), self.say("ask_when_example")], "request",
                             f"ask:when:{problem}", step="book_when")
        return self._find_slot(state)

    def _find_slot(self, state, before=()):
        booking = state.booking
        return self._query(state, "find_slot", {
            "site": booking["site"], "topic": booking["topic"], "wish": booking["wish"],
            "exclude": booking["declined"] + booking.get("taken", []), "lang": state.lang,
        }, "find_slot", before=before)

    # -- the caller's answers

    def _booking_answer(self, state, heard, recognition):
        step = state.step
        booking = state.booking or {}
        entities = self.extract(heard.speech, state.lang, heard.now) if heard.speech else {}
        answer = entities.get("answer")
        if step == "book_topic":
            topic = TOPIC_KEYS.get(heard.digits[:1]) or topic_from(heard.speech)
            if topic is None:
                return self._failed(state, "not_understood", recognition)
            booking["topic"] = topic
            return self._booking_next(state, heard)
        if step == "book_site":
            site = SITE_KEYS.get(heard.digits[:1]) or entities.get("site")
            if site is None:
                return self._failed(state, "not_understood", recognition)
            booking["site"] = site
            return self._booking_next(state, heard)
        if step == "book_when":
            wish = appointment_wish(heard.speech, state.lang, heard.now)
            if not wish:
                return self._failed(state, "when_not_understood", recognition)
            booking["wish"] = wish
            booking["declined"] = []
            return self._booking_next(state, heard)
        if step == "book_offer":
            wish = appointment_wish(heard.speech, state.lang, heard.now)
            if answer == "yes" or heard.digits[:1] == "1":
                kind = "reschedule" if booking["mode"] == "reschedule" else "book"
                args = {"slot": booking["offer"], "lang": state.lang,
                        "customer_number": booking.get("customer_number")}
                if kind == "reschedule":
                    args["code"] = booking["found"]["code"]
                return self._query(state, kind, args, kind)
            if wish and not wish.get("asap"):
                # "Nein, lieber nachmittags": a new wish is an answer too.
                booking["wish"] = {**(booking.get("wish") or {}), **wish}
                booking["declined"] = []
                return self._booking_next(state, heard)
            if answer == "no" or heard.digits[:1] == "2":
                booking["declined"].append(booking["offer"]["start"])
                if len(booking["declined"]) >= OFFERS_PER_WISH:
                    booking["wish"] = None
                    booking["declined"] = []
                    return self._ask(state, [self.say("ask_other_day")], "request",
                                     "ask:when:declined", step="book_when")
                return self._find_slot(state)
            return self._failed(state, "not_understood", recognition)
        if step == "book_sms":
            if answer == "yes" or heard.digits[:1] == "1":
                return self._query(state, "send_sms", {"code": booking["result"]["code"],
                                                       "lang": state.lang}, "send_sms")
            if answer == "no" or heard.digits[:1] == "2":
                return self._after_sms(state, "sms:declined")
            return self._failed(state, "not_understood", recognition)
        if step == "book_remind":
            for consent, said, key in ((True, "yes", "1"), (False, "no", "2")):
                if answer == said or heard.digits[:1] == key:
                    return self._query(state, "reminder_consent",
                                       {"code": booking["result"]["code"], "consent": consent},
                                       "reminder_consent")
            return self._failed(state, "not_understood", recognition)
        if step == "find_code":
            code = _booking_code(entities) or _booking_code({"number": heard.digits})
            if code:
                return self._query(state, "find_booking", {"code": code}, "find_booking")
            if answer == "no" or DONT_KNOW.search(fold(heard.speech)):
                return self._by_phone(state, entities)
            if entities.get("number") or heard.digits:
                return self._failed(state, "code_incomplete", recognition)
            return self._failed(state, "not_understood", recognition)
        if step == "confirm_find":
            if answer == "yes" or heard.digits[:1] == "1":
                return self._found(state, booking["found"], confirmed=True)
            if answer == "no" or heard.digits[:1] == "2":
                return self._transfer(state, "agent:booking_not_found", "handover",
                                      before=[self.say("booking_not_found_phone")])
            return self._failed(state, "not_understood", recognition)
        if step in ("confirm_cancel", "confirm_move"):
            if answer == "yes" or heard.digits[:1] == "1":
                if step == "confirm_cancel":
                    return self._query(state, "cancel", {"code": booking["found"]["code"]},
                                       "cancel")
                booking["site"] = booking["found"]["site"]
                booking["topic"] = booking["found"]["topic"]
                booking["wish"] = None
                return self._ask(state, [self.say("ask_when")], "request", "ask:when",
                                 step="book_when")
            if answer == "no" or heard.digits[:1] == "2":
                return self._anything_else_question(state, "kept", before=[self.say("kept")])
            return self._failed(state, "not_understood", recognition)
        return None

    def _by_phone(self, state, entities):
        if not state.caller_id:
            return self._transfer(state, "agent:booking_not_found", "handover",
                                  before=[self.say("booking_not_found_no_number")])
        state.booking["searched_phone"] = True
        args = {"by_phone": True}
        if entities.get("date"):
            args["date"] = entities["date"]
        return self._query(state, "find_booking", args, "find_booking")

    # -- results of queries

    def _booking_result(self, state, kind: str, result):
        booking = state.booking
        if kind == "find_slot":
            if result is None:
                if (booking.get("wish") or {}).get("asap") or not booking.get("wish"):
                    # Nothing free at all in the bookable future: a person must help.
                    return self._transfer(state, "agent:no_slots", "handover",
                                          before=[self.say("no_slots_at_all")])
                booking["wish"] = None
                booking["declined"] = []
                return self._ask(state, [self.say("no_slot_for_wish"), self.say("ask_other_day")],
                                 "request", "ask:when:no_slot", step="book_when")
            booking["offer"] = result
            return self._ask(state, [self.say("offer", when_start=result["start"],
                                              place_site=result["site"])],
                             "yes_no", "offer", step="book_offer")
        if kind in ("book", "reschedule"):
            if result.get("taken"):
                # Lost to another caller: not a "no" from this one, so it does not count
                # towards the three offers before asking for another day.
                booking.setdefault("taken", []).append(booking["offer"]["start"])
                return self._find_slot(state, before=[self.say("slot_taken")])
            if result.get("missing"):
                return self._transfer(state, "agent:booking_not_found", "handover",
                                      before=[self.say("booking_gone")])
            done = result["booking"]
            booking["result"] = done
            outcome = "rescheduled" if kind == "reschedule" else "booked"
            self._achieve(state, outcome)
            readback = [
                self.say("rescheduled" if kind == "reschedule" else "booked",
                         when_start=done["start"], place_site=done["site"]),
                self.say("address", address_site=done["site"]),
                self.say("bring", bring_topic=done["topic"]),
                self.say("booking_code", digits_code=done["code"]),
            ]
            if state.mobile:
                return self._ask(state, [*readback, self.say("offer_sms")], "yes_no",
                                 outcome, step="book_sms")
            return self._anything_else_question(state, outcome, before=readback)
        if kind == "send_sms":
            key = "sms_sent" if result.get("sent") else "sms_failed"
            return self._after_sms(state, key, before=[self.say(key)])
        if kind == "reminder_consent":
            key = "remind_yes" if result.get("consent") else "remind_no"
            if result.get("missing"):
                key = "remind_gone"
            return self._anything_else_question(state, f"reminder:{key}",
                                                before=[self.say(key)])
        if kind == "find_booking":
            if result is None:
                if booking.get("searched_phone") or not state.caller_id:
                    return self._transfer(state, "agent:booking_not_found", "handover",
                                          before=[self.say("booking_not_found_phone")])
                turn = self._by_phone(state, {})
                return dataclasses.replace(
                    turn, actions=(self.say("booking_not_found_code"), *turn.actions))
            return self._found(state, result, confirmed=not booking.get("searched_phone"))
        if kind == "cancel":
            if result is None:
                return self._transfer(state, "agent:booking_not_found", "handover",
                                      before=[self.say("booking_gone")])
            self._achieve(state, "cancelled")
            return self._anything_else_question(
                state, "cancelled", before=[self.say("cancelled", when_start=result["start"])])
        raise ValueError(f"no result handler for {kind}")

    def _after_sms(self, state, event: str, before=()):
        """A new booking's caller (on a mobile) is asked once whether to be reminded."""
        if state.booking.get("mode") == "book" and state.mobile:
            return self._ask(state, [*before, self.say("offer_reminder")], "yes_no", event,
                             step="book_remind")
        return self._anything_else_question(state, event, before=before)

    def _found(self, state, found: dict, confirmed: bool):
        booking = state.booking
        booking["found"] = found
        if not confirmed:
            # Found by caller id: make sure it is theirs before saying more.
            return self._ask(state, [self.say("found_by_phone", when_start=found["start"],
                                              place_site=found["site"])],
                             "yes_no", "found:phone", step="confirm_find")
        step = "confirm_cancel" if booking["mode"] == "cancel" else "confirm_move"
        question = "confirm_cancel" if booking["mode"] == "cancel" else "confirm_move"
        return self._ask(state, [self.say("found", when_start=found["start"],
                                          place_site=found["site"]), self.say(question)],
                         "yes_no", f"found:{booking['mode']}", step=step)


def _booking_code(entities: dict) -> str | None:
    number = re.sub(r"\D", "", str(entities.get("number") or ""))
    return number if len(number) == 6 else None


def _wish_problem(wish: dict, now: datetime) -> str | None:
    """Why a wish cannot be booked as said: a day in the past, or too far ahead."""
    today = now.date()
    days = [date.fromisoformat(wish[k]) for k in ("on", "earliest") if wish.get(k)]
    if any(day < today for day in days):
        return "when_past"
    if any(day > today + timedelta(days=MAX_DAYS_AHEAD) for day in days):
        return "when_too_far"
    return None
