"""The hotline's one clock: every "now" of the app, its commands and its threads.

An app holds one clock in `app.extensions["hotline.clock"]`: any callable that returns an
aware datetime. By default it is the real time; tests fix it in one place (conftest), and
the softphone's `--at` makes it run from a chosen moment. Code inside an app context
asks `clock.now()`; code that is handed a database but no app takes `now` from its caller.

This module knows nothing of Flask, so that the pure conversation can read the clock too:
the app tells it once how to find the current app (`follow`, called by `app.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
KEY = "hotline.clock"


class Clock:
    """Real time, or time that runs from a chosen moment, or time that stands still."""

    def __init__(self, offset: timedelta = timedelta(0), fixed: datetime | None = None):
        if fixed is not None and fixed.tzinfo is None:
            raise ValueError("a fixed moment needs a time zone")
        self.offset = offset
        self.fixed = fixed

    @classmethod
    def at(cls, moment: datetime) -> Clock:
        """A clock that stands still at `moment` (tests)."""
        return cls(fixed=moment)

    @classmethod
    def running_from(cls, moment: datetime) -> Clock:
        """A clock that reads `moment` now and runs on from there (the softphone's --at)."""
        if moment.tzinfo is None:
            raise ValueError("a starting moment needs a time zone")
        return cls(offset=moment - datetime.now(UTC))

    def __call__(self) -> datetime:
        """Now, in Berlin's time zone (what is spoken and shown)."""
        if self.fixed is not None:
            return self.fixed.astimezone(BERLIN)
        return (datetime.now(UTC) + self.offset).astimezone(BERLIN)

    @property
    def moved(self) -> bool:
        """True if this clock does not read the real time."""
        return self.fixed is not None or bool(self.offset)


SYSTEM = Clock()


def _no_app() -> None:
    return None


_current_app: Callable[[], object | None] = _no_app


def follow(current_app: Callable[[], object | None]) -> None:
    """How to find the app whose clock counts now (None outside an app context)."""
    global _current_app
    _current_app = current_app


def of(app) -> Callable[[], datetime]:
    """The app's clock (the real time if it has none)."""
    return app.extensions.get(KEY) or SYSTEM


def install(app, clock: Callable[[], datetime] | None = None) -> None:
    """Give `app` its clock: `clock`, or the real time if it has none yet."""
    if clock is not None:
        app.extensions[KEY] = clock
    else:
        app.extensions.setdefault(KEY, SYSTEM)


def now() -> datetime:
    """Now in UTC: the current app's clock inside an app context, else the real time."""
    app = _current_app()
    source = of(app) if app is not None else SYSTEM
    return source().astimezone(UTC)


def berlin() -> datetime:
    """Now in Berlin (Europe/Berlin): the current app's clock, else the real time."""
    return now().astimezone(BERLIN)


def utc_text(moment: datetime | None = None) -> str:
    """`moment` (default: now) as the ISO text the database stores, in UTC to the millisecond."""
    return (moment or now()).astimezone(UTC).isoformat(timespec="milliseconds")
