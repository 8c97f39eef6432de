"""Short answers in Ukrainian, Russian, Turkish and Arabic: yes/no, the day, the part of
the day, "as soon as possible", sites and appointment topics, through the same entry
points as German (speech.extract_entities, extract_reply, appointment_wish)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from speech import extract_entities, extract_reply
from speech.understanding import Understanding
from speech.wishes import appointment_wish

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday


@pytest.mark.parametrize("lang, said, answer", [
    ("uk", "так", "yes"), ("uk", "так, звісно", "yes"), ("uk", "ні, дякую", "no"),
    ("uk", "не підходить", "no"), ("ru", "да, подходит", "yes"), ("ru", "нет", "no"),
    ("ru", "не подходит", "no"), ("tr", "evet", "yes"), ("tr", "hayır teşekkürler", "no"),
    ("tr", "uygun değil", "no"), ("ar", "نعم", "yes"), ("ar", "ايوه", "yes"),
    ("ar", "لا شكرا", "no"), ("ar", "لا يناسبني", "no"), ("uk", "Вайблінген", None),
])
def test_yes_and_no(lang, said, answer):
    assert extract_reply(said, lang).get("answer") == answer


@pytest.mark.parametrize("lang, said, day, part", [
    ("uk", "у четвер зранку", "2026-11-26", "morning"),
    ("uk", "завтра після обіду", "2026-11-26", "afternoon"),
    ("uk", "післязавтра", "2026-11-27", None),
    ("uk", "3 грудня", "2026-12-03", None),
    ("ru", "во вторник утром", "2026-12-01", "morning"),
    ("ru", "в среду на следующей неделе", "2026-12-02", None),
    ("tr", "salı sabah", "2026-12-01", "morning"),
    ("tr", "cumartesi", "2026-11-28", None),  # not Friday ("cuma")
    ("tr", "yarın öğleden sonra", "2026-11-26", "afternoon"),
    ("ar", "يوم الثلاثاء الصبح", "2026-12-01", "morning"),
    ("ar", "بعد بكرة", "2026-11-27", None),  # not tomorrow
    ("ar", "بكرة بعد الظهر", "2026-11-26", "afternoon"),
])
def test_the_day_and_the_part_of_the_day(lang, said, day, part):
    found = extract_entities(said, lang, NOW)
    assert (found.get("date"), found.get("part_of_day")) == (day, part)


def test_as_soon_as_possible_and_next_week_are_wishes():
    assert appointment_wish("якнайшвидше", "uk", NOW) == {"asap": True}
    assert appointment_wish("en kısa zamanda", "tr", NOW) == {"asap": True}
    assert appointment_wish("на следующей неделе", "ru", NOW) == {
        "earliest": "2026-11-30", "latest": "2026-12-06"}


@pytest.mark.parametrize("lang, said, site", [
    ("uk", "Вайблінген", "waiblingen"), ("ru", "в Бакнанге", "backnang"),
    ("tr", "Schorndorf", "schorndorf"), ("ar", "باكنانغ", "backnang"),
])
def test_sites_in_the_callers_script(lang, said, site):
    assert extract_entities(said, lang, NOW).get("site") == site


@pytest.mark.parametrize("lang, said, topic", [
    ("uk", "пошук роботи", "arbeitsvermittlung"), ("uk", "гроші", "geldleistungen"),
    ("ru", "я безработный", "arbeitslosmeldung"), ("tr", "para", "geldleistungen"),
    ("tr", "iş arıyorum", "arbeitsvermittlung"), ("ar", "عاطل عن العمل", "arbeitslosmeldung"),
])
def test_appointment_topics(lang, said, topic):
    assert Understanding(said, lang, NOW).topic == topic


def test_digits_the_recogniser_wrote_as_digits_still_count():
    assert extract_entities("123456", "uk", NOW).get("number") == "123456"
