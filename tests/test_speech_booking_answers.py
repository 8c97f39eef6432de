"""What callers answer to a booking's questions besides yes and no: an offer refused in a
longer sentence, the appointment given up with another request, a question of their own."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from speech.understanding import Understanding

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def understood(text, lang="de"):
    return Understanding(text, lang, NOW)


@pytest.mark.parametrize("text, lang, refuses", [
    ("Oh dear, I'm afraid I can't make that", "en", True),
    ("I am sorry but that time does not suit me at all", "en", True),
    ("Ach je, das passt mir leider gar nicht, da bin ich beim Arzt", "de", True),
    ("Ja, das passt gut", "de", False),
    ("yes, that suits me fine", "en", False),
])
def test_an_offer_refused_anywhere_in_a_sentence(text, lang, refuses):
    assert understood(text, lang).refuses is refuses


@pytest.mark.parametrize("text, lang, rest", [
    ("Ach, vergessen Sie den Termin. Wo bleibt mein Geld?", "de", "Ach, . Wo bleibt mein Geld"),
    ("Lassen wir das mit dem Termin", "de", ""),
    ("forget the appointment, when are you open?", "en", "when are you open"),
    ("Ich brauche einen Termin am Freitag", "de", None),
])
def test_the_appointment_given_up_and_what_else_was_said(text, lang, rest):
    assert understood(text, lang).without_booking == rest


@pytest.mark.parametrize("text, asks", [
    ("eigentlich will ich nur wissen, wann mein Geld kommt", True),
    ("actually, when does my money come?", True),
    ("wegen Geld", False),
    ("Arbeitssuche, aber lieber vormittags", False),
])
def test_a_question_of_the_callers_own(text, asks):
    assert understood(text, "en" if text.startswith("actually") else "de").asks is asks


@pytest.mark.parametrize("text", [
    "au net", "auch nicht", "Nein! Das geht auch nicht, Herrgott nochmal!"])
def test_a_second_refusal_is_a_no_and_an_oath_is_no_request_to_repeat(text):
    said = understood(text)
    assert said.answer == "no"
    assert said.command is None


def test_work_that_does_not_work_is_no_job_search():
    assert understood("that doesn't work either", "en").topic is None
    assert understood("ob mein Antrag bearbeitet ist").topic != "arbeitsvermittlung"
    assert understood("I am looking for work", "en").topic == "arbeitsvermittlung"


@pytest.mark.parametrize("text, lang, asks", [
    ("Ich hab meinen Termin vergessen, wann war der nochmal?", "de", True),
    ("Wann ist mein Termin?", "de", True),
    ("Um wie viel Uhr hab ich den Termin morgen?", "de", True),
    ("When is my appointment?", "en", True),
    ("Wann ist der nächste freie Termin?", "de", False),
    ("Wann kann ich einen neuen Termin bekommen?", "de", False),
    ("Wann haben Sie heute offen?", "de", False),
])
def test_when_the_callers_own_appointment_is(text, lang, asks):
    assert understood(text, lang).asks_when_booked is asks


@pytest.mark.parametrize("text, lang, asks", [
    ("Bin ich hier richtig beim Arbeitsamt?", "de", True),
    ("Hallo, ist das hier das Jobcenter?", "de", True),
    ("Is this the job centre?", "en", True),
    ("Ich bin hier richtig verzweifelt", "de", False),
    ("Ist das Jobcenter heute offen?", "de", False),
])
def test_whether_this_is_the_office_the_caller_meant(text, lang, asks):
    assert understood(text, lang).asks_right_place is asks


@pytest.mark.parametrize("text, intent", [
    ("Merhaba, ich brauche Termin, mein Deutsch nicht so gut", "book_appointment"),
    ("Ich spreche nicht so gut Deutsch, ich muss meinen Termin absagen", "cancel_appointment"),
])
def test_an_apology_for_ones_german_is_no_cancelling(text, intent):
    import speech

    assert Understanding(text, "de", NOW, recognise=speech.recognise).recognition.intent == intent
