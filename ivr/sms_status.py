"""Twilio's SMS webhooks: whether a message from the outbox arrived, and replies to it.

/sms/status: the outbox asks Twilio for this callback when HOTLINE_PUBLIC_URL is set;
delivered, undelivered and failed are recorded on the outbox row (undelivered and failed
with Twilio's error code, shown to supervisors).

/sms/incoming: a message to the hotline's SMS number (the Messaging webhook of
HOTLINE_SMS_FROM). A reply to an appointment reminder (JA, ABSAGEN, VERSCHIEBEN, STOP or
free text about it, ivr/sms_replies.py) is answered with TwiML <Message>, unless the
number is in a written conversation; everything else starts or continues a written
conversation (ivr/written.py), whose answers go out through the outbox.

Both are signed like the voice webhooks.
"""

import logging
import re
from datetime import timedelta

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

import clock
import db as database
import keyed
import outbox
import redaction
from schedules import reminders
from speech import detect_crisis
from written import store as written_store

from . import after_call, prompts, sms_replies, written
from .signatures import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")
# Reminders answered by SMS are queued by the outbox's sender when they are due.
bp.record_once(lambda setup: reminders.init_app(setup.app, after_call.reminder_sms))


def _redactions(app):
    """Before each round of the outbox's sender: empty at Twilio the texts of messages
    that carried a customer number or a date of birth (redaction.due_now)."""
    def hook(db, now) -> int:
        redaction.run_listed(db, app.extensions["hotline.gateway"])
        return 0  # nothing queued to send
    return hook


bp.record_once(lambda setup: outbox.before_each_round(setup.app, _redactions(setup.app)))

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
# Messages one number may send to the written conversation: more are not answered.
SMS_LIMIT, SMS_WINDOW = 30, timedelta(minutes=10)


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
    body = form.get("Body", "")[:MAX_BODY]
    now = clock.now()
    db = database.get_db()
    with database.transaction(db):
        if _to_conversation(db, phone, body, now):
            return _converse(app, db, phone, body, form.get("MessageSid", ""), now,
                             media=form.get("NumMedia", "0") not in ("", "0"))
        if sms_replies.is_stop(body):
            _stop_conversation(db, phone, now)
        said = sms_replies.answer(db, phone, body, now, settings)
    log.info("SMS reply answered with %s", said.key)  # never the number or the text
    reply = MessagingResponse()
    reply.message(prompts.text(said.lang, said.key, **said.params))
    return Response(str(reply), mimetype="text/xml")


def _to_conversation(db, phone: str, body: str, now) -> bool:
    """A written conversation takes the message, unless it is a reminder's reply and the
    number is not in a conversation (STOP always goes to the reminders)."""
    if sms_replies.is_stop(body):
        return False
    if written_store.current(db, "sms", phone, now) is not None:
        return True
    if detect_crisis(body):
        return True
    return not sms_replies.is_reply(db, phone, body, now)


def _stop_conversation(db, phone: str, now) -> None:
    """STOP ends the number's written conversation with the machine too: the next message
    starts afresh instead of answering the question asked before. One waiting for or
    taken by a person stays theirs (it may be someone in crisis)."""
    conversation = written_store.current(db, "sms", phone, now)
    if conversation is not None and conversation.handover is None:
        written_store.end(db, conversation.id, now)


def _converse(app, db, phone: str, body: str, message_sid: str, now,
              media: bool = False) -> Response:
    """The message goes to the written conversation; its answer by the outbox. A picture
    sent with it (an MMS, `media`) is never fetched: the answer says nobody sees it."""
    empty = Response(str(MessagingResponse()), mimetype="text/xml")
    if written_store.over_limit(db, keyed.digest("written-sms-limit", phone), SMS_LIMIT,
                                SMS_WINDOW, now):
        log.warning("SMS conversation: a number is over its limit; not answered")
        return empty
    conversation = written_store.current(db, "sms", phone, now)
    # A new conversation from a number that booked in Turkish starts in Turkish, unless
    # the message is clearly written in another language.
    home = None if conversation else sms_replies.booked_language(db, phone, now)
    conversation = conversation or written_store.open_conversation(db, "sms", phone, now,
                                                                   phone=phone)
    sid = message_sid if MESSAGE_SID.match(message_sid) else None
    answer = written.receive(db, written.Setup.of(app, request.host_url), conversation,
                             body, now, message_sid=sid, home=home, media=media)
    for id_, text in zip(answer.ids, answer.texts, strict=True):
        outbox.enqueue(db, to=phone, body=text, purpose="written", key=f"written:{id_}",
                       call_sid=conversation.sid, now=now)
    return empty
