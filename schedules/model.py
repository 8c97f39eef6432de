"""A caller's wish and a slot offered for it: the values, and their one plain-data form.

The call state keeps both between webhooks as JSON, so `to_dict`/`from_dict` here are
the only place their keys are written. A wish's keys are those speech's
`appointment_wish` produces; a slot's are those the dialogue reads (``start``,
``site``) and a booking's summary shares (``caseworker``, ``site``, ``topic``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from .config import BERLIN

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
    after: time | None = None  # "nicht so früh", "etwas später": nothing starts before it

    def __post_init__(self):
        if self.part_of_day not in (None, "morning", "afternoon"):
            raise ValueError(f"part_of_day must be 'morning' or 'afternoon', not "
                             f"{self.part_of_day!r}")

    def to_dict(self) -> dict:
        """Plain JSON values, only what was wished: ``on``, ``earliest``, ``latest`` (ISO
        dates), ``weekdays``, ``not_weekdays`` (sorted, 0 = Monday), ``part_of_day``,
        ``time`` and ``after`` ("HH:MM")."""
        data: dict = {}
        for key in ("on", "earliest", "latest"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key).isoformat()
        if self.weekdays is not None:
            data["weekdays"] = sorted(self.weekdays)
        if self.not_weekdays:
            data["not_weekdays"] = sorted(self.not_weekdays)
        if self.part_of_day is not None:
            data["part_of_day"] = self.part_of_day
        for key in ("time", "after"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key).strftime("%H:%M")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Wish:
        """The wish in `data` (as `to_dict` or speech's `appointment_wish` gives it); keys
        it does not know (``asap``) and empty values mean no wish about that."""
        day = date.fromisoformat

        def clock_time(key: str) -> time | None:
            return datetime.strptime(data[key], "%H:%M").time() if data.get(key) else None

        weekdays = data.get("weekdays")
        return cls(
            on=day(data["on"]) if data.get("on") else None,
            earliest=day(data["earliest"]) if data.get("earliest") else None,
            latest=day(data["latest"]) if data.get("latest") else None,
            weekdays=frozenset(weekdays) if weekdays is not None else None,
            not_weekdays=frozenset(data.get("not_weekdays") or ()),
            part_of_day=data.get("part_of_day"),
            time=clock_time("time"),
            after=clock_time("after"),
        )

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
        if self.after is not None and minute < self.after.hour * 60 + self.after.minute:
            return False
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
        """Plain JSON values, for keeping an offered slot in the call state between webhooks:
        ``start``, ``end`` (ISO, with offset), ``caseworker_id``, ``caseworker`` (the name),
        ``site``, ``topic``."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "caseworker_id": self.caseworker_id, "caseworker": self.caseworker_name,
                "site": self.site_id, "topic": self.topic_id}

    @classmethod
    def from_dict(cls, data: dict) -> Slot:
        return cls(datetime.fromisoformat(data["start"]).astimezone(BERLIN),
                   datetime.fromisoformat(data["end"]).astimezone(BERLIN),
                   data["caseworker_id"], data["caseworker"], data["site"], data["topic"])
