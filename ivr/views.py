"""The voice webhooks Twilio calls: thin views that load state, run the dialogue and answer TwiML.

Each view checks Twilio's signature first, then parses the form, then does its work in
one database transaction. Whatever goes wrong inside, the caller hears an apology and
is put through to a person: never Twilio's "application error".
"""

import logging
import re
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from twilio.twiml.voice_response import VoiceResponse

import db as database
from gateway import get_gateway
from schedules import store as bookings
from schedules.config import schedule_for_config

from . import effects, prompts, store
from .dialogue import BERLIN, CallState, Dialogue, Hangup, Heard, Say, Turn
from .signatures import twilio_signed
from .twiml import Urls, Voice, apology, render, spoken_text

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")

MAX_SPEECH_CHARS = 1000  # a real utterance is far shorter; longer input is cut, not refused
MAX_DIGITS = 32
CALL_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")
HOLD_SECONDS = 20
MAX_QUERIES = 6  # a turn needs two or three (book, slot taken, next slot); more is a bug


def init_app(app) -> None:
    """Build the dialogue and the voice once per app, and register the webhooks."""
    app.extensions["hotline.dialogue"] = Dialogue(
        languages=app.config["HOTLINE_LANGUAGES"],
        min_confidence=app.config["HOTLINE_MIN_CONFIDENCE"],
    )
    # Loaded (and checked) at start-up: a broken schedule file is an error now, not
    # at the first caller who wants an appointment.
    schedule = schedule_for_config(app.config)
    app.extensions["hotline.schedule"] = schedule
    app.extensions["hotline.voice"] = Voice.from_config(app.config, schedule)
    # The hotline's clock; tests set a fixed one so that "nächsten Dienstag" is a known day.
    app.extensions.setdefault("hotline.clock", lambda: datetime.now(BERLIN))
    app.register_blueprint(bp)


def _dialogue() -> Dialogue:
    return current_app.extensions["hotline.dialogue"]


def _voice() -> Voice:
    return current_app.extensions["hotline.voice"]


def _urls(state: CallState | None) -> Urls:
    turn = state.turn if state else 0
    lang = state.lang if state else _default_lang()
    return Urls(
        turn=url_for("voice.turn", t=turn),
        wait=url_for("voice.wait", lang=lang),
        queue_result=url_for("voice.queue_result"),
    )


def _now() -> datetime:
    return current_app.extensions["hotline.clock"]()


def _default_lang() -> str:
    return current_app.config["HOTLINE_LANGUAGES"][0]


def _twiml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml")


# ------------------------------------------------------------------------ form parsing


def _clean(value: str, limit: int) -> str:
    return CONTROL_CHARS.sub(" ", value[: limit * 2])[:limit].strip()


def _call_sid() -> str | None:
    sid = request.form.get("CallSid", "")
    return sid if CALL_SID.match(sid) else None


def _heard() -> Heard:
    form = request.form
    speech = _clean(form.get("SpeechResult", ""), MAX_SPEECH_CHARS)
    digits = re.sub(r"[^0-9*#]", "", form.get("Digits", ""))[:MAX_DIGITS].rstrip("#")
    try:
        confidence = float(form.get("Confidence", ""))
        if not 0.0 <= confidence <= 1.0:
            confidence = None
    except ValueError:
        confidence = None
    return Heard(speech=speech, confidence=confidence if speech else None, digits=digits,
                 now=_now())


def _bad_request(why: str) -> Response:
    """Not a call we can talk to (no CallSid): say sorry in TwiML, with a 400."""
    log.warning("Bad voice webhook request: %s", why)
    voice = _voice()
    body = render((Say("error"), Hangup()), _default_lang(), voice, _urls(None))
    return _twiml(body, status=400)


# ------------------------------------------------------------------------ doing a turn


def _answer(call_sid: str, work) -> Response:
    """Run `work(db)` in one transaction; on any error, apologise and hand over."""
    db = database.get_db()
    try:
        with database.transaction(db):
            return _twiml(work(db))
    except Exception:
        log.exception("Voice webhook failed for call %s", call_sid)
        lang = _default_lang()
        try:
            with database.transaction(db):
                lang = store.record_error(db, call_sid)
        except Exception:
            log.exception("Could not even record the error for call %s", call_sid)
        return _twiml(apology(lang, _voice(), _urls(None)))


def _settle(db, call_sid: str, turn: Turn) -> Turn:
    """Run the queries the dialogue asks for (calendar, bookings, SMS) until it can answer."""
    context = None
    for _ in range(MAX_QUERIES):
        if turn.query is None:
            return turn
        if context is None:
            context = effects.Context(
                db=db, schedule=current_app.extensions["hotline.schedule"], call_sid=call_sid,
                phone=store.caller_number(db, call_sid), now=_now(),
                gateway=get_gateway(),
                public_url=current_app.config["HOTLINE_PUBLIC_URL"] or request.host_url)
        turn = _dialogue().resume(turn, effects.run(turn.query, context))
    raise RuntimeError(f"dialogue asked more than {MAX_QUERIES} queries in one turn")


def _play(db, call_sid: str, heard: Heard, turn: Turn, key: str) -> str:
    """Settle a turn's queries, render it, record it, and remember the reply for retries."""
    turn = _settle(db, call_sid, turn)
    body = render(turn.actions, turn.state.lang, _voice(), _urls(turn.state))
    store.record_turn(db, call_sid, heard, turn,
                      spoken_text(turn.actions, turn.state.lang, _voice()))
    store.remember_reply(db, key, call_sid, body)
    return body


