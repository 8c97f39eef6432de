"""A person takes a written conversation over from the console: sees what was written,
answers in writing (SMS through the outbox, or in the web chat), calls back or hands it
back to the assistant. A crisis written while waiting gets the numbers at once.

The clock stands at Wednesday, 25 November 2026, 10:00: the hotline is staffed.
"""

import re
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash
from written_people import Chatter, Texter, rows

import clock
from conftest import NOW
from db import connect, transaction
from routing import store as routing_store

PASSWORD = "richtig-geheim-42"


def logged_in(app, login: str, role: str = "agent"):
    database = connect(app.config["HOTLINE_DATABASE"])
    with transaction(database):
        routing_store.add_agent(database, login=login, name=login.title(), role=role,
                                password_hash=generate_password_hash(PASSWORD),
                                topics=("geldleistungen", "allgemein"), languages=("de",),
                                sites=("waiblingen",), reach_kind="client", reach_address=login,
                                now=NOW)
    database.conn.close()
    client = app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    client.post("/agent/login", data={"login": login, "password": PASSWORD,
                                      "csrf_token": token_of(page)})
    return client


@pytest.fixture
def agent(app):
    """Anna, logged in to the console."""
    return logged_in(app, "anna")


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, url, **data):
    page = client.get("/agent/").get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": token_of(page)})


def conversation_id(app) -> int:
    return rows(app, "SELECT id FROM written_conversations ORDER BY id DESC")[0][0]


def test_an_agent_takes_over_an_sms_conversation_and_answers_by_sms(app, agent):
    texter = Texter(app)
    said = texter.send("Ich möchte mit einem Mitarbeiter sprechen")
    assert "Sie bekommen hier eine Antwort" in said
    listing = agent.get("/agent/written/").get_data(as_text=True)
    assert "SMS" in listing and "Übernehmen" in listing
    assert texter.number not in listing  # no number before it is taken
    id_ = conversation_id(app)
    assert post(agent, f"/agent/written/{id_}/take").status_code == 302

    # The person writes on while waiting: nobody but the agent answers.
    assert texter.send("Es geht um meinen Bescheid") == ""
    page = agent.get(f"/agent/written/{id_}").get_data(as_text=True)
    assert "Es geht um meinen Bescheid" in page and "Ich möchte mit einem Mitarbeiter" in page

    post(agent, f"/agent/written/{id_}/answer", text="Guten Tag, hier ist Frau Keller.")
    assert rows(app, "SELECT to_number, body FROM outbox WHERE purpose = 'written_agent'") == [
        (texter.number, "Guten Tag, hier ist Frau Keller.")]

    # Rather a call: a callback for the sender's number.
    post(agent, f"/agent/written/{id_}/callback")
    assert rows(app, "SELECT phone FROM callbacks") == [(texter.number,)]

    # Handed back: the assistant answers again.
    post(agent, f"/agent/written/{id_}/give-back")
    assert "geöffnet" in texter.send("Wann haben Sie geöffnet?")


def test_an_agent_answers_in_the_web_chat(app, agent):
    chatter = Chatter(app)
    assert "Sie bekommen hier eine Antwort" in chatter.send("Mitarbeiter bitte")
    id_ = conversation_id(app)
    post(agent, f"/agent/written/{id_}/take")
    post(agent, f"/agent/written/{id_}/answer", text="Hallo, wie kann ich helfen?")
    new = chatter.client.get("/chat/messages?after=0").get_json()
    assert new["waiting"] is True
    assert [m["text"] for m in new["messages"] if m["from"] == "agent"] == [
        "Hallo, wie kann ich helfen?"]
    # Another agent may not read or answer it.
    assert agent.get(f"/agent/written/{id_ + 1}").status_code == 404


def test_a_callback_asked_for_in_writing_with_a_number_is_a_callback_to_that_number(app):
    texter = Texter(app)
    said = texter.send("bitte um rückruf tel 0171 2345678")
    assert "Die Nummer ist: 0171 234 56 78. Stimmt das?" in said
    assert "Sie bekommen hier eine Antwort" not in said  # no person to answer in writing
    assert "Wann dürfen wir Sie anrufen" in texter.send("ja")
    assert "Wir rufen Sie am nächsten Vormittag zurück" in texter.send("vormittags")
    assert rows(app, "SELECT phone, confirmed_by FROM callbacks") == [("01712345678", "spoken")]
    assert rows(app, "SELECT handover FROM written_conversations") == [(None,)]


def test_a_callback_asked_for_in_writing_without_a_number_offers_the_senders(app):
    texter = Texter(app)
    said = texter.send("Können Sie mich bitte zurückrufen?")
    assert "von der Sie schreiben? Sie endet auf 567." in said
    texter.send("ja")
    texter.send("egal")
    assert rows(app, "SELECT phone, confirmed_by FROM callbacks") == [
        (texter.number, "caller_id")]


def test_a_callback_asked_for_in_the_web_chat_asks_for_the_number(app):
    chatter = Chatter(app)
    assert "Bitte schreiben Sie die Telefonnummer" in chatter.send("Rückruf bitte")
    assert "Die Nummer ist: 07151 123 45 67. Stimmt das?" in chatter.send("07151 1234567")
    chatter.send("ja")
    assert "Wir rufen Sie am nächsten Nachmittag zurück" in chatter.send("nachmittags")
    assert rows(app, "SELECT phone FROM callbacks") == [("071511234567",)]


