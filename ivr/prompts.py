"""The prompt catalogue: what the hotline says, per language, from ivr/prompts/<lang>.toml."""

import functools
import tomllib
from datetime import date, datetime
from pathlib import Path

from schedules.config import Schedule
from schedules.spoken import join_words, spoken_code, spoken_date, spoken_time, spoken_when

from . import languages

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
    ``topic_*`` an intent, ``when_*`` an ISO date-time, ``digits_*`` digits read one by
    one, and with a `schedule`: ``place_*`` where a site is, ``address_*`` its address
    and directions, ``bring_*`` what to bring for an appointment topic.
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
        return spoken_code(value, lang)
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
    if kind == "noted":
        return _noted(value, lang, schedule)
    return str(value)


PARTS_OF_DAY = {"de": {"morning": "vormittags", "afternoon": "nachmittags"},
                "en": {"morning": "in the morning", "afternoon": "in the afternoon"}}


def _noted(facts: dict, lang: str, schedule: Schedule | None) -> str:
    """What a caller said about an appointment without being asked, said back in a few
    words: "am Mittwoch, den 2. Dezember, nachmittags, in Waiblingen". German for German
    and plain German, English for every other language until they have their own."""
    en = not lang.startswith("de")
    lang = "de" if not en else "en"
    parts = []
    wish = facts.get("wish") or {}
    if wish.get("on"):
        day = spoken_date(date.fromisoformat(wish["on"]), lang)
        parts.append(f"on {day}" if en else f"am {day}")
    elif wish.get("earliest"):
        monday = spoken_date(date.fromisoformat(wish["earliest"]), lang)
        parts.append(f"in the week from {monday}" if en else f"in der Woche ab {monday}")
    if wish.get("part_of_day") in PARTS_OF_DAY["de"]:
        parts.append(PARTS_OF_DAY["en" if en else "de"][wish["part_of_day"]])
    if wish.get("time"):
        hour, minute = (int(x) for x in wish["time"].split(":"))
        parts.append(("at " if en else "um ") + spoken_time(hour * 60 + minute, lang))
    if wish.get("asap") and not parts:
        parts.append("as soon as possible" if en else "so bald wie möglich")
    if facts.get("site") and schedule is not None:
        parts.append(f"in {schedule.site(facts['site']).place}")
    if facts.get("topic") and schedule is not None:
        label = schedule.topic(facts["topic"]).label(lang)
        parts.append(f"about {label}" if en else f"wegen {label}")
    return ", ".join(parts)


def topic(lang: str, intent: str) -> str:
    """How an intent is named to the caller ("den Stand Ihres Antrags")."""
    return catalogue(lang)["topics"][intent]


def twilio_language(lang: str) -> str:
    """The language Twilio hears `lang` in (ivr/languages.toml), else the one it speaks."""
    data = languages.language(lang)
    return data.gather_language or data.say_language


def default_voice(lang: str) -> str:
    return languages.language(lang).voice


def slow_rate(lang: str, key: str) -> str | None:
    """The speaking rate for `key`: slower where the catalogue reads it slowly (booking
    details), or the language's own rate (plain German), else None."""
    meta = catalogue(lang)["meta"]
    if key in meta.get("slow", ()):
        return meta.get("slow_rate", "85%")
    return languages.language(lang).rate or None


def reviewed(lang: str) -> dict[str, str]:
    """Which sentences a native speaker has checked: key -> who and when.

    A catalogue with ``[meta] reviewed = "..."`` was checked whole (German and English,
    written by native speakers of the project); any other lists each checked sentence in
    its ``[reviewed]`` table (topics as ``"topics.<intent>"``). The rest are unchecked.
    """
    data = catalogue(lang)
    keys = [*data["prompts"], *(f"topics.{t}" for t in data["topics"])]
    whole = data["meta"].get("reviewed")
    if isinstance(whole, str) and whole:
        return dict.fromkeys(keys, whole)
    checked = data.get("reviewed", {})
    return {key: checked[key] for key in keys if checked.get(key)}


def unreviewed(lang: str) -> list[tuple[str, str]]:
    """(key, sentence) for every sentence of `lang` not yet checked by a native speaker."""
    data = catalogue(lang)
    done = reviewed(lang)
    sentences = [*data["prompts"].items(),
                 *((f"topics.{t}", text) for t, text in data["topics"].items())]
    return [(key, sentence) for key, sentence in sentences if key not in done]
