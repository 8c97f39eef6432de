"""The calendar link read to callers: GET /appointments/<token>.ics."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app

from db import get_db

from .config import schedule_for_config
from .ics import booking_ics
from .store import booking_by_token

bp = Blueprint("schedules", __name__)

# secrets.token_urlsafe(24) gives 32 characters; anything else is not ours and never
# reaches the database.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@bp.get("/appointments/<token>.ics")
def appointment_calendar(token: str):
    """The booking as an .ics file; 404 for unknown, malformed or cancelled links."""
    if not _TOKEN.fullmatch(token):
        abort(404)
    booking = booking_by_token(get_db(), token)
    if booking is None or not booking.active:
        abort(404)
    schedule = schedule_for_config(current_app.config)
    site = schedule.sites.get(booking.site_id)
    topic = schedule.topics.get(booking.topic_id)
    if site is None or topic is None:
        # The job centre removed the site or topic since: the appointment stands, but
        # we cannot describe it truthfully, so no file rather than a wrong one.
        current_app.logger.warning("Booking %s refers to a site or topic no longer configured",
                                   booking.id)
        abort(404)
    return Response(
        booking_ics(booking, site, topic),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="termin-jobcenter.ics"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
