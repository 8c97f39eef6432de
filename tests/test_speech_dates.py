"""Which day a caller means: dates gone by, next year's dates, named holidays, and a
date said together with its weekday."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from speech import extract_entities
from speech.wishes import appointment_wish

BERLIN = ZoneInfo("Europe/Berlin")


def day_meant(text, when, lang="de"):
    return extract_entities(text, lang, datetime.fromisoformat(when).replace(tzinfo=BERLIN)
                            ).get("date")


@pytest.mark.parametrize("said, when, meant", [
    ("am 30. November", "2026-12-01 10:00", "2026-11-30"),  # yesterday, not next year
    ("am dritten Dezember", "2026-12-10 10:00", "2026-12-03"),  # a week ago
    ("am 28. Dezember", "2027-01-05 10:00", "2026-12-28"),  # across the turn of the year
    ("on the 30th of November", "2026-12-01 10:00", "2026-11-30"),
    ("am 5. Januar", "2026-12-10 10:00", "2027-01-05"),  # far back in the year: next year's
    ("am zweiten April", "2026-11-25 10:00", "2027-04-02"),
    ("am 3.12.", "2026-11-25 10:00", "2026-12-03"),  # ahead this year
])
def test_a_date_a_few_weeks_back_is_past_and_one_far_back_is_next_years(said, when, meant):
    assert day_meant(said, when, "en" if said.startswith("on") else "de") == meant


def test_a_date_said_with_its_weekday_is_that_date_not_the_next_such_weekday():
    said = "Ich hatte doch am Montag, den 7. Dezember, einen Termin ausmachen wollen"
    assert day_meant(said, "2026-12-10 10:00") == "2026-12-07"


@pytest.mark.parametrize("said, when, meant", [
    ("an Heiligabend", "2026-12-21 10:00", "2026-12-24"),
    ("am Heiligen Abend", "2026-12-21 10:00", "2026-12-24"),
    ("am ersten Weihnachtstag", "2026-12-21 10:00", "2026-12-25"),
    ("am zweiten Weihnachtsfeiertag", "2026-12-21 10:00", "2026-12-26"),
    ("an Silvester", "2026-12-28 10:00", "2026-12-31"),
    ("an Neujahr", "2026-12-28 10:00", "2027-01-01"),
    ("an Heilige Drei Könige", "2026-12-28 10:00", "2027-01-06"),
    ("am Karfreitag", "2027-03-22 10:00", "2027-03-26"),  # Easter 2027 is 28 March
    ("am Ostermontag", "2026-12-01 10:00", "2027-03-29"),
    ("an Fronleichnam", "2027-03-22 10:00", "2027-05-27"),
    ("Heiligabend", "2026-12-28 10:00", "2026-12-24"),  # four days ago: gone by
])
def test_holidays_named_by_callers_are_dates(said, when, meant):
    assert day_meant(said, when) == meant


@pytest.mark.parametrize("said, meant", [
    ("on Christmas Eve", "2026-12-24"),
    ("on Christmas Day", "2026-12-25"),
    ("on Boxing Day", "2026-12-26"),
    ("on New Year's Eve", "2026-12-31"),
    ("on Good Friday", "2027-03-26"),
])
def test_english_holidays_are_dates(said, meant):
    assert day_meant(said, "2026-12-21 10:00", "en") == meant


def test_a_stretch_around_a_holiday_is_not_the_holiday():
    assert day_meant("irgendwann vor Weihnachten", "2026-12-01 10:00") is None
    assert day_meant("after Easter", "2026-12-01 10:00", "en") is None


def test_christmas_money_is_no_date():
    assert day_meant("wann kommt das Weihnachtsgeld", "2026-12-01 10:00") is None


def test_a_booking_wish_for_a_day_gone_by_keeps_that_day():
    now = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
    assert appointment_wish("am 30. November vormittags", "de", now) == {
        "on": "2026-11-30", "part_of_day": "morning"}


@pytest.mark.parametrize("said, lang, meant, other", [
    ("am Montag, den 14.", "de", "2026-12-14", None),  # 11 Dec is a Friday
    ("Montag, der vierzehnte", "de", "2026-12-14", None),
    ("on Monday the 14th", "en", "2026-12-14", None),
    ("am Dienstag, den 14.", "de", "2026-12-14", "2026-12-15"),  # which of the two?
    ("am Mittwoch, dem vierzehnten", "de", "2026-12-14", "2026-12-16"),
    ("Dienstag, 14. Dezember", "de", "2026-12-14", "2026-12-15"),
    ("on Tuesday the 14th", "en", "2026-12-14", "2026-12-15"),
    ("am Dienstag", "de", "2026-12-15", None),  # a weekday alone is just that
])
def test_a_weekday_with_a_day_of_the_month_is_that_date_or_a_question(said, lang, meant, other):
    found = extract_entities(said, lang, datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN))
    assert (found.get("date"), found.get("date_or")) == (meant, other)
