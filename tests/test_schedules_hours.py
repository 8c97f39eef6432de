"""What callers hear: opening hours today, tomorrow, on holidays and closures; dates, codes."""

from datetime import date, datetime

from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.hours import describe_opening_hours
from schedules.spoken import spoken_code, spoken_hours, spoken_when

SCHEDULE = load_schedule(DEMO_FOLDER)


def hours(site, now, lang="de", day=None):
    return describe_opening_hours(SCHEDULE, site, day, now, lang)


def test_today_and_tomorrow_in_backnang():
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", tuesday) == (
        "Heute, Dienstag, hat die Geschäftsstelle Backnang von 8 bis 12:30 Uhr geöffnet; "
        "morgen, Mittwoch, von 8 bis 12:30 Uhr.")
    assert hours("backnang", tuesday, "en") == (
        "Today, Tuesday, the Backnang office is open from 8 am to 12:30 pm; "
        "tomorrow, Wednesday, from 8 am to 12:30 pm.")


def test_thursday_has_two_intervals():
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    assert "morgen, Donnerstag, von 8 bis 12:30 Uhr und von 14 bis 18 Uhr." in hours(
        "backnang", wednesday)


def test_after_closing_time_the_caller_hears_that_it_is_closed_now():
    afternoon = datetime(2026, 12, 1, 13, 0, tzinfo=BERLIN)
    assert hours("backnang", afternoon).startswith(
        "Heute, Dienstag, hatte die Geschäftsstelle Backnang von 8 bis 12:30 Uhr geöffnet "
        "und ist jetzt geschlossen;")


def test_tomorrow_a_holiday_and_when_it_opens_again():
    # Wednesday 23 Dec: special short hours; 24 closed; 25 and 26 holidays; 27 Sunday.
    text = hours("backnang", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN))
    assert text == ("Heute, Donnerstag, ist die Geschäftsstelle Backnang geschlossen: "
                    "Heiligabend; morgen ist Feiertag: Erster Weihnachtstag. Geöffnet ist wieder "
                    "am Montag, den 28. Dezember, von 8 bis 12:30 Uhr.")
    english = hours("backnang", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN), "en")
    assert "tomorrow is a public holiday: Christmas Day" in english


def test_a_named_day_holiday_closure_and_special_day():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)
    assert hours("backnang", now, day=date(2027, 1, 6)) == (
        "Am Mittwoch, den 6. Januar 2027, ist Feiertag: Heilige Drei Könige; "
        "die Geschäftsstelle Backnang ist geschlossen.")
    assert hours("waiblingen", now, day=date(2026, 12, 24)) == (
        "Am Donnerstag, den 24. Dezember, ist die Geschäftsstelle Waiblingen geschlossen: "
        "Heiligabend.")
    assert hours("schorndorf", now, day=date(2026, 12, 9)).endswith(
        "geschlossen: Personalversammlung.")
    assert hours("backnang", now, day=date(2026, 12, 23)) == (
        "Am Mittwoch, den 23. Dezember, hat die Geschäftsstelle Backnang von 8 bis 12 Uhr "
        "(vor den Feiertagen nur vormittags) geöffnet.")


def test_all_sites_at_once():
    now = datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN)  # Schorndorf closes on the 9th
    text = hours(None, now)
    assert text.startswith("Heute, Dienstag, gelten diese Öffnungszeiten: Waiblingen von 8 bis "
                           "12 Uhr, Backnang von 8 bis 12:30 Uhr und Schorndorf von 8 bis 12 Uhr;")
    assert "Schorndorf geschlossen (Personalversammlung)" in text
    assert hours(None, now, day=date(2026, 12, 25)) == (
        "Am Freitag, den 25. Dezember, ist Feiertag: Erster Weihnachtstag; "
        "alle Geschäftsstellen sind geschlossen.")


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
    assert spoken_hours([(480, 750), (840, 1080)]) == "von 8 bis 12:30 Uhr und von 14 bis 18 Uhr"
    assert spoken_hours([(480, 720)], "en") == "from 8 am to 12 noon"
