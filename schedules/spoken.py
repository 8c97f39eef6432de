"""Dates, times, hours and booking codes as the hotline says them, in German and English.

Written for the ear: "9 Uhr" rather than "09:00 Uhr", "von 8 bis 12:30 Uhr", the
booking code in groups with a pause between them ("471 – 103").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from .config import BERLIN, Interval, Topic

WEEKDAY_NAMES = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "de"


def weekday_name(day: date, lang: str = "de") -> str:
    return WEEKDAY_NAMES[_lang(lang)][day.weekday()]


def clock(minute: int | time, lang: str = "de") -> str:
    """A time of day without "Uhr": "9", "12:30" (German); "9 am", "12:30 pm" (English)."""
    if isinstance(minute, time):
        minute = minute.hour * 60 + minute.minute
    hour, rest = divmod(minute, 60)
    if _lang(lang) == "en":
        if minute == 12 * 60:
            return "12 noon"
        suffix = "am" if hour < 12 or hour == 24 else "pm"
        hour12 = hour % 12 or 12
        return f"{hour12}:{rest:02d} {suffix}" if rest else f"{hour12} {suffix}"
    return f"{hour}:{rest:02d}" if rest else str(hour)


def spoken_time(minute: int | time, lang: str = "de") -> str:
    """A time of day to read out: "9:30 Uhr", "14 Uhr" / "9:30 am", "2 pm"."""
    return f"{clock(minute, lang)} Uhr" if _lang(lang) == "de" else clock(minute, lang)


def spoken_hours(intervals: tuple[Interval, ...] | list[Interval], lang: str = "de") -> str:
    """Opening hours of one day: "von 8 bis 12:30 Uhr und von 14 bis 18 Uhr"."""
    if _lang(lang) == "en":
        parts = [f"from {clock(a, 'en')} to {clock(b, 'en')}" for a, b in intervals]
        return join_words(parts, "en")
    parts = [f"von {clock(a)} bis {clock(b)} Uhr" for a, b in intervals]
    return join_words(parts, "de")


def join_words(parts: list[str], lang: str = "de") -> str:
    """"A, B und C" / "A, B and C"."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    word = "and" if _lang(lang) == "en" else "und"
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def spoken_date(day: date, lang: str = "de", today: date | None = None) -> str:
    """"Dienstag, den 1. Dezember" / "Tuesday, 1 December"; the year only if not this year."""
    lang = _lang(lang)
    month = MONTH_NAMES[lang][day.month - 1]
    year = f" {day.year}" if today is not None and day.year != today.year else ""
    if lang == "en":
        return f"{weekday_name(day, lang)}, {day.day} {month}{year}"
    return f"{weekday_name(day, lang)}, den {day.day}. {month}{year}"


def spoken_when(start: datetime, lang: str = "de", now: datetime | None = None) -> str:
    """When an appointment starts, to read out.

    "Dienstag, den 1. Dezember, um 9:30 Uhr" / "Tuesday, 1 December, at 9:30 am".

    With `now`, today and tomorrow are named as such: "morgen, Dienstag, den 1. Dezember, ...".
    """
    lang = _lang(lang)
    local = start.astimezone(BERLIN)
    today = now.astimezone(BERLIN).date() if now is not None else None
    day = spoken_date(local.date(), lang, today)
    minute = local.hour * 60 + local.minute
    at = f"at {spoken_time(minute, lang)}" if lang == "en" else f"um {spoken_time(minute, lang)}"
    relative = ""
    if today is not None:
        offset = (local.date() - today).days
        relative = {0: {"de": "heute, ", "en": "today, "},
                    1: {"de": "morgen, ", "en": "tomorrow, "}}.get(offset, {}).get(lang, "")
    return f"{relative}{day}, {at}"


def spoken_code(code: str) -> str:
    """A booking code digit by digit, with pauses: "4, 7, 1, 1, 0, 3"."""
    return ", ".join(ch for ch in str(code) if ch.isdigit())


# Between groups: a dash with spaces, which Twilio's voices read as a short pause.
GROUP_PAUSE = " – "


def spoken_groups(symbols: str) -> str:
    """A booking code or customer number in groups a listener can follow and write down:
    "438 – 581", "123 – D – 456 – 789", "123 – 45 – BG – 001 – 23 – 45".

    Digits go in threes (a run that would leave one digit over ends in two pairs);
    letters stay together as a group of their own. Anything else (the open letter of a
    typed number) is left out.
    """
    groups: list[str] = []
    for run in re.findall(r"\d+|[A-Za-z]+", str(symbols)):
        if not run.isdigit():
            groups.append(run.upper())
            continue
        while len(run) > 4 or len(run) == 3:
            groups.append(run[:3])
            run = run[3:]
        if len(run) == 4:
            groups += [run[:2], run[2:]]
        elif run:
            groups.append(run)
    return GROUP_PAUSE.join(groups)


_TITLES_EN = {"Frau": "Ms", "Herr": "Mr"}


def spoken_person(name: str, lang: str = "de") -> str:
    """A caseworker's name as configured ("Herr Wagner"), in English "Mr Wagner"."""
    title, _, rest = str(name).partition(" ")
    if _lang(lang) == "en" and title in _TITLES_EN and rest:
        return f"{_TITLES_EN[title]} {rest}"
    return str(name)


def spoken_with(name: str, lang: str = "de") -> str:
    """With whom an appointment is: "bei Herrn Wagner", "bei Frau Keller" / "with Mr Wagner"."""
    if _lang(lang) == "en":
        return f"with {spoken_person(name, 'en')}"
    title, _, rest = str(name).partition(" ")
    if title == "Herr" and rest:
        return f"bei Herrn {rest}"  # the dative: "bei Herrn Wagner"
    return f"bei {name}"


def spoken_bring(topic: Topic, lang: str = "de") -> str:
    """What to bring, as one sentence; empty when nothing is needed."""
    items = list(topic.bring(_lang(lang)))
    if not items:
        return ""
    if _lang(lang) == "en":
        return f"Please bring {join_words(items, 'en')}."
    return f"Bitte bringen Sie mit: {join_words(items, 'de')}."
