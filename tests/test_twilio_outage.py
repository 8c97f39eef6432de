"""Twilio's REST API misbehaves; the call does not: SMS through the outbox, exactly once.

The app runs with a real Twilio account configured (the real twilio client, its HTTP
requests), but Twilio's API is a stand-in on 127.0.0.1 (tests/twilio_standin.py) that
refuses, hangs, answers 500, 429 or 400, or answers slowly. For each, a whole booking
call through the signed webhooks hears no technical error and waits on nothing, and once
the stand-in behaves again every SMS arrives exactly once.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from random import Random

import pytest
from twilio.request_validator import RequestValidator
from twilio_standin import (
    BAD_REQUEST,
    CREATE_THEN_HANG,
    ERROR_500,
    HANG,
    MISBEHAVIOURS,
    OK,
    RATE_LIMIT,
    REFUSE,
    SLOW,
)
from werkzeug.security import generate_password_hash

import outbox
from app import create_app
from clock import SYSTEM, utc_text
from conftest import NOW, TOKEN, Caller
from db import connect
from gateway import SERVER, GatewayError
from ivr import voicemail
from ivr.views import connect_url
from routing import dispatch
from routing.store import AVAILABLE, add_agent, get_agent, set_status
from speech import vosk_samples

MOBILE = "+491701234567"
ACCOUNT = "AC" + "0" * 32
# Generous: a webhook that waited on the stand-in would take the sender's timeouts or
# hang for a minute; one that does not answers in milliseconds.
WEBHOOK_BOUND_S = 1.0
TECHNICAL = "technischer Fehler"


def live_app(database_target, standin, **extra):
    """The hotline as production runs it (a Twilio account), Twilio being the stand-in."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE": database_target,
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
        "HOTLINE_SMS_FROM": "+4971519999999", "HOTLINE_TWILIO_API_BASE": standin.url,
        "HOTLINE_PUBLIC_URL": "", "HOTLINE_VALIDATE_SIGNATURES": True,
        "HOTLINE_OUTBOX_THREAD": False, **extra})
    app.extensions["hotline.clock"] = lambda: NOW
    # Short timeouts keep a hanging stand-in from slowing the tests (production: 3 s / 10 s).
    app.extensions["hotline.gateway"].http.default_timeout = (0.5, 0.5)
    return app


@pytest.fixture
def app(database_target, standin):
    return live_app(database_target, standin)


class TimedCaller(Caller):
    """A caller who notes how long each webhook took to answer."""

    def __init__(self, app, **kwargs):
        super().__init__(app, **kwargs)
        self.durations: list[float] = []

    def _post(self, url, fields):
        started = time.monotonic()
        try:
            return super()._post(url, fields)
        finally:
            self.durations.append(time.monotonic() - started)


def book_with_sms(app) -> TimedCaller:
    caller = TimedCaller(app, from_number=MOBILE)
    caller.dial()
    caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    caller.say("ja")  # the offered slot
    assert "Buchungsnummer" in caller.hears()
    caller.say("nein")  # no name
    caller.say("ja")  # the SMS
    return caller


def later(app, **delta):
    moment = NOW + timedelta(**delta)
    app.extensions["hotline.clock"] = lambda: moment


def drain(app, rounds: int = 6) -> None:
    """What a sender does over the next day, once the stand-in behaves."""
    for hour in range(1, rounds + 1):
        later(app, hours=hour)
        outbox.deliver_due(app)


def rows(app):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        names = ("state", "attempts", "reason", "error_code", "message_sid")
        return [dict(zip(names, row, strict=True))
                for row in db.execute("SELECT state, attempts, reason, error_code, message_sid"
                                      " FROM outbox ORDER BY id").fetchall()]
    finally:
        db.conn.close()


