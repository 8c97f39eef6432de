"""Twilio's SMS status callback (/sms/status): whether a message from the outbox arrived.

The outbox asks Twilio for this callback when HOTLINE_PUBLIC_URL is set. The request is
signed like the voice webhooks; delivered, undelivered and failed are recorded on the
outbox row (undelivered and failed with Twilio's error code, shown to supervisors).
"""

import logging
import re

from flask import Blueprint, Response, request

import clock
import db as database
import outbox

from .signatures import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")

MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
STATUS = re.compile(r"^[a-z-]{1,20}$")


@bp.post("/status")
@twilio_signed
def status():
    form = request.form
    sid = form.get("MessageSid", "") or form.get("SmsSid", "")
    state = form.get("MessageStatus", "") or form.get("SmsStatus", "")
    if not MESSAGE_SID.match(sid) or not STATUS.match(state):
        return Response("Missing or malformed MessageSid or MessageStatus\n", status=400,
                        mimetype="text/plain")
    db = database.get_db()
    with database.transaction(db):
        known = outbox.record_status(db, sid, state, form.get("ErrorCode", "")[:8], clock.now())
    if not known:
        log.info("Status %s for a message the outbox does not know", state)
    return Response(status=204)
