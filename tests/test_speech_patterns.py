"""One expression for a list of them (speech.patterns.at_word_starts) finds a match exactly
where one of the list does: the crisis check's speed-up must never cost a crisis."""

import re
import tomllib
from pathlib import Path

import pytest

from speech.crisis import CRISIS_FILE, KINDS, in_key_form
from speech.normalise import prepared, unmapped, words
from speech.patterns import at_word_starts
from speech.scripts import keyed_words

DATA = Path(__file__).parent / "data"


def caller_lines() -> list[str]:
    # Not the sealed sets: a failure would print their lines.
    return [line.split("\t", 1)[1] for path in sorted(DATA.glob("*.tsv"))
            if "sealed" not in path.name
            for line in path.read_text(encoding="utf-8").splitlines()
            if "\t" in line and not line.startswith("#")]


@pytest.mark.parametrize("lang", ["de", "en", "tr", "uk", "ru", "ar"])
def test_the_combined_crisis_expression_matches_where_one_of_its_parts_does(lang):
    with CRISIS_FILE.open("rb") as fh:
        table = tomllib.load(fh)[lang]
    every = [in_key_form(p, lang) for kind in KINDS for p in table.get(kind, [])]
    combined, each = at_word_starts(every), [re.compile(p) for p in every]
    texts = [" ".join(words(text, lang)) if lang in ("de", "en")
             else keyed_words(unmapped(prepared(text)), lang) for text in caller_lines()]
    assert sum(any(p.search(t) for p in each) for t in texts) > 50  # crises among them
    wrong = [t for t in texts if bool(combined.search(t)) != any(p.search(t) for p in each)]
    assert wrong == []


@pytest.mark.parametrize("expressions, text, found", [
    (["\\bab", "\\bac"], "x ac", True),          # grouped by their first letter
    (["\\bab", "\\bac"], "x bac", False),        # still only where a word starts
    (["\\ba?b", "\\bac"], "x b", True),          # an optional first letter stays apart
    (["\\b(?:ab|c)d", "\\bax"], "x cd", True),
    (["\\b(?:ab)c", "\\ba"], "x abc", True),
    (["\\b(?<!no )help", "\\bhx"], "no help", False),
    (["\\b(?<!no )help", "\\bhx"], "help", True),
    (["\\ba", "\\bb|\\bc"], "c", True),
])
def test_grouping_keeps_what_matches(expressions, text, found):
    assert bool(at_word_starts(expressions).search(text)) is found


def test_lookbehinds_before_the_word_boundary_are_tried_at_word_starts_only():
    """"(?<!keine )\\bangst" is "\\b(?<!keine )angst": it joins the alternatives tried where
    a word starts (one search step per word, not per character), and matches the same."""
    combined = at_word_starts([r"(?<!keine )(?<!keinen )\bangst\b", r"\bpolizei\b"])
    assert combined.pattern.startswith(r"\b(?:") and "|(?:" not in combined.pattern
    assert combined.search("ich habe angst")
    assert not combined.search("keine angst") and not combined.search("keinen angst")
    assert combined.search("die polizei")
