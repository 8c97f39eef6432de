"""Callbacks that dial themselves: placing the calls (through the outbox) and their webhooks.

routing/autodial.py decides when a free agent gets a callback; this is the phone side.
Agent first (default): the agent's phone rings; the whisper says callback, topic,
language and whether the identity was checked, and an agent on a phone number or SIP
accepts with a key; then the caller is dialled and hears that this is their callback,
and a key connects them (a mailbox presses no key). Caller first: the caller is called
with answering-machine detection; a mailbox hears that we will try again, a person is
connected to the agent after the whisper. How each attempt ended goes back to
routing/autodial.py, which tries again later or gives up.

Every webhook is signed; URLs carry the attempt's id, never a number.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, request, url_for

import clock
import db as database
import outbox
from routing import autodial
from routing.dispatch import ACCEPT_PROMPT, KEY_TO_ACCEPT
from routing.settings import settings

from . import prompts, twiml
from .signatures import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("callback_calls", __name__, url_prefix="/voice/callback")

MACHINES = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other",
            "fax")
KEY_TIMEOUT_S = 8
RING_CALLER_S = 25  # how long the caller's phone rings before it counts as no answer
NOT_REACHED = "Der Anrufer wurde nicht erreicht. Wir versuchen es später noch einmal."
RESULTS = {"busy": autodial.BUSY}  # any other unanswered Dial: no answer


def place(db, attempt: autodial.Dialling, now) -> None:
    """Queue the attempt's first call in the outbox (inside routing's write)."""
    query = f"attempt={attempt.attempt_id}"
    if attempt.mode == autodial.CALLER_FIRST:
        outbox.enqueue_call(db, to=attempt.callback.phone,
                            answer_url=f"/voice/callback/caller?{query}",
                            status_url=f"/voice/callback/status?{query}&leg=caller",
                            purpose="callback", key=f"callback:{attempt.attempt_id}", now=now,
                            machine_detection="Enable")
        return
    outbox.enqueue_call(db, to=_address(attempt.agent.reach_kind, attempt.agent.reach_address),
                        answer_url=f"/voice/callback/agent?{query}",
                        status_url=f"/voice/callback/status?{query}&leg=agent",
                        purpose="callback", key=f"callback:{attempt.attempt_id}", now=now)


def _address(kind: str | None, address: str | None) -> str:
    """Twilio's `To` for an agent: a number, `client:name` or a `sip:` URI."""
    address = address or ""
    if kind == "client" and not address.startswith("client:"):
        return f"client:{address}"
    if kind == "sip" and not address.startswith("sip:"):
        return f"sip:{address}"
    return address


def init_app(app: Flask) -> None:
    """The webhooks, and the sender's look for callbacks due each second."""
    app.register_blueprint(bp)

    def before_round(db, now) -> int:
        chosen = app.extensions["hotline.routing"]
        if chosen.place_callback is None:
            return 0
        return autodial.dial_due(db, now, chosen.place_callback, chosen.callback_rules)

    outbox.before_each_round(app, before_round)


# ------------------------------------------------------------------------ the webhooks


def _app():
    return current_app._get_current_object()


def _attempt() -> autodial.Dialling | None:
    attempt_id = request.args.get("attempt", type=int)
    return autodial.dialling(database.get_db(), attempt_id) if attempt_id else None


def _caller_first() -> bool:
    return request.args.get("first") == "caller"


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _voice():
    return _app().extensions["hotline.voice"]


def _url(name: str, attempt: autodial.Dialling, **extra) -> str:
    return url_for(f"callback_calls.{name}", attempt=attempt.attempt_id, **extra)


def _lang(attempt: autodial.Dialling) -> str:
    lang = attempt.callback.language
    return lang if lang in prompts.available_languages() else "de"


def _from_number() -> str:
    config = _app().config
    return config.get("HOTLINE_CALL_FROM") or config.get("HOTLINE_SMS_FROM") or ""


@bp.post("/agent")
@twilio_signed
def agent():
    """The agent answered: the whisper, and a key to accept on a phone or SIP."""
    attempt = _attempt()
    if attempt is None:
        return _xml(twiml.hang_up())
    sentence = autodial.whisper_text(database.get_db(), attempt.callback)
    if attempt.agent.reach_kind in KEY_TO_ACCEPT:
        return _xml(twiml.keypad([f"{sentence} {ACCEPT_PROMPT}"], "de", _voice(),
                                 _url("agent_accept", attempt, first=request.args.get("first")),
                                 timeout_s=KEY_TIMEOUT_S))
    return _accepted(attempt, sentence)


@bp.post("/agent-accept")
@twilio_signed
def agent_accept():
    attempt = _attempt()
    if attempt is None or not request.form.get("Digits"):
        return _xml(twiml.hang_up())
    return _accepted(attempt, "")


