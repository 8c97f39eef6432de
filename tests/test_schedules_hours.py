"""What callers hear: opening hours of a day and of the week, holidays and closures, at one
site or all; dates, times and codes. Facts from schedules.hours, words from conversation.hours_words
and the prompt catalogues."""

import json
from datetime import date, datetime

from conversation.hours_words import hours_words
from ivr import prompts
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.hours import opening_facts
from schedules.spoken import spoken_code, spoken_hours, spoken_when

SCHEDULE = load_schedule(DEMO_FOLDER)


def hours(site, now, lang="de", day=None):
    facts = opening_facts(SCHEDULE, site, day, now).to_dict()
    return " ".join(prompts.text(lang, key, schedule=SCHEDULE, **params)
                    for key, params in hours_words(facts))


def test_a_general_question_is_the_weekly_pattern_in_a_few_words():
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", tuesday) == (
        "Die Geschäftsstelle Backnang hat Montag bis Freitag von 8 Uhr bis halb eins geöffnet. "
        "Donnerstags auch von 14 bis 18 Uhr.")
    assert hours("backnang", tuesday, "en") == (
        "The Backnang office is open Monday to Friday from 8 am to 12:30 pm. "
        "On Thursdays also from 2 pm to 6 pm.")


def test_all_sites_say_what_they_share_then_what_differs():
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours(None, tuesday) == (
        "Alle Geschäftsstellen haben Montag bis Freitag von 8 bis 12 Uhr geöffnet. "
        "Donnerstags auch von 14 bis 18 Uhr. "
        "In Backnang vormittags bis halb eins und in Schorndorf donnerstags bis halb sechs.")


def test_today_and_thursday_with_two_intervals():
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", tuesday, day=date(2026, 12, 1)) == (
        "Heute, Dienstag, hat die Geschäftsstelle Backnang von 8 Uhr bis halb eins geöffnet.")
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", wednesday, day=date(2026, 12, 3)) == (
        "Morgen, Donnerstag, hat die Geschäftsstelle Backnang von 8 Uhr bis halb eins und "
        "von 14 bis 18 Uhr geöffnet.")


def test_after_closing_time_the_caller_hears_that_it_is_closed_now_and_the_next_opening():
    afternoon = datetime(2026, 12, 1, 13, 0, tzinfo=BERLIN)
    assert hours("backnang", afternoon, day=date(2026, 12, 1)) == (
        "Heute, Dienstag, hatte die Geschäftsstelle Backnang von 8 Uhr bis halb eins geöffnet. "
        "Jetzt ist geschlossen. Geöffnet ist wieder morgen, Mittwoch, von 8 Uhr bis halb eins.")


def test_closed_today_and_tomorrow_a_holiday_then_when_it_opens_again():
    # Wednesday 23 Dec: special short hours; 24 closed; 25 and 26 holidays; 27 Sunday.
    text = hours("backnang", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN))
    assert text == ("Heute, Donnerstag, ist die Geschäftsstelle Backnang geschlossen: "
                    "Heiligabend. Geöffnet ist wieder am Montag, den 28. Dezember, "
                    "von 8 Uhr bis halb eins.")
    english = hours("backnang", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN), "en")
    assert english == ("Today, Thursday, the Backnang office is closed: Christmas Eve. "
                       "We are open again on Monday, 28 December, from 8 am to 12:30 pm.")


def test_short_hours_today_and_a_closure_tomorrow_without_brackets():
    text = hours("waiblingen", datetime(2026, 12, 23, 9, 0, tzinfo=BERLIN))
    assert text == ("Heute, Mittwoch, vor den Feiertagen nur vormittags: von 8 bis 12 Uhr. "
                    "Morgen, Donnerstag, ist die Geschäftsstelle Waiblingen geschlossen: "
                    "Heiligabend. Geöffnet ist wieder am Montag, den 28. Dezember, "
                    "von 8 bis 12 Uhr.")


