"""Dates, times, hours and booking codes as the hotline says them, in each of its languages.

Written for the ear: "9 Uhr" rather than "09:00 Uhr", an appointment "um 9 Uhr 30",
opening hours as people say them ("von 8 Uhr bis halb eins", "Montag bis Freitag",
"donnerstags"), the booking code in groups with a pause between them ("471 – 103").
Ukrainian, Russian, Turkish and Arabic are said in words by `spoken_words`, in their own
grammar; plain German ("de-simple") is said as German. Words only: the sentences around
them are in ivr/prompts/<lang>.toml.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import spoken_words

from .config import BERLIN, Interval, Topic

WEEKDAY_NAMES = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "de"


def _words(lang: str | None) -> bool:
    """Whether `lang` is one that spoken_words says (the languages beyond German and English)."""
    return lang in spoken_words.LANGUAGES


def weekday_name(day: date, lang: str = "de") -> str:
    if _words(lang):
        return spoken_words.WEEKDAYS[lang][day.weekday()]
    return WEEKDAY_NAMES[_lang(lang)][day.weekday()]


def clock(minute: int | time, lang: str = "de") -> str:
    """A time of day without "Uhr": "9", "12:30" (German); "9 am", "12:30 pm" (English)."""
    if isinstance(minute, time):
        minute = minute.hour * 60 + minute.minute
    hour, rest = divmod(minute, 60)
    if _lang(lang) == "en":
        if minute == 12 * 60:
            return "12 noon"
        suffix = "am" if hour < 12 or hour == 24 else "pm"
        hour12 = hour % 12 or 12
        return f"{hour12}:{rest:02d} {suffix}" if rest else f"{hour12} {suffix}"
    return f"{hour}:{rest:02d}" if rest else str(hour)


def spoken_time(minute: int | time, lang: str = "de") -> str:
    """A time of day to read out: "9:30 Uhr", "14 Uhr" / "9:30 am", "2 pm"."""
    if _words(lang):
        if isinstance(minute, time):
            minute = minute.hour * 60 + minute.minute
        return spoken_words.time_words(minute, lang)
    return f"{clock(minute, lang)} Uhr" if _lang(lang) == "de" else clock(minute, lang)


# Hours after "halb": "halb eins" is 12:30, "halb sechs" 17:30.
_HOUR_WORDS = ("zwölf", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
               "neun", "zehn", "elf")
PARTS_OF_DAY = {
    "de": {"morning": "vormittags", "afternoon": "nachmittags"},
    "en": {"morning": "in the morning", "afternoon": "in the afternoon"},
}


def said_time(minute: int, lang: str = "de") -> str:
    """A time as people say it: "8 Uhr", "halb eins", "9 Uhr 15" / "8 am", "12:30 pm"."""
    if _lang(lang) == "en":
        return clock(minute, "en")
    hour, rest = divmod(minute, 60)
    if rest == 0:
        return f"{hour} Uhr"
    if rest == 30:
        return f"halb {_HOUR_WORDS[(hour + 1) % 12]}"
    return f"{hour} Uhr {rest}"


def part_of_day(part: str, lang: str = "de") -> str | None:
    """"vormittags" / "in the morning" / "утром", ..."""
    if _words(lang):
        return spoken_words.PARTS_OF_DAY[lang].get(part)
    return PARTS_OF_DAY[_lang(lang)].get(part)


def spoken_span(start: int, end: int, lang: str = "de") -> str:
    """One interval: "von 8 bis 12 Uhr", "von 8 Uhr bis halb eins" / "from 8 am to 12 noon"."""
    if _words(lang):
        return spoken_words.hours_words([(start, end)], lang)
    if _lang(lang) == "en":
        return f"from {clock(start, 'en')} to {clock(end, 'en')}"
    if start % 60 == 0 and end % 60 == 0:
        return f"von {start // 60} bis {end // 60} Uhr"
    return f"von {said_time(start)} bis {said_time(end)}"


def spoken_hours(intervals: tuple[Interval, ...] | list[Interval], lang: str = "de") -> str:
    """Opening hours of one day: "von 8 Uhr bis halb eins und von 14 bis 18 Uhr"."""
    if _words(lang):
        return spoken_words.hours_words(intervals, lang)
    return join_words([spoken_span(a, b, lang) for a, b in intervals], lang)


def spoken_until(minute: int, lang: str = "de") -> str:
    """"bis halb eins" / "until 12:30 pm"."""
    if _words(lang):
        return spoken_words.until_words(minute, lang)
    return f"until {said_time(minute, 'en')}" if _lang(lang) == "en" else \
        f"bis {said_time(minute)}"


def spoken_from(minute: int, lang: str = "de") -> str:
    """"ab 14 Uhr" / "from 2 pm"."""
    if _words(lang):
        return spoken_words.from_words(minute, lang)
    return f"from {said_time(minute, 'en')}" if _lang(lang) == "en" else \
        f"ab {said_time(minute)}"


def spoken_weekdays(weekdays: list[int], lang: str = "de") -> str:
    """Days of the week: "Montag bis Freitag", "Montag, Mittwoch und Freitag"."""
    if _words(lang):
        names = spoken_words.WEEKDAYS[lang]

        def run_of(first: int, last: int) -> str:
            return spoken_words.WEEKDAY_RUN[lang].format(spoken_words.WEEKDAYS_FROM[lang][first],
                                                         spoken_words.WEEKDAYS_UNTIL[lang][last])
    else:
        names = WEEKDAY_NAMES[_lang(lang)]
        to = "to" if _lang(lang) == "en" else "bis"

        def run_of(first: int, last: int) -> str:
            return f"{names[first]} {to} {names[last]}"
    runs: list[list[int]] = []
    for day in sorted(set(weekdays)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(run_of(run[0], run[-1]))
        else:
            parts.extend(names[day] for day in run)
    return join_words(parts, lang)


def weekday_adverb(weekday: int, lang: str = "de") -> str:
    """Every week on that day: "donnerstags" / "on Thursdays"."""
    if _words(lang):
        return spoken_words.WEEKLY[lang][weekday]
    if _lang(lang) == "en":
        return f"on {WEEKDAY_NAMES['en'][weekday]}s"
    return WEEKDAY_NAMES["de"][weekday].lower() + "s"


def spoken_street(address: str) -> str:
    """An address to read aloud, without the postcode: "Am Obstmarkt 3, Backnang"."""
    return re.sub(r"\b\d{5}\s+", "", address)


def join_words(parts: list[str], lang: str = "de") -> str:
    """"A, B und C" / "A, B and C"."""
    if _words(lang):
        return spoken_words.join(parts, lang)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    word = "and" if _lang(lang) == "en" else "und"
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def spoken_date(day: date, lang: str = "de", today: date | None = None) -> str:
    """"Dienstag, den 1. Dezember" / "Tuesday, 1 December"; the year only if not this year."""
    if _words(lang):
        return spoken_words.date_words(
            day, lang, year=today is not None and day.year != today.year)
    lang = _lang(lang)
    month = MONTH_NAMES[lang][day.month - 1]
    year = f" {day.year}" if today is not None and day.year != today.year else ""
    if lang == "en":
        return f"{weekday_name(day, lang)}, {day.day} {month}{year}"
    return f"{weekday_name(day, lang)}, den {day.day}. {month}{year}"


def spoken_clock(minute: int | time, lang: str = "de") -> str:
    """A time of day as people say it: "9 Uhr 30", "14 Uhr" / "9:30 am", "2 pm"."""
    if isinstance(minute, time):
        minute = minute.hour * 60 + minute.minute
    if _lang(lang) == "en":
        return clock(minute, "en")
    hour, rest = divmod(minute, 60)
    return f"{hour} Uhr {rest}" if rest else f"{hour} Uhr"


def spoken_when(start: datetime, lang: str = "de", now: datetime | date | None = None) -> str:
    """When an appointment starts, to read out.

    "Dienstag, den 1. Dezember, um 9 Uhr 30" / "Tuesday, 1 December, at 9:30 am".

    With `now` (a moment or today's date), today and tomorrow are named instead of the
    date: "heute um 14 Uhr", "morgen, Mittwoch, um 9 Uhr 30".
    """
    if _words(lang):
        return _when_in_words(start, lang, now)
    lang = _lang(lang)
    local = start.astimezone(BERLIN)
    if isinstance(now, datetime):
        now = now.astimezone(BERLIN).date()
    minute = local.hour * 60 + local.minute
    at = f"at {spoken_clock(minute, lang)}" if lang == "en" else f"um {spoken_clock(minute, lang)}"
    offset = (local.date() - now).days if now is not None else None
    if offset == 0:
        return f"today {at}" if lang == "en" else f"heute {at}"
    if offset == 1:
        word = "tomorrow" if lang == "en" else "morgen"
        return f"{word}, {weekday_name(local.date(), lang)}, {at}"
    return f"{spoken_date(local.date(), lang, now)}, {at}"


_TODAY = {"ru": ("сегодня", "завтра"), "uk": ("сьогодні", "завтра"), "tr": ("bugün", "yarın"),
          "ar": ("اليوم", "غدًا")}


def _when_in_words(start: datetime, lang: str, now: datetime | date | None) -> str:
    """ "завтра, вторник, первое декабря, в девять тридцать" / "bir Aralık Salı, saat
    dokuz otuz" / "الثلاثاء، الأول من ديسمبر، الساعة التاسعة والنصف صباحًا"."""
    local = start.astimezone(BERLIN)
    today = now.astimezone(BERLIN).date() if isinstance(now, datetime) else now
    comma = "، " if lang == "ar" else ", "
    said = spoken_date(local.date(), lang, today) + comma + spoken_words.time_words(
        local.hour * 60 + local.minute, lang)
    if today is not None and 0 <= (local.date() - today).days <= 1:
        said = _TODAY[lang][(local.date() - today).days] + comma + said
    return said


def spoken_code(code: str, lang: str = "de") -> str:
    """A booking code digit by digit, with pauses: "4, 7, 1, 1, 0, 3"; in words in the
    languages beyond German and English ("четыре, семь, ...")."""
    if _words(lang):
        return spoken_words.digits(code, lang)
    return ", ".join(ch for ch in str(code) if ch.isdigit())


# Between groups: a dash with spaces, which Twilio's voices read as a short pause.
GROUP_PAUSE = " – "


def spoken_groups(symbols: str) -> str:
    """A booking code or customer number in groups a listener can follow and write down:
    "438 – 581", "123 – D – 456 – 789", "123 – 45 – BG – 001 – 23 – 45".

    Digits go in threes (a run that would leave one digit over ends in two pairs);
    letters stay together as a group of their own. Anything else (the open letter of a
    typed number) is left out.
    """
    groups: list[str] = []
    for run in re.findall(r"\d+|[A-Za-z]+", str(symbols)):
        if not run.isdigit():
            groups.append(run.upper())
            continue
        while len(run) > 4 or len(run) == 3:
            groups.append(run[:3])
            run = run[3:]
        if len(run) == 4:
            groups += [run[:2], run[2:]]
        elif run:
            groups.append(run)
    return GROUP_PAUSE.join(groups)


# German area codes (the trunk 0 included): four cities have three digits, the big cities'
# four end in 1 (0711, 0221, 0911), mobile prefixes have four (0171), most others five
# (07151, 07191), the nationwide service prefixes four (0800 freephone, 0700). A number
# whose code is none of these is only grouped a little wrongly.
_THREE_DIGIT_CODES = ("030", "040", "069", "089")
_SERVICE_CODES = ("0800", "0700")
# Country codes after 00: one digit (1, 7), three (this pattern, after ITU E.164), or two.
_COUNTRY = re.compile(r"00(?:[17]|2[1-69]\d|3[578]\d|42\d|5[09]\d|6[7-9]\d|8[03579]\d"
                      r"|9[679]\d|\d\d)")


def phone_groups(number: str) -> list[str]:
    """A telephone number in the groups a listener or reader checks it by: the area code
    or mobile prefix (abroad: 00 and the country code), then the rest in threes as
    `spoken_groups` splits digits: "0171 234 56 78", "07191 123 456", "0800 123 45 67",
    "0090 532 123 45 67"; "+49 7191 ..." is written "07191 ...". A number not starting
    with 0 is only split in threes."""
    digits = re.sub(r"\D", "", str(number))
    if str(number).strip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0049"):
        digits = "0" + digits[4:]
    if not digits.startswith("0"):
        code = ""
    elif digits.startswith("00"):
        country = _COUNTRY.match(digits)
        code = country.group(0) if country else digits[:4]
    elif digits.startswith(_THREE_DIGIT_CODES):
        code = digits[:3]
    elif digits.startswith(("01", *_SERVICE_CODES)) or digits[3:4] == "1":
        code = digits[:4]
    else:
        code = digits[:5]
    rest = digits[len(code):]
    return ([code] if code else []) + (spoken_groups(rest).split(GROUP_PAUSE) if rest else [])


def spoken_phone(number: str, lang: str = "de") -> str:
    """A telephone number digit by digit, with a longer pause between its groups:
    "0, 1, 7, 1 – 2, 3, 4 – 5, 6 – 7, 8"."""
    return GROUP_PAUSE.join(spoken_code(group, lang) for group in phone_groups(number))


# A caseworker's title in other languages; the name itself stays as on the door sign.
_TITLES = {"en": {"Frau": "Ms", "Herr": "Mr"},
           "tr": {"Frau": "Bayan", "Herr": "Bay"},
           "uk": {"Frau": "пані", "Herr": "пан"},
           "ru": {"Frau": "госпожа", "Herr": "господин"},
           "ar": {"Frau": "السيدة", "Herr": "السيد"}}
# "With" someone, around the title and name: "Bay Wagner ile", "з паном Wagner" (the
# title declined, the name as written), "مع السيد Wagner"; None: no title.
_WITH = {"tr": {"Frau": "Bayan {} ile", "Herr": "Bay {} ile", None: "{} ile"},
         "uk": {"Frau": "з пані {}", "Herr": "з паном {}", None: "з {}"},
         "ru": {"Frau": "с госпожой {}", "Herr": "с господином {}", None: "с {}"},
         "ar": {"Frau": "مع السيدة {}", "Herr": "مع السيد {}", None: "مع {}"}}


def spoken_person(name: str, lang: str = "de") -> str:
    """A caseworker's name as configured ("Herr Wagner"), in English "Mr Wagner", in
    Turkish "Bay Wagner", in Ukrainian "пан Wagner"."""
    title, _, rest = str(name).partition(" ")
    titles = _TITLES.get(lang if _words(lang) else _lang(lang), {})
    if title in titles and rest:
        return f"{titles[title]} {rest}"
    return str(name)


def spoken_with(name: str, lang: str = "de") -> str:
    """With whom an appointment is: "bei Herrn Wagner", "bei Frau Keller" / "with Mr Wagner"
    / "Bay Wagner ile", "з паном Wagner", "с госпожой Keller", "مع السيد Wagner"."""
    title, _, rest = str(name).partition(" ")
    if _words(lang):
        forms = _WITH[lang]
        return forms[title].format(rest) if title in forms and rest else forms[None].format(name)
    if _lang(lang) == "en":
        return f"with {spoken_person(name, 'en')}"
    if title == "Herr" and rest:
        return f"bei Herrn {rest}"  # the dative: "bei Herrn Wagner"
    return f"bei {name}"


def spoken_bring(topic: Topic, lang: str = "de") -> str:
    """What to bring, as one sentence; empty when nothing is needed."""
    items = list(topic.bring(_lang(lang)))
    if not items:
        return ""
    if _lang(lang) == "en":
        return f"Please bring {join_words(items, 'en')}."
    return f"Bitte bringen Sie mit: {join_words(items, 'de')}."
