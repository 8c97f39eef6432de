"""Typing slips in written messages ("termn", "jobcentr", "donnerstg") put right, before
the words are understood.

Written for SMS and the web chat: a recogniser's transcript has no typos, a thumb does.
A word is put right only when the hotline does not know it and one word it listens for
is one slip away: a letter left out or two swapped in a word of five letters or more,
a letter too many or a wrong one in a word of eight or more (in shorter words those
slips mostly make another real word: "siehe" is no "ziehe", "kleinen" no "keinen",
"angeben" no "abgeben"). A word that is the other with an ending more or less
("Antrags", "möchten") is no slip: the recogniser reads endings alike anyway. Two words
that differ only in their ending ("öffnungszeit", "öffnungszeiten") are one. The words
listened for are the intent catalogue's keywords and synonyms, the days and months, and
the sites; the words known besides are every word of the catalogue's example phrases
and of the crisis and worry lists, so that none of those is ever changed into another
(a crisis word stays what it was written as). German and English only: the other
languages' short answers are read by patterns of their own (speech/short_answers.py).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from speech.catalogue import CATALOGUE_DIR
from speech.dates import MONTHS, WEEKDAYS
from speech.normalise import fold

LANGUAGES = ("de", "en")
MIN_LENGTH = 5  # shorter words are left as written
MIN_LENGTH_CHANGED = 8  # ... and shorter ones are not put right by a letter added or changed
SITES = ("waiblingen", "backnang", "schorndorf")
_WORD = re.compile(r"[^\W\d_]+")


def respell(text: str, lang: str) -> str:
    """`text` with its slips put right where one word is meant beyond doubt; otherwise
    as written (case and punctuation are kept around the words put right)."""
    if lang not in LANGUAGES:
        return text
    known, targets = _vocabulary(lang)

    def right(found: re.Match) -> str:
        word = found.group(0)
        folded = fold(word)
        if len(folded) < MIN_LENGTH or folded in known:
            return word
        near = [target for target, _, _ in process.extract(
            folded, targets, scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=4)
            if _slip(folded, target)]
        if not near:
            return word
        longest = max(near, key=len)
        return longest if all(longest.startswith(other) for other in near) else word

    return _WORD.sub(right, text)


def _slip(written: str, meant: str) -> bool:
    """Whether `written` is `meant` with a slip that is likely a typo (one edit away)."""
    if written.startswith(meant) or meant.startswith(written):
        return False  # another ending of the same word
    if len(meant) == len(written) + 1:
        return True  # a letter left out
    if len(meant) == len(written) and sorted(meant) == sorted(written):
        return True  # two letters swapped
    return len(written) >= MIN_LENGTH_CHANGED


@cache
def _vocabulary(lang: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(every word known, the words listened for), folded as the recogniser folds them."""
    with (CATALOGUE_DIR / f"{lang}.toml").open("rb") as fh:
        catalogue = tomllib.load(fh)
    targets: set[str] = set(SITES) | set(WEEKDAYS[lang]) | set(MONTHS[lang])
    known: set[str] = set()
    for word, spellings in catalogue.get("synonyms", {}).items():
        targets.update(_words(word))
        known.update(w for spelling in spellings for w in _words(spelling))
    for intent in catalogue.get("intents", {}).values():
        for tier in ("strong", "medium", "weak"):
            for keyword in intent.get(tier, []):
                targets.update(_words(keyword))
        for phrase in intent.get("phrases", []):
            known.update(_words(phrase))
    for name in ("crisis.toml", "worry.toml"):
        patterns = (CATALOGUE_DIR / name).read_text(encoding="utf-8")
        known.update(_words(re.sub(r"\\[a-zA-Z]", " ", patterns)))  # not "\b", "\w"
    targets = {word for word in targets if len(word) >= MIN_LENGTH}
    return frozenset(known | targets), tuple(sorted(targets))


def _words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(text)]
