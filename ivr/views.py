"""The voice webhooks Twilio calls: thin views that load state, run the dialogue and answer TwiML.

Each view checks Twilio's signature first, then parses the form, then does its work in
one database transaction. Whatever goes wrong inside, the caller hears an apology and
is put through to a person: never Twilio's "application error".
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for

import clock
import db as database
from conversation import (
    CallState,
    Caseworker,
    Caseworkers,
    Dialogue,
    Hangup,
    Heard,
    Say,
    Transfer,
    Turn,
)
from conversation.handover import CALLBACK_WORDS
from conversation.referrals import load as load_referrals
from routing import callbacks, dispatch, interpreters, queue
from routing.store import end_long_wrap_ups
from routing.topics import language_label, topic_for_intent
from schedules import store as bookings
from schedules.config import schedule_for_config
from speech import detect_crisis
from speech.normalise import fold
from teaching.live import LiveCatalogue

from . import effects, languages, media, moments, parsing, prompts, store, twiml
from . import voicemail as voicemail_transcription
from .call_site import call_site
from .signatures import twilio_signed
from .twiml import DialAgent, Urls, Voice, apology, compose, render

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")

HOLD_SECONDS = 20
MAX_QUERIES = 6  # a turn needs two or three (book, slot taken, next slot); more is a bug


def init_app(app) -> None:
    """Build the dialogue and the voice once per app, and register the webhooks."""
    # Supervisors' phrases (teaching): the newest version, looked for every few seconds.
    live = LiveCatalogue(database.get_db, app.config["HOTLINE_CATALOGUE_REFRESH_S"])
    app.extensions["hotline.catalogue"] = live
    # Loaded (and checked) at start-up: a broken schedule file is an error now, not
    # at the first caller who wants an appointment.
    schedule = schedule_for_config(app.config)
    offered = app.config["HOTLINE_LANGUAGES"]
    app.extensions["hotline.dialogue"] = Dialogue(
        languages=offered,
        min_confidence=app.config["HOTLINE_MIN_CONFIDENCE"],
        # Checked at start-up too: a broken table fails now, not at a caller's question.
        referrals=load_referrals(app.config["HOTLINE_REFERRALS"] or None),
        catalogues=live.current,
        caseworkers=caseworkers_of(schedule),
        # The languages as data (ivr/languages.toml): their keys, which of them nobody
        # can hear, and which ask a question once more before moving on.
        language_keys={languages.language(code).key: code for code in offered
                       if languages.language(code).key},
        keypad_only=frozenset(c for c in offered if not languages.language(c).by_speech),
        repeat_once=frozenset(c for c in offered if languages.language(c).repeat_question),
        site_numbers=numbers_by_site(app.config.get("HOTLINE_SITE_NUMBERS") or {}),
    )
    app.extensions["hotline.schedule"] = schedule
    app.extensions["hotline.voice"] = Voice.from_config(app.config, schedule)
    app.register_blueprint(bp)


def numbers_by_site(site_numbers: dict[str, str]) -> dict[str, str]:
    """HOTLINE_SITE_NUMBERS (number -> site) as each site's number to tell callers: the
    first one given where a site has several."""
    found: dict[str, str] = {}
    for number, site in site_numbers.items():
        found.setdefault(site, number)
    return found


def caseworkers_of(schedule) -> Caseworkers:
    """The schedule's caseworkers as the conversation knows them (callers ask by name)."""
    return Caseworkers(tuple(
        Caseworker(id=person.id, name=person.name, sites=person.sites, topics=person.topics,
                   teams=person.teams)
        for person in schedule.caseworkers.values()))


# The request and the app themselves. Every attribute read through Flask's context
# proxies (`request.form`) raises and catches an AttributeError inside the proxy first;
# a webhook turn made some thirty of those.
_request = request._get_current_object


_app = current_app._get_current_object


def _request_key() -> str:
    """This request's key for the replies kept for Twilio's retries (ivr.store)."""
    req = _request()
    return store.request_key(req.full_path, req.form.to_dict())


def _dialogue() -> Dialogue:
    return _app().extensions["hotline.dialogue"]


def _voice() -> Voice:
    return _app().extensions["hotline.voice"]


