"""Numbers as callers meant them: a caller who corrects a group while saying a number
("0176, äh nein, 0171 2345678") means the later group, not both run together.

A correction is a marker ("nein", "Moment", "ich meine", "no, I mean", "hayır pardon",
"ні, тобто", "нет, то есть", "لا أقصد") with a number right before it and one right
after it (a few words such as "lieber um" may come between). A pause, "und" or "ähm"
between the groups of a number is no correction: phone numbers are read in groups.

Which part the later group replaces: callers repeat the group they got wrong, mostly
with the same digits around the one they fix ("0171 234 567, nein, 568"), or start the
whole number again ("0176, nein, 0171 2345678"), or fix only the prefix at the end
("0176 1234567, nein, 0171"). So the later group is laid over the number said before
it where a group of its length and kind was said ("neunzehnhundert, nein,
zweitausendeins" is the year again), else where the most symbols agree (then where the
most are of the same kind: digits, the day as "12.", a month, a letter), the latest
such place on a tie: the caller has just said what they correct. What the later group
says beyond the end of the number continues it. When no symbol even has the same kind
("am 12., nein, um 10") the second number is another thing, not a correction, and both
stay. The dialogue reads every number back, so an unlucky guess is heard and put right
by the caller.

A month alone after the marker corrects the month of a date ("12. März 1980, nein,
April"); a date written in figures is its day, month and year ("3.5.1980, nein, 1981").
The words between the marker and the later group go with it; when they say
again the words before the earlier group, with another weekday at most ("am Montag um
10, nein, am Dienstag um 10"), those go too: the caller corrected the day as well.
The words that make an hour a time ("halb", "viertel nach", "half past") go with the
hour they come before: "halb zehn, nein, zehn" is ten o'clock, "halb zehn, nein, halb
elf" half past ten. A day said again where no number follows the marker replaces the
day said before it, and the time said with that stays ("Dienstag um zehn, ach nein,
lieber Donnerstag"; "am 3.12. um 10 Uhr, nein, lieber am 4.12.").
A group put right in answer to a number read back (`corrected_number`, `corrected_code`)
is laid over it the same way ("nein, 780"), or goes where the caller says it goes:
"am Ende eine Sieben", "die letzte Ziffer ist eine Sieben" (the end), "am Anfang 0160"
(the start).

Pure: tokens in (speech.numbers.spoken_tokens), tokens out. Masking keeps working on
the words as said: a number corrected away is still masked in transcripts.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from speech import short_answers
from speech.dates import WEEKDAYS as _DAYS_BY_LANGUAGE
from speech.masking import MONTHS
from speech.numbers import LETTER_WORDS, spoken_tokens

# Markers, as word sequences after speech.numbers' tokenising (lower case, no
# punctuation). Every language but English is read with the German ones too: the
# numbers of a Turkish, Ukrainian, Russian or Arabic call are read as in German, and
# callers mix. Words that are fillers as often as corrections ("also", "yani", "يعني",
# "oder") are markers only together with one of these.
_MARKERS = {
    "de": ["nein", "nee", "nö", "noi", "nä", "moment", "momentchen", "moment mal", "halt",
           "stopp", "stop", "falsch", "das ist falsch", "stimmt nicht", "das stimmt nicht",
           "korrektur", "entschuldigung", "tschuldigung", "entschuldigen sie", "sorry",
           "pardon", "verzeihung", "quatsch", "ich meine", "ich mein", "mein ich",
           "warten sie", "warte", "sondern", "lieber", "oder lieber", "besser",
           "oder besser", "beziehungsweise", "bzw", "nochmal", "noch mal", "von vorne",
           "ach nein", "ach was"],
    "en": ["no", "nope", "sorry", "i mean", "i meant", "wait", "hang on", "hold on",
           "correction", "actually", "scratch that", "my mistake", "wrong", "that s wrong",
           "rather", "or rather", "oops", "let me start again", "start again", "pardon"],
    "tr": ["hayır", "yok", "pardon", "özür dilerim", "affedersiniz", "pardon yani",
           "hayır yani", "yanlış", "dur", "bir dakika", "bekleyin", "düzeltiyorum"],
    "uk": ["ні", "тобто", "вибачте", "перепрошую", "стоп", "зачекайте", "точніше", "ой",
           "не так", "помилка", "неправильно"],
    "ru": ["нет", "то есть", "извините", "простите", "точнее", "стоп", "подождите", "ой",
           "не так", "ошибка", "неправильно"],
    "ar": ["لا", "أقصد", "اقصد", "قصدي", "عفوا", "عفواً", "آسف", "اسف", "آسفة", "لحظة", "بل",
           "غلط", "خطأ"],
}
# Between the groups of one number: no correction, and no symbol of it.
_FILLERS = {"äh", "ähm", "äähm", "öh", "öhm", "hm", "hmm", "ehm", "uh", "uhm", "und", "and"}
_SPELL_JOINERS = {"wie", "like", "as", "for", "für"}  # "D wie Dora", "D for delta"
_CLOCK = {"uhr", "oclock"}
_FIGURES_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?")
_OF = {"of"}  # inside an English date: "the 8th of October"
_WEEKDAYS = {day for days in _DAYS_BY_LANGUAGE.values() for day in days}
# The words that make an hour a time before it ("halb zehn", "viertel nach neun", "half
# past nine", "zwanzig nach neun"): they belong to the hour, and go when it is corrected.
# A later hour said bare is then that hour o'clock ("halb zehn, nein, zehn" is ten).
_CLOCK_BEFORE = {"halb", "dreiviertel", "viertel", "half"}
_CLOCK_BETWEEN = {"nach": {"viertel"}, "vor": {"viertel"}, "past": {"quarter", "half"},
                  "to": {"quarter"}, "after": {"quarter"}, "before": {"quarter"}}
_OCLOCK = {"de": "uhr", "en": "oclock"}
# What says the later hour is a time already ("nein, viertel nach zehn", "zehn Uhr",
# "zwanzig nach zehn"): then nothing is added to it.
_TIME_BEFORE = _CLOCK_BEFORE | {"quarter"}
_TIME_AFTER = {"uhr", "oclock", "am", "pm", *_CLOCK_BETWEEN}
_MOVED = {"auf", "to"}  # the day an appointment is moved to, after the day it was on
_DAY_BACK = 6  # words at most between a day corrected and the marker ("um 10 Uhr")
# A date's parts as a correction leaves them ("4.", "12.", "1980"), to be put together.
_DAY_OR_MONTH, _DAY_AND_MONTH = re.compile(r"\d{1,2}\."), re.compile(r"\d{1,2}\.\d{1,2}\.")
_SHORT_YEAR, _LONG_YEAR = re.compile(r"\d{2}"), re.compile(r"\d{4}")
_LEAD_IN = 4  # words at most between the marker and the later group ("lieber um", "the")
_NUMBER, _DAY, _LETTER, _MONTH, _WORD = "number", "day", "letter", "month", "word"


def _phrases(lang: str) -> dict[str, list[tuple[str, ...]]]:
    """The markers by their first word, the longest first."""
    langs = ["en"] if lang == "en" else [code for code in _MARKERS if code != "en"]
    found: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted({tuple(p.split()) for code in langs for p in _MARKERS[code]},
                         key=len, reverse=True):
        found.setdefault(phrase[0], []).append(phrase)
    return found


_PHRASES = {lang: _phrases(lang) for lang in ("de", "en")}


@dataclass(frozen=True)
class _Symbol:
    value: str  # a digit, a letter, "12." (a day), a month name, "uhr"
    kind: str
    source: tuple[str, int]  # ("before" | "after", token index): which token it came from


def meant_tokens(text: str, lang: str = "de") -> list[str]:
    """`speech.numbers.spoken_tokens`, with the numbers the caller corrected corrected."""
    return as_meant(spoken_tokens(text, lang), lang)


def as_meant(tokens: list[str], lang: str = "de") -> list[str]:
    """`tokens` with every corrected number group replaced by its correction."""
    phrases = _PHRASES["en" if lang == "en" else "de"]
    said = list(tokens)
    if phrases.keys().isdisjoint(said):
        # Most turns: no word that starts a marker, so nothing to correct (one look in C
        # instead of one per word; this runs on every turn).
        return said
    # A date in figures is a group per part ("3.5.1980" -> "3.", "5.", "1980"), so that
    # "3.5.1980, nein, 3.5.1981" corrects its year; kept whole where nothing is corrected.
    tokens = [part for token in said for part in _date_parts(token)]
    split = list(tokens)
    at = 0
    while at < len(tokens):
        size = _marker_at(tokens, at, phrases)
        if not size:
            at += 1
            continue
        end = at + size
        while end < len(tokens):  # "äh nein", "nein nein", "sorry, I mean"
            more = _marker_at(tokens, end, phrases) or (tokens[end] in _FILLERS)
            if not more:
                break
            end += more
        fixed = _correct(tokens, at, end, lang)
        if fixed is None:
            at = end
        else:
            tokens, at = fixed
    return said if tokens == split else _dates_whole(tokens)


def _dates_whole(tokens: list[str]) -> list[str]:
    """A date's parts together again ("4.", "12." -> "4.12."), so that it is read as the
    date it is, not as a day of this month; before a year in two digits they stay apart
    ("21.", "11.", "85": the birth date reader reads them so)."""
    out: list[str] = []
    for at, token in enumerate(tokens):
        if out and _DAY_OR_MONTH.fullmatch(out[-1]) and _DAY_OR_MONTH.fullmatch(token) \
                and not _SHORT_YEAR.fullmatch(tokens[at + 1] if at + 1 < len(tokens) else ""):
            out[-1] += token
        elif out and _DAY_AND_MONTH.fullmatch(out[-1]) and _LONG_YEAR.fullmatch(token):
            out[-1] += token
        else:
            out.append(token)
    return out


def _date_parts(token: str) -> list[str]:
    """ "3.5.1980" -> ["3.", "5.", "1980"], "4.12." -> ["4.", "12."]; other tokens alone."""
    match = _FIGURES_DATE.fullmatch(token)
    if match is None:
        return [token]
    return [f"{match[1]}.", f"{match[2]}.", *([match[3]] if match[3] else [])]


def _marker_at(tokens: list[str], at: int, phrases: dict[str, list[tuple[str, ...]]]) -> int:
    for phrase in phrases.get(tokens[at], ()):
        if tuple(tokens[at:at + len(phrase)]) == phrase:
            return len(phrase)
    return 0


@functools.lru_cache(maxsize=4096)  # asked again for each token while a number is laid over
def _kind(token: str, lang: str) -> str | None:
    """What a token is inside a number, or None if it ends one."""
    if token.isdigit() or re.fullmatch(r"\d+[a-z]{1,2}\d+", token):
        return _NUMBER
    if re.fullmatch(r"\d{1,2}(?:\.|st|nd|rd|th)", token):
        return _DAY
    if token in _CLOCK:
        return _WORD
    if token in MONTHS or _other_month(token, lang):
        return _MONTH
    if token in LETTER_WORDS:
        return _LETTER
    if token in _FILLERS or token in _SPELL_JOINERS or (lang == "en" and token in _OF):
        return "skip"
    return None


def _other_month(token: str, lang: str) -> bool:
    if not token.isalpha() or token.isascii():
        return False
    langs = [lang] if lang in short_answers.languages() else sorted(short_answers.languages())
    return any(short_answers.month(token, code) for code in langs)


def _run(tokens: list[str], start: int, stop: int, step: int, lang: str,
         month_alone: bool = False) -> tuple[int, int]:
    """The number next to a marker: from `start` walking by `step` while tokens belong to
    a number, trimmed so that it begins (and ends) with a number, a day, a month or
    "uhr"; letters count only inside. A month alone is a number only if `month_alone`
    (the later group: "12. März, nein, April"). Returns [first, last + 1), empty if none."""
    at, inside = start, []
    while 0 <= at < stop if step > 0 else stop <= at:
        if _kind(tokens[at], lang) is None:
            break
        inside.append(at)
        at += step
    inside.sort()
    while inside and _kind(tokens[inside[0]], lang) not in (_NUMBER, _DAY, _MONTH):
        inside.pop(0)
    while inside and _kind(tokens[inside[-1]], lang) not in (_NUMBER, _DAY, _MONTH, _WORD):
        inside.pop()
    wanted = (_NUMBER, _DAY, _MONTH) if month_alone else (_NUMBER, _DAY)
    if not inside or not any(_kind(tokens[i], lang) in wanted for i in inside):
        return start, start
    return inside[0], inside[-1] + 1


def _symbols(tokens: list[str], first: int, last: int, side: str, lang: str) -> list[_Symbol]:
    out: list[_Symbol] = []
    spelled = False
    for at in range(first, last):
        token, kind = tokens[at], _kind(tokens[at], lang)
        if spelled and kind == _LETTER:  # "Dora" in "D wie Dora": the D once
            spelled = False
            continue
        spelled = token in _SPELL_JOINERS and bool(out) and out[-1].kind == _LETTER
        if kind == _NUMBER:
            out.extend(_Symbol(c, _NUMBER if c.isdigit() else _LETTER, (side, at)) for c in token)
        elif kind == _LETTER:
            out.append(_Symbol(LETTER_WORDS[token], _LETTER, (side, at)))
        elif kind in (_DAY, _MONTH, _WORD):
            out.append(_Symbol(token, kind, (side, at)))
    return out


def _laid_over(before: list[_Symbol], after: list[_Symbol]) -> list[_Symbol] | None:
    """`after` in the place of what it corrects in `before` (see the module's docstring)."""
    best, best_at = None, 0
    groups = _groups(before)
    first_group = _groups(after).get(0)
    for at in range(len(before)):
        pairs = list(zip(before[at:], after, strict=False))  # the overlap only
        # A group said again as long as one said before, of the same kind, replaces it
        # whole ("neunzehnhundert, nein, zweitausendeins"): before any digits that agree.
        whole = first_group is not None and groups.get(at) == first_group \
            and before[at].kind == after[0].kind
        score = (whole, sum(b.value == a.value for b, a in pairs),
                 sum(b.kind == a.kind for b, a in pairs), at)
        if best is None or score > best:
            best, best_at = score, at
    if best is None or best[2] == 0:  # no symbol even of the same kind
        return None
    return before[:best_at] + after + before[best_at + len(after):]


def _groups(symbols: list[_Symbol]) -> dict[int, int]:
    """Where each group the caller said starts among `symbols`, and how many it holds."""
    found: dict[int, int] = {}
    start = 0
    for at, symbol in enumerate(symbols):
        if symbol.source != symbols[start].source:
            start = at
        found[start] = at - start + 1
    return found


def _tokens(symbols: list[_Symbol]) -> list[str]:
    """Symbols back into tokens, as the caller grouped them ("0171", "235", "6789")."""
    out: list[str] = []
    previous = None
    for symbol in symbols:
        glued = symbol.kind in (_NUMBER, _LETTER) and previous is not None \
            and previous.kind in (_NUMBER, _LETTER) and previous.source == symbol.source
        if glued:
            out[-1] += symbol.value
        else:
            out.append(symbol.value)
        previous = symbol
    return out


def _correct(tokens: list[str], start: int, end: int, lang: str):
    """The tokens with the number (or else the day) before the marker [start, end)
    corrected by the one after it, and where to go on looking; None if it corrects
    neither."""
    return _correct_number(tokens, start, end, lang) or _correct_day(tokens, start, end, lang)


def _is_day(token: str, lang: str) -> bool:
    return token in _WEEKDAYS or _kind(token, lang) == _DAY


def _correct_day(tokens: list[str], start: int, end: int, lang: str):
    """A day said again after the marker, where no number was ("Dienstag um zehn, ach
    nein, lieber Donnerstag", "am 3.12. um 10 Uhr, nein, lieber am 4.12."): the day said
    last before the marker goes, and what was said with it (the time) stays."""
    later = next((at for at in range(end, min(len(tokens), end + _LEAD_IN))
                  if _is_day(tokens[at], lang) or _kind(tokens[at], lang) == _NUMBER), None)
    if later is None or not _is_day(tokens[later], lang):
        return None
    day_last = next((at + 1 for at in range(start - 1, max(-1, start - _DAY_BACK), -1)
                     if _is_day(tokens[at], lang)), None)
    if day_last is None:
        return None
    day_first = day_last - 1
    while day_first > 0 and _kind(tokens[day_first - 1], lang) in (_DAY, _MONTH):
        day_first -= 1  # "3." of "3. 12." too
    lead_in = tokens[end:later]
    if not _MOVED.isdisjoint(lead_in):
        return None  # "am Montag, lieber auf Mittwoch verschieben": both days are meant
    # "am" before it goes when the later day brings its own ("lieber am 4.12.").
    if day_first > 0 and lead_in and tokens[day_first - 1] == lead_in[-1]:
        day_first -= 1
    result = tokens[:day_first] + tokens[day_last:start] + lead_in
    return result + tokens[later:], len(result)


def _correct_number(tokens: list[str], start: int, end: int, lang: str):
    """The tokens with the number before the marker [start, end) corrected by the one
    after it, and where to go on looking; None if it is no correction of a number."""
    first, last = _run(tokens, start - 1, 0, -1, lang)
    if first == last:
        return None
    lead = end
    while lead < min(len(tokens), end + _LEAD_IN) and _kind(tokens[lead], lang) not in (
            _NUMBER, _DAY, _MONTH):
        lead += 1
    after_first, after_last = _run(tokens, lead, len(tokens), 1, lang, month_alone=True)
    if after_first == after_last or after_first != lead:
        return None
    merged = _laid_over(_symbols(tokens, first, last, "before", lang),
                        _symbols(tokens, after_first, after_last, "after", lang))
    if merged is None:
        return None
    new = _tokens(merged)
    # The words between the marker and the later group stay ("lieber um"): they belong
    # to it. What the caller corrected, the marker and the fillers go, and so do the
    # words before the earlier group when the later ones repeat them with another day
    # ("am Montag um 10, nein, am Dienstag um 10" is Tuesday).
    lead_in = tokens[end:after_first]
    clock = _clock_words(tokens, first)
    if clock:
        first -= clock
        bare = len(new) == 1 and new[0].isdigit() and int(new[0]) <= 24
        if bare and _TIME_BEFORE.isdisjoint(lead_in) and _TIME_AFTER.isdisjoint(
                tokens[after_last:after_last + 1]):
            new = [*new, _OCLOCK["en" if lang == "en" else "de"]]
    first -= _repeated(tokens[max(0, first - len(lead_in)):first], lead_in)
    result = tokens[:first] + lead_in + new
    return result + tokens[after_last:], len(result)


def _clock_words(tokens: list[str], first: int) -> int:
    """How many words right before the hour at `first` make it a time ("halb", "viertel
    nach", "half past", "zwanzig nach"); 0 when none do."""
    word = tokens[first - 1] if first >= 1 else ""
    if word in _CLOCK_BEFORE:
        return 1
    if word in _CLOCK_BETWEEN and first >= 2:
        minutes = tokens[first - 2]
        if minutes in _CLOCK_BETWEEN[word] or (
                word in ("nach", "past", "after") and minutes.isdigit() and int(minutes) < 60):
            return 2
    return 0


def _repeated(before: list[str], lead_in: list[str]) -> int:
    """How many words before the earlier group the lead-in of the later one says again:
    all of them if word for word the same or weekdays both ("am Montag um" and "am
    Dienstag um"), else none."""
    if not lead_in or len(before) != len(lead_in):
        return 0
    same = all(b == a or (b in _WEEKDAYS and a in _WEEKDAYS) for b, a in zip(before, lead_in,
                                                                          strict=True))
    return len(lead_in) if same else 0


# Words that say where the digits go in a number read back ("nein, am Ende eine sieben",
# "die letzte Ziffer ist eine Sieben", "no, it starts with 0160"): at its end or start,
# whatever digits are there now. One set each for all languages: a look, no loop.
_AT_END = {"ende", "schluss", "hinten", "letzte", "letzten", "endet", "end", "ends", "ending",
           "last", "sonunda", "son", "кінці", "закінчується", "остання", "останні", "конце",
           "заканчивается", "последняя", "последние", "النهاية", "الأخير", "الأخيرة"}
_AT_START = {"anfang", "vorne", "erste", "ersten", "beginnt", "start", "starts", "beginning",
             "begins", "first", "başında", "ilk", "початку", "починається", "перша", "перші",
             "начале", "начинается", "первая", "первые", "البداية", "الأول", "الأولى"}


def corrected_number(read_back: str, tokens: list[str], lang: str = "de") -> str:
    """The digits of a number read back to the caller, as corrected by what they answer
    to it ("Nein, 0171 2345679"; "nein, 568"; "am Ende eine Sieben"): a whole number at
    least as long replaces it, a shorter group goes where the caller says (its end or
    start), else it is laid over it as in a correction said in one breath. "" when the
    answer holds no digits."""
    said = "".join(token for token in tokens if token.isdigit())
    if not said or len(said) >= len(read_back):
        return said
    placed = _placed(read_back, said, tokens)
    if placed:
        return placed
    return "".join(t for t in _put_right(read_back, said, lang) if t.isdigit())


def corrected_code(read_back: str, tokens: list[str], lang: str = "de") -> str:
    """A customer or BG number read back ("123D456789"), with the group of digits the
    caller answers laid over it ("nein, 780" -> "123D456780"); "" when the answer holds
    no digits or a whole number's worth of them (that one is read as it is)."""
    said = "".join(token for token in tokens if token.isdigit())
    if not said or len(said) >= sum(c.isdigit() for c in read_back):
        return ""
    return (_placed(read_back, said, tokens)
            or "".join(_put_right(read_back.lower(), said, lang)).upper())


def _placed(read_back: str, said: str, tokens: list[str]) -> str:
    """`read_back` with its last (or first) digits replaced by `said` where the caller's
    words say the end (or start); "" where they say neither."""
    words = set(tokens)
    at_end = not _AT_END.isdisjoint(words)
    if at_end == (not _AT_START.isdisjoint(words)):  # neither, or both: laid over instead
        return ""
    places = [at for at, char in enumerate(read_back) if char.isdigit()]
    chars = list(read_back)
    for at, digit in zip(places[-len(said):] if at_end else places[:len(said)], said,
                         strict=True):
        chars[at] = digit
    return "".join(chars)


def _put_right(read_back: str, said: str, lang: str) -> list[str]:
    """The tokens of `read_back` with `said` laid over it, as if said in one breath."""
    marker = _MARKERS["en" if lang == "en" else "de"][0]  # "nein" / "no"
    return as_meant([read_back, marker, said], lang)
