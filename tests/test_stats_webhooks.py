"""Supervisors' figures from calls made through the real webhooks (issue 23).

The tests' clock stands at Wednesday 25 November 2026, 10:00 (conftest.NOW); the
callers' turns go through the Flask app with Twilio's signatures, as in production.
"""
# ruff: noqa: F811

from datetime import timedelta

import pytest
from test_stats_figures import ready, stats_app  # noqa: F401

import clock
from conftest import NOW, Caller
from routing.store import AVAILABLE, add_agent, get_agent, set_status
from stats import figures as stats_figures


def today(db):
    return stats_figures.figures(db, stats_figures.Period(NOW.date(), NOW.date()),
                                 now=NOW + timedelta(hours=1))


def at(app, seconds):
    clock.install(app, clock.Clock.at(NOW + timedelta(seconds=seconds)))


def test_a_caller_who_books_then_asks_for_a_person_is_transferred_not_contained(stats_app, db):
    caller = Caller(stats_app)
    caller.dial()
    for line in ("Ich möchte einen Termin", "Geld", "Waiblingen", "so bald wie möglich", "ja",
                 "nein", "Ich möchte mit einem Mitarbeiter sprechen"):
        caller.say(line)
    assert "[Warteschleife" in caller.hears()
    caller.hang_up()
    data = today(db)
    assert data["outcomes"]["booked"] == 1  # the call's outcome is still the booking ...
    summary = data["summary"]
    assert (summary["calls"], summary["contained"], summary["transferred_to_agents"]) == (1, 0, 1)
    assert [(s["site"], s["transferred"]) for s in data["sites"]] == [("waiblingen", 1)]


def test_a_hang_up_during_the_hand_over_sentence_is_not_a_queue_abandon(stats_app, db):
    gone = Caller(stats_app)
    gone.dial()
    reply = gone.post(gone.next_url, Digits="0")  # "Ich verbinde Sie ..." and <Enqueue>
    assert "<Enqueue" in reply.body
    # The caller hangs up while the sentence plays: Twilio never asks for the hold music.
    gone.post("/voice/status", CallStatus="completed", CallDuration="14")
    waited = Caller(stats_app)
    waited.dial()
    waited.say("#0")  # in the queue: Twilio asked for the hold music
    at(stats_app, 30.25)
    waited.hang_up()
    summary = today(db)["summary"]
    assert (summary["handover_hangups"], summary["abandoned"],
            summary["transferred_to_agents"]) == (1, 1, 1)
    assert db.execute("SELECT wait_ms FROM queue_entries WHERE result = 'abandoned'"
                      ).fetchone() == (30250,)


@pytest.fixture
def anna(stats_app, db):
    agent = add_agent(db, login="anna", name="Anna Keller", password_hash="x",
                      topics=["allgemein"], languages=["de"], sites=[],
                      reach_kind="client", reach_address="anna", now=NOW)
    with db.conn:
        set_status(db, agent.id, AVAILABLE, now=NOW, reason="test")
    return agent.id


def test_wrap_up_ends_on_its_own_and_the_next_caller_gets_through(stats_app, db, anna):
    first = Caller(stats_app)
    first.dial()
    first.say("#0")
    assert get_agent(db, anna).status == "on_call"
    at(stats_app, 200)
    first.hang_up()  # Twilio's <Dial> ends: Anna goes to wrap-up
    assert get_agent(db, anna).status == "wrap_up"
    at(stats_app, 300)  # 100 s of wrap-up: she is still writing her notes
    second = Caller(stats_app)
    second.dial()
    second.say("#0")
    assert "[Warteschleife" in second.hears() and get_agent(db, anna).status == "wrap_up"
    second.hang_up()
    at(stats_app, 400)  # 200 s: wrap-up ended on its own at 120 s
    third = Caller(stats_app)
    third.dial()
    third.say("#0")
    assert "Es klingelt" in third.hears()
    history = db.execute("SELECT status, at, reason FROM agent_status_history"
                         " WHERE agent_id = ? AND reason = 'wrap-up time over'",
                         [anna]).fetchall()
    assert [(status, reason) for status, _, reason in history] == [
        ("available", "wrap-up time over")]
    assert history[0][1] == clock.utc_text(NOW + timedelta(seconds=320))


def test_a_caller_asking_when_the_appointment_is_shows_in_the_figures_as_a_look_up(stats_app,
                                                                                   db):
    caller = Caller(stats_app)
    caller.dial()
    caller.say("Wann war mein Termin nochmal?")
    caller.hang_up()
    rows = {row["intent"]: row for row in today(db)["intents"]}
    assert rows["booking_lookup"]["label"] == "Termin nachfragen"
    assert rows["booking_lookup"]["calls"] == 1
