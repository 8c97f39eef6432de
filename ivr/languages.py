"""The languages as data: how Twilio speaks and hears each one (ivr/languages.toml).

One place for each language's <Say> voice and language, its <Gather> language and speech
model, the key that chooses it, and whether it is heard at all: a language without a
recogniser works by keypad. Pure: reads the file once, no Flask.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("languages.toml")


class UnknownLanguageError(KeyError):
    """No entry for this language in ivr/languages.toml."""


@dataclass(frozen=True)
class Language:
    """How the hotline speaks and hears one language."""

    code: str
    name: str            # in the language itself
    key: str             # the key that chooses it in the greeting
    say_language: str
    voice: str
    gather_language: str  # "" when Twilio cannot hear it: keypad only
    speech_model: str     # "" when Twilio chooses
    rate: str             # "" for the voice's own speed
    sources: str
    repeat_question: bool = False  # a question not understood is asked once more, as it was

    @property
    def by_speech(self) -> bool:
        return bool(self.gather_language)


@functools.cache
def _all() -> dict[str, Language]:
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    return {code: Language(code=code, name=entry["name"], key=entry.get("key", ""),
                           say_language=entry["say_language"], voice=entry["voice"],
                           gather_language=entry.get("gather_language", ""),
                           speech_model=entry.get("speech_model", ""),
                           rate=entry.get("rate", ""), sources=entry.get("sources", ""),
                           repeat_question=entry.get("repeat_question", False))
            for code, entry in data.items()}


def language(code: str) -> Language:
    """The data for `code` ("de", "uk", "de-simple", ...)."""
    try:
        return _all()[code]
    except KeyError:
        raise UnknownLanguageError(code) from None


def known() -> tuple[str, ...]:
    return tuple(_all())


def voice_setting(code: str) -> str:
    """The environment variable that overrides a language's voice: HOTLINE_VOICE_DE_SIMPLE."""
    return "HOTLINE_VOICE_" + code.upper().replace("-", "_")


def say_attributes(code: str, voice: str | None = None) -> dict[str, str]:
    """<Say language voice> for `code`; `voice` overrides the data's voice."""
    lang = language(code)
    return {"language": lang.say_language, "voice": voice or lang.voice}


def gather_attributes(code: str) -> dict[str, str]:
    """<Gather input language speechModel> for `code`: keys only where nothing can hear it."""
    lang = language(code)
    if not lang.by_speech:
        return {"input": "dtmf"}
    attributes = {"input": "speech dtmf", "language": lang.gather_language}
    if lang.speech_model:
        attributes["speechModel"] = lang.speech_model
    return attributes


def by_key(key: str, offered: list[str] | tuple[str, ...]) -> str | None:
    """The offered language that `key` chooses, if any."""
    return next((code for code in offered if language(code).key == key), None)
