"""What the conversation remembers between two webhooks of a call, what the caller did in
one turn, and the conversation's answer to it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

import clock
import speech

from .actions import Action, Query

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


@dataclass
class CallState:
    """Everything the conversation needs to remember between two webhooks of one call."""

    lang: str = "de"
    step: str = "new"  # a key of conversation.dialogue.STEPS, or new | agent | ended
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
    # A message left for the team is answered where it was left (SMS, web chat), not by
    # calling back: it needs no number.
    answered_here: bool = False
    booking: dict | None = None  # the booking conversation under way (.booking)
    pending: str | None = None  # the query whose result the conversation waits for
    request_text: str = ""  # the request being clarified, for its details (site, day)
    # A second request said with the first ("einen Termin, und wann kommt mein Geld?"):
    # {"intent", "text"}, offered when the first is done (replies.anything_else).
    later: dict | None = None
    caller_tail: str = ""  # the caller id's last digits, to ask "the number ending in ...?"
    transfer: dict | None = None  # a hand-over waiting for "is anyone there?" (.handover)
    callback: dict | None = None  # the callback request being taken
    identity: dict | None = None  # the identity check and status question (.identity)
    referral: dict | None = None  # the other office whose number may go by SMS (.matters)
    absence: dict | None = None  # why the caller cannot come: the kind of reason only
    site: str | None = None  # the site last talked about ("Und wo genau ist das?")
    # "Wann haben Sie offen und wo ist das?": the way is told after the hours (.way).
    way_after: bool = False
    # The language an interpreter is needed for (the caller's, or one the hotline does
    # not speak: "fa"); the call then goes to an agent of the first language.
    interpreter: str | None = None
    # Words that gave cause to ask whether the caller is in danger (speech.detect_worry):
    # the kind, and the question the caller was at, to go back to; {"asked": True} once
    # answered, for the question comes once a call.
    worry: dict | None = None

    def to_dict(self) -> dict:
        """The state as plain JSON data (shared, not copied: see `copy`), in the order
        of the fields."""
        return dict(self.__dict__)

    def copy(self) -> CallState:
        """A deep copy. The state is JSON data, most of it strings and numbers, which
        are shared; only its lists and dicts are copied (measured: a JSON round trip of
        the whole state cost seven times as much, 1.5% of a webhook turn)."""
        new = object.__new__(CallState)
        fields = dict(self.__dict__)
        for name in _CONTAINER_FIELDS:
            value = fields[name]
            if value:
                fields[name] = _copied(value)
        new.__dict__.update(fields)
        return new

    @classmethod
    def from_dict(cls, data: dict) -> CallState:
        if data.keys() == _STATE_FIELDS:  # as stored by this version: nothing to leave out
            return cls(**data)
        return cls(**{k: v for k, v in data.items() if k in _STATE_FIELDS})


_STATE_FIELDS = frozenset(f.name for f in dataclasses.fields(CallState))
# The fields that may hold lists or dicts; the others hold strings, numbers or None.
_CONTAINER_FIELDS = tuple(f.name for f in dataclasses.fields(CallState)
                          if "list" in str(f.type) or "dict" in str(f.type))


def _copied(value):
    """JSON data copied as a JSON round trip would copy it (tuples become lists)."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_copied(item) for item in value]
    return value


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
    """The conversation's answer to one turn: the new state, what to do, a note for the log."""

    state: CallState
    actions: tuple[Action, ...]
    event: str  # short machine-readable note: "answered:documents", "reprompt:not_heard", ...
    recognition: speech.Recognition | None = None
    query: Query | None = None  # to run before the turn is answered; see `Dialogue.resume`
    private: bool = False  # what the caller said is not to be kept (a date of birth)


def achieve(state: CallState, outcome: str) -> None:
    """Record what the call achieved, unless it already achieved more."""
    if OUTCOME_RANK[outcome] >= OUTCOME_RANK[state.outcome]:
        state.outcome = outcome