def _urls(state: CallState | None) -> Urls:
    turn = state.turn if state else 0
    lang = state.lang if state else _default_lang()
    # The paths are the same for every request under one prefix; url_for for each of
    # them on every turn was a tenth of a turn's cost.
    paths = _paths(_request().script_root)
    # Only media streams (Vosk mode) need the call and the host; werkzeug's host_url
    # costs about a twentieth of a turn.
    listening = _voice().listening is not None
    return Urls(
        call_sid=_call_sid() if listening else None,
        host_url=_request().host_url if listening else "",
        turn=f"{paths['turn']}?t={turn}",
        wait=f"{paths['wait']}?lang={lang}",
        queue_result=paths["queue_result"],
        # The turn tells two empty messages apart: their requests are otherwise the same.
        voicemail=f"{paths['voicemail']}?t={turn}",
        dial_result=paths["dial_result"],
        whisper=paths["whisper"],
    )


def _paths(prefix: str) -> dict[str, str]:
    known = _app().extensions.setdefault("hotline.voice_paths", {})
    paths = known.get(prefix)
    if paths is None:
        paths = {name: url_for(f"voice.{name}")
                 for name in ("turn", "wait", "queue_result", "voicemail", "dial_result",
                              "whisper")}
        known[prefix] = paths
    return paths


def _now() -> datetime:
    app = _app()
    own = moments.clock_for(app, _request().form.get("CallSid")) if moments.KEY in \
        app.extensions else None
    return (own or clock.of(app))()


def _lang_arg() -> str:
    lang = _request().args.get("lang", "")
    return lang if lang in _app().config["HOTLINE_LANGUAGES"] else _default_lang()


def connect_url(call_sid: str, agent_id: int) -> str:
    """Where a waiting call is moved (REST) when routing gives it to a free agent."""
    base = _app().config["HOTLINE_PUBLIC_URL"].rstrip("/") or _request().host_url.rstrip("/")
    return f"{base}/voice/connect?{urlencode({'call': call_sid, 'agent': agent_id})}"


def phone_url(name: str, query: dict) -> str:
    """The absolute URL of one of these webhooks, for calls moved or placed over REST."""
    base = _app().config["HOTLINE_PUBLIC_URL"].rstrip("/") or _request().host_url.rstrip("/")
    return f"{base}/voice/{name}?{urlencode(query)}"


def _default_lang() -> str:
    return _app().config["HOTLINE_LANGUAGES"][0]


def _twiml(body: str, status: int = 200) -> Response:
    # The content type as sent, not worked out from "text/xml" on every answer.
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


# ------------------------------------------------------------------------ form parsing


def _call_sid() -> str | None:
    return parsing.call_sid(_request().form)


def _heard() -> Heard:
    speech, confidence, digits = parsing.said(_request().form)
    return Heard(speech=speech, confidence=confidence, digits=digits, now=_now())


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
    except database.BusyError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        # Another writer held the database longer than the busy timeout: well inside
        # Twilio's 15 s, ask the caller to hold on and come back to the same webhook.
        log.warning("Database busy for call %s: holding the caller", call_sid)
        return _twiml(_holding())
    except Exception:
        log.exception("Voice webhook failed for call %s", call_sid)
        lang = _default_lang()
        try:
            with database.transaction(db):
                lang = store.record_error(db, call_sid)
        except Exception:
            log.exception("Could not even record the error for call %s", call_sid)
        return _twiml(apology(lang, _voice(), _urls(None)))


def _latest(db, call_sid: str) -> str | None:
    """The call's current question, to ask again. In Vosk mode its media stream gets a new
    name: the stream started when it was first asked may still hold the old one."""
    body = store.latest_reply(db, call_sid)
    if body is not None and media.is_vosk(_app().config):
        return media.fresh_stream_names(body)
    return body


HELD = "held"  # query flag of a webhook asked again after the database was busy


def _holding() -> str:
    query = _request().args.to_dict()
    query[HELD] = "1"
    return twiml.holding(_default_lang(), _voice(), f"{_request().path}?{urlencode(query)}")


def _settle(db, call_sid: str, turn: Turn) -> Turn:
    """Run the queries the dialogue asks for (calendar, bookings, SMS) until it can answer."""
    context = None
    for _ in range(MAX_QUERIES):
        if turn.query is None:
            return turn
        if context is None:
            context = effects.Context(
                db=db, schedule=_app().extensions["hotline.schedule"], call_sid=call_sid,
                phone=store.caller_number(db, call_sid), now=_now(),
                public_url=_app().config["HOTLINE_PUBLIC_URL"] or _request().host_url,
                site_numbers=_app().config.get("HOTLINE_SITE_NUMBERS") or {})
        turn = _dialogue().resume(turn, effects.run(turn.query, context))
    raise RuntimeError(f"dialogue asked more than {MAX_QUERIES} queries in one turn")


