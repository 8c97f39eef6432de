"""The prompt catalogue: what the hotline says, per language, from ivr/prompts/<lang>.toml."""

import functools
import re
import tomllib
from datetime import date, datetime
from pathlib import Path

import spoken_words
from conversation.replies import AGAIN_SHORT
from schedules.calendar import holiday_name, site_day
from schedules.config import BERLIN as BERLIN_TZ
from schedules.config import Schedule
from schedules.spoken import (
    MONTH_NAMES,
    PARTS_OF_DAY,
    join_words,
    part_of_day,
    phone_groups,
    spoken_code,
    spoken_date,
    spoken_from,
    spoken_groups,
    spoken_hours,
    spoken_person,
    spoken_phone,
    spoken_span,
    spoken_street,
    spoken_time,
    spoken_until,
    spoken_weekdays,
    spoken_when,
    spoken_with,
    weekday_adverb,
    weekday_name,
)

from . import languages

PROMPT_DIR = Path(__file__).parent / "prompts"


class UnknownLanguageError(KeyError):
    """No prompt catalogue for this language."""


@functools.cache
def catalogue(lang: str) -> dict:
    path = PROMPT_DIR / f"{lang}.toml"
    if not path.is_file():
        raise UnknownLanguageError(lang)
    with path.open("rb") as f:
        return tomllib.load(f)


def available_languages() -> list[str]:
    return sorted(p.stem for p in PROMPT_DIR.glob("*.toml"))


def text(lang: str, key: str, schedule: Schedule | None = None, **params: str) -> str:
    """The sentence `key` in `lang`, with its {placeholders} filled in.

    Parameters hold data, not words, and are said in `lang` by their name's prefix, so
    a question repeated after a language switch is said in the new language:
    ``topic_*`` an intent, ``when_*`` an ISO date-time (today and tomorrow named as such
    when a ``today`` parameter gives the call's date), ``date_*`` an ISO date with its
    weekday, ``daymonth_*`` one without, ``digits_*`` digits read one by one, ``groups_*``
    a code or customer number in groups ("438 – 581"), ``phone_*`` a telephone number
    digit by digit with a pause after the area code and each group ("0, 1, 7, 1 – 2, 3,
    4 – ..."; written "0171 234 ..."), ``weekday_*`` an ISO date's
    weekday, ``person_*`` a caseworker's name ("Herr Wagner" / "Mr Wagner"), ``with_*``
    with whom ("bei Herrn Wagner"), and with a `schedule`: ``place_*`` where a site is,
    ``address_*`` its address and directions, ``entry_*`` how booked customers get in
    outside its opening hours, ``bring_*`` what to bring for an appointment topic,
    ``holiday_*`` the public holiday on an ISO date, ``doors_*`` (in offers, right after
    a sentence; may be left out) that a site is closed to visitors then, ``closure_*``
    why a site is closed ("site/ISO date").

    For what is written to a caller after the call (SMS, the calendar file): ``at_*`` an
    ISO date-time in figures with the month's name ("Dienstag, 1. Dezember, 9:30 Uhr",
    "1 Aralık Salı, saat 09:30"), and with a `schedule` ``street_*`` a site's address
    alone (the way there is in the calendar file); the site itself as ``place_*``, the
    same words as spoken ("in der Geschäftsstelle Backnang", "у відділенні Бакнанг").

    Opening hours (conversation/hours_words.py): ``on_*`` a day ([date, today] as ISO dates, or
    "same" for "an diesem Tag"), ``hours_*`` intervals in minutes, ``reason_*`` a name in
    both languages, ``days_*`` weekdays, ``weekly_*`` one weekday ("donnerstags"), and with
    a `schedule` ``site_*`` a site ("die Geschäftsstelle Backnang"), ``sites_*`` several
    ("alle Geschäftsstellen"), ``town_*`` its town, ``way_*`` its address without the
    postcode and the directions, ``diffs_*`` how some sites' hours differ.

    A placeholder that begins a sentence begins it with a capital letter.
    """
    template = catalogue(lang)["prompts"][key]
    today = params.pop("today", None)
    today = date.fromisoformat(today) if today else None
    said = {name: _say(name, value, lang, schedule, today) for name, value in params.items()}
    for name in _OPTIONAL.findall(template):
        said.setdefault(name, "")  # not given: nothing to say there
    for name in _SENTENCE_STARTS.findall(template):
        if name in said:
            said[name] = said[name][:1].upper() + said[name][1:]
    return template.format(**said)


