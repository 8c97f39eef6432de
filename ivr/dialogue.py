"""The dialogue: a pure function from (call state, what the caller did) to (new state, actions).

No Flask, no database, no Twilio in here, so a whole conversation runs in microseconds in
a test. The views load the state, call `Dialogue.start` or `Dialogue.step`, save the new
state and render the actions as TwiML.

Where a call can be (`CallState.step`) and what moves it on:

    step            caller does                         hotline does                  next step
    --------------  ----------------------------------  ----------------------------  -------------
    (new call)      -                                   greeting                      listen
    listen          says a clear request                answers it / hands over       anything_else
    listen, menu    "Mitarbeiter", 0                    hands over                    agent
    any             self-harm, violence, emergency      help numbers, emergency queue agent
                    (speech.detect_crisis)              closed: numbers, no menu      crisis_numbers
    crisis_numbers  yes / "Wiederholen"                 the numbers again             crisis_numbers
    crisis_numbers  anything else, silence              the numbers, goodbye          ended
    listen, menu    emergency (no money, eviction, ...) hands over, emergency queue   agent
    listen          two requests fit equally well       "Geht es um A oder um B?"     clarify
    clarify         names one, or 1 / 2                 handles that one              (as listen)
    listen          a request, but heard only weakly    "Es geht um A, richtig?"      confirm
    confirm         yes / no                            handles A / counts a failure  (as listen)
    listen          9, "English" / "Deutsch"            switches language, asks again listen
    listen          application or payment status       checks identity (ivr.identity) id_number
    any             "Wiederholen", *                    repeats the last question     same
    any asking      silence, no match, bad line         1st: shorter question         listen
                                                        2nd: keypad menu              menu
                                                        3rd: hands over               agent
    menu            1-5                                 handles that topic            (as listen)
    anything_else   yes / a new request                 "Was kann ich tun?" / handles listen / ...
    anything_else   no, goodbye                         goodbye, hangs up             ended
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import clock
import speech
from speech.catalogue import Catalogue

from .booking import BookingSteps, Query
from .handover import HANDOVER_STEPS, HandoverSteps
from .identity import (
    IDENTITY_APOLOGIES,
    IDENTITY_QUERIES,
    IDENTITY_STEPS,
    STATUS_INTENTS,
    IdentitySteps,
)
from .matters import MATTER_STEPS, MatterSteps
from .referrals import Referrals
from .referrals import load as load_referrals
from .way import WAY_QUERIES, WAY_STEPS, WaySteps

BERLIN = ZoneInfo("Europe/Berlin")

# How a caller's turn can fail; each has its own apology.
SILENCE = "not_heard"
NO_MATCH = "not_understood"
LOW_CONFIDENCE = "low_confidence"
BAD_KEY = "key_unknown"
# Apologies are said before a question again, but never repeated on "Wie bitte?".
APOLOGIES = {SILENCE, NO_MATCH, LOW_CONFIDENCE, BAD_KEY, "when_not_understood",
             "code_incomplete", "phone_incomplete"} | IDENTITY_APOLOGIES
BOOKING_STEPS = {"book_topic", "book_site", "book_when", "book_offer", "book_sms",
                 "book_remind", "find_code", "confirm_find", "confirm_cancel", "confirm_move"}
# Steps whose answer is kept out of the turn log.
PRIVATE_STEPS = {"id_dob"}
BOOKING_INTENTS = {"book_appointment", "cancel_appointment", "reschedule_appointment"}

MAX_FAILURES = 3  # failed turns in a row; the third goes to an agent
# A request recognised with at least this score, but not confidently, is confirmed
# with the caller instead of being asked for again from scratch.
CONFIRM_SCORE = 0.3

# Keypad menu offered after the second failed turn.
MENU = {
    "1": "book_appointment",
    "2": "payment_status",
    "3": "application_status",
    "4": "documents",
    "5": "online_services",
}
AGENT_KEY = "0"
ENGLISH_KEY = "9"
REPEAT_KEY = "*"

# Intents answered on the phone from the prompt catalogue; the rest go to an agent
# until their issues land (booking, status checks, ...).
ANSWERED_BY_PROMPT = {"documents", "online_services"}
# Intents that can be done online: the hotline says how before handing over.
ONLINE_FIRST = {"report_change"}
# Steps in which a caller states a request: another office's matter is recognised there.
REFERRAL_STEPS = {"listen", "menu", "anything_else", "clarify", "confirm", "unstaffed"}

# Outcomes, from weakest to strongest: a later, weaker event never hides a stronger
# one (a call that booked and then hung up is "booked").
OUTCOME_RANK = {
    None: 0,
    "hangup": 1,
    "answered": 2,
    "agent": 3,
    "callback": 4,
    "cancelled": 5,
    "rescheduled": 5,
    "booked": 5,
}


# ----------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class Say:
    """Say a sentence from the prompt catalogue, in `lang` if given, else the call's."""

    key: str
    params: dict = field(default_factory=dict)
    lang: str | None = None


