"""The app's request class reads Twilio's forms exactly as Flask's own would, only faster."""

import io

import pytest
from flask import Flask, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from ivr.parsing import FAST_FORM_BYTES, HotlineRequest

URLENCODED = "application/x-www-form-urlencoded"


def environ(body: bytes, content_type: str = URLENCODED, length: int | None = None,
            path: str = "/voice/turn") -> dict:
    env = EnvironBuilder(method="POST", path=path, data=body,
                         content_type=content_type).get_environ()
    env["CONTENT_LENGTH"] = str(len(body) if length is None else length)
    env["wsgi.input"] = io.BytesIO(body)
    env["wsgi.input_terminated"] = True  # as gunicorn says of every request
    return env


def both_forms(app: Flask, body: bytes, content_type: str = URLENCODED, path="/voice/turn"):
    with app.app_context():
        ours = HotlineRequest(environ(body, content_type, path=path))
        flasks = Request(environ(body, content_type, path=path))
        return list(ours.form.items(multi=True)), list(flasks.form.items(multi=True)), ours


@pytest.fixture(scope="module")
def app():
    return Flask(__name__)


# Bodies made of the pieces that matter: separators, escapes (also broken ones and bytes
# that are not UTF-8), plus signs, blanks, repeated names and non-ASCII text.
PIECES = st.sampled_from([b"&", b"=", b"+", b"%", b"%2", b"%26", b"%3D", b"%C3%BC", b"%FF",
                          b"%E2%82", b";", b"\xc3\xa4", b"\xff", b"CallSid", b"SpeechResult",
                          b"ja", b"", b" ", b"\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES | st.binary(max_size=6), max_size=30).map(b"".join))
def test_any_urlencoded_body_gives_the_same_form_as_flasks_parser(app, body):
    ours, flasks, _ = both_forms(app, body)
    assert ours == flasks


def test_a_twilio_form_is_read_with_its_repeated_fields_and_umlauts(app):
    body = (b"CallSid=CA1&SpeechResult=Ich+m%C3%B6chte+einen+Termin&Confidence=0.91"
            b"&Digits=&Digits=5")
    ours, flasks, request = both_forms(app, body)
    assert request.form["SpeechResult"] == "Ich möchte einen Termin"
    assert request.form.getlist("Digits") == ["", "5"]
    assert ours == flasks
    assert request.get_data() == b""  # consumed, as Flask's parser leaves it
    assert type(request.__dict__["stream"]) is io.BytesIO  # read here, not by Werkzeug


def test_other_bodies_take_flasks_way(app):
    body = (b'--b\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA9\r\n--b--\r\n')
    ours, flasks, request = both_forms(app, body, "multipart/form-data; boundary=b")
    assert request.form["CallSid"] == "CA9"
    assert ours == flasks
    # Larger than a webhook may send (see BODY_LIMITS): on a route that takes more.
    big = b"CallSid=CA1&SpeechResult=" + b"a" * FAST_FORM_BYTES
    ours, flasks, request = both_forms(app, big, path="/elsewhere")
    assert len(request.form["SpeechResult"]) == FAST_FORM_BYTES
    assert ours == flasks


def test_a_body_over_the_apps_limit_is_refused_with_413(app):
    limited = Flask(__name__)
    limited.config["MAX_CONTENT_LENGTH"] = 100
    with limited.app_context():
        request = HotlineRequest(environ(b"CallSid=CA1&x=" + b"y" * 200))
        with pytest.raises(RequestEntityTooLarge):
            request.form  # noqa: B018


def test_a_body_shorter_than_its_content_length_is_a_bad_request(app):
    with app.app_context():
        request = HotlineRequest(environ(b"CallSid=CA1", length=50))
        with pytest.raises(BadRequest):
            request.form  # noqa: B018