# Placeholders that may be left out: {doors_site} in offers, given only when it applies.
_OPTIONAL = re.compile(r"\{(doors_\w+)\}")
# A placeholder at the start of a sentence: "{on_day} hat ...", "... geschlossen. {site_x}".
_SENTENCE_STARTS = re.compile(r"(?:^|[.?!] )\{(\w+)\}")


def _say(name: str, value, lang: str, schedule: Schedule | None, today: date | None) -> str:
    kind = name.split("_", 1)[0]
    if kind == "topic":
        return topic(lang, value)
    if kind == "when":
        return spoken_when(datetime.fromisoformat(value), lang, today)
    if kind == "date":
        return spoken_date(date.fromisoformat(value), lang, today)
    if kind == "daymonth":
        day = date.fromisoformat(value)
        if lang in spoken_words.LANGUAGES:
            return spoken_words.date_words(day, lang, weekday=False)
        month = MONTH_NAMES["en" if lang == "en" else "de"][day.month - 1]
        return f"{day.day} {month}" if lang == "en" else f"{day.day}. {month}"
    if kind == "weekday":
        return weekday_name(date.fromisoformat(value), lang)
    if kind == "at":
        return written_moment(datetime.fromisoformat(value), lang)
    if schedule is not None and kind == "street":
        return schedule.site(value).address
    if kind == "digits":
        return spoken_code(value, lang)
    if kind == "phone":
        return spoken_phone(value, lang)
    if schedule is not None and kind == "entry":
        return schedule.site(value).entry(lang) or text(lang, "entry_default")
    if schedule is not None and kind == "holiday":
        return holiday_name(schedule.state, date.fromisoformat(value), lang) or ""
    if schedule is not None and kind == "closure":
        site_id, day = value.split("/")
        return site_day(schedule, site_id, date.fromisoformat(day)).closure(lang) or ""
    if kind == "groups":
        return spoken_groups(value)
    if kind == "person":
        return spoken_person(value, lang)
    if kind == "with":
        return spoken_with(value, lang)
    if schedule is not None and kind == "place":
        site = schedule.site(value)
        if lang == "en":
            return f"at the {site.name_en}"
        # The other languages say it their own way around the town's name ("Backnang
        # şubesinde"); German with the site's own name and article.
        if _own_place(lang):
            return _site_in(site.town(lang), lang)
        return f"{'in der' if site.article == 'die' else 'im'} {site.name}"
    if schedule is not None and kind == "address":
        site = schedule.site(value)
        directions = site.directions(lang)
        return f"{site.address}. {directions}".rstrip(". ") if directions else site.address
    if schedule is not None and kind == "bring":
        return join_words(list(schedule.topic(value).bring(lang)), lang)
    if kind == "doors":
        # Offers: " Zu dieser Uhrzeit ist ... geschlossen. ..." for a site's slot while its
        # doors are closed to walk-ins; nothing for "" (the template has no gap for it).
        return f" {text(lang, 'offer_doors')}" if value else ""
    if kind == "noted":
        return _noted(value, lang, schedule)
    hours = _say_hours(kind, value, lang, schedule)
    return str(value) if hours is None else hours


def _say_hours(kind: str, value, lang: str, schedule: Schedule | None) -> str | None:
    """The opening hours' parameters (see `text`), or None for any other kind."""
    lang = lang if lang in spoken_words.LANGUAGES or lang == "en" else "de"
    if kind == "on":
        return _on(value, lang)
    if kind == "hours":
        return spoken_hours([tuple(i) for i in value], lang)
    if kind == "reason":
        return value.get(lang) or value.get("de", "")
    if kind == "days":
        return spoken_weekdays(value, lang)
    if kind == "weekly":
        return weekday_adverb(int(value), lang)
    if schedule is None:
        return None
    if kind == "site":
        site = schedule.site(value)
        if lang in spoken_words.LANGUAGES:
            # One site is one office: "فرع باكنانغ", not the plural of a list of sites
            # ("الفروع Backnang", "отделения Backnang" said of the one that "работает").
            one = catalogue(lang).get("sites", {}).get("one")
            if one:
                return one.format(place=site.town(lang))
            return catalogue(lang)["prompts"]["hours_sites_some"].format(towns=site.place)
        return f"the {site.name_en}" if lang == "en" else f"{site.article} {site.name}"
    if kind == "sites":
        prompts = catalogue(lang)["prompts"]
        if set(value) == set(schedule.sites):
            return prompts["hours_sites_all"]
        towns = join_words([schedule.site(s).town(lang) for s in value], lang)
        return prompts["hours_sites_some"].format(towns=towns)
    if kind == "town":
        return schedule.site(value).town(lang)
    if kind == "way":
        site = schedule.site(value)
        directions = site.directions(lang)
        street = spoken_street(site.address)
        return f"{street}. {directions}".rstrip(". ") if directions else street
    if kind == "diffs":
        return join_words([_difference(schedule.site(site).town(lang), part, how, a, b, lang)
                           for site, part, how, a, b in value], lang)
    return None


