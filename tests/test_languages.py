"""The languages as data: each one's voice and recogniser reach the TwiML, its catalogue
says every sentence, and what a native speaker has not yet checked is listed."""

import re
import string
import xml.etree.ElementTree as ET

import pytest

from conversation import Ask, Say
from ivr import languages, prompts
from ivr.twiml import Urls, Voice, compose
from spoken_words import cardinal

NEW = ["uk", "ru", "tr", "ar", "de-simple"]
URLS = Urls(turn="/voice/turn?t=1", wait="/voice/wait", queue_result="/voice/queue-result")


def twiml_for(lang, voices=None):
    voice = Voice(voices=voices or {})
    body, _ = compose((Ask((Say("greeting"),), lang=lang),), lang, voice, URLS)
    return ET.fromstring(body)


@pytest.mark.parametrize("lang, say_language, voice, gather_language", [
    ("uk", "uk-UA", "Google.uk-UA-Standard-A", "uk-UA"),
    ("ru", "ru-RU", "Polly.Tatyana", "ru-RU"),
    ("tr", "tr-TR", "Polly.Filiz", "tr-TR"),
    ("ar", "arb", "Polly.Zeina", "ar-JO"),
    ("de-simple", "de-DE", "Polly.Vicki-Neural", "de-DE"),
])
def test_each_language_is_spoken_and_heard_in_its_own_voice(lang, say_language, voice,
                                                            gather_language):
    gather = twiml_for(lang).find("./Gather")
    assert gather.get("language") == gather_language
    assert gather.get("input") == "speech dtmf"
    say = gather.find("./Say")
    assert (say.get("language"), say.get("voice")) == (say_language, voice)
    said = say.text or say.find("./prosody").text
    assert said == prompts.text(lang, "greeting")


def test_the_recognisers_model_is_fixed_where_the_data_sets_one():
    assert twiml_for("ru").find("./Gather").get("speechModel") == "default"
    # German and English keep what they had: no model, Twilio chooses.
    assert twiml_for("de").find("./Gather").get("speechModel") is None


def test_plain_german_is_spoken_more_slowly():
    rate = twiml_for("de-simple").find("./Gather/Say/prosody").get("rate")
    assert rate == "85%"
    assert twiml_for("de").find("./Gather/Say/prosody") is None


def test_a_voice_setting_overrides_the_data_also_for_a_hyphenated_code():
    voice = Voice.from_config({"HOTLINE_LANGUAGES": ["de", "de-simple"],
                               "HOTLINE_VOICE_DE_SIMPLE": "Polly.Daniel-Neural",
                               "HOTLINE_SPEECH_TIMEOUT": "auto", "HOTLINE_GATHER_TIMEOUT": 6,
                               "HOTLINE_AGENT_QUEUE": "hotline"})
    assert voice.say_attributes("de-simple")["voice"] == "Polly.Daniel-Neural"
    assert voice.say_attributes("de")["voice"] == "Polly.Vicki-Neural"


def test_a_language_nobody_can_hear_works_by_keypad(tmp_path, monkeypatch):
    data = tmp_path / "languages.toml"
    data.write_text(languages.DATA_FILE.read_text(encoding="utf-8").replace(
        'gather_language = "uk-UA"', 'gather_language = ""'), encoding="utf-8")
    monkeypatch.setattr(languages, "DATA_FILE", data)
    languages._all.cache_clear()
    try:
        gather = twiml_for("uk").find("./Gather")
        assert gather.get("input") == "dtmf"
        assert gather.get("language") is None and gather.get("hints") is None
        assert not languages.language("uk").by_speech
    finally:
        languages._all.cache_clear()


def test_every_language_with_a_catalogue_has_its_twilio_data():
    for lang in prompts.available_languages():
        data = languages.language(lang)
        assert data.say_language and data.voice and data.sources
        assert data.gather_language  # all of today's languages are heard


SPOKEN_DIGITS = {"en": ("nine",), "de-simple": ("Fünf",)}


@pytest.mark.parametrize("lang", [code for code in languages.known() if code != "de"])
def test_the_offer_names_the_key_the_data_gives(lang):
    """A caller who hears "натисніть шість" must reach Ukrainian with the key 6."""
    key = languages.language(lang).key
    offer = prompts.text(lang, "offer_language")
    words = SPOKEN_DIGITS.get(lang) or (cardinal(int(key), lang),)
    assert any(word.lower() in offer.lower() for word in words), (lang, key, offer)
    assert languages.by_key(key, languages.known()) == lang


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["uk", "ru", "tr", "ar"])
def test_new_catalogues_are_in_their_own_language_not_german(lang):
    german = prompts.catalogue("de")["prompts"]
    other = prompts.catalogue(lang)["prompts"]
    # Sentences made only of placeholders ("{office_hours}") are the same everywhere.
    same = [key for key, text in other.items()
            if text == german[key] and string.Formatter().parse(text) and
            re.sub(r"\{\w+\}", "", text).strip(" .")]
    assert not same, same


@pytest.mark.parametrize("lang, informal", [
    ("ru", {"ты", "тебя", "тебе", "твой", "твоя", "твои"}),
    ("uk", {"ти", "тебе", "тобі", "твій", "твоя", "твої"}),
    ("tr", {"sen", "seni", "sana", "senin"}),
    ("de-simple", {"du", "dich", "dir", "dein", "deine"}),
])
def test_callers_are_addressed_formally(lang, informal):
    for key, text in prompts.catalogue(lang)["prompts"].items():
        assert not set(re.findall(r"\w+", text.lower())) & informal, key


def test_german_and_english_are_reviewed_and_the_new_languages_are_not():
    for lang in ("de", "en"):
        assert prompts.unreviewed(lang) == []
    for lang in NEW:
        open_ = dict(prompts.unreviewed(lang))
        assert "greeting" in open_ and "topics.agent" in open_
        assert len(open_) == len(prompts.catalogue(lang)["prompts"]) + len(
            prompts.catalogue(lang)["topics"])


def test_a_checked_sentence_leaves_the_review_list(tmp_path, monkeypatch):
    text = (prompts.PROMPT_DIR / "tr.toml").read_text(encoding="utf-8")
    (tmp_path / "tr.toml").write_text(
        text + 'greeting = "A. Yılmaz, 2026-12-02"\n"topics.agent" = "A. Yılmaz, 2026-12-02"\n',
        encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPT_DIR", tmp_path)
    prompts.catalogue.cache_clear()
    try:
        assert prompts.reviewed("tr") == {"greeting": "A. Yılmaz, 2026-12-02",
                                          "topics.agent": "A. Yılmaz, 2026-12-02"}
        assert "greeting" not in dict(prompts.unreviewed("tr"))
    finally:
        prompts.catalogue.cache_clear()


def test_the_review_command_lists_what_a_native_speaker_must_check(runner):
    result = runner.invoke(args=["prompts", "review", "uk"])
    assert result.exit_code == 0, result.output
    assert "Українська (uk)" in result.output
    assert "greeting: Добрий день" in result.output
    done = runner.invoke(args=["prompts", "review", "de"])
    assert "all" in done.output and "checked" in done.output
    unknown = runner.invoke(args=["prompts", "review", "xx"])
    assert unknown.exit_code != 0 and "No catalogue" in unknown.output
