"""Words that give cause for worry: asked about, not acted on (`detect_worry`).

`speech.crisis` hears what is clearly a crisis and the hotline acts on it at once. Many
crises nobody wrote down are said in other words, veiled ("ich habe alles geregelt") or
in passing; they often still name death, a bridge, tablets, fear, the police, cold or
hunger. Those words are too common to act on, so a caller who says them, and nothing the
crisis expressions hear, is asked once whether they are in danger
(`conversation.listening.worry_check`). The words are data in `catalogue/worry.toml`.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from speech.crisis import in_key_form
from speech.normalise import MAX_CHARS, prepared, unmapped, words
from speech.patterns import at_word_starts
from speech.scripts import keyed_words

WORRY_FILE = Path(__file__).parent / "catalogue" / "worry.toml"
KINDS = ("self_harm", "violence", "emergency")  # as speech.crisis names them


@functools.cache
def _table(lang: str):
    """One expression for any worry in `lang`, and each kind's, in the order of KINDS;
    None for a language the file does not list."""
    with WORRY_FILE.open("rb") as fh:
        table = tomllib.load(fh).get(lang.split("-")[0])
    if not table:
        return None
    kinds = {kind: [in_key_form(p, lang) for p in table[kind]]
             for kind in KINDS if table.get(kind)}
    every = [p for expressions in kinds.values() for p in expressions]
    return at_word_starts(every), tuple((k, at_word_starts(e)) for k, e in kinds.items())


def detect_worry(text: str, lang: str = "de", folded: str | None = None,
                 own_words: list[str] | None = None) -> str | None:
    """The kind of crisis `text` gives cause to ask about, in the call's language only;
    None if nothing does. ``folded`` and ``own_words`` as for `speech.detect_crisis`."""
    if not text or not text.strip():
        return None
    table = _table(lang)
    if table is None:
        return None
    anything, kinds = table
    if folded is None:
        folded = prepared(text[:MAX_CHARS])
    family = lang.split("-")[0]
    if family in ("de", "en"):
        said = own_words if own_words is not None else words(text, family, folded=folded)
        canonical = " ".join(said)
    else:
        canonical = keyed_words(unmapped(folded), family)
    if not anything.search(canonical):
        return None
    for kind, pattern in kinds:
        if pattern.search(canonical):
            return kind
    return None