def _on(value, lang: str) -> str:
    """The day a sentence is about: "heute, Mittwoch", "am Freitag, den 25. Dezember"."""
    prompts = catalogue(lang)["prompts"]
    if value == "same":
        return prompts["hours_on_same"]
    day, today = (date.fromisoformat(v) for v in value)
    key = {0: "hours_on_today", 1: "hours_on_tomorrow"}.get((day - today).days,
                                                           "hours_on_date")
    return prompts[key].format(weekday=weekday_name(day, lang),
                               date=spoken_date(day, lang, today))


def _difference(town: str, part, how: str, a, b, lang: str) -> str:
    """One site whose hours differ: "in Backnang vormittags bis halb eins"."""
    when = weekday_adverb(part, lang) if isinstance(part, int) else part_of_day(part, lang)
    if how == "until":
        hours = spoken_until(b, lang)
    elif how == "from":
        hours = spoken_from(a, lang)
    elif how == "span":
        hours = spoken_span(a, b, lang)
    else:
        hours = spoken_hours([tuple(i) for i in a], lang)
    if lang == "en":
        return " ".join(w for w in (f"in {town}", hours, when) if w)
    if lang in spoken_words.LANGUAGES:
        return " ".join(w for w in (_site_in(town, lang), when, hours) if w)
    return " ".join(w for w in (f"in {town}", when, hours) if w)


def _site_in(town: str, lang: str) -> str:
    """Where one site's hours differ, in Turkish, Ukrainian, Russian or Arabic: "Backnang
    şubesinde", not "şubeler: Backnang" (the words for a list of several sites)."""
    own = _own_place(lang)
    if own:
        return own.format(place=town)
    return catalogue(lang)["prompts"]["hours_sites_some"].format(towns=town)


def _own_place(lang: str) -> str | None:
    """The catalogue's `[sites] place` phrase ("{place} şubesinde"), if it has one."""
    return catalogue(lang).get("sites", {}).get("place")


def _noted(facts: dict, lang: str, schedule: Schedule | None) -> str:
    """What a caller said about an appointment without being asked, said back in a few
    words: "am Mittwoch, den 2. Dezember, nachmittags, in Waiblingen". German for German
    and plain German, the day, part of the day and town in Ukrainian, Russian, Turkish
    and Arabic, English for any other language."""
    if lang in spoken_words.LANGUAGES:
        return _noted_in_words(facts, lang, schedule)
    en = not lang.startswith("de")
    lang = "de" if not en else "en"
    parts = []
    wish = facts.get("wish") or {}
    if wish.get("on"):
        day = spoken_date(date.fromisoformat(wish["on"]), lang)
        parts.append(f"on {day}" if en else f"am {day}")
    elif wish.get("earliest"):
        monday = spoken_date(date.fromisoformat(wish["earliest"]), lang)
        parts.append(f"in the week from {monday}" if en else f"in der Woche ab {monday}")
    if wish.get("part_of_day") in PARTS_OF_DAY["de"]:
        parts.append(PARTS_OF_DAY["en" if en else "de"][wish["part_of_day"]])
    if wish.get("time"):
        hour, minute = (int(x) for x in wish["time"].split(":"))
        parts.append(("at " if en else "um ") + spoken_time(hour * 60 + minute, lang))
    if wish.get("asap") and not parts:
        parts.append("as soon as possible" if en else "so bald wie möglich")
    if facts.get("site") and schedule is not None:
        parts.append(f"in {schedule.site(facts['site']).place}")
    if facts.get("topic") and schedule is not None:
        # "Geldleistungen (Bürgergeld)" is said without what is in brackets.
        label = re.sub(r"\s*\(.*?\)", "", schedule.topic(facts["topic"]).label(lang))
        parts.append(f"about {label}" if en else f"wegen {label}")
    return ", ".join(parts)


