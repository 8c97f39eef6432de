"""A digest of what speech makes of every utterance the repository holds.

Run before and after a change that must not change any result (a speed-up of the
understanding of a turn): the printed digest must be the same. With ``--dump FILE`` every
line that went into the digest is written out too, so two runs can be compared with
`diff` when the digests differ.

    .venv/bin/python tools/speech_fingerprint.py [--dump /tmp/before.txt]

The utterances: speech/evaluation/*.tsv and tests/data/*.tsv (the text column), the
caller lines of tests/data/conversations/*.txt, every string literal of the speech,
crisis, language, dialogue and conversation tests, and a few awkward inputs (empty, only
punctuation, longer than MAX_CHARS, mixed scripts). Each goes through `words()` and
`detect_crisis()` in every language, `recognise()` with every catalogue, and the
`Understanding` parts the dialogue uses, in every language a call can be in.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from speech.crisis import detect_crisis  # noqa: E402
from speech.intents import recognise  # noqa: E402
from speech.normalise import words  # noqa: E402
from speech.understanding import Understanding  # noqa: E402

WORD_LANGS = ("de", "en", "uk", "ru", "tr", "ar", "de-simple")
CATALOGUE_LANGS = ("de", "en", "uk", "ru", "tr", "ar")
CALL_LANGS = ("de", "en", "uk", "ru", "tr", "ar", "de-simple")
NOW = datetime(2026, 12, 1, 10, 0)  # a Tuesday morning
CASEWORKERS = ("Frau Keller", "Herr Yılmaz", "Frau Schäfer", "Herr Novak", "Herr Müller")
TEST_NAMES = ("speech", "crisis", "worry", "intent", "normalise", "understanding", "entities",
              "wishes", "languages", "dialogue", "conversation")
# The Understanding parts the conversation reads (conversation/*.py), in a fixed order.
PARTS = ("crisis", "recognition", "calm", "request_words", "reply", "answer", "command",
         "refuses", "entities", "asks_way", "wish", "without_booking", "means_there",
         "asks", "ordinal", "topic", "caseworker", "own_caseworker", "caller_name",
         "name_answer", "folded", "prepared", "tokens", "dont_know", "language_request",
         "worry")
AWKWARD = [
    "", " ", "...", "?!", "ähm", "äh hm mmm", "ja", "nein", "a" * 700,
    "ich will mich umbringen " * 40, "Ich brauche einen Termin. " * 30,
    "Termin morgen um 9 Uhr! Mein Mann schlägt mich.", "меня бьет муж, help",
    "yardım edin, elektrik kesildi", "ما في اكل  wallah", "maw3ed bidi",
    "zapisatsya na priyom", "Straße Übergröße ÆØÅ café naïve", "\u0000\u200b\ufeff ja",
    "_under_score_ job-center.digital", "E-Mail an job center punkt digital",
]


def utterances() -> list[str]:
    found: list[str] = list(AWKWARD)
    tsvs = sorted((ROOT / "speech" / "evaluation").glob("*.tsv"))
    tsvs += sorted((ROOT / "tests" / "data").glob("*.tsv"))
    for path in tsvs:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            found.append(line.split("\t", 1)[-1])
    for path in sorted((ROOT / "tests" / "data" / "conversations").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("C:"):
                found.append(line[2:].split("  #", 1)[0].strip())
            elif line.startswith("C?") and "=>" in line:
                found.append(line.split("=>", 1)[1].strip())
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if any(name in path.name for name in TEST_NAMES):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [node.value for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and isinstance(node.value, str)
                      and any(ch.isalpha() for ch in node.value) and len(node.value) < 2000]
    return list(dict.fromkeys(found))  # each once, in order of first appearance


def lines(text: str):
    for lang in WORD_LANGS:
        yield f"words {lang} {words(text, lang)!r} {words(text, lang, dialect=False)!r}"
        yield (f"crisis {lang} {detect_crisis(text, lang)!r} "
               f"{detect_crisis(text, lang, only=True)!r}")
    for lang in CATALOGUE_LANGS:
        yield f"recognise {lang} {recognise(text, lang)!r}"
    for lang in CALL_LANGS:
        heard = Understanding(text, lang, NOW, recognise=recognise, caseworkers=CASEWORKERS)
        for part in PARTS:
            yield f"{lang} {part} {getattr(heard, part)!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write every line of the digest here")
    args = parser.parse_args()
    digest = hashlib.sha256()
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    said = utterances()
    for text in said:
        for line in lines(text):
            row = f"{text!r}\t{line}\n"
            digest.update(row.encode())
            if dump:
                dump.write(row)
    if dump:
        dump.close()
    print(f"{len(said)} utterances, digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
