"""What would break against the real Twilio, found by reading its documentation: one test each.

Region and edge, the SMS sender, Twilio's placeholder caller ids for withheld numbers.
(Shared-key signatures: tests/test_webhooks.py.)
"""

import pytest
from twilio_standin import StandIn

import outbox
from app import create_app
from conftest import NOW, TOKEN, Caller

ACCOUNT = "AC" + "0" * 32
SUNDAY_MORNING = NOW.replace(day=29, hour=11)  # the hotline is closed: callbacks offered


@pytest.fixture
def standin():
    server = StandIn()
    yield server
    server.close()


def production(tmp_path, **config):
    return create_app({"HOTLINE_ENV": "test", "HOTLINE_DATABASE": str(tmp_path / "h.db"),
                       "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
                       "HOTLINE_OUTBOX_THREAD": False, **config})


def test_region_ie1_needs_the_edge_dublin_and_then_reaches_the_dublin_host(tmp_path, standin):
    with pytest.raises(RuntimeError, match="TWILIO_REGION=ie1 needs TWILIO_EDGE=dublin"):
        production(tmp_path, TWILIO_REGION="ie1", HOTLINE_SMS_FROM="+4971519999999")
    app = production(tmp_path, TWILIO_REGION="ie1", TWILIO_EDGE="dublin",
                     HOTLINE_SMS_FROM="+4971519999999", HOTLINE_TWILIO_API_BASE=standin.url)
    app.extensions["hotline.clock"] = lambda: NOW
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    caller.say("ja")
    caller.say("ja")
    outbox.deliver_due(app)
    assert len(standin.messages) == 1
    assert standin.hosts == ["api.dublin.ie1.twilio.com"]


def test_without_region_and_edge_the_us1_host_is_used(tmp_path, standin):
    app = production(tmp_path, HOTLINE_SMS_FROM="+4971519999999",
                     HOTLINE_TWILIO_API_BASE=standin.url)
    app.extensions["hotline.gateway"].send_sms("+491701234567", "Test")
    assert standin.hosts == ["api.twilio.com"]


def test_sms_need_a_sender_checked_at_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="HOTLINE_SMS_FROM"):
        production(tmp_path)
    # A Messaging Service will do, and so will switching SMS off.
    production(tmp_path, HOTLINE_SMS_SERVICE_SID="MG" + "1" * 32)
    production(tmp_path, HOTLINE_SMS=False)
    # Without a Twilio account nothing is sent, so nothing is required.
    create_app({"HOTLINE_ENV": "test", "HOTLINE_DATABASE": str(tmp_path / "h2.db"),
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