def _noted_in_words(facts: dict, lang: str, schedule: Schedule | None) -> str:
    """The noted facts listed in a language of spoken_words: the day, the part of the day
    (or "as soon as possible") and the town; the topic is asked or offered in its own
    words later."""
    parts = []
    wish = facts.get("wish") or {}
    if wish.get("on"):
        parts.append(spoken_date(date.fromisoformat(wish["on"]), lang))
    if wish.get("part_of_day"):
        parts.append(part_of_day(wish["part_of_day"], lang) or "")
    if wish.get("asap") and not parts:
        parts.append(spoken_words.ASAP[lang])
    if facts.get("site") and schedule is not None:
        parts.append(schedule.site(facts["site"]).town(lang))
    return spoken_words.join([p for p in parts if p], lang) if lang == "ar" else ", ".join(
        p for p in parts if p)


# ----------------------------------------------------------------------------- after the call

# An appointment's moment as each language writes it in a message: the day with the
# month's name (a figure alone is read as a month by some and a day by others), the time
# in 24-hour figures. Arabic keeps the digits 0-9, which the German address and the
# booking code use too, so the reader sees one kind of digit.
_WRITTEN_MOMENT = {"tr": "{day}, saat {time}", "uk": "{day}, о {time}", "ru": "{day}, в {time}",
                   "ar": "{day}، الساعة {time}"}


def written_moment(moment: datetime, lang: str) -> str:
    """An appointment's day and time for reading, without the year (it is weeks away at
    most): "Dienstag, 1. Dezember, 9:30 Uhr", "Tuesday, 1 December, 9:30 am",
    "1 Aralık Salı, saat 09:30", "вівторок, 1 грудня, о 09:30"."""
    local = moment.astimezone(BERLIN_TZ)
    minute = local.hour * 60 + local.minute
    if lang not in _WRITTEN_MOMENT:
        lang = "en" if lang == "en" else "de"
        return f"{_written_day(local.date(), lang, year=False)}, {spoken_time(minute, lang)}"
    return _WRITTEN_MOMENT[lang].format(day=_written_day(local.date(), lang, year=False),
                                        time=f"{local.hour:02d}:{local.minute:02d}")


def written_office(site, lang: str) -> str:
    """A site as a message names it: its own name in German, its English name in English,
    and in the other languages the catalogue's phrase around the town's name as that
    language writes it ("Backnang şubesinde", "في فرع باكنانغ")."""
    if lang == "en":
        return site.name_en
    if _own_place(lang):
        return _site_in(site.town(lang), lang)
    return site.name


def written_appointment(moment: datetime, site, lang: str) -> str:
    """ "Dienstag, 1. Dezember, 10 Uhr, Geschäftsstelle Backnang": one offer in an SMS."""
    comma = "، " if lang == "ar" else ", "
    return f"{written_moment(moment, lang)}{comma}{written_office(site, lang)}"


def topic(lang: str, intent: str) -> str:
    """How an intent is named to the caller ("den Stand Ihres Antrags")."""
    return catalogue(lang)["topics"][intent]


def twilio_language(lang: str) -> str:
    """The language Twilio hears `lang` in (ivr/languages.toml), else the one it speaks."""
    data = languages.language(lang)
    return data.gather_language or data.say_language


def default_voice(lang: str) -> str:
    return languages.language(lang).voice


def slow_rate(lang: str, key: str) -> str | None:
    """The speaking rate for `key`: slower where the catalogue reads it slowly (booking
    details), or the language's own rate (plain German), else None."""
    meta = catalogue(lang)["meta"]
    if key in meta.get("slow", ()):
        return meta.get("slow_rate", "85%")
    return languages.language(lang).rate or None


def reviewed(lang: str) -> dict[str, str]:
    """Which sentences a native speaker has checked: key -> who and when.

    A catalogue with ``[meta] reviewed = "..."`` was checked whole (German and English,
    written by native speakers of the project); any other lists each checked sentence in
    its ``[reviewed]`` table (topics as ``"topics.<intent>"``). The rest are unchecked.
    """
    data = catalogue(lang)
    keys = [*data["prompts"], *(f"topics.{t}" for t in data["topics"])]
    whole = data["meta"].get("reviewed")
    if isinstance(whole, str) and whole:
        return dict.fromkeys(keys, whole)
    checked = data.get("reviewed", {})
    return {key: checked[key] for key in keys if checked.get(key)}


