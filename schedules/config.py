"""The schedule configuration: sites, topics and caseworkers read and checked from TOML files.

A job centre edits two files in one folder (``HOTLINE_SCHEDULES``, default the demo
folder next to this module): ``sites.toml`` (sites, opening and appointment hours,
closures, special days, booking rules) and ``caseworkers.toml`` (topics and
caseworkers). Every mistake is reported with the file and the entry it is in.
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
DEMO_FOLDER = Path(__file__).parent / "demo"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("de", "en")

# Minutes since local midnight; (start, end) with start < end.
Interval = tuple[int, int]
# Weekday index (0 = Monday) -> the day's intervals, sorted and disjoint.
WeekHours = dict[int, tuple[Interval, ...]]

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_MORE_LABEL = re.compile(r"^label_[a-z]{2}$")
_MORE_TEXT = re.compile(r"^(?:directions|entry|place)_[a-z]{2}(?:-[a-z]+)?$")
_MORE_REASON = re.compile(r"^reason_[a-z]{2}(?:-[a-z]+)?$")


class ScheduleConfigError(ValueError):
    """The schedule configuration is missing or wrong; the message names file and entry."""


@dataclass(frozen=True)
class Site:
    """A job centre office that callers visit."""

    id: str
    name: str  # "Geschäftsstelle Backnang"
    name_en: str  # "Backnang office"
    place: str  # "Backnang", for lists of several sites
    article: str  # German article of `name`: "die Geschäftsstelle", "das Jobcenter"
    address: str
    directions_de: str
    directions_en: str
    opening_hours: WeekHours
    appointment_hours: WeekHours
    # How booked customers get in when the doors are closed to walk-ins; empty: the
    # hotline's general sentence.
    entry_de: str = ""
    entry_en: str = ""
    # The directions, the way in and the town's name for the hotline's other languages
    # ("directions_tr", "entry_uk", "place_ru"): a Turkish caller hears no German
    # sentence inside a Turkish one, a Russian voice reads no Latin letters.
    texts: dict[str, str] = field(default_factory=dict, compare=False)

    def directions(self, lang: str) -> str:
        """How to get there in `lang`; empty where the file gives none in it."""
        return self._said("directions", lang)

    def entry(self, lang: str) -> str:
        """How booked customers get in, in `lang`; empty where the file gives none in it."""
        return self._said("entry", lang)

    def town(self, lang: str) -> str:
        """The town's name as `lang` writes it ("Шорндорф"); `place` where none is given."""
        return self.texts.get(f"place_{lang}") or self.place

    def _said(self, what: str, lang: str) -> str:
        if lang == "en":
            return getattr(self, f"{what}_en")
        if lang.split("-")[0] == "de":
            return getattr(self, f"{what}_de")
        return self.texts.get(f"{what}_{lang}", "")


@dataclass(frozen=True)
class Topic:
    """What an appointment is about, how long it takes and what to bring."""

    id: str
    minutes: int
    label_de: str
    label_en: str
    bring_de: tuple[str, ...]
    bring_en: tuple[str, ...]
    # What to bring in the hotline's other languages, where every item has a text in it.
    bring_more: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # The label in the hotline's other languages ("label_tr"), for the calendar file.
    label_more: dict[str, str] = field(default_factory=dict, compare=False)

    def label(self, lang: str) -> str:
        """The topic's name in `lang`; in German where the file does not say it in `lang`."""
        if lang == "en":
            return self.label_en
        return self.label_more.get(lang, self.label_de)

    def bring(self, lang: str) -> tuple[str, ...]:
        """What to bring in `lang`; in German where the file does not say it in `lang`
        (the names printed on the documents themselves)."""
        if lang == "en":
            return self.bring_en
        return self.bring_more.get(lang, self.bring_de)


@dataclass(frozen=True)
class Absence:
    """A caseworker is away from `first` to `last` (inclusive), all day or during `hours`."""

    first: date
    last: date
    hours: Interval | None = None


@dataclass(frozen=True)
class Caseworker:
    """A person who sees customers at one or more sites."""

    id: str
    name: str
    topics: frozenset[str]
    languages: frozenset[str]
    hours: dict[str, WeekHours]  # site id -> weekly hours at that site
    absences: tuple[Absence, ...] = ()
    # The case teams (as the case data names them, "Team Leistung 2, Waiblingen") the
    # person belongs to: "mein Arbeitsvermittler" after an identity check finds them.
    teams: frozenset[str] = frozenset()

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(self.hours)


