"""When callers want their appointment, as the booking dialogue reads it from their words."""

from datetime import datetime

import pytest

from speech.wishes import appointment_wish

NOW = datetime(2026, 11, 25, 10, 0)  # a Wednesday


@pytest.mark.parametrize("said, wish", [
    ("nächsten Dienstag vormittags", {"on": "2026-12-01", "part_of_day": "morning"}),
    ("so bald wie möglich", {"asap": True}),
    ("egal, Hauptsache bald", {"asap": True}),
    ("nächste Woche", {"earliest": "2026-11-30", "latest": "2026-12-06"}),
    ("nächste Woche Dienstag nachmittags", {"on": "2026-12-01", "part_of_day": "afternoon"}),
    ("nicht am Montag", {"not_weekdays": [0]}),
    ("außer montags", {"not_weekdays": [0]}),
    ("nicht am Montag, lieber Dienstag", {"not_weekdays": [0], "on": "2026-12-01"}),
    ("am dritten Dezember um halb zehn", {"on": "2026-12-03", "time": "09:30"}),
    ("am fünfundzwanzigsten Dezember", {"on": "2026-12-25"}),
    ("gestern", {"on": "2026-11-24"}),
    ("ja", {}),
])
def test_german_wishes(said, wish):
    assert appointment_wish(said, "de", NOW) == wish


@pytest.mark.parametrize("said, wish", [
    ("as soon as possible", {"asap": True}),
    ("not on monday", {"not_weekdays": [0]}),
    ("next week", {"earliest": "2026-11-30", "latest": "2026-12-06"}),
])
def test_english_wishes(said, wish):
    assert appointment_wish(said, "en", NOW) == wish


def test_bad_input_is_no_wish():
    for said in ["", "   ", "\x00\x01", "🙂" * 1000, "x" * 100_000]:
        assert isinstance(appointment_wish(said, "de", NOW), dict)


@pytest.mark.parametrize("said, lang, wish", [
    ("am Freitag, aber bitte nicht so früh", "de", {"on": "2026-11-27", "later": True}),
    ("geht es auch etwas später?", "de", {"later": True}),
    ("not that early", "en", {"later": True}),
    ("no, that's too early for me", "en", {"later": True}),
    ("das ist mir zu früh", "de", {"later": True}),
    ("do you have something later?", "en", {"later": True}),
    ("morgen früh", "de", {"on": "2026-11-26", "part_of_day": "morning"}),  # no "later"
    ("vormittags kann ich nicht", "de", {"part_of_day": "afternoon"}),
    ("nachmittags, nicht vormittags", "de", {"part_of_day": "afternoon"}),
    ("nicht am Nachmittag", "de", {"part_of_day": "morning"}),
    ("no, I can't do mornings", "en", {"part_of_day": "afternoon"}),
    ("afternoons don't work for me", "en", {"part_of_day": "morning"}),
    ("mornings are good", "en", {"part_of_day": "morning"}),
])
def test_later_and_a_part_of_the_day_ruled_out(said, lang, wish):
    assert appointment_wish(said, lang, NOW) == wish


@pytest.mark.parametrize("said, lang, wish", [
    # Swabian days and times, and a day and its part in one word.
    ("am Donnerschdag om halb elfe", "de", {"on": "2026-11-26", "time": "10:30"}),
    ("Freidag om neune", "de", {"on": "2026-11-27", "time": "09:00"}),
    ("ich meinte Donnerstagnachmittag", "de", {"on": "2026-11-26", "part_of_day": "afternoon"}),
    ("Montagmorgen", "de", {"on": "2026-11-30", "part_of_day": "morning"}),
    # A time with "later" is the time meant; "frühestens" is no morning.
    ("nee, später, so gegen elf", "de", {"time": "11:00", "later": True}),
    ("das ist zu früh, frühestens um zwei", "de", {"after": "14:00"}),
    ("not before 11 am", "en", {"after": "11:00"}),
    ("no earlier than 2 pm", "en", {"after": "14:00"}),
])
def test_swabian_days_and_times_said_with_a_refusal(said, lang, wish):
    assert appointment_wish(said, lang, NOW) == wish


@pytest.mark.parametrize("said, lang, wish", [
    # The day named first, then ruled out: no wish for that day.
    ("Montag kann ich nicht", "de", {"not_weekdays": [0]}),
    ("nächste Woche, aber montags hab ich keine Zeit", "de",
     {"not_weekdays": [0], "earliest": "2026-11-30", "latest": "2026-12-06"}),
    ("am Mendig gohd's bei mir net", "de", {"not_weekdays": [0]}),
    ("Ach nee, Freitag passt mir doch nicht", "de", {"not_weekdays": [4]}),
    ("Monday doesn't work for me", "en", {"not_weekdays": [0]}),
    ("I can't do Fridays", "en", {"not_weekdays": [4]}),
    ("Monday is really bad for me", "en", {"not_weekdays": [0]}),
    ("Montag kann ich nicht, aber am fünfzehnten um halb zwölf", "de",
     {"not_weekdays": [0], "on": "2026-12-15", "time": "11:30"}),
    ("Montag kann ich nicht, lieber Dienstag um zwölf", "de",
     {"not_weekdays": [0], "on": "2026-12-01", "time": "12:00"}),
    # ... and the same words where the day is wished.
    ("Montag ist nicht schlecht", "de", {"on": "2026-11-30"}),
    ("Montag, wenn es nicht zu früh ist", "de", {"on": "2026-11-30", "later": True}),
    ("Montag geht gut", "de", {"on": "2026-11-30"}),
    ("Monday is good", "en", {"on": "2026-11-30"}),
    ("Monday works for me", "en", {"on": "2026-11-30"}),
    ("nägschde Woch", "de", {"earliest": "2026-11-30", "latest": "2026-12-06"}),
])
def test_a_day_ruled_out_after_it_is_named(said, lang, wish):
    assert appointment_wish(said, lang, NOW) == wish