@bp.post("/incoming")
@twilio_signed
def incoming():
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/incoming")
    key = store.request_key(request.full_path, request.form.to_dict())

    def work(db):
        cached = store.cached_reply(db, key)
        if cached is not None:
            return cached
        if store.load_state(db, call_sid) is not None:
            # The call is already under way (a replayed or late "incoming"): carry on.
            return store.latest_reply(db, call_sid)
        caller = request.form.get("From", "")
        store.open_call(db, call_sid, caller, request.form.get("To", ""))
        first = _dialogue().start(caller_id=effects.has_caller_id(caller),
                                  mobile=effects.is_mobile(caller))
        return _play(db, call_sid, Heard(), first, key)

    return _answer(call_sid, work)


@bp.post("/turn")
@twilio_signed
def turn():
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/turn")
    heard = _heard()
    expected = request.args.get("t", type=int)
    key = store.request_key(request.full_path, request.form.to_dict())

    def work(db):
        cached = store.cached_reply(db, key)
        if cached is not None:
            return cached
        state = store.load_state(db, call_sid)
        if state is None:
            # A call we never saw start (database replaced, or a lost "incoming"): greet
            # it, or take what was said as its first request.
            caller = request.form.get("From", "")
            store.open_call(db, call_sid, caller, request.form.get("To", ""))
            dialogue = _dialogue()
            first = dialogue.start(caller_id=effects.has_caller_id(caller),
                                   mobile=effects.is_mobile(caller))
            turn_ = first if heard.silent else dialogue.step(first.state, heard)
            return _play(db, call_sid, heard, turn_, key)
        if expected is not None and expected != state.turn:
            # An answer to a question we asked earlier, arriving late: ask the current
            # question again instead of acting on it twice.
            latest = store.latest_reply(db, call_sid)
            if latest is not None:
                return latest
        return _play(db, call_sid, heard, _dialogue().step(state, heard), key)

    return _answer(call_sid, work)


@bp.post("/status")
@twilio_signed
def status():
    call_sid = _call_sid()
    if call_sid is None:
        return Response("Missing or malformed CallSid\n", status=400, mimetype="text/plain")
    call_status = _clean(request.form.get("CallStatus", ""), 32) or "unknown"
    duration = request.form.get("CallDuration", "")
    db = database.get_db()
    with database.transaction(db):
        store.close_call(db, call_sid, call_status, int(duration) if duration.isdigit() else None)
    return Response(status=204)


@bp.post("/fallback")
@twilio_signed
def fallback():
    """Twilio's fallback URL: the main webhook failed; apologise and hand over."""
    call_sid = _call_sid()
    log.error(
        "Twilio used the fallback URL for call %s: error %s at %s",
        call_sid,
        _clean(request.form.get("ErrorCode", ""), 16),
        _clean(request.form.get("ErrorUrl", ""), 200),
    )
    lang = _default_lang()
    if call_sid is not None:
        try:
            db = database.get_db()
            with database.transaction(db):
                lang = store.record_error(db, call_sid)
        except Exception:
            log.exception("Could not record the fallback for call %s", call_sid)
    return _twiml(apology(lang, _voice(), _urls(None)))


@bp.post("/wait")
@twilio_signed
def wait():
    """What a caller hears while queued: their position, then a pause; Twilio repeats it."""
    lang = request.args.get("lang", "")
    if lang not in current_app.config["HOTLINE_LANGUAGES"]:
        lang = _default_lang()
    position = request.form.get("QueuePosition", "")
    voice = _voice()
    response = VoiceResponse()
    if position.isdigit() and int(position) > 1:
        voice.say(response, prompts.text(lang, "queue_position", position=position), lang)
    else:
        voice.say(response, prompts.text(lang, "queue_next"), lang)
    response.pause(length=HOLD_SECONDS)
    return _twiml(str(response))


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    """The caller left the queue: put through, hung up, or the queue failed."""
    call_sid = _call_sid()
    result = _clean(request.form.get("QueueResult", ""), 32)
    queue_time = request.form.get("QueueTime", "")
    lang = _default_lang()
    if call_sid is not None:
        db = database.get_db()
        with database.transaction(db):
            lang = store.record_queue_result(
                db, call_sid, result, int(queue_time) if queue_time.isdigit() else None
            )
    if result in ("bridged", "hangup", "redirected", "leave"):
        return _twiml(render((), lang, _voice(), _urls(None)))
    # error, system-error, queue-full: nobody can take the call now.
    return _twiml(render((Say("queue_unavailable"), Hangup()), lang, _voice(), _urls(None)))


@bp.post("/summary")
@twilio_signed
def summary():
    """The call so far, for the softphone (signed like Twilio's requests, so never public)."""
    call_sid = _call_sid()
    if call_sid is None:
        return jsonify(error="missing or malformed CallSid"), 400
    db = database.get_db()
    found = store.call_summary(db, call_sid)
    if found is None:
        return jsonify(error="unknown call"), 404
    booking = bookings.booking_for_call(db, call_sid)
    found["booking"] = effects.booking_data(booking) if booking else None
    return jsonify(found)


def emergency_twiml() -> Response:
    """The app-wide last resort for a voice URL: apologise and queue, touching nothing."""
    return _twiml(apology(_default_lang(), _voice(), _urls(None)))