def unreviewed(lang: str) -> list[tuple[str, str]]:
    """(key, sentence) for every sentence of `lang` not yet checked by a native speaker."""
    data = catalogue(lang)
    done = reviewed(lang)
    sentences = [*data["prompts"].items(),
                 *((f"topics.{t}", text) for t, text in data["topics"].items())]
    return [(key, sentence) for key, sentence in sentences if key not in done]


# ----------------------------------------------------------------------------- in writing

# Sentences never written to anyone: they belong to calls the hotline places or to the
# telephone's queue, or they are the texts of SMS or of the calendar file already.
NEVER_WRITTEN = ("reminder_call_", "callback_call_", "queue_", "sms_", "ics_", "agents_busy",
                 "voicemail_nothing")  # nothing after a beep: a call's alone


def written(lang: str, key: str, schedule: Schedule | None = None, **params) -> str:
    """The sentence `key` in `lang` for reading (SMS, web chat): the same sentence as
    `text` says, rendered for the eye.

    Each catalogue's ``[written]`` table holds what differs: ``prompts`` are written
    variants of the few keys that need other words (the crisis numbers in digits, the
    keypad menu as numbers to write), and ``words`` are phrases said for the ear with
    what is written instead ("drücken Sie die Eins" -> "schreiben Sie 1", "jobcenter
    punkt digital" -> "jobcenter.digital"; an empty one drops the phrase). Parameters are
    written as people write them: dates and times in figures, codes as they are, a
    telephone number in groups ("0171 234 56 78"), a customer number only by its last
    three characters (it must not travel back by SMS).
    """
    template = written_template(lang, key)
    today = params.pop("today", None)
    if params.get("office_figures"):
        # Another office's number as the office writes it ("0800 4 5555 30"), not the
        # digit words said on the phone.
        params["office_number"] = _left_to_right(params["office_figures"], lang)
    said = {name: _write(name, value, lang, schedule) for name, value in params.items()}
    for name in _OPTIONAL.findall(template):
        said.setdefault(name, "")
    for name in _SENTENCE_STARTS.findall(template):
        if name in said:
            said[name] = said[name][:1].upper() + said[name][1:]
    del today  # written dates name the day itself, never "heute" or "morgen"
    return " ".join(template.format(**said).split())


# Languages written right to left (the chat page is dir="rtl" for them). A number in
# groups is isolated left to right in them: among Arabic words its groups would otherwise
# be shown in reverse order ("30 5555 4 0800"). Fixed numbers in their catalogue's
# written sentences carry the same isolate (\u2066 ... \u2069), and so does its SMS.
_RIGHT_TO_LEFT = ("ar",)


def _left_to_right(number: str, lang: str) -> str:
    return f"\u2066{number}\u2069" if lang in _RIGHT_TO_LEFT and number else number


def written_template(lang: str, key: str) -> str:
    """The template of `key` for reading: the written variant, or the spoken one reworded."""
    data = catalogue(lang)
    written_prompts = data.get("written", {}).get("prompts", {})
    whole = _WHOLE_QUESTION.get(key, key)
    template = written_prompts.get(key, written_prompts.get(whole))
    return template if template is not None else _reworded(data["prompts"][whole], lang)


# A question's short form after silence (conversation.replies.AGAIN_SHORT) is, in writing,
# the written question itself: it has no introduction to leave out, and its keypad hint
# has no place in writing. Where the question has no written variant, the spoken question
# is reworded, never the short form (whose keys the rewording would leave in).
_WHOLE_QUESTION = {short: whole for whole, short in AGAIN_SHORT.items()}


def page_words(lang: str) -> dict[str, str]:
    """The web chat page's own words in `lang` (labels, buttons, notes): ``[written.page]``."""
    return catalogue(lang)["written"]["page"]


def _reworded(template: str, lang: str) -> str:
    """The spoken template with the catalogue's written words put in, in one pass
    (the longest phrase first, so that a phrase may also protect a longer one)."""
    words = catalogue(lang).get("written", {}).get("words", {})
    if not words:
        return template
    return _phrases(lang).sub(lambda m: words[m.group(0)], template)


