"""Vosk mode on two app nodes sharing one PostgreSQL: a stream lives on the node that holds
its websocket, and what it heard reaches the next webhook on the other node; a node that
dies while the caller speaks leaves the turn to go on as silence.

Each node is an app of its own (its own HTTP server, connection pool, fake REST gateway
and open streams) in this process; the real Vosk model listens to espeak-ng speech, as in
tests/test_media_stream.py, whose caller and stream helpers these tests use.
"""

import pytest
from test_media_stream import (  # noqa: F401 - model_path and speech_sample are fixtures
    MAX_UTTERANCE_S,
    Caller,
    Server,
    TwilioStream,
    last_turn,
    model_path,
    phrases,
    speech_sample,
    start_vosk_server,
)

import db as database
from conftest import twiml
from ivr import media
from speech import vosk_samples

pytestmark = pytest.mark.postgres


def start_node(url: str, folder, model: str, words) -> tuple[Server, object]:
    return start_vosk_server(url, model, f"[yes_no]\nde = {phrases(words)}\n", folder,
                             HOTLINE_VOSK_IDLE_S=None)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, model_path, speech_sample, postgres_databases):  # noqa: F811
    url = postgres_databases.new()
    started = [start_node(url, tmp_path_factory.mktemp(name), model_path, speech_sample[1])
               for name in ("a", "b")]
    yield started[0][0], started[1][0]
    for _, http in started:
        http.shutdown()
    import db_postgres

    db_postgres.close_pools(url)


def path_of(url: str) -> str:
    """The path of a URL one node wrote: the load balancer may send it to any node."""
    return "/voice/" + url.split("/voice/", 1)[1]


def test_a_stream_on_one_node_moves_the_call_on_at_the_other(nodes, speech_sample):  # noqa: F811
    a, b = nodes
    audio, grammar = speech_sample
    caller = Caller(b).at_yes_no()  # the webhooks so far: node B
    _, parameters = caller.stream()
    # Twilio's websocket reached node A (the load balancer chose it).
    stream = TwilioStream(a.base.replace("http", "ws") + "/voice/media", caller.call_sid,
                          parameters).start()
    stream.audio(audio + vosk_samples.silence(3))
    url = a.redirect_for(caller.call_sid, "heard=vosk")
    assert not b.gateway.redirects  # B never held the stream
    # The redirected call's next request lands on node B, which reads A's transcript.
    said = caller.follow(path_of(url))
    speech, confidence, _ = last_turn(b, caller.call_sid)
    assert set(grammar) <= set(speech.split()), speech
    assert 0.5 <= confidence <= 1.0 and said
    stream.close()
    assert a.streams_freed() and b.engine.open_streams == 0


def test_a_node_that_dies_while_the_caller_speaks_leaves_a_turn_heard_as_silence(nodes):
    a, b = nodes
    caller = Caller(b).at_yes_no()
    turn = int(caller.stream()[1]["turn"])
    # The row as node A leaves it when it dies mid-sentence: the caller was speaking, and
    # A had moved the call to its hold (barge-in); no transcript will ever come.
    db = database.connect(b.app.config["HOTLINE_DATABASE"])
    try:
        media._set_status(db, caller.call_sid, turn, media.SPEAKING)
    finally:
        db.conn.close()
    # Twilio follows the hold's Redirects, now answered by node B: it holds a bounded
    # number of pauses (the longest utterance, twice over), then goes on without words.
    url, holds = f"/voice/listen?t={turn}&expect=yes_no&lang=de&hold=1", 0
    while url.startswith("/voice/listen"):
        root = twiml(caller._post(url, {}).body)
        url = root.find("./Redirect").text
        holds += root.find("./Gather/Pause") is not None
    assert holds == MAX_UTTERANCE_S * 2 // media.HOLD_PAUSE_S + 2
    assert url == f"/voice/turn?t={turn}"
    said = " ".join(caller.follow(url))
    assert last_turn(b, caller.call_sid)[2].startswith("reprompt"), said
    # The question is asked again, with a new stream that any node may take.
    assert int(caller.stream()[1]["turn"]) > turn
