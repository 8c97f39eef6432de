"""The dialogue: a pure function from (call state, what the caller did) to (new state, actions).

No Flask, no database, no Twilio in here, so a whole conversation runs in microseconds in
a test. The web adapter (ivr) loads the state, calls `Dialogue.start` or `Dialogue.step`,
runs the query a turn may carry and hands its result to `Dialogue.resume`, saves the new
state and renders the actions as TwiML.

Each turn's words are understood once (`speech.Understanding`); then the crisis check,
the commands that work at any time, and the handler of the step the call is in, from
the table `STEPS` below. A handler returns a `Turn`, `Failed` (the step's failure rule
applies) or `Switch` (a request of its own, handled by `listening.handle`).

Where a call can be (`CallState.step`) and what moves it on:

    step            caller does                         hotline does                  next step
    --------------  ----------------------------------  ----------------------------  -------------
    (new call)      -                                   greeting, each language's     greeting
                                                        offer in its own voice
    greeting        a language's key (4-9), its name    switches language, asks again listen
                    ("auf Türkisch", "Arabic")
    greeting        (otherwise as listen)
    any asking      "Dolmetscher", a language not       a person of the first         agent
                    offered ("Farsi")                   language, with an interpreter
    greeting,listen not understood twice, nothing       the language menu: every      languages
                    asked yet, in the first language    language by its key
    languages       a language's key / 1 / a request    switches / topic menu / (as listen)
    listen          says a clear request                answers it / hands over       anything_else
    listen, menu    "Mitarbeiter", 0                    hands over                    agent
    any             self-harm, violence, emergency      help numbers, emergency queue agent
                    (speech.detect_crisis)              closed: numbers, no menu      crisis_numbers
    crisis_numbers  yes / "Wiederholen"                 the numbers again             crisis_numbers
    crisis_numbers  anything else, silence              the numbers, goodbye          ended
    any             words that give cause for worry     "Sind Sie in Gefahr?" (once   worry_check
                    (speech.detect_worry: Tod, Angst)   a call)
    worry_check     yes; unclear twice                  as a crisis of that kind      agent
    worry_check     no                                  the words said with the worry (before)
                                                        in that step, else the
                                                        question before again
    listen, menu    emergency (no money, eviction, ...) hands over, emergency queue   agent
    listen          two requests fit equally well       "Geht es um A oder um B?"     clarify
    listen          asks both, one after the other      handles the first said; the   (as listen)
                    ("einen Termin, und wann kommt      other is offered when it is
                    mein Geld?"), neither answered      done ("Sie hatten noch eine   also_asked
                    at once                             zweite Frage: ...")
    also_asked      yes / no / a new request            handles it / anything else?   ...
    also_asked,     "nein, ich will nicht mehr" (also   goodbye (not the crisis       ended
    anything_else   a crisis expression's words)        numbers; "leben" still is)
    listen          a hand-over with a second request   the second kept for the       agent
                    ("Mitarbeiter, und neue Adresse")   agent's screen
    clarify         (both asked, in words of their own) the other offered after it    also_asked
    greeting,listen "Bin ich hier richtig?"             yes, the Jobcenter; what      listen
                                                        about? (once, no failure)
    greeting,listen a language with a request ("Do you the request, in that language  (as listen)
                    speak English? I need a Termin")
    clarify         names one, or 1 / 2                 handles that one              (as listen)
    listen          a request, but heard only weakly    "Es geht um A, richtig?"      confirm
    confirm         yes / no                            handles A / counts a failure  (as listen)
    listen, menu    9, "English" / "Deutsch"            switches language, asks again listen
    listen          application or payment status       checks identity (.identity)  id_number
    any             "Wiederholen", *                    repeats the last question     same
    any asking      silence, no match, bad line         1st: shorter question (plain  listen
                                                        German: the same question)
                                                        2nd: keypad menu              menu
                                                        3rd: hands over               agent
    menu            1-5                                 handles that topic            (as listen)
    anything_else   yes / a new request                 "Was kann ich tun?" / handles listen / ...
    anything_else   no, goodbye                         goodbye, hangs up             ended
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import speech
from speech.catalogue import Catalogue
from speech.understanding import Understanding

from . import booking, handover, identity, listening, matters, way
from .actions import Ask, Say
from .people import Caseworkers
from .referrals import Referrals
from .referrals import load as load_referrals
from .replies import (
    Failed,
    Reply,
    Rules,
    Switch,
    Talk,
    ask,
    goodbye,
    message_or_goodbye,
    repeat_question,
    transfer,
)
from .state import CallState, Heard, Turn

MAX_FAILURES = 3  # failed turns in a row; the third goes to an agent
# Steps whose answer is kept out of the turn log.
PRIVATE_STEPS = {"id_dob"}

# What a failed turn leads to, by the step it failed in.
ESCALATE = "escalate"  # a shorter question, then the keypad menu, then an agent
REPEAT = "repeat"  # the same question again; the third failure goes to an agent
REPEAT_THEN_MESSAGE = "repeat_then_message"  # ... the third takes a message (nobody there)
GOODBYE = "goodbye"  # the caller has had an answer: one more try, then goodbye


@dataclass(frozen=True)
class Step:
    """Where a call can be: who takes the caller's answer, and what a failed turn does."""

    answer: Callable[[Talk], Reply | None]
    on_failure: str = ESCALATE
    # Another office's matter ("Kindergeld") is recognised before the answer is read.
    referrals: bool = False
    # The answer is read first; None from the handler means "not an answer to this
    # question": the words are then taken as a new request.
    may_pass: bool = False
    # An optional question: silence and a bad line reach the handler too, which skips
    # the question rather than ask it again.
    optional: bool = False