def _route(db, call_sid: str, turn: Turn, said: str = "") -> Turn:
    """A hand-over: queue the caller, and ring a free agent with the skills if there is one."""
    if not turn.actions or not isinstance(turn.actions[-1], Transfer):
        return turn
    transfer = turn.actions[-1]
    state = turn.state
    # With an interpreter, an agent of the hotline's first language takes the call.
    language = effects.routing_language(_default_lang() if state.interpreter else state.lang)
    queue.enqueue(db, call_sid, topic=topic_for_intent(state.intent), language=language,
                  site=call_site(db, call_sid, state, _site_numbers(), said=said),
                  priority="emergency" if transfer.queue == "emergency" else "normal",
                  intent=state.intent, interpreter=state.interpreter, now=_now())
    ring = _reserve(db, call_sid)
    if ring is None:
        return turn
    return Turn(state, (*turn.actions[:-1], ring), turn.event, turn.recognition)


def _site_numbers() -> dict[str, str]:
    return _app().config.get("HOTLINE_SITE_NUMBERS") or {}


def _reserve(db, call_sid: str) -> DialAgent | None:
    end_long_wrap_ups(db, now=_now(), limit_s=_app().config["HOTLINE_WRAP_UP_LIMIT"])
    reservation = dispatch.reserve_agent(db, call_sid, now=_now(),
                                         ring_timeout_s=_app().config["HOTLINE_RING_TIMEOUT"])
    return _dial(reservation)


def _dial(reservation) -> DialAgent | None:
    if reservation is None:
        return None
    return DialAgent(reservation.call_sid, reservation.agent_id, reservation.reach_kind,
                     reservation.reach_address, reservation.ring_timeout_s)


def _play(db, call_sid: str, heard: Heard, turn: Turn, key: str) -> str:
    """Settle a turn's queries, route a hand-over, render, record, and remember the reply."""
    turn = _route(db, call_sid, _settle(db, call_sid, turn), heard.speech)
    return _save(db, call_sid, heard, _compose(turn), key)


@dataclass(frozen=True)
class Composed:
    """A turn ready to be saved: the TwiML answer and the words it says, for the log."""

    turn: Turn
    body: str
    said: str


def _compose(turn: Turn) -> Composed:
    return Composed(turn, *compose(turn.actions, turn.state.lang, _voice(), _urls(turn.state)))


def _compose_ahead(turn: Turn) -> Composed | None:
    """The turn composed before the write lock, if it needs nothing from the database
    (no query, no hand-over to route): most turns, which then hold the lock only to save."""
    if turn.query is not None or (turn.actions and isinstance(turn.actions[-1], Transfer)):
        return None
    return _compose(turn)


def _save(db, call_sid: str, heard: Heard, composed: Composed, key: str) -> str:
    store.record_turn(db, call_sid, heard, composed.turn, composed.said,
                      reply=(key, composed.body))
    return composed.body


def _caller_key(number: str, line: tuple[bool, bool] | None = None) -> str | None:
    """The pseudonym that counts repeat callers; none for a withheld number. `line` is
    `effects.caller_line(number)` when the webhook has it already."""
    known = (line or effects.caller_line(number))[0]
    return store.caller_key(number) if known else None


def _caller_facts(number: str, line: tuple[bool, bool] | None = None) -> dict:
    """What the dialogue may know of the caller id: not the number, only what it allows."""
    known, mobile = line or effects.caller_line(number)
    # With SMS switched off (HOTLINE_SMS=0) no SMS is offered: as if no mobile called.
    return {"caller_id": known, "mobile": mobile and _app().config["HOTLINE_SMS"],
            "caller_tail": ", ".join(re.sub(r"\D", "", number)[-3:]) if known else ""}


@bp.before_request
def _call_at_a_moment():
    """The softphone's `--at`: a development server lets this call run at that moment."""
    text = _request().headers.get(moments.HEADER)
    if text is None:
        return None
    if _app().config["HOTLINE_ENV"] != "development":
        return Response(moments.REFUSED, status=403, mimetype="text/plain")
    try:
        moment = moments.parse(text)
    except moments.BadMomentError as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    call_sid = _call_sid()
    if call_sid is not None:
        moments.remember(_app(), call_sid, moment)
    return None


