"""Russian and Ukrainian keywords are heard in every form a sentence gives them.

Catalogue keywords are stems ("письм", "решени", "записат"); both they and the caller's
words are written in one Latin form (speech.scripts), which changes a stem's last letter
before some endings ("решение" is "reshene", "записаться" "zapisaca"). Before the stems
were cut back to what every form keeps (30 November 2026), "Я получила письмо" and
"Хочу записаться" were heard as nothing at all:

    tests/data/inflected_dev_ru.tsv   16/22 -> 22/22
    tests/data/inflected_dev_uk.tsv   18/18 -> 18/18
    each one-word stem followed by each listed ending, forms not heard:
        ru 441 -> 88, uk 446 -> 114 (all left are whole words with an ending glued on:
        "сняли"+"а", "войти"+"ом")
"""

from pathlib import Path

import pytest
from test_languages_calls import make_app

from conftest import Caller
from speech import recognise
from speech.cli import evaluate, read_labelled

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_keywords_in_inflected_forms_are_understood(lang):
    rows = read_labelled(DATA / f"inflected_dev_{lang}.tsv")
    report = evaluate(rows, lang)
    assert report["accuracy"] == 1.0, report["errors"]


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_held_out_inflected_forms_are_understood(lang):
    # Written with the dev sets, run once after the fix (30 November): ru 10/11 -> 11/11,
    # uk 9/9 -> 9/9.
    rows = read_labelled(DATA / f"inflected_heldout_{lang}.tsv")
    report = evaluate(rows, lang)
    assert report["accuracy"] >= 0.9, report["errors"]


@pytest.mark.parametrize("text, intent", [
    ("письмо", "letter"), ("письма", "letter"), ("в письме", "letter"),
    ("с письмом", "letter"), ("pismo prishlo", "letter"),
    ("решение по заявлению", "application_status"), ("жду решения", "application_status"),
    ("хочу записаться", "book_appointment"), ("zapisatsya", "book_appointment"),
    ("копия паспорта нужна", "documents"), ("копию договора", "documents"),
    ("вакансия", "job_search"), ("обучение", "job_search"),
])
def test_russian_stems_match_their_forms(text, intent):
    assert recognise(text, "ru").intent == intent


def test_a_stem_does_not_match_another_word_it_begins():
    # "курс" (a course) takes its endings, not any word that starts with it.
    assert recognise("курсы немецкого", "ru").intent == "job_search"
    assert recognise("курсивом", "ru").intent != "job_search"


def test_a_russian_caller_who_got_a_letter_hears_about_the_letter(database_target):
    app = make_app(database_target)
    caller = Caller(app)
    caller.dial()
    caller.say("#7")
    caller.say("Я получила письмо")
    heard = caller.hears()
    assert "возражение" in heard            # what can be done about a decision by letter
    assert "обсудить письмо" in heard       # and an appointment offered about the letter
