"""What would break against the real Twilio, found by reading its documentation: one test each.

Region and edge, the SMS sender, Twilio's placeholder caller ids for withheld numbers, and
Vosk mode's media streams (TLS, names, no cloud recogniser while waiting). Shared-key
signatures: tests/test_webhooks.py; agents' key to accept: tests/test_handover.py;
explicitly stopped streams: tests/test_media_stream.py.
"""

import pytest

import outbox
from app import create_app
from conftest import NOW, TOKEN, Caller, twiml
from ivr.twiml import _stream_url
from speech import vosk_samples

ACCOUNT = "AC" + "0" * 32
SUNDAY_MORNING = NOW.replace(day=29, hour=11)  # the hotline is closed: callbacks offered


def production(target, **config):
    return create_app({"HOTLINE_ENV": "test", "HOTLINE_DATABASE": target,
                       "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
                       "HOTLINE_OUTBOX_THREAD": False, **config})


def test_region_ie1_needs_the_edge_dublin_and_then_reaches_the_dublin_host(database_target,
                                                                          standin):
    with pytest.raises(RuntimeError, match="TWILIO_REGION=ie1 needs TWILIO_EDGE=dublin"):
        production(database_target, TWILIO_REGION="ie1", HOTLINE_SMS_FROM="+4971519999999")
    app = production(database_target, TWILIO_REGION="ie1", TWILIO_EDGE="dublin",
                     HOTLINE_SMS_FROM="+4971519999999", HOTLINE_TWILIO_API_BASE=standin.url)
    app.extensions["hotline.clock"] = lambda: NOW
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    caller.say("ja")
    caller.say("nein")  # no name
    caller.say("ja")
    outbox.deliver_due(app)
    assert len(standin.messages) == 1
    assert standin.hosts == ["api.dublin.ie1.twilio.com"]


def test_without_region_and_edge_the_us1_host_is_used(database_target, standin):
    app = production(database_target, HOTLINE_SMS_FROM="+4971519999999",
                     HOTLINE_TWILIO_API_BASE=standin.url)
    app.extensions["hotline.gateway"].send_sms("+491701234567", "Test")
    assert standin.hosts == ["api.twilio.com"]


def test_sms_need_a_sender_checked_at_start_up(database_target):
    with pytest.raises(RuntimeError, match="HOTLINE_SMS_FROM"):
        production(database_target)
    # A Messaging Service will do, and so will switching SMS off.
    production(database_target, HOTLINE_SMS_SERVICE_SID="MG" + "1" * 32)
    production(database_target, HOTLINE_SMS=False)
    # Without a Twilio account nothing is sent, so nothing is required.
    create_app({"HOTLINE_ENV": "test", "HOTLINE_DATABASE": database_target,
                "TWILIO_AUTH_TOKEN": TOKEN})


@pytest.mark.parametrize("placeholder", ["+8656696", "+86282452253", "+266696687",
                                         "+7378742833", "+2562533"])
def test_twilios_placeholders_for_a_withheld_number_are_no_caller_id(app, db, placeholder):
    app.extensions["hotline.clock"] = lambda: SUNDAY_MORNING
    caller = Caller(app, from_number=placeholder)
    caller.dial()
    caller.say("ich möchte mit einem mitarbeiter sprechen")
    assert "gerade nicht erreichbar" in caller.hears()
    caller.say("rückruf")
    # Not "shall we call you back on the number you are calling from?": there is none.
    assert "Sollen wir Sie unter der Nummer zurückrufen" not in caller.hears()
    assert "Bitte sagen oder tippen Sie die Telefonnummer" in caller.hears()
    # A message left on the voicemail does not become a callback to the placeholder.
    other = Caller(app, from_number=placeholder)
    other.dial()
    reply = other.post("/voice/voicemail", RecordingSid="RE" + "5" * 32,
                       RecordingUrl="https://api.twilio.com/recordings/RE5",
                       RecordingDuration="9")
    assert reply.status == 200
    assert db.execute("SELECT COUNT(*) FROM callbacks").fetchone()[0] == 0


def test_a_real_number_still_counts_as_a_caller_id(app):
    app.extensions["hotline.clock"] = lambda: SUNDAY_MORNING
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("ich möchte mit einem mitarbeiter sprechen")
    caller.say("rückruf")
    assert "Sollen wir Sie unter der Nummer zurückrufen" in caller.hears()


# ---------------------------------------------------------------- Vosk mode


@pytest.fixture(scope="module")
def model_path():
    try:
        return vosk_samples.model_path()
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


def vosk_app(target, model_path, **config):
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test", "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_DATABASE": target, "HOTLINE_VOSK_PRELOAD": False,
                      "HOTLINE_SPEECH_ENGINE": "vosk", "VOSK_MODEL_PATH": model_path, **config})
    app.extensions["hotline.clock"] = lambda: NOW
    return app


def test_vosk_mode_refuses_to_start_without_a_tls_public_url(database_target, model_path):
    for public_url in ("", "http://hotline.example.de"):
        with pytest.raises(RuntimeError, match="HOTLINE_PUBLIC_URL=https://"):
            vosk_app(database_target, model_path, HOTLINE_ENV="production",
                     HOTLINE_PUBLIC_URL=public_url)
    app = vosk_app(database_target, model_path, HOTLINE_ENV="production",
                   HOTLINE_PUBLIC_URL="https://hotline.example.de")
    # The public URL wins over the one a request reached (behind a proxy, that is inside).
    assert _stream_url(app.extensions["hotline.voice"].listening, "http://10.0.0.5:8000/") == (
        "wss://hotline.example.de/voice/media")


def test_vosk_mode_offers_the_callback_while_waiting_by_key_only(database_target, model_path):
    app = vosk_app(database_target, model_path, HOTLINE_CALLBACK_OFFER_AFTER=0)
    caller = Caller(app)
    caller.dial()
    caller.say("#0")  # a person, please: nobody is free, so the caller waits
    reply = caller.post(caller.wait_url)
    gather = twiml(reply.body).find("./Gather")
    assert gather is not None and gather.get("input") == "dtmf"  # never Twilio's recogniser
    assert gather.get("hints") is None and gather.get("language") is None
    said = " ".join(s.text for s in gather.iter("Say"))
    assert "Drücken Sie dafür die Eins" in said and "Sagen Sie" not in said
    # Twilio mode still listens for "Rückruf".
    plain = production(database_target, HOTLINE_SMS=False, HOTLINE_CALLBACK_OFFER_AFTER=0)
    plain.extensions["hotline.clock"] = lambda: NOW
    other = Caller(plain)
    other.dial()
    other.say("#0")
    assert twiml(other.post(other.wait_url).body).find("./Gather").get("input") == "speech dtmf"


def test_vosk_mode_a_question_asked_again_starts_its_stream_under_a_new_name(
        database_target, model_path):
    app = vosk_app(database_target, model_path)
    caller = Caller(app)
    caller.dial()
    # Twilio's retry of the very same request gets the very same answer (its TwiML never
    # ran, so its stream never started).
    retry = twiml(caller.post("/voice/incoming", CallStatus="ringing").body)
    assert retry.find("./Start/Stream").get("name") == "turn-0"
    # A late answer to an old question (t=99 is not the current turn) gets the current
    # question again; its stream must not reuse the name of the one already started.
    late = [twiml(caller.post("/voice/turn?t=99").body) for _ in range(2)]
    names = {root.find("./Start/Stream").get("name") for root in late}
    assert len(names) == 2 and all(name.startswith("turn-0-again-") for name in names)
