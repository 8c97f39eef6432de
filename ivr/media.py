"""Vosk mode: the Twilio Media Streams websocket, the stream handler, and the /voice/listen hold.

With HOTLINE_SPEECH_ENGINE=vosk every question (an Ask, see ivr.twiml) starts a Twilio
Media Stream of the caller's audio to `/voice/media`. For each stream:

1. `start` names the call and carries our parameters (turn, expect, lang, token); the
   token is an HMAC over them, so only streams our own TwiML started are accepted.
2. `media` frames (base64 mu-law, 8 kHz, 20 ms) are decoded and fed to one Vosk
   recogniser, restricted by a grammar where the turn expects few answers.
3. The first word (onset) is noted in `vosk_turns` and, with barge-in on, moves the call
   to /voice/listen, which ends the prompt while the caller speaks.
4. At the end of the utterance the transcript is stored in `vosk_turns` and the live
   call is redirected (REST) to `/voice/turn?t=N&heard=vosk`, whose view reads it as
   Twilio's SpeechResult/Confidence (`stored_heard`).

Streams over HOTLINE_VOSK_MAX_STREAMS are refused and logged; /voice/listen then falls
back to Twilio's recogniser or to the keypad. Whatever a stream does (bad JSON, no
stop, a monologue, silence), its recogniser is freed when it ends, and the Redirect in
the TwiML still brings the caller to the next step.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request
from flask_sock import Sock

import clock
import db as database
from conversation import Heard
from gateway import GatewayError
from speech import mulaw, speech_hints
from speech.streaming import Onset, UtteranceListener
from speech.vosk_engine import CapacityError, Transcript, VoskEngine
from speech.vosk_grammar import Grammars

from . import parsing, twiml
from .signatures import twilio_signed
from .twiml import Listening, listen_url, stream_token

log = logging.getLogger(__name__)

bp = Blueprint("media", __name__, url_prefix="/voice")
sock = Sock()

ENGINES = ("twilio", "vosk")
OVERFLOW = ("keypad", "twilio")


TURN_CHECK_MS = 1000  # how often a stream checks that its call is still on its turn
MAX_BAD_MESSAGES = 50  # then the sender is not Twilio, or broken: close
MAX_MESSAGE_BYTES = 64 * 1024  # a media message is about 300 bytes
HOLD_PAUSE_S = 2  # /voice/listen asks again this often while the caller speaks
# A websocket holds one of the server's threads for as long as it is open. One that has
# not shown our token (in its `start`) gets AUTH_DEADLINE_S to do so, and one address may
# hold UNAUTHENTICATED_PER_ADDRESS such sockets (a process UNAUTHENTICATED_TOTAL): sockets
# that only ever send `connected` and `mark` cannot take the webhooks' threads.
AUTH_DEADLINE_S = 5.0
UNAUTHENTICATED_PER_ADDRESS = 2
UNAUTHENTICATED_TOTAL = 4


STREAM_SID = re.compile(r"^MZ[0-9a-zA-Z]{32}$")
# A stream's name is `turn-<N>`; a question asked again (a late or held webhook gets the
# current question once more) starts a stream under a new name: Twilio refuses a name
# already in use on the call.
STREAM_NAME = re.compile(r'(<Stream name="turn-\d+)(?:-again-[0-9a-f]+)?(")')


def fresh_stream_names(body: str) -> str:
    """The TwiML with its stream renamed, for a question asked again (Vosk mode)."""
    return STREAM_NAME.sub(lambda m: f"{m.group(1)}-again-{secrets.token_hex(4)}{m.group(2)}",
                           body)


class StreamRefused(Exception):
    """A media stream that is not ours, not for a live turn, or over the limit."""


# ------------------------------------------------------------------------ set-up


def is_vosk(config) -> bool:
    return config.get("HOTLINE_SPEECH_ENGINE", "twilio") == "vosk"


def read_settings(config) -> None:
    """Check the speech settings (read with all others in config.py)."""
    if config["HOTLINE_SPEECH_ENGINE"] not in ENGINES:
        raise ValueError(f"HOTLINE_SPEECH_ENGINE must be one of {ENGINES}")
    if config["HOTLINE_VOSK_OVERFLOW"] not in OVERFLOW:
        raise ValueError(f"HOTLINE_VOSK_OVERFLOW must be one of {OVERFLOW}")


def init_app(app: Flask) -> None:
    """Vosk mode: check and load the model now, not at the first call; register the routes.

    Idempotent. In Twilio mode it only registers the (then unused) routes' table.
    """
    if "hotline.media" in app.extensions:
        return
    read_settings(app.config)
    conn = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        database.migrate(conn, {__name__: MIGRATIONS})
    finally:
        conn.conn.close()
    engine = None
    if is_vosk(app.config):
        engine = VoskEngine(app.config["VOSK_MODEL_PATH"],
                            max_streams=app.config["HOTLINE_VOSK_MAX_STREAMS"],
                            preload=app.config["HOTLINE_VOSK_PRELOAD"])
        if not app.config["HOTLINE_PUBLIC_URL"].startswith("https://"):
            # Without it the stream URL is ws://..., which Twilio refuses (error 31922).
            message = ("Vosk mode needs HOTLINE_PUBLIC_URL=https://... (Twilio streams audio "
                       "only to wss://, behind TLS)")
            if app.config["HOTLINE_ENV"] == "production":
                raise RuntimeError(message)
            log.warning("%s; allowed outside production", message)
        secret = app.config["HOTLINE_VOSK_STREAM_SECRET"] or app.config["TWILIO_AUTH_TOKEN"]
        if not secret:
            raise RuntimeError("Vosk mode needs TWILIO_AUTH_TOKEN or HOTLINE_VOSK_STREAM_SECRET "
                               "to sign its media streams")
        voice = app.extensions["hotline.voice"]
        app.extensions["hotline.voice"] = replace(voice, listening=Listening(
            secret=secret, public_url=app.config["HOTLINE_PUBLIC_URL"]))
        app.config.setdefault("SOCK_SERVER_OPTIONS", {"max_message_size": MAX_MESSAGE_BYTES})
        log.info("Speech engine: Vosk, model %s, up to %d streams",
                 app.config["VOSK_MODEL_PATH"], engine.max_streams)
    app.extensions["hotline.media"] = Media(
        engine=engine, grammars=Grammars.from_file(app.config["HOTLINE_VOSK_GRAMMARS"]))
    app.register_blueprint(bp)


@dataclass
class Media:
    """What the media streams of one app share: the engine and the streams now open."""

    engine: VoskEngine | None
    grammars: Grammars

    def __post_init__(self):
        self.lock = threading.Lock()
        self.streams: dict[tuple[str, int], MediaStream] = {}


def migrate(db) -> None:
    """`vosk_turns`: per call and turn, whether the caller is speaking, and the transcript."""
    if "vosk_turns" not in db.table_names():
        db["vosk_turns"].create(
            {"call_sid": str, "turn": int, "status": str, "transcript": str,
             "confidence": float, "grammar": int, "expect": str, "lang": str,
             "started_at": str, "updated_at": str},
            pk=("call_sid", "turn"),
        )


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


# ------------------------------------------------------------------------ the store

LISTENING, SPEAKING, DONE, REFUSED = "listening", "speaking", "done", "refused"


def _now_text() -> str:

    return clock.utc_text()


def _set_status(db, call_sid: str, turn: int, status: str, **fields) -> None:
    now = _now_text()
    with database.transaction(db):
        db.execute(
            "INSERT INTO vosk_turns (call_sid, turn, status, started_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_sid, turn) DO UPDATE SET"
            " status = excluded.status, updated_at = excluded.updated_at",
            [call_sid, turn, status, now, now])
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)
            db.execute(f"UPDATE vosk_turns SET {assignments} WHERE call_sid = ? AND turn = ?",
                       [*fields.values(), call_sid, turn])


def turn_row(db, call_sid: str, turn: int) -> dict | None:
    row = db.execute("SELECT status, transcript, confidence FROM vosk_turns"
                     " WHERE call_sid = ? AND turn = ?", [call_sid, turn]).fetchone()
    return None if row is None else {"status": row[0], "transcript": row[1],
                                     "confidence": row[2]}


def stored_heard(db, call_sid: str, turn: int | None, heard: Heard) -> Heard:
    """The turn's Vosk transcript as Twilio's SpeechResult/Confidence, when Twilio sent none.

    A Twilio retry of the same request reads the same row again (and gets the stored
    reply anyway); the dialogue moves past the turn, so a transcript counts once.
    """
    if turn is None or heard.speech or heard.digits or not is_vosk(current_app.config):
        return heard
    row = turn_row(db, call_sid, turn)
    if row is None or row["status"] != DONE or not row["transcript"]:
        return heard
    return replace(heard, speech=row["transcript"][:1000], confidence=row["confidence"])


def _current_turn(db, call_sid: str) -> int | None:
    row = db.execute("SELECT turns, step FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    if row is None:
        return None
    return row[0] or 0


# ------------------------------------------------------------------------ the websocket


class Doorman:
    """Counts, per process, the websockets that have not shown our token yet."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: Counter[str] = Counter()

    def admit(self, address: str) -> bool:
        with self._lock:
            if (self._waiting[address] >= UNAUTHENTICATED_PER_ADDRESS
                    or self._waiting.total() >= UNAUTHENTICATED_TOTAL):
                return False
            self._waiting[address] += 1
            return True

    def leave(self, address: str) -> None:
        with self._lock:
            self._waiting[address] -= 1
            if self._waiting[address] <= 0:
                del self._waiting[address]


