"""Handing callers to people: an agent when someone is there, else a callback or a message.

Before any hand-over the conversation asks whether the hotline is staffed now (the
`agents_open` query, see `replies.transfer`); outside opening hours no phone rings and
the caller chooses instead:

    step             caller does                     hotline does                  next step
    ---------------  ------------------------------  ----------------------------  --------------
    unstaffed        "Rückruf", 1                    asks which number             callback_number
    unstaffed        "Nachricht", 2                  records a message; without    (voicemail) /
                                                     caller ID asks the number     callback_digits
    unstaffed        "Termin", 3 / another request   books / answers it            ...
    no_speaker       (nobody on duty speaks the caller's language)
                     "Rückruf", 1                    asks which number             callback_number
                     "Dolmetscher", 2                a person, with an interpreter (agent)
    callback_number  yes (the number they call on)   asks when                     callback_when
    callback_number  no                              asks for the number           callback_digits
    callback_number  (no,) another number            reads it back                 callback_check
    callback_digits  digits                          reads them back               callback_check
    callback_check   yes / no                        asks when / asks again        callback_when
                     (no,) the number or the group   reads the corrected one back  callback_check
                     it got wrong ("nein, ... 568")
                     yes, before a message           records the message           (voicemail)
    callback_when    vormittags / nachmittags / egal records it, says goodbye      ended
    (voicemail)      says nothing after the beep         "keine Nachricht gehört", 1   message_empty
                                                     again, 2 the opening hours
    message_empty    "noch einmal", 1                    records the message again     (voicemail)
    message_empty    2, "Öffnungszeiten", a request      answers it                    ...
    message_empty    silence                             when to call again, goodbye   ended
    (voicemail)      nothing said the second time too    when to call again, goodbye   ended

In writing, a person who asks for a call back ("Rückruf bitte, tel 0171 ...") gets one
rather than a person who answers in writing: the number written is read back
(callback_check), else the number written from is offered (callback_number).
"""

from __future__ import annotations

import re

from speech.corrections import corrected_number

from .actions import Hangup, Say, Transfer, say
from .replies import Failed, Reply, Switch, Talk, ask, query, transfer, voicemail
from .state import CallState, Turn, achieve

MIN_PHONE_DIGITS = 6
CALLBACK_WORDS = re.compile(r"\b(rueckruf|zurueckruf|zurueckrufen|ruf\w* zurueck|call ?back|"
                            r"call me|передзвон\w*|перезвон\w*|geri ara\w*|اتصلوا|اتصل)\b")
MESSAGE_WORDS = re.compile(r"\b(nachricht|mailbox|anrufbeantworter|aufsprechen|message|"
                           r"voicemail)\b")
ANY_TIME = re.compile(r"\b(egal|any|whenever|gleich)\b")
# "Noch einmal" after an empty message is another try, not "say that again".
TRY_AGAIN = re.compile(r"\b(noch ?(ein)?mal|nomal|erneut|again|tekrar|ще раз|еще раз|ещё раз|"
                       r"مرة اخرى|مرة أخرى)\b")


def staffed(state: CallState, open_now) -> Turn:
    """The answer to `agents_open`: put through, or say so and offer the alternatives.

    `open_now` is whether the hotline is staffed now, or a dict that also says whether
    anyone on duty speaks the caller's language (`speakers`). If nobody does, the caller
    chooses a callback in their language or a person with an interpreter; an emergency
    goes straight to a person, with an interpreter."""
    speakers = True
    if isinstance(open_now, dict):
        open_now, speakers = open_now.get("open", False), open_now.get("speakers", True)
    handing, state.transfer = state.transfer or {}, None
    event = handing.get("event", "agent:requested")
    queue = handing.get("queue", "general")
    if open_now and not speakers and not state.interpreter:
        if queue == "emergency":
            state.interpreter = state.lang
        else:
            state.failures = 0
            state.callback = None
            return ask(state, [say("no_speaker"), say("no_speaker_options")], "menu",
                       "agent:no_speaker", step="no_speaker")
    if open_now:
        state.step = "agent"
        state.failures = 0
        achieve(state, "agent")
        actions = (Say(handing.get("prompt", "handover")),
                   Transfer(reason=event.split(":", 1)[1], queue=queue))
        return Turn(state, actions, event)
    before = [say("closed")]
    if state.crisis == "self_harm":
        # Nobody can take the call: the numbers again, and no menu to find a way through.
        return ask(state, [*before, say("crisis_call_now"), say("crisis_again")], "yes_no",
                   "crisis:closed", step="crisis_numbers")
    if queue == "emergency":
        # After the help against violence (the police, 110), 112 would be a second number
        # for the same danger.
        before.append(say("closed_urgent" if state.crisis == "violence" else "closed_emergency"))
    return ask(state, [*before, say("closed_options")], "menu",
               f"unstaffed:{event.split(':', 1)[1]}", step="unstaffed")


