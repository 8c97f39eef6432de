"""A booking as an iCalendar (.ics) file the caller can add to a phone's calendar."""

from __future__ import annotations

import uuid
from datetime import datetime

from icalendar import Calendar, Event

import clock

from .config import Site, Topic
from .spoken import spoken_code
from .store import Booking

PRODUCT_ID = "-//Jobcenter Hotline//Termine//DE"
# UIDs derive from the booking's token, so that a re-downloaded file updates the same
# calendar entry instead of adding a second one, and reveal nothing about the caller.
_UID_NAMESPACE = uuid.UUID("4f6c2f0e-3b1e-4c55-9d1e-6f4a0c2b7a10")


def booking_ics(booking: Booking, site: Site, topic: Topic,
                stamp: datetime | None = None) -> bytes:
    """The .ics file: start and end in Europe/Berlin (with VTIMEZONE), where, and what to bring.

    It holds what the caller needs at the door and nothing more: no phone number and
    no customer number, because the file may be forwarded or synced to other services.
    """
    lang = "en" if booking.language == "en" else "de"
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, booking.token)}@jobcenter-hotline")
    event.add("dtstamp", stamp or clock.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", _summary(topic, lang))
    event.add("location", f"{site.name}, {site.address}" if lang == "de"
              else f"{site.name_en}, {site.address}")
    event.add("description", _description(booking, site, topic, lang))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _summary(topic: Topic, lang: str) -> str:
    if lang == "en":
        return f"Appointment at the Jobcenter: {topic.label('en')}"
    return f"Termin im Jobcenter: {topic.label('de')}"


def _description(booking: Booking, site: Site, topic: Topic, lang: str) -> str:
    bring = topic.bring(lang)
    lines = []
    if lang == "en":
        if booking.caseworker_name:
            lines.append(f"Caseworker: {booking.caseworker_name}")
        if bring:
            lines.append("Please bring:")
            lines += [f"- {item}" for item in bring]
        if site.directions_en:
            lines.append(f"How to get there: {site.directions_en}")
        lines.append(f"Booking code: {spoken_code(booking.code).replace(', ', ' ')}")
    else:
        if booking.caseworker_name:
            lines.append(f"Ansprechperson: {booking.caseworker_name}")
        if bring:
            lines.append("Bitte bringen Sie mit:")
            lines += [f"- {item}" for item in bring]
        if site.directions_de:
            lines.append(f"Anfahrt: {site.directions_de}")
        lines.append(f"Buchungscode: {spoken_code(booking.code).replace(', ', ' ')}")
    return "\n".join(lines)