@bp.post("/incoming")
@twilio_signed
def incoming():
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/incoming")
    key = _request_key()

    caller = _request().form.get("From", "")
    # The caller id parsed once, and its pseudonym keyed before the write lock is taken.
    line = effects.caller_line(caller)
    pseudonym = _caller_key(caller, line)
    greeting = _prepare_greeting(caller, line)

    def work(db):
        cached = store.cached_reply(db, call_sid, key)
        if cached is not None:
            return cached
        to = _request().form.get("To", "")
        if greeting is not None:
            if store.open_call_with_turn(db, call_sid, caller, to, pseudonym, Heard(),
                                         greeting.turn, greeting.said, (key, greeting.body)):
                return greeting.body
            # The call is already under way (a replayed or late "incoming"): carry on.
            return _latest(db, call_sid)
        if store.load_state_text(db, call_sid) is not None:
            return _latest(db, call_sid)  # under way, as above
        store.open_call(db, call_sid, caller, to, pseudonym)
        return _play(db, call_sid, Heard(), _dialogue().start(**_caller_facts(caller, line)),
                     key)

    return _answer(call_sid, work)


@bp.post("/turn")
@twilio_signed
def turn():
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/turn")
    expected = _expected_turn(_request().args.get("t"))
    # Vosk mode: what the media stream heard for this turn, as if Twilio had sent it.
    heard = media.stored_heard(database.get_db(), call_sid, expected, _heard())
    key = _request_key()
    # The dialogue's thinking (recognition, entities, the next step, the TwiML) is done
    # before the write lock is taken, on the state as read now; under the lock the
    # prepared turn is saved only if the stored state is still that one. Holding the
    # lock for the writes alone keeps other workers from waiting on each other.
    prepared = _prepare(database.get_db(), call_sid, heard, expected)
    if prepared is not None and prepared.composed is not None:
        saved = _save_if_unchanged(call_sid, heard, prepared, key)
        if saved is not None:
            return saved

    def work(db):
        cached = store.cached_reply(db, call_sid, key)
        if cached is not None:
            return cached
        if prepared is not None and store.load_state_text(db, call_sid) == prepared.state:
            return _play(db, call_sid, heard, prepared.turn, key)
        state = store.load_state(db, call_sid)
        if state is None:
            # A call we never saw start (database replaced, or a lost "incoming"): greet
            # it, or take what was said as its first _request().
            caller = _request().form.get("From", "")
            store.open_call(db, call_sid, caller, _request().form.get("To", ""),
                            _caller_key(caller))
            dialogue = _dialogue()
            first = dialogue.start(**_caller_facts(caller))
            turn_ = first if heard.silent else dialogue.step(first.state, heard)
            return _play(db, call_sid, heard, turn_, key)
        held = bool(_request().args.get(HELD)) and heard.silent
        if held or expected != state.turn:
            # An answer to a question we asked earlier, arriving late, or a webhook that
            # waited for a busy database (Twilio's redirect does not repeat what was
            # said): ask the current question again instead of acting twice or on nothing.
            latest = _latest(db, call_sid)
            if latest is not None:
                return latest
        return _play(db, call_sid, heard, _dialogue().step(state, heard), key)

    return _answer(call_sid, work)


def _expected_turn(raw: str | None) -> int:
    """The turn number our own TwiML put in `?t=`; anything else ("abc", "1e3", "", none)
    is -1, which matches no turn, so the call's current question is only asked again."""
    if raw is None or not TURN_ARG.fullmatch(raw):
        return -1
    return int(raw)


TURN_ARG = re.compile(r"[0-9]{1,6}")


def _prepare_greeting(caller: str, line: tuple[bool, bool]) -> Composed | None:
    """The greeting, composed before the write lock (None: do it under the lock)."""
    try:
        return _compose_ahead(_dialogue().start(**_caller_facts(caller, line)))
    except Exception:  # noqa: BLE001 - done again under the lock, where errors are handled
        return None


@dataclass(frozen=True)
class Prepared:
    """A turn thought through before the write lock, valid while the state is unchanged."""

    state: str  # the call's stored state, as read
    turn: Turn
    composed: Composed | None


