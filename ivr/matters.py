"""Matters the hotline answers by showing the way: other offices, letters, not coming.

Part of the pure dialogue (mixed into `ivr.dialogue.Dialogue`, like `ivr.handover`):

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  --------------
    (a request)     another office's matter           who decides, number, hours     referral_sms
                    (ivr/referrals.toml)              (no mobile: anything else?)    anything_else
                                                      (transfer allowed: connect?) referral_connect
    referral_connect yes / no                         puts through / the SMS offer   ended / ...
    referral_sms    yes / no                          sends the number by SMS / -    anything_else
    (a request)     a letter: Bescheid, Anhörung      the deadline, how to object    letter_next
    letter_next     yes, "Termin", 1                  books an appointment           book_...
    letter_next     no                                -                              anything_else
    (a request)     ill, a sick child, an interview   what to send, and by when      absence_choice
    absence_choice  "absagen", 1 / "verschieben", 2   cancels / moves a booking      find_code ...
    absence_choice  "Brief", 3, no                    asks the day of that           absence_day
                                                      appointment
    absence_day     a day                             notes it for the team (a       anything_else
                                                      callback in the agent console)

The hotline never says that a sick note excuses an absence: the job centre decides.
"""

from __future__ import annotations

import re
from datetime import date

from speech.normalise import fold

from .referrals import Office

MATTER_STEPS = {"referral_connect", "referral_sms", "letter_next", "absence_choice",
                "absence_day"}
INTERVIEW_WORDS = re.compile(r"\b(vorstellungsgespraech|bewerbungsgespraech|interview)\b")
HEARING_WORDS = re.compile(r"\banhoerung\w*")
REPAYMENT_WORDS = re.compile(r"\b(rueckforderung\w*|zurueck ?zahlen|zurueckfordern|geld zurueck|"
                             r"erstattung\w*|ueberzahlung|raten\w*|pay back|money back)\b")
VAGUE_WORDS = re.compile(r"\b(weiss (ich )?(es )?nicht|irgendwann|keine ahnung|vergessen|"
                        r"don ?t know|not sure)\b")
CHILD_WORDS = re.compile(r"\b(kind|kinder|sohn|tochter|kleine|kleiner|baby|child)\b")
CANCEL_WORDS = re.compile(r"\b(absag\w*|sag\w* \w*ab|stornier\w*|cancel\w*)\b")
MOVE_WORDS = re.compile(r"\b(verschieb\w*|verleg\w*|anderen termin|neuen termin|move|"
                        r"reschedul\w*)\b")
LETTER_WORDS = re.compile(r"\b(brief|einladung|schreiben|post|letter)\b")
BOOK_WORDS = re.compile(r"\b(termin\w*|appointment)\b")


