"""Which language a caller asks for, in any language: "auf Türkisch bitte", "по-русски",
"Arabic", "Dolmetscher".

`detect_language_request(text, offered)` answers with an offered language's code,
"interpreter" (an interpreter asked for, or a language the hotline does not offer),
"choose" (another language wanted, none named: "ich spreche kein Deutsch") or None.
A language's name counts when words around it make it a request ("auf", "please",
"по", "لو سمحت") or when the caller said little else, so that "ich habe einen
türkischen Pass" is not a request for Turkish. The names are data
(catalogue/languages.toml). Pure: no state, no network.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from speech.normalise import MAX_CHARS, fold, fold_pattern
from speech.patterns import at_word_starts

LANGUAGES_FILE = Path(__file__).parent / "catalogue" / "languages.toml"
# Words besides the name, up to which a bare name is taken as a request ("Türkisch bitte").
MAX_BARE_WORDS = 3
INTERPRETER = "interpreter"
CHOOSE = "choose"

def _any(expressions: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{fold_pattern(e)})" for e in expressions))


@functools.cache
def _tables() -> tuple[dict[str, re.Pattern], re.Pattern, re.Pattern, re.Pattern,
                       frozenset[str], re.Pattern]:
    with LANGUAGES_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    names = {code: _any(expressions) for code, expressions in data["names"].items()}
    cues = re.compile(r"\b(?:" + "|".join(fold_pattern(c) for c in data["cues"]) + r")\b")
    negations = frozenset(fold(n) for n in data["negations"])
    # Whether any language is named at all: most turns name none, and then the names
    # need not be looked for one language after the other. Choosing and asking for an
    # interpreter are asked only whether they match, so they are written the same way.
    def whether(expressions: list[str]) -> re.Pattern:
        return at_word_starts([fold_pattern(e) for e in expressions])

    named = whether([e for expressions in data["names"].values() for e in expressions])
    return (names, whether(data["choose"]), whether(data["interpreter"]), cues, negations,
            named)


@functools.cache
def language_names() -> tuple[str, ...]:
    """Every language code the name table knows."""
    return tuple(_tables()[0])


def detect_language_request(text: str, offered: list[str] | tuple[str, ...], *,
                            folded: str | None = None) -> str | None:
    """The language asked for: an `offered` code, "interpreter", "choose" or None.
    ``folded`` is `speech.normalise.fold(text)`, when known."""
    if not isinstance(text, str) or not text.strip():
        return None
    if folded is None:
        folded = fold(text[:MAX_CHARS])
    names, choose, interpreter, cues, negations, any_name = _tables()
    if interpreter.search(folded):
        return INTERPRETER
    if not any_name.search(folded):
        return CHOOSE if choose.search(folded) else None
    words = folded.split()
    named: list[tuple[int, str, int]] = []
    for code, pattern in names.items():
        for match in pattern.finditer(folded):
            before = folded[: match.start()].split()[-2:]
            if before and (before[-1] in negations or (
                    len(before) == 2 and before[0] in negations and cues.fullmatch(before[1]))):
                continue  # "kein Deutsch", "don't speak German"
            named.append((match.start(), code, len(match.group(0).split())))
    # Named beside German ("Deutsch schlecht, Türkisch bitte", "einfaches Deutsch"), the
    # other one is meant.
    named.sort(key=lambda n: (n[1] == "de", n[0]))
    if named and named[0][1] == "de" and choose.search(folded):
        return CHOOSE  # "almanca bilmiyorum": German named, but as what the caller lacks
    if named:
        _, code, size = named[0]
        others = len(words) - size
        if others <= MAX_BARE_WORDS or cues.search(folded):
            return code if code in offered else INTERPRETER
    if choose.search(folded):
        return CHOOSE
    return None