@dataclass(frozen=True)
class Closure:
    """Sites are closed all day: every year on a month-day, or on a date range."""

    reason_de: str
    reason_en: str
    sites: frozenset[str] | None  # None: every site
    month_day: tuple[int, int] | None = None
    first: date | None = None
    last: date | None = None
    # The reason in the hotline's other languages ("reason_tr"); German where none.
    reasons: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def applies(self, site_id: str, day: date) -> bool:
        if self.sites is not None and site_id not in self.sites:
            return False
        if self.month_day is not None:
            return (day.month, day.day) == self.month_day
        return self.first <= day <= self.last

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reasons.get(lang, self.reason_de)


@dataclass(frozen=True)
class SpecialDay:
    """Different hours on one date (e.g. shorter hours before a holiday)."""

    day: date
    reason_de: str
    reason_en: str
    sites: frozenset[str] | None
    opening_hours: tuple[Interval, ...]
    appointment_hours: tuple[Interval, ...]
    reasons: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reasons.get(lang, self.reason_de)


@dataclass(frozen=True, eq=False)
class Schedule:
    """Everything the hotline knows about where and when customers can be seen.

    Compared and hashed by identity: a loaded schedule is cached and never changes,
    which lets per-day results be cached on it.
    """

    folder: Path
    demo: bool
    state: str  # German state for public holidays (holidays package subdivision)
    lead_minutes: int
    horizon_days: int
    grid_minutes: int
    sites: dict[str, Site]
    topics: dict[str, Topic]
    caseworkers: dict[str, Caseworker]
    closures: tuple[Closure, ...] = ()
    special_days: tuple[SpecialDay, ...] = field(default=())

    def site(self, site_id: str) -> Site:
        try:
            return self.sites[site_id]
        except KeyError:
            raise ScheduleConfigError(f"unknown site {site_id!r}") from None

    def topic(self, topic_id: str) -> Topic:
        try:
            return self.topics[topic_id]
        except KeyError:
            raise ScheduleConfigError(f"unknown topic {topic_id!r}") from None


def schedule_for_config(config: Mapping) -> Schedule:
    """The schedule named by the app setting ``HOTLINE_SCHEDULES`` (default: the demo)."""
    return load_schedule(config.get("HOTLINE_SCHEDULES") or DEMO_FOLDER)


def load_schedule(folder: str | Path) -> Schedule:
    """Read and check ``sites.toml`` and ``caseworkers.toml`` in `folder`, once per process."""
    return _load_cached(str(Path(folder).resolve()))


@functools.lru_cache(maxsize=16)
def _load_cached(folder: str) -> Schedule:
    path = Path(folder)
    sites_doc = _read(path / "sites.toml")
    people_doc = _read(path / "caseworkers.toml")
    return _build(path, sites_doc, people_doc)


load_schedule.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScheduleConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ScheduleConfigError(f"{path}: not valid TOML: {error}") from None


class _Where:
    """Builds error messages that say which file and which entry is wrong."""

    def __init__(self, file: str, entry: str = ""):
        self.file, self.entry = file, entry

    def at(self, entry: str) -> _Where:
        return _Where(self.file, f"{self.entry}.{entry}" if self.entry else entry)

    def error(self, message: str) -> ScheduleConfigError:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return ScheduleConfigError(f"{where}: {message}")


