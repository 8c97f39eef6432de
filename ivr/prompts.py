"""The prompt catalogue: what the hotline says, per language, from ivr/prompts/<lang>.toml."""

import functools
import tomllib
from datetime import date, datetime
from pathlib import Path

from schedules.config import Schedule
from schedules.spoken import (
    join_words,
    spoken_code,
    spoken_date,
    spoken_groups,
    spoken_person,
    spoken_when,
    spoken_with,
)

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


def text(lang: str, key: str, schedule: Schedule | None = None, **params: str) -> str:
    """The sentence `key` in `lang`, with its {placeholders} filled in.

    Parameters hold data, not words, and are said in `lang` by their name's prefix, so
    a question repeated after a language switch is said in the new language:
    ``topic_*`` an intent, ``when_*`` an ISO date-time, ``date_*`` an ISO date,
    ``digits_*`` digits read one by one, ``groups_*`` a code or customer number in groups
    ("438 – 581"), ``person_*`` a caseworker's name ("Herr Wagner" / "Mr Wagner"),
    ``with_*`` with whom ("bei Herrn Wagner" / "with Mr Wagner"), and with a `schedule`:
    ``place_*`` where a site is, ``address_*`` its address and directions, ``bring_*``
    what to bring for an appointment topic.
    """
    said = {name: _say(name, value, lang, schedule) for name, value in params.items()}
    return catalogue(lang)["prompts"][key].format(**said)


def _say(name: str, value, lang: str, schedule: Schedule | None) -> str:
    kind = name.split("_", 1)[0]
    if kind == "topic":
        return topic(lang, value)
    if kind == "when":
        return spoken_when(datetime.fromisoformat(value), lang)
    if kind == "digits":
        return spoken_code(value)
    if kind == "groups":
        return spoken_groups(value)
    if kind == "date":
        return spoken_date(date.fromisoformat(value), lang)
    if kind == "person":
        return spoken_person(value, lang)
    if kind == "with":
        return spoken_with(value, lang)
    if schedule is not None and kind == "place":
        site = schedule.site(value)
        if lang == "en":
            return f"at the {site.name_en}"
        return f"{'in der' if site.article == 'die' else 'im'} {site.name}"
    if schedule is not None and kind == "address":
        site = schedule.site(value)
        directions = site.directions_en if lang == "en" else site.directions_de
        return f"{site.address}. {directions}".rstrip(". ") if directions else site.address
    if schedule is not None and kind == "bring":
        return join_words(list(schedule.topic(value).bring(lang)), lang)
    return str(value)


def topic(lang: str, intent: str) -> str:
    """How an intent is named to the caller ("den Stand Ihres Antrags")."""
    return catalogue(lang)["topics"][intent]


def twilio_language(lang: str) -> str:
    return catalogue(lang)["meta"]["twilio_language"]


def default_voice(lang: str) -> str:
    return catalogue(lang)["meta"]["voice"]


def slow_rate(lang: str, key: str) -> str | None:
    """The speaking rate for `key` if it is read slowly (booking details), else None."""
    meta = catalogue(lang)["meta"]
    return meta.get("slow_rate", "85%") if key in meta.get("slow", ()) else None
