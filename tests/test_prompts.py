"""The prompt catalogue: every language says every sentence, with the same placeholders."""

import string

import pytest

from ivr import prompts
from routing.topics import INTENT_LABELS

LANGS = prompts.available_languages()


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_german_english_and_the_callers_other_languages_are_there():
    assert {"de", "en", "uk", "ru", "tr", "ar", "de-simple"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_every_intent_on_the_agents_screen_has_a_name_for_the_caller(lang):
    # "Es geht um ...?" and "Sie hatten noch eine zweite Frage: ..." name the intent.
    assert set(INTENT_LABELS) <= set(prompts.catalogue(lang)["topics"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_has_every_sentence_and_topic(lang):
    german = prompts.catalogue("de")
    other = prompts.catalogue(lang)
    assert set(other["prompts"]) == set(german["prompts"])
    assert set(other["topics"]) == set(german["topics"])
    for key, text in german["prompts"].items():
        assert placeholders(other["prompts"][key]) == placeholders(text), key


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_are_short_enough_to_follow_on_the_phone(lang):
    for key, text in prompts.catalogue(lang)["prompts"].items():
        for sentence in text.replace("?", ".").split(". "):
            assert len(sentence.split()) <= 25, (key, sentence)


def test_topic_parameters_are_said_in_the_callers_language():
    de = prompts.text("de", "clarify", topic_first="payment_status",
                      topic_second="application_status")
    assert de.startswith("Geht es um Ihre Zahlung oder um den Stand Ihres Antrags?")
    en = prompts.text("en", "clarify", topic_first="payment_status",
                      topic_second="application_status")
    assert en.startswith("Is it about your payment or about the status of your application?")


def test_german_prompts_address_the_caller_politely():
    for key, text in prompts.catalogue("de")["prompts"].items():
        words = set(text.replace(",", " ").replace(".", " ").split())
        assert not words & {"du", "dich", "dir", "dein", "deine"}, key
