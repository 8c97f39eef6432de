"""Opening hours as facts: which sites, which day, open or closed, the hours, the reason, the
next opening, and each site's week.

Facts only, as plain JSON data: what a caller hears is worded in `conversation/hours_words.py` from
the sentences in `ivr/prompts/<lang>.toml`. Times are minutes after midnight, dates ISO
strings; a reason carries its German and English name (a holiday from the holidays
package, a closure or special day from sites.toml).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import clock

from .calendar import Day, site_day
from .config import BERLIN, Schedule

# How far to look for the next open day after a closed one (covers Christmas to Epiphany).
NEXT_OPEN_SEARCH_DAYS = 21


@dataclass(frozen=True)
class SiteHours:
    """One site on one day."""

    site: str
    hours: list[list[int]]  # [[start, end], ...] in minutes; empty when closed
    reason: dict | None = None  # {"kind": holiday | closure | special, "de": ..., "en": ...}
    over: bool = False  # today, and its last hours are over

    @property
    def open(self) -> bool:
        return bool(self.hours)


@dataclass(frozen=True)
class DayHours:
    """The asked sites on one date."""

    date: str
    sites: list[SiteHours]


@dataclass(frozen=True)
class HoursFacts:
    """What there is to say about opening hours, for one question.

    `days` is the day asked about, or today and tomorrow for a general question;
    `next_open` the first day after the first of them on which an asked site opens;
    `week` each asked site's regular hours by weekday (0 = Monday).
    """

    today: str
    sites: list[str]
    all_sites: bool
    asked_day: str | None
    days: list[DayHours]
    next_open: DayHours | None
    week: dict[str, dict[str, list[list[int]]]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def opening_facts(schedule: Schedule, site_id: str | None = None, day: date | None = None,
                  now: datetime | None = None) -> HoursFacts:
    """The facts for "when are you open?": about `day` if given, else today and tomorrow
    and the week; at `site_id` if given, else at every site."""
    now = (now or clock.now()).astimezone(BERLIN)
    today = now.date()
    sites = [site_id] if site_id else list(schedule.sites)
    asked = [day] if day is not None else [today, today + timedelta(days=1)]
    days = [_day(schedule, sites, d, now) for d in asked]
    after = asked[0]
    next_open = None
    for offset in range(1, NEXT_OPEN_SEARCH_DAYS + 1):
        candidate = after + timedelta(days=offset)
        found = _day(schedule, sites, candidate, now)
        if any(s.open for s in found.sites):
            next_open = found
            break
    week = {site: {str(weekday): [list(i) for i in intervals]
                   for weekday, intervals in sorted(schedule.site(site).opening_hours.items())
                   if intervals}
            for site in sites}
    return HoursFacts(today=today.isoformat(), sites=sites, all_sites=site_id is None,
                      asked_day=day.isoformat() if day else None, days=days,
                      next_open=next_open, week=week)


def _day(schedule: Schedule, sites: list[str], day: date, now: datetime) -> DayHours:
    return DayHours(day.isoformat(), [_site_hours(site_day(schedule, s, day), now)
                                      for s in sites])


def _site_hours(d: Day, now: datetime) -> SiteHours:
    reason = d.reason()
    over = (bool(d.opening_hours) and now.date() == d.day
            and now.hour * 60 + now.minute >= d.opening_hours[-1][1])
    return SiteHours(d.site_id, [list(i) for i in d.opening_hours], reason, over)
