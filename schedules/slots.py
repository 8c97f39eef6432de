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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import clock

from .calendar import site_day
from .config import BERLIN, Caseworker, Interval, Schedule

MORNING_ENDS = 12 * 60  # "vormittags" is before 12:00, "nachmittags" from 12:00 on


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
        """A wish from recognised entities: "date" (ISO), "part_of_day", "time" ("HH:MM")."""
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


@dataclass(frozen=True)
class Slot:
    """A free appointment: start and end in Europe/Berlin, with whom, where and about what."""

    start: datetime
    end: datetime
    caseworker_id: str
    caseworker_name: str
    site_id: str
    topic_id: str

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def to_dict(self) -> dict:
        """Plain JSON values, for keeping offered slots in the call state between webhooks."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "caseworker_id": self.caseworker_id, "caseworker_name": self.caseworker_name,
                "site_id": self.site_id, "topic_id": self.topic_id}

    @classmethod
    def from_dict(cls, data: dict) -> Slot:
        return cls(datetime.fromisoformat(data["start"]).astimezone(BERLIN),
                   datetime.fromisoformat(data["end"]).astimezone(BERLIN),
                   data["caseworker_id"], data["caseworker_name"], data["site_id"],
                   data["topic_id"])


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
               exclude: Iterable[Slot | datetime] = (), for_call: str | None = None
               ) -> list[Slot]:
    """The nearest free slots matching `wish`, at most one per start time, best first.

    "Nearest" is the earliest date first; within a day, the earliest time, or the time
    closest to ``wish.time`` when the caller named one. Nothing starts sooner than the
    configured lead time after `now`, nor later than the horizon (unless the wish names
    a later date). `exclude` holds slots (or start times) the caller already declined.
    Bookings are read from `db` one day at a time, only for the days searched. With
    `for_call`, slots offered to other calls a moment ago (store.hold) count as taken,
    so that callers on the line at the same time are not all offered the same slot.
    """
    wish = wish or Wish()
    now = (now or clock.now()).astimezone(BERLIN)
    people = caseworkers_for(schedule, site_id, topic_id, language)
    if not people or limit <= 0:
        return []
    minutes = schedule.topic(topic_id).minutes
    not_before = now + timedelta(minutes=schedule.lead_minutes)
    first, last = _search_days(schedule, wish, now, not_before)
    excluded = {(s.start if isinstance(s, Slot) else s).timestamp() for s in exclude}
    found: list[Slot] = []
    day = first
    while day <= last and len(found) < limit:
        hours = site_day(schedule, site_id, day).appointment_hours if wish.allows_day(day) else ()
        if hours:
            earliest, latest = 0, 24 * 60
            if wish.part_of_day == "afternoon":
                earliest = MORNING_ENDS
            elif wish.part_of_day == "morning":
                latest = MORNING_ENDS - 1
            if day == not_before.date():
                earliest = max(earliest, not_before.hour * 60 + not_before.minute + (
                    1 if not_before.second or not_before.microsecond else 0))
            free = Availability(day, site_id, hours, people, minutes, schedule.grid_minutes,
                                earliest, latest)
            if free.people:
                # Only now, and only for who could be free, ask the database.
                free.book_out(_busy_on(db, free.people, day, for_call, now))
            candidates = free.starts
            if wish.time is not None:
                wanted = wish.time.hour * 60 + wish.time.minute
                candidates = sorted(candidates, key=lambda m: (abs(m - wanted), m))
            for minute in candidates:
                start = local(day, minute)
                if start.timestamp() in excluded:
                    continue
                person = free.who(minute)
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


def _busy_on(db, caseworker_ids: list[str], day: date, for_call: str | None = None,
             now: datetime | None = None) -> dict[str, list[Interval]]:
    """Each caseworker's booked (and, for `for_call`, otherwise held) intervals, local minutes."""
    from .store import booked_times, held_times

    midnight, next_midnight = local(day, 0), local(day + timedelta(days=1), 0)
    rows = booked_times(db, caseworker_ids, midnight, next_midnight)
    if for_call is not None:
        rows = rows + held_times(db, caseworker_ids, midnight, next_midnight, for_call, now)
    busy: dict[str, list[Interval]] = {}
    offset = midnight.utcoffset()
    if offset == next_midnight.utcoffset():
        # All but two days a year have one UTC offset all day: plain arithmetic.
        base = int(midnight.timestamp())
        for person, start, end in rows:
            first = (start - base) // 60
            busy.setdefault(person, []).append((first, first + (end - start) // 60))
        return busy
    for person, start, end in rows:
        start = datetime.fromtimestamp(start, BERLIN)
        end = datetime.fromtimestamp(end, BERLIN)
        first = start.hour * 60 + start.minute
        last = end.hour * 60 + end.minute if end.date() == day else 24 * 60
        busy.setdefault(person, []).append((first, last))
    return busy


class Availability:
    """Who is free when on one day: the start minutes, and whom a start is given to.

    Built in two steps so that the database is asked only about people who work that
    day at all: first hours and absences, then `book_out` with their bookings.
    """

    def __init__(self, day: date, site_id: str, hours: tuple[Interval, ...],
                 people: list[Caseworker], minutes: int, grid: int,
                 earliest_start: int = 0, latest_start: int = 24 * 60):
        self.minutes, self.grid = minutes, grid
        self.earliest, self.latest = earliest_start, latest_start
        self._free: list[tuple[int, int, Caseworker, list[Interval]]] = []
        weekday = day.weekday()
        window = (earliest_start, latest_start + minutes)
        for rank, person in enumerate(people):
            working = person.hours[site_id].get(weekday)
            if not working:
                continue
            free = intersect(intersect(working, hours), (window,))
            blocked = [absence.hours or (0, 24 * 60) for absence in person.absences
                       if absence.first <= day <= absence.last]
            if blocked and free:
                free = subtract(free, blocked)
            if free:
                self._free.append((0, rank, person, free))
        self.people = [person.id for _, _, person, _ in self._free]
        self._collect()

    def book_out(self, busy: dict[str, list[Interval]]) -> None:
        """Take the day's bookings away; a caseworker's load is the booked time that day."""
        updated = []
        for _, rank, person, free in self._free:
            taken = busy.get(person.id)
            if taken:
                free = subtract(free, taken)
                if not free:
                    continue
            updated.append((sum(b - a for a, b in taken or ()), rank, person, free))
        self._free = updated
        self._collect()

    def _collect(self) -> None:
        starts: set[int] = set()
        for _, _, _, free in self._free:
            for a, b in free:
                first = max(a, self.earliest)
                first += -first % self.grid
                starts.update(range(first, min(b - self.minutes, self.latest) + 1, self.grid))
        self.starts = sorted(starts)

    def who(self, minute: int) -> Caseworker:
        """The caseworker free at `minute` with the least booked time that day (work spreads)."""
        fits = [(load, rank, person) for load, rank, person, free in self._free
                if any(a <= minute and minute + self.minutes <= b for a, b in free)]
        return min(fits, key=lambda item: item[:2])[2]


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
