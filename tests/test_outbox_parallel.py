"""The outbox against a Twilio that takes its time: requests in parallel, at the pace.

Through the real gateway and a stand-in for Twilio's REST API on 127.0.0.1
(tests/twilio_standin.py) that answers after a delay, as the real one does (100-300 ms).
One request at a time, N messages would take N round trips; with HOTLINE_OUTBOX_PARALLEL
of them in flight they take about N x latency / parallel, still started in priority
order, still each sent once, and a 429 holds back every start for its Retry-After.
"""

import time
from datetime import timedelta

import pytest
from test_twilio_outage import live_app, rows
from twilio_standin import OK, RATE_LIMIT

import outbox
from clock import SYSTEM
from conftest import NOW
from db import connect, transaction

MOBILE = "+491701234567"
LATENCY_S = 0.2


def queue(app, count: int, now=NOW, confirmation: bool = False) -> list[str]:
    """`count` reminders due a minute ago (and a booking's confirmation queued after them);
    the numbers, in the order they should start."""
    db = connect(app.config["HOTLINE_DATABASE"])
    numbers = [f"+4917055{n:05d}" for n in range(count)]
    try:
        with transaction(db):
            for n, number in enumerate(numbers):
                outbox.enqueue(db, to=number, body=f"Erinnerung {n}", purpose="reminder",
                               key=f"reminder:{n}", call_sid=None,
                               now=now - timedelta(minutes=1), priority=outbox.LATER)
            if confirmation:
                outbox.enqueue(db, to=MOBILE, body="Buchungsnummer 123456",
                               purpose="booking_confirmation", key="CA1:booking",
                               call_sid="CA1", now=now)
    finally:
        db.conn.close()
    return [MOBILE] * confirmation + numbers


@pytest.mark.both_engines
def test_messages_go_out_in_parallel_each_once_the_confirmation_first(database_target,
                                                                      standin):
    parallel, count = 4, 15
    app = live_app(database_target, standin, HOTLINE_OUTBOX_RATE=100,
                   HOTLINE_OUTBOX_PARALLEL=parallel)
    expected = queue(app, count, confirmation=True)
    standin.latency = LATENCY_S
    assert outbox.deliver_due(app) == count + 1
    # Each message once, and every row knows the SID Twilio gave it.
    assert sorted(m["to"] for m in standin.messages) == sorted(expected)
    assert sorted(r["message_sid"] for r in rows(app)) == sorted(
        m["sid"] for m in standin.messages)
    assert {r["state"] for r in rows(app)} == {"sent"}
    # Requests overlapped, never more than the setting allows (how fast that makes the
    # sending is bench_sender's and bench_reminders' to measure, not a timed test's).
    assert 1 < standin.max_in_flight <= parallel
    # The caller's confirmation went with the first requests, ahead of every reminder
    # that was due before it.
    assert MOBILE in [m["to"] for m in standin.messages[:parallel]]


def test_a_429_holds_back_every_start_for_its_retry_after(database_target, standin):
    # The real clock: the 429's message is due again after its Retry-After.
    app = live_app(database_target, standin, HOTLINE_OUTBOX_RATE=50,
                   HOTLINE_OUTBOX_PARALLEL=2)
    app.extensions["hotline.clock"] = SYSTEM
    expected = queue(app, 6, now=SYSTEM())
    standin.retry_after = "1"
    standin.latency = LATENCY_S  # the first request is still out when the second meets 429
    standin.next_modes = [OK, RATE_LIMIT]
    sender = outbox.Sender(app, name="paced", poll_s=0.05).start()
    try:
        deadline = time.monotonic() + 15
        while len(standin.messages) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sender.stop()
    # Every message went out once, the one that met the 429 too.
    assert sorted(m["to"] for m in standin.messages) == sorted(expected)
    assert {r["state"] for r in rows(app)} == {"sent"}
    (limited,) = [n for n, arrival in enumerate(standin.arrivals) if arrival[1] == RATE_LIMIT]
    answered = standin.arrivals[limited][2]
    later = [arrival[0] for arrival in standin.arrivals[limited + 1:]]
    # Nothing started for the Retry-After (1 s); at 50 a second, five would have.
    assert later and min(later) >= answered + 1.0
    assert len(standin.arrivals) == len(expected) + 1  # the one 429, nothing else again


def test_the_default_follows_the_rate_at_twilios_slower_answers():
    assert outbox.parallel_for({"HOTLINE_OUTBOX_RATE": 10}) == 3
    assert outbox.parallel_for({"HOTLINE_OUTBOX_RATE": 250}) == 75
    assert outbox.parallel_for({"HOTLINE_OUTBOX_RATE": 1}) == 1
    assert outbox.parallel_for({"HOTLINE_OUTBOX_RATE": 250, "HOTLINE_OUTBOX_PARALLEL": 8}) == 8
