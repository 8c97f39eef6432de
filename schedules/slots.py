"""Free appointment slots: what a caller wishes, and the nearest free times that match it.

A slot is free when it lies inside the caseworker's working hours at the site AND the
site's appointment hours that day, and overlaps no booking and no absence. Appointment
hours are the site's opening hours unless ``appointment_hours`` is configured: caseworkers
often see booked customers outside the public walk-in hours (e.g. Tuesday afternoon),
so a job centre can allow that per site. Holidays and closures have no appointment hours;
a special day has its own. Free slots are computed, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .calendar import site_day
from .config import BERLIN, Caseworker, Interval, Schedule

MORNING_ENDS = 12 * 60  # "vormittags" is before 12:00, "nachmittags" from 12:00 on
# Bookings are fetched a week at a time: the nearest free slots are usually within it.
FETCH_DAYS = 7


@dataclass(frozen=True)
class Wish:
    """When the caller would like to come; the default is "so bald wie möglich"."""

    earliest: date | None = None
    latest: date | None = None
    on: date | None = None  # one specific date
    weekdays: frozenset[int] | None = None  # allowed weekdays, 0 = Monday; None: any
    not_weekdays: frozenset[int] = frozenset()  # "nicht am Montag"
    part_of_day: str | None = None  # "morning" (< 12:00) or "afternoon" (>= 12:00)
    time: time | None = None  # "um halb zehn": the nearest slots to this time

    def __post_init__(self):
        if self.part_of_day not in (None, "morning", "afternoon"):
            raise ValueError(f"part_of_day must be 'morning' or 'afternoon', not "
                             f"{self.part_of_day!r}")

    @classmethod
    def from_entities(cls, entities: dict) -> Wish:
        """A wish from the entities speech recognised: "date" (ISO), "part_of_day", "time" ("HH:MM")."""
        on = date.fromisoformat(entities["date"]) if entities.get("date") else None
        clock = time.fromisoformat(entities["time"]) if entities.get("time") else None
        return cls(on=on, part_of_day=entities.get("part_of_day"), time=clock)

    def allows_day(self, day: date) -> bool:
        if self.on is not None and day != self.on:
            return False
        if self.earliest is not None and day < self.earliest:
            return False
        if self.latest is not None and day > self.latest:
            return False
        weekday = day.weekday()
        if self.weekdays is not None and weekday not in self.weekdays:
            return False
        return weekday not in self.not_weekdays

    def allows_start(self, minute: int) -> bool:
        if self.part_of_day == "morning":
            return minute < MORNING_ENDS
        if self.part_of_day == "afternoon":
            return minute >= MORNING_ENDS
        return True


@dataclass(frozen=True, order=True)
class Slot:
    """A free appointment: start and end in Europe/Berlin, with whom, where and about what."""

    start: datetime
    end: datetime = field(compare=False)
    caseworker_id: str = field(compare=False)
    caseworker_name: str = field(compare=False)
    site_id: str = field(compare=False)
    topic_id: str = field(compare=False)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def local(day: date, minute: int) -> datetime:
    """The Europe/Berlin moment `minute` minutes after local midnight of `day` (wall clock)."""
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=BERLIN)


def caseworkers_for(schedule: Schedule, site_id: str, topic_id: str,
                    language: str | None = None) -> list[Caseworker]:
    """Who sees customers about `topic_id` at `site_id` (and speaks `language`, if given)."""
    schedule.site(site_id)
    schedule.topic(topic_id)
    return [person for person in schedule.caseworkers.values()
            if site_id in person.hours and topic_id in person.topics
            and (language is None or language in person.languages)]


def find_slots(db, schedule: Schedule, site_id: str, topic_id: str, wish: Wish | None = None,
               now: datetime | None = None, limit: int = 3, language: str | None = None,
               exclude: Iterable[Slot | datetime] = ()) -> list[Slot]:
    """The nearest free slots matching `wish`, at most one per start time, best first.

    "Nearest" is the earliest date first; within a day, the earliest time, or the time
    closest to ``wish.time`` when the caller named one. Nothing starts sooner than the
    configured lead time after `now`, nor later than the horizon (unless the wish names
    a later date). `exclude` holds slots (or start times) the caller already declined.
    Bookings are read from `db` one week at a time, only for the days searched.
    """
    from .store import busy_between

    wish = wish or Wish()
    now = (now or datetime.now(BERLIN)).astimezone(BERLIN)
    people = caseworkers_for(schedule, site_id, topic_id, language)
    if not people or limit <= 0:
        return []
    minutes = schedule.topic(topic_id).minutes
    not_before = now + timedelta(minutes=schedule.lead_minutes)
    first, last = _search_days(schedule, wish, now, not_before)
    excluded = {(s.start if isinstance(s, Slot) else s).timestamp() for s in exclude}
    ids = [person.id for person in people]

    found: list[Slot] = []
    busy: dict[str, dict[date, list[Interval]]] = {}
    fetched_until = first
    day = first
    while day <= last and len(found) < limit:
        if not wish.allows_day(day):
            day += timedelta(days=1)
            continue
        hours = site_day(schedule, site_id, day).appointment_hours
        if not hours:
            day += timedelta(days=1)
            continue
        if day >= fetched_until:
            fetched_until = min(day + timedelta(days=FETCH_DAYS), last + timedelta(days=1))
            busy = _busy_by_day(busy_between(db, ids, local(day, 0), local(fetched_until, 0)))
        earliest_minute = 0
        if day == not_before.date():
            earliest_minute = not_before.hour * 60 + not_before.minute + (
                1 if not_before.second or not_before.microsecond else 0)
        starts = free_starts(day, site_id, hours, people, busy, minutes, schedule.grid_minutes,
                             earliest_minute)
        candidates = [m for m in starts if wish.allows_start(m)]
        if wish.time is not None:
            wanted = wish.time.hour * 60 + wish.time.minute
            candidates.sort(key=lambda m: (abs(m - wanted), m))
        for minute in candidates:
            start = local(day, minute)
            if start.timestamp() in excluded:
                continue
            person = starts[minute]
            found.append(Slot(start, local(day, minute + minutes), person.id, person.name,
                              site_id, topic_id))
            if len(found) == limit:
                break
        day += timedelta(days=1)
    return found


def _search_days(schedule: Schedule, wish: Wish, now: datetime,
                 not_before: datetime) -> tuple[date, date]:
    first = not_before.date()
    last = now.date() + timedelta(days=schedule.horizon_days)
    if wish.on is not None:
        return max(first, wish.on), wish.on
    if wish.earliest is not None:
        first = max(first, wish.earliest)
        # A caller who asks for "ab März" still gets the usual stretch of weeks from there.
        last = max(last, wish.earliest + timedelta(days=schedule.horizon_days))
    if wish.latest is not None:
        last = wish.latest
    return first, last


def _busy_by_day(rows: Iterable[tuple[str, datetime, datetime]]
                 ) -> dict[str, dict[date, list[Interval]]]:
    busy: dict[str, dict[date, list[Interval]]] = {}
    for caseworker_id, start, end in rows:
        start, end = start.astimezone(BERLIN), end.astimezone(BERLIN)
        day = start.date()
        first = start.hour * 60 + start.minute
        last = end.hour * 60 + end.minute if end.date() == day else 24 * 60
        busy.setdefault(caseworker_id, {}).setdefault(day, []).append((first, last))
    return busy


def free_starts(day: date, site_id: str, hours: tuple[Interval, ...],
                people: list[Caseworker], busy: dict[str, dict[date, list[Interval]]],
                minutes: int, grid: int, earliest_minute: int = 0) -> dict[int, Caseworker]:
    """Start minutes on `day` at which someone is free for `minutes`, and who (in start order).

    When several caseworkers are free at the same time, the one with the least booked
    time that day gets the customer, so that work spreads evenly.
    """
    weekday = day.weekday()
    best: dict[int, tuple[int, int, Caseworker]] = {}
    for rank, person in enumerate(people):
        working = person.hours[site_id].get(weekday)
        if not working:
            continue
        free = intersect(working, hours)
        if not free:
            continue
        taken = busy.get(person.id, {}).get(day, [])
        blocked = list(taken)
        for absence in person.absences:
            if absence.first <= day <= absence.last:
                blocked.append(absence.hours or (0, 24 * 60))
        if blocked:
            free = subtract(free, blocked)
        load = sum(b - a for a, b in taken)
        for a, b in free:
            minute = max(a, earliest_minute)
            minute += -minute % grid
            while minute + minutes <= b:
                current = best.get(minute)
                if current is None or (load, rank) < current[:2]:
                    best[minute] = (load, rank, person)
                minute += grid
    return {minute: best[minute][2] for minute in sorted(best)}


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The parts of sorted, disjoint intervals `a` that are also in `b`."""
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    out.sort()
    return out


def subtract(free: list[Interval], blocked: list[Interval]) -> list[Interval]:
    """`free` without anything in `blocked` (which may overlap and be unsorted)."""
    out = []
    blocked = sorted(blocked)
    for lo, hi in free:
        for b0, b1 in blocked:
            if b1 <= lo or b0 >= hi:
                continue
            if b0 > lo:
                out.append((lo, b0))
            lo = max(lo, b1)
            if lo >= hi:
                break
        if lo < hi:
            out.append((lo, hi))
    return out
