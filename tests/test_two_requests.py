"""Two requests in one breath ("Ich brauche einen Termin, und wann kommt mein Geld?"): the
first said is taken up at once, the other offered when the first is done. The money
said with an appointment is also what the appointment is about.

Through the real webhooks (a call signed as Twilio signs, an SMS) with the demo customers:
123D456789, born 3 May 1980, is paid 563 Euro on 30 December. The clock stands at
Wednesday, 25 November 2026, 10:00 (conftest.NOW).
"""

import pytest
from written_people import Texter

import outbox
from conftest import NOW, Caller, with_demo_cases

SECOND = "Sie hatten noch eine zweite Frage: Es geht um Ihre Zahlung."
PAID = "Ihre nächste Zahlung von 563 Euro wird am 30. Dezember überwiesen."


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def booked_then_asked_on(say, hears) -> str:
    """Books the appointment asked for (about money, as said), declines what follows the
    booking (a name, an SMS, a reminder) and returns what is said when it is done."""
    say("Waiblingen")
    say("Donnerstag vormittags")
    say("ja")
    assert "gebucht" in hears()
    for _ in range(4):
        if SECOND in hears():
            break
        say("nein")
    return hears()


def test_by_phone_the_booking_first_then_the_money(app, db):
    caller = Caller(app)
    caller.dial()
    caller.say("Ich brauche einen Termin und wann kommt mein Geld?")
    said = caller.hears()
    assert "wegen Geldleistungen" in said and "In welcher Geschäftsstelle" in said
    assert "Worum geht es bei dem Termin?" not in said
    assert "für das Erste" not in said and "drücken Sie die Eins, für das Zweite" not in said

    said = booked_then_asked_on(caller.say, caller.hears)
    assert SECOND in said and "Möchten Sie das jetzt klären?" in said
    caller.say("ja")
    assert "Kundennummer" in caller.hears()
    caller.say("123 D 456 789")
    caller.say("ja")
    caller.say("dritter Mai neunzehnhundertachtzig")
    assert PAID in caller.hears()