@pytest.mark.parametrize("mode", MISBEHAVIOURS)
def test_a_booking_call_with_sms_never_hears_of_twilios_trouble(app, standin, mode):
    standin.set(mode)
    # A sender is at work all through the call, trying the misbehaving stand-in.
    sender = outbox.Sender(app, name="during-the-call", poll_s=0.05).start()
    try:
        caller = book_with_sms(app)
        assert "Die Bestätigung schicke ich Ihnen per SMS." in caller.hears()
        caller.say("nein")  # no reminder
        caller.say("nein")  # nothing else
        heard = " ".join(" ".join(e.hotline) for e in caller.exchanges)
        assert TECHNICAL not in heard and "Wiederhören" in heard
        assert max(caller.durations) < WEBHOOK_BOUND_S, caller.durations
        # The sender has tried the misbehaving stand-in at least once.
        deadline = time.monotonic() + 10
        while not rows(app)[0]["attempts"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rows(app)[0]["attempts"] >= 1
    finally:
        sender.stop()
    standin.set(OK)
    drain(app)
    if mode == BAD_REQUEST:
        # Twilio refused the number: not retried, and the reason is kept.
        (row,) = rows(app)
        assert row["state"] == "failed" and row["attempts"] == 1
        assert row["error_code"] == 21211 and "Twilio 21211" in row["reason"]
        assert standin.messages == []
        return
    (message,) = [m for m in standin.messages if m["to"] == MOBILE]
    assert "Buchungsnummer" in message["body"] and message["from"] == "+4971519999999"
    assert [r["state"] for r in rows(app)] == ["sent"]


def test_done_when_twilio_is_unreachable_the_booking_is_confirmed_and_the_sms_queued(
        app, standin):
    standin.set(REFUSE)
    caller = book_with_sms(app)
    said = caller.hears()
    assert "Die Bestätigung schicke ich Ihnen per SMS." in said and TECHNICAL not in said
    caller.say("nein")
    assert all(seconds < WEBHOOK_BOUND_S for seconds in caller.durations)
    assert caller.summary()["booking"]["code"]
    assert [r["state"] for r in rows(app)] == ["queued"]


def test_a_request_that_reached_twilio_without_an_answer_is_looked_up_not_sent_again(
        app, standin):
    standin.set(CREATE_THEN_HANG)  # Twilio creates the message, the answer never comes
    book_with_sms(app)
    outbox.deliver_due(app)
    assert len(standin.messages) == 1
    (row,) = rows(app)
    assert row["state"] == "queued" and row["reason"] == "timeout"
    standin.set(OK)
    drain(app)
    assert len(standin.messages) == 1  # found by the look-up, not sent a second time
    (row,) = rows(app)
    assert row["state"] == "sent" and row["message_sid"] == standin.messages[0]["sid"]


def test_rate_limited_waits_as_long_as_twilio_asks(app, standin):
    standin.set(RATE_LIMIT)
    standin.retry_after = "120"
    book_with_sms(app)
    outbox.deliver_due(app)
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        next_at, kind = db.execute("SELECT next_attempt_at, error_kind FROM outbox").fetchone()
    finally:
        db.conn.close()
    assert kind == "rate-limited"
    assert next_at == utc_text(NOW + timedelta(seconds=120))
    standin.set(OK)
    later(app, seconds=119)
    assert outbox.deliver_due(app) == 0  # not before Twilio said
    later(app, seconds=120)
    assert outbox.deliver_due(app) == 1 and len(standin.messages) == 1


def test_backoff_grows_with_jitter_and_gives_up_after_a_day(app, standin):
    error = GatewayError("Twilio server error", SERVER, status=500)
    for attempt in range(1, 12):
        step = min(outbox.BACKOFF_MAX_S, outbox.BACKOFF_FIRST_S * 2 ** (attempt - 1))
        waits = {outbox.backoff_s(attempt, error, Random(seed)) for seed in range(20)}
        assert all(step / 2 <= wait <= step for wait in waits)
        assert len(waits) > 1  # jitter: senders do not retry in step
    standin.set(ERROR_500)
    book_with_sms(app)
    for hour in range(0, 27, 2):
        later(app, hours=hour)
        outbox.deliver_due(app)
    (row,) = rows(app)
    assert row["state"] == "failed" and row["reason"].startswith("gave up after")
    assert standin.messages == []


def test_a_retried_webhook_queues_one_sms(app, standin):
    caller = book_with_sms(app)
    # Twilio sends the very same "ja" again (a retry after a lost answer).
    last = caller.exchanges[-1]
    assert last.caller == "ja"
    sid = caller.call_sid
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        turn = db.execute("SELECT MAX(turn) FROM turns WHERE call_sid = ?", [sid]).fetchone()[0]
    finally:
        db.conn.close()
    reply = caller.post(f"/voice/turn?t={turn - 1}", SpeechResult="ja", Confidence="0.9")
    assert reply.status == 200
    drain(app)
    assert len(standin.messages) == 1 and len(rows(app)) == 1


@pytest.mark.both_engines
def test_two_senders_at_once_send_each_message_once(database_target, standin):
    app = live_app(database_target, standin)
    for _ in range(6):
        book_with_sms(app)
    standin.set(SLOW)

    threads = [threading.Thread(target=outbox.deliver_due, args=(app, f"sender-{n}"))
               for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)  # a hang check: both senders finish, however loaded the machine
        assert not thread.is_alive()
    assert len(standin.messages) == 6
    assert sorted(m["sid"] for m in standin.messages) == sorted(
        r["message_sid"] for r in rows(app))


@pytest.mark.both_engines
def test_a_sender_killed_with_requests_in_flight_is_replaced_and_sends_nothing_twice(
        database_target, standin):
    app = live_app(database_target, standin)
    numbers = [MOBILE, "+491701112223", "+491704445556"]
    for number in numbers:
        caller = TimedCaller(app, from_number=number)
        caller.dial()
        caller.say("termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
        caller.say("ja")
        caller.say("nein")  # no name
        caller.say("ja")  # the SMS
    standin.set(CREATE_THEN_HANG)
    env = {**os.environ, "HOTLINE_ENV": "test", "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_ACCOUNT_SID": ACCOUNT, "HOTLINE_SMS_FROM": "+4971519999999",
           "HOTLINE_TWILIO_API_BASE": standin.url,
           "HOTLINE_DATABASE": app.config["HOTLINE_DATABASE"], "HOTLINE_LOG_LEVEL": "WARNING",
           # No pace: one batch claims all three; two requests go out at once.
           "HOTLINE_OUTBOX_RATE": "0", "HOTLINE_OUTBOX_PARALLEL": "2"}
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "outbox"],
                               cwd=root, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(standin.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(standin.messages) == 2, "the sender in its own process sent no two at once"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    # It died with two requests out and their answers lost (Twilio created both), and
    # the third claimed or handed back, never begun: both slots were taken.
    in_flight = {m["to"] for m in standin.messages}
    states = {number: r["state"] for number, r in zip(numbers, rows(app), strict=True)}
    assert all(states[number] == "sending" for number in in_flight)
    assert len(standin.messages) == 2
    standin.set(OK)
    # The claims run out (real time in that process; the test's clock goes past it).
    moment = SYSTEM() + timedelta(seconds=outbox.CLAIM_S + 1)
    app.extensions["hotline.clock"] = lambda: moment
    assert outbox.deliver_due(app) == 3
    # The two were found at Twilio by their look-ups; the third was sent once.
    assert sorted(m["to"] for m in standin.messages) == sorted(numbers)
    assert [r["state"] for r in rows(app)] == ["sent"] * 3


def test_one_sender_holds_the_lease_and_a_dead_one_is_replaced(app, standin):
    first = outbox.Sender(app, name="worker-1", poll_s=0.05).start()
    second = outbox.Sender(app, name="worker-2", poll_s=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while not (first.holding or second.holding) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        assert first.holding != second.holding  # exactly one sends
        holder, other = (first, second) if first.holding else (second, first)
        db = connect(app.config["HOTLINE_DATABASE"])
        try:
            assert outbox.lease_holder(db)[0] == holder.name
        finally:
            db.conn.close()
        book_with_sms(app)
        deadline = time.monotonic() + 10
        while not standin.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(standin.messages) == 1
        # The holder's worker dies: its lease is not released, only runs out.
        holder.stop(release=False)
        later(app, seconds=outbox.LEASE_S + 1)
        deadline = time.monotonic() + 10
        while not other.holding and time.monotonic() < deadline:
            time.sleep(0.02)
        assert other.holding
        caller = TimedCaller(app, from_number="+491701112223")
        caller.dial()
        caller.say("termin in backnang wegen arbeitsvermittlung nächste woche mittwoch")
        caller.say("ja")
        caller.say("nein")  # no name
        caller.say("ja")
        deadline = time.monotonic() + 10
        while len(standin.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m["to"] for m in standin.messages] == [MOBILE, "+491701112223"]
    finally:
        first.stop()
        second.stop()


def test_sms_go_out_under_the_messaging_service_when_one_is_set(database_target, standin):
    app = live_app(database_target, standin, HOTLINE_SMS_FROM="",
                   HOTLINE_SMS_SERVICE_SID="MG" + "1" * 32)
    book_with_sms(app)
    outbox.deliver_due(app)
    (message,) = standin.messages
    assert message["messaging_service_sid"] == "MG" + "1" * 32 and message["from"] is None



@pytest.mark.parametrize("mode", [REFUSE, HANG, ERROR_500, RATE_LIMIT, BAD_REQUEST, SLOW])
def test_moving_a_waiting_caller_to_a_free_agent_survives_twilios_trouble(app, standin, mode):
    db = connect(app.config["HOTLINE_DATABASE"])
    caller = TimedCaller(app)
    caller.dial()
    caller.say("#0")  # a person, please: nobody is free, so the caller waits
    assert "[Warteschleife" in caller.hears()
    agent = add_agent(db, login="carla", name="Carla Demir", password_hash="x",
                      topics=["allgemein"], languages=["de"], sites=["waiblingen"],
                      reach_kind="client", reach_address="carla", now=NOW)
    with db.conn:
        set_status(db, agent.id, AVAILABLE, now=NOW, reason="test")
    standin.set(mode)
    # Carla is free: the console moves the caller to her through the REST API.
    started = time.monotonic()
    with app.test_request_context("/agent"):
        moved = dispatch.connect_next_caller(db, agent.id, now=NOW, connect_url=connect_url,
                                             gateway=app.extensions["hotline.gateway"])
    # A short timeout (production's own: 2 s to connect, 4 s to read), never an exception.
    assert time.monotonic() - started < 10
    if mode == SLOW:
        assert moved == caller.call_sid
        (update,) = standin.call_updates
        assert update["call_sid"] == caller.call_sid and "/voice/connect" in update["Url"]
        reply = caller.post(update["Url"])
        assert "<Client" in reply.body
        return
    assert moved is None
    assert get_agent(db, agent.id).status == AVAILABLE  # her reservation was released
    # The caller's hold music asks again: the caller hears no error and reaches Carla,
    # without a REST request (the next dispatch is the caller's own).
    caller.say("")
    heard = " ".join(" ".join(e.hotline) for e in caller.exchanges)
    assert TECHNICAL not in heard
    assert "[Es klingelt bei einer Mitarbeiterin oder einem Mitarbeiter]" in caller.hears()
    assert max(caller.durations) < WEBHOOK_BOUND_S
    assert get_agent(db, agent.id).status in ("ringing", "on_call")
    standin.set(OK)
    assert standin.call_updates == []  # nothing was moved twice
    db.conn.close()


def test_delivery_reports_are_recorded_and_supervisors_see_what_did_not_arrive(
        database_target, standin):
    app = live_app(database_target, standin)
    book_with_sms(app)
    standin.set(BAD_REQUEST)  # the first: Twilio refuses the number
    outbox.deliver_due(app)
    standin.set(OK)
    other = TimedCaller(app, from_number="+491701112223")
    other.dial()
    other.say("termin in backnang wegen arbeitsvermittlung nächste woche mittwoch")
    other.say("ja")
    other.say("nein")  # no name
    other.say("ja")
    app.config["HOTLINE_PUBLIC_URL"] = "https://hotline.example.de"  # Twilio can reach us
    outbox.deliver_due(app)
    (message,) = standin.messages
    assert message["status_callback"] == "https://hotline.example.de/sms/status"
    # Twilio reports: the carrier could not deliver it (30003: unreachable handset).
    report = {"MessageSid": message["sid"], "MessageStatus": "undelivered",
              "ErrorCode": "30003", "AccountSid": ACCOUNT}
    url = "https://hotline.example.de/sms/status"
    unsigned = app.test_client().post("/sms/status", data=report)
    assert unsigned.status_code == 403
    signature = RequestValidator(TOKEN).compute_signature(url, report)
    reply = app.test_client().post("/sms/status", data=report,
                                   headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 204
    assert [r["state"] for r in rows(app)] == ["failed", "undelivered"]

    client = app.test_client()
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        add_agent(db, login="leitung", name="Leitung", role="supervisor",
                  password_hash=generate_password_hash("leitung-passwort-1"),
                  sites=("waiblingen",), now=NOW)
    finally:
        db.conn.close()
    page = client.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/agent/login", data={"login": "leitung", "password": "leitung-passwort-1",
                                      "csrf_token": token})
    dashboard = client.get("/supervisor/").get_data(as_text=True)
    table = dashboard.split('id="failed-sms-table"', 1)[1].split("</table>", 1)[0]
    assert "nicht gesendet" in table and "refused by Twilio" not in table
    assert "rejected, HTTP 400, Twilio 21211" in table
    assert "nicht zugestellt" in table and "undelivered, Twilio 30003" in table
    assert MOBILE not in dashboard and "+491701112223" not in dashboard


def test_a_delivered_report_for_an_unknown_or_malformed_message_changes_nothing(app):
    url = "http://localhost/sms/status"
    for report, status in (({"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}, 204),
                           ({"MessageSid": "nonsense", "MessageStatus": "delivered"}, 400)):
        signature = RequestValidator(TOKEN).compute_signature(url, report)
        reply = app.test_client().post(url, data=report,
                                       headers={"X-Twilio-Signature": signature})
        assert reply.status_code == status
    assert rows(app) == []


@pytest.fixture(scope="module")
def recording():
    """The model to transcribe with, and a spoken message as Twilio records it (WAV)."""
    try:
        path = vosk_samples.model_path()
        voice, sentence, _ = vosk_samples.voice_for(path)
        return path, vosk_samples.to_recording(vosk_samples.synthesise_wav(sentence, voice))
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


@pytest.mark.parametrize("mode", [REFUSE, HANG, ERROR_500, RATE_LIMIT, SLOW])
def test_a_voicemail_is_fetched_once_when_twilio_answers_again(
        database_target, standin, recording, monkeypatch, mode):
    model_path, wav = recording
    monkeypatch.setattr(voicemail, "RETRY_FIRST_S", 0.2)
    standin.retry_after = "0.2"
    app = live_app(database_target, standin, HOTLINE_SPEECH_ENGINE="vosk",
                   VOSK_MODEL_PATH=model_path)
    sid = "RE" + "7" * 32
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"
    standin.recordings[sid] = wav
    standin.set(mode)
    caller = TimedCaller(app, from_number=MOBILE)
    caller.dial()
    left = caller.post("/voice/voicemail", RecordingSid=sid, RecordingUrl=url,
                       RecordingDuration="3")
    assert "Hangup" in left.body and TECHNICAL not in left.body
    ready = caller.post("/voice/recording-status", RecordingSid=sid, RecordingUrl=url,
                        RecordingDuration="3", RecordingStatus="completed")
    assert ready.status == 204
    assert max(caller.durations) < WEBHOOK_BOUND_S  # no webhook waited for the audio
    time.sleep(0.5)  # the first fetch meets the misbehaving stand-in
    standin.set(OK)
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        def transcribed():
            return db.execute("SELECT transcript FROM voicemails").fetchone()[0] is not None

        deadline = time.monotonic() + 60
        while not transcribed() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert transcribed()
        time.sleep(0.5)  # nothing more comes
        assert standin.fetched == [sid] and standin.deleted == [sid]
        assert db.execute("SELECT recording_url FROM voicemails").fetchone() == (None,)
    finally:
        db.conn.close()


@pytest.mark.parametrize(("mode", "kind"), [
    (REFUSE, "connection"), (HANG, "timeout"), (ERROR_500, "server"),
    (RATE_LIMIT, "rate-limited"), (BAD_REQUEST, "rejected")])
def test_every_failure_is_one_gateway_error_of_its_kind(app, standin, mode, kind):
    standin.set(mode)
    with pytest.raises(GatewayError) as caught:
        app.extensions["hotline.gateway"].send_sms(MOBILE, "Test")
    assert caught.value.kind == kind
    assert caught.value.retryable == (kind != "rejected")
    if mode == REFUSE:
        assert caught.value.reached is False  # safe to send again without a look-up
    if mode == RATE_LIMIT:
        assert caught.value.retry_after_s == 7.0
    if mode == BAD_REQUEST:
        assert caught.value.code == 21211 and caught.value.status == 400