def _prepare(db, call_sid: str, heard: Heard, expected: int | None) -> Prepared | None:
    """The dialogue's next turn on the state as read now, when this is an ordinary turn."""
    if _request().args.get(HELD):
        return None
    try:
        text = store.load_state_text(db, call_sid)
        state = store.parse_state(text) if text is not None else None
        if state is None or expected != state.turn:
            return None
        turn_ = _dialogue().step(state, heard)
        return Prepared(text, turn_, _compose_ahead(turn_))
    except Exception:  # noqa: BLE001 - done again under the lock, where errors are handled
        return None


def _save_if_unchanged(call_sid: str, heard: Heard, prepared: Prepared,
                       key: str) -> Response | None:
    """The usual turn: saved only if the call's state is still the one it was worked out
    from (compare-and-set), in a transaction without the writers' lock: on PostgreSQL the
    call's row lock is all it takes, and other calls' turns do not wait for it. None if
    the state moved on (a retry, a race) or anything failed: the turn then goes the
    careful way, under the lock, where errors are handled."""
    composed = prepared.composed
    db = database.get_db()
    try:
        with database.transaction(db, writers_lock=False):
            saved = store.record_turn(db, call_sid, heard, composed.turn, composed.said,
                                      reply=(key, composed.body), if_state=prepared.state)
    except Exception:  # noqa: BLE001 - done again under the lock, where errors are handled
        return None
    return _twiml(composed.body) if saved else None


@bp.post("/status")
@twilio_signed
def status():
    call_sid = _call_sid()
    if call_sid is None:
        return Response("Missing or malformed CallSid\n", status=400, mimetype="text/plain")
    call_status = parsing.clean(_request().form.get("CallStatus", ""), 32) or "unknown"
    duration = _request().form.get("CallDuration", "")
    db = database.get_db()
    with database.transaction(db):
        store.close_call(db, call_sid, call_status, int(duration) if duration.isdigit() else None)
        if call_status in store.FINAL_STATUSES:
            dispatch.call_finished(db, call_sid, now=_now())
            interpreters.call_ended(db, call_sid, now=_now())
    return Response(status=204)


