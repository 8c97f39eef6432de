"""Callers in crisis: self-harm, violence and other emergencies, heard in any turn.

The intent recogniser weighs evidence for one topic against another; a crisis is not a
topic to weigh. `detect_crisis` is a plain, high-recall check of the caller's canonical
words against the expressions in `catalogue/crisis.toml` (data a job centre extends),
run before anything else in every step of every conversation. Violence is checked
first ("er bringt mich um" is a threat, not self-harm), then self-harm, then the other
emergencies (no food today, energy or water cut off, eviction, homeless tonight).
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from speech.normalise import MAX_CHARS, fold, prepared, unmapped, words
from speech.patterns import at_word_starts, needs_non_ascii
from speech.scripts import key, keyed_words

CRISIS_FILE = Path(__file__).parent / "catalogue" / "crisis.toml"
KINDS = ("violence", "self_harm", "emergency")  # in the order they are checked


@functools.cache
def _table(lang: str) -> tuple[re.Pattern, tuple[tuple[str, re.Pattern], ...], bool]:
    """One language's expressions: one that says whether any of them matches, each kind's
    in the order they are checked, and whether every one of them needs a letter outside
    ASCII (Arabic's: a caller's words in Latin letters never meet them)."""
    with CRISIS_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get(lang) or data["de"]
    kinds = {kind: [in_key_form(p, lang) for p in table[kind]]
             for kind in KINDS if table.get(kind)}
    every = [p for expressions in kinds.values() for p in expressions]
    return (at_word_starts(every),
            tuple((kind, at_word_starts(expressions)) for kind, expressions in kinds.items()),
            all(needs_non_ascii(p) for p in every))


_PATTERN_WORDS = re.compile(r"\\.|[^\W\d_]+")


def in_key_form(pattern: str, lang: str) -> str:
    """An expression written in the language's own letters (Cyrillic, Turkish, Arabic)
    with its words in the form a caller's words take (speech.scripts.key), so that it
    matches them in either script. Escapes such as \\b and \\w, and words already in
    Latin letters, stay as they are."""
    def convert(match: re.Match) -> str:
        part = match.group(0)
        if part.startswith("\\") or part.isascii():
            return part
        return "".join(key(word, lang) for word in fold(part).split())
    return _PATTERN_WORDS.sub(convert, pattern)


@functools.cache
def _languages() -> tuple[str, ...]:
    with CRISIS_FILE.open("rb") as fh:
        return tuple(tomllib.load(fh))


def detect_crisis(text: str, lang: str = "de", folded: str | None = None,
                  only: bool = False, own_words: list[str] | None = None) -> str | None:
    """"self_harm", "violence" or "emergency" if the words say so, else None.

    The call's language is checked first, then every other language of the file: a
    caller in crisis does not first press the key for English. With `only`, that
    language alone (which language a first written message is in). ``folded`` is
    `speech.normalise.prepared(text)` and ``own_words`` `speech.normalise.words(text,
    lang)` when the turn has them already."""
    found = crisis_and_language(text, lang, folded, only, own_words)
    return found[0] if found else None


def crisis_and_language(text: str, lang: str = "de", folded: str | None = None,
                        only: bool = False,
                        own_words: list[str] | None = None) -> tuple[str, str] | None:
    """`detect_crisis`'s kind, and the language whose expressions heard it."""
    if not text or not text.strip():
        return None
    if folded is None:
        folded = prepared(text[:MAX_CHARS])
    others = () if only else tuple(other for other in _languages() if other != lang)
    ascii_only = folded.isascii()
    plain: list[str] | None = None  # the words as they are, for the keyed languages
    keyed: dict[str, str] = {}      # canonical words by language, this turn only
    for each in (lang, *others):
        anything, kinds, non_ascii = _table(each)
        family = each.split("-")[0]
        if family in ("de", "en"):
            said = own_words if each == lang and own_words is not None else words(
                text, family, folded=folded)
            canonical = " ".join(said)
        elif non_ascii and ascii_only:
            continue  # Arabic letters: none in these words
        else:
            # Russian and Ukrainian differ only in their Cyrillic letters: words in
            # Latin letters have the same key in both.
            shared = "cyrillic" if family in ("ru", "uk") and ascii_only else family
            canonical = keyed.get(shared)
            if canonical is None:
                if plain is None:
                    plain = unmapped(folded)
                canonical = keyed[shared] = keyed_words(plain, family)
        if anything.search(canonical):
            for kind, pattern in kinds:
                if pattern.search(canonical):
                    return kind, each
    return None