@functools.cache
def _phrases(lang: str) -> re.Pattern:
    words = catalogue(lang).get("written", {}).get("words", {})
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _write(name: str, value, lang: str, schedule: Schedule | None) -> str:
    kind = name.split("_", 1)[0]
    if kind == "when":
        moment = datetime.fromisoformat(value).astimezone(BERLIN_TZ)
        return f"{_written_day(moment.date(), lang)}, {_written_time(moment, lang)}"
    if kind == "date":
        return _written_day(date.fromisoformat(value), lang)
    if kind == "digits":
        return re.sub(r"[^0-9A-Za-z+]", "", str(value))
    if kind == "phone":  # "0171 234 56 78": checked group by group
        return _left_to_right(" ".join(phone_groups(value)), lang)
    if kind == "doors":
        return f" {written(lang, 'offer_doors')}" if value else ""
    if kind == "groups":
        # A customer number travels back by SMS only as its last characters.
        return str(value)[-3:] if name == "groups_number" else str(value)
    if kind == "hours":
        spans = [(_written_clock(a, lang), _written_clock(b, lang)) for a, b in value]
        if lang.startswith("de"):
            return " und ".join(f"von {a} bis {b} Uhr" for a, b in spans)
        if lang == "en":
            return " and ".join(f"from {a} to {b}" for a, b in spans)
        return ", ".join(f"{a}–{b}" for a, b in spans)
    if schedule is not None and kind == "way":
        return _say("address_x", value, lang, schedule, None)
    if schedule is not None and kind == "diffs":
        return join_words([_written_difference(schedule.site(site).town(lang), part, how, a, b,
                                               lang)
                           for site, part, how, a, b in value], lang)
    return _say(name, value, lang, schedule, None)


# "until" and "from" an hour in writing, as spoken_words says them, in figures.
_WRITTEN_BOUNDS = {
    "until": {"de": "bis {} Uhr", "en": "until {}", "uk": "до {}", "ru": "до {}",
              "tr": "saat {}'{} kadar", "ar": "حتى الساعة {}"},
    "from": {"de": "ab {} Uhr", "en": "from {}", "uk": "з {}", "ru": "с {}",
             "tr": "saat {}'{} itibaren", "ar": "من الساعة {}"},
}


def _written_difference(town: str, part, how: str, a, b, lang: str) -> str:
    """One site whose hours differ, in figures: "in Backnang vormittags bis 12:30 Uhr",
    "in Backnang in the morning until 12:30" (said: "bis halb eins", "until 12:30 pm")."""
    when = weekday_adverb(part, lang) if isinstance(part, int) else part_of_day(part, lang)
    if how in ("until", "from"):
        minute = b if how == "until" else a
        # Turkish writes the ending it says after the figures ("12:30'a kadar").
        ending = [spoken_words.turkish_ending(minute, how)] if lang == "tr" else []
        hours = _WRITTEN_BOUNDS[how].get(lang[:2], "{}").format(
            _written_clock(minute, lang), *ending)
    elif how == "span":
        hours = _write("hours_x", [(a, b)], lang, None)
    else:
        hours = _write("hours_x", a, lang, None)
    if lang.startswith("de") or lang == "en":
        return " ".join(w for w in (f"in {town}", when, hours) if w)
    return " ".join(w for w in (_site_in(town, lang), when, hours) if w)


def _written_day(day: date, lang: str, year: bool = True) -> str:
    """ "Dienstag, 1. Dezember 2026" / "Tuesday, 1 December 2026" / "вівторок, 1 грудня
    2026" / "1 Aralık 2026 Salı" / "الثلاثاء، 1 ديسمبر 2026": the month by its name."""
    said_year = f" {day.year}" if year else ""
    if lang in spoken_words.LANGUAGES:
        month = spoken_words.MONTHS[lang][day.month - 1]
        name = weekday_name(day, lang)
        if lang == "tr":
            return f"{day.day} {month}{said_year} {name}"
        comma = "، " if lang == "ar" else ", "
        return f"{name}{comma}{day.day} {month}{said_year}"
    month = MONTH_NAMES["en" if lang == "en" else "de"][day.month - 1]
    dayname = weekday_name(day, "en" if lang == "en" else "de")
    return (f"{dayname}, {day.day} {month}{said_year}" if lang == "en"
            else f"{dayname}, {day.day}. {month}{said_year}")


def _written_clock(minute: int, lang: str) -> str:
    hour, rest = divmod(int(minute), 60)
    return f"{hour}:{rest:02d}"


def _written_time(moment: datetime, lang: str) -> str:
    clock_ = _written_clock(moment.hour * 60 + moment.minute, lang)
    return f"{clock_} Uhr" if lang.startswith("de") else clock_
