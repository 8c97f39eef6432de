"""Callbacks that dial themselves (issue 21): the caller keeps their place in line; a free
agent is called first (whisper, key), then the caller (a key connects them); no answer,
busy and a mailbox are tried again after the delay, up to the limit, within the window;
caller first with answering-machine detection; callbacks for outside hours wait.

Twilio's REST API is the stand-in: the outbox's sender places the calls there, and the
test plays Twilio, posting each call's signed webhooks as Twilio would.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from test_reminders import at, berlin, live_app

import outbox
from conftest import Caller, twiml
from db import connect
from routing import callbacks, queue
from routing.store import AVAILABLE, add_agent, get_agent, set_status
from stats import figures
from stats.figures import Period

AGENT_PHONE = "+4971510000101"
CALLER = "+491701112233"
T0 = berlin(2026, 11, 25, 10, 0)  # Wednesday: the hotline is staffed


@pytest.fixture
def start(database_target, standin):
    """Start the hotline with these settings: (app, its database)."""
    opened = []

    def started(**config):
        app = live_app(database_target, standin, **config)
        opened.append(connect(app.config["HOTLINE_DATABASE"]))
        return app, opened[-1]

    yield started
    for db in opened:
        db.conn.close()


@pytest.fixture
def hotline(start):
    return start()


def agent(db, login="anna", reach_kind="number", address=AGENT_PHONE, available=True):
    made = add_agent(db, login=login, name=login.title(), password_hash="x",
                     topics=("allgemein",), languages=("de",), sites=(),
                     reach_kind=reach_kind, reach_address=address, now=T0)
    if available:
        set_status(db, made.id, AVAILABLE, now=T0, reason="test")
        db.conn.commit()
    return made.id


def ask_callback(db, moment, phone=CALLER, window=None, call_sid=None):
    start, end = window or (None, None)
    made = callbacks.request_callback(db, call_sid, phone=phone, confirmed_by="caller_id",
                                      window_start=start, window_end=end, now=moment)
    db.conn.commit()
    return made.id


class Leg:
    """Twilio's side of one call the outbox placed."""

    def __init__(self, app, placed: dict):
        self.phone = Caller(app, from_number="+4971519999999")
        self.phone.call_sid = placed["sid"]
        self.placed = placed
        self.to = placed["to"]

    @staticmethod
    def path(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    def post(self, url: str, **fields):
        answer = self.phone.post(self.path(url), To=self.to, Direction="outbound-api", **fields)
        assert answer.status in (200, 204), answer.body
        return twiml(answer.body) if answer.status == 200 else None

    def answer(self, **fields):
        return self.post(self.placed["url"], **fields)

    def ended(self, status: str):
        self.post(self.placed["status_callback"], CallStatus=status)


def say(root) -> str:
    return " ".join(s.text for s in root.iter("Say"))


def sender(app, moment):
    at(app, moment)
    outbox.deliver_due(app)


def status_of(db, callback_id):
    cb = callbacks.get_callback(db, callback_id)
    return cb.status, cb.attempts


def results(db, callback_id):
    return [row[2] for row in callbacks.attempts_of(db, callback_id)]


def agent_first_attempt(app, standin, *, caller_presses: bool, dial_status: str):
    """One attempt, agent first: the agent accepts, the caller is dialled."""
    leg = Leg(app, standin.calls[-1])
    assert leg.to == AGENT_PHONE
    whisper = leg.answer()
    assert say(whisper) == ("Rückruf zum Thema Allgemeine Fragen, Sprache Deutsch, Identität "
                            "nicht geprüft. Zum Annehmen drücken Sie bitte eine Taste.")
    dial = leg.post(whisper.find("./Gather").get("action"), Digits="1")
    number = dial.find("./Dial/Number")
    assert number.text == CALLER
    if caller_presses:
        hello = leg.post(number.get("url"))
        assert "mit Ihrem Rückruf" in say(hello)
        leg.post(hello.find("./Gather").get("action"), Digits="5")
    leg.post(dial.find("./Dial").get("action"), DialCallStatus=dial_status)
    leg.ended("completed")


def test_a_callback_is_placed_agent_first_and_keeps_its_place_before_later_callers(hotline,
                                                                                   standin):
    app, db = hotline
    earlier = ask_callback(db, T0)
    queue.enqueue(db, "CA" + "1" * 32, now=T0 + timedelta(minutes=1))  # waits, asked later
    db.conn.commit()
    anna = agent(db)
    sender(app, T0 + timedelta(minutes=2))
    assert [call["to"] for call in standin.calls] == [AGENT_PHONE]  # the agent first
    assert get_agent(db, anna).status == "callback"
    assert status_of(db, earlier) == ("in_progress", 0)
    agent_first_attempt(app, standin, caller_presses=True, dial_status="completed")
    assert status_of(db, earlier) == ("done", 1)
    assert results(db, earlier) == ["reached"]
    assert get_agent(db, anna).status == AVAILABLE
    assert queue.open_entry(db, "CA" + "1" * 32) is not None  # the later caller is next


def test_a_waiting_caller_who_asked_first_goes_before_a_later_callback(hotline, standin):
    app, db = hotline
    queue.enqueue(db, "CA" + "2" * 32, now=T0)
    db.conn.commit()
    later = ask_callback(db, T0 + timedelta(minutes=1))
    agent(db)
    sender(app, T0 + timedelta(minutes=2))
    assert standin.calls == [] and status_of(db, later) == ("open", 0)


def test_no_answer_busy_and_mailbox_are_retried_after_the_delay_up_to_the_limit(start,
                                                                                 standin):
    app, db = start(HOTLINE_CALLBACK_RETRY_DELAY=600)
    wish = ask_callback(db, T0)
    agent(db)
    sender(app, T0)
    agent_first_attempt(app, standin, caller_presses=False, dial_status="no-answer")
    assert status_of(db, wish) == ("open", 1)
    sender(app, T0 + timedelta(minutes=9))
    assert len(standin.calls) == 1  # not before the delay
    sender(app, T0 + timedelta(minutes=10))
    assert len(standin.calls) == 2
    # The caller's mailbox picks up: nobody presses a key, the Dial completes unaccepted.
    agent_first_attempt(app, standin, caller_presses=False, dial_status="completed")
    assert status_of(db, wish) == ("open", 2)
    sender(app, T0 + timedelta(minutes=25))
    agent_first_attempt(app, standin, caller_presses=False, dial_status="busy")
    assert status_of(db, wish) == ("failed", 3)
    assert results(db, wish) == ["no_answer", "voicemail", "busy"]
    sender(app, T0 + timedelta(hours=2))
    assert len(standin.calls) == 3


def test_an_agent_who_does_not_take_the_whisper_costs_the_caller_no_attempt(hotline, standin):
    app, db = hotline
    wish = ask_callback(db, T0)
    agent(db)
    sender(app, T0)
    Leg(app, standin.calls[-1]).ended("no-answer")
    assert status_of(db, wish) == ("open", 0)
    assert results(db, wish) == []


def test_caller_first_with_answering_machine_detection(start, standin):
    app, db = start(HOTLINE_CALLBACK_DIAL="caller-first")
    wish = ask_callback(db, T0)
    agent(db, reach_kind="client", address="anna")
    sender(app, T0)
    (placed,) = standin.calls
    assert placed["to"] == CALLER and placed["machine_detection"] == "Enable"
    mailbox = Leg(app, placed).answer(AnsweredBy="machine_start")
    assert say(mailbox) == ("Guten Tag, hier ist das Jobcenter Rems-Murr. Wir haben versucht, "
                            "Sie zurückzurufen. Wir versuchen es später noch einmal.")
    assert status_of(db, wish) == ("open", 1)
    sender(app, T0 + timedelta(minutes=15))
    leg = Leg(app, standin.calls[-1])
    connect = leg.answer(AnsweredBy="human")
    assert "ich verbinde Sie" in say(connect)
    client = connect.find("./Dial/Client")
    assert client.text == "anna"
    whisper = leg.post(client.get("url"))
    assert say(whisper).startswith("Rückruf zum Thema")
    leg.post(connect.find("./Dial").get("action"), DialCallStatus="completed")
    assert status_of(db, wish) == ("done", 2)
    assert results(db, wish) == ["voicemail", "reached"]


def test_callbacks_promised_for_the_morning_are_placed_when_staffed_earliest_first(hotline,
                                                                                     standin):
    app, db = hotline
    morning = (berlin(2026, 11, 26, 8, 0), berlin(2026, 11, 26, 12, 0))
    first = ask_callback(db, berlin(2026, 11, 25, 19, 0), window=morning)
    second = ask_callback(db, berlin(2026, 11, 25, 20, 0), phone="+491704445566",
                          window=morning)
    agent(db)
    sender(app, berlin(2026, 11, 26, 7, 59))
    assert standin.calls == []
    sender(app, berlin(2026, 11, 26, 8, 0))
    assert len(standin.calls) == 1
    assert status_of(db, first)[0] == "in_progress" and status_of(db, second)[0] == "open"


def test_supervisors_see_calls_placed_and_the_attempt_that_reached(start, standin):
    app, db = start(HOTLINE_CALLBACK_RETRY_DELAY=600)
    wish = ask_callback(db, T0)
    agent(db)
    sender(app, T0)
    agent_first_attempt(app, standin, caller_presses=False, dial_status="no-answer")
    sender(app, T0 + timedelta(minutes=10))
    agent_first_attempt(app, standin, caller_presses=True, dial_status="completed")
    assert status_of(db, wish) == ("done", 2)
    data = figures.figures(db, Period.parse("2026-11-25", None, T0.date()),
                           now=T0 + timedelta(hours=1))
    assert data["dialled_callbacks"] == {
        "calls_placed": 2, "reached_first_attempt": 0, "reached_second_attempt": 1,
        "reached_third_attempt": 0, "reached_later": 0,
        "to_conversation_mean_s": 600.0, "to_conversation_median_s": 600.0}


def test_caller_first_when_the_agent_does_not_answer_the_caller_is_told_and_not_charged(
        start, standin):
    app, db = start(HOTLINE_CALLBACK_DIAL="caller-first")
    wish = ask_callback(db, T0)
    agent(db)  # on a phone: accepts with a key
    sender(app, T0)
    leg = Leg(app, standin.calls[-1])
    connect = leg.answer(AnsweredBy="human")
    whisper = leg.post(connect.find("./Dial/Number").get("url"))
    assert whisper.find("./Gather") is not None  # no key pressed
    told = leg.post(connect.find("./Dial").get("action"), DialCallStatus="completed")
    assert say(told) == ("Leider ist gerade niemand frei. Wir rufen Sie bald noch einmal an. "
                         "Auf Wiederhören.")
    assert status_of(db, wish) == ("open", 0)