def test_a_named_day_holiday_closure_and_special_day():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", now, day=date(2027, 1, 6)) == (
        "Am Mittwoch, den 6. Januar 2027, ist Feiertag: Heilige Drei Könige. "
        "Da ist die Geschäftsstelle Backnang geschlossen. Geöffnet ist wieder am Donnerstag, "
        "den 7. Januar 2027, von 8 Uhr bis halb eins und von 14 bis 18 Uhr.")
    assert hours("waiblingen", now, day=date(2026, 12, 24)).startswith(
        "Am Donnerstag, den 24. Dezember, ist die Geschäftsstelle Waiblingen geschlossen: "
        "Heiligabend.")
    assert "geschlossen: Personalversammlung." in hours("schorndorf", now, day=date(2026, 12, 9))
    assert hours("backnang", now, day=date(2026, 12, 23)) == (
        "Am Mittwoch, den 23. Dezember, vor den Feiertagen nur vormittags: von 8 bis 12 Uhr.")


def test_all_sites_on_a_day_one_of_them_is_closed():
    now = datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN)  # Schorndorf closes on the 9th
    assert hours(None, now, day=date(2026, 12, 9)) == (
        "Morgen, Mittwoch, haben die Geschäftsstellen Waiblingen und Backnang von 8 bis 12 Uhr "
        "geöffnet. In Backnang bis halb eins. An diesem Tag ist die Geschäftsstelle Schorndorf "
        "geschlossen: Personalversammlung.")
    assert hours(None, now, day=date(2026, 12, 25)) == (
        "Am Freitag, den 25. Dezember, ist Feiertag: Erster Weihnachtstag. "
        "Da sind alle Geschäftsstellen geschlossen. Geöffnet ist wieder am Montag, "
        "den 28. Dezember, von 8 bis 12 Uhr. In Backnang bis halb eins.")
    assert hours(None, now, "en", day=date(2026, 12, 25)).startswith(
        "On Friday, 25 December, all offices are closed for a public holiday: Christmas Day.")


def test_the_facts_are_plain_data_with_the_reason_in_every_language():
    facts = opening_facts(SCHEDULE, "backnang", date(2026, 12, 25),
                          datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)).to_dict()
    assert json.loads(json.dumps(facts)) == facts
    (site,) = facts["days"][0]["sites"]
    assert site["hours"] == [] and site["reason"] == {
        "kind": "holiday", "de": "Erster Weihnachtstag", "en": "Christmas Day",
        "tr": "Noel'in birinci günü", "uk": "Перший день Різдва",
        "ru": "Первый день Рождества", "ar": "أول أيام عيد الميلاد"}
    assert facts["next_open"]["date"] == "2026-12-28"
    assert facts["week"]["backnang"]["3"] == [[480, 750], [840, 1080]]


def test_spoken_times_dates_and_codes():
    start = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    assert spoken_when(start) == "Dienstag, den 1. Dezember, um 9 Uhr 30"
    assert spoken_when(start, "en") == "Tuesday, 1 December, at 9:30 am"
    assert spoken_when(start, "de", now=datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)) == (
        "morgen, Dienstag, um 9 Uhr 30")
    assert spoken_when(start, "de", now=date(2026, 12, 1)) == "heute um 9 Uhr 30"
    assert spoken_when(start, "en", now=date(2026, 11, 30)) == "tomorrow, Tuesday, at 9:30 am"
    assert spoken_when(start, "de", now=date(2026, 11, 29)) == (
        "Dienstag, den 1. Dezember, um 9 Uhr 30")
    assert spoken_when(datetime(2026, 12, 3, 14, 0, tzinfo=BERLIN)) == (
        "Donnerstag, den 3. Dezember, um 14 Uhr")
    assert spoken_code("471103") == "4, 7, 1, 1, 0, 3"
    assert spoken_hours([(480, 750), (840, 1080)]) == (
        "von 8 Uhr bis halb eins und von 14 bis 18 Uhr")
    assert spoken_hours([(510, 1050)]) == "von halb neun bis halb sechs"
    assert spoken_hours([(480, 720)], "en") == "from 8 am to 12 noon"
