"""Free appointment slots: the nearest free times that match a caller's wish, and booking one.

A slot is free when it lies inside the caseworker's working hours at the site AND the
site's appointment hours that day, and overlaps no booking and no absence. Appointment
hours are the site's opening hours unless ``appointment_hours`` is configured: caseworkers
often see booked customers outside the public walk-in hours (e.g. Tuesday afternoon),
so a job centre can allow that per site. Holidays and closures have no appointment hours;
a special day has its own. Free slots are computed, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlite_utils import Database

import clock

from .calendar import site_day
from .config import BERLIN, Caseworker, Interval, Schedule
from .model import MORNING_ENDS, Slot, Wish
from .store import (
    DEMO_CALL_PREFIX,
    Booking,
    SlotTakenError,
    book,
    booked_times,
    demo_bookings_ahead,
    held_times,
)

# "So um zehn" without a day: the first day with a slot at most this many minutes from
# that time, rather than the first day at whatever time is left of it.
TIME_TOLERANCE = 60
# "Nachmittags", "in the afternoon": callers mean after lunch; noon comes last.
AFTER_LUNCH = 13 * 60


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
               exclude: Iterable[Slot | datetime] = (), for_call: str | None = None,
               avoid: Iterable[datetime] = (),
               caseworker_ids: Iterable[str] | None = None) -> list[Slot]:
    """The nearest free slots matching `wish`, at most one per start time, best first.

    "Nearest" is the earliest date first; within a day, the earliest time, or the time
    closest to ``wish.time`` when the caller named one (without a date: on the first day
    with a slot within TIME_TOLERANCE of it). Nothing starts sooner than the
    configured lead time after `now`, nor later than the horizon (unless the wish names
    a later date). `exclude` holds slots (or start times) the caller already declined;
    `avoid` holds offers they refused, whose whole half-day (before or from noon) is
    skipped, so that the next offer is clearly another one.
    Bookings are read from `db` one day at a time, only for the days searched. With
    `for_call`, slots offered to other calls a moment ago (store.hold) count as taken,
    so that callers on the line at the same time are not all offered the same slot.
    With `caseworker_ids`, only those people's slots (a caseworker the caller asked for).
    """
    wish = wish or Wish()
    now = (now or clock.now()).astimezone(BERLIN)
    people = caseworkers_for(schedule, site_id, topic_id, language)
    if caseworker_ids is not None:
        chosen = set(caseworker_ids)
        people = [person for person in people if person.id in chosen]
    if not people or limit <= 0:
        return []
    minutes = schedule.topic(topic_id).minutes
    not_before = now + timedelta(minutes=schedule.lead_minutes)
    first, last = _search_days(schedule, wish, now, not_before)
    excluded = {(s.start if isinstance(s, Slot) else s).timestamp() for s in exclude}
    avoided = {_half_day(start) for start in avoid}
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
            if wish.after is not None:
                earliest = max(earliest, wish.after.hour * 60 + wish.after.minute)
            if day == not_before.date():
                earliest = max(earliest, not_before.hour * 60 + not_before.minute + (
                    1 if not_before.second or not_before.microsecond else 0))
            free = Availability(day, site_id, hours, people, minutes, schedule.grid_minutes,
                                earliest, latest)
            if free.people:
                # Only now, and only for who could be free, ask the database.
                free.book_out(_busy_on(db, free.people, day, for_call, now))
            candidates = free.starts
            if wish.part_of_day == "afternoon" and wish.time is None and wish.after is None:
                candidates = sorted(candidates, key=lambda m: m < AFTER_LUNCH)
            if wish.time is not None:
                wanted = wish.time.hour * 60 + wish.time.minute
                candidates = sorted(candidates, key=lambda m: (abs(m - wanted), m))
                if wish.on is None:
                    candidates = [m for m in candidates if abs(m - wanted) <= TIME_TOLERANCE]
            for minute in candidates:
                start = local(day, minute)
                if start.timestamp() in excluded or (day, minute >= MORNING_ENDS) in avoided:
                    continue
                person = free.who(minute)
                found.append(Slot(start, local(day, minute + minutes), person.id, person.name,
                                  site_id, topic_id))
                if len(found) == limit:
                    break
        day += timedelta(days=1)
    return found


def _half_day(start: datetime) -> tuple[date, bool]:
    """The day of `start`, and whether it is in the afternoon."""
    local_start = start.astimezone(BERLIN)
    return local_start.date(), local_start.hour * 60 + local_start.minute >= MORNING_ENDS


def book_first_free(db: Database, schedule: Schedule, site_id: str, topic_id: str, wish=None,
                    now: datetime | None = None, *, call_sid: str | None, phone: str | None,
                    language: str = "de", customer_number: str | None = None,
                    attempts: int = 20) -> Booking | None:
    """Book the nearest free slot for `wish`, moving on to the next when another caller wins.

    Returns None when nothing matching is free. For "take the next one" answers and for
    callers who accept whatever comes first.
    """
    for _ in range(attempts):
        slots = find_slots(db, schedule, site_id, topic_id, wish, now, limit=1)
        if not slots:
            return None
        try:
            return book(db, slots[0], call_sid=call_sid, phone=phone, language=language,
                        customer_number=customer_number, now=now)
        except SlotTakenError:
            # The winner's booking is committed, so the next search no longer offers this
            # caseworker at this time (another caseworker at the same time may be offered).
            continue
    return None


def seed_demo(db: Database, schedule: Schedule, now: datetime | None = None) -> int:
    """Book a few demo appointments at every site so that some slots are taken; safe to rerun.

    Returns how many were booked: none when upcoming demo bookings already exist.
    """
    now = now or clock.now()
    if demo_bookings_ahead(db, now):
        return 0
    made = 0
    for site_id in schedule.sites:
        for topic_id in schedule.topics:
            for n, slot in enumerate(find_slots(db, schedule, site_id, topic_id, Wish(),
                                                now, limit=2)):
                try:
                    book(db, slot, call_sid=f"{DEMO_CALL_PREFIX}{site_id}-{topic_id}-{n}",
                         phone="+4915100000000", language="de", now=now)
                except SlotTakenError:
                    continue  # another topic's demo booking took this caseworker already
                made += 1
    return made


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
