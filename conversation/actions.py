"""What the conversation asks the phone side to do: say, ask, hand over, hang up, record,
put through, and the queries whose results it needs before it can answer."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Query:
    """Something the conversation needs from outside: the calendar, the bookings, a case,
    an SMS. The web adapter runs it (ivr.effects) and hands the result to
    `Dialogue.resume`."""

    kind: str  # find_slot | book | find_booking | cancel | reschedule | send_sms |
    #            reminder_consent | opening_hours | agents_open | ...
    args: dict


def say(key: str, **params) -> Say:
    return Say(key, params)
