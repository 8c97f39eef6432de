"""The cases package's view of the app: its clock (the hotline's, so tests can fix it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

BERLIN = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    """The hotline's clock if the app has one (tests fix it), else the real time in Berlin."""
    clock = current_app.extensions.get("hotline.clock")
    return clock() if clock else datetime.now(BERLIN)
