"""The outbox as operators meet it: its command, its share of `purge`, SMS switched off,
and what callers wait for going before reminders, a batch of them at a time.

(How it behaves when Twilio misbehaves is in test_twilio_outage.py.)
"""

from datetime import timedelta

import pytest

import outbox
from conftest import NOW, Caller
from db import transaction

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


def queue_reminders(db, count: int) -> None:
    """`count` reminders due a minute before now, as reminders.queue_due writes them."""
    with transaction(db):
        for n in range(count):
            outbox.enqueue(db, to=f"+4917055{n:05d}", body="Jobcenter Rems-Murr: Erinnerung",
                           purpose="reminder", key=f"reminder:{n}", call_sid=None,
                           now=NOW - timedelta(minutes=1), priority=outbox.LATER)


def test_a_booking_confirmation_goes_before_reminders_that_were_due_earlier(app, db):
    # One request at a time: the fake gateway's list is then the order of the starts
    # (test_outbox_parallel.py shows that order with requests in parallel).
    app.config["HOTLINE_OUTBOX_PARALLEL"] = 1
    queue_reminders(db, 8)
    book_with_sms(app)
    assert outbox.deliver_due(app) == 9
    sent = app.extensions["hotline.gateway"].messages
    assert sent[0]["to"] == MOBILE and "Buchungsnummer" in sent[0]["body"]
    assert len({m["to"] for m in sent}) == 9


def test_a_confirmation_queued_while_reminders_go_out_waits_for_one_batch_at_most(
        app, db, monkeypatch):
    monkeypatch.setattr(outbox, "BATCH_MAX", 5)
    app.config["HOTLINE_OUTBOX_RATE"] = 0  # no pace: batches of BATCH_MAX
    # One at a time: "while the third goes out" is then a moment before the next claim.
    app.config["HOTLINE_OUTBOX_PARALLEL"] = 1
    queue_reminders(db, 30)
    gateway = app.extensions["hotline.gateway"]
    send = gateway.send_sms

    def send_and_book_meanwhile(to, body, status_callback=None):
        if len(gateway.messages) == 2:  # a caller books while the third reminder goes out
            with transaction(db):
                outbox.enqueue(db, to=MOBILE, body="Buchungsnummer 123456",
                               purpose="booking_confirmation", key="CA1:booking",
                               call_sid="CA1", now=NOW)
        return send(to, body, status_callback)

    gateway.send_sms = send_and_book_meanwhile
    assert outbox.deliver_due(app) == 31
    # The batch of the third reminder was under way; the confirmation went next. Batches
    # may end sooner: what was not begun within BATCH_S goes back with the next claim (on
    # a loaded machine, or under libfaketime, whose timed waits may end early), so the
    # third reminder's batch may start with it, and up to BATCH_MAX - 1 reminders follow
    # it. Never a second batch (with the priority ignored, the confirmation goes 31st).
    sent_before = [m["to"] for m in gateway.messages].index(MOBILE)
    assert 3 <= sent_before <= 2 + outbox.BATCH_MAX
    assert len({m["to"] for m in gateway.messages}) == 31  # each once
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone() == (31,)


def test_the_pace_keeps_the_configured_rate_though_each_sleep_lasts_longer_than_asked():
    moment = [0.0]
    sleeps = []

    def sleep(seconds):  # as the kernel's: a little longer than asked
        sleeps.append(seconds)
        moment[0] += seconds * 1.1 + 0.0003

    pace = outbox.Pace(250, sleep=sleep, monotonic=lambda: moment[0])
    for _ in range(2500):
        pace.wait()
    # The first second's worth goes at once (250), the other 2,250 at 250 a second: 9 s.
    assert 8.9 <= moment[0] <= 9.1
    # In groups: it wakes every 20 ms or so, not before each request (every wake-up of
    # the sender and its request threads costs CPU).
    assert len(sleeps) <= 9 / outbox.PACE_TICK_S