def _build(folder: Path, sites_doc: dict, people_doc: dict) -> Schedule:
    sites_file = _Where("sites.toml")
    people_file = _Where("caseworkers.toml")
    booking = _table(sites_doc.get("booking", {}), sites_file.at("booking"))
    lead = _int(booking.get("lead_minutes", 120), sites_file.at("booking.lead_minutes"), 0)
    horizon = _int(booking.get("horizon_days", 56), sites_file.at("booking.horizon_days"), 1)
    grid = _int(booking.get("grid_minutes", 15), sites_file.at("booking.grid_minutes"), 5)
    state = _text(sites_doc.get("state", "BW"), sites_file.at("state"))

    sites_table = _table(sites_doc.get("sites"), sites_file.at("sites"), required=True)
    sites = {site_id: _site(site_id, raw, sites_file.at(f"sites.{site_id}"))
             for site_id, raw in sites_table.items()}
    if not sites:
        raise sites_file.at("sites").error("no sites configured")

    closures = tuple(_closure(raw, sites_file.at(f"closures[{i}]"), sites)
                     for i, raw in enumerate(_list(sites_doc.get("closures", []),
                                                   sites_file.at("closures"))))
    specials = tuple(_special_day(raw, sites_file.at(f"special_days[{i}]"), sites)
                     for i, raw in enumerate(_list(sites_doc.get("special_days", []),
                                                   sites_file.at("special_days"))))

    topics_table = _table(people_doc.get("topics"), people_file.at("topics"), required=True)
    topics = {topic_id: _topic(topic_id, raw, people_file.at(f"topics.{topic_id}"))
              for topic_id, raw in topics_table.items()}
    if not topics:
        raise people_file.at("topics").error("no topics configured")

    caseworkers: dict[str, Caseworker] = {}
    for i, raw in enumerate(_list(people_doc.get("caseworkers"), people_file.at("caseworkers"),
                                  required=True)):
        where = people_file.at(f"caseworkers[{i}]")
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            where = people_file.at(f"caseworker {raw['id']!r}")
        person = _caseworker(raw, where, sites, topics)
        if person.id in caseworkers:
            raise where.error("the id is used twice")
        caseworkers[person.id] = person

    return Schedule(
        folder=folder,
        demo=bool(sites_doc.get("demo", False) or people_doc.get("demo", False)),
        state=state,
        lead_minutes=lead,
        horizon_days=horizon,
        grid_minutes=grid,
        sites=sites,
        topics=topics,
        caseworkers=caseworkers,
        closures=closures,
        special_days=specials,
    )


def _site(site_id: str, raw, where: _Where) -> Site:
    _check_id(site_id, where)
    raw = _table(raw, where, required=True)
    opening = _week(raw.get("opening_hours"), where.at("opening_hours"), required=True)
    appointments = (_week(raw["appointment_hours"], where.at("appointment_hours"), required=True)
                    if "appointment_hours" in raw else opening)
    name = _text(raw.get("name"), where.at("name"))
    return Site(
        id=site_id,
        name=name,
        name_en=_text(raw.get("name_en", name), where.at("name_en")),
        place=_text(raw.get("place", site_id.replace("-", " ").title()), where.at("place")),
        article=_article(raw.get("article", "die"), where.at("article")),
        address=_text(raw.get("address"), where.at("address")),
        directions_de=_text(raw.get("directions_de", ""), where.at("directions_de"), empty=True),
        directions_en=_text(raw.get("directions_en", ""), where.at("directions_en"), empty=True),
        opening_hours=opening,
        appointment_hours=appointments,
        entry_de=_text(raw.get("entry_de", ""), where.at("entry_de"), empty=True),
        entry_en=_text(raw.get("entry_en", ""), where.at("entry_en"), empty=True),
        texts={key: _text(value, where.at(key), empty=True) for key, value in raw.items()
               if _MORE_TEXT.match(key) and key[-3:] not in ("_de", "_en")},
    )


def _article(raw, where: _Where) -> str:
    if raw not in ("der", "die", "das"):
        raise where.error(f"expected der, die or das, got {raw!r}")
    return raw


def _topic(topic_id: str, raw, where: _Where) -> Topic:
    _check_id(topic_id, where)
    raw = _table(raw, where, required=True)
    bring = _list(raw.get("bring", []), where.at("bring"))
    bring_de, bring_en = [], []
    more: dict[str, list[str]] = {}
    for i, item in enumerate(bring):
        item = _table(item, where.at(f"bring[{i}]"), required=True)
        bring_de.append(_text(item.get("de"), where.at(f"bring[{i}].de")))
        bring_en.append(_text(item.get("en"), where.at(f"bring[{i}].en")))
        for lang, said in item.items():
            if lang not in ("de", "en"):
                more.setdefault(lang, []).append(_text(said, where.at(f"bring[{i}].{lang}")))
    return Topic(
        id=topic_id,
        minutes=_int(raw.get("minutes"), where.at("minutes"), 5, 480),
        label_de=_text(raw.get("label_de"), where.at("label_de")),
        label_en=_text(raw.get("label_en"), where.at("label_en")),
        bring_de=tuple(bring_de),
        bring_en=tuple(bring_en),
        # A list half translated would be read half in German: only whole lists count.
        bring_more={lang: tuple(items) for lang, items in more.items()
                    if len(items) == len(bring_de)},
        label_more={key[len("label_"):]: _text(value, where.at(key))
                    for key, value in raw.items()
                    if _MORE_LABEL.match(key) and key not in ("label_de", "label_en")},
    )


