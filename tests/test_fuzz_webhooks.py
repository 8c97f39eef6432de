"""Fuzzing every voice webhook: random fields and values, signed and unsigned.

Whatever arrives, the hotline never answers 500, and nothing is written for a request
without a valid signature.
"""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from app import create_app
from conftest import NOW, TOKEN
from db import connect

PATHS = ["/voice/incoming", "/voice/turn", "/voice/turn?t=0", "/voice/turn?t=99",
         "/voice/status", "/voice/fallback", "/voice/wait", "/voice/wait?lang=xx",
         "/voice/wait-choice", "/voice/queue-result", "/voice/connect", "/voice/whisper",
         "/voice/whisper?call=CA1&agent=x", "/voice/dial-result?call=CA1&agent=1",
         "/voice/voicemail", "/voice/summary"]
FIELDS = ["CallSid", "From", "To", "SpeechResult", "Confidence", "Digits", "CallStatus",
          "CallDuration", "QueueResult", "QueueTime", "QueuePosition", "DialCallStatus",
          "RecordingSid", "RecordingUrl", "RecordingDuration", "ErrorCode", "Junk"]

values = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=string.digits + "*#abcD", max_size=20),
    st.sampled_from(["CA" + "a" * 32, "CA" + "1" * 32, "completed", "hangup", "leave",
                     "queue-full", "no-answer", "1", "0", "-1", "NaN", "1e309", "",
                     "+491701234567", "anonymous", "\x00\x01", "ä" * 50]),
)
forms = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


def make_app(target):
    app = create_app({"TESTING": True, "HOTLINE_DATABASE": target,
                      "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_ENV": "test"})
    app.extensions["hotline.clock"] = lambda: NOW
    return app


def rows(app) -> int:
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        return sum(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                   for table in ("calls", "turns", "turn_replies", "queue_entries",
                                 "callbacks", "voicemails", "bookings"))
    finally:
        db.conn.close()


def test_signed_requests_never_get_a_500(database_target):
    app = make_app(database_target)
    client = app.test_client()

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(path=st.sampled_from(PATHS), form=forms)
    def check(path, form):
        url = "http://localhost" + path
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        reply = client.post(url, data=form, headers={"X-Twilio-Signature": signature})
        assert reply.status_code < 500, (path, form, reply.get_data(as_text=True)[:300])

    check()


def test_unsigned_or_wrongly_signed_requests_write_nothing(database_target):
    app = make_app(database_target)
    client = app.test_client()

    @settings(max_examples=200, deadline=None)
    @given(path=st.sampled_from(PATHS), form=forms,
           signature=st.one_of(st.none(),
                               # what an HTTP header can carry: no line breaks
                               st.text(st.characters(exclude_characters="\r\n",
                                                     exclude_categories=("Cs",)), max_size=40),
                               st.just("wrongly-signed-by-another-token")))
    def check(path, form, signature):
        url = "http://localhost" + path
        if signature == "wrongly-signed-by-another-token":
            signature = RequestValidator("another-token").compute_signature(url, form)
        headers = {} if signature is None else {"X-Twilio-Signature": signature}
        reply = client.post(url, data=form, headers=headers)
        assert reply.status_code == 403

    check()
    assert rows(app) == 0


@settings(max_examples=300, deadline=None)
@given(url=st.sampled_from(["http://localhost/voice/turn?t=1", "https://hotline.example.de/"
                            "voice/wait?lang=de", "https://h.example.de:8443/voice/status"]),
       form=st.lists(st.tuples(st.sampled_from(FIELDS), values), max_size=8),
       algorithm=st.sampled_from(["HMAC_SHA1", "HMAC_SHA256"]))
def test_our_signature_check_computes_what_twilios_library_computes(url, form, algorithm):
    from werkzeug.datastructures import MultiDict

    from ivr.signatures import signature

    fields = MultiDict(form)
    ours = signature(TOKEN, url, fields, algorithm)
    theirs = RequestValidator(TOKEN).compute_signature(url, fields, algorithm=algorithm)
    assert ours == theirs


def test_a_nul_character_in_the_fields_is_answered_as_any_other(app):
    """A broken client's number and words with a NUL in them: SQLite keeps it in text,
    PostgreSQL refuses it (db_postgres stores it as U+FFFD); either way the call goes on."""
    from conftest import Caller

    caller = Caller(app, from_number="+49170\x001234567")
    assert "technischer Fehler" not in " ".join(caller.dial())
    said = " ".join(caller.say("welche unterlagen\x00 brauche ich"))
    assert "technischer Fehler" not in said and "Kann ich sonst noch etwas" in said
