"""Less money (a cut, a sanction) and the residence permit, in the callers' own languages:
"paramı kestiniz, neden?" reaches a person who explains the cut, "вид на жительство" the
Ausländerbehörde's number, each in the caller's language. Through the webhooks, as a
caller hears it, and measured on the sets tests/data/cuts_permits_*_<lang>.tsv (written
before the change; the held-out ones run once, at its end, never tuned on).

    PYTHONPATH=. .venv/bin/python tests/test_cuts_permits.py [dev|heldout]   (the figures)
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from conversation import Dialogue, Heard

DATA = Path(__file__).parent / "data"
LANGUAGES = ("de", "en", "tr", "uk", "ru", "ar")
DIALOGUE = Dialogue(languages=list(LANGUAGES))


def labelled(name: str) -> list[tuple[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip() and line[0] != "#"]


def outcome(lang: str, text: str) -> str:
    """What the hotline does with a caller's first request in `lang`, in the sets' labels:
    cut (a person explains the cut), permit (the Ausländerbehörde), emergency, or other."""
    state = DIALOGUE.start(caller_id=True, mobile=True).state
    state.lang, state.step = lang, "listen"
    turn = DIALOGUE.step(state, Heard(speech=text, confidence=0.9))
    if turn.state.emergency:
        return "emergency"
    if turn.state.intent == "payment_cut":
        return "cut"
    if turn.event.startswith("referral:auslaenderbehoerde"):
        return "permit"
    return "other"


def score(name: str, lang: str) -> tuple[Counter, Counter, list[tuple[str, str, str]]]:
    """(right per label, all per label, the misses as (label, got, text))."""
    right, every, wrong = Counter(), Counter(), []
    for label, text in labelled(name):
        got = outcome(lang, text)
        every[label] += 1
        right[label] += got == label
        if got != label:
            wrong.append((label, got, text))
    return right, every, wrong


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_dev_caller_is_understood(lang):
    right, every, wrong = score(f"cuts_permits_dev_{lang}.tsv", lang)
    assert every["cut"] >= 8 and every["permit"] >= 8
    assert wrong == []


if __name__ == "__main__":
    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    totals = Counter()
    for lang in LANGUAGES:
        right, every, wrong = score(f"cuts_permits_{split}_{lang}.tsv", lang)
        print(f"{lang}: " + "  ".join(f"{label} {right[label]}/{every[label]}"
                                      for label in ("cut", "permit", "other", "emergency")))
        for label, got, text in wrong:
            print(f"     {label:>9} -> {got:<9} {text}")
        for label in every:
            totals[f"{label} right"] += right[label]
            totals[f"{label} all"] += every[label]
    print("all: " + "  ".join(f"{label} {totals[label + ' right']}/{totals[label + ' all']}"
                              for label in ("cut", "permit", "other", "emergency")))