STEPS: dict[str, Step] = {
    # What the caller wants (listening)
    "greeting": Step(listening.request, ESCALATE, referrals=True),
    "languages": Step(listening.languages, ESCALATE, referrals=True),
    "listen": Step(listening.request, ESCALATE, referrals=True),
    "menu": Step(listening.request, ESCALATE, referrals=True),
    "clarify": Step(listening.clarify, ESCALATE, referrals=True),
    "confirm": Step(listening.confirm, ESCALATE, referrals=True),
    "anything_else": Step(listening.more, GOODBYE, referrals=True),
    "also_asked": Step(listening.also_asked, REPEAT, referrals=True),
    "voicemail": Step(listening.request),  # a late webhook after the message
    # Booking, cancelling, moving (booking)
    "book_topic": Step(booking.topic, REPEAT),
    "book_site": Step(booking.site, REPEAT),
    "book_when": Step(booking.when, REPEAT),
    "book_offer": Step(booking.offer, REPEAT),
    "book_own": Step(booking.own, REPEAT),
    "book_name": Step(booking.who, REPEAT, optional=True),
    "book_sms": Step(booking.sms, REPEAT),
    "book_remind": Step(booking.remind, REPEAT),
    "find_code": Step(booking.find_code, REPEAT),
    "confirm_find": Step(booking.confirm_find, REPEAT),
    "confirm_cancel": Step(booking.confirm_change, REPEAT),
    "confirm_move": Step(booking.confirm_change, REPEAT),
    "finish_booking": Step(booking.finish_booking, REPEAT),
    # A person, a callback or a message (handover)
    "unstaffed": Step(handover.unstaffed, REPEAT_THEN_MESSAGE, referrals=True),
    "no_speaker": Step(handover.no_speaker, REPEAT),
    "callback_number": Step(handover.callback_number, REPEAT_THEN_MESSAGE),
    "callback_digits": Step(handover.callback_digits, REPEAT_THEN_MESSAGE),
    "callback_check": Step(handover.callback_check, REPEAT_THEN_MESSAGE),
    "callback_when": Step(handover.callback_when, REPEAT_THEN_MESSAGE),
    # Silence reaches the handler: it ends the call rather than ask a third time.
    "message_empty": Step(handover.message_empty_choice, REPEAT, referrals=True,
                          optional=True),
    # Status after the identity check (identity)
    "id_number": Step(identity.customer_number_said, REPEAT),
    "id_number_check": Step(identity.customer_number_checked, REPEAT),
    "id_dob": Step(identity.birth_date_said, REPEAT),
    "status_sms": Step(identity.status_sms, REPEAT),
    "status_next": Step(identity.status_next, REPEAT),
    # Other offices, letters, not coming (matters)
    "referral_connect": Step(matters.referral_connect, REPEAT, may_pass=True),
    "referral_sms": Step(matters.referral_sms, REPEAT, may_pass=True),
    "letter_next": Step(matters.letter_next, REPEAT, may_pass=True),
    "absence_choice": Step(matters.absence_choice, REPEAT, may_pass=True),
    "absence_day": Step(matters.absence_day, REPEAT, may_pass=True),
    # Opening hours and the way there (way)
    "way_site": Step(way.way_site, REPEAT, may_pass=True),
    "way_sms": Step(way.way_sms, REPEAT, may_pass=True),
}
LISTEN = STEPS["listen"]