def _accepted(attempt: autodial.Dialling, sentence: str) -> Response:
    """The agent took the callback: caller first, they talk now; agent first, the
    caller's phone rings (after the whisper, for an agent who needed no key)."""
    if _caller_first():
        autodial.reached(database.get_db(), attempt.attempt_id, clock.now())
        return _xml(twiml.whisper(sentence, _voice()) if sentence else twiml.empty())
    return _xml(twiml.dial_out([sentence] if sentence else [], "de", _voice(),
                               reach_kind="number", address=attempt.callback.phone,
                               caller_id=_from_number(), action=_url("dial_result", attempt),
                               timeout_s=RING_CALLER_S, answer_url=_url("caller_hello", attempt)))


@bp.post("/caller-hello")
@twilio_signed
def caller_hello():
    """Agent first: the caller picked up; a key proves a person (not a mailbox)."""
    attempt = _attempt()
    if attempt is None:
        return _xml(twiml.hang_up())
    lang = _lang(attempt)
    return _xml(twiml.keypad([prompts.text(lang, "callback_call_hello")], lang, _voice(),
                             _url("caller_accept", attempt), timeout_s=KEY_TIMEOUT_S))


@bp.post("/caller-accept")
@twilio_signed
def caller_accept():
    attempt = _attempt()
    if attempt is None or not request.form.get("Digits"):
        return _xml(twiml.hang_up())
    autodial.reached(database.get_db(), attempt.attempt_id, clock.now())
    return _xml(twiml.empty())  # connected with the agent


@bp.post("/caller")
@twilio_signed
def caller():
    """Caller first: the caller answered; a mailbox is told we try again, a person is
    connected to the agent."""
    attempt = _attempt()
    if attempt is None:
        return _xml(twiml.hang_up())
    lang = _lang(attempt)
    rules = settings().callback_rules
    if request.form.get("AnsweredBy", "") in MACHINES:
        autodial.finish(database.get_db(), attempt.attempt_id, autodial.VOICEMAIL, clock.now(),
                        rules)
        return _xml(twiml.say_and_hang_up([prompts.text(lang, "callback_call_mailbox")], lang,
                                          _voice()))
    agent_ = attempt.agent
    return _xml(twiml.dial_out(
        [prompts.text(lang, "callback_call_connecting")], lang, _voice(),
        reach_kind=agent_.reach_kind or "number", address=agent_.reach_address or "",
        caller_id=_from_number(), action=_url("dial_result", attempt, first="caller"),
        timeout_s=settings().ring_timeout_s, answer_url=_url("agent", attempt, first="caller")))


@bp.post("/dial-result")
@twilio_signed
def dial_result():
    """The Dial of the second leg ended: the conversation is over, or nobody was reached."""
    attempt = _attempt()
    if attempt is None:
        return _xml(twiml.hang_up())
    db, now, rules = database.get_db(), clock.now(), settings().callback_rules
    status = request.form.get("DialCallStatus", "")
    if _caller_first():
        if autodial.was_reached(db, attempt.attempt_id):  # the agent took it: they talked
            autodial.finish(db, attempt.attempt_id, autodial.REACHED, now, rules)
            return _xml(twiml.hang_up())
        autodial.agent_missed(db, attempt.attempt_id, now)
        lang = _lang(attempt)
        return _xml(twiml.say_and_hang_up([prompts.text(lang, "callback_call_nobody")], lang,
                                          _voice()))
    result = autodial.VOICEMAIL if status in ("completed", "answered") else RESULTS.get(
        status, autodial.NO_ANSWER)
    done = autodial.finish(db, attempt.attempt_id, result, now, rules)
    if done == "done":
        return _xml(twiml.hang_up())
    return _xml(twiml.say_and_hang_up([NOT_REACHED], "de", _voice()))


@bp.post("/status")
@twilio_signed
def status():
    """The status callback of the call the outbox placed: the agent's leg or the caller's."""
    attempt_id = request.args.get("attempt", type=int)
    if attempt_id is None:
        return Response("Missing attempt\n", status=400, mimetype="text/plain")
    db, now, rules = database.get_db(), clock.now(), settings().callback_rules
    call_status = request.form.get("CallStatus", "")[:20]
    recorded = db.execute("SELECT result FROM callback_attempts WHERE id = ?",
                          [attempt_id]).fetchone()
    with database.transaction(db):
        outbox.record_call_status(db, f"callback:{attempt_id}", call_status,
                                  request.form.get("AnsweredBy", "")[:32], now)
    if recorded is None:
        return Response(status=204)
    if recorded[0] == autodial.REACHED:
        autodial.finish(db, attempt_id, autodial.REACHED, now, rules)
    elif recorded[0] == autodial.DIALLING:
        if request.args.get("leg") == "agent":
            autodial.agent_missed(db, attempt_id, now)  # the agent never took it
        else:
            result = RESULTS.get(call_status, autodial.NO_ANSWER)
            autodial.finish(db, attempt_id, result, now, rules)
    return Response(status=204)
