"""Callers who correct themselves inside a number: the later group replaces the earlier.

The sets are speech/evaluation/numbers_dev.tsv (tuned on) and numbers_heldout.tsv (never
tuned on), read the way the dialogue reads each kind of number. Run as a script for the
counts: `.venv/bin/python tests/test_speech_corrections.py`.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conversation.identity import birth_date_from, number_from  # noqa: E402
from speech.understanding import Understanding  # noqa: E402

EVALUATION = ROOT / "speech" / "evaluation"
NOW = datetime(2026, 12, 1, 10, 0)  # the sets' birth dates are in the past of this day


def rows(name: str) -> list[tuple[str, str, str, str]]:
    """(kind, lang, meant, utterance) from `kind:lang:meant<TAB>utterance` lines."""
    found = []
    for line in (EVALUATION / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            kind, lang, expected = label.split(":", 2)
            found.append((kind, lang, expected, text))
    return found


def meant(kind: str, lang: str, text: str) -> str | None:
    """What the hotline takes the caller to have said, read where the dialogue reads it."""
    words = Understanding(text, lang, NOW)
    if kind == "phone":  # handover.callback_digits
        return re.sub(r"\D", "", str(words.get("number") or "")) or None
    if kind == "customer":  # identity.customer_number_said
        return number_from(words.tokens, "", words.entities)[0]
    if kind == "birth":  # identity.birth_date_said
        return birth_date_from(words.tokens, "", lang, NOW.date())[0]
    if kind == "time":  # booking: the time of the appointment
        return words.get("time")
    raise ValueError(kind)


def wrong(name: str) -> list[tuple[str, str, str, str | None]]:
    return [(kind, text, expected, got) for kind, lang, expected, text in rows(name)
            if (got := meant(kind, lang, text)) != expected]


def test_the_sets_hold_forty_utterances_a_third_held_out():
    dev, heldout = len(rows("numbers_dev.tsv")), len(rows("numbers_heldout.tsv"))
    assert dev + heldout >= 40
    assert heldout * 3 >= dev + heldout - 3


def test_the_tuning_set_is_read_as_meant():
    assert wrong("numbers_dev.tsv") == []


@pytest.mark.parametrize("name, floor", [
    # Measured once, at the end of the change, never tuned on.
    ("numbers_heldout.tsv", 0),
])
def test_unseen_corrections_are_read_at_least_as_well_as_measured(name, floor):
    assert len(rows(name)) - len(wrong(name)) >= floor


if __name__ == "__main__":
    names = sys.argv[1:] or ["numbers_dev.tsv"]
    for name in names:
        missed = wrong(name)
        total = len(rows(name))
        print(f"{name}: {total - len(missed)}/{total}")
        if "heldout" not in name:
            for kind, text, expected, got in missed:
                print(f"  {kind}: {text!r}: meant {expected}, read {got}")
