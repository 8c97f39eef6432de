"""Calls placed at a chosen moment, in development only: the softphone's `--at`, the simulator.

The softphone sends the moment with each webhook of its call (header `X-Hotline-Moment`,
ISO 8601 with its offset). A development server keeps a clock that runs on from that
moment, for that call alone: holidays, evenings and the last minutes before closing can
be tried without touching anyone else's time. A production server's clock never moves:
it refuses such a request before doing anything else.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from clock import BERLIN, Clock

HEADER = "X-Hotline-Moment"
KEY = "hotline.call_clocks"
MAX_CALLS = 500  # simulated calls remembered; the oldest are forgotten first
REFUSED = ("This server's clock does not move: calls at a chosen moment (--at) are for a "
           "development server only (HOTLINE_ENV=development).\n")


class BadMomentError(ValueError):
    """Not a moment the hotline can place a call at."""


def parse(text: str) -> datetime:
    """A moment as a person types it ("2026-12-24 10:00", Berlin time) or ISO with offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadMomentError(f"{text!r} is not a moment like 2026-12-24 10:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    if not 2000 <= moment.year <= 2100:
        raise BadMomentError(f"{text!r} is too far from today")
    return moment


def remember(app, call_sid: str, moment: datetime) -> None:
    """From now on, `call_sid` hears the hotline as it is at `moment` (and on from there)."""
    calls = app.extensions.setdefault(KEY, OrderedDict())
    if call_sid in calls:
        return  # the call's clock was set by its first webhook and runs on from there
    calls[call_sid] = Clock.running_from(moment)
    while len(calls) > MAX_CALLS:
        calls.popitem(last=False)


def clock_for(app, call_sid: str | None) -> Clock | None:
    """The call's own clock, if it was placed at a chosen moment."""
    calls = app.extensions.get(KEY)
    if not calls or not call_sid:
        return None
    return calls.get(call_sid)
