"""The voice webhooks as Twilio sees them: signatures, TwiML, retries, errors and bad input."""

import logging

import pytest
from twilio.request_validator import RequestValidator

from app import create_app
from conftest import TOKEN, Caller, twiml

# What TwiML allows where; anything else is a bug Twilio would reject at run time.
RESPONSE_VERBS = {"Say", "Play", "Pause", "Gather", "Redirect", "Enqueue", "Hangup", "Dial"}
GATHER_CHILDREN = {"Say", "Play", "Pause"}

FORM = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+491761234567",
    "To": "+4971519876543",
    "CallStatus": "ringing",
}


def signed(url, form, token=TOKEN):
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def assert_valid_twiml(body):
    root = twiml(body)
    for verb in root:
        assert verb.tag in RESPONSE_VERBS, verb.tag
        if verb.tag == "Gather":
            assert {child.tag for child in verb} <= GATHER_CHILDREN
    return root


# ---------------------------------------------------------------- the greeting's TwiML


def test_greeting_gathers_german_speech_and_keys_with_hints(client):
    url = "http://localhost/voice/incoming"
    reply = client.post(url, data=FORM, headers=signed(url, FORM))
    assert reply.status_code == 200
    assert reply.content_type.startswith("text/xml")
    root = assert_valid_twiml(reply.get_data(as_text=True))
    gather = root.find("./Gather")
    assert gather.get("input") == "speech dtmf"
    assert gather.get("language") == "de-DE"
    assert gather.get("action") == "/voice/turn?t=0"
    assert gather.get("speechTimeout") == "auto"
    assert "Termin" in gather.get("hints")
    says = gather.findall("./Say")
    assert says[0].get("language") == "de-DE" and says[0].text.startswith("Guten Tag")
    assert says[-1].get("language") == "en-GB"  # the offer to switch, in English
    # Silence falls through to a Redirect to the same turn.
    assert root.find("./Redirect").text == "/voice/turn?t=0"


@pytest.mark.both_engines
def test_every_answer_along_a_call_is_valid_twiml(caller):
    bodies = []
    original = caller._post

    def spy(url, fields):
        reply = original(url, fields)
        if "xml" in reply.content_type:
            bodies.append(reply.body)
        return reply

    caller._post = spy
    caller.dial()
    for line in ["", "blubb", "#4", "ja", "#9", "hmm", "", ""]:
        if caller.finished:
            break
        caller.say(line)
    assert len(bodies) >= 6
    for body in bodies:
        assert_valid_twiml(body)


def test_voice_per_language_is_configurable(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_VOICE_DE": "Google.de-DE-Neural2-F"})
    caller = Caller(app)
    reply = caller.post("/voice/incoming")
    assert twiml(reply.body).find("./Gather/Say").get("voice") == "Google.de-DE-Neural2-F"


# ---------------------------------------------------------------- signatures


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/turn?t=0", "/voice/status",
                                  "/voice/fallback", "/voice/wait", "/voice/queue-result",
                                  "/voice/summary"])
def test_unsigned_or_wrongly_signed_requests_are_refused_and_write_nothing(client, db, path):
    url = "http://localhost" + path
    wrong = signed(url, FORM, token="not-the-token")
    tampered = signed(url, {**FORM, "From": "+490000"})
    for headers in ({}, wrong, tampered, {"X-Twilio-Signature": ""}):
        reply = client.post(url, data=FORM, headers=headers)
        assert reply.status_code == 403
    assert count(db, "calls") == 0
    assert count(db, "turns") == 0


