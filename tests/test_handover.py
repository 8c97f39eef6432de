"""Handing callers to people on the phone: ringing agents, waiting, callbacks, after hours.

The hotline's clock stands at Wednesday 25 November 2026, 10:00 (open) unless a test
moves it.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import Caller, twiml
from ivr.views import connect_url
from routing import callbacks, dispatch
from routing.store import AVAILABLE, add_agent, get_agent, set_status

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = datetime(2026, 11, 29, 11, 0, tzinfo=BERLIN)


@pytest.fixture
def agents(app, db):
    """Two available agents for money matters in German; Anna has been idle longest."""
    now = app.extensions["hotline.clock"]()
    made = []
    for login, name, number in [("anna", "Anna Keller", "+4971510000001"),
                                ("ben", "Ben Roth", "+4971510000002")]:
        agent = add_agent(db, login=login, name=name, password_hash="x",
                          topics=["geldleistungen", "allgemein"], languages=["de"],
                          sites=["waiblingen", "backnang", "schorndorf"],
                          reach_kind="number", reach_address=number, now=now)
        with db.conn:
            set_status(db, agent.id, AVAILABLE, now=now, reason="test")
        made.append(agent)
    return made


def test_a_free_agent_is_rung_with_a_whisper_then_the_call_ends_politely(app, db, agents):
    caller = Caller(app)
    caller.dial()
    reply = caller.post(caller.next_url, SpeechResult="Ich möchte mit einem Mitarbeiter "
                                                      "sprechen", Confidence="0.9")
    dial = twiml(reply.body).find("./Dial")
    assert dial.get("timeout") == "20"
    number = dial.find("./Number")
    assert number.text == "+4971510000001"  # the longest idle
    assert get_agent(db, agents[0].id).status == "ringing"

    whisper = twiml(caller.post(number.get("url")).body)
    said = whisper.find("./Gather/Say")
    assert said.get("language") == "de-DE"
    assert "nicht geprüft" in said.text  # the agent hears: identity not checked
    assert "drücken Sie bitte eine Taste" in said.text
    assert get_agent(db, agents[0].id).status == "ringing"  # not before the key
    caller.post(whisper.find("./Gather").get("action"), Digits="1")
    assert get_agent(db, agents[0].id).status == "on_call"

    ended = caller.post(dial.get("action"), DialCallStatus="completed", DialCallDuration="95")
    root = twiml(ended.body)
    assert "Auf Wiederhören" in root.find("./Say").text and root.find("./Hangup") is not None
    assert get_agent(db, agents[0].id).status == "wrap_up"


def test_no_answer_rings_the_next_agent_then_the_queue(app, db, agents):
    caller = Caller(app)
    caller.dial()
    reply = caller.post(caller.next_url, Digits="0")
    first = twiml(reply.body).find("./Dial")
    second = caller.post(first.get("action"), DialCallStatus="no-answer")
    dial = twiml(second.body).find("./Dial")
    assert dial.find("./Number").text == "+4971510000002"
    third = caller.post(dial.get("action"), DialCallStatus="busy")
    root = twiml(third.body)
    assert "im Gespräch" in root.find("./Say").text
    assert root.find("./Enqueue") is not None  # nobody left: wait for the next free agent
    tried = db.execute("SELECT result FROM dial_attempts ORDER BY id").fetchall()
    assert [r[0] for r in tried] == ["no-answer", "busy"]


def test_waiting_caller_hears_position_and_wait_and_can_take_a_callback(app, db):
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("Ich möchte mit einem Mitarbeiter sprechen")
    assert "Sie sind an Position 1" in caller.hears()
    assert "Rückruf" in caller.hears()
    caller.say("Rückruf bitte")
    said = caller.hears()
    assert "Sollen wir Sie unter der Nummer zurückrufen" in said
    assert "5, 6, 7" in said and "+491701234567" not in said
    caller.say("ja")
    assert "vormittags oder nachmittags" in caller.hears()
    caller.say("nachmittags")
    assert "am nächsten Nachmittag" in caller.hears()
    assert caller.finished
    row = db.execute("SELECT phone, confirmed_by, window_start, status FROM callbacks"
                     ).fetchone()
    assert row[0] == "+491701234567" and row[1] == "caller_id" and row[3] == "open"
    assert row[2].startswith("2026-11-25T11:00")  # today 12:00 Berlin, stored in UTC
    assert db.execute("SELECT result FROM queue_entries").fetchone()[0] == "callback"
    caller.hang_up()
    assert caller.summary()["outcome"] == "callback"


def test_caller_who_hangs_up_in_the_queue_is_recorded_as_abandoned(app, db):
    caller = Caller(app)
    caller.dial()
    caller.say("#0")
    caller.hang_up()
    assert db.execute("SELECT result FROM queue_entries").fetchone()[0] == "abandoned"


def test_a_free_agent_gets_the_longest_waiting_caller_through_the_rest_gateway(app, db):
    first, second = Caller(app), Caller(app)
    start = app.extensions["hotline.clock"]()
    for minutes, caller in enumerate((first, second)):
        app.extensions["hotline.clock"] = lambda m=minutes: start + timedelta(minutes=m)
        caller.dial()
        caller.say("#0")
    now = start + timedelta(minutes=3)
    app.extensions["hotline.clock"] = lambda: now
    agent = add_agent(db, login="carla", name="Carla Demir", password_hash="x",
                      topics=["allgemein"], languages=["de"], sites=["waiblingen"],
                      reach_kind="client", reach_address="carla", now=now)
    with db.conn:
        set_status(db, agent.id, AVAILABLE, now=now, reason="test")
    with app.test_request_context("/agent"):
        moved = dispatch.connect_next_caller(
            db, agent.id, now=now, connect_url=connect_url,
            gateway=app.extensions["hotline.gateway"])
    assert moved == first.call_sid
    (redirect,) = app.extensions["hotline.gateway"].redirects
    assert redirect["call_sid"] == first.call_sid
    connect = first.post(redirect["url"])
    client = twiml(connect.body).find("./Dial/Client")
    assert client.text == "carla"
    # Had the REST request been lost, the hold music would take the caller out instead.
    assert twiml(first.post(first.wait_url).body).find("./Leave") is not None


def test_outside_opening_hours_no_phone_rings(app, db, agents):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app)
    caller.dial()
    caller.say("Ich möchte mit einem Mitarbeiter sprechen")
    said = caller.hears()
    assert "gerade nicht erreichbar" in said and "Rückruf" in said
    assert db.execute("SELECT count(*) FROM queue_entries").fetchone()[0] == 0
    assert all(get_agent(db, a.id).status == AVAILABLE for a in agents)


def test_after_hours_message_is_kept_and_becomes_a_callback(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("#0")
    caller.say("#2")
    said = caller.hears()
    assert "nach dem Signalton" in said and "[Aufnahme: Ihre Nachricht]" in said
    # Nobody hears the message before the next working day: before the beep, a caller
    # in danger hears where help is now.
    assert said.index("Wenn Sie in Gefahr sind, wählen Sie die eins eins zwei.") < said.index(
        "[Aufnahme: Ihre Nachricht]")
    assert "Vielen Dank für Ihre Nachricht" in said and caller.finished
    assert db.execute("SELECT duration_s FROM voicemails").fetchone()[0] == 12
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "+491701234567"


def test_after_hours_callback_on_a_spoken_number(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous")
    caller.dial()
    caller.say("#0")
    caller.say("rückruf")
    assert "Telefonnummer" in caller.hears()
    caller.say("null eins sieben eins zwei drei vier fünf sechs sieben")
    assert "0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7" in caller.hears()
    caller.say("ja")
    caller.say("vormittags")
    assert "am nächsten Vormittag" in caller.hears()
    row = db.execute("SELECT phone, confirmed_by, window_start FROM callbacks").fetchone()
    assert row[:2] == ("0171234567", "spoken")
    assert row[2].startswith("2026-11-30T07:00")  # Monday 08:00 Berlin


def test_a_message_from_a_withheld_number_asks_the_number_first_and_reaches_the_team(app, db):
    # A message from a withheld number became no callback: no agent ever saw it.
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous")
    caller.dial()
    caller.say("#0")
    caller.say("#2")
    said = caller.hears()
    assert "Telefonnummer" in said and "[Aufnahme: Ihre Nachricht]" not in said
    caller.say("null eins sieben eins zwei drei vier fünf sechs sieben")
    assert "0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7" in caller.hears()
    caller.say("ja")
    said = caller.hears()
    assert "nach dem Signalton" in said and "[Aufnahme: Ihre Nachricht]" in said
    assert "Vielen Dank für Ihre Nachricht" in said and caller.finished
    assert db.execute("SELECT duration_s FROM voicemails").fetchone()[0] == 12
    assert db.execute("SELECT phone, confirmed_by FROM callbacks").fetchone() == (
        "0171234567", "spoken")


def test_a_withheld_number_never_given_ends_with_call_again_not_a_message_to_no_one(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous")
    caller.dial()
    caller.say("#0")
    caller.say("#2")
    for _ in range(3):
        caller.say("zwölf")
    said = caller.hears()
    assert "Ohne Telefonnummer können wir Sie leider nicht zurückrufen" in said
    assert "[Aufnahme" not in said and caller.finished
    assert db.execute("SELECT count(*) FROM callbacks").fetchone()[0] == 0


def test_a_caller_in_danger_with_a_withheld_number_hears_the_help_before_goodbye(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous")
    caller.dial()
    caller.say("Mein Mann schlägt mich")
    caller.say("#2")
    for _ in range(3):
        caller.say("zwölf")
    said = caller.hears()
    assert "Polizei: eins eins null" in said and "Ohne Telefonnummer" in said
    assert said.index("Polizei") < said.index("Ohne Telefonnummer")


def test_a_message_after_a_crisis_heard_in_the_call_is_marked_and_goes_first(app, db, agents):
    # With Twilio's recogniser a message has no transcript: the crisis heard in the call
    # marks its callback, ahead of an ordinary one asked for earlier.
    app.extensions["hotline.clock"] = lambda: SUNDAY
    ordinary = Caller(app, from_number="+491701234500")
    ordinary.dial()
    ordinary.say("#0")
    ordinary.say("#2")
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("Mein Mann schlägt mich")
    caller.say("#2")
    assert "[Aufnahme: Ihre Nachricht]" in caller.hears()
    rows = db.execute("SELECT phone, concern FROM callbacks ORDER BY id").fetchall()
    assert rows == [("+491701234500", None), ("+491701234567", "violence")]
    first = callbacks.visible_callbacks(db, agents[0].id, everything=True)[0]
    assert first.phone == "+491701234567"


def test_a_callback_heard_as_an_emergency_goes_before_words_of_worry(app, db, agents):
    # The emergency caller was told "rufen wir Sie als Erstes zurück".
    for phone, intent, concern in (("+491700000001", None, "worry"),
                                   ("+491700000002", "emergency", None)):
        made = callbacks.request_callback(db, None, phone=phone, confirmed_by="caller_id",
                                          topic="allgemein", language="de", intent=intent,
                                          now=SUNDAY)
        db.execute("UPDATE callbacks SET concern = ? WHERE id = ?", [concern, made.id])
    assert [c.phone for c in callbacks.visible_callbacks(db, agents[0].id)] == [
        "+491700000002", "+491700000001"]


def test_emergency_waits_ahead_of_others(app, db):
    calm = Caller(app)
    calm.dial()
    calm.say("#0")
    urgent = Caller(app)
    urgent.dial()
    urgent.say("ich habe kein geld mehr für essen")
    assert "[Warteschleife: hotline-emergency]" in urgent.hears()
    assert "vor allen anderen angenommen" in urgent.hears()


def test_an_agents_mailbox_that_picks_up_does_not_take_the_caller(app, db, agents):
    caller = Caller(app)
    caller.dial()
    reply = caller.post(caller.next_url, SpeechResult="Ich möchte mit einem Mitarbeiter "
                                                      "sprechen", Confidence="0.9")
    dial = twiml(reply.body).find("./Dial")
    assert dial.find("./Number").text == "+4971510000001"
    # Anna's mobile goes to her mailbox: it fetches the whisper but presses no key, so
    # the whisper hangs up, and Twilio reports the <Dial> as completed.
    whisper = twiml(caller.post(dial.find("./Number").get("url")).body)
    assert whisper.find("./Hangup") is not None
    assert get_agent(db, agents[0].id).status == "ringing"
    ended = caller.post(dial.get("action"), DialCallStatus="completed", DialCallDuration="20")
    # The next agent is rung; Anna counts as not having answered.
    assert twiml(ended.body).find("./Dial/Number").text == "+4971510000002"
    assert get_agent(db, agents[0].id).status == "available"
    assert db.execute("SELECT result FROM dial_attempts WHERE agent_id = ?",
                      [agents[0].id]).fetchone() == ("no-answer",)
    assert db.execute("SELECT result FROM queue_entries").fetchone() == (None,)


def test_asking_for_a_caseworker_by_name_is_asking_for_a_person_not_an_appointment(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Ich möchte Frau Keller sprechen")
    said = caller.hears()
    assert "Mitarbeiter" in said and "Termin" not in said


def test_an_empty_message_is_said_once_and_can_be_left_again(app, db):
    # Twilio asks no action for an empty recording; it follows the <Redirect> after the
    # <Record>. Before, nothing followed: the line went quiet, no word, no callback.
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous", messages=(0, 12))
    caller.dial()
    caller.say("#0")
    caller.say("#2")
    caller.say("null eins sieben eins zwei drei vier fünf sechs sieben")
    caller.say("ja")
    said = caller.hears()
    assert said.index("[Aufnahme: nichts gesagt]") < said.index(
        "Ich habe leider keine Nachricht gehört.")
    assert "drücken Sie die Eins" in said and not caller.finished
    assert db.execute("SELECT count(*) FROM callbacks").fetchone()[0] == 0
    caller.say("#1")
    said = caller.hears()
    assert "[Aufnahme: Ihre Nachricht]" in said and "Vielen Dank für Ihre Nachricht" in said
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "0171234567"


def test_a_second_empty_message_ends_with_when_to_call_again(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="+491701234567", messages=(0, 0))
    caller.dial()
    caller.say("#0")
    caller.say("#2")
    assert "keine Nachricht gehört" in caller.hears()
    caller.say("noch einmal")
    said = caller.hears()
    assert "nach dem Signalton" in said  # "noch einmal" is another try, not a repeat
    assert "wieder keine Nachricht" in said and "Öffnungszeiten" in said and caller.finished
    assert db.execute("SELECT count(*) FROM callbacks").fetchone()[0] == 0
