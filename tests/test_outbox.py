"""The outbox as operators meet it: its command, its share of `purge`, and SMS switched off.

(How it behaves when Twilio misbehaves is in test_twilio_outage.py.)
"""

from datetime import timedelta

import pytest

from conftest import NOW, Caller

pytestmark = pytest.mark.both_engines

MOBILE = "+491701234567"


def book_with_sms(app) -> Caller:
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    caller.say("ja")
    caller.say("nein")  # no name
    caller.say("ja")
    return caller


def test_the_outbox_command_shows_the_queue_and_sends_what_is_due(app, runner):
    book_with_sms(app)
    shown = runner.invoke(args=["outbox", "--status"])
    assert "Messages: 1 queued" in shown.output
    assert "Oldest waiting since: 2026-11-25T09:00" in shown.output
    assert "Sender: none holds the lease" in shown.output
    sent = runner.invoke(args=["outbox", "--once"])
    assert "Worked on 1 queued messages." in sent.output
    assert len(app.extensions["hotline.gateway"].messages) == 1
    assert "Messages: 1 sent" in runner.invoke(args=["outbox", "--status"]).output
    assert MOBILE not in shown.output


def test_purge_removes_numbers_and_texts_of_old_sms(app, runner, db):
    book_with_sms(app)
    runner.invoke(args=["outbox", "--once"])
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(days=31)
    result = runner.invoke(args=["purge"])
    assert "1 SMS" in result.output, result.output
    row = db.execute("SELECT to_number, body, state, purpose FROM outbox").fetchone()
    assert row == (None, None, "sent", "booking_confirmation")


def test_a_message_purged_before_it_could_be_sent_is_not_sent(app, runner, db):
    app.extensions["hotline.gateway"].fail = True
    book_with_sms(app)
    runner.invoke(args=["outbox", "--once"])
    app.extensions["hotline.gateway"].fail = False
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(days=31)
    runner.invoke(args=["purge"])
    runner.invoke(args=["outbox", "--once"])
    assert app.extensions["hotline.gateway"].messages == []
    assert db.execute("SELECT state FROM outbox").fetchone() == ("failed",)


def test_with_sms_switched_off_no_sms_is_offered(app):
    app.config["HOTLINE_SMS"] = False
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    caller.say("ja")
    assert "Buchungsnummer" in caller.hears() and "SMS" not in caller.hears()


def test_metrics_show_the_queue_and_how_long_the_oldest_sms_has_waited(app, client):
    book_with_sms(app)
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(minutes=10)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hotline_sms{state="queued"} 1.0' in text
    assert "hotline_sms_oldest_waiting_seconds 600.0" in text
