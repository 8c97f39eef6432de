"""The rest of a call in the caller's language (issue 31b): other offices, holidays and
closures, and a text message from a number with a booking, in Turkish and Ukrainian.

Through the webhooks, as the caller hears or reads it. What they heard and read before
this change: tests/data/rest_before_tr_uk.txt. The sentences are the project's own; no
native speaker has checked them yet.
"""

from datetime import date, datetime, timedelta

import pytest
from test_languages_calls import ALL, Caller, make_app
from written_people import Texter, rows

import clock
from conversation.referrals import load
from schedules.calendar import holiday_name
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule

MOBILE = "+491701234567"
LANDLINE = "+4971519998877"
# German words that have no business in a Turkish or Ukrainian sentence.
GERMAN = ("erreichbar", "zuständig", " der Stadt", "Heiligabend", "Weihnachtstag", "Silvester",
          "Feiertagen", "vormittags", "Neujahr", " Uhr")


def call(app, *lines, number=LANDLINE) -> Caller:
    caller = Caller(app, from_number=number)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


def at(app, *moment):
    clock.install(app, clock.Clock.at(datetime(*moment, tzinfo=BERLIN)))
    return app


def german_in(said: str) -> list[str]:
    return [word for word in GERMAN if word in said]


# ----------------------------------------------------------------------------- other offices

@pytest.mark.parametrize("lang, lines, heard", [
    ("tr", ["#8", "Wohngeld hakkında sorum var"],
     ["Wohngeldstelle", "kira yardımı", "sıfır yedi bir beş bir"]),
    ("tr", ["#8", "emekli maaşım hakkında bir sorum var"],
     ["Deutsche Rentenversicherung", "emekli", "sıfır sekiz yüz"]),
    ("tr", ["#8", "Aufenthaltstitel için kime başvurmalıyım"],
     ["Ausländerbehörde", "oturma izni"]),
    ("uk", ["#6", "у мене питання про Rente"],
     ["Deutsche Rentenversicherung", "пенсі", "нуль вісім сто"]),
    ("uk", ["#6", "питання про житлову допомогу"], ["Wohngeldstelle", "житлов"]),
    ("uk", ["#6", "мені потрібен Aufenthaltstitel"], ["Ausländerbehörde", "проживання"]),
])
def test_other_offices_are_named_and_explained_in_the_callers_language(
        database_target, lang, lines, heard):
    said = call(make_app(database_target), *lines).hears()
    assert all(part in said for part in heard), said
    assert german_in(said) == [] and "null" not in said, said


def test_every_office_speaks_every_language_of_the_hotline():
    for office in load().offices:
        for lang in ("en", "tr", "uk", "ru", "ar"):
            name, topic, hours = office.translations.get(lang, ("", "", ""))
            assert name and topic and hours, (office.key, lang)


# ----------------------------------------------------------------------------- caseworkers

@pytest.mark.parametrize("lines, offered, noted", [
    (["#8", "Frau Keller ile randevu istiyorum", "Waiblingen", "para", "en kısa zamanda"],
     "Bayan Keller ile, Waiblingen şubesinde", "Tamam: Waiblingen."),
    (["#6", "мені потрібен запис до Frau Keller", "Вайблінген", "гроші", "якнайшвидше"],
     "з пані Keller, у відділенні Вайблінген", "Добре, Вайблінген."),
])
def test_an_appointment_with_a_named_caseworker_is_offered_in_the_callers_language(
        database_target, lines, offered, noted):
    caller = call(make_app(database_target), *lines)
    said = " ".join(" ".join(exchange.hotline) for exchange in caller.exchanges)
    assert offered in said and noted in said, said
    assert "bei Frau" not in said


# ----------------------------------------------------------------------------- holidays

@pytest.mark.parametrize("lang, key, question, reason", [
    ("tr", "#8", "bugün açık mısınız", "Noel arifesi"),
    ("uk", "#6", "ви сьогодні працюєте", "Святвечір"),
])
def test_a_closure_on_christmas_eve_is_named_in_the_callers_language(
        database_target, lang, key, question, reason):
    app = at(make_app(database_target), 2026, 12, 24, 10, 0)
    said = call(app, key, question).hears()
    assert reason in said, said
    assert german_in(said) == [], said


@pytest.mark.parametrize("lang, key, question, holiday", [
    ("tr", "#8", "bugün açık mısınız", "Noel'in birinci günü"),
    ("uk", "#6", "ви сьогодні працюєте", "Перший день Різдва"),
])
def test_a_public_holiday_is_named_in_the_callers_language(
        database_target, lang, key, question, holiday):
    app = at(make_app(database_target), 2026, 12, 25, 10, 0)
    said = call(app, key, question).hears()
    assert holiday in said, said
    assert german_in(said) == [], said


