"""Numbers in transcripts, masked: what callers said (or the hotline read back) of customer
numbers, phone numbers and dates of birth, as digits or as words, becomes "…".

Masked is a run of words that are numbers (digits or number words, cardinal or ordinal),
spelled letters ("D wie Dora") and month names, if it holds three digits or more ("eins
zwei drei", "123", "neunzehn achtzig") or is a date ("dritter Mai"). Round numbers
("hundert", "achtzig") count as one digit, so "zwei Termine" or "hundert Euro" stay.
"""

from __future__ import annotations

import functools
import re

from .numbers import LETTER_WORDS, spoken_tokens

MASK = "…"
MIN_DIGITS = 3
JOINERS = {"wie", "like", "as", "for", "für", "fuer", "doppel", "doppelt", "double"}
# The pause between groups of a number read back ("123 – D – 456 – 789") joins them too.
GROUP_DASHES = {"–", "-", "—"}
MONTHS = {
    "januar", "jänner", "jaenner", "january", "februar", "feber", "february", "märz", "maerz",
    "march", "april", "mai", "may", "juni", "june", "juli", "july", "august", "september",
    "oktober", "october", "november", "dezember", "december",
}
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_ROUND = re.compile(r"[1-9]0+")
_SPACE = re.compile(r"(\s+)")
_DIGIT_WORD = re.compile(r"[\d.:/+-]*\d[\d.:/+-]*|\d+[a-z]{1,2}\d*|[a-z]{1,2}\d+")

NUMBER, MONTH, LETTER, JOINER, WORD = "number", "month", "letter", "joiner", "word"


@functools.lru_cache(maxsize=4096)
def _kind(word: str) -> tuple[str, int]:
    """What a word is, and how many digits it says."""
    if word in GROUP_DASHES:
        return JOINER, 0
    plain = _EDGE.sub("", word)
    core = plain.casefold()
    if not core:
        return WORD, 0
    if core in MONTHS:
        return MONTH, 0
    if core in JOINERS:
        return JOINER, 0
    for lang in ("de", "en"):
        tokens = spoken_tokens(core, lang)
        digits = [t.rstrip(".") for t in tokens if re.fullmatch(r"\d+\.?|\d+(st|nd|rd|th)", t)]
        if digits and len(digits) == len(tokens):
            said = "".join(re.sub(r"\D", "", d) for d in digits)
            return NUMBER, 1 if _ROUND.fullmatch(said) else len(said)
    if _DIGIT_WORD.fullmatch(core):  # "123d456789", "3.5.80", "0171/234"
        return NUMBER, len(re.sub(r"\D", "", core))
    if core in LETTER_WORDS or (len(plain) <= 2 and plain.isalpha() and plain.isupper()):
        return LETTER, 0  # "D wie Dora", and "BG" in a number read back in groups
    return WORD, 0


def mask_numbers(text: str) -> str:
    """`text` with every run of said numbers that could identify someone replaced by "…"."""
    if not text:
        return text
    parts = _SPACE.split(text)  # words at even positions, the spaces between at odd ones
    words = parts[0::2]
    kinds = [_kind(w) if w else (WORD, 0) for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        if kinds[i][0] not in (NUMBER, MONTH):
            out.append(words[i])
            i += 1
            continue
        end = i  # the run: numbers and months, with letters and joiners inside it
        j = i + 1
        while j < len(words) and kinds[j][0] in (NUMBER, MONTH, LETTER, JOINER):
            if kinds[j][0] in (NUMBER, MONTH):
                end = j
            j += 1
        run = kinds[i:end + 1]
        digits = sum(n for _, n in run)
        has_month = any(k == MONTH for k, _ in run)
        has_number = any(k == NUMBER for k, _ in run)
        if digits >= MIN_DIGITS or (has_month and has_number):
            trailing = re.search(r"[^\w]*$", words[end]).group(0)
            out.append(MASK + trailing)
        else:
            out.extend(words[i:end + 1])
        i = end + 1
    return " ".join(w for w in out if w)