def start_callback(state: CallState) -> Turn:
    """The caller would rather be called back (from the queue, or the closed hotline)."""
    state.callback = {"intent": state.intent}
    if state.caller_id:
        return ask(state, [say("callback_same_number", digits_tail=state.caller_tail)],
                   "yes_no", "callback:number", step="callback_number")
    return _ask_number(state)


def asks_callback(words) -> bool:
    """Whether the words ask to be called back ("Rückruf bitte", "call me back")."""
    return CALLBACK_WORDS.search(words.folded) is not None


def callback_in_writing(state: CallState, words) -> Turn:
    """A person who writes asks to be called back: the number they wrote is read back,
    else the number they write from is offered (or one is asked for)."""
    digits = re.sub(r"\D", "", str(words.get("number") or ""))
    if len(digits) < MIN_PHONE_DIGITS:
        return start_callback(state)
    state.callback = {"intent": state.intent}
    return _read_back(state, digits)


def leave_message(state: CallState) -> Turn:
    """A message for the team. Without the caller's number it is asked first (as for a
    callback): the message becomes the team's callback request, and one with no number
    to call would reach nobody. In writing the answer comes where the message was left."""
    if state.caller_id or state.answered_here:
        return voicemail(state)
    state.callback = {"intent": state.intent, "message": True}
    return _ask_number(state)


def _ask_number(state: CallState) -> Turn:
    return ask(state, [say("callback_ask_number")], "phone", "callback:digits",
               step="callback_digits")


def _ask_time(state: CallState) -> Turn:
    return ask(state, [say("callback_when")], "menu", "callback:when", step="callback_when")


# ----------------------------------------------------------------------------- the steps


def unstaffed(t: Talk) -> Reply:
    words = t.words
    # "Ja" to "Wenn Sie einen Rückruf bestellen, ...": that is the callback.
    if words.key == "1" or CALLBACK_WORDS.search(words.folded) or words.answer == "yes":
        return start_callback(t.state)
    if words.key == "2" or MESSAGE_WORDS.search(words.folded):
        return leave_message(t.state)
    if words.key == "3":
        return Switch("book_appointment", words)
    recognition = t.recognition
    if (recognition is not None and recognition.confident
            and recognition.intent not in ("out_of_scope", "agent", "emergency")):
        return Switch(recognition.intent, words, recognition)
    return Failed("not_understood")


def no_speaker(t: Talk) -> Reply:
    """Nobody on duty speaks the caller's language: 1 a callback in it, 2 a person with
    an interpreter."""
    words = t.words
    if words.key == "1" or CALLBACK_WORDS.search(words.folded) or words.answer == "yes":
        return start_callback(t.state)
    if words.key == "2" or words.language_request == "interpreter":
        state = t.state
        state.interpreter = state.lang
        return transfer(state, "agent:interpreter", "handover_interpreter")
    return Failed("not_understood")