doorman = Doorman()


@sock.route("/media", bp=bp)
def media(ws):
    """Twilio's Media Stream for one turn of one call."""
    app = current_app._get_current_object()
    shared: Media = app.extensions["hotline.media"]
    if shared.engine is None:
        log.warning("A media stream arrived but the speech engine is not Vosk: closed")
        ws.close(reason=1008, message="not in Vosk mode")
        return
    address = request.remote_addr or "-"
    if not doorman.admit(address):
        log.warning("Media stream refused: too many streams waiting for their start")
        ws.close(reason=1008, message="too many streams")
        return
    base = app.config["HOTLINE_PUBLIC_URL"].rstrip("/") or request.host_url.rstrip("/")
    stream = MediaStream(app.config, shared, app.extensions["hotline.gateway"], base)
    stream.waiting_at = address
    stream.serve(ws)


class MediaStream:
    """One websocket from Twilio: its protocol, its recogniser, and what it tells the call.

    It runs in the websocket's own thread, outside any webhook, so everything it needs
    (settings, database file, gateway, public URL) is handed in.
    """

    def __init__(self, config, shared: Media, gateway, base_url: str):
        self.config = config
        self.shared = shared
        self.engine: VoskEngine = shared.engine
        self.gateway = gateway
        self.base_url = base_url
        self.db = None
        self.call_sid: str | None = None
        self.turn: int | None = None
        self.expect = "request"
        self.lang = "de"
        self.listener: UtteranceListener | None = None
        self.closed = False
        self.bad_messages = 0
        self.early_media = 0
        self._next_turn_check_ms = TURN_CHECK_MS
        self.stream_sid: str | None = None
        self.stopped_by_twilio = False
        self.waiting_at: str | None = None  # counted by the doorman until its start

    # -- the connection

    def serve(self, ws) -> None:
        """Read messages until the stream ends; always free the recogniser."""
        idle_s = self.config["HOTLINE_VOSK_IDLE_S"]
        deadline = time.monotonic() + AUTH_DEADLINE_S
        try:
            self.db = database.connect(self.config["HOTLINE_DATABASE"])
            while not self.closed:
                if self.call_sid is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        log.info("Media stream without a valid start for %.0f s: closed",
                                 AUTH_DEADLINE_S)
                        break
                    message = ws.receive(timeout=min(idle_s, left))
                    if message is not None:
                        self.handle(message)
                        if self.call_sid is not None:
                            self._authenticated()
                    continue
                message = ws.receive(timeout=idle_s)
                if message is None:
                    log.info("Media stream %s: nothing for %d s, closing", self._name(), idle_s)
                    self._end(deliver=True)
                    break
                self.handle(message)
        except Exception as error:
            if type(error).__name__ != "ConnectionClosed":
                log.exception("Media stream %s failed", self._name())
            self._end(deliver=True)
        finally:
            self._authenticated()
            self._release()
            try:
                ws.close()
            except Exception:  # noqa: S110 - already closed by the other side
                pass
            if self.db is not None:
                self.db.conn.close()
            self._stop_at_twilio()

    def _authenticated(self) -> None:
        """No longer one the doorman counts (its start was ours, or it has ended)."""
        if self.waiting_at is not None:
            doorman.leave(self.waiting_at)
            self.waiting_at = None

    def _stop_at_twilio(self) -> None:
        """Stop this stream explicitly (REST), unless Twilio stopped it: closing the socket
        is not a documented way to end a <Start><Stream>, which would run on otherwise."""
        if self.stream_sid is None or self.call_sid is None or self.stopped_by_twilio:
            return
        try:
            self.gateway.stop_stream(self.call_sid, self.stream_sid)
        except Exception as error:  # noqa: BLE001 - the call may have ended meanwhile
            log.info("Media stream %s not stopped at Twilio: %s", self._name(),
                     getattr(error, "reason", type(error).__name__))

    def handle(self, message) -> None:
        """One message from Twilio (text JSON); anything malformed is counted and skipped."""
        try:
            data = json.loads(message)
            event = data.get("event") if isinstance(data, dict) else None
        except (TypeError, ValueError):
            event = None
        if not isinstance(event, str):
            self._bad("not a JSON object with an event")
            return
        if event == "media":
            self._media(data.get("media"))
        elif event == "start":
            self._start(data.get("start"), data.get("streamSid"))
        elif event == "stop":
            self.stopped_by_twilio = True
            self._end(deliver=True)
        elif event in ("connected", "mark", "dtmf"):
            pass  # keys reach us through the Gather; marks only matter for playback
        else:
            log.debug("Media stream %s: unknown event %r ignored", self._name(), event[:32])

    # -- the events

    def _start(self, start, stream_sid) -> None:
        if self.call_sid is not None:
            self._bad("second start")
            return
        try:
            self._accept(start)
            if isinstance(stream_sid, str) and STREAM_SID.match(stream_sid):
                self.stream_sid = stream_sid
        except StreamRefused as why:
            log.warning("Media stream refused (%s): %s", str(stream_sid)[:40], why)
            self._close()
            return
        grammar = self.shared.grammars.for_turn(self.expect, self.lang, self.engine.knows)
        try:
            recogniser = self.engine.open(grammar)
        except CapacityError:
            log.warning("Media stream for call %s turn %s over HOTLINE_VOSK_MAX_STREAMS=%d: "
                        "refused, the turn falls back to %s", self.call_sid, self.turn,
                        self.engine.max_streams, self.config["HOTLINE_VOSK_OVERFLOW"])
            _set_status(self.db, self.call_sid, self.turn, REFUSED)
            self._close()
            return
        self.listener = UtteranceListener(
            recogniser, silence_ms=self.config["HOTLINE_VOSK_SILENCE_MS"],
            max_utterance_ms=self.config["HOTLINE_VOSK_MAX_UTTERANCE_S"] * 1000,
            lang=self.lang)
        self._register()
        _set_status(self.db, self.call_sid, self.turn, LISTENING, expect=self.expect,
                    lang=self.lang, grammar=int(bool(recogniser.grammar)))
        log.info("Media stream for call %s turn %d: listening (%s)", self.call_sid, self.turn,
                 "grammar" if recogniser.grammar else "free")

    def _accept(self, start) -> None:
        """Check the start message: our token, a known call, the turn it is on."""

        if not isinstance(start, dict):
            raise StreamRefused("start without details")
        call_sid = str(start.get("callSid", ""))
        params = start.get("customParameters")
        if not parsing.CALL_SID.match(call_sid) or not isinstance(params, dict):
            raise StreamRefused("no call or no parameters")
        turn, expect, lang = str(params.get("turn", "")), str(params.get("expect", "")), \
            str(params.get("lang", ""))
        if not turn.isdigit() or len(turn) > 6:
            raise StreamRefused("no turn")
        secret = self.config["HOTLINE_VOSK_STREAM_SECRET"] or self.config["TWILIO_AUTH_TOKEN"]
        expected = stream_token(secret, call_sid, int(turn), expect, lang)
        if not hmac.compare_digest(expected, str(params.get("token", ""))):
            raise StreamRefused(f"wrong token for call {call_sid}")
        current = _current_turn(self.db, call_sid)
        if current is None:
            raise StreamRefused(f"unknown call {call_sid}")
        if current != int(turn):
            raise StreamRefused(f"call {call_sid} is on turn {current}, not {turn}")
        self.call_sid, self.turn, self.expect, self.lang = call_sid, int(turn), expect, lang
        if media_format := start.get("mediaFormat"):
            if isinstance(media_format, dict) and media_format.get("encoding") not in (
                    None, "audio/x-mulaw"):
                raise StreamRefused(f"unexpected encoding {media_format.get('encoding')!r}")

    def _media(self, media) -> None:
        if self.listener is None:
            self.early_media += 1
            if self.early_media == 1:
                log.warning("Media stream %s: media before an accepted start, ignored",
                            self._name())
            if self.early_media > MAX_BAD_MESSAGES:
                self._close()
            return
        if not isinstance(media, dict) or media.get("track", "inbound") not in (
                "inbound", "inbound_track"):
            return
        try:
            payload = base64.b64decode(str(media.get("payload", "")), validate=True)
        except (binascii.Error, ValueError):
            self._bad("media payload is not base64")
            return
        if not payload or len(payload) > MAX_MESSAGE_BYTES:
            return
        heard = self.listener.feed(mulaw.decode(payload))
        if isinstance(heard, Onset):
            self._onset()
        elif isinstance(heard, Transcript):
            self._deliver(heard)
            return
        audio_ms = self.listener.audio_ms
        if audio_ms >= self._next_turn_check_ms:
            self._next_turn_check_ms = audio_ms + TURN_CHECK_MS
            if _current_turn(self.db, self.call_sid) != self.turn:
                log.info("Media stream for call %s turn %d: the call moved on, closing",
                         self.call_sid, self.turn)
                self._close()
            elif (self.listener.onset_ms is None
                  and audio_ms >= self.config["HOTLINE_VOSK_MAX_LISTEN_S"] * 1000):
                log.info("Media stream for call %s turn %d: nothing said in %d s, closing",
                         self.call_sid, self.turn, audio_ms // 1000)
                self._close()

    def _onset(self) -> None:
        _set_status(self.db, self.call_sid, self.turn, SPEAKING)
        if self.config["HOTLINE_VOSK_BARGE_IN"]:
            # Moving the call to the hold ends the prompt the caller is talking over.
            self._redirect(self.base_url + listen_url(
                Listening(secret=""), self.turn, self.expect, self.lang, hold="1"))

    def _deliver(self, heard: Transcript) -> None:
        """Store the transcript and move the call on to the turn that reads it."""
        _set_status(self.db, self.call_sid, self.turn, DONE, transcript=heard.text or None,
                    confidence=heard.confidence, grammar=int(heard.grammar))
        log.info("Media stream for call %s turn %d: %d words, confidence %s, after %d ms",
                 self.call_sid, self.turn, len(heard.text.split()), heard.confidence,
                 self.listener.audio_ms if self.listener else 0)
        if _current_turn(self.db, self.call_sid) == self.turn:
            query = urlencode({"t": self.turn, "heard": "vosk"})
            self._redirect(f"{self.base_url}/voice/turn?{query}")
        self._close()

    def _end(self, deliver: bool) -> None:
        """The audio ended (stop, idle, error): deliver what was said, if anything."""
        if deliver and self.listener is not None and not self.listener.done:
            heard = self.listener.finish()
            if heard.text:
                self._deliver(heard)
        self._close()

    # -- helpers

    def _redirect(self, url: str) -> None:
        try:
            self.gateway.redirect_call(self.call_sid, url)
        except GatewayError as error:
            # The call may have ended; the TwiML's own Redirect still moves a live one on.
            log.warning("Could not move call %s on: %s", self.call_sid, error)

    def _bad(self, why: str) -> None:
        self.bad_messages += 1
        if self.bad_messages == 1:
            log.warning("Media stream %s: %s, ignored", self._name(), why)
        if self.bad_messages > MAX_BAD_MESSAGES:
            log.warning("Media stream %s: too many bad messages, closing", self._name())
            self._close()

    def _register(self) -> None:
        key = (self.call_sid, self.turn)
        with self.shared.lock:
            older = self.shared.streams.get(key)
            self.shared.streams[key] = self
        if older is not None:
            older.closed = True  # a second stream for the same turn (a replayed TwiML) wins

    def _close(self) -> None:
        self.closed = True
        self._release()

    def _release(self) -> None:
        """Free the recogniser (and its slot) exactly once."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.recogniser.close()
        with self.shared.lock:
            if self.shared.streams.get((self.call_sid, self.turn)) is self:
                del self.shared.streams[(self.call_sid, self.turn)]

    def _name(self) -> str:
        return f"{self.call_sid or '?'}/{self.turn if self.turn is not None else '?'}"


# ------------------------------------------------------------------------ /voice/listen


@bp.post("/listen")
@twilio_signed
def listen():
    """After the prompts and the keypad wait: is the caller still speaking?

    Transcript ready: on to the turn. Speaking (or just barged in): hold a little longer,
    keys still working. No stream (refused, never connected): Twilio's recogniser or
    the keypad, as configured. Otherwise silence: on to the turn with nothing heard.
    """
    call_sid = parsing.call_sid(request.form)
    turn = request.args.get("t", type=int)
    expect = request.args.get("expect", "request")
    lang = request.args.get("lang", "")
    if lang not in current_app.config["HOTLINE_LANGUAGES"]:
        lang = current_app.config["HOTLINE_LANGUAGES"][0]
    polls = request.args.get("n", 0, type=int)
    turn_url = f"/voice/turn?{urlencode({'t': turn if turn is not None else 0})}"
    if call_sid is None or turn is None:
        return Response(twiml.redirect(turn_url), mimetype="text/xml")
    row = turn_row(database.get_db(), call_sid, turn)
    status = row["status"] if row else None
    max_polls = (current_app.config["HOTLINE_VOSK_MAX_UTTERANCE_S"] * 2) // HOLD_PAUSE_S + 2
    holding = status == SPEAKING or (request.args.get("hold") and status == LISTENING)
    if status == DONE:
        body = twiml.redirect(f"{turn_url}&heard=vosk")
    elif holding and polls < max_polls:
        again = urlencode({"t": turn, "expect": expect, "lang": lang, "n": polls + 1})
        body = twiml.hold_listening(turn_url, f"/voice/listen?{again}", expect, HOLD_PAUSE_S)
    elif status in (None, REFUSED) and current_app.config["HOTLINE_VOSK_OVERFLOW"] == "twilio":
        log.info("Call %s turn %d: no Vosk stream, Twilio's recogniser listens", call_sid, turn)
        body = twiml.twilio_listens(turn_url, lang, speech_hints(lang),
                                    current_app.config["HOTLINE_GATHER_TIMEOUT"], expect)
    else:
        if status in (None, REFUSED):
            log.info("Call %s turn %d: no Vosk stream, the turn goes on as silence "
                     "(the dialogue offers the keypad)", call_sid, turn)
        body = twiml.redirect(turn_url)
    return Response(body, mimetype="text/xml")


def wait_for(predicate, timeout_s: float, step_s: float = 0.02) -> bool:
    """Poll until `predicate()` is true (tests and the benchmark wait on streams with it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return bool(predicate())
