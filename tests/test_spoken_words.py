"""Dates, times, opening hours, money and codes as each language says them, in words."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import spoken_words
from cases import spoken as case_spoken
from schedules.spoken import spoken_code, spoken_hours, spoken_when
from spoken_words import cardinal, slavic_plural

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)


@pytest.mark.parametrize("lang, said", [
    ("ru", "вторник, первое декабря, в девять тридцать"),
    ("uk", "вівторок, перше грудня, о дев'ятій тридцять"),
    ("tr", "bir Aralık Salı, saat dokuz otuz"),
    ("ar", "الثلاثاء، الأول من ديسمبر، الساعة التاسعة والنصف صباحًا"),
    ("de", "Dienstag, den 1. Dezember, um 9 Uhr 30"),
])
def test_an_appointment_is_said_in_the_callers_language(lang, said):
    assert spoken_when(TUESDAY, lang) == said


def test_tomorrow_is_named_and_a_full_hour_is_said_as_such():
    monday = datetime(2026, 11, 30, 15, 0, tzinfo=BERLIN)
    assert spoken_when(datetime(2026, 12, 1, 14, 0, tzinfo=BERLIN), "ru", monday) == \
        "завтра, вторник, первое декабря, в четырнадцать часов"
    assert spoken_when(datetime(2026, 12, 1, 14, 0, tzinfo=BERLIN), "tr", monday) == \
        "yarın, bir Aralık Salı, saat on dört"


@pytest.mark.parametrize("lang, said", [
    ("ru", "с восьми до двенадцати тридцати и с четырнадцати до восемнадцати"),
    ("uk", "з восьмої до дванадцятої тридцять і з чотирнадцятої до вісімнадцятої"),
    ("tr", "saat sekiz ile on iki otuz arası ve saat on dört ile on sekiz arası"),
    ("ar", "من الساعة الثامنة صباحًا حتى الساعة الثانية عشرة والنصف ظهرًا "
           "ومن الساعة الثانية ظهرًا حتى الساعة السادسة مساءً"),
])
def test_opening_hours_take_each_languages_grammar(lang, said):
    assert spoken_hours([(8 * 60, 12 * 60 + 30), (14 * 60, 18 * 60)], lang) == said


@pytest.mark.parametrize("lang, cents, said", [
    ("ru", 56350, "пятьсот шестьдесят три евро пятьдесят центов"),
    ("ru", 102, "один евро два цента"),
    ("uk", 56301, "п'ятсот шістдесят три євро один цент"),
    ("tr", 123456, "bin iki yüz otuz dört avro elli altı sent"),
    ("ar", 56350, "خمسمئة وثلاثة وستون يورو وخمسون سنتًا"),
    ("ar", 100, "يورو واحد"),
    ("de", 56350, "563 Euro und 50 Cent"),
])
def test_money_is_said_in_words_with_the_counted_form(lang, cents, said):
    assert case_spoken.euros(cents, lang) == said


@pytest.mark.parametrize("lang, said", [
    ("ru", "тридцатого декабря"),       # "переведена тридцатого декабря": genitive
    ("uk", "тридцятого грудня"),
    ("tr", "otuz Aralık"),
    ("ar", "الثلاثين من ديسمبر"),
])
def test_a_payment_day_is_said_as_a_date_after_on(lang, said):
    assert case_spoken.day("2026-12-30", lang, today=date(2026, 12, 1)) == said


def test_another_years_date_says_the_year():
    said = case_spoken.day("2027-01-04", "tr", today=date(2026, 12, 1))
    assert said == "dört Ocak iki bin yirmi yedi"


@pytest.mark.parametrize("lang, said", [
    ("ru", "четыре, семь, один, один, ноль, три"),
    ("uk", "чотири, сім, один, один, нуль, три"),
    ("tr", "dört, yedi, bir, bir, sıfır, üç"),
    ("ar", "أربعة، سبعة، واحد، واحد، صفر، ثلاثة"),
    ("de", "4, 7, 1, 1, 0, 3"),
])
def test_a_booking_code_is_said_digit_by_digit(lang, said):
    assert spoken_code("471103", lang) == said


def test_cardinals_and_counted_forms():
    assert cardinal(21, "ru") == "двадцать один"
    assert cardinal(2000, "uk") == "дві тисячі"
    assert cardinal(1000, "tr") == "bin"
    assert cardinal(121, "ar") == "مئة وواحد وعشرون"
    assert [slavic_plural(n, ("цент", "цента", "центов")) for n in (1, 2, 5, 11, 12, 21, 22)] == \
        ["цент", "цента", "центов", "центов", "центов", "цент", "цента"]


@pytest.mark.parametrize("minute, until, since", [
    (12 * 60 + 30, "saat on iki otuza kadar", "saat on iki otuzdan itibaren"),
    (14 * 60, "saat on dörde kadar", "saat on dörtten itibaren"),
    (16 * 60, "saat on altıya kadar", "saat on altıdan itibaren"),
    (10 * 60, "saat ona kadar", "saat ondan itibaren"),
])
def test_turkish_hours_take_the_ending_a_listener_expects(minute, until, since):
    # "saat on iki otuz kadar" (no dative) is what a stranger heard and stumbled over.
    assert spoken_words.until_words(minute, "tr") == until
    assert spoken_words.from_words(minute, "tr") == since
