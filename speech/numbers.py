"""Numbers as callers say them: digit strings, customer numbers and BG numbers.

Number words are turned into digits by text2num (``alpha2digit``), which already
handles digit-by-digit speech ("eins zwei drei"), groups ("zwölf vierunddreißig") and
"zwo". Measured on caller speech it misses what is added here: "doppel-null" /
"double oh", Swabian "oins"/"zwoi", the article "ein" (which it reads as 1 with the
threshold we need for single digits), and spelled letters inside customer numbers
("D wie Dora", "be ge").
"""

from __future__ import annotations

import re
import unicodedata

from text_to_num import alpha2digit

from speech.normalise import MAX_CHARS

# Spelled letters: letter names and both German spelling alphabets (DIN 5009 old
# names and the 2022 city names), plus the NATO alphabet for English callers.
LETTER_WORDS = {
    "a": "a",
    "ah": "a",
    "anton": "a",
    "aachen": "a",
    "alpha": "a",
    "b": "b",
    "be": "b",
    "bee": "b",
    "berta": "b",
    "bertha": "b",
    "berlin": "b",
    "bravo": "b",
    "c": "c",
    "ce": "c",
    "cee": "c",
    "zeh": "c",
    "cäsar": "c",
    "caesar": "c",
    "chemnitz": "c",
    "charlie": "c",
    "d": "d",
    "de": "d",
    "dee": "d",
    "deh": "d",
    "dora": "d",
    "düsseldorf": "d",
    "duesseldorf": "d",
    "delta": "d",
    "e": "e",
    "eh": "e",
    "emil": "e",
    "essen": "e",
    "echo": "e",
    "f": "f",
    "ef": "f",
    "eff": "f",
    "friedrich": "f",
    "frankfurt": "f",
    "foxtrot": "f",
    "g": "g",
    "ge": "g",
    "geh": "g",
    "gee": "g",
    "gustav": "g",
    "goslar": "g",
    "golf": "g",
    "h": "h",
    "ha": "h",
    "heinrich": "h",
    "hamburg": "h",
    "hotel": "h",
    "i": "i",
    "ida": "i",
    "ingelheim": "i",
    "india": "i",
    "j": "j",
    "jot": "j",
    "julius": "j",
    "jena": "j",
    "juliet": "j",
    "k": "k",
    "ka": "k",
    "kaufmann": "k",
    "köln": "k",
    "koeln": "k",
    "kilo": "k",
    "l": "l",
    "el": "l",
    "ludwig": "l",
    "leipzig": "l",
    "lima": "l",
    "m": "m",
    "em": "m",
    "martha": "m",
    "marta": "m",
    "münchen": "m",
    "muenchen": "m",
    "mike": "m",
    "n": "n",
    "en": "n",
    "nordpol": "n",
    "nürnberg": "n",
    "nuernberg": "n",
    "november": "n",
    "o": "o",
    "otto": "o",
    "offenbach": "o",
    "oscar": "o",
    "p": "p",
    "pe": "p",
    "pee": "p",
    "paula": "p",
    "potsdam": "p",
    "papa": "p",
    "q": "q",
    "ku": "q",
    "quelle": "q",
    "quickborn": "q",
    "quebec": "q",
    "r": "r",
    "er": "r",
    "richard": "r",
    "rostock": "r",
    "romeo": "r",
    "s": "s",
    "es": "s",
    "samuel": "s",
    "siegfried": "s",
    "salzwedel": "s",
    "sierra": "s",
    "t": "t",
    "te": "t",
    "tee": "t",
    "theodor": "t",
    "tübingen": "t",
    "tuebingen": "t",
    "tango": "t",
    "u": "u",
    "ulrich": "u",
    "unna": "u",
    "uniform": "u",
    "v": "v",
    "vau": "v",
    "viktor": "v",
    "völklingen": "v",
    "voelklingen": "v",
    "victor": "v",
    "w": "w",
    "we": "w",
    "weh": "w",
    "wilhelm": "w",
    "wuppertal": "w",
    "whiskey": "w",
    "x": "x",
    "ix": "x",
    "xanthippe": "x",
    "xanten": "x",
    "xray": "x",
    "y": "y",
    "ypsilon": "y",
    "yankee": "y",
    "z": "z",
    "zet": "z",
    "zett": "z",
    "zacharias": "z",
    "zeppelin": "z",
    "zwickau": "z",
    "zulu": "z",
    "bg": "bg",
    "bege": "bg",
}

_DAY_AND_PART = re.compile(r"\b(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)"
                           r"(vormittags?|nachmittags?|morgens?|mittags?|abends?)\b")
_PART_ALONE = {"morgen": "morgens", "abend": "abends"}  # "morgen" alone is tomorrow
_SWABIAN_DIGITS = {
    "om": "um",  # "om halb elfe": Swabian "um" before a time
    "oins": "eins",
    "zwoi": "zwei",
    "zwo": "zwei",
    "drui": "drei",
    "viere": "vier",
    "fünfe": "fünf",
    "sechse": "sechs",
    "siebene": "sieben",
    "achte": "acht",
    "neune": "neun",
    "zehne": "zehn",
    "elfe": "elf",
    "zwölfe": "zwölf",
    "ois": "eins",
}
_DOUBLE = re.compile(
    r"\b(?:doppelte|doppelt|doppel|double)"
    r"(?:[\s-]+|(?=null|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|\d))(\S+)"
)
_ARTICLE = re.compile(r"\b(ein|eine|einen|einem|einer)\b(?!\s+uhr)")
# "seven hundred, nine hundred": two groups of a phone number, which text2num runs
# together (709 100) once the comma is gone; a lone "_" between them keeps them apart.
_HUNDREDS = re.compile(
    r"\b(hundred|hundert)\s+(?=(?:one|two|three|four|five|six|seven|eight|nine|eins?|zwei|"
    r"drei|vier|fünf|sechs|sieben|acht|neun)\s+(?:hundred|hundert)\b)")
