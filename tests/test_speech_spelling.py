"""Typing slips in written messages put right before they are understood
(speech/spelling.py), and real words left as they were written."""

import pytest

from speech import detect_crisis, recognise
from speech.spelling import respell


@pytest.mark.parametrize(("written", "meant"), [
    ("ich brauch einen termn beim jobcentr", "ich brauch einen termin beim jobcenter"),
    ("donnerstg früh", "donnerstag früh"),
    ("bacnang", "backnang"),
    ("temrin absagn", "termin absagen"),  # two letters swapped, one left out
    ("ich muss meinen termin verschiebn", "ich muss meinen termin verschieben"),
    ("mein bescheit ist falsch", "mein bescheid ist falsch"),
])
def test_a_slip_of_the_thumb_is_put_right(written, meant):
    assert respell(written, "de") == meant


def test_english_slips_are_put_right_in_english():
    assert respell("i need an apointment on wenesday", "en") == (
        "i need an appointment on wednesday")


@pytest.mark.parametrize("written", [
    "siehe anhang",  # not "ziehe"
    "das gas ist gesperrt und wir sitzen mit zwei kleinen kindern in der kälte",  # "keinen"
    "muss ich das erbe angeben",  # not "abgeben"
    "Sehr geehrte Damen und Herren",
    "ich möchte den stand meines antrags erfahren",  # another ending is no slip
    "ich will nicht mehr leben",
])
def test_real_words_stay_as_written(written):
    assert respell(written, "de") == written


def test_a_crisis_is_heard_as_before():
    written = "termn abgesagt ich will mich umbringen"
    assert detect_crisis(respell(written, "de"), "de") == detect_crisis(written, "de") \
        == "self_harm"


def test_the_slip_put_right_is_what_the_recogniser_understands():
    written = "termn beim jobcentr"
    assert recognise(written, "de").intent != "book_appointment"
    assert recognise(respell(written, "de"), "de").intent == "book_appointment"


def test_other_languages_are_left_to_their_own_readers():
    assert respell("randevu almak istiyorm", "tr") == "randevu almak istiyorm"