@dataclass(frozen=True)
class Ask:
    """Say these sentences and listen for the caller's answer (a <Gather>)."""

    prompts: tuple[Say, ...]
    expect: str = "request"  # request | menu | yes_no | choice | code | phone
    lang: str = "de"


@dataclass(frozen=True)
class Transfer:
    """Hand the caller to a person, in the queue for `queue`."""

    reason: str
    queue: str = "general"  # general | emergency


@dataclass(frozen=True)
class Hangup:
    """End the call."""


@dataclass(frozen=True)
class Record:
    """Record a message from the caller (voicemail)."""

    max_seconds: int = 120


@dataclass(frozen=True)
class PutThrough:
    """Connect the caller to another office's number (a referral the job centre allows)."""

    number: str


Action = Say | Ask | Transfer | Hangup | Record | PutThrough


# ----------------------------------------------------------------------------- state


@dataclass
class CallState:
    """Everything the dialogue needs to remember between two webhooks of one call."""

    lang: str = "de"
    step: str = "new"  # new | listen | menu | clarify | anything_else | agent | ended
    turn: int = 0  # caller turns taken so far
    failures: int = 0  # failed turns in a row
    intent: str | None = None  # the request being handled
    candidates: list[str] = field(default_factory=list)  # for clarify
    last_ask: list[list] = field(default_factory=list)  # [key, params] pairs, for repeat
    last_expect: str = "request"
    outcome: str | None = None
    emergency: bool = False
    crisis: str | None = None  # self_harm | violence | emergency (speech.detect_crisis)
    caller_id: bool = False  # the caller's number is known (not withheld)
    mobile: bool = False  # ... and is a mobile, so an SMS can reach it
    booking: dict | None = None  # the booking conversation under way (ivr.booking)
    pending: str | None = None  # the query whose result the dialogue waits for
    request_text: str = ""  # the request being clarified, for its details (site, day)
    caller_tail: str = ""  # the caller id's last digits, to ask "the number ending in ...?"
    transfer: dict | None = None  # a hand-over waiting for "is anyone there?" (ivr.handover)
    callback: dict | None = None  # the callback request being taken
    identity: dict | None = None  # the identity check and status question (ivr.identity)
    referral: dict | None = None  # the other office whose number may go by SMS (ivr.matters)
    absence: dict | None = None  # why the caller cannot come: the kind of reason only

    def to_dict(self) -> dict:
        """The state as plain JSON data (shared, not copied: see `copy`)."""
        return {name: getattr(self, name) for name in _STATE_FIELDS}

    def copy(self) -> CallState:
        # Through JSON: the state is JSON data anyway, and the C encoder deep-copies
        # it several times faster than dataclasses.asdict or copy.deepcopy.
        return CallState(**json.loads(json.dumps(self.to_dict())))

    @classmethod
    def from_dict(cls, data: dict) -> CallState:
        return cls(**{k: v for k, v in data.items() if k in _STATE_FIELDS})