def _caseworker(raw, where: _Where, sites: dict, topics: dict) -> Caseworker:
    raw = _table(raw, where, required=True)
    person_id = _text(raw.get("id"), where.at("id"))
    _check_id(person_id, where.at("id"))
    topic_ids = _list(raw.get("topics"), where.at("topics"), required=True)
    for topic_id in topic_ids:
        if topic_id not in topics:
            raise where.at("topics").error(
                f"unknown topic {topic_id!r} (known: {', '.join(sorted(topics))})")
    languages = _list(raw.get("languages", ["de"]), where.at("languages"), required=True)
    for lang in languages:
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
            raise where.at("languages").error(f"{lang!r} is not a language code like 'de'")
    hours_table = _table(raw.get("hours"), where.at("hours"), required=True)
    if not hours_table:
        raise where.at("hours").error("no working hours at any site")
    hours: dict[str, WeekHours] = {}
    for site_id, week in hours_table.items():
        if site_id not in sites:
            raise where.at("hours").error(
                f"unknown site {site_id!r} (known: {', '.join(sorted(sites))})")
        hours[site_id] = _week(week, where.at(f"hours.{site_id}"), required=True)
    _check_one_place_at_a_time(hours, where)
    absences = tuple(_absence(item, where.at(f"absences[{i}]"))
                     for i, item in enumerate(_list(raw.get("absences", []),
                                                    where.at("absences"))))
    teams = [_text(team, where.at(f"teams[{i}]"))
             for i, team in enumerate(_list(raw.get("teams", []), where.at("teams")))]
    return Caseworker(
        id=person_id,
        name=_text(raw.get("name"), where.at("name")),
        topics=frozenset(topic_ids),
        languages=frozenset(languages),
        hours=hours,
        absences=absences,
        teams=frozenset(teams),
    )


def _check_one_place_at_a_time(hours: dict[str, WeekHours], where: _Where) -> None:
    site_ids = list(hours)
    for i, first in enumerate(site_ids):
        for second in site_ids[i + 1:]:
            for weekday in range(7):
                for a in hours[first].get(weekday, ()):
                    for b in hours[second].get(weekday, ()):
                        if a[0] < b[1] and b[0] < a[1]:
                            raise where.at("hours").error(
                                f"works at {first} and {second} at the same time on "
                                f"{WEEKDAYS[weekday]} ({format_interval(a)} and "
                                f"{format_interval(b)})")


def _days(raw: dict, where: _Where) -> tuple[date, date]:
    """(first, last) day of an entry with either `date` or `from` and `to`."""
    if "date" in raw:
        day = _date(raw["date"], where.at("date"))
        return day, day
    first = _date(raw.get("from"), where.at("from"))
    last = _date(raw.get("to"), where.at("to"))
    if last < first:
        raise where.error(f"'to' ({last}) is before 'from' ({first})")
    return first, last


def _absence(raw, where: _Where) -> Absence:
    raw = _table(raw, where, required=True)
    first, last = _days(raw, where)
    hours = _interval(raw["hours"], where.at("hours")) if "hours" in raw else None
    return Absence(first=first, last=last, hours=hours)


def _closure(raw, where: _Where, sites: dict) -> Closure:
    raw = _table(raw, where, required=True)
    kinds = [k for k in ("every_year", "date", "from") if k in raw]
    if len(kinds) != 1:
        raise where.error("give exactly one of every_year = \"MM-DD\", date, or from/to")
    month_day = first = last = None
    if "every_year" in raw:
        match = _MONTH_DAY.match(str(raw["every_year"]))
        if not match:
            raise where.at("every_year").error("expected \"MM-DD\", e.g. \"12-24\"")
        month_day = (int(match[1]), int(match[2]))
        try:
            date(2024, *month_day)  # a leap year, so that 02-29 is accepted
        except ValueError:
            raise where.at("every_year").error("no such day in the year") from None
    else:
        first, last = _days(raw, where)
    reason_de = _text(raw.get("reason_de"), where.at("reason_de"))
    return Closure(
        reason_de=reason_de,
        reason_en=_text(raw.get("reason_en", reason_de), where.at("reason_en")),
        reasons=_reasons(raw, where),
        sites=_site_list(raw, where, sites),
        month_day=month_day,
        first=first,
        last=last,
    )