@bp.post("/fallback")
@twilio_signed
def fallback():
    """Twilio's fallback URL: the main webhook failed; apologise and hand over."""
    call_sid = _call_sid()
    log.error(
        "Twilio used the fallback URL for call %s: error %s at %s",
        call_sid,
        parsing.clean(_request().form.get("ErrorCode", ""), 16),
        parsing.clean(_request().form.get("ErrorUrl", ""), 200),
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
    """While queued: position and expected wait, a callback offer when it is long.

    Twilio requests this again whenever it has been played. Once an agent is reserved
    for the caller, <Leave> takes them out of the queue to the agent (the Enqueue's
    action rings them), also when moving the call over the REST API failed; a free
    agent this caller is next for is reserved here, so a failed move is retried
    without Twilio's REST API.
    """
    lang = _lang_arg()
    call_sid = _call_sid()
    db = database.get_db()
    status = None
    if call_sid is not None:
        entry = queue.open_entry(db, call_sid)
        if entry is not None and entry.joined_at is None:
            # Twilio asks for the hold music as the caller enters the queue: from now
            # on they wait in it (the hand-over sentence before was not queue time).
            with database.transaction(db):
                queue.joined(db, call_sid, now=_now())
        ring_timeout_s = _app().config["HOTLINE_RING_TIMEOUT"]
        end_long_wrap_ups(db, now=_now(), limit_s=_app().config["HOTLINE_WRAP_UP_LIMIT"])
        if (dispatch.reservation_for(db, call_sid) is not None
                or dispatch.reserve_for_waiting(db, call_sid, now=_now(),
                                                ring_timeout_s=ring_timeout_s) is not None):
            return _twiml(twiml.leave_queue())
        try:
            status = queue.queue_status(
                db, call_sid, now=_now(),
                offer_after_s=_app().config["HOTLINE_CALLBACK_OFFER_AFTER"])
        except queue.NotQueuedError:
            status = None
    # While waiting, too, the hotline listens (Twilio's recogniser; not in Vosk mode,
    # where voices stay on this server): a caller in crisis is heard in the queue.
    vosk = media.is_vosk(_app().config)
    offer_callback = False
    if status is None:
        position = _request().form.get("QueuePosition", "")
        key = "queue_position" if position.isdigit() and int(position) > 1 else "queue_next"
        sentences = [prompts.text(lang, key, position=position)]
    elif status.emergency:
        # "Ich verbinde Sie sofort": no wait in minutes, and no callback to choose.
        sentences = [prompts.text(lang, "queue_emergency")]
    else:
        minutes = status.estimated_minutes
        key = "queue_wait" if minutes > 1 else "queue_wait_one"
        sentences = [prompts.text(lang, key, position=str(status.position),
                                  minutes=str(minutes))]
        offer_callback = status.offer_callback
        if offer_callback:
            # Voices stay on this server in Vosk mode: never Twilio's recogniser, keys only.
            offer = "queue_offer_callback_keys" if vosk else "queue_offer_callback"
            sentences.append(prompts.text(lang, offer))
    return _twiml(twiml.waiting(sentences, lang, _voice(), url_for("voice.wait_choice", lang=lang),
                                by_speech=not vosk, by_keys=vosk and offer_callback,
                                hold_seconds=HOLD_SECONDS))


@bp.post("/wait-choice")
@twilio_signed
def wait_choice():
    """The caller spoke while waiting: a crisis gets help at once and goes first in line;
    1 or "Rückruf" leaves the queue for a callback; anything else waits on."""
    call_sid = _call_sid()
    heard = _heard()
    lang = _lang_arg()
    crisis = detect_crisis(heard.speech, lang) if heard.speech else None
    if call_sid is not None and crisis is not None:
        return _crisis_while_waiting(call_sid, crisis, lang)
    wants = heard.digits[:1] == "1" or bool(
        CALLBACK_WORDS.search(fold(heard.speech)))
    if call_sid is None or not wants:
        return _twiml(twiml.redirect(url_for("voice.wait", lang=_lang_arg())))
    key = _request_key()

    def work(db):
        if store.cached_reply(db, call_sid, key) is None:
            state = store.load_state(db, call_sid) or CallState()
            _play(db, call_sid, heard, _dialogue().callback_instead(state), key)
        # The callback question is asked when the Enqueue's action hears "leave".
        return twiml.leave_queue()

    return _answer(call_sid, work)


def _crisis_while_waiting(call_sid: str, crisis: str, lang: str) -> Response:
    def work(db):
        queue.enqueue(db, call_sid, priority="emergency", now=_now())  # first in line now
        return twiml.crisis_in_queue([Say(key) for key in CRISIS_PROMPTS.get(crisis, ())],
                                     lang, _voice(), url_for("voice.wait", lang=lang))

    log.warning("Crisis heard while waiting on call %s: moved to the front", call_sid)
    return _answer(call_sid, work)


CRISIS_PROMPTS = {"self_harm": ("crisis_self_harm",), "violence": ("crisis_violence",)}


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    """The caller left the queue: to an agent, to a callback, hung up, or the queue failed."""
    call_sid = _call_sid()
    result = parsing.clean(_request().form.get("QueueResult", ""), 32)
    if call_sid is None:
        return _bad_request("no CallSid on /voice/queue-result")

    def work(db):
        state = store.load_state(db, call_sid) or CallState()
        if result == "hangup":
            queue.leave_queue(db, call_sid, "abandoned", now=_now())
            return render((), state.lang, _voice(), _urls(state))
        ring = _dial(dispatch.reservation_for(db, call_sid))
        if ring is not None:
            return render((ring,), state.lang, _voice(), _urls(state))
        if state.step.startswith("callback"):
            return _latest(db, call_sid)
        if result in ("leave", "redirected", "bridged"):
            # Out of the queue with nobody reserved (the agent went away): back in line.
            return render((Transfer(reason="requeue"),), state.lang, _voice(), _urls(state))
        # error, system-error, queue-full: nobody can be reached; offer the alternatives.
        queue.leave_queue(db, call_sid, "error", now=_now())
        return _play(db, call_sid, Heard(), _dialogue().unreachable(state),
                     _request_key())

    return _answer(call_sid, work)


@bp.post("/connect")
@twilio_signed
def connect():
    """A waiting caller moved here (REST) when an agent became free: ring that agent."""
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/connect")

    def work(db):
        state = store.load_state(db, call_sid) or CallState()
        ring = _dial(dispatch.reservation_for(db, call_sid))
        actions = (ring,) if ring else (Transfer(reason="requeue"),)
        return render(actions, state.lang, _voice(), _urls(state))

    return _answer(call_sid, work)


WHISPER_KEY_S = 8  # how long an agent on a phone has to press a key to accept


@bp.post("/whisper")
@twilio_signed
def whisper():
    """Played to the agent who picked up, before the caller is connected: one sentence.

    An agent reached on a phone number or SIP accepts with a key: their mailbox or
    switchboard may have answered. No key, and the whisper hangs up; the <Dial>'s result
    then rings the next agent."""
    call_sid, agent_id = _request().args.get("call", ""), _request().args.get("agent", type=int)
    if not parsing.CALL_SID.match(call_sid) or agent_id is None:
        return _twiml(twiml.empty())
    db = database.get_db()
    sentence = dispatch.whisper_text(db, call_sid)  # while the caller is still queued
    leg = _call_sid()  # the agent's own leg (the <Dial>'s child call)
    if leg is not None and leg != call_sid:
        with database.transaction(db):
            interpreters.note_leg(db, call_sid, agent_id, leg)
    if dispatch.needs_key_press(db, agent_id):
        return _twiml(twiml.whisper(
            sentence, _voice(), url_for("voice.whisper_accept", call=call_sid, agent=agent_id),
            dispatch.ACCEPT_PROMPT, WHISPER_KEY_S))
    with database.transaction(db):
        dispatch.agent_answered(db, call_sid, agent_id, now=_now())
    return _twiml(twiml.whisper(sentence, _voice()))


@bp.post("/whisper-accept")
@twilio_signed
def whisper_accept():
    """The agent pressed a key after the whisper: they take the call (an empty answer
    ends the whisper, and Twilio connects them with the caller)."""
    call_sid, agent_id = _request().args.get("call", ""), _request().args.get("agent", type=int)
    if (not parsing.CALL_SID.match(call_sid) or agent_id is None
            or not _request().form.get("Digits")):
        return _twiml(twiml.hang_up())
    db = database.get_db()
    with database.transaction(db):
        dispatch.agent_answered(db, call_sid, agent_id, now=_now())
    return _twiml(twiml.empty())


@bp.post("/dial-result")
@twilio_signed
def dial_result():
    """How ringing an agent ended: they talked, or the next agent, or back to the queue."""
    call_sid, agent_id = _request().args.get("call", ""), _request().args.get("agent", type=int)
    if not parsing.CALL_SID.match(call_sid) or agent_id is None:
        return _bad_request("dial result without call or agent")
    status = parsing.clean(_request().form.get("DialCallStatus", ""), 32)

    def work(db):
        state = store.load_state(db, call_sid) or CallState()
        if interpreters.in_conference(db, call_sid):
            # The agent's leg was moved into the interpreter conference: the caller follows.
            return twiml.conference(interpreters.conference_name(call_sid), _voice())
        ended = status
        if (status in ("completed", "answered") and dispatch.needs_key_press(db, agent_id)
                and not dispatch.accepted(db, call_sid, agent_id)):
            ended = "no-answer"  # a mailbox or switchboard answered: no key was pressed
        outcome = dispatch.dial_ended(db, call_sid, agent_id, ended, now=_now(),
                                      ring_timeout_s=_app().config["HOTLINE_RING_TIMEOUT"])
        if outcome.talked:
            actions = (Say("goodbye"), Hangup())
        elif outcome.next is not None:
            actions = (_dial(outcome.next),)
        elif status == "canceled":
            actions = (Hangup(),)
        else:
            actions = (Say("agents_busy"), Transfer(reason="requeue"))
        return render(actions, state.lang, _voice(), _urls(state))

    return _answer(call_sid, work)


CONFERENCE_ROLES = ("caller", "agent", "interpreter")


@bp.post("/conference")
@twilio_signed
def conference():
    """A call moved (or placed) into an interpreter conference: the caller, the agent, or
    the interpreter, who first hears in German which language and whose call it is."""
    call_sid = _request().args.get("call", "")
    role = _request().args.get("role", "")
    if not parsing.CALL_SID.match(call_sid) or role not in CONFERENCE_ROLES:
        return _twiml(twiml.hang_up())
    if interpreters.current(database.get_db(), call_sid) is None and role == "interpreter":
        return _twiml(twiml.hang_up())  # taken off again before they answered
    before = None
    if role == "interpreter":
        lang = _request().args.get("lang", "")
        before = (f"Hier ist das Jobcenter. Wir brauchen Sie als Dolmetscher für "
                  f"{language_label(lang)}. Sie werden jetzt verbunden.")
    return _twiml(twiml.conference(interpreters.conference_name(call_sid), _voice(),
                                   ends_it=role != "interpreter", before=before))


@bp.post("/interpreter-status")
@twilio_signed
def interpreter_status():
    """Twilio's status callback for the interpreter's call: answered, or over."""
    interpreter_call = _call_sid()
    if interpreter_call is None:
        return Response("Missing or malformed CallSid\n", status=400, mimetype="text/plain")
    call_status = parsing.clean(_request().form.get("CallStatus", ""), 32)
    db = database.get_db()
    with database.transaction(db):
        interpreters.interpreter_status(db, interpreter_call, call_status, now=_now())
    return Response(status=204)


@bp.post("/voicemail")
@twilio_signed
def voicemail():
    """The caller's message was recorded (<Record action>): keep it, thank them, hang up.
    Nothing recorded (Twilio asks no action then, and follows the <Redirect> after the
    <Record> here; or a recording of no length): the caller hears so and may try again."""
    call_sid = _call_sid()
    if call_sid is None:
        return _bad_request("no CallSid on /voice/voicemail")
    duration = _request().form.get("RecordingDuration", "")
    seconds = int(duration) if duration.isdigit() else 0
    recording_sid = parsing.clean(_request().form.get("RecordingSid", ""), 64)
    recording_url = parsing.clean(_request().form.get("RecordingUrl", ""), 500)

    def work(db):
        state = store.load_state(db, call_sid) or CallState()
        if seconds <= 0 or not recording_sid:
            key = _request_key()
            cached = store.cached_reply(db, call_sid, key)  # Twilio asked again
            if cached is not None:
                return cached
            return _play(db, call_sid, Heard(), _dialogue().message_empty(state), key)
        store.record_voicemail(db, call_sid, recording_sid, recording_url, seconds)
        phone, confirmed_by = store.caller_number(db, call_sid), "caller_id"
        if not (phone and effects.has_caller_id(phone)):
            # A withheld number: the one the caller gave before the message, if any.
            phone, confirmed_by = (state.callback or {}).get("phone"), "spoken"
        if phone:
            # The message becomes a callback request, so agents see it in their list.
            callbacks.request_callback(db, call_sid, phone=phone, confirmed_by=confirmed_by,
                                       topic=topic_for_intent(state.intent), language=state.lang,
                                       site=call_site(db, call_sid, state, _site_numbers()),
                                       intent=state.intent, now=_now())
            # A crisis heard in the call marks it as one heard in the message would.
            callbacks.mark_concern(db, call_sid, state.crisis
                                   or ("emergency" if state.emergency else None))
            voicemail_transcription.mark_callback(db, call_sid)
        return render((Say("voicemail_thanks"), Hangup()), state.lang, _voice(), _urls(state))

    # Vosk mode: transcribed once Twilio says the audio is ready (/voice/recording-status).
    return _answer(call_sid, work)


@bp.post("/recording-status")
@twilio_signed
def recording_status():
    """Twilio's recordingStatusCallback for a voicemail: the audio is ready to fetch now.

    Vosk mode transcribes it in the background; the row is stored here too, in case this
    callback comes before the <Record>'s action."""
    call_sid = _call_sid()
    recording_sid = parsing.clean(_request().form.get("RecordingSid", ""), 64)
    if call_sid is None or not recording_sid:
        return Response("Missing CallSid or RecordingSid\n", status=400, mimetype="text/plain")
    status = parsing.clean(_request().form.get("RecordingStatus", ""), 16)
    duration = _request().form.get("RecordingDuration", "")
    seconds = int(duration) if duration.isdigit() else 0
    if status != "completed" or seconds <= 0:
        log.warning("Voicemail recording for call %s: %s", call_sid, status or "no status")
        return Response(status=204)
    db = database.get_db()
    with database.transaction(db):
        store.record_voicemail(db, call_sid, recording_sid,
                               parsing.clean(_request().form.get("RecordingUrl", ""), 500), seconds)
    voicemail_transcription.submit(_app(), recording_sid)
    return Response(status=204)


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