_STATE_FIELDS = frozenset(f.name for f in dataclasses.fields(CallState))


@dataclass(frozen=True)
class Heard:
    """What Twilio reported for one turn: speech with its confidence, or keypad digits."""

    speech: str = ""
    confidence: float | None = None
    digits: str = ""
    now: datetime = field(default_factory=clock.berlin)  # for "morgen"

    @property
    def silent(self) -> bool:
        return not self.speech.strip() and not self.digits


@dataclass(frozen=True)
class Turn:
    """The dialogue's answer to one turn: the new state, what to do, and a note for the log."""

    state: CallState
    actions: tuple[Action, ...]
    event: str  # short machine-readable note: "answered:documents", "reprompt:not_heard", ...
    recognition: speech.Recognition | None = None
    query: Query | None = None  # to run before the turn is answered; see `resume`
    private: bool = False  # what the caller said is not to be kept (a date of birth)


# ----------------------------------------------------------------------------- dialogue


@dataclasses.dataclass(frozen=True)
class _Pinned:
    """A catalogue version as a cache key: equal by version number alone."""

    version: int
    catalogue: Catalogue = dataclasses.field(compare=False, hash=False)


class Dialogue(BookingSteps, HandoverSteps, IdentitySteps, MatterSteps, WaySteps):
    """The hotline's conversation rules, configured once per app."""

    def __init__(
        self,
        languages: list[str],
        min_confidence: float = 0.3,
        recognise: Callable[[str, str], speech.Recognition] = speech.recognise,
        extract: Callable[..., dict] = speech.extract_entities,
        reply: Callable[[str, str], dict] = speech.extract_reply,
        referrals: Referrals | None = None,
        catalogues: Callable[[str], tuple[int, Catalogue]] | None = None,
    ):
        self.languages = languages or ["de"]
        self.referrals = referrals or load_referrals()
        self.min_confidence = min_confidence
        # One caller turn asks for the entities of the same words several times (a
        # command? an answer? a date?): remember the last few hundred. Results are
        # shared, so nobody may change them.
        if catalogues is None:
            self.recognise = functools.lru_cache(maxsize=512)(recognise)
        else:
            # The live catalogue (supervisors' phrases): recognised with the version in
            # use now, remembered per version, so a new version is never answered from
            # the old one's memory.
            by_version = functools.lru_cache(maxsize=512)(
                lambda text, lang, version, pinned: recognise(text, lang,
                                                              catalogue=pinned.catalogue))

            def recognise_live(text: str, lang: str) -> speech.Recognition:
                version, catalogue = catalogues(lang)
                return by_version(text, lang, version, _Pinned(version, catalogue))

            self.recognise = recognise_live
        self.extract = functools.lru_cache(maxsize=512)(extract)
        self.reply = functools.lru_cache(maxsize=512)(reply)

    # -- entry points

    def start(self, caller_id: bool = False, mobile: bool = False, caller_tail: str = ""
              ) -> Turn:
        """A new call: greet in the first language and listen."""
        state = CallState(lang=self.languages[0], step="listen", caller_id=caller_id,
                          mobile=mobile, caller_tail=caller_tail)
        prompts = [Say("greeting")]
        other = self._other_language(state.lang)
        if other:
            prompts.append(Say("offer_language", lang=other))
        return self._ask(state, prompts, "request", "greeting")

    @staticmethod
    def _next_turn(state: CallState) -> CallState:
        state = state.copy()  # never mutate the caller's copy
        state.turn += 1
        return state

    def step(self, state: CallState, heard: Heard) -> Turn:
        """One caller turn: what they said or pressed, in the step the call is in."""
        turn = self._step(state, heard)
        if state.step in PRIVATE_STEPS:
            # A date of birth is compared, never written down: not in the turn log, not
            # on the agent's screen.
            turn = dataclasses.replace(turn, private=True)
        return turn

    def _step(self, state: CallState, heard: Heard) -> Turn:
        state = self._next_turn(state)
        if state.step in ("new", "agent", "ended"):
            # A turn after a hand-over or hangup (a late or replayed webhook): start
            # listening again rather than leave the caller in silence.
            state.step = "listen"

        recognition = self.recognise(heard.speech, state.lang) if heard.speech else None
        crisis = speech.detect_crisis(heard.speech, state.lang) if heard.speech else None
        if crisis is not None:
            # Before anything else, in every step: help first, whatever was asked.
            return self._crisis(state, crisis, recognition)
        if state.step == "crisis_numbers":
            return self._crisis_numbers(state, heard)
        if recognition is not None and recognition.intent == "emergency":
            # Before anything else ("nichts mehr" is not a goodbye here), and before the
            # confidence check: on a bad line an emergency must still be heard.
            return self._handle(state, "emergency", recognition, heard)
        command = self._command(state, heard, recognition)
        if command:
            return command

        if heard.silent:
            return self._failed(state, SILENCE)

        if heard.confidence is not None and heard.confidence < self.min_confidence:
            return self._failed(state, LOW_CONFIDENCE, recognition)
        if state.step in MATTER_STEPS:
            answered = self._matter_answer(state, heard, recognition)
            if answered is not None:
                return answered
            state.step = "listen"  # not an answer to that question: a new request
        if state.step in WAY_STEPS:  # opening hours and the way there (ivr/way.py)
            answered = self._way_answer(state, heard, recognition)
            if answered is not None:
                return answered
            state.step = "listen"
        if heard.speech and state.step in REFERRAL_STEPS:
            office = self.referrals.match(heard.speech, state.lang)
            if office is not None:
                return dataclasses.replace(self._refer(state, office), recognition=recognition)
        if state.step in BOOKING_STEPS:
            return self._booking_answer(state, heard, recognition)
        if state.step in HANDOVER_STEPS:
            return self._handover_answer(state, heard, recognition)
        if state.step in IDENTITY_STEPS:
            return self._identity_answer(state, heard, recognition)
        if heard.digits:
            return self._keypad(state, heard.digits)
        if state.step == "anything_else":
            return self._anything_else(state, heard, recognition)
        if state.step == "clarify":
            return self._clarify(state, heard, recognition)
        if state.step == "confirm":
            return self._confirm(state, heard, recognition)
        return self._request(state, heard, recognition)

    def resume(self, turn: Turn, result) -> Turn:
        """Carry on after `turn.query` was run; `result` is what it found (plain data)."""
        state = turn.state.copy()
        kind, state.pending = state.pending, None
        if kind == "transfer":
            nxt = self._transfer_result(state, bool(result))
        elif kind == "request_callback":
            nxt = self._callback_result(state, result)
        elif kind in WAY_QUERIES:  # opening hours and the way there (ivr/way.py)
            nxt = self._way_result(state, kind, result)
        elif kind == "referral_sms":
            nxt = self._referral_sms_result(state, result)
        elif kind == "absence_note":
            nxt = self._absence_note_result(state, result)
        elif kind in IDENTITY_QUERIES:
            nxt = self._identity_result(state, kind, result)
        else:
            nxt = self._booking_result(state, kind, result)
        return dataclasses.replace(nxt, actions=(*turn.actions, *nxt.actions),
                                   recognition=turn.recognition, private=turn.private)

    # -- steps

    def _command(
        self, state: CallState, heard: Heard, recognition: speech.Recognition | None
    ) -> Turn | None:
        """What works at any time: an agent, a language switch, a repeat, goodbye."""
        if heard.digits == AGENT_KEY:
            return self._handle(state, "agent", None)
        if heard.digits == REPEAT_KEY:
            return self._repeat(state)
        if heard.digits == ENGLISH_KEY and state.step in ("listen", "menu"):
            if "en" in self.languages:
                return self._switch(state, "en")
        if not heard.speech:
            return None
        command = self.reply(heard.speech, state.lang).get("command")
        if command == "agent":
            return self._handle(state, "agent", recognition)
        if command in ("english", "german"):
            lang = "en" if command == "english" else "de"
            if lang in self.languages and lang != state.lang:
                return self._switch(state, lang)
        if command == "repeat":
            return self._repeat(state)
        if command == "goodbye":
            return self._goodbye(state, "goodbye")
        return None

    def _request(self, state: CallState, heard: Heard, recognition: speech.Recognition) -> Turn:
        if recognition.intent == "emergency" or _mentions_emergency(recognition):
            return self._handle(state, "emergency", recognition)
        if recognition.intent == "out_of_scope":
            return self._failed(state, NO_MATCH, recognition)
        if recognition.ambiguous and recognition.alternatives:
            second = recognition.alternatives[0][0]
            if second != "out_of_scope":
                state.step = "clarify"
                state.request_text = recognition.text
                state.candidates = [recognition.intent, second]
                prompt = Say("clarify", {"topic_first": recognition.intent,
                                         "topic_second": second})
                turn = self._ask(state, [prompt], "choice", "clarify")
                return dataclasses.replace(turn, recognition=recognition)
        if not recognition.confident:
            if recognition.score >= CONFIRM_SCORE:
                state.step = "confirm"
                state.request_text = recognition.text
                state.candidates = [recognition.intent]
                prompt = Say("confirm", {"topic_intent": recognition.intent})
                turn = self._ask(state, [prompt], "yes_no", "confirm")
                return dataclasses.replace(turn, recognition=recognition)
            return self._failed(state, NO_MATCH, recognition)
        return self._handle(state, recognition.intent, recognition, heard)

    def _crisis(self, state: CallState, kind: str, recognition: speech.Recognition | None
                ) -> Turn:
        """A caller in crisis: the help numbers first (self-harm, violence), then a person
        at emergency priority; outside staffed hours see `_transfer_result`."""
        state.intent = "emergency"
        state.emergency = True
        state.crisis = kind
        state.failures = 0
        state.candidates = []
        state.request_text = ""
        before = [Say(f"crisis_{kind}")] if kind in ("self_harm", "violence") else []
        turn = self._transfer(state, "agent:emergency", "emergency", queue="emergency",
                              before=before)
        return dataclasses.replace(turn, recognition=recognition)

    def _crisis_numbers(self, state: CallState, heard: Heard) -> Turn:
        """Outside staffed hours, after the crisis numbers: again on "yes", else goodbye.
        Never a menu, and never the agent: there is nobody to put the caller through to."""
        said = self.reply(heard.speech, state.lang) if heard.speech else {}
        again = (said.get("answer") == "yes" or said.get("command") == "repeat"
                 or heard.digits[:1] in ("1", REPEAT_KEY))
        if again or (heard.silent and state.failures == 0):
            # One silence is not a goodbye: someone in crisis may need a moment.
            state.failures = 0 if again else state.failures + 1
            return self._ask(state, [Say("crisis_call_now"), Say("crisis_again")], "yes_no",
                             "crisis:again", step="crisis_numbers")
        state.step = "ended"
        return Turn(state, (Say("crisis_call_now"), Say("crisis_goodbye"), Hangup()),
                    "crisis:goodbye")

    def _confirm(self, state: CallState, heard: Heard, recognition: speech.Recognition) -> Turn:
        request_ = self._with_request(state, heard)
        answer = self.reply(heard.speech, state.lang).get("answer")
        if answer == "yes" and state.candidates:
            return self._handle(state, state.candidates[0], recognition, request_)
        if recognition.confident and recognition.intent != "out_of_scope":
            return self._handle(state, recognition.intent, recognition, request_)
        return self._failed(state, NO_MATCH, recognition)

    def _clarify(self, state: CallState, heard: Heard, recognition: speech.Recognition) -> Turn:
        request_ = self._with_request(state, heard)
        if recognition.intent in state.candidates and recognition.confident:
            return self._handle(state, recognition.intent, recognition, request_)
        answer = self.reply(heard.speech, state.lang).get("answer")
        if answer == "yes" and state.candidates:
            # "Ja" to "A or B?" most often means the first, which is the better match.
            return self._handle(state, state.candidates[0], recognition, request_)
        return self._failed(state, NO_MATCH, recognition)

    def _keypad(self, state: CallState, digits: str) -> Turn:
        key = digits[:1]
        if state.step == "clarify" and key in ("1", "2") and len(state.candidates) == 2:
            return self._handle(state, state.candidates[int(key) - 1], None,
                                self._with_request(state, Heard()))
        if state.step == "confirm" and key == "1" and state.candidates:
            return self._handle(state, state.candidates[0], None,
                                self._with_request(state, Heard()))
        if state.step == "anything_else" and key in MENU:
            return self._handle(state, MENU[key], None)
        if state.step in ("listen", "menu") and key in MENU:
            return self._handle(state, MENU[key], None)
        return self._failed(state, BAD_KEY)

    def _anything_else(
        self, state: CallState, heard: Heard, recognition: speech.Recognition
    ) -> Turn:
        entities = self.reply(heard.speech, state.lang)
        is_request = (
            recognition.confident
            and recognition.intent not in ("out_of_scope", "agent")
            and not recognition.ambiguous
        )
        if is_request:
            return self._handle(state, recognition.intent, recognition, heard)
        if entities.get("answer") == "no":
            return self._goodbye(state, "goodbye")
        if entities.get("answer") == "yes":
            state.step = "listen"
            state.failures = 0
            return self._ask(state, [Say("what_else")], "request", "more")
        return self._failed(state, NO_MATCH, recognition)

    # -- what the hotline does

    def _handle(
        self, state: CallState, intent: str, recognition: speech.Recognition | None,
        heard: Heard | None = None,
    ) -> Turn:
        # "Mitarbeiter" during an identity check keeps the status request, so the agent
        # is chosen (and told) by it.
        keep = (intent == "agent" and state.step in IDENTITY_STEPS
                and state.intent in STATUS_INTENTS)
        state.intent = state.intent if keep else intent
        state.failures = 0
        state.candidates = []
        state.request_text = ""
        heard = heard or Heard()
        if intent == "agent":
            turn = self._transfer(state, "agent:requested", "handover")
        elif intent == "emergency":
            state.emergency = True
            turn = self._transfer(state, "agent:emergency", "emergency", queue="emergency")
        elif intent in ANSWERED_BY_PROMPT:
            achieve(state, "answered")
            turn = self._anything_else_question(state, f"answered:{intent}", before=[Say(intent)])
        elif intent in BOOKING_INTENTS:
            turn = self._start_booking(state, intent, heard, recognition)
        elif intent in STATUS_INTENTS:
            turn = self._start_status(state, intent, heard)
        elif intent == "letter":
            turn = self._letter(state, heard)
        elif intent == "report_sick":
            turn = self._absence(state, heard)
        elif self.referrals.for_intent(intent) is not None:
            turn = self._refer(state, self.referrals.for_intent(intent))
        elif intent in ONLINE_FIRST:
            # Can be done online: say so in one sentence, then a person helps all the same.
            turn = self._transfer(state, f"agent:{intent}", "handover",
                                  before=[Say(f"online_{intent}")])
        elif intent == "opening_hours":  # the hours or the way there (ivr/way.py)
            turn = self._opening_hours(state, heard)
        else:
            # Not built yet: say so honestly and hand over rather than pretend.
            turn = self._transfer(state, f"agent:{intent}", "handover", before=[Say("not_yet")])
        return dataclasses.replace(turn, recognition=recognition)

    def _failed(
        self, state: CallState, why: str, recognition: speech.Recognition | None = None
    ) -> Turn:
        state.failures += 1
        if state.step in HANDOVER_STEPS and state.failures >= MAX_FAILURES:
            # Nobody can take the call now and we keep missing each other: take a message.
            turn = self._voicemail(state)
        elif (state.step in (BOOKING_STEPS | HANDOVER_STEPS | IDENTITY_STEPS | MATTER_STEPS
                             | WAY_STEPS)
              and state.failures < MAX_FAILURES):
            # Ask the same question again, after saying what went wrong.
            prompts = [Say(why)] + [Say(key, dict(params)) for key, params in state.last_ask]
            turn = self._ask(state, prompts, state.last_expect, f"reprompt:{why}")
        elif state.step == "anything_else":
            # The caller has had an answer already: one more try, then a polite goodbye.
            if state.failures >= 2:
                turn = self._goodbye(state, f"goodbye:{why}")
            else:
                turn = self._ask(state, [Say(why), Say("anything_else")], "yes_no",
                                 f"reprompt:{why}")
        elif state.failures >= MAX_FAILURES:
            turn = self._transfer(state, f"agent:{why}", "handover_not_understood",
                                  before=[Say(why)])
        elif state.failures == MAX_FAILURES - 1:
            state.step = "menu"
            turn = self._ask(state, [Say(why), Say("menu")], "menu", f"menu:{why}")
        else:
            state.step = "listen"
            turn = self._ask(state, [Say(why), Say("ask_short")], "request", f"reprompt:{why}")
        return dataclasses.replace(turn, recognition=recognition)

    def _switch(self, state: CallState, lang: str) -> Turn:
        state.lang = lang
        state.step = "listen"
        state.failures = 0
        return self._ask(state, [Say("switched_language")], "request", f"language:{lang}")

    def _repeat(self, state: CallState) -> Turn:
        if not state.last_ask:
            return self._ask(state, [Say("what_else")], "request", "repeat")
        prompts = [Say(key, dict(params)) for key, params in state.last_ask]
        return self._ask(state, prompts, state.last_expect, "repeat")

    def _goodbye(self, state: CallState, event: str) -> Turn:
        state.step = "ended"
        achieve(state, "hangup")
        return Turn(state, (Say("goodbye"), Hangup()), event)

    def _ask(self, state: CallState, prompts: list[Say], expect: str, event: str,
             step: str | None = None) -> Turn:
        if step is not None:
            state.step = step
        # Remember what was asked (the caller may say "Wie bitte?"), without the
        # apology that came before it.
        state.last_ask = [[p.key, p.params] for p in prompts if p.key not in APOLOGIES]
        state.last_expect = expect
        return Turn(state, (Ask(tuple(prompts), expect=expect, lang=state.lang),), event)

    def _query(self, state: CallState, kind: str, args: dict, pending: str,
               before=()) -> Turn:
        state.pending = pending
        return Turn(state, tuple(before), f"query:{kind}", query=Query(kind, args))

    def _anything_else_question(self, state: CallState, event: str, before=()) -> Turn:
        state.failures = 0
        return self._ask(state, [*before, Say("anything_else")], "yes_no", event,
                         step="anything_else")

    @staticmethod
    def _with_request(state: CallState, heard: Heard) -> Heard:
        """The answer to "A or B?" with the request it answers, whose details still count."""
        return dataclasses.replace(heard, speech=f"{state.request_text} {heard.speech}".strip())

    @staticmethod
    def say(key: str, **params) -> Say:
        return Say(key, params)

    @staticmethod
    def _achieve(state: CallState, outcome: str) -> None:
        achieve(state, outcome)

    def _other_language(self, lang: str) -> str | None:
        others = [code for code in self.languages if code != lang]
        return others[0] if others else None


def achieve(state: CallState, outcome: str) -> None:
    """Record what the call achieved, unless it already achieved more."""
    if OUTCOME_RANK[outcome] >= OUTCOME_RANK[state.outcome]:
        state.outcome = outcome


def _mentions_emergency(recognition: speech.Recognition) -> bool:
    """An emergency close behind the top intent still counts: it must never be missed."""
    return any(
        intent == "emergency" and score >= 0.5 for intent, score in recognition.alternatives[:2]
    )