def _reasons(raw: dict, where: _Where) -> dict[str, str]:
    """A closure's or special day's reason in the languages beyond German and English."""
    return {key[len("reason_"):]: _text(value, where.at(key)) for key, value in raw.items()
            if _MORE_REASON.match(key) and key not in ("reason_de", "reason_en")}


def _special_day(raw, where: _Where, sites: dict) -> SpecialDay:
    raw = _table(raw, where, required=True)
    opening = _day_hours(raw.get("opening_hours"), where.at("opening_hours"))
    appointments = (_day_hours(raw["appointment_hours"], where.at("appointment_hours"))
                    if "appointment_hours" in raw else opening)
    reason_de = _text(raw.get("reason_de"), where.at("reason_de"))
    return SpecialDay(
        day=_date(raw.get("date"), where.at("date")),
        reason_de=reason_de,
        reason_en=_text(raw.get("reason_en", reason_de), where.at("reason_en")),
        reasons=_reasons(raw, where),
        sites=_site_list(raw, where, sites),
        opening_hours=opening,
        appointment_hours=appointments,
    )


def _site_list(raw: dict, where: _Where, sites: dict) -> frozenset[str] | None:
    if "sites" not in raw:
        return None
    names = _list(raw["sites"], where.at("sites"), required=True)
    for name in names:
        if name not in sites:
            raise where.at("sites").error(
                f"unknown site {name!r} (known: {', '.join(sorted(sites))})")
    return frozenset(names)


def _week(raw, where: _Where, required: bool = False) -> WeekHours:
    raw = _table(raw, where, required=required)
    week: WeekHours = {}
    for key, value in raw.items():
        if key not in WEEKDAYS:
            raise where.error(f"{key!r} is not a weekday (use {', '.join(WEEKDAYS)})")
        week[WEEKDAYS.index(key)] = _day_hours(value, where.at(key))
    return week


def _day_hours(raw, where: _Where) -> tuple[Interval, ...]:
    items = _list(raw, where, required=True)
    intervals = sorted(_interval(item, where) for item in items)
    for a, b in itertools.pairwise(intervals):
        if b[0] < a[1]:
            raise where.error(f"{format_interval(a)} and {format_interval(b)} overlap")
    return tuple(intervals)


def _interval(raw, where: _Where) -> Interval:
    match = _INTERVAL.match(raw) if isinstance(raw, str) else None
    if not match:
        raise where.error(f"{raw!r} is not a time range like \"08:00-12:30\"")
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        raise where.error(f"{raw!r} is not a valid time range")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end > 24 * 60 or start > 24 * 60:
        raise where.error(f"{raw!r} goes past midnight")
    if end <= start:
        raise where.error(f"{raw!r} ends before it starts")
    return (start, end)


def format_interval(interval: Interval) -> str:
    (a, b) = interval
    return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


def _date(raw, where: _Where) -> date:
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise where.error(f"{raw!r} is not a date like 2026-12-24")


def _table(raw, where: _Where, required: bool = False) -> dict:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict):
        raise where.error("missing" if raw is None else "expected a table")
    return raw


def _list(raw, where: _Where, required: bool = False) -> list:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        raise where.error("missing" if raw is None else "expected a non-empty list")
    return raw


def _text(raw, where: _Where, empty: bool = False) -> str:
    if not isinstance(raw, str) or (not empty and not raw.strip()):
        raise where.error("missing" if raw is None else "expected a non-empty text")
    return raw.strip()


def _int(raw, where: _Where, low: int, high: int = 10**6) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
        raise where.error(f"expected a whole number from {low} to {high}, got {raw!r}")
    return raw


def _check_id(value: str, where: _Where) -> None:
    if not _ID.match(value):
        raise where.error(f"{value!r} is not an id (lower-case letters, digits, - and _)")