def test_by_phone_no_to_the_second_request_asks_whether_there_is_anything_else(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Ich brauche einen Termin und wann kommt mein Geld?")
    booked_then_asked_on(caller.say, caller.hears)
    caller.say("nein")
    said = caller.hears()
    assert "Kann ich sonst noch etwas für Sie tun?" in said and "Kundennummer" not in said


def test_in_writing_the_money_after_the_booking(app):
    texter = Texter(app)
    answers = []

    def send(text):
        answers.append(texter.send(text))

    send("ich brauch nen termin und wann kommt mein geld")
    assert "Geldleistungen" in answers[-1] and "Worum geht es" not in answers[-1]
    assert "1 für das Erste" not in answers[-1]
    said = booked_then_asked_on(send, lambda: answers[-1])
    assert SECOND in said and "Sagen Sie" not in said
    send("ja")
    assert "Kundennummer" in answers[-1]
    send("123D456789")
    send("ja")
    send("03.05.1980")
    assert PAID in answers[-1]


def test_a_booking_about_money_is_one_request_not_two(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Ich brauche einen Termin, und zwar wegen Geld")
    assert "In welcher Geschäftsstelle" in caller.hears()


def _agent_on_duty(app) -> None:
    """Anna, logged in to the console and available, takes every topic at every site."""
    from test_routing_console import HASH

    from db import connect, transaction
    from routing.store import AVAILABLE, add_agent, set_status

    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        with transaction(db):
            made = add_agent(db, login="anna", name="Anna", password_hash=HASH,
                             topics=("allgemein", "geldleistungen"), languages=("de",),
                             sites=("waiblingen", "backnang", "schorndorf"),
                             reach_kind="client", reach_address="id-anna", now=NOW)
            set_status(db, made.id, AVAILABLE, now=NOW, reason="test")
    finally:
        db.conn.close()


def _current_call_on_annas_screen(app) -> dict:
    from test_routing_console import log_in

    console = app.test_client()
    assert log_in(console, "anna").status_code == 302
    return console.get("/agent/state.json").get_json()["current"]


def test_a_second_request_said_with_asking_for_a_person_is_on_the_agents_screen(app):
    _agent_on_duty(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Ich möchte mit einem Mitarbeiter sprechen und außerdem hab ich eine neue Adresse")
    assert "Ich verbinde Sie" in caller.hears()
    current = _current_call_on_annas_screen(app)
    assert current["intent"] == "Wunsch: Mitarbeiter"
    assert current["also_asked"] == "Änderung mitteilen"


def test_a_person_asked_for_about_money_shows_the_money_as_the_matter(app):
    _agent_on_duty(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Ich will mit einem Mitarbeiter reden, es geht um mein Geld")
    assert "Ich verbinde Sie" in caller.hears()
    current = _current_call_on_annas_screen(app)
    assert current["intent"] == "Zahlung / Geldeingang"
    assert current["topic"] == "Geldleistungen"
    assert current["also_asked"] == ""


def test_a_person_asked_for_about_money_and_a_new_address_shows_both(app):
    _agent_on_duty(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Mitarbeiter bitte, es geht um mein Geld, und außerdem hab ich eine neue Adresse")
    assert "Ich verbinde Sie" in caller.hears()
    current = _current_call_on_annas_screen(app)
    assert current["intent"] == "Zahlung / Geldeingang"
    assert current["also_asked"] == "Änderung mitteilen"


def test_a_person_asked_for_alone_shows_no_second_request(app):
    _agent_on_duty(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Ich möchte mit einem Mitarbeiter sprechen")
    assert "Ich verbinde Sie" in caller.hears()
    assert _current_call_on_annas_screen(app)["also_asked"] == ""


def test_the_money_asked_with_a_booking_that_ends_with_a_person_is_on_the_agents_screen(app):
    _agent_on_duty(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Ich brauche einen Termin und wann kommt mein Geld?")
    caller.say("Mitarbeiter bitte")
    assert "Ich verbinde Sie" in caller.hears()
    current = _current_call_on_annas_screen(app)
    assert current["also_asked"] == "Zahlung / Geldeingang"


def test_a_language_asked_for_with_a_request_takes_up_the_request_in_that_language(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Hello, do you speak English? I need an appointment in Backnang")
    said = caller.hears()
    assert "in Backnang" in said and "What is the appointment about?" in said
    assert "How can I help you?" not in said


def test_a_language_asked_for_alone_asks_what_the_caller_needs(app):
    caller = Caller(app)
    caller.dial()
    caller.say("English please")
    assert "How can I help you?" in caller.hears()


def test_yes_to_the_sms_with_a_new_question_sends_it_and_answers_the_question(app, db):
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("Mir wurde gekündigt, muss ich mich bei Ihnen melden?")
    assert "per SMS schicken?" in caller.hears()
    caller.say("ja und was muss ich mitbringen")
    said = caller.hears()
    assert said.startswith("Die Nummer schicke ich Ihnen per SMS.")
    assert "Ihren Ausweis" in said  # the question is answered, not dropped
    assert outbox.deliver_due(app) == 1
    (message,) = app.extensions["hotline.gateway"].messages
    assert "Agentur für Arbeit" in message["body"]
    # The words said with the yes were used in the turn, not kept in the call's state.
    (state,) = db.execute("SELECT state FROM calls").fetchone()
    assert "mitbringen" not in state


def test_yes_alone_to_the_sms_asks_whether_there_is_anything_else(app):
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("Wo ist das Jobcenter Backnang?")
    caller.say("ja gerne")
    assert caller.hears() == ("Die Adresse schicke ich Ihnen per SMS. Kann ich sonst noch "
                              "etwas für Sie tun? Sagen Sie bitte Ja oder Nein.")
