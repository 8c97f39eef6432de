"""What the hotline writes to a caller after the call, in the booking's language.

The reminder SMS (queued by schedules/reminders.py, worded here) and the calendar file
behind the link in the confirmation (GET /appointments/<token>.ics) are in the language
the booking was made in: German, English, plain German, Turkish, Ukrainian, Russian or
Arabic (ivr/prompts/<lang>.toml), German for any other. Dates are written with the
month's name and the time in 24-hour figures ("1 Aralık Salı, saat 09:30"); the site,
what to bring and the way there come from sites.toml and caseworkers.toml in that
language where the job centre gave them.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app

from db import get_db
from schedules import store as bookings
from schedules.config import Schedule, schedule_for_config
from schedules.ics import booking_ics
from schedules.spoken import spoken_code

from . import prompts

bp = Blueprint("after_call", __name__)

# secrets.token_urlsafe(24) gives 32 characters; anything else is not ours and never
# reaches the database.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def lang_of(booking: bookings.Booking) -> str:
    """The language to write to the booked person in: the booking's, else German."""
    offered = prompts.available_languages()
    return booking.language if booking.language in offered else "de"


def reminder_sms(booking: bookings.Booking, schedule: Schedule) -> str:
    """The reminder: day, time and site and what to reply; no topic, no caseworker."""
    return prompts.text(lang_of(booking), "sms_reminder", schedule=schedule,
                        at_start=booking.start.isoformat(), place_site=booking.site_id)


def calendar_file(booking: bookings.Booking, schedule: Schedule) -> bytes:
    """The booking's .ics file, worded in its language."""
    lang = lang_of(booking)
    site = schedule.site(booking.site_id)
    topic = schedule.topic(booking.topic_id)

    def say(key: str, **params) -> str:
        return prompts.text(lang, key, **params)

    lines = []
    if booking.caseworker_name:
        lines.append(say("ics_caseworker", person=booking.caseworker_name))
    bring = topic.bring(lang)
    if bring:
        lines.append(say("ics_bring"))
        lines += [f"- {item}" for item in bring]
    if site.directions(lang):
        lines.append(say("ics_directions", directions=site.directions(lang)))
    lines.append(say("ics_code", code=spoken_code(booking.code).replace(", ", " ")))
    # The office's name as its door sign says it, in German (English for English): it
    # and the German address are what the reader looks for on the street.
    name = site.name_en if lang == "en" else site.name
    return booking_ics(booking, summary=say("ics_summary", label=topic.label(lang)),
                       location=f"{name}, {site.address}", description="\n".join(lines))


@bp.get("/appointments/<token>.ics")
def appointment_calendar(token: str):
    """The booking as an .ics file; 404 for unknown, malformed or cancelled links."""
    if not _TOKEN.fullmatch(token):
        abort(404)
    booking = bookings.booking_by_token(get_db(), token)
    if booking is None or not booking.active:
        abort(404)
    schedule = schedule_for_config(current_app.config)
    if booking.site_id not in schedule.sites or booking.topic_id not in schedule.topics:
        # The job centre removed the site or topic since: the appointment stands, but
        # we cannot describe it truthfully, so no file rather than a wrong one.
        current_app.logger.warning("Booking %s refers to a site or topic no longer configured",
                                   booking.id)
        abort(404)
    return Response(
        calendar_file(booking, schedule),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="termin-jobcenter.ics"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