def test_a_crisis_while_waiting_gets_the_numbers_at_once(app, agent):
    texter = Texter(app)
    texter.send("Mitarbeiter")
    said = texter.send("ich will nicht mehr leben")
    assert "0800 111 0 111" in said
    assert rows(app, "SELECT emergency FROM written_conversations") == [(1,)]
    assert "Notfall" in agent.get("/agent/written/").get_data(as_text=True)


def saturday(app):
    clock.install(app, clock.Clock.at(NOW + timedelta(days=3)))  # nobody reachable


def monday(app):
    clock.install(app, clock.Clock.at(NOW + timedelta(days=5)))


def leave_a_message(someone):
    """Out of hours: "2" for a message; returns how to write it."""
    someone.send("Ich möchte mit einem Mitarbeiter sprechen")
    assert "Bitte schreiben Sie uns Ihre Nachricht" in someone.send("2")
    return someone.send


def listed_rows(app) -> list[str]:
    """The console's list of written conversations, one string per row, in its order, as
    an agent logged in on Monday morning sees it."""
    monday(app)
    page = logged_in(app, "montag").get("/agent/written/").get_data(as_text=True)
    return page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


@pytest.mark.parametrize("channel", ["sms", "chat"])
def test_a_crisis_in_the_message_left_gets_the_numbers_at_once_and_goes_first(
        app, channel):
    saturday(app)
    leave_a_message(Texter(app, "+491705550101"))("Bitte rufen Sie mich wegen des Bescheids an.")
    someone = Texter(app) if channel == "sms" else Chatter(app)
    send = leave_a_message(someone)
    said = send("Mein Bescheid ist falsch und ich kann nicht mehr, ich will nicht mehr leben.")
    assert "Telefonseelsorge" in said and "0800 111 0 111" in said
    assert "Vielen Dank für Ihre Nachricht" not in said  # help, not an acknowledgement
    first, second = listed_rows(app)
    assert "Krise: Selbstgefährdung" in first and "Notfall" in first
    assert "Krise" not in second and "Sorge" not in second


def test_a_crisis_at_the_end_of_a_long_chat_message_is_not_missed(app):
    saturday(app)
    send = leave_a_message(Chatter(app))
    letter = ("Ich habe im Oktober meinen Weiterbewilligungsantrag abgegeben und seitdem "
              "nichts mehr gehört, obwohl ich alle Unterlagen eingereicht habe. ") * 5
    assert len(letter) > 500  # longer than a spoken turn is ever read
    said = send(letter + "Ehrlich gesagt will ich nicht mehr leben.")
    assert "0800 111 0 111" in said
    assert rows(app, "SELECT emergency, concern FROM written_conversations") == [
        (1, "self_harm")]


def test_words_of_worry_in_a_message_mark_it_and_put_it_before_ordinary_ones(app):
    saturday(app)
    leave_a_message(Texter(app, "+491705550101"))("Bitte rufen Sie mich wegen des Bescheids an.")
    send = leave_a_message(Texter(app))
    said = send("Ich habe solche Angst, wie es weitergehen soll. Bitte rufen Sie mich an.")
    assert "Vielen Dank für Ihre Nachricht" in said  # no crisis: acknowledged as any other
    first, second = listed_rows(app)
    assert "Sorge: bitte nachfragen" in first and "Notfall" not in first
    assert "Sorge" not in second


def test_the_console_needs_a_login_and_its_posts_a_csrf_token(app, agent):
    Texter(app).send("Mitarbeiter")
    id_ = conversation_id(app)
    assert app.test_client().get("/agent/written/").status_code == 302  # to the login
    assert agent.post(f"/agent/written/{id_}/take").status_code == 400  # no token
    assert rows(app, "SELECT handover FROM written_conversations") == [("waiting",)]


def test_supervisors_see_conversations_containment_and_handovers_per_channel(app, agent):
    Texter(app, "+491701111111").send("Wann haben Sie geöffnet?")  # answered
    Texter(app, "+491702222222").send("Mitarbeiter")  # handed over
    Chatter(app).send("Wann haben Sie geöffnet?")
    supervisor = logged_in(app, "leitung", role="supervisor")
    channels = {row["channel"]: row for row in
                supervisor.get("/supervisor/figures.json?period=today").get_json()["channels"]}
    assert {k: (v["conversations"], v["contained"], v["handovers"])
            for k, v in channels.items()} == {"voice": (0, 0, 0), "sms": (2, 1, 1),
                                               "chat": (1, 1, 0)}
    assert channels["sms"]["label"] == "SMS" and channels["chat"]["containment_rate"] == 1.0


def test_the_console_shows_since_when_a_conversation_waits_in_berlin_time(app, agent):
    Texter(app).send("Ich möchte mit einem Mitarbeiter sprechen")
    listing = agent.get("/agent/written/").get_data(as_text=True)
    assert "<td>10:00</td>" in listing  # the clock's 10:00 in Waiblingen
    assert "UTC" not in listing
