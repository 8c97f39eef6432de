"""Handing callers to people: an agent when someone is there, else a callback or a message.

Part of the pure dialogue (mixed into `ivr.dialogue.Dialogue`). Before any hand-over the
dialogue asks whether the hotline is staffed now (the `agents_open` query); outside
opening hours no phone rings and the caller chooses instead:

    step             caller does                     hotline does                  next step
    ---------------  ------------------------------  ----------------------------  --------------
    unstaffed        "Rückruf", 1                    asks which number             callback_number
    unstaffed        "Nachricht", 2                  records a message             (voicemail)
    unstaffed        "Termin", 3 / another request   books / answers it            ...
    callback_number  yes (the number they call on)   asks when                     callback_when
    callback_number  no                              asks for the number           callback_digits
    callback_digits  digits                          reads them back               callback_check
    callback_check   yes / no                        asks when / asks again        callback_when
    callback_when    vormittags / nachmittags / egal records it, says goodbye      ended
"""

from __future__ import annotations

import re

from speech.normalise import fold

HANDOVER_STEPS = {"unstaffed", "callback_number", "callback_digits", "callback_check",
                  "callback_when"}
MIN_PHONE_DIGITS = 6
CALLBACK_WORDS = re.compile(r"\b(rueckruf|zurueckruf|zurueckrufen|ruf\w* zurueck|call ?back|"
                            r"call me)\b")
MESSAGE_WORDS = re.compile(r"\b(nachricht|mailbox|anrufbeantworter|aufsprechen|message|"
                           r"voicemail)\b")


class HandoverSteps:
    """The hand-over half of the dialogue; expects the core helpers of `Dialogue`."""

    def _transfer(self, state, event: str, prompt: str, queue: str = "general",
                  before=None):
        """Hand over to a person, if the hotline is staffed now; the view finds whom."""
        state.transfer = {"event": event, "prompt": prompt, "queue": queue}
        return self._query(state, "agents_open", {}, "transfer", before=before or [])

    def _transfer_result(self, state, open_now: bool):
        from .dialogue import Say, Transfer, Turn

        transfer, state.transfer = state.transfer or {}, None
        event = transfer.get("event", "agent:requested")
        queue = transfer.get("queue", "general")
        if open_now:
            state.step = "agent"
            state.failures = 0
            self._achieve(state, "agent")
            actions = (Say(transfer.get("prompt", "handover")),
                       Transfer(reason=event.split(":", 1)[1], queue=queue))
            return Turn(state, actions, event)
        before = [self.say("closed")]
        if state.crisis == "self_harm":
            # Nobody can take the call: the numbers again, and no menu to find a way through.
            return self._ask(state, [*before, self.say("crisis_call_now"),
                                     self.say("crisis_again")], "yes_no", "crisis:closed",
                             step="crisis_numbers")
        if queue == "emergency":
            before.append(self.say("closed_emergency"))
        return self._ask(state, [*before, self.say("closed_options")], "menu",
                         f"unstaffed:{event.split(':', 1)[1]}", step="unstaffed")

    def callback_instead(self, state):
        """From the queue: the caller chose a callback over waiting (a turn of its own)."""
        state = self._next_turn(state)
        return self.start_callback(state)

    def unreachable(self, state):
        """The queue failed (full, error): nobody can be reached, offer the alternatives."""
        state = self._next_turn(state)
        state.transfer = {"event": "agent:queue_failed", "queue": "general"}
        return self._transfer_result(state, open_now=False)

    def start_callback(self, state):
        """The caller would rather be called back (from the queue, or the closed hotline)."""
        state.callback = {"intent": state.intent}
        if state.caller_id:
            return self._ask(state, [self.say("callback_same_number",
                                              digits_tail=state.caller_tail)],
                             "yes_no", "callback:number", step="callback_number")
        return self._ask(state, [self.say("callback_ask_number")], "phone",
                         "callback:digits", step="callback_digits")

    def _handover_answer(self, state, heard, recognition):
        entities = self.extract(heard.speech, state.lang, heard.now) if heard.speech else {}
        answer = entities.get("answer")
        key = heard.digits[:1]
        folded = fold(heard.speech)
        step = state.step
        if step == "unstaffed":
            # "Ja" to "Wenn Sie einen Rückruf bestellen, ...": that is the callback.
            if key == "1" or CALLBACK_WORDS.search(folded) or answer == "yes":
                return self.start_callback(state)
            if key == "2" or MESSAGE_WORDS.search(folded):
                return self._voicemail(state)
            if key == "3":
                return self._handle(state, "book_appointment", None, heard)
            if (recognition is not None and recognition.confident
                    and recognition.intent not in ("out_of_scope", "agent", "emergency")):
                return self._handle(state, recognition.intent, recognition, heard)
            return self._failed(state, "not_understood", recognition)
        if step == "callback_number":
            if answer == "yes" or key == "1":
                state.callback["confirmed_by"] = "caller_id"
                return self._ask_callback_time(state)
            if answer == "no" or key == "2":
                return self._ask(state, [self.say("callback_ask_number")], "phone",
                                 "callback:digits", step="callback_digits")
            return self._failed(state, "not_understood", recognition)
        if step == "callback_digits":
            digits = re.sub(r"\D", "", heard.digits or str(entities.get("number") or ""))
            if len(digits) < MIN_PHONE_DIGITS:
                return self._failed(state, "phone_incomplete", recognition)
            state.callback["phone"] = digits
            return self._ask(state, [self.say("callback_check", digits_number=digits)],
                             "yes_no", "callback:check", step="callback_check")
        if step == "callback_check":
            if answer == "yes" or key == "1":
                state.callback["confirmed_by"] = "spoken"
                return self._ask_callback_time(state)
            if answer == "no" or key == "2":
                state.callback.pop("phone", None)
                return self._ask(state, [self.say("callback_ask_number")], "phone",
                                 "callback:digits", step="callback_digits")
            return self._failed(state, "not_understood", recognition)
        if step == "callback_when":
            part = entities.get("part_of_day")
            if part is None and key in ("1", "2"):
                part = "morning" if key == "1" else "afternoon"
            if part is None and not (answer or re.search(r"\b(egal|any|whenever|gleich)\b",
                                                         folded)):
                return self._failed(state, "not_understood", recognition)
            state.callback["part_of_day"] = part
            return self._query(state, "request_callback", {
                **state.callback, "lang": state.lang,
                "emergency": state.emergency,
            }, "request_callback")
        return None

    def _ask_callback_time(self, state):
        return self._ask(state, [self.say("callback_when")], "menu", "callback:when",
                         step="callback_when")

    def _callback_result(self, state, result):
        from .dialogue import Hangup, Turn

        part = (state.callback or {}).get("part_of_day")
        key = {"morning": "callback_booked_morning",
               "afternoon": "callback_booked_afternoon"}.get(part, "callback_booked_any")
        state.step = "ended"
        self._achieve(state, "callback")
        return Turn(state, (self.say(key), self.say("goodbye"), Hangup()), "callback:requested")

    def _voicemail(self, state):
        from .dialogue import Record, Turn

        state.step = "voicemail"
        self._achieve(state, "callback")
        return Turn(state, (self.say("voicemail_intro"), Record()), "voicemail")