class MatterSteps:
    """Other offices, letters and absences; expects the core helpers of `Dialogue`."""

    def _refer(self, state, office: Office, recognition=None):
        """Another office decides this: say which, and how to reach it."""
        from .dialogue import Say

        self._achieve(state, "answered")
        state.intent = state.intent or "out_of_scope"
        state.failures = 0
        state.candidates = []
        state.request_text = ""
        facts = office.says(state.lang)
        said = [Say("referral", facts)]
        said.append(Say("referral_number", facts) if office.number
                    else Say("referral_hours", facts))
        if office.number:
            state.referral = {"number": office.number, **facts}
        if office.transfer:
            return self._ask(state, [*said, Say("referral_connect_offer")], "yes_no",
                             f"referral:{office.key}", step="referral_connect")
        return self._offer_referral_sms(state, office.key, said)

    def _offer_referral_sms(self, state, key: str, said):
        from .dialogue import Say

        if state.referral and state.mobile:
            return self._ask(state, [*said, Say("referral_sms_offer")], "yes_no",
                             f"referral:{key}", step="referral_sms")
        state.referral = None
        return self._anything_else_question(state, f"referral:{key}", before=said)

    def _letter(self, state, heard=None):
        """A hearing asks for the caller's view by its own deadline; a decision can be
        objected to; money asked back can often be paid in instalments."""
        from .dialogue import Say

        folded = fold(heard.speech) if heard is not None else ""
        self._achieve(state, "answered")
        if HEARING_WORDS.search(folded):
            said = [Say("letter_hearing")]
        else:
            said = [Say("letter_help")]
            if REPAYMENT_WORDS.search(folded):
                said.append(Say("letter_repayment"))
        return self._ask(state, [*said, Say("letter_next")], "yes_no", "answered:letter",
                         step="letter_next")

    def _absence(self, state, heard=None):
        from .dialogue import Say

        folded = fold(heard.speech) if heard is not None else ""
        # Only the kind of reason is kept, never the caller's words (health data).
        state.absence = {"reason": "interview" if INTERVIEW_WORDS.search(folded) else
                         "child" if CHILD_WORDS.search(folded) else "sick"}
        self._achieve(state, "answered")
        return self._ask(state, [Say("absence_help"), Say("absence_choice")], "menu",
                         "answered:report_sick", step="absence_choice")

    def _matter_answer(self, state, heard, recognition):
        from .dialogue import Hangup, Heard, PutThrough, Say, Turn

        said = self.reply(heard.speech, state.lang) if heard.speech else {}
        answer = said.get("answer")
        key = heard.digits[:1]
        folded = fold(heard.speech)
        step = state.step
        if step == "referral_connect":
            if answer == "yes" or key == "1":
                number = (state.referral or {}).get("number")
                state.referral = None
                state.step = "ended"
                return Turn(state, (Say("referral_connecting"), PutThrough(number),
                                    Say("goodbye"), Hangup()), "referral:put_through")
            if answer == "no" or key == "2":
                return self._offer_referral_sms(state, "no_transfer", [])
            return None
        if step == "referral_sms":
            office = state.referral or {}
            state.referral = None
            if answer == "yes" or key == "1":
                return self._query(state, "send_referral_sms",
                                   {**office, "lang": state.lang}, "referral_sms")
            if answer == "no" or key == "2":
                return self._anything_else_question(state, "referral:no_sms")
            return None  # something else: taken as a new request
        if step == "letter_next":
            if answer == "yes" or key == "1" or BOOK_WORDS.search(folded):
                return self._start_booking(state, "book_appointment", Heard(now=heard.now),
                                           None)
            if answer == "no" or key == "2":
                return self._anything_else_question(state, "letter:no_booking")
            return None
        if step == "absence_choice":
            if key == "1" or CANCEL_WORDS.search(folded):
                return self._start_booking(state, "cancel_appointment", heard, recognition)
            if key == "2" or MOVE_WORDS.search(folded):
                return self._start_booking(state, "reschedule_appointment", heard, recognition)
            if key == "3" or answer == "no" or LETTER_WORDS.search(folded):
                return self._ask(state, [Say("absence_day")], "request", "absence:ask_day",
                                 step="absence_day")
            return None
        if step == "absence_day":
            entities = self.extract(heard.speech, state.lang, heard.now) if heard.speech else {}
            if VAGUE_WORDS.search(folded):
                day = None  # "weiß ich nicht mehr": noted without a day, never a guessed one
            elif entities.get("date"):
                day = _recent(date.fromisoformat(entities["date"]), heard.now.date()).isoformat()
            else:
                return self._failed(state, "when_not_understood", recognition)
            return self._query(state, "absence_note", {
                "day": day, "lang": state.lang,
                "reason": (state.absence or {}).get("reason", "sick"),
                "customer_number": entities.get("customer_number")}, "absence_note")
        return None

    def _absence_note_result(self, state, result):
        from .dialogue import Say

        state.absence = None
        if result and result.get("recorded"):
            first = (Say("absence_recorded", {"day_text": result["day"]}) if result.get("day")
                     else Say("absence_recorded_undated"))
            said = [first, Say("absence_proof")]
            return self._anything_else_question(state, "absence:recorded", before=said)
        return self._anything_else_question(state, "absence:not_recorded",
                                            before=[Say("absence_letter")])

    def _referral_sms_result(self, state, result):
        from .dialogue import Say

        key = "referral_sms_sent" if result and result.get("sent") else "referral_sms_failed"
        return self._anything_else_question(state, f"referral:{key}", before=[Say(key)])


def _recent(day: date, today: date) -> date:
    """An appointment someone cannot come to is near: "am siebten Dezember", said on the
    9th, is two days ago (the date reader, made for bookings, moved it a year ahead)."""
    if (day - today).days > 180:
        return day.replace(year=day.year - 1)
    return day