def test_signature_over_the_public_url_behind_a_proxy(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_PUBLIC_URL": "https://hotline.example.de"})
    client = app.test_client()
    public = "https://hotline.example.de/voice/incoming"
    internal = "http://localhost/voice/incoming"
    assert client.post(internal, data=FORM, headers=signed(public, FORM)).status_code == 200
    form = {**FORM, "CallSid": "CA" + "2" * 32}
    assert client.post(internal, data=form, headers=signed(internal, form)).status_code == 403


def test_signature_with_forwarded_headers_when_proxy_hops_are_set(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_PROXY_HOPS": 1})
    client = app.test_client()
    public = "https://hotline.example.de/voice/incoming"
    headers = {**signed(public, FORM), "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "hotline.example.de"}
    assert client.post("/voice/incoming", data=FORM, headers=headers).status_code == 200
    # Without trusting the proxy the same request does not validate.
    plain = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN})
    assert plain.test_client().post("/voice/incoming", data=FORM,
                                    headers=headers).status_code == 403


@pytest.mark.parametrize("signed_as", ["http://localhost/voice/incoming",
                                       "http://localhost:80/voice/incoming"])
def test_twilio_may_sign_the_url_with_or_without_its_default_port(client, signed_as):
    reply = client.post("http://localhost/voice/incoming", data=FORM,
                        headers=signed(signed_as, FORM))
    assert reply.status_code == 200


def test_a_host_header_werkzeug_cannot_use_is_refused_and_writes_nothing(client, db):
    url = "http://localhost/voice/incoming"
    reply = client.post(url, data=FORM, headers={**signed(url, FORM), "Host": "localhost:x"})
    assert reply.status_code == 403
    assert count(db, "calls") == 0


@pytest.mark.parametrize("url, other", [
    ("http://localhost/voice/turn?t=1", "http://localhost:80/voice/turn?t=1"),
    ("https://hotline.example.de:443/voice/wait", "https://hotline.example.de/voice/wait"),
    ("https://[2001:db8::1]:8443/voice/turn", "https://[2001:db8::1]/voice/turn"),
    ("https://hotline.example.de:https/voice/turn", "https://hotline.example.de:https/voice/turn"),
])
def test_the_other_port_form_of_a_signed_url(url, other):
    # e.g. HOTLINE_PUBLIC_URL with an IPv6 host, or a mistyped port: never an exception
    from ivr.signatures import _other_port_form

    assert _other_port_form(url) == other


def test_a_repeated_form_field_is_signed_as_twilio_signs_it(client, db):
    form = [*FORM.items(), ("StirVerstat", "TN-Validation-Passed-A"), ("StirVerstat", "A")]
    url = "http://localhost/voice/incoming"
    from werkzeug.datastructures import MultiDict

    headers = signed(url, MultiDict(form))
    assert client.post(url, data=MultiDict(form), headers=headers).status_code == 200
    assert count(db, "calls") == 1


SHARED_KEY = "shared-key-secret-0123456789abcdef"


def test_webhooks_signed_with_a_shared_key_pass_when_the_key_is_configured(app, client):
    # A Webhook Setting at Twilio signs with a SharedKey's secret (not the Auth Token)
    # and the algorithm it names in X-Twilio-Webhooks-Signature-Settings.
    url = "http://localhost/voice/incoming"
    header = {"X-Twilio-Webhooks-Signature-Settings":
              "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"}
    sha256 = RequestValidator(SHARED_KEY).compute_signature(url, FORM, algorithm="HMAC_SHA256")
    # Not configured: refused (the app cannot check it), never let through.
    reply = client.post(url, data=FORM, headers={**header, "X-Twilio-Signature": sha256})
    assert reply.status_code == 403
    app.config["TWILIO_WEBHOOK_SHARED_KEYS"] = ["an-older-key-being-rotated-out", SHARED_KEY]
    reply = client.post(url, data=FORM, headers={**header, "X-Twilio-Signature": sha256})
    assert reply.status_code == 200
    form = {**FORM, "CallSid": "CA" + "3" * 32}
    # The Auth Token's SHA-256 or SHA-1 signature does not pass for a shared-key webhook.
    with_token = RequestValidator(TOKEN).compute_signature(url, form, algorithm="HMAC_SHA256")
    for signature in (with_token, signed(url, form)["X-Twilio-Signature"]):
        reply = client.post(url, data=form, headers={**header, "X-Twilio-Signature": signature})
        assert reply.status_code == 403
    unknown = {"X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"}
    md5ish = RequestValidator(SHARED_KEY).compute_signature(url, form)
    reply = client.post(url, data=form, headers={**unknown, "X-Twilio-Signature": md5ish})
    assert reply.status_code == 403
    # Without the header, the Auth Token's SHA-1 signature is what counts, as before.
    assert client.post(url, data=form, headers=signed(url, form)).status_code == 200


def test_no_auth_token_refuses_everything(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": "",
                      "HOTLINE_ENV": "production"})
    url = "http://localhost/voice/incoming"
    reply = app.test_client().post(url, data=FORM, headers=signed(url, FORM, token=""))
    assert reply.status_code == 403