@pytest.mark.parametrize("lang, key, question, reason", [
    ("tr", "#8", "bugün açık mısınız", "bayramlardan önce"),
    ("uk", "#6", "ви сьогодні працюєте", "перед святами"),
])
def test_shorter_hours_on_a_special_day_say_why_in_the_callers_language(
        database_target, lang, key, question, reason):
    app = at(make_app(database_target), 2026, 12, 23, 9, 0)
    said = call(app, key, question).hears()
    assert reason in said, said
    assert german_in(said) == [], said


def test_every_public_holiday_of_baden_wuerttemberg_has_a_name_in_every_language():
    state = load_schedule(DEMO_FOLDER).state
    for year in range(2024, 2036):
        for day in (d for d in _days(year) if holiday_name(state, d, "de")):
            for lang in ("tr", "uk", "ru", "ar"):
                name = holiday_name(state, day, lang)
                assert name and name != holiday_name(state, day, "de"), (day, lang)


def test_every_closure_and_special_day_of_the_demo_has_a_reason_in_every_language():
    schedule = load_schedule(DEMO_FOLDER)
    for entry in (*schedule.closures, *schedule.special_days):
        for lang in ("tr", "uk", "ru", "ar"):
            assert entry.reason(lang) != entry.reason("de"), (entry, lang)


def test_a_closure_without_the_callers_language_is_said_in_german(tmp_path):
    text = (DEMO_FOLDER / "sites.toml").read_text(encoding="utf-8")
    (tmp_path / "sites.toml").write_text(
        text.replace('reason_tr = "Noel arifesi"\n', ""), encoding="utf-8")
    (tmp_path / "caseworkers.toml").write_text(
        (DEMO_FOLDER / "caseworkers.toml").read_text(encoding="utf-8"), encoding="utf-8")
    eve = next(c for c in load_schedule(tmp_path).closures if c.month_day == (12, 24))
    assert eve.reason("tr") == "Heiligabend" and eve.reason("uk") == "Святвечір"


def _days(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


# ----------------------------------------------------------------------------- a text message

GERMAN_GREETING = "Schreiben Sie mir bitte in wenigen Worten, worum es geht."

def _book(app, lang):
    """A booking made by telephone in `lang` from the mobile."""
    lines = {
        "tr": ["#8", "randevu almak istiyorum", "Backnang", "iş arama", "gelecek salı sabah",
               "evet", "hayır", "hayır", "hayır"],
        "uk": ["#6", "мені потрібен запис на прийом", "Бакнанг", "пошук роботи",
               "наступного вівторка вранці", "так", "ні", "ні", "ні"],
        "de": ["Termin in Backnang wegen Arbeitsvermittlung nächste Woche Dienstag", "ja",
               "nein", "nein", "nein"],
    }[lang]
    call(app, *lines, number=MOBILE)
    assert rows(app, "SELECT language FROM bookings") == [(lang,)]


@pytest.mark.parametrize("lang, text, greeting", [
    ("tr", "?", "Lütfen birkaç kelimeyle konunuzu yazın"),
    ("tr", "merhaba", "Lütfen birkaç kelimeyle konunuzu yazın"),
    ("uk", "?", "Напишіть, будь ласка, кількома словами"),
])
def test_a_text_from_a_number_with_a_booking_is_answered_in_the_bookings_language(
        database_target, lang, text, greeting):
    app = make_app(database_target, ALL)
    _book(app, lang)
    answer = Texter(app, MOBILE).send(text)
    assert greeting in answer, answer
    # The language only: nothing of the booking (its day, site or code) is written back.
    assert not any(word in answer for word in ("Backnang", "Бакнанг", "Aralık", "грудня",
                                               "Salı", "вівторок", "08:00"))


def test_a_text_from_a_number_with_a_german_booking_or_none_is_german(database_target):
    app = make_app(database_target, ALL)
    assert GERMAN_GREETING in Texter(app, "+491709998877").send("?")
    _book(app, "de")
    assert GERMAN_GREETING in Texter(app, MOBILE).send("?")


def test_a_clear_german_text_from_a_number_with_a_turkish_booking_is_answered_in_german(
        database_target):
    app = make_app(database_target, ALL)
    _book(app, "tr")
    answer = Texter(app, MOBILE).send("Wann haben Sie heute geöffnet?")
    assert "Heute" in answer and "Bugün" not in answer, answer
