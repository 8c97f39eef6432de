"""The same conversation in writing: booking, cancelling, moving, opening hours, status and
a crisis, by SMS and in the web chat, in German and English (issue 26).

Each test is what a person writes, and what they must read back: never a word meant for
the telephone ("drücken Sie", "Sagen Sie bitte Ja oder Nein"), dates and codes as people
write them. The clock stands at Wednesday, 25 November 2026, 10:00 (conftest.NOW); the
demo customer Erika Mustermann (123D456789, born 3 May 1980) has a
Weiterbewilligungsantrag with bank statements missing and 563 euros on 30 December.
"""

import re

import pytest
from written_people import VOICE_ONLY, Chatter, Texter, person, rows

import clock
from app import create_app
from conftest import NOW, TOKEN, with_demo_cases
from ivr import prompts

CHANNELS = ("sms", "chat")
LANGS = ("de", "en")

WORDS = {
    "de": {
        "book": ["Ich möchte einen Termin", "wegen Geld", "Backnang",
                 "nächsten Dienstag vormittags", "ja"],
        "booked": "Ihr Termin ist gebucht",
        "no": "nein", "yes": "ja",
        "cancel": "Ich möchte meinen Termin absagen", "cancelled": "abgesagt",
        "move": "Ich möchte meinen Termin verschieben",
        "move_when": "am 3. Dezember nachmittags", "moved": "verschoben",
        "hours": "Wann haben Sie geöffnet?", "open": "geöffnet",
        "status": "Wie ist der Stand meines Antrags?",
        "missing": "Es fehlt noch: Kontoauszüge der letzten drei Monate",
        "crisis": "Ich will nicht mehr leben",
        "ended": "Auf Wiedersehen",
    },
    "en": {
        "book": ["I would like to book an appointment", "money", "Backnang",
                 "next Tuesday morning", "yes"],
        "booked": "Your appointment is booked",
        "no": "no", "yes": "yes",
        "cancel": "I want to cancel my appointment", "cancelled": "cancelled",
        "move": "I need to reschedule my appointment",
        "move_when": "on 3 December in the afternoon", "moved": "moved",
        "hours": "When are you open?", "open": "open",
        "status": "What is the status of my application?",
        "missing": "Kontoauszüge der letzten drei Monate",  # as the case file names them
        "crisis": "I want to kill myself",
        "ended": "Goodbye",
    },
}


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def written_properly(answers: list[str]) -> None:
    """Nothing meant for the ear only in what was written."""
    for said in answers:
        for word in VOICE_ONLY:
            assert word not in said, f"{word!r} in {said!r}"


def book(someone, lang: str) -> str:
    """Book by writing; the booking code, as written to the person."""
    words = WORDS[lang]
    said = ""
    for line in words["book"]:
        said = someone.send(line)
    assert words["booked"] in said
    assert re.search(r"\b\d{6}\b", said), said  # the code, written as six digits
    assert "/appointments/" in said and ".ics" in said  # a link for the calendar
    # ... on a line of its own end: the question after it is not part of the address
    assert re.search(r"/appointments/\S+\.ics\n", said), said
    code = re.search(r"\b(\d{6})\b", said).group(1)
    for _ in range(5):  # the questions after a booking (name, reminder, anything else)
        said = someone.send(words["no"])
        if words["ended"] in said:
            break
    assert words["ended"] in said
    return code


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.both_engines
def test_booking_in_writing(app, channel, lang):
    someone = person(channel, app, lang)
    code = book(someone, lang)
    assert rows(app, "SELECT status FROM bookings WHERE code = ?", code) == [("booked",)]
    written_properly(someone.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_cancelling_in_writing(app, channel, lang):
    words = WORDS[lang]
    someone = person(channel, app, lang)
    code = book(someone, lang)
    someone.send(words["cancel"])
    said = someone.send(code)
    assert "?" in said
    said = someone.send(words["yes"])
    assert words["cancelled"] in said
    assert rows(app, "SELECT status FROM bookings WHERE code = ?", code) == [("cancelled",)]
    written_properly(someone.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_moving_in_writing(app, channel, lang):
    words = WORDS[lang]
    someone = person(channel, app, lang)
    code = book(someone, lang)
    someone.send(words["move"])
    someone.send(code)
    someone.send(words["yes"])
    someone.send(words["move_when"])
    said = someone.send(words["yes"])
    assert words["moved"] in said
    (start,) = rows(app, "SELECT start_utc FROM bookings WHERE code = ?"
                    " AND status = 'booked'", code)
    assert start[0] >= "2026-12-03T11"  # Thursday 3 December, afternoon (UTC)
    written_properly(someone.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_opening_hours_in_writing(app, channel, lang):
    someone = person(channel, app, lang)
    said = someone.send(WORDS[lang]["hours"])
    assert WORDS[lang]["open"] in said
    assert re.search(r"\b\d{1,2}(:\d\d)?\b", said), said  # hours written as numbers
    written_properly(someone.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.both_engines
def test_status_in_writing_after_the_identity_check(app, channel, lang):
    words = WORDS[lang]
    someone = person(channel, app, lang)
    said = someone.send(words["status"])
    assert "Kundennummer" in said or "customer number" in said
    said = someone.send("123D456789")
    if "?" in said and "789" in said:  # asked to confirm the number
        said = someone.send(words["yes"])
    assert "03.05.1980" not in " ".join(someone.answers)
    said = someone.send("03.05.1980")
    assert words["missing"] in said
    # The state only, never amounts or names; the customer number never written back.
    everything = " ".join(someone.answers)
    for secret in ("563", "Mustermann", "Erika", "123D456789", "1980"):
        assert secret not in everything
    written_properly(someone.answers)


# A first message in crisis, written in a language the person has not chosen on a page:
# the help must come in the language they wrote, with the conversation going on in it.
CRISIS_FIRST = {
    "en": "I want to kill myself",
    "tr": "Artık yaşamak istemiyorum",
    "uk": "Я не хочу більше жити",
    "ru": "Я больше не хочу жить",
    "ar": "أريد أن أموت",
}


@pytest.fixture
def every_language(database_target):
    """The hotline offering all its languages, as an office with many newcomers sets it."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": database_target,
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_LANGUAGES": ["de", "en", "tr", "uk", "ru", "ar"],
        "HOTLINE_VALIDATE_SIGNATURES": True})
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.mark.parametrize("lang", sorted(CRISIS_FIRST))
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_crisis_written_first_in_another_language_is_answered_in_that_language(
        every_language, channel, lang):
    app = every_language
    someone = Texter(app) if channel == "sms" else Chatter(app, "")
    said = someone.send(CRISIS_FIRST[lang])
    assert prompts.written(lang, "crisis_self_harm") in said
    assert prompts.written("de", "crisis_self_harm") not in said
    written_properly(someone.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.both_engines
def test_a_crisis_gets_the_crisis_numbers_at_once(app, channel, lang):
    someone = person(channel, app, lang)
    said = someone.send(WORDS[lang]["crisis"])
    assert "0800 111 0 111" in said
    written_properly(someone.answers)
