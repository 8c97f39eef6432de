"""Benchmark: the CPU of understanding one caller turn, in microseconds.

Run from the project root: ``python bench/bench_understanding.py``. Prints µs per turn
for the parts of a turn's understanding (issue 24: the dialogue step was a fifth of a
webhook's CPU): the crisis check in every language, intent recognition, `words()` per
language, the `Understanding` parts a real dialogue step reads, and the dialogue step
itself. Two sets of sentences: the four that bench_load's calls say, and a mixed set of
what callers say (requests, dialect, dates, names, answers, other languages, a crisis).

Nothing is cached across turns (each is a fresh `Understanding`, as in a request), so a
sentence said twice costs twice. Figures are the fastest of several rounds (the machine
is shared; the fastest round is the one least disturbed) and the median round, and each
part's share of the whole dialogue step timed in the same run (the ratio moves less with
the machine than the microseconds do).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conversation import Caseworker, Caseworkers, Dialogue  # noqa: E402
from conversation.state import Heard  # noqa: E402
from speech.crisis import detect_crisis  # noqa: E402
from speech.intents import recognise  # noqa: E402
from speech.normalise import prepared, words  # noqa: E402
from speech.understanding import Understanding  # noqa: E402

NOW = datetime(2026, 12, 1, 10, 0)
ROUNDS = 7
LOAD_CALL = ["welche unterlagen brauche ich", "ja", "kann ich das auch online machen",
             "nein danke"]
MIXED = LOAD_CALL + [
    "Ich brauche einen Termin in Waiblingen wegen Bürgergeld",
    "i will an termin in waiblinge am mittwoch nachmittag",
    "nein, lieber Donnerstag",
    "Wann hat Backnang geöffnet?",
    "Und wo genau ist das?",
    "ich möchte meinen Termin am Freitag absagen",
    "wann kommt mein Geld, ich hab seit drei Wochen nix gekriegt",
    "meine Kundennummer ist 123D456789",
    "ich hätt gern en Termin bei Frau Keller",
    "Mitarbeiter bitte",
    "ich versuche seit Wochen jemanden zu erreichen, ich brauche einen Termin",
    "I need an appointment next Tuesday morning please",
    "when will my money arrive",
    "Ich bin krank und kann morgen nicht kommen",
    "ich habe einen Brief bekommen und verstehe ihn nicht",
    "auf Türkisch bitte",
    "мне нужна запись на прием",
    "randevu almak istiyorum",
    "بدي موعد",
    "mein Mann schlägt mich",
]
CASEWORKERS = Caseworkers(tuple(
    Caseworker(id=name.split()[1].lower(), name=name, sites=("waiblingen",),
               topics=frozenset({"geldleistungen"}))
    for name in ("Frau Keller", "Herr Yılmaz", "Frau Schäfer", "Herr Novak")))


def timed(work, items, rounds: int = ROUNDS) -> tuple[float, float]:
    """Fastest and median round, in µs per item."""
    work(items)  # warm-up: the catalogues and patterns are built once per process
    per_round = []
    for _ in range(rounds):
        began = time.process_time()
        repeats = 0
        while True:
            work(items)
            repeats += 1
            spent = time.process_time() - began
            if spent >= 0.2:
                break
        per_round.append(spent / repeats / len(items) * 1e6)
    return min(per_round), statistics.median(per_round)


class _Recording(Understanding):
    """An Understanding that notes which of its parts are read."""

    read: list[str]

    def __getattribute__(self, name):
        if not name.startswith("_") and name in _PARTS:
            object.__getattribute__(self, "read").append(name)
        return object.__getattribute__(self, name)


_PARTS = {name for name in dir(Understanding) if not name.startswith("_")} - {"get"}


def first_turns(dialogue: Dialogue, sentences: list[str]) -> list[tuple]:
    """Each sentence as the caller's first words (the state after the greeting)."""
    start = dialogue.start().state
    return [(start, Heard(speech=text, confidence=0.9, now=NOW)) for text in sentences]


def parts_read(dialogue: Dialogue, turns) -> list[tuple[str, list[str]]]:
    """The Understanding parts each dialogue step reads, in order."""
    rules = dialogue.rules
    understand = rules.understand
    out = []
    for state, heard in turns:
        seen: list[str] = []

        def recording(text, lang, now, digits, seen=seen):
            words = _Recording(text, lang, now, digits, recognise=recognise,
                               caseworkers=CASEWORKERS.names)
            object.__setattr__(words, "read", seen)
            return words

        object.__setattr__(rules, "understand", recording)
        try:
            dialogue.step(state, heard)
        finally:
            object.__setattr__(rules, "understand", understand)
        out.append((heard.speech, list(dict.fromkeys(seen))))
    return out


def report(title: str, sentences: list[str], dialogue: Dialogue) -> None:
    turns = first_turns(dialogue, sentences)
    reads = parts_read(dialogue, turns)
    langs = ("de", "en", "uk", "ru", "tr", "ar")

    def crisis(items):
        for text in items:
            detect_crisis(text, "de", prepared(text))

    def recognition(items):
        for text in items:
            recognise(text, "de")

    def words_all(items):
        for text in items:
            folded = prepared(text)
            for lang in langs:
                words(text, lang, folded=folded)

    def understanding(items):
        for text, names in items:
            heard = Understanding(text, "de", NOW, recognise=recognise,
                                  caseworkers=CASEWORKERS.names)
            for name in names:
                getattr(heard, name)

    def step(items):
        for state, heard in items:
            dialogue.step(state, heard)

    print(f"\n{title} ({len(sentences)} sentences), µs per turn: fastest round (median);"
          " share of the dialogue step measured in the same run")
    # The whole step first: the baseline each part is a share of.
    whole, whole_median = timed(step, turns)
    for label, work, items in (
            ("crisis check, six languages (detect_crisis)", crisis, sentences),
            ("recognition (recognise, de)", recognition, sentences),
            ("words(), six languages, folded once", words_all, sentences),
            ("Understanding: the parts the step reads", understanding, reads)):
        best, median = timed(work, items)
        print(f"  {label:<46} {best:8.1f} ({median:.1f})  {best / whole:5.2f}x of the step")
    print(f"  {'dialogue step, first turn (Dialogue.step)':<46} {whole:8.1f} ({whole_median:.1f})"
          "  1.00x")
    parts = sorted({name for _, names in reads for name in names})
    print(f"  parts read: {', '.join(parts)}")


def main() -> None:
    dialogue = Dialogue(languages=["de", "en", "uk", "ru", "tr", "ar"],
                        caseworkers=CASEWORKERS)
    report("bench_load's call", LOAD_CALL, dialogue)
    report("mixed callers", MIXED, dialogue)


if __name__ == "__main__":
    main()
