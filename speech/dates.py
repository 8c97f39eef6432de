"""Dates, times and parts of the day in spoken German (and English), relative to "now".

Written here rather than taken from dateparser: measured on caller speech, dateparser
returns nothing for "nächsten Dienstag", "am dritten Dezember", "um halb zehn",
"Viertel nach zwei" and "gegen elf", dates "nächsten Dienstag" inside a sentence to
today, and its first call takes over 200 ms. The rules below cover what callers
say when booking, on top of text2num's number words (speech.numbers).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from speech.normalise import fold

WEEKDAYS = {
    "de": ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"],
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
}
MONTHS = {
    "de": [
        "januar",
        "februar",
        "maerz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
    "en": [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
}
_MONTH_ALIASES = {
    "jaenner": 1,
    "feber": 2,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dez": 12,
    "dec": 12,
}
# Swabian weekday forms: "Mendig", "Denschdig", "Mittich", "Donnschdig", "Freidig".
_WEEKDAY_ALIASES = {
    "mendig": 0,
    "maendig": 0,
    "denschdig": 1,
    "dienschdig": 1,
    "zieschdig": 1,
    "mittich": 2,
    "mittwoch": 2,
    "mendag": 0,
    "mondig": 0,
    "denschdag": 1,
    "dienschdag": 1,
    "mittwuch": 2,
    "donnschdig": 3,
    "dunnschdig": 3,
    "donnerschdag": 3,
    "dunnerschdag": 3,
    "donnerschtag": 3,
    "freidig": 4,
    "freidag": 4,
    "samschdig": 5,
    "samschdag": 5,
    "sonndig": 6,
    "sonndag": 6,
    "mo": 0,
    "di": 1,
    "mi": 2,
    "do": 3,
    "fr": 4,
}

_PARTS = {
    "de": {
        "vormittag": "morning",
        "morgens": "morning",
        "frueh": "morning",
        "nachmittag": "afternoon",
        "mittag": "afternoon",
        "mittags": "afternoon",
        "abend": "afternoon",
        "abends": "afternoon",
    },
    "en": {
        "morning": "morning",
        "mornings": "morning",
        "forenoon": "morning",
        "afternoon": "afternoon",
        "afternoons": "afternoon",
        "evening": "afternoon",
        "noon": "afternoon",
        "lunchtime": "afternoon",
    },
}


def _weekday(word: str, lang: str) -> int | None:
    days = WEEKDAYS[lang]
    for i, day in enumerate(days):
        if word == day or (lang == "de" and word in (day + "s", day + "e")):
            return i
    if lang == "de" and word in _WEEKDAY_ALIASES and len(word) > 2:
        return _WEEKDAY_ALIASES[word]
    return None


def _month(word: str, lang: str) -> int | None:
    months = MONTHS[lang]
    if word in months:
        return months.index(word) + 1
    return _MONTH_ALIASES.get(word)


def _count(token: str) -> int | None:
    """A small count from a digit token or the article ("in einer Woche")."""
    if token.isdigit():
        return int(token)
    return {
        "einer": 1,
        "einem": 1,
        "ein": 1,
        "eine": 1,
        "a": 1,
        "an": 1,
        "one": 1,
        "paar": 2,
        "couple": 2,
    }.get(token)


# A day and month this close behind today is a day gone by ("am 30. November" said on
# 1 December, "am 28. Dezember" on 5 January); further back, the caller means next
# year's ("am 5. Januar" said in December).
PAST_DAYS = 90


def _nearest(candidates: list[date], today: date) -> date | None:
    """Of the same day in neighbouring years: the one gone by at most PAST_DAYS ago,
    else the next one to come."""
    behind = [day for day in candidates if day < today and (today - day).days <= PAST_DAYS]
    if behind:
        return max(behind)
    ahead = [day for day in candidates if day >= today]
    return min(ahead) if ahead else None


def _future(day: int, month: int, now: date, year: int | None = None) -> date | None:
    """The date with that day and month: the one the caller means (see PAST_DAYS), or
    that of `year` when they said one."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    candidates = []
    for y in (now.year - 1, now.year, now.year + 1):
        try:
            candidates.append(date(y, month, day))
        except ValueError:
            continue  # 29 February
    return _nearest(candidates, now)


