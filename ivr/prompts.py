"""The prompt catalogue: what the hotline says, per language, from ivr/prompts/<lang>.toml."""

import functools
import tomllib
from pathlib import Path

PROMPT_DIR = Path(__file__).parent / "prompts"


class UnknownLanguageError(KeyError):
    """No prompt catalogue for this language."""


@functools.cache
def catalogue(lang: str) -> dict:
    path = PROMPT_DIR / f"{lang}.toml"
    if not path.is_file():
        raise UnknownLanguageError(lang)
    with path.open("rb") as f:
        return tomllib.load(f)


def available_languages() -> list[str]:
    return sorted(p.stem for p in PROMPT_DIR.glob("*.toml"))


def text(lang: str, key: str, **params: str) -> str:
    """The sentence `key` in `lang`, with its {placeholders} filled in.

    A parameter named ``topic_*`` holds an intent and is said as that intent's topic
    in `lang`, so a repeated question after a language switch is said in the new one.
    """
    said = {
        name: topic(lang, value) if name.startswith("topic_") else value
        for name, value in params.items()
    }
    return catalogue(lang)["prompts"][key].format(**said)


def topic(lang: str, intent: str) -> str:
    """How an intent is named to the caller ("den Stand Ihres Antrags")."""
    return catalogue(lang)["topics"][intent]


def twilio_language(lang: str) -> str:
    return catalogue(lang)["meta"]["twilio_language"]


def default_voice(lang: str) -> str:
    return catalogue(lang)["meta"]["voice"]
