"""Short answers in the callers' other languages (Ukrainian, Russian, Turkish, Arabic).

Yes and no, the day ("у вівторок", "yarın", "بكرة", "3 грудня"), the part of the day,
"as soon as possible", a site and an appointment topic: enough to book an appointment by
voice. The words are data (catalogue/short_answers.toml); German and English keep their
own readers (answers.py, dates.py, wishes.py). Pure: no state, no network.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from speech.normalise import MAX_CHARS, fold, fold_pattern

DATA_FILE = Path(__file__).parent / "catalogue" / "short_answers.toml"
def _table(expressions: list[str]) -> list[re.Pattern]:
    return [re.compile(rf"(?<!\w)(?:{fold_pattern(e)})(?!\w)") for e in expressions]


@dataclass(frozen=True)
class Words:
    """One language's short answers, compiled."""

    yes: list[re.Pattern]
    no: list[re.Pattern]
    weekdays: list[re.Pattern]
    months: list[re.Pattern]
    days: dict[int, list[re.Pattern]]  # days from today: 0 today, 1 tomorrow, 2 after
    next_week: list[re.Pattern]
    parts: dict[str, list[re.Pattern]]  # morning | afternoon
    asap: list[re.Pattern]
    sites: dict[str, list[re.Pattern]]
    topics: dict[str, list[re.Pattern]]  # in the order of the file: the first that fits
    commands: dict[str, list[re.Pattern]]  # repeat | goodbye, as answers.find_command names them


@functools.cache
def _all() -> dict[str, Words]:
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    for lang, entry in data.items():
        # An entry too many shifts every later day ("çarşamba" heard as Thursday).
        if len(entry["weekdays"]) != 7 or len(entry["months"]) != 12:
            raise ValueError(f"{DATA_FILE.name}: [{lang}] needs 7 weekdays and 12 months, "
                             f"one entry each")
    return {lang: Words(
        yes=_table(entry["yes"]), no=_table(entry["no"]),
        weekdays=[_table([w])[0] for w in entry["weekdays"]],
        months=[_table([m])[0] for m in entry["months"]],
        days={0: _table(entry["today"]), 1: _table(entry["tomorrow"]),
              2: _table(entry["after_tomorrow"])},
        next_week=_table(entry["next_week"]),
        parts={"morning": _table(entry["morning"]), "afternoon": _table(entry["afternoon"])},
        asap=_table(entry["asap"]),
        sites={site: _table(names) for site, names in entry["sites"].items()},
        topics={topic: _table(names) for topic, names in entry["topics"].items()},
        commands={command: _table(entry[command]) for command in ("goodbye", "repeat")},
    ) for lang, entry in data.items()}


@functools.cache
def languages() -> frozenset[str]:
    """The languages this module reads (asked several times in every turn)."""
    return frozenset(_all())


def _longest(text: str, table: dict) -> tuple[object, re.Match] | None:
    """The key whose expression matches longest (then first) in `text`."""
    best = None
    for key, patterns in table.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                size = match.end() - match.start()
                if best is None or (size, -match.start()) > (best[2], -best[1].start()):
                    best = (key, match, size)
    return (best[0], best[1]) if best else None


def _any(text: str, patterns: list[re.Pattern]) -> re.Match | None:
    return next((m for p in patterns if (m := p.search(text))), None)


def _text(text: str) -> str:
    return fold((text or "")[:MAX_CHARS])


def answer(text: str, lang: str) -> str | None:
    """"yes" or "no", whichever comes first; a "yes" inside a "no" ("не підходить"
    holds "підходить") is none."""
    words = _all()[lang]
    folded = _text(text)
    if not folded:
        return None
    noes = [(m.start(), m.end()) for p in words.no for m in p.finditer(folded)]
    yeses = [m.start() for p in words.yes for m in p.finditer(folded)
             if not any(start <= m.start() < end for start, end in noes)]
    if noes and (not yeses or min(s for s, _ in noes) < min(yeses)):
        return "no"
    return "yes" if yeses else None


def command(text: str, lang: str) -> str | None:
    """"goodbye" ("спасибо, до свидания") or "repeat" ("повторите, пожалуйста"): the
    commands that German and English callers give in words of their own (answers.py)."""
    folded = _text(text)
    if not folded:
        return None
    for name, patterns in _all()[lang].commands.items():
        if _any(folded, patterns):
            return name
    return None


def day(text: str, lang: str, now: datetime) -> date | None:
    """The day the caller means: today, tomorrow, the day after, a weekday (the next one,
    or next week's), or a digit and a month ("3 грудня", "3 Aralık")."""
    words = _all()[lang]
    folded = _text(text)
    today = now.date()
    named = _longest(folded, words.days)
    if named is not None:
        return today + timedelta(days=named[0])
    for month, pattern in enumerate(words.months, start=1):
        for match in pattern.finditer(folded):
            number = re.search(r"(\d{1,2})\D{0,4}$", folded[: match.start()])
            if number:
                found = _future(int(number.group(1)), month, today)
                if found:
                    return found
    weekday = _longest(folded, {n: [p] for n, p in enumerate(words.weekdays)})
    if weekday is not None:
        wanted = weekday[0]
        if _any(folded, words.next_week):
            monday = today + timedelta(days=7 - today.weekday())
            return monday + timedelta(days=wanted)
        return today + timedelta(days=(wanted - today.weekday()) % 7 or 7)
    return None


def month(words: str, lang: str) -> int | None:
    """The month (1-12) that `words` name as a whole ("мая", "Mayıs", "كانون الثاني"),
    or None: for a date of birth, where the day must not roll forward."""
    folded = _text(words).strip()
    return next((number for number, pattern in enumerate(_all()[lang].months, start=1)
                 if pattern.fullmatch(folded)), None)


def _future(day_: int, month: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day_)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def part_of_day(text: str, lang: str) -> str | None:
    found = _longest(_text(text), _all()[lang].parts)
    return found[0] if found else None


def site(text: str, lang: str) -> str | None:
    found = _longest(_text(text), _all()[lang].sites)
    return found[0] if found else None


def topic(text: str, lang: str) -> str | None:
    """The appointment topic the words name; the more specific topics come first."""
    folded = _text(text)
    for name, patterns in _all()[lang].topics.items():
        if _any(folded, patterns):
            return name
    return None


def entities(text: str, lang: str, now: datetime) -> dict:
    """What the short answers give: answer, date, part_of_day, site (when said)."""
    found: dict = {}
    said = answer(text, lang)
    if said:
        found["answer"] = said
    when = day(text, lang, now)
    if when:
        found["date"] = when.isoformat()
    part = part_of_day(text, lang)
    if part:
        found["part_of_day"] = part
    place = site(text, lang)
    if place:
        found["site"] = place
    return found


def wish(text: str, lang: str, now: datetime) -> dict:
    """When the caller would like an appointment (as speech.wishes.appointment_wish)."""
    words = _all()[lang]
    folded = _text(text)
    found: dict = {}
    when = day(text, lang, now)
    if when:
        found["on"] = when.isoformat()
    elif _any(folded, words.next_week):
        monday = now.date() + timedelta(days=7 - now.weekday())
        found["earliest"], found["latest"] = monday.isoformat(), (monday + timedelta(6)).isoformat()
    part = part_of_day(text, lang)
    if part:
        found["part_of_day"] = part
    if _any(folded, words.asap):
        found["asap"] = True
    return found
