"""A booking as an iCalendar (.ics) file the caller can add to a phone's calendar.

The file's words (title, place, notes) come worded in the booking's language from the
caller's side (ivr/after_call.py); this module only puts them in the file's shape.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from icalendar import Calendar, Event

import clock

from .store import Booking

PRODUCT_ID = "-//Jobcenter Hotline//Termine//DE"
# UIDs derive from the booking's token, so that a re-downloaded file updates the same
# calendar entry instead of adding a second one, and reveal nothing about the caller.
_UID_NAMESPACE = uuid.UUID("4f6c2f0e-3b1e-4c55-9d1e-6f4a0c2b7a10")


def booking_ics(booking: Booking, summary: str, location: str, description: str,
                stamp: datetime | None = None) -> bytes:
    """The .ics file: start and end in Europe/Berlin (with VTIMEZONE), its title, where,
    and its notes (what to bring, the way there, the booking code).

    It holds what the caller needs at the door and nothing more: no phone number and
    no customer number, because the file may be forwarded or synced to other services.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, booking.token)}@jobcenter-hotline")
    event.add("dtstamp", stamp or clock.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
