"""What the hotline writes (SMS, web chat) is its spoken catalogue rendered for the eye:
no keys to press, no "Sagen Sie bitte Ja oder Nein", numbers and dates in figures, and
a customer number never written back in full (ivr/prompts.written)."""

import pytest

from ivr import prompts

LANGS = prompts.available_languages()
WRITTEN_ONLY = ("calendar_link", "call_number", "crisis_waiting")


def written_keys(lang):
    return [key for key in prompts.catalogue(lang)["prompts"]
            if not key.startswith(prompts.NEVER_WRITTEN)]


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_written_asks_to_press_or_say(lang):
    voice_words = prompts.catalogue(lang)["written"]["voice_words"]
    left = {key: word for key in written_keys(lang)
            for word in voice_words if word in prompts.written_template(lang, key)}
    assert left == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalogue_has_the_written_sentences_and_the_chat_page_words(lang):
    for key in WRITTEN_ONLY:
        assert prompts.written_template(lang, key)
    assert set(prompts.page_words(lang)) == set(prompts.page_words("de"))


def test_dates_times_and_codes_are_written_as_people_write_them():
    assert prompts.written("de", "offer", when_start="2026-12-01T09:30:00+01:00",
                           place_site="Backnang") == (
        "Ich kann Ihnen anbieten: Dienstag, 1. Dezember 2026, 9:30 Uhr, Backnang. "
        "Passt Ihnen das?")
    assert prompts.written("en", "booking_code", groups_code="438581") == (
        "Your booking number is: 438581.")
    assert prompts.written("de", "customer_number_check", groups_number="123D456789") == (
        "Ihre Kundennummer endet auf 789. Stimmt das?")


@pytest.mark.parametrize("lang", LANGS)
def test_the_crisis_numbers_are_written_in_figures(lang):
    assert "0800 111 0 111" in prompts.written(lang, "crisis_self_harm")
    assert "116 016" in prompts.written(lang, "crisis_violence")
