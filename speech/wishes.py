"""When a caller would like an appointment, from what they said: day, range, time, exclusions.

Built on the date and time entities (speech.dates), plus what only matters for booking:
"so bald wie möglich", "nächste Woche" as a whole week, "nicht am Montag", "egal".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import clock
from speech import short_answers
from speech.dates import _weekday
from speech.entities import extract_entities
from speech.normalise import fold

_ASAP = {
    "de": re.compile(r"\b(so bald|bald|moeglichst (schnell|frueh|bald)|schnell|egal|"
                     r"naechste[nr]? (freie|moegliche)|frueheste|sofort|wann immer|"
                     r"dringend|eilig)\b"),
    "en": re.compile(r"\b(soon|asap|urgent|earliest|any ?time|whenever|first available|"
                     r"next available|"
                     r"don ?t mind|doesn ?t matter)\b"),
}
_NEXT_WEEK = {
    # Swabian too: "nägschde Woch".
    "de": re.compile(r"\b(naechste|naegschte|naegschde|kommende)n? woch[ea]?\b"),
    "en": re.compile(r"\bnext week\b"),
}
_THIS_WEEK = {
    "de": re.compile(r"\b(diese|in dieser) woche\b"),
    "en": re.compile(r"\bthis week\b"),
}
# Matched on the caller's own words (umlauts kept: the number words need them).
_NOT = {
    "de": re.compile(r"\b(?:nicht|kein|au(?:ß|ss)er) (?:am |an |den |dem |einem )?(?P<day>\w+)",
                     re.IGNORECASE),
    "en": re.compile(r"\b(?:not|except|but not) (?:on |a )?(?P<day>\w+)", re.IGNORECASE),
}
# A day ruled out after it is named: "Montag kann ich nicht", "montags hab ich keine
# Zeit", "am Mendig gohd's bei mir net", "Monday doesn't work for me", "I can't do
# Mondays". Only a verb and a few small words may stand between the day and the "not",
# so that "Montag, wenn es nicht zu früh ist" keeps Monday; "nicht schlecht" is a yes.
# Matched on the folded words; the day is any word speech.dates reads as a weekday.
_NOT_DAY_AFTER = {
    "de": re.compile(r"\b(?P<day>\w+) (?:kann|koennte|geht|gehts|gohd|gohds|gaht|passt|"
                     r"klappt|ist|isch|bin|hab|habe|hob|han)"
                     r"(?: (?:ich|i|es|s|das|des|mir|bei|mich|doch|leider|eher|aber|gar|echt|"
                     r"wirklich|halt|auch|au|da|dann|immer|jo|ja)){0,4}"
                     r" (?:nicht|net|nich|ned|keine zeit|koi zeit|schlecht|unguenstig|"
                     r"verhindert)\b(?! (?:so )?schlecht)"),
    "en": re.compile(r"\b(?P<day>\w+) (?:(?:doesnt|does not|dont|do not|wont|will not|isnt|"
                     r"is not|arent|are not)(?: really| going to)? (?:work|suit|good|possible)"
                     r"|(?:is|are)(?: really)? (?:bad|difficult|impossible|no good))\b"
                     r"|\b(?:cant|cannot|can not)(?: do| make| manage| come)?(?: on)? "
                     r"(?P<day2>\w+)"),
}
# A later time than offered, or than the first hours of the day: "nicht so früh",
# "etwas später", "not that early", "something later" (matched on the folded words).
_LATER = {
    "de": re.compile(r"\b(?:nicht (?:so|zu|allzu|ganz so) frueh|zu frueh|spaeter|"
                     r"nicht gleich morgens)\b"),
    "en": re.compile(r"\b(?:not (?:that|so|too) early|too early|later|not first thing)\b"),
}
# A time named as the earliest: "frühestens um zwei", "nicht vor elf", "not before 11".
_NOT_BEFORE = {
    "de": re.compile(r"\b(?:fruehestens|nicht vor|erst ab)\b"),
    "en": re.compile(r"\b(?:at the earliest|not before|no earlier than)\b"),
}
# The same on the caller's own words, to read the rest for a date and a part of the day
# ("früh" in "nicht so früh" is no wish for the morning).
_LATER_SAID = {
    "de": re.compile(r"\b(?:nicht (?:so|zu|allzu|ganz so)|zu) fr(?:ü|ue)h\b", re.IGNORECASE),
    "en": re.compile(r"\b(?:not (?:that|so|too)|too) early\b", re.IGNORECASE),
}
# A part of the day ruled out, which leaves the other: "vormittags kann ich nicht",
# "nicht am Nachmittag", "I can't do mornings", "not in the afternoon". A negation before
# the part counts first ("nachmittags, nicht vormittags").
_PART_WORD = {"de": r"vormittag\w*|nachmittag\w*|morgens",
              "en": r"mornings?|afternoons?"}
_NOT_PART_BEFORE = {
    "de": re.compile(rf"\b(?:nicht|kein\w*) (?:am |so |mehr )?(?P<part>{_PART_WORD['de']})\b"),
    "en": re.compile(rf"\b(?:not|no|never|cant|cannot|can not)(?: do| make| manage| come)?"
                     rf"(?: in)?(?: the)? (?P<part>{_PART_WORD['en']})\b"),
}
_NOT_PART_AFTER = {
    "de": re.compile(rf"\b(?P<part>{_PART_WORD['de']})\b(?: \w+){{0,4}}? "
                     r"(?:nicht|net|keine zeit|schlecht|unguenstig)\b"),
    "en": re.compile(rf"\b(?P<part>{_PART_WORD['en']}) (?:are|is|dont|doesnt|do not|does not|"
                     r"wont|will not) (?:\w+ )?(?:bad|difficult|impossible|work|suit)\b"),
}
_OTHER_PART = {"morning": "afternoon", "afternoon": "morning"}
# Days gone by, which the date entities do not name: the caller is told it has passed.
_PAST = {
    "de": {"vorgestern": 2, "gestern": 1},
    "en": {"yesterday": 1},
}


def rules_out_days(text: str, lang: str = "de") -> bool:
    """Whether the caller rules days out ("nicht am Montag"): then the wish is read
    from the words without them."""
    lang = lang if lang in _NOT else "de"
    return _NOT[lang].search(text or "") is not None or bool(_days_named_then_ruled_out(
        fold(text or ""), lang))


def appointment_wish(text: str, lang: str = "de", now: datetime | None = None,
                     entities: dict | None = None) -> dict:
    """The caller's wish as plain data; empty when they said nothing about when.

    Keys, present when said: ``on`` (ISO date), ``or_on`` (the day of the weekday said
    with ``on`` when it is another: "am Dienstag, den 14."), ``earliest``/``latest``
    (ISO dates of a range), ``not_weekdays`` (0 = Monday), ``part_of_day``, ``time`` ("HH:MM"),
    ``asap`` (True), ``later`` (True: later than offered, or not early in the day; what
    that means in hours is the conversation's to say). ``entities`` are the words'
    entities when the caller already has them (speech.Understanding) and rules out no day.
    """
    now = now or clock.berlin()
    if lang in short_answers.languages():
        return short_answers.wish(text or "", lang, now)
    lang = lang if lang in _ASAP else "de"
    text = (text or "")[:500]
    folded = fold(text)
    # Days the caller rules out are no wish for that day: read the rest for the date.
    rest = _NOT[lang].sub(" ", _LATER_SAID[lang].sub(" ", text))
    ruled_out_after = _days_named_then_ruled_out(folded, lang)
    if ruled_out_after:
        # Only the day's word goes; the rest stays as said (number words need umlauts).
        rest = re.sub(r"\w+", lambda m: " " if fold(m.group()) in ruled_out_after
                      else m.group(), rest)
    if entities is None or rest != text:
        entities = extract_entities(rest, lang, now)
    wish: dict = {}

    excluded = _excluded_weekdays(text, lang) | set(ruled_out_after.values())
    if excluded:
        wish["not_weekdays"] = sorted(excluded)
    if _NEXT_WEEK[lang].search(folded):
        monday = now.date() + timedelta(days=7 - now.weekday())
        wish["earliest"], wish["latest"] = monday.isoformat(), (monday + timedelta(6)).isoformat()
    elif _THIS_WEEK[lang].search(folded):
        sunday = now.date() + timedelta(days=6 - now.weekday())
        wish["earliest"], wish["latest"] = now.date().isoformat(), sunday.isoformat()
    named_day = any(_weekday(word, lang) is not None or word.isdigit()
                    for word in fold(rest).split())
    if entities.get("date") and (named_day or "earliest" not in wish):
        # "nächste Woche Dienstag" names one day of that week; "nächste Woche" alone
        # stays the whole week.
        wish.pop("earliest", None)
        wish.pop("latest", None)
        wish["on"] = entities["date"]
        if entities.get("date_or"):
            wish["or_on"] = entities["date_or"]  # the weekday said does not fit the date
    for word, days_ago in _PAST[lang].items():
        if re.search(rf"\b{word}\b", folded):
            wish["on"] = (now.date() - timedelta(days=days_ago)).isoformat()
            break
    for key in ("part_of_day", "time"):
        if entities.get(key):
            wish[key] = entities[key]
    ruled_out = _part_ruled_out(folded, lang)
    if ruled_out:
        wish["part_of_day"] = _OTHER_PART[ruled_out]
    if wish.get("time") and _NOT_BEFORE[lang].search(folded):
        wish["after"] = wish.pop("time")
    elif _LATER[lang].search(folded):
        wish["later"] = True
    if _ASAP[lang].search(folded):
        wish["asap"] = True
    return wish


def _part_ruled_out(folded: str, lang: str) -> str | None:
    """The part of the day the caller rules out ("vormittags kann ich nicht"), or None."""
    match = _NOT_PART_BEFORE[lang].search(folded) or _NOT_PART_AFTER[lang].search(folded)
    if match is None:
        return None
    return "morning" if match.group("part").startswith(("vormittag", "morgens", "morning")) \
        else "afternoon"


def _excluded_weekdays(text: str, lang: str) -> set[int]:
    days = set()
    for match in _NOT[lang].finditer(text):
        weekday = _weekday(fold(match.group("day")), lang)
        if weekday is not None:
            days.add(weekday)
    return days


def _days_named_then_ruled_out(folded: str, lang: str) -> dict[str, int]:
    """The weekday words ruled out after they are named ("Montag kann ich nicht"), with
    their weekday (0 = Monday)."""
    pattern = _NOT_DAY_AFTER.get(lang)
    days: dict[str, int] = {}
    if pattern is None:
        return days
    for match in pattern.finditer(folded):
        word = match.group("day") or match.groupdict().get("day2")
        weekday = _day_word(word, lang) if word else None
        if weekday is not None:
            days[word] = weekday
    return days


def _day_word(word: str, lang: str) -> int | None:
    """A weekday from one folded word, English plurals too ("mondays")."""
    weekday = _weekday(word, lang)
    if weekday is None and lang == "en" and word.endswith("s"):
        weekday = _weekday(word[:-1], lang)
    return weekday

