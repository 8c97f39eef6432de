"""Which hours a site is open on a date: weekly hours, public holidays, closures, special days."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import holidays as public_holidays

from .config import Interval, Schedule

# The holidays package names its languages like this.
_HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US"}


@dataclass(frozen=True)
class Day:
    """One site on one date: when it is open to walk in, when appointments are given, why not."""

    day: date
    site_id: str
    opening_hours: tuple[Interval, ...]
    appointment_hours: tuple[Interval, ...]
    holiday_de: str | None = None
    holiday_en: str | None = None
    closure_de: str | None = None
    closure_en: str | None = None
    special_de: str | None = None
    special_en: str | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.opening_hours)

    def doors_open(self, minute: int) -> bool:
        """Whether anyone may walk in at `minute` (appointment hours may be longer)."""
        return any(start <= minute < end for start, end in self.opening_hours)

    def holiday(self, lang: str) -> str | None:
        return self.holiday_en if lang == "en" else self.holiday_de

    def closure(self, lang: str) -> str | None:
        return self.closure_en if lang == "en" else self.closure_de

    def special(self, lang: str) -> str | None:
        return self.special_en if lang == "en" else self.special_de


def holiday_name(state: str, day: date, lang: str = "de") -> str | None:
    """The public holiday on `day` in the German `state` (e.g. "BW"), or None."""
    return _holidays(state, day.year, _HOLIDAY_LANGUAGE.get(lang, "de")).get(day)


@functools.lru_cache(maxsize=64)
def _holidays(state: str, year: int, language: str) -> dict[date, str]:
    # A plain dict: the holidays object computes lazily and is slower to query.
    return dict(public_holidays.country_holidays("DE", subdiv=state, years=year,
                                                 language=language))


@functools.lru_cache(maxsize=8192)
def site_day(schedule: Schedule, site_id: str, day: date) -> Day:
    """The site's hours on `day`: holidays and closures close it, a special day replaces its hours.

    Closures and holidays win over special days: a special day that falls on a holiday
    by mistake does not open the office.
    """
    site = schedule.site(site_id)
    holiday_de = holiday_name(schedule.state, day, "de")
    if holiday_de:
        return Day(day, site_id, (), (), holiday_de=holiday_de,
                   holiday_en=holiday_name(schedule.state, day, "en"))
    for closure in schedule.closures:
        if closure.applies(site_id, day):
            return Day(day, site_id, (), (), closure_de=closure.reason_de,
                       closure_en=closure.reason_en)
    for special in schedule.special_days:
        if special.day == day and (special.sites is None or site_id in special.sites):
            return Day(day, site_id, special.opening_hours, special.appointment_hours,
                       special_de=special.reason_de, special_en=special.reason_en)
    weekday = day.weekday()
    return Day(day, site_id, site.opening_hours.get(weekday, ()),
               site.appointment_hours.get(weekday, ()))