_ZEROS = ("oh", "o")
_PLUS_SIGN = re.compile(r"\+(?=\s*\d)")
_PLUS = {"plus", "artı", "плюс", "زائد"}  # before a country code, said or written
HOME_CODE = "0049"  # Germany's, dialled from Germany: the national number instead
MIN_INTERNATIONAL = 7  # digits after "plus" that make a telephone number, not a sum
_PUNCT = re.compile(r"[^\w.:]+|_")
_CUSTOMER = re.compile(r"(\d{3})([a-z])(\d{6})")
_BG = re.compile(r"(\d{5})bg(\d{7})")


def spoken_tokens(text: str, lang: str = "de") -> list[str]:
    """Lower-case tokens with number words replaced by digits ("3." for ordinals)."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    text = _PLUS_SIGN.sub(" plus ", text)  # "+49 171 ...": the country code stays one
    text = re.sub(r"\bo\W?clock\b", "oclock", text)
    text = _PUNCT.sub(" ", text)
    # Dots and colons only matter between or after digits ("9:30", "3.12.").
    text = re.sub(r"(?<!\d)[.:]+|[.:]+(?![\d\s]|$)", " ", text)
    if lang == "de":
        # "Donnerstagnachmittag", "Montagmorgen": the day and the part of it.
        text = _DAY_AND_PART.sub(lambda m: f"{m[1]} {_PART_ALONE.get(m[2], m[2])}", text)
        text = " ".join(_SWABIAN_DIGITS.get(w, w) for w in text.split())
        text = _ARTICLE.sub(r"\1_", text)
    text = _DOUBLE.sub(r"\1 \1", text)
    text = _HUNDREDS.sub(r"\1 _ ", text)
    try:
        text = alpha2digit(text, "de" if lang == "de" else "en", threshold=0)
    except Exception:  # noqa: S110 - text2num is native code: odd input must not crash a call
        pass
    tokens = text.replace("_", "").split()
    if lang != "de" and any(zero in tokens for zero in _ZEROS):
        # "oh" is a zero when it stands among digits ("two oh seven"), also in a run of
        # them ("double oh four": "oh oh 4"): right to left, then left to right.
        for order in (range(len(tokens) - 1, -1, -1), range(len(tokens))):
            for i in order:
                if tokens[i] in _ZEROS and _near_digit(tokens, i):
                    tokens[i] = "0"
    return tokens


def _near_digit(tokens: list[str], i: int) -> bool:
    return any(0 <= j < len(tokens) and tokens[j].isdigit() for j in (i - 1, i + 1))


def digit_string(tokens: list[str]) -> str:
    """All cardinal digits the caller said, in order, as one string ("" if none)."""
    return "".join(t for t in tokens if t.isdigit())


def phone_digits(tokens: list[str]) -> str:
    """`digit_string` as a number to dial from Germany: a country code after "plus" (or
    "+") is dialled with 00, and Germany's own is left out: "+49 171 2345678" and "0049
    171 2345678" are 01712345678, "+90 532 ..." is 0090532...."""
    digits = digit_string(tokens)
    first = next((at for at, token in enumerate(tokens) if token.isdigit()), 0)
    if first and tokens[first - 1] in _PLUS and len(digits) >= MIN_INTERNATIONAL:
        digits = "00" + digits
    if digits.startswith(HOME_CODE) and len(digits) >= len(HOME_CODE) + MIN_INTERNATIONAL:
        digits = "0" + digits[len(HOME_CODE):]
    return digits


def _symbols(tokens: list[str]) -> str:
    """Digits and spelled letters only, run together, skipping "wie"/"like" in "D wie Dora"."""
    out: list[str] = []
    previous_letter = False
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
            if token in LETTER_WORDS:
                continue
        if token.isdigit():
            out.append(token)
            previous_letter = False
        elif token in ("wie", "like", "as", "for", "für") and previous_letter:
            skip_next = True
        elif token in LETTER_WORDS:
            out.append(LETTER_WORDS[token])
            previous_letter = True
        elif re.fullmatch(r"\d+[a-z]{1,2}\d+|[a-z]{1,2}\d+|\d+[a-z]{1,2}", token):
            out.append(token)  # typed or recognised as one word: "123d456789"
            previous_letter = False
        else:
            out.append(" ")
            previous_letter = False
    return "".join(out)


def customer_number(tokens: list[str]) -> str | None:
    """A Bundesagentur customer number, e.g. ``123D456789``."""
    for chunk in _symbols(tokens).split():
        match = _CUSTOMER.search(chunk)
        if match:
            return f"{match.group(1)}{match.group(2).upper()}{match.group(3)}"
    return None


def bg_number(tokens: list[str]) -> str | None:
    """A Jobcenter Bedarfsgemeinschaft number, e.g. ``12345BG0012345``."""
    for chunk in _symbols(tokens).split():
        match = _BG.search(chunk.replace("b g", "bg"))
        if match:
            return f"{match.group(1)}BG{match.group(2)}"
    return None
