"""A slot with the caseworker a caller asked for ("bei Frau Keller", or "mein
Arbeitsvermittler": whoever of the case's team sees customers about the topic), or the
nearest choice when they have none for the wish, with the reason to tell the caller.

The rules, in order:
- nobody asked for sees customers about the topic: a colleague at their site;
- the person has a free slot that fits the wish: that one;
- the person is away on the wished day (an absence of the whole day): a colleague on
  that day, and the caller hears when the person is back;
- the person is fully booked then: their own next free slot if it is at most
  `NEAR_DAYS` days after the wished day, else a colleague's slot for the wish;
- with neither, whichever of the two exists.
A person who works at two sites is searched at both unless the caller named one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .config import BERLIN, Caseworker, Schedule
from .model import Slot, Wish
from .slots import find_slots

NEAR_DAYS = 14  # waiting this much longer for the person asked for is worth offering


@dataclass(frozen=True)
class WithCaseworker:
    """What to offer a caller who asked for a person, and why if not with them."""

    slot: Slot | None
    with_them: bool  # the slot is with the person (or the team) asked for
    why: str | None = None  # away | busy | topic: why the wish could not be met with them
    back: date | None = None  # when away: their first working day after the absence
    person: str | None = None  # the name of the one person asked for, for the reason
    no_team: bool = False  # nobody of the case's team is in the calendar


def find_with_caseworker(db, schedule: Schedule, site_id: str | None, topic_id: str,
                         wish: Wish, now: datetime, exclude=(), for_call: str | None = None,
                         caseworker_id: str | None = None,
                         team: str | None = None) -> WithCaseworker:
    """A slot with the caseworker `caseworker_id`, or with someone of the case's `team`
    (as the case data names it) who sees customers about `topic_id`."""
    if caseworker_id is not None:
        asked = [schedule.caseworkers[caseworker_id]]
    else:
        asked = [p for p in schedule.caseworkers.values() if team and team in p.teams]
        if not asked:
            return WithCaseworker(None, False, no_team=True)
    name = asked[0].name if len(asked) == 1 else None
    people = [p for p in asked if topic_id in p.topics]
    everywhere = list(dict.fromkeys(site for p in asked for site in p.hours))
    sites = [site_id] if site_id in everywhere else everywhere

    def first(wanted: Wish, ids: list[str] | None, where: list[str]) -> Slot | None:
        found = [slot for site in where for slot in find_slots(
            db, schedule, site, topic_id, wanted, now, limit=1, exclude=exclude,
            for_call=for_call, caseworker_ids=ids)]
        return min(found, key=lambda slot: slot.start) if found else None

    if not people:
        return WithCaseworker(first(wish, None, sites[:1]), False, "topic", person=name)
    ids = [p.id for p in people]
    sites = [site for site in sites if any(site in p.hours for p in people)]
    own = first(wish, ids, sites)
    if own is not None:
        return WithCaseworker(own, True)
    today = now.astimezone(BERLIN).date()
    wished = wish.on or wish.earliest or today
    back = _back_after(people[0], wished) if len(people) == 1 else None
    later = first(Wish(earliest=max(wished, back or wished), part_of_day=wish.part_of_day),
                  ids, sites)
    other = first(wish, None, sites[:1])
    if back is not None:
        return WithCaseworker(other or later, other is None and later is not None, "away",
                              back, name)
    if later is not None and (later.start.date() - wished).days <= NEAR_DAYS:
        return WithCaseworker(later, True, "busy", person=name)
    return WithCaseworker(other or later, other is None and later is not None, "busy",
                          person=name)


def _back_after(person: Caseworker, day: date) -> date | None:
    """The person's first working day after a whole-day absence covering `day`."""
    away = [a for a in person.absences if a.hours is None and a.first <= day <= a.last]
    if not away:
        return None
    back = max(a.last for a in away) + timedelta(days=1)
    working = {weekday for week in person.hours.values() for weekday in week}
    for _ in range(14):
        if back.weekday() in working and not any(
                a.hours is None and a.first <= back <= a.last for a in person.absences):
            return back
        back += timedelta(days=1)
    return back