def _easter(year: int) -> date:
    """Easter Sunday (the Gregorian computus, as in Meeus' "Astronomical Algorithms")."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the computus' own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Days callers name instead of a date: (pattern on the folded words, (month, day) or the
# days after Easter Sunday). The longer names come first ("Heiligabend" before
# "Weihnachten", "Easter Monday" before "Easter").
_NAMED_DAYS: dict[str, list[tuple[re.Pattern, tuple[int, int] | int]]] = {
    "de": [
        (r"heilig(e[nr]?)? ?abend|weihnachtsabend", (12, 24)),
        (r"(2\.|zweite[nr]?) weihnachts(feier)?tag|stephanstag", (12, 26)),
        (r"(1\. |erste[nr]? )?weihnachts(feier)?tag|weihnachten", (12, 25)),
        (r"silves(ch)?ter", (12, 31)),  # Swabian "Silveschter"
        (r"neujahr(stag)?", (1, 1)),
        (r"heilige[nr]? (3|drei) koenige|dreikoenig(stag)?|epiphanias", (1, 6)),
        (r"(schmotzige[nr]?|schmutzige[nr]?|gumpige[nr]?) donnerstag|weiberfastnacht", -52),
        (r"rosenmontag", -48),
        (r"aschermittwoch", -46),
        (r"gruendonnerstag", -3),
        (r"karsamstag|ostersamstag", -1),
        (r"karfreitag", -2),
        (r"ostermontag", 1),
        (r"ostersonntag|ostern", 0),
        (r"(christi )?himmelfahrt|vatertag", 39),
        (r"pfingstmontag", 50),
        (r"pfingstsonntag|pfingsten", 49),
        (r"fronleichnam", 60),
        (r"tag der arbeit|maifeiertag", (5, 1)),
        (r"tag der deutschen einheit", (10, 3)),
        (r"allerheiligen", (11, 1)),
    ],
    "en": [
        (r"christmas eve", (12, 24)),
        (r"boxing day", (12, 26)),
        (r"christmas( day)?", (12, 25)),
        (r"new years? eve|new year s eve", (12, 31)),
        (r"new years?( day)?|new year s( day)?", (1, 1)),
        (r"epiphany", (1, 6)),
        (r"maundy thursday", -3),
        (r"good friday", -2),
        (r"easter monday", 1),
        (r"easter( sunday)?", 0),
        (r"ascension( day)?", 39),
        (r"whit monday|pentecost monday", 50),
        (r"whitsun|pentecost", 49),
        (r"corpus christi", 60),
        (r"labou?r day|may day", (5, 1)),
        (r"german unity day|day of german unity", (10, 3)),
        (r"all saints( day)?", (11, 1)),
    ],
}
_NAMED_DAYS = {lang: [(re.compile(rf"(?<![\w.])(?:(?P<prep>\w+) )?(?:{pattern})\b"), when)
                      for pattern, when in days]
               for lang, days in _NAMED_DAYS.items()}
# "vor Weihnachten", "after Easter": a stretch of time around the day, not the day.
_AROUND = {"vor", "nach", "bis", "ab", "before", "after", "until", "till"}
# "über Ostern", "over Christmas": the holidays from their first day (Good Friday, 24 Dec).
_OVER = {"ueber", "over"}


def _named_day(text: str, today: date, lang: str) -> date | None:
    """A holiday named instead of a date ("an Heiligabend", "am Karfreitag")."""
    for pattern, when in _NAMED_DAYS["en" if lang == "en" else "de"]:
        match = pattern.search(text)
        if match is None:
            continue
        if match.group("prep") in _AROUND:
            return None
        if match.group("prep") in _OVER:
            when = -2 if isinstance(when, int) else (12, 24) if when[0] == 12 else when
        years = (today.year - 1, today.year, today.year + 1)
        if isinstance(when, tuple):
            return _future(when[1], when[0], today)
        return _nearest([_easter(y) + timedelta(days=when) for y in years], today)
    return None


def find_date(tokens: list[str], now: datetime, lang: str = "de") -> date | None:
    """The date a caller means, or None. ``tokens`` come from speech.numbers.spoken_tokens.

    A date said outright wins over a weekday said with it ("am Montag, den 7. Dezember"),
    a named holiday over a day of the month without its month ("am ersten Weihnachtstag").
    """
    today = now.date()
    words = _date_words(tokens)
    text = " ".join(words)
    return (_absolute_date(words, today, lang) or _named_day(text, today, lang)
            or _day_of_month(words, today) or _relative_date(words, text, today, lang))


def other_weekday(tokens: list[str], day: date, now: datetime, lang: str = "de") -> date | None:
    """When the caller names a date and a weekday that it is not ("am Dienstag, den 14.",
    and the 14th is a Monday): the day of that weekday nearest to the date (not in the
    past), for asking which of the two they mean. None when they agree, or when `day`
    was not said as a date."""
    today = now.date()
    words = _date_words(tokens)
    if day not in (_absolute_date(words, today, lang), _day_of_month(words, today)):
        return None
    weekdays = [w for w in (_weekday(word, lang) for word in words) if w is not None]
    if not weekdays or weekdays[0] == day.weekday():
        return None
    ahead = (weekdays[0] - day.weekday()) % 7
    other = day + timedelta(days=ahead if ahead <= 3 else ahead - 7)
    return other if other >= today else other + timedelta(days=7)


def _date_words(tokens: list[str]) -> list[str]:
    return [fold(t) if not re.fullmatch(r"[\d.:]+", t) else t for t in tokens]


def _day_of_month(words: list[str], today: date) -> date | None:
    """ "am dritten", "der 14.", "the 14th" without a month: this month, or the next if
    that day has passed."""
    for i, word in enumerate(words):
        prev = words[i - 1] if i > 0 else ""
        german = re.fullmatch(r"(\d{1,2})\.", word)
        english = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", word)
        if not ((german and prev in ("am", "den", "dem", "der", "zum", "ab", "bis"))
                or (english and prev in ("the", "on"))):
            continue
        day = int((german or english).group(1))
        month, year = today.month, today.year
        for _ in range(2):
            try:
                candidate = date(year, month, day)
            except ValueError:
                candidate = None
            if candidate and candidate >= today:
                return candidate
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def _absolute_date(words: list[str], today: date, lang: str) -> date | None:
    """ "3.12.", "3.12.2025", "am 3. dezember", "third of december", "december 3"."""
    n = len(words)
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < n else ""
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2,4})?", word)
        if m:
            year = int(m.group(3)) if m.group(3) else None
            if year is not None and year < 100:
                year += 2000
            found = _future(int(m.group(1)), int(m.group(2)), today, year)
            if found:
                return found
        m = re.fullmatch(r"(\d{1,2})\.?(?:st|nd|rd|th)?", word)
        if m:
            rest = words[i + 1 : i + 4]
            for j, w in enumerate(rest):
                if w in ("of", "des", "den"):
                    continue
                month = _month(w, lang)
                if month is None and w.isdigit() and j == 0 and word.endswith("."):
                    month = int(w)  # "dritter zwölfter" -> "3. 12."
                if month:
                    year = None
                    after = rest[j + 1] if j + 1 < len(rest) else ""
                    if after.isdigit() and len(after) == 4:
                        year = int(after)
                    found = _future(int(m.group(1)), month, today, year)
                    if found:
                        return found
                break
        month = _month(word, lang)
        if month and lang == "en" and nxt:
            m2 = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\.?", nxt)
            if m2:
                found = _future(int(m2.group(1)), month, today)
                if found:
                    return found
    return None


def _relative_date(words: list[str], text: str, today: date, lang: str) -> date | None:
    """ "in zwei Wochen", weekdays, "morgen", "next week"."""
    n = len(words)
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < n else ""
        prev = words[i - 1] if i > 0 else ""
        # Relative: "in zwei Wochen", "in 3 Tagen", "in a week"
        if word in ("in", "within") and i + 2 < n + 1:
            count = _count(nxt)
            unit = words[i + 2] if i + 2 < n else ""
            if count is None and nxt in ("einer", "a", "one") and unit:
                count = 1
            if count is not None and count < 400:
                if unit.startswith(("tag", "day")):
                    return today + timedelta(days=count)
                if unit.startswith(("woche", "week")):
                    return today + timedelta(weeks=count)
                if unit.startswith(("monat", "month")):
                    return _add_months(today, count)
        weekday = _weekday(word, lang)
        if weekday is not None:
            ahead = (weekday - today.weekday()) % 7 or 7
            if prev in ("uebernaechsten", "uebernaechster", "uebernaechste"):
                ahead += 7
            elif prev in ("naechste", "naechsten", "naechster", "kommenden", "kommende") and words[
                i - 2 : i - 1
            ] == ["woche"]:
                pass
            elif "naechste woche" in text or "next week" in text:
                monday = today + timedelta(days=7 - today.weekday())
                return monday + timedelta(days=weekday)
            if prev in ("diesen", "this") and weekday == today.weekday():
                ahead = 0
            return today + timedelta(days=ahead)
    # Words for days, checked after explicit dates so "morgen am 3.12." keeps the date.
    if lang == "de":
        # Swabian "morga", "iebermorga" and "heit" as well.
        if "uebermorgen" in words or "iebermorga" in words:
            return today + timedelta(days=2)
        for i, word in enumerate(words):
            if word in ("morgen", "morga") and (
                    i == 0 or words[i - 1] not in ("guten", "schoenen")):
                return today + timedelta(days=1)
        if "heute" in words or "heit" in words:
            return today
        if re.search(r"\b(naechste|naechsten|kommende|kommenden) woche\b", text):
            return today + timedelta(days=7 - today.weekday())
        if re.search(r"\b(uebernaechste|uebernaechsten) woche\b", text):
            return today + timedelta(days=14 - today.weekday())
    else:
        if "day after tomorrow" in text:
            return today + timedelta(days=2)
        if "tomorrow" in words:
            return today + timedelta(days=1)
        if "today" in words:
            return today
        if "next week" in text:
            return today + timedelta(days=7 - today.weekday())
    return None


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return day


def _office_hour(hour: int, part: str | None) -> int:
    """Office context: "um zwei" is 14:00, "um neun" is 09:00; "nachmittags" moves on."""
    if part == "afternoon" and hour < 12:
        return hour + 12
    if 1 <= hour <= 6:
        return hour + 12
    return hour


def find_part_of_day(tokens: list[str], lang: str = "de") -> str | None:
    words = [fold(t) for t in tokens]
    text = " ".join(words)
    if lang == "de" and "morgen frueh" in text:
        return "morning"
    parts = _PARTS["en" if lang == "en" else "de"]
    for word in words:
        if word in parts:
            return parts[word]
        if lang == "de":
            # Compounds and adverbs: "vormittags", "Nachmittagstermin", "Vormittagstermin".
            if word.startswith(("vormittag", "frueh")) and not word.startswith("fruehest"):
                # "frühestens um zwei" is no morning.
                return "morning"
            if word.startswith("nachmittag"):
                return "afternoon"
    return None


def find_time(tokens: list[str], lang: str = "de", part: str | None = None) -> str | None:
    """The clock time a caller means, as "HH:MM" (24 h, office hours), or None."""
    words = [fold(t) if not re.fullmatch(r"[\d.:]+", t) else t for t in tokens]
    n = len(words)

    def minute_at(j: int) -> int:
        if 0 <= j < n and words[j].isdigit() and int(words[j]) < 60:
            return int(words[j])
        return 0

    def hour_at(j: int) -> int | None:
        if 0 <= j < n and words[j].isdigit() and 0 <= int(words[j]) <= 24:
            return int(words[j])
        return None

    def fmt(hour: int, minute: int, office: bool = True) -> str | None:
        if office:
            hour = _office_hour(hour, part)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            return None
        return f"{hour:02d}:{minute:02d}"

    for i, word in enumerate(words):
        m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", word)
        if m and (
            i == 0
            or words[i - 1] in ("um", "gegen", "at", "ab", "bis", "by", "around")
            or (i + 1 < n and words[i + 1] in ("uhr", "h"))
        ):
            hour = int(m.group(1))
            return fmt(hour, int(m.group(2)), office=hour <= 12)
        if lang == "de":
            if word == "halb" and hour_at(i + 1) is not None:
                return fmt((hour_at(i + 1) - 1) % 24, 30)
            if word == "viertel" and i + 2 < n and words[i + 1] in ("nach", "vor"):
                hour = hour_at(i + 2)
                if hour is not None:
                    return fmt(hour, 15) if words[i + 1] == "nach" else fmt((hour - 1) % 24, 45)
            if word == "viertel" and hour_at(i + 1) is not None:
                # Swabian: "viertel drei" is a quarter past two.
                return fmt((hour_at(i + 1) - 1) % 24, 15)
            if word in ("dreiviertel", "dreivirtel") and hour_at(i + 1) is not None:
                return fmt((hour_at(i + 1) - 1) % 24, 45)
            if (
                word.isdigit()
                and i + 2 < n
                and words[i + 1] in ("nach", "vor")
                and hour_at(i + 2) is not None
                and int(word) < 30
                and (i == 0 or words[i - 1] in ("um", "gegen", "so", "ab"))
            ):
                minute = int(word)
                hour = hour_at(i + 2)
                return (
                    fmt(hour, minute)
                    if words[i + 1] == "nach"
                    else fmt((hour - 1) % 24, 60 - minute)
                )
            if word in ("um", "gegen", "ab", "so") and hour_at(i + 1) is not None:
                hour = hour_at(i + 1)
                after = words[i + 2] if i + 2 < n else ""
                if after == "uhr":
                    return fmt(hour, minute_at(i + 3), office=hour <= 12)
                if word == "so" and after not in ("rum", "herum"):
                    continue
                return fmt(hour, 0, office=hour <= 12)
            if word.isdigit() and i + 1 < n and words[i + 1] == "uhr" and int(word) <= 24:
                hour = int(word)
                return fmt(hour, minute_at(i + 2), office=hour <= 12)
        else:
            if (
                word == "half"
                and i + 2 < n
                and words[i + 1] == "past"
                and hour_at(i + 2) is not None
            ):
                return fmt(hour_at(i + 2), 30)
            if word == "half" and hour_at(i + 1) is not None:
                return fmt(hour_at(i + 1), 30)  # British "half nine" is 9:30
            if (
                word == "quarter"
                and i + 2 < n
                and words[i + 1] in ("past", "after", "to", "before")
            ):
                hour = hour_at(i + 2)
                if hour is not None:
                    if words[i + 1] in ("past", "after"):
                        return fmt(hour, 15)
                    return fmt((hour - 1) % 24, 45)
            if word in ("at", "around", "about", "by") and hour_at(i + 1) is not None:
                hour = hour_at(i + 1)
                after = words[i + 2] if i + 2 < n else ""
                minute = minute_at(i + 2)
                nxt = "pm" if after in ("pm", "p") else "am" if after in ("am", "a") else None
                if nxt == "pm" and hour < 12:
                    return fmt(hour + 12, minute or 0, office=False)
                if nxt == "am":
                    return fmt(hour, minute or 0, office=False)
                return fmt(hour, minute if minute and minute < 60 else 0, office=hour <= 12)
            if word.isdigit() and i + 1 < n and words[i + 1] in ("oclock", "o'clock", "pm", "am"):
                hour = int(word)
                if words[i + 1] == "pm" and hour < 12:
                    return fmt(hour + 12, 0, office=False)
                return fmt(hour, 0, office=words[i + 1] != "am")
    return None
