"""Record a few hundred softphone calls, and compare two recordings sentence by sentence.

A refactoring must not change what callers hear. Record before, record after, compare:

    .venv/bin/python tools/transcripts.py record before.jsonl
    .venv/bin/python tools/transcripts.py record after.jsonl
    .venv/bin/python tools/transcripts.py compare before.jsonl after.jsonl

Each call runs through the real webhooks of an app on a fresh demo database, at one of a
few fixed moments (a weekday morning, an evening, a holiday, a Saturday), in a fixed
order, so two recordings of unchanged code are identical. The callers' lines come from
the evaluation sets that ship with the app (each utterance as a first request, then the
same few follow-ups) and from hand-written conversations that walk every step: booking,
cancelling, moving, status with identity, hand-over, callback, voicemail, crisis,
referrals, sickness, letters, English, keypad, silence and repeats.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BERLIN = ZoneInfo("Europe/Berlin")
MOMENTS = {
    "weekday": datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN),
    "evening": datetime(2026, 11, 25, 19, 30, tzinfo=BERLIN),
    "holiday": datetime(2026, 12, 24, 10, 0, tzinfo=BERLIN),
    "saturday": datetime(2026, 11, 28, 11, 0, tzinfo=BERLIN),
}
# Conversations walking the steps; each is tried at every moment.
WALKS = [
    ["Ich möchte einen Termin", "Antrag", "Waiblingen", "morgen vormittag", "ja", "ja", "ja"],
    ["Termin in Backnang", "Arbeitssuche", "Donnerstag", "nein", "ja", "nein", "nein"],
    ["ich will einen termin", "", "Schorndorf", "nächste Woche Montag", "ja", "nein", "nein"],
    ["Termin", "#1", "#2", "übermorgen nachmittag", "nein", "nein", "ja", "ja", "nein"],
    ["Ich möchte meinen Termin absagen", "123456", "ja", "nein"],
    ["Termin verschieben", "654321", "ja", "Freitag", "ja", "nein"],
    ["Wann kommt mein Geld", "123456789", "1. Februar 1980", "nein"],
    ["Wie ist der Stand meines Antrags", "A12B345678", "01.02.1980", "nein"],
    ["Wo bleibt mein Geld", "", "", "#0"],
    ["Ich möchte mit einem Mitarbeiter sprechen"],
    ["Mitarbeiter", "ja", "Rückruf", "ja", "nein"],
    ["#0", "#1"],
    ["Öffnungszeiten", "nein"],
    ["Wann haben Sie in Backnang geöffnet", "ja", "welche Unterlagen brauche ich", "nein"],
    ["welche unterlagen brauche ich", "Wiederholen", "nein"],
    ["", "", ""],
    ["", "blubb", "#3", "nein"],
    ["#9", "I need an appointment", "Waiblingen", "tomorrow", "yes", "no", "no"],
    ["English please", "When do I get my money", "", "#0"],
    ["Ich will nicht mehr leben", "ja", ""],
    ["Mein Mann schlägt mich", ""],
    ["Ich habe kein Geld mehr für Essen", ""],
    ["Kindergeld", "ja", "nein"],
    ["Ich bin krank und kann nicht kommen", "ja", "Montag", "nein"],
    ["Ich habe einen Brief bekommen", "ja", "nein"],
    ["Ich habe eine Veränderung zu melden"],
    ["Wie funktioniert jobcenter digital", "nein"],
    ["Arbeitslosengeld eins", "nein"],
    ["#5", "nein"],
    ["#4", "*", "nein"],
    ["Termin", "Mitarbeiter"],
    ["Ich möchte einen Termin", "Antrag", "Waiblingen", "am 25. Dezember", "morgen", "ja", "ja"],
    ["Termin", "weiß nicht", "Waiblingen", "egal", "ja", "ja", "ja"],
    ["Wann kommt mein Geld", "eins zwei drei D wie Dora vier fünf sechs sieben acht neun",
     "ja", "3. Mai 1980", "nein"],
    ["Stand meines Antrags", "1 2 3 4 5 B G 0 0 1 2 3 4 5", "ja", "12.12.1975", "ja", "nein"],
    ["@+4915100000000", "Termin absagen", "habe ich nicht", "ja", "ja", "nein"],
    ["@+4915100000000", "Termin verschieben", "habe ich nicht", "ja", "Freitag", "ja", "ja",
     "nein"],
]
FOLLOW_UPS = ["nein"]
EVALUATION_SETS = [
    ROOT / "speech/evaluation/intents_dev_de.tsv",
    ROOT / "speech/evaluation/intents_heldout_en.tsv",
    ROOT / "tests/data/topics_dev_de.tsv",
    ROOT / "tests/data/crisis_dev_de.tsv",
]
# What differs between two runs of the same code: booking codes are random.
CODE = re.compile(r"\b\d(?:[ ,–-]*\d){5}\b")
CALL_SID = re.compile(r"CA[0-9a-f]{32}")


def scripts() -> list[list[str]]:
    lines = [list(walk) for walk in WALKS]
    for path in EVALUATION_SETS:
        with path.open(encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                if len(row) >= 2 and not row[0].startswith("#"):
                    lang_switch = ["#9"] if "_en" in path.name else []
                    lines.append([*lang_switch, row[1], *FOLLOW_UPS])
    return lines


def record(out: Path) -> int:
    import clock
    from app import create_app
    from devtools.softphone import InProcess, Softphone, transcript

    count = 0
    with out.open("w", encoding="utf-8") as handle, tempfile.TemporaryDirectory() as tmp:
        for name, moment in MOMENTS.items():
            app = create_app({
                "TESTING": True, "HOTLINE_ENV": "test",
                "HOTLINE_DATABASE": str(Path(tmp) / f"{name}.sqlite3"),
                "TWILIO_AUTH_TOKEN": "transcripts-token", "HOTLINE_PUBLIC_URL": "",
                "HOTLINE_LANGUAGES": ["de", "en"], "HOTLINE_VALIDATE_SIGNATURES": True,
            })
            clock.install(app, clock.Clock.at(moment))
            with app.app_context():
                app.test_cli_runner().invoke(args=["seed-demo"])
            for number, script in enumerate(scripts()):
                from_number = f"+49176{number:07d}"
                if script and script[0].startswith("@"):
                    from_number, script = script[0][1:], script[1:]
                phone = Softphone(InProcess(app), "transcripts-token",
                                  from_number=from_number)
                phone.dial()
                for line in script:
                    if phone.finished:
                        break
                    phone.say(line)
                phone.hang_up()
                record_ = transcript(phone, phone.summary())
                record_["moment"] = name
                record_["script"] = script
                handle.write(_normalised(json.dumps(record_, ensure_ascii=False)) + "\n")
                count += 1
    return count


def _normalised(text: str) -> str:
    return CODE.sub("<code>", CALL_SID.sub("<call>", text))


def compare(before: Path, after: Path) -> int:
    old = before.read_text(encoding="utf-8").splitlines()
    new = after.read_text(encoding="utf-8").splitlines()
    if len(old) != len(new):
        print(f"{len(old)} calls before, {len(new)} after")
        return 1
    differ = 0
    for a, b in zip(old, new, strict=True):
        if a == b:
            continue
        differ += 1
        ca, cb = json.loads(a), json.loads(b)
        print(f"-- {ca['moment']}: {ca['script']}")
        for ta, tb in zip(ca["turns"], cb["turns"], strict=False):
            if ta != tb:
                print(f"   caller: {ta['caller']!r}\n   before: {ta}\n   after:  {tb}")
                break
        else:
            print(f"   before: {ca['outcome']} {len(ca['turns'])} turns; "
                  f"after: {cb['outcome']} {len(cb['turns'])} turns")
    print(f"{len(old)} calls, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "record" and len(sys.argv) == 3:
        print(f"{record(Path(sys.argv[2]))} calls recorded")
    elif command == "compare" and len(sys.argv) == 4:
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