def test_switching_validation_off_is_explicit_and_loud(database_target, caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app({"HOTLINE_DATABASE": database_target,
                          "HOTLINE_VALIDATE_SIGNATURES": False})
    assert any(r.levelno == logging.CRITICAL and "ANYONE" in r.getMessage()
               for r in caplog.records)
    reply = app.test_client().post("/voice/incoming", data=FORM)
    assert reply.status_code == 200
    assert any("NOT checked" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- retries and order


@pytest.mark.both_engines
def test_a_retried_turn_gets_the_same_answer_and_is_recorded_once(caller, db):
    caller.dial()
    first = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    again = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    assert first.body == again.body
    assert count(db, "turns") == 2  # greeting + one turn
    assert db.execute("SELECT turns FROM calls").fetchone()[0] == 1


# SQLite only: the layout of the version before (webhook_replies) was never on PostgreSQL,
# which came after it.
@pytest.mark.sqlite_only
def test_replies_stored_by_the_version_before_still_answer_retries(app, caller, db):
    caller.dial()
    first = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    # The database as the version before kept it: each reply in a table of its own.
    db.execute("CREATE TABLE webhook_replies (key TEXT PRIMARY KEY, call_sid TEXT, at TEXT,"
               " body TEXT)")
    db.execute("INSERT INTO webhook_replies SELECT t.reply_key, t.call_sid, t.at, r.body"
               " FROM turns t JOIN turn_replies r ON r.turn_id = t.id")
    db.execute("DELETE FROM turn_replies")
    db.execute("UPDATE turns SET reply_key = NULL")
    db.execute("DROP TABLE schema_versions")  # it came later too
    create_app(dict(app.config))  # this version starts on that database mid-call
    assert "webhook_replies" not in db.table_names()
    again = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    assert again.body == first.body
    assert count(db, "turns") == 2
    late = caller.post("/voice/turn?t=0", Digits="0")  # an old question: the current one
    assert late.body == first.body


@pytest.mark.both_engines
def test_a_retried_incoming_webhook_greets_once(caller, db):
    first = caller.post("/voice/incoming", CallStatus="ringing")
    again = caller.post("/voice/incoming", CallStatus="ringing")
    assert first.body == again.body
    assert count(db, "calls") == 1 and count(db, "turns") == 1


@pytest.mark.both_engines
def test_a_late_answer_to_an_old_question_is_not_acted_on_twice(caller, db):
    caller.dial()
    caller.say("")  # turn 1: asked again, now expecting ?t=1
    current = caller.post("/voice/turn?t=1", Digits="4")
    stale = caller.post("/voice/turn?t=0", Digits="0")  # different input for an old turn
    assert "[" not in stale.body and "Enqueue" not in stale.body
    assert stale.body == current.body
    assert count(db, "turns") == 3


@pytest.mark.both_engines
def test_status_callback_closes_the_call_and_is_idempotent(caller, db):
    caller.dial()
    for _ in range(2):
        reply = caller.post("/voice/status", CallStatus="completed", CallDuration="42")
        assert reply.status == 204
    row = db.execute("SELECT status, duration_s, outcome, ended_at FROM calls").fetchone()
    assert row[:3] == ("completed", 42, "hangup")
    assert row[3]
    assert count(db, "calls") == 1


def test_status_callback_for_an_unknown_call_is_kept_without_crashing(caller, db):
    reply = caller.post("/voice/status", CallStatus="no-answer")
    assert reply.status == 204
    assert db.execute("SELECT status, outcome FROM calls").fetchone() == ("no-answer", "hangup")


def test_status_callback_does_not_hide_what_the_call_achieved(caller, db):
    caller.dial()
    caller.say("welche unterlagen brauche ich")
    caller.hang_up()
    assert db.execute("SELECT outcome FROM calls").fetchone()[0] == "answered"


# ---------------------------------------------------------------- errors


@pytest.mark.both_engines
def test_an_exception_inside_the_dialogue_still_answers_twiml_and_hands_over(app, caller, db,
                                                                               monkeypatch):
    caller.dial()
    dialogue = app.extensions["hotline.dialogue"]

    def broken(*_args):
        raise RuntimeError("bug in the dialogue")

    monkeypatch.setattr(dialogue, "step", broken)
    reply = caller.post("/voice/turn?t=0", SpeechResult="hallo", Confidence="0.9")
    assert reply.status == 200
    root = assert_valid_twiml(reply.body)
    assert "technischer Fehler" in root.find("./Say").text
    assert root.find("./Enqueue").text == "hotline"
    assert db.execute("SELECT outcome, step FROM calls").fetchone() == ("agent", "agent")


def test_twilio_fallback_url_apologises_and_hands_over(caller, db):
    caller.dial()
    reply = caller.post("/voice/fallback", ErrorCode="11200", ErrorUrl="https://x/voice/turn")
    root = assert_valid_twiml(reply.body)
    assert root.find("./Enqueue") is not None
    assert db.execute("SELECT outcome FROM calls").fetchone()[0] == "agent"


def test_queue_failure_offers_a_callback_or_a_message_instead_of_a_dead_end(caller, db):
    caller.dial()
    caller.say("#0")
    reply = caller.post("/voice/queue-result", QueueResult="queue-full", QueueTime="0")
    root = assert_valid_twiml(reply.body)
    said = " ".join(s.text for s in root.iter("Say"))
    assert "nicht erreichbar" in said and "Rückruf" in said
    assert root.find("./Gather") is not None and root.find("./Hangup") is None
    assert db.execute("SELECT result FROM queue_entries").fetchone()[0] == "error"


def test_wait_music_announces_the_position(caller):
    caller.dial()
    reply = caller.post("/voice/wait?lang=de", QueuePosition="3")
    assert "Position 3" in twiml(reply.body).find("./Gather/Say").text
    reply = caller.post("/voice/wait?lang=en", QueuePosition="1")
    assert "next in the queue" in twiml(reply.body).find("./Gather/Say").text
    # Listening all the while: a caller in crisis is heard in the queue too.
    assert twiml(reply.body).find("./Gather").get("input") == "speech dtmf"


# ---------------------------------------------------------------- bad input


def test_missing_call_sid_is_a_clear_400_in_twiml(caller, db):
    url = "http://localhost/voice/turn?t=0"
    form = {"SpeechResult": "hallo"}
    reply = caller.transport.post(url, form, signed(url, form))
    assert reply.status == 400
    assert "Entschuldigung" in twiml(reply.body).find("./Say").text
    assert count(db, "calls") == 0


def test_unknown_call_sid_on_turn_starts_a_conversation(caller, db):
    reply = caller.post("/voice/turn?t=4", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    assert reply.status == 200
    assert "Kontoauszüge" in reply.body
    assert count(db, "calls") == 1


def test_huge_speech_result_is_cut_not_crashed(caller, db):
    caller.dial()
    # 55 KB: a webhook may send 64 KB at most (ivr.parsing.BODY_LIMITS).
    reply = caller.post("/voice/turn?t=0", SpeechResult="unterlagen " * 5_000,
                        Confidence="0.9")
    assert reply.status == 200
    assert_valid_twiml(reply.body)
    stored = db.execute("SELECT speech FROM turns WHERE turn = 1").fetchone()[0]
    assert len(stored) <= 1000


def test_non_utf8_bytes_are_answered(client, db):
    url = "http://localhost/voice/turn?t=0"
    body = b"CallSid=CA" + b"3" * 32 + b"&SpeechResult=gr%FC%DF+Gott%FF&Confidence=0.9"
    # Sign exactly what the app will decode, as Twilio signs what it sends.
    with client.application.test_request_context(url, method="POST", data=body,
                                                 content_type="application/x-www-form-urlencoded"):
        from flask import request
        form = request.form.to_dict()
    reply = client.post(url, data=body, content_type="application/x-www-form-urlencoded",
                        headers=signed(url, form))
    assert reply.status_code == 200
    assert_valid_twiml(reply.get_data(as_text=True))


def test_digits_with_letters_are_ignored_and_the_question_asked_again(caller, db):
    caller.dial()
    reply = caller.post("/voice/turn?t=0", Digits="abc")
    assert "nicht gehört" in reply.body
    reply = caller.post("/voice/turn?t=1", Digits="4x")
    assert "Kontoauszüge" in reply.body


def test_nonsense_confidence_is_treated_as_unknown(caller):
    caller.dial()
    reply = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="NaN-ish")
    assert "Kontoauszüge" in reply.body


def test_low_confidence_asks_again(caller):
    caller.dial()
    reply = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.05")
    assert "nicht sicher verstanden" in reply.body


def test_summary_needs_a_known_call(caller):
    assert caller.post("/voice/summary").status == 404


# About SQLite itself: BEGIN IMMEDIATE takes its one write lock (tests/test_store_engines.py
# holds the store on both engines).
@pytest.mark.sqlite_only
def test_a_database_locked_by_a_long_writer_holds_the_caller_and_retries(app, caller, db):
    import threading
    import time

    caller.dial()
    locked, release = threading.Event(), threading.Event()

    def long_writer():
        from db import connect

        other = connect(app.config["HOTLINE_DATABASE"])
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(30)
        other.execute("ROLLBACK")
        other.conn.close()

    writer = threading.Thread(target=long_writer)
    writer.start()
    locked.wait(5)
    started = time.monotonic()
    reply = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    waited = time.monotonic() - started
    release.set()
    writer.join()
    assert reply.status == 200 and waited < 15  # inside Twilio's limit
    root = assert_valid_twiml(reply.body)
    assert root.find("./Say").text == "Einen Moment bitte."
    retry = root.find("./Redirect").text
    assert retry == "/voice/turn?t=0&held=1"
    # Twilio follows the redirect (without the words): the question is asked again,
    # nothing is counted as a failure, and the call goes on.
    again = caller.post(retry)
    assert "Sagen Sie mir bitte in wenigen Worten" in again.body
    answered = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                           Confidence="0.9")
    assert "Kontoauszüge" in answered.body
