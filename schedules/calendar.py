"""Which hours a site is open on a date: weekly hours, public holidays, closures, special days."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import holidays as public_holidays

from .config import Interval, Schedule

# The holidays package names its languages like this.
_HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US"}
# The holidays' names in the other languages, by their German names.
HOLIDAY_NAMES = Path(__file__).with_name("holiday_names.toml")


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
    # The holiday's, closure's or special day's name in the languages beyond German and
    # English ("tr": "Noel arifesi"); a language without one hears the German.
    said: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_open(self) -> bool:
        return bool(self.opening_hours)

    def doors_open(self, minute: int) -> bool:
        """Whether anyone may walk in at `minute` (appointment hours may be longer)."""
        return any(start <= minute < end for start, end in self.opening_hours)

    def holiday(self, lang: str) -> str | None:
        return self._named(self.holiday_de, self.holiday_en, lang)

    def closure(self, lang: str) -> str | None:
        return self._named(self.closure_de, self.closure_en, lang)

    def special(self, lang: str) -> str | None:
        return self._named(self.special_de, self.special_en, lang)

    def reason(self) -> dict | None:
        """Why the day is not as usual, in every language it is named in: {"kind":
        "holiday", "de": ..., "en": ..., "tr": ...}; None on an ordinary day."""
        for kind, german, english in (("holiday", self.holiday_de, self.holiday_en),
                                      ("closure", self.closure_de, self.closure_en),
                                      ("special", self.special_de, self.special_en)):
            if german:
                return {"kind": kind, **self.said, "de": german, "en": english or german}
        return None

    def _named(self, german: str | None, english: str | None, lang: str) -> str | None:
        if not german:
            return None
        if lang == "en":
            return english or german
        return self.said.get(lang, german)


def holiday_name(state: str, day: date, lang: str = "de") -> str | None:
    """The public holiday on `day` in the German `state` (e.g. "BW"), or None; in German
    where `lang` has no name for it."""
    german = _holidays(state, day.year, "de").get(day)
    if german is None or lang in _HOLIDAY_LANGUAGE:
        return _holidays(state, day.year, _HOLIDAY_LANGUAGE[lang]).get(day) if german else None
    return holiday_names(german).get(lang, german)


def holiday_names(german: str) -> dict[str, str]:
    """A holiday's names beyond German and English, by language ({"tr": ..., ...})."""
    return _holiday_names().get(german, {})


@functools.cache
def _holiday_names() -> dict[str, dict[str, str]]:
    with HOLIDAY_NAMES.open("rb") as fh:
        return tomllib.load(fh)


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
                   holiday_en=holiday_name(schedule.state, day, "en"),
                   said=holiday_names(holiday_de))
    for closure in schedule.closures:
        if closure.applies(site_id, day):
            return Day(day, site_id, (), (), closure_de=closure.reason_de,
                       closure_en=closure.reason_en, said=closure.reasons)
    for special in schedule.special_days:
        if special.day == day and (special.sites is None or site_id in special.sites):
            return Day(day, site_id, special.opening_hours, special.appointment_hours,
                       special_de=special.reason_de, special_en=special.reason_en,
                       said=special.reasons)
    weekday = day.weekday()
    return Day(day, site_id, site.opening_hours.get(weekday, ()),
               site.appointment_hours.get(weekday, ()))
