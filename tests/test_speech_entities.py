"""What the hotline pulls out of a caller's words: numbers, dates, times, sites, answers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from speech import extract_entities

# Tuesday, 25 November 2025, 10:00 in Waiblingen.
NOW = datetime(2025, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def entities(text, lang="de"):
    return extract_entities(text, lang, NOW)


@pytest.mark.parametrize("text, digits", [
    ("eins zwei drei vier", "1234"),
    ("zwölf vierunddreißig", "1234"),
    ("zwo zwo fünf", "225"),
    ("doppel-null sieben", "007"),
    ("doppelt drei acht", "338"),
    ("meine PIN ist 4 7 eins eins", "4711"),
    ("oins zwoi drui", "123"),
])
def test_numbers_as_callers_say_them(text, digits):
    assert entities(text)["number"] == digits


@pytest.mark.parametrize("text", [
    "eins zwei drei D vier fünf sechs sieben acht neun",
    "meine Kundennummer ist eins zwei drei de wie Dora vier fünf sechs sieben acht neun",
    "hundertdreiundzwanzig D vierhundertsechsundfünfzig siebenhundertneunundachtzig",
    "123D456789",
])
def test_customer_numbers_are_normalised(text):
    assert entities(text)["customer_number"] == "123D456789"


def test_bg_numbers_are_normalised():
    said = "eins zwei drei vier fünf be ge null null eins zwei drei vier fünf"
    assert entities(said)["bg_number"] == "12345BG0012345"
    assert entities("12345 BG 0012345")["bg_number"] == "12345BG0012345"


@pytest.mark.parametrize("text, date", [
    ("morgen", "2025-11-26"),
    ("übermorgen", "2025-11-27"),
    ("nächsten Dienstag", "2025-12-02"),
    ("am Donnerstag", "2025-11-27"),
    ("am dritten Dezember", "2025-12-03"),
    ("am 3.12.", "2025-12-03"),
    ("am zweiten Januar", "2026-01-02"),
    ("in zwei Wochen", "2025-12-09"),
    ("in drei Tagen", "2025-11-28"),
    ("nächste Woche Mittwoch", "2025-12-03"),
    ("heute noch", "2025-11-25"),
])
def test_dates_relative_to_the_call(text, date):
    assert entities(text)["date"] == date


def test_good_morning_is_not_tomorrow():
    assert "date" not in entities("guten Morgen, ich habe eine Frage")


@pytest.mark.parametrize("text, time", [
    ("um halb zehn", "09:30"),
    ("Viertel nach zwei", "14:15"),
    ("Viertel vor drei", "14:45"),
    ("dreiviertel drei", "14:45"),
    ("gegen elf", "11:00"),
    ("um vierzehn Uhr dreißig", "14:30"),
    ("um 9:45", "09:45"),
    ("um drei Uhr", "15:00"),
    ("nachmittags um vier", "16:00"),
])
def test_clock_times_in_office_context(text, time):
    assert entities(text)["time"] == time


@pytest.mark.parametrize("text, part", [
    ("vormittags", "morning"), ("am Vormittag", "morning"), ("morgen früh", "morning"),
    ("nachmittags", "afternoon"), ("lieber am Nachmittag", "afternoon"),
])
def test_part_of_day(text, part):
    assert entities(text)["part_of_day"] == part


def test_a_whole_booking_request_in_one_sentence():
    found = entities("nächsten Dienstag vormittags in Backnang so gegen halb zehn")
    assert found["date"] == "2025-12-02"
    assert found["part_of_day"] == "morning"
    assert found["site"] == "backnang"
    assert found["time"] == "09:30"
    assert "number" not in found


@pytest.mark.parametrize("text, site", [
    ("Waiblingen", "waiblingen"), ("in weiblingen bitte", "waiblingen"),
    ("back nang", "backnang"), ("bagnang", "backnang"),
    ("schorn dorf", "schorndorf"), ("Schondorf", "schorndorf"),
])
def test_sites_despite_misrecognition(text, site):
    assert entities(text)["site"] == site


def test_no_site_when_none_is_named():
    assert "site" not in entities("ich möchte einen Termin")


@pytest.mark.parametrize("text, answer", [
    ("ja", "yes"), ("jo", "yes"), ("genau", "yes"), ("passt", "yes"), ("ja gerne", "yes"),
    ("nee", "no"), ("nein danke", "no"), ("lieber nicht", "no"), ("passt net", "no"),
    ("das passt mir nicht", "no"),
])
def test_yes_and_no(text, answer):
    assert entities(text)["answer"] == answer


def test_gern_inside_a_request_is_not_a_yes():
    assert "answer" not in entities("ich hätte gern einen Termin in Backnang")


@pytest.mark.parametrize("text, command", [
    ("English please", "english"), ("auf Deutsch bitte", "german"), ("nochmal bitte", "repeat"),
    ("wie bitte", "repeat"), ("zurück", "back"), ("tschüss", "goodbye"),
    ("auf Wiederhören", "goodbye"), ("einen Mitarbeiter bitte", "agent"),
])
def test_commands(text, command):
    assert entities(text)["command"] == command


@pytest.mark.parametrize("text, key, value", [
    ("yes please", "answer", "yes"), ("no thanks", "answer", "no"),
    ("tomorrow afternoon", "date", "2025-11-26"),
    ("tomorrow afternoon", "part_of_day", "afternoon"),
    ("at half past nine", "time", "09:30"), ("quarter past two", "time", "14:15"),
    ("on the third of December", "date", "2025-12-03"), ("next Tuesday", "date", "2025-12-02"),
    ("in two weeks", "date", "2025-12-09"), ("one two three four", "number", "1234"),
    ("say that again", "command", "repeat"), ("German please", "command", "german"),
    ("goodbye", "command", "goodbye"),
])
def test_english_entities(text, key, value):
    assert entities(text, "en")[key] == value


def test_an_aware_reference_moment_is_read_in_berlin_time():
    late_utc = datetime(2025, 11, 25, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 26th in Berlin
    assert extract_entities("morgen", "de", late_utc)["date"] == "2025-11-27"


# Wednesday, 25 November 2026: the next Christmas, New Year and Easter are 2026/27.
WINTER_2026 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

@pytest.mark.parametrize("text, lang, day", [
    ("Wann haben Sie an Heiligabend geöffnet?", "de", "2026-12-24"),
    ("am zweiten Weihnachtsfeiertag", "de", "2026-12-26"),  # not the 2nd of a month
    ("am ersten Weihnachtstag", "de", "2026-12-25"),
    ("ist das jobcenter silvester offen", "de", "2026-12-31"),
    ("an Neujahr", "de", "2027-01-01"),
    ("am Karfreitag", "de", "2027-03-26"),
    ("über Ostern", "de", "2027-03-26"),  # a season names its first closed day
    ("am Ostermontag", "de", "2027-03-29"),
    ("an Christi Himmelfahrt", "de", "2027-05-06"),
    ("am schmotzigen Donnerstag", "de", "2027-02-04"),
    ("are you open on Good Friday", "en", "2027-03-26"),
    ("on christmas eve", "en", "2026-12-24"),
    ("new year's day", "en", "2027-01-01"),
])
def test_named_days_and_holidays(text, lang, day):
    assert extract_entities(text, lang, WINTER_2026)["date"] == day


@pytest.mark.parametrize("text, lang", [
    ("Wo isch des Jobcenter in Backnang", "de"),
    ("Adresse Waiblingen", "de"),
    ("Wie komme ich hin?", "de"),
    ("wo bitte ist jobcenter schorndorf, ich nicht finde", "de"),
    ("Where is the office in Backnang?", "en"),
    ("how do I get to the waiblingen office", "en"),
])
def test_asking_the_way(text, lang):
    assert extract_entities(text, lang, WINTER_2026)["asks"] == "way"


@pytest.mark.parametrize("text, lang", [
    ("Wann haben Sie geöffnet?", "de"), ("Öffnungszeiten am Freitag", "de"),
    ("what are your opening hours", "en"),
])
def test_asking_the_hours_is_not_asking_the_way(text, lang):
    assert "asks" not in extract_entities(text, lang, WINTER_2026)
