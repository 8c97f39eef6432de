"""When nothing is free as the caller wished: why not on the day they named, and the
nearest free slot instead, so that the hotline can offer it right away.

Why a day has no slot, checked in this order (the first that applies is said):

    holiday    a public holiday ("Erster Weihnachtstag")
    closure    the site is closed that day (Heiligabend, a Personalversammlung)
    closed     the site sees nobody by appointment that weekday (a Saturday)
    no_staff   nobody for the topic works there that day (or that part of the day)
    late       the day is today, and what is left of it is too soon or taken
    away       those who would work that day are absent
    full       everything that day (or that part of it) is booked
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from .calendar import site_day
from .config import BERLIN, Schedule
from .model import MORNING_ENDS, Slot, Wish
from .slots import caseworkers_for, find_slots, intersect, subtract

DAYS_BACK = 7  # a free slot before the wished day is looked for this many days back
PARTS = {"morning": (0, MORNING_ENDS), "afternoon": (MORNING_ENDS, 24 * 60)}


def why_no_slot(schedule: Schedule, site_id: str, topic_id: str, day: date,
                part_of_day: str | None = None, now: datetime | None = None) -> str:
    """Why `day` (or its morning or afternoon) has no free slot: one of the reasons above."""
    calendar_day = site_day(schedule, site_id, day)
    if calendar_day.holiday_de:
        return "holiday"
    if calendar_day.closure_de:
        return "closure"
    if not calendar_day.appointment_hours:
        return "closed"
    hours = intersect(calendar_day.appointment_hours, [PARTS.get(part_of_day, (0, 24 * 60))])
    working = {}
    for person in caseworkers_for(schedule, site_id, topic_id):
        free = intersect(person.hours[site_id].get(day.weekday(), ()), hours)
        if free:
            working[person.id] = (person, free)
    if not working:
        return "no_staff"
    if now is not None and day == now.astimezone(BERLIN).date():
        return "late"
    for person, free in working.values():
        blocked = [absence.hours or (0, 24 * 60) for absence in person.absences
                   if absence.first <= day <= absence.last]
        if subtract(free, blocked):
            return "full"
    return "away"


def nearest_slot(db, schedule: Schedule, site_id: str, topic_id: str, wish: Wish,
                 now: datetime, exclude: Iterable[datetime] = (),
                 avoid: Iterable[datetime] = (), for_call: str | None = None) -> Slot | None:
    """The free slot nearest to what `wish` asked for, when nothing matches it exactly.

    For one day: that day at another time, else the nearest day before or after it
    (the earlier of two as near), keeping the part of the day and the time if any day
    has them. For a stretch of days or weekdays: the first free slot after it starts,
    with the part of the day if possible.
    """
    exclude, avoid = list(exclude), list(avoid)

    def first(wanted: Wish) -> Slot | None:
        found = find_slots(db, schedule, site_id, topic_id, wanted, now=now, limit=1,
                           exclude=exclude, avoid=avoid, for_call=for_call)
        return found[0] if found else None

    def either(*wishes: Wish) -> Slot | None:
        for wanted in wishes:
            slot = first(wanted)
            if slot is not None:
                return slot
        return None

    loose = dataclasses.replace(wish, on=None, earliest=None, latest=None, weekdays=None)
    if wish.on is None:
        start = dataclasses.replace(loose, earliest=wish.earliest)
        return either(start, Wish(earliest=wish.earliest))
    if wish.part_of_day or wish.time:
        same_day = first(Wish(on=wish.on))
        if same_day is not None:
            return same_day
    after = either(dataclasses.replace(loose, earliest=wish.on + timedelta(days=1)),
                   Wish(earliest=wish.on + timedelta(days=1)))
    today = now.astimezone(BERLIN).date()
    reach = (after.start.date() - wish.on).days if after else DAYS_BACK
    for back in range(1, min(DAYS_BACK, reach) + 1):
        day = wish.on - timedelta(days=back)
        if day < today:
            break
        before = either(dataclasses.replace(loose, on=day), Wish(on=day))
        if before is not None:
            return before
    return after
