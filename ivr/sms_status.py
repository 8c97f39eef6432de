"""Twilio's SMS webhooks: whether a message from the outbox arrived, and replies to it.

/sms/status: the outbox asks Twilio for this callback when HOTLINE_PUBLIC_URL is set;
delivered, undelivered and failed are recorded on the outbox row (undelivered and failed
with Twilio's error code, shown to supervisors).

/sms/incoming: a message to the hotline's SMS number (the Messaging webhook of
HOTLINE_SMS_FROM), in practice a reply to an appointment reminder: JA, ABSAGEN,
VERSCHIEBEN, STOP or free text (ivr/sms_replies.py), answered with TwiML <Message>.

Both are signed like the voice webhooks.
"""

import logging
import re

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

import clock
import db as database
import outbox
from schedules import reminders

from . import prompts, sms_replies
from .signatures import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")
# Reminders answered by SMS are queued by the outbox's sender when they are due.
bp.record_once(lambda setup: reminders.init_app(setup.app))

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


PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_BODY = 1600  # Twilio's longest message


@bp.post("/incoming")
@twilio_signed
def incoming():
    """A reply to a reminder: acted on, and answered in one short SMS."""
    form = request.form
    phone = form.get("From", "")
    if not PHONE.match(phone):
        return Response("Missing or malformed From\n", status=400, mimetype="text/plain")
    app = current_app._get_current_object()
    settings = sms_replies.Settings(schedule=app.extensions["hotline.schedule"],
                                    reminder_time=app.config["HOTLINE_REMINDER_TIME"],
                                    morning=app.config.get("HOTLINE_REMINDER_MORNING"),
                                    days=app.config["HOTLINE_REMINDER_DAYS"])
    db = database.get_db()
    with database.transaction(db):
        said = sms_replies.answer(db, phone, form.get("Body", "")[:MAX_BODY], clock.now(),
                                  settings)
    log.info("SMS reply answered with %s", said.key)  # never the number or the text
    reply = MessagingResponse()
    reply.message(prompts.text(said.lang, said.key, **said.params))
    return Response(str(reply), mimetype="text/xml")
