"""Opening hours as sentences for callers: today, tomorrow or a named day, holidays and closures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import clock

from .calendar import Day, site_day
from .config import BERLIN, Schedule, Site
from .spoken import join_words, spoken_date, spoken_hours, weekday_name

# How far to look for the next open day after a closed one (covers Christmas to Epiphany).
NEXT_OPEN_SEARCH_DAYS = 21


def describe_opening_hours(schedule: Schedule, site_id: str | None = None,
                           day: date | None = None, now: datetime | None = None,
                           lang: str = "de") -> str:
    """The opening hours to read to a caller.

    Without `day`: today (saying so if the office has already closed) and tomorrow, and
    when tomorrow is closed, the next day it opens. With `day`: that day only. Without
    `site_id`: all sites at once, briefly.
    """
    lang = "en" if lang == "en" else "de"
    now = (now or clock.now()).astimezone(BERLIN)
    today = now.date()
    sites = [schedule.site(site_id)] if site_id else list(schedule.sites.values())
    if day is not None:
        return _sentence(schedule, sites, day, today, lang, now=None) + "."
    text = _sentence(schedule, sites, today, today, lang, now=now)
    tomorrow = today + timedelta(days=1)
    text += "; " + _tomorrow(schedule, sites, tomorrow, lang) + "."
    if not any(site_day(schedule, s.id, tomorrow).is_open for s in sites):
        again = _next_open(schedule, sites, tomorrow + timedelta(days=1), today, lang)
        if again:
            text += " " + again
    return text


def _when(day: date, today: date, lang: str) -> str:
    """"Heute, Dienstag," / "Am Mittwoch, den 2. Dezember," (capitalised, sentence start)."""
    offset = (day - today).days
    if lang == "en":
        if offset == 0:
            return f"Today, {weekday_name(day, lang)},"
        if offset == 1:
            return f"Tomorrow, {weekday_name(day, lang)},"
        return f"On {spoken_date(day, lang, today)},"
    if offset == 0:
        return f"Heute, {weekday_name(day)},"
    if offset == 1:
        return f"Morgen, {weekday_name(day)},"
    return f"Am {spoken_date(day, lang, today)},"


def _subject(site: Site, lang: str) -> str:
    return f"the {site.name_en}" if lang == "en" else f"{site.article} {site.name}"


def _sentence(schedule: Schedule, sites: list[Site], day: date, today: date, lang: str,
              now: datetime | None) -> str:
    """One day at one or all sites, without the closing full stop."""
    days = [site_day(schedule, site.id, day) for site in sites]
    when = _when(day, today, lang)
    first = days[0]
    if first.holiday_de:
        if lang == "en":
            when = when.removeprefix("On ")
            closed = ("the offices are closed" if len(sites) > 1
                      else f"{_subject(sites[0], lang)} is closed")
            return f"{when} is a public holiday: {first.holiday(lang)}; {closed}"
        closed = ("alle Geschäftsstellen sind geschlossen" if len(sites) > 1
                  else f"{_subject(sites[0], lang)} ist geschlossen")
        return f"{when} ist Feiertag: {first.holiday(lang)}; {closed}"
    if len(sites) == 1:
        return _one_site(sites[0], first, when, lang, now)
    if all(_same_hours(d, first) for d in days):
        return _all_alike(first, when, lang, now)
    parts = _site_list(sites, days, lang, now)
    if lang == "en":
        return f"{when} the opening hours are: {parts}"
    return f"{when} gelten diese Öffnungszeiten: {parts}"


def _same_hours(a: Day, b: Day) -> bool:
    return (a.opening_hours, a.closure_de, a.special_de) == \
        (b.opening_hours, b.closure_de, b.special_de)


def _closed_now(d: Day, now: datetime | None) -> bool:
    """The office has opened today and its last hours are over."""
    if now is None or not d.opening_hours or now.date() != d.day:
        return False
    return now.hour * 60 + now.minute >= d.opening_hours[-1][1]


def _special(d: Day, lang: str) -> str:
    return f" ({d.special(lang)})" if d.special_de else ""


def _one_site(site: Site, d: Day, when: str, lang: str, now: datetime | None) -> str:
    subject = _subject(site, lang)
    if d.closure_de:
        if lang == "en":
            return f"{when} {subject} is closed: {d.closure(lang)}"
        return f"{when} ist {subject} geschlossen: {d.closure(lang)}"
    if not d.is_open:
        return f"{when} {subject} is closed" if lang == "en" else \
            f"{when} ist {subject} geschlossen"
    hours = spoken_hours(d.opening_hours, lang) + _special(d, lang)
    if _closed_now(d, now):
        if lang == "en":
            return f"{when} {subject} was open {hours} and is now closed"
        return f"{when} hatte {subject} {hours} geöffnet und ist jetzt geschlossen"
    if lang == "en":
        return f"{when} {subject} is open {hours}"
    return f"{when} hat {subject} {hours} geöffnet"


def _all_alike(d: Day, when: str, lang: str, now: datetime | None) -> str:
    if d.closure_de:
        if lang == "en":
            return f"{when} all offices are closed: {d.closure(lang)}"
        return f"{when} sind alle Geschäftsstellen geschlossen: {d.closure(lang)}"
    if not d.is_open:
        return f"{when} all offices are closed" if lang == "en" else \
            f"{when} sind alle Geschäftsstellen geschlossen"
    hours = spoken_hours(d.opening_hours, lang) + _special(d, lang)
    if _closed_now(d, now):
        if lang == "en":
            return f"{when} all offices were open {hours} and are now closed"
        return f"{when} hatten alle Geschäftsstellen {hours} geöffnet und sind jetzt geschlossen"
    if lang == "en":
        return f"{when} all offices are open {hours}"
    return f"{when} haben alle Geschäftsstellen {hours} geöffnet"


def _site_list(sites: list[Site], days: list[Day], lang: str, now: datetime | None) -> str:
    return join_words([_site_part(site, d, lang, now)
                       for site, d in zip(sites, days, strict=True)], lang)


def _site_part(site: Site, d: Day, lang: str, now: datetime | None) -> str:
    """One site in a list: "Backnang von 8 bis 12:30 Uhr" / "Schorndorf geschlossen (Grund)"."""
    closed = "closed" if lang == "en" else "geschlossen"
    if d.closure_de:
        return f"{site.place} {closed} ({d.closure(lang)})"
    if not d.is_open:
        return f"{site.place} {closed}"
    hours = spoken_hours(d.opening_hours, lang) + _special(d, lang)
    if _closed_now(d, now):
        return f"{site.place} {hours} ({'now closed' if lang == 'en' else 'jetzt geschlossen'})"
    return f"{site.place} {hours}"


def _tomorrow(schedule: Schedule, sites: list[Site], day: date, lang: str) -> str:
    """The short second half: "morgen ist Feiertag: ..." / "morgen, Mittwoch, von 8 bis 12 Uhr"."""
    days = [site_day(schedule, site.id, day) for site in sites]
    first = days[0]
    name = weekday_name(day, lang)
    if first.holiday_de:
        return (f"tomorrow is a public holiday: {first.holiday(lang)}" if lang == "en"
                else f"morgen ist Feiertag: {first.holiday(lang)}")
    if len(sites) > 1 and not all(_same_hours(d, first) for d in days):
        parts = _site_list(sites, days, lang, None)
        return f"tomorrow, {name}: {parts}" if lang == "en" else f"morgen, {name}: {parts}"
    if first.closure_de:
        return (f"tomorrow, {name}, it is closed: {first.closure(lang)}" if lang == "en"
                else f"morgen, {name}, ist geschlossen: {first.closure(lang)}")
    if not first.is_open:
        return (f"tomorrow, {name}, it is closed" if lang == "en"
                else f"morgen, {name}, ist geschlossen")
    hours = spoken_hours(first.opening_hours, lang) + _special(first, lang)
    return f"tomorrow, {name}, {hours}" if lang == "en" else f"morgen, {name}, {hours}"


def _next_open(schedule: Schedule, sites: list[Site], start: date, today: date,
               lang: str) -> str:
    """"Geöffnet ist wieder am Montag, den 28. Dezember, von 8 bis 12:30 Uhr." or ""."""
    for offset in range(NEXT_OPEN_SEARCH_DAYS):
        day = start + timedelta(days=offset)
        days = [site_day(schedule, site.id, day) for site in sites]
        open_days = [d for d in days if d.is_open]
        if not open_days:
            continue
        when = spoken_date(day, lang, today)
        if len(sites) > 1 and not all(_same_hours(d, days[0]) for d in days):
            if lang == "en":
                return f"The offices open again on {when}."
            return f"Geöffnet ist wieder am {when}."
        hours = spoken_hours(open_days[0].opening_hours, lang)
        if lang == "en":
            return f"It opens again on {when}, {hours}."
        return f"Geöffnet ist wieder am {when}, {hours}."
    return ""