# What the conversation does with a query's result, by the query it waited for.
RESULTS: dict[str, Callable[[CallState, object], Turn]] = {
    "transfer": handover.staffed,
    "request_callback": handover.callback_taken,
    "opening_hours": way.hours_told,
    "address_sms": way.address_sms_sent,
    "referral_sms": matters.referral_sms_sent,
    "absence_note": matters.absence_noted,
    "identity_open": identity.identity_open,
    "check_identity": identity.identity_checked,
    "case_status": identity.case_told,
    "send_case_sms": identity.case_sms_sent,
    "find_slot": booking.slot_found,
    "find_caseworker_slot": booking.caseworker_slot_found,
    "booking_name": booking.name_noted,
    "book": booking.booked,
    "reschedule": booking.moved,
    "send_sms": booking.sms_sent,
    "reminder_consent": booking.reminder_noted,
    "find_booking": booking.booking_found,
    "cancel": booking.cancelled,
}


class Dialogue:
    """The hotline's conversation rules, configured once per app."""

    def __init__(
        self,
        languages: list[str],
        min_confidence: float = 0.3,
        recognise: Callable[..., speech.Recognition] = speech.recognise,
        referrals: Referrals | None = None,
        catalogues: Callable[[str], tuple[int, Catalogue]] | None = None,
        caseworkers: Caseworkers | None = None,
        language_keys: dict[str, str] | None = None,
        keypad_only: frozenset[str] = frozenset(),
        repeat_once: frozenset[str] = frozenset(),
        site_numbers: dict[str, str] | None = None,
    ):
        if catalogues is None:
            recognise_now = recognise
        else:
            # The live catalogue (supervisors' phrases): each turn is recognised with
            # the version in use at that moment.
            def recognise_now(text: str, lang: str) -> speech.Recognition:
                return recognise(text, lang, catalogue=catalogues(lang)[1])

        people = caseworkers or Caseworkers()
        names = people.names

        def understand(text: str, lang: str, now: datetime, digits: str) -> Understanding:
            return Understanding(text, lang, now, digits, recognise=recognise_now,
                                 caseworkers=names)

        languages = languages or ["de"]
        if language_keys is None:
            language_keys = {"9": "en"}  # the key English always had
        self.rules = Rules(languages=languages, min_confidence=min_confidence,
                           referrals=referrals or load_referrals(), understand=understand,
                           caseworkers=people,
                           language_keys={key: code for key, code in language_keys.items()
                                          if code in languages and key},
                           keypad_only=frozenset(keypad_only) & set(languages),
                           repeat_once=frozenset(repeat_once),
                           site_numbers=dict(site_numbers or {}))

    @property
    def languages(self) -> list[str]:
        return self.rules.languages

    # -- entry points

    def start(self, caller_id: bool = False, mobile: bool = False, caller_tail: str = "",
              answered_here: bool = False) -> Turn:
        """A new call (or written conversation, `answered_here`): greet in the first
        language, offer the others, and listen."""
        state = CallState(lang=self.languages[0], step="greeting", caller_id=caller_id,
                          mobile=mobile, caller_tail=caller_tail, answered_here=answered_here)
        prompts = [Say("greeting"), *self.rules.offers(state.lang)]
        return ask(state, prompts, "request", "greeting")

    def step(self, state: CallState, heard: Heard) -> Turn:
        """One caller turn: what they said or pressed, in the step the call is in."""
        turn = self._step(_next_turn(state), heard)
        if state.step in PRIVATE_STEPS:
            # A date of birth is compared, never written down: not in the turn log, not
            # on the agent's screen.
            turn = dataclasses.replace(turn, private=True)
        return turn

    def resume(self, turn: Turn, result) -> Turn:
        """Carry on after `turn.query` was run; `result` is what it found (plain data)."""
        state = turn.state.copy()
        kind, state.pending = state.pending, None
        if kind not in RESULTS:
            raise ValueError(f"no result handler for {kind}")
        nxt = RESULTS[kind](state, result)
        then = nxt.state.later if (nxt.state.later or {}).get("then") else None
        if then is not None:
            nxt.state.later = None  # the caller's words are not kept past this turn
            if nxt.state.step == "anything_else":
                nxt = self._then(nxt, then)
        return dataclasses.replace(nxt, actions=(*turn.actions, *nxt.actions),
                                   recognition=turn.recognition, private=turn.private)

    def _then(self, done: Turn, then: dict) -> Turn:
        """"Ja, und was muss ich mitbringen?": the offer done ("Die Nummer schicke ich
        Ihnen per SMS."), the request said with the yes is taken up at once, in place of
        "Kann ich sonst noch etwas für Sie tun?"."""
        said = [prompt for action in done.actions
                for prompt in (action.prompts if isinstance(action, Ask) else (action,))
                if not (isinstance(prompt, Say) and prompt.key == "anything_else")]
        state = done.state.copy()
        state.step = "listen"
        again = self._step(state, Heard(speech=then["text"],
                                        now=datetime.fromisoformat(then["at"])))
        return dataclasses.replace(again, actions=(*said, *again.actions))

    def callback_instead(self, state: CallState) -> Turn:
        """From the queue: the caller chose a callback over waiting (a turn of its own)."""
        return handover.start_callback(_next_turn(state))

    def message_empty(self, state: CallState) -> Turn:
        """Nothing was said after the beep (a turn of its own, from the voicemail webhook)."""
        return handover.message_empty(_next_turn(state))

    def unreachable(self, state: CallState) -> Turn:
        """The queue failed (full, error): nobody can be reached, offer the alternatives."""
        state = _next_turn(state)
        state.transfer = {"event": "agent:queue_failed", "queue": "general"}
        return handover.staffed(state, open_now=False)

    # -- one turn

    def _step(self, state: CallState, heard: Heard) -> Turn:
        if state.step in ("new", "agent", "ended"):
            # A turn after a hand-over or hangup (a late or replayed webhook): start
            # listening again rather than leave the caller in silence.
            state.step = "listen"
        words = self.rules.understand(heard.speech, state.lang, heard.now, heard.digits)
        t = Talk(state, heard, words, self.rules)
        if words.crisis is not None and not listening.wants_nothing_more(t):
            # Before anything else, in every step: help first, whatever was asked.
            return listening.crisis(t, words.crisis, words.crisis_language)
        if state.step == "crisis_numbers":
            return listening.crisis_numbers(t)
        recognition = words.recognition
        calm = words.calm if recognition is not None and recognition.intent == "emergency" \
            else None
        if calm is not None and calm.intent == "book_appointment" and calm.confident:
            # "Geht heute noch was in Waiblingen? Ist dringend": urgent, and a booking; the
            # nearest slot is what helps (no hardship was named).
            return listening.handle(t, "book_appointment", calm, words)
        if recognition is not None and recognition.intent == "emergency":
            # Before anything else ("nichts mehr" is not a goodbye here), and before the
            # confidence check: on a bad line an emergency must still be heard.
            return listening.handle(t, "emergency", recognition, words)
        if state.step == "worry_check":
            return self._worry_answered(t)
        if state.worry is None and words.worry is not None:
            # Words that give cause for worry, in any step: asked about once a call. What
            # was said with them is kept until the answer (never a date of birth).
            said = "" if state.step in PRIVATE_STEPS else heard.speech
            return listening.worry_check(t, words.worry, said)
        command = listening.command(t)
        if command is not None:
            return self._settle(t, command)
        optional = STEPS.get(state.step, LISTEN).optional
        if heard.silent and not optional:
            return self._failed(t, listening.SILENCE)
        if (heard.confidence is not None and heard.confidence < self.rules.min_confidence
                and not optional):
            return self._failed(t, listening.LOW_CONFIDENCE)

        step = STEPS.get(state.step, LISTEN)
        if step.may_pass:
            reply = step.answer(t)
            if reply is not None:
                return self._settle(t, reply)
            state.step, step = "listen", LISTEN  # not an answer to that question
        if heard.speech and step.referrals:
            office = self.rules.referrals.match(heard.speech, state.lang, words.canonical)
            if office is not None and booking.booked_here(office, words):
                # "Einen Termin, ich will mich arbeitslos melden": booked, and told which
                # office decides the matter.
                return self._settle(t, listening.handle(t, "book_appointment", recognition,
                                                        words))
            if office is not None:
                # "Çocuk parası ne zaman yatacak" at the German greeting: the office, said
                # in the language whose words these are (German knew none of them).
                other = (listening.in_other_language(t)
                         if recognition is not None and recognition.score == 0.0 else None)
                if other is not None:
                    return self._settle(t, other)
                return dataclasses.replace(matters.refer(state, office), recognition=recognition)
        return self._settle(t, step.answer(t))

    def _worry_answered(self, t: Talk) -> Turn:
        """The answer to "Sind Sie in Gefahr?". After "nein" the words that raised the
        question are taken up in the step they were said at: "einen Termin wegen Geld,
        ich hab so Angst" goes on to the booking, "Waiblingen, aber ..." to the day. Words
        that answer nothing there leave the caller at the question before."""
        said = (t.state.worry or {}).get("said", "")
        words, answer = t.words, None
        recognition = words.recognition
        if (words.answer is None and not listening.HEDGED_WORDS.search(words.folded)
                and recognition is not None and recognition.confident
                and recognition.intent not in (None, "emergency")):
            # "Wann haben Sie geöffnet?" instead of an answer: a request of its own, taken
            # as "no", and the request goes on.
            answer, said = "no", t.heard.speech or ""
        turn = listening.worry_answer(t, answer)
        if turn.event != "worry:no" or not said.strip():
            return turn
        again = self._step(turn.state.copy(), Heard(speech=said, now=t.heard.now))
        if again.state.failures > turn.state.failures:
            return turn  # a "not understood" would follow the thanks: ask as before
        return dataclasses.replace(again, actions=(Say("worry_back"), *again.actions))

    def _settle(self, t: Talk, reply: Reply) -> Turn:
        if isinstance(reply, Failed):
            return self._failed(t, reply.why)
        if isinstance(reply, Switch):
            turn = listening.handle(t, reply.intent, reply.recognition, reply.words)
            return dataclasses.replace(turn, actions=(*reply.before, *turn.actions))
        return reply

    def _failed(self, t: Talk, why: str) -> Turn:
        state = t.state
        state.failures += 1
        rule = STEPS.get(state.step, LISTEN).on_failure
        if rule == REPEAT_THEN_MESSAGE and state.failures >= MAX_FAILURES:
            # Nobody can take the call now and we keep missing each other: take a message.
            turn = message_or_goodbye(state)
        elif rule in (REPEAT, REPEAT_THEN_MESSAGE) and state.failures < MAX_FAILURES:
            turn = repeat_question(state, why)
        elif rule == GOODBYE:
            # The caller has had an answer already: one more try, then a polite goodbye.
            if state.failures >= 2:
                turn = goodbye(state, f"goodbye:{why}")
            else:
                turn = ask(state, [Say(why), Say("anything_else")], "yes_no", f"reprompt:{why}")
        elif state.failures >= MAX_FAILURES:
            turn = transfer(state, f"agent:{why}", "handover_not_understood", before=[Say(why)])
        elif state.failures == 1 and state.lang in self.rules.repeat_once and state.last_ask:
            # Plain German: the same question once more, the same words, before moving on.
            turn = repeat_question(state, why)
        elif (state.failures == MAX_FAILURES - 1 and listening.offers_language_menu(t)
              and listening.keys_clash(self.rules)):
            # Not understood twice at the start: perhaps no German at all. The languages
            # get a question of their own where their keys are topic keys (see listening).
            turn = listening.language_menu(t, before=[Say(why)])
        elif state.failures == MAX_FAILURES - 1:
            offers = self.rules.offers(state.lang) if listening.offers_language_menu(t) else []
            state.step = "menu"
            turn = ask(state, [Say(why), Say("menu"), *offers], "menu", f"menu:{why}")
        else:
            state.step = "listen"
            turn = ask(state, [Say(why), Say("ask_short")], "request", f"reprompt:{why}")
        return dataclasses.replace(turn, recognition=t.recognition)


def _next_turn(state: CallState) -> CallState:
    state = state.copy()  # never change the caller's copy
    state.turn += 1
    return state
