"""The written conversation as people who have never seen it write to it: what went
wrong when we tried SMS and the web chat as strangers (try 26), each a test.

A first message in English is answered in English, a date of birth is never kept
whatever step it was written at, and nothing written is meant for the ear.
"""

import html
import re
from datetime import timedelta

import pytest
from written_people import Chatter, Texter, rows

import clock
import outbox
from app import create_app
from conftest import NOW, TOKEN, with_demo_cases

ALL = ["de", "en", "uk", "ru", "tr", "ar", "de-simple"]


@pytest.fixture
def app(database_target):
    """The hotline in every language it has, with the demo customers' cases."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE": database_target,
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_LANGUAGES": ALL, "HOTLINE_VALIDATE_SIGNATURES": True})
    clock.install(app, clock.Clock.at(NOW))
    return with_demo_cases(app)


@pytest.mark.parametrize("first", ["I need an appointment", "Hi, I need an appointment"])
def test_a_first_message_in_english_is_answered_in_english(app, first):
    said = Texter(app).send(first)
    assert "Guten Tag" not in said
    assert "appointment" in said


def test_a_german_word_other_languages_know_too_keeps_german(app):
    said = Texter(app).send("Termin Termin")
    assert "Termin" in said and "Randevu" not in said


def test_a_first_message_in_ukrainian_is_answered_in_ukrainian(app):
    said = Texter(app).send("Добрий день, мені потрібна зустріч")
    assert "Guten Tag" not in said
    assert "прийом" in said  # "Йдеться про новий запис на прийом?"


def test_the_date_of_birth_written_instead_of_confirming_the_number_is_taken(app):
    texter = Texter(app)
    texter.send("Wie ist der Stand meines Antrags?")
    assert "Stimmt das?" in texter.send("123D456789")
    said = texter.send("03.05.1980")  # a writer sees the number and goes on
    assert "Es fehlt noch" in said
    assert "1980" not in " ".join(t for (t,) in rows(app, "SELECT text FROM written_messages"))


def test_no_date_of_birth_is_kept_after_the_identity_check_locked_out(app):
    texter = Texter(app, "+491701110001")
    texter.send("Wie ist der Stand meines Antrags?")
    texter.send("123D456789")
    texter.send("ja")
    for wrong in ("01.01.1970", "02.02.1971", "03.03.1972"):
        texter.send(wrong)
    said = texter.send("03.05.1980")  # the right one, too late
    assert "Es fehlt noch" not in said
    texts = " ".join(t for (t,) in rows(app, "SELECT text FROM written_messages"))
    assert not any(year in texts for year in ("1970", "1971", "1972", "1980"))
    outbox.deliver_due(app)
    redacted = app.extensions["hotline.gateway"].redacted_sms
    assert f"SM{texter.sent:032x}" in redacted  # the last one, written after the lockout


@pytest.mark.parametrize(("lang", "asked", "written"), [
    ("de", "Wann haben Sie geöffnet?", "In Backnang vormittags bis 12:30 Uhr"),
    ("en", "When are you open?", "In Backnang in the morning until 12:30"),
])
def test_opening_hours_that_differ_are_written_in_figures(app, lang, asked, written):
    said = Chatter(app, lang).send(asked)
    assert written in said
    assert "halb" not in said and " pm" not in said


def test_an_empty_sms_is_called_empty_not_unheard(app):
    texter = Texter(app)
    texter.send("Ich möchte einen Termin")
    said = texter.send("")  # a picture only, or a slip of the thumb
    assert "leer" in said and "gehört" not in said


def test_the_chat_links_what_the_hotline_names_never_what_a_person_wrote(app):
    chatter = Chatter(app)
    chatter.send("Welche Online-Dienste gibt es?")
    chatter.send("https://example.org/phish")
    page = chatter.client.get("/chat").get_data(as_text=True)
    assert '<a href="https://jobcenter.digital"' in page
    assert 'href="https://example.org' not in page
    assert "https://example.org/phish" in page  # shown as the text it was


def test_the_chat_names_its_languages_in_themselves(app):
    page = Chatter(app).page
    assert ">Українська</a>" in page and ">Türkçe</a>" in page
    assert ">uk</a>" not in page  # "uk" reads as the United Kingdom


def test_a_chat_left_open_too_long_says_so_in_the_person_s_language(app):
    chatter = Chatter(app, "en")
    chatter.client.delete_cookie("hotline_chat", path="/chat")  # the cookie ran out
    action = re.search(r'<form id="send" method="post" action="([^"]+)"', chatter.page)[1]
    refused = chatter.client.post(html.unescape(action), json={"text": "I need an appointment"},
                                  headers={"X-CSRF-Token": chatter.token})
    assert refused.status_code == 403
    assert "reload the page" in refused.get_json()["error"]
    # Without script: the page again, with the sentence, not a bare "Forbidden".
    form = chatter.client.post("/chat/messages", data={"text": "Termin", "csrf_token": "x"},
                               follow_redirects=True)
    assert form.status_code == 200
    assert "Bitte laden Sie die Seite neu" in form.get_data(as_text=True)


def test_a_chat_message_too_long_is_refused_in_the_person_s_language(app):
    chatter = Chatter(app)
    refused = chatter.post("x" * 1001)
    assert refused.status_code == 413
    assert refused.get_json()["error"] == (
        "Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens 1000 Zeichen.")


def test_a_message_left_for_the_job_centre_is_acknowledged(app):
    clock.install(app, clock.Clock.at(NOW + timedelta(days=3)))  # Saturday: closed
    texter = Texter(app)
    texter.send("Ich möchte mit einem Mitarbeiter sprechen")
    said = texter.send("2")  # leave a message
    assert "Bitte schreiben Sie uns Ihre Nachricht" in said
    said = texter.send("Ich bin Max Mustermann, mein Bescheid stimmt nicht.")
    assert "Vielen Dank für Ihre Nachricht" in said
    assert texter.send("Bitte rufen Sie mich an.") == ""  # once: the rest is for a person


@pytest.mark.parametrize("channel", ["sms", "chat"])
def test_a_crisis_written_while_nobody_is_reachable_waits_for_a_person(app, channel):
    clock.install(app, clock.Clock.at(NOW + timedelta(days=3)))  # Saturday: closed
    someone = Texter(app) if channel == "sms" else Chatter(app)
    said = someone.send("ich kann nicht mehr, ich will nicht mehr leben")
    assert said.count("0800 111 0 111") == 1  # the numbers once, not twice in a row
    assert "noch einmal schreiben" not in said and "Auf Wiedersehen" not in said
    assert "antwortet Ihnen hier als Erstes" in said
    assert rows(app, "SELECT handover, emergency, ended_at FROM written_conversations") == [
        ("waiting", 1, None)]
    # Whatever they write next is for that person, never the greeting of a new chat.
    assert "Guten Tag" not in someone.send("danke")
