"""The prompt catalogue: what the hotline says, per language, from ivr/prompts/<lang>.toml."""

import functools
import tomllib
from datetime import date, datetime
from pathlib import Path

from schedules.calendar import holiday_name, site_day
from schedules.config import Schedule
from schedules.spoken import MONTH_NAMES, join_words, spoken_code, spoken_date, spoken_when

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
    ``topic_*`` an intent, ``when_*`` an ISO date-time (today and tomorrow named as such
    when a ``today`` parameter gives the call's date), ``date_*`` an ISO date with its
    weekday, ``daymonth_*`` one without, ``digits_*`` digits read one by one, and with a
    `schedule`: ``place_*`` where a site is, ``site_*`` its name, ``address_*`` its
    address and directions, ``entry_*`` how booked customers get in outside its opening
    hours, ``bring_*`` what to bring for an appointment topic, ``holiday_*`` the public
    holiday on an ISO date, ``closure_*`` why a site is closed ("site/ISO date").
    """
    today = params.pop("today", None)
    today = date.fromisoformat(today) if today else None
    said = {name: _say(name, value, lang, schedule, today) for name, value in params.items()}
    return catalogue(lang)["prompts"][key].format(**said)


def _say(name: str, value, lang: str, schedule: Schedule | None, today: date | None) -> str:
    kind = name.split("_", 1)[0]
    if kind == "topic":
        return topic(lang, value)
    if kind == "when":
        return spoken_when(datetime.fromisoformat(value), lang, today)
    if kind == "date":
        return spoken_date(date.fromisoformat(value), lang, today)
    if kind == "daymonth":
        day = date.fromisoformat(value)
        month = MONTH_NAMES["en" if lang == "en" else "de"][day.month - 1]
        return f"{day.day} {month}" if lang == "en" else f"{day.day}. {month}"
    if kind == "digits":
        return spoken_code(value)
    if schedule is not None and kind == "site":
        site = schedule.site(value)
        return f"the {site.name_en}" if lang == "en" else f"{site.article} {site.name}"
    if schedule is not None and kind == "entry":
        site = schedule.site(value)
        return (site.entry_en if lang == "en" else site.entry_de) or text(lang, "entry_default")
    if schedule is not None and kind == "holiday":
        return holiday_name(schedule.state, date.fromisoformat(value), lang) or ""
    if schedule is not None and kind == "closure":
        site_id, day = value.split("/")
        return site_day(schedule, site_id, date.fromisoformat(day)).closure(lang) or ""
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