def callback_number(t: Talk) -> Reply:
    # "Nein, bitte unter 0171 2345678": another number given at once is read back.
    digits = re.sub(r"\D", "", t.words.digits or str(t.words.get("number") or ""))
    if len(digits) >= MIN_PHONE_DIGITS:
        return _read_back(t.state, digits)
    if t.words.answer == "yes" or t.words.key == "1":
        t.state.callback["confirmed_by"] = "caller_id"
        return _ask_time(t.state)
    if t.words.answer == "no" or t.words.key == "2":
        return _ask_number(t.state)
    return Failed("not_understood")


def callback_digits(t: Talk) -> Reply:
    digits = re.sub(r"\D", "", t.words.digits or str(t.words.get("number") or ""))
    if len(digits) < MIN_PHONE_DIGITS:
        return Failed("phone_incomplete")
    return _read_back(t.state, digits)


def _read_back(state: CallState, digits: str) -> Turn:
    state.callback["phone"] = digits
    return ask(state, [say("callback_check", phone_number=digits)], "yes_no",
               "callback:check", step="callback_check")


def callback_check(t: Talk) -> Reply:
    if t.words.answer == "yes" or t.words.key == "1":
        t.state.callback["confirmed_by"] = "spoken"
        if t.state.callback.get("message"):
            return voicemail(t.state)
        return _ask_time(t.state)
    # "Nein, 0171 2345679", "nein, am Ende 568": the number put right, read back again.
    digits = "" if t.words.digits else corrected_number(
        t.state.callback.get("phone") or "", t.words.tokens, t.state.lang)
    if len(digits) >= MIN_PHONE_DIGITS:
        return _read_back(t.state, digits)
    if t.words.answer == "no" or t.words.key == "2":
        t.state.callback.pop("phone", None)
        return _ask_number(t.state)
    return Failed("not_understood")


def callback_when(t: Talk) -> Reply:
    state, words = t.state, t.words
    part = words.get("part_of_day")
    if part is None and words.key in ("1", "2"):
        part = "morning" if words.key == "1" else "afternoon"
    if part is None and not (words.answer or ANY_TIME.search(words.folded)):
        return Failed("not_understood")
    state.callback["part_of_day"] = part
    return query(state, "request_callback", {
        **state.callback, "lang": state.lang, "emergency": state.emergency,
    }, "request_callback")


def message_empty(state: CallState) -> Turn:
    """Nothing was said after the beep, so no message reached the team. The caller hears
    so once and may try again or hear the opening hours; after a second empty one, when
    to call again. An empty message becomes no callback: it says nothing to call about."""
    tries = (state.callback or {}).get("empty", 0) + 1
    state.callback = {**(state.callback or {}), "empty": tries}
    state.outcome = state.callback.get("outcome_before", state.outcome)
    state.failures = 0
    if tries > 1:
        state.step = "ended"
        achieve(state, "hangup")
        return Turn(state, (say("voicemail_empty"), Hangup()), "voicemail:empty_again")
    return ask(state, [say("voicemail_nothing"), say("voicemail_nothing_options")], "menu",
               "voicemail:empty", step="message_empty")


def message_empty_choice(t: Talk) -> Reply:
    """After an empty message: 1 (or "noch einmal") records again, 2 the opening hours."""
    words = t.words
    if t.heard.silent:
        t.state.step = "ended"
        achieve(t.state, "hangup")
        return Turn(t.state, (say("voicemail_empty"), Hangup()), "voicemail:empty_silence")
    if words.key == "1" or words.answer == "yes" or TRY_AGAIN.search(words.folded):
        return voicemail(t.state)
    if words.key == "2":
        return Switch("opening_hours", words)
    recognition = t.recognition
    if (recognition is not None and recognition.confident
            and recognition.intent not in ("out_of_scope", "emergency")):
        return Switch(recognition.intent, words, recognition)
    return Failed("not_understood")


# ----------------------------------------------------------------------------- results


def callback_taken(state: CallState, result) -> Turn:
    part = (state.callback or {}).get("part_of_day")
    key = {"morning": "callback_booked_morning",
           "afternoon": "callback_booked_afternoon"}.get(part, "callback_booked_any")
    state.step = "ended"
    achieve(state, "callback")
    return Turn(state, (say(key), say("goodbye"), Hangup()), "callback:requested")
