"""Vosk grammars: the words a turn can expect, so that the recogniser chooses among few.

A Vosk grammar is a list of phrases plus "[unk]" (anything else); the recogniser then
only outputs those phrases, in any order and number. Where the dialogue expects a short
answer (yes/no, a menu choice, a site, digits) this makes recognition both faster and
far more accurate. Open speech ("request") gets no grammar: a Vosk model cannot be
biased towards the intent vocabulary the way Twilio's hints can, so it is not.

Every short-answer grammar also holds what a caller in crisis says (`CRISIS`, and an
operator's `[crisis]` table): restricted to "ja" and "nein", the recogniser would make
"nein, ich will nicht mehr leben" into "nein", and the crisis check would never see it.
Each crisis phrase is one that speech.crisis or speech.worry hears as it stands.

Words the model does not know are dropped (Vosk would ignore them with a warning); a
grammar left with nothing the model knows means free recognition.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

UNKNOWN = "[unk]"

# Spelled as the German models' lexicons spell them: lower case, with umlauts and ß.
_COMMANDS = {
    "de": ["mitarbeiter", "mitarbeiterin", "mensch", "wiederholen", "noch einmal", "nochmal",
           "wie bitte", "zurück", "englisch", "english", "deutsch", "tschüss", "auf wiederhören"],
    "en": ["agent", "person", "repeat", "again", "back", "german", "deutsch", "goodbye"],
}
_YES_NO = {
    "de": ["ja", "nein", "genau", "richtig", "falsch", "stimmt", "stimmt nicht", "passt",
           "passt nicht", "gerne", "okay", "nee", "nein danke", "ja bitte", "klar",
           "in ordnung", "einverstanden", "lieber nicht"],
    "en": ["yes", "no", "yeah", "yep", "nope", "correct", "right", "wrong", "okay", "sure",
           "no thanks", "yes please", "fine"],
}
_DIGITS = {
    "de": ["null", "eins", "ein", "zwei", "zwo", "drei", "vier", "fünf", "sechs", "sieben",
           "acht", "neun", "plus"],
    "en": ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight",
           "nine", "plus", "double"],
}
_SITES = ["waiblingen", "backnang", "schorndorf"]
# The keypad menus (topics, sites, after-hours options, callback time) say these words.
_MENU = {
    "de": ["termin", "geld", "zahlung", "antrag", "unterlagen", "online", "arbeitssuche",
           "berufsberatung", "arbeitslosmeldung", "rückruf", "nachricht", "vormittags",
           "nachmittags", "egal", "die erste", "die zweite", "das erste", "das zweite"],
    "en": ["appointment", "money", "payment", "application", "documents", "online",
           "finding work", "careers advice", "registering", "call back", "message",
           "morning", "afternoon", "any time", "the first", "the second"],
}

# What a caller in crisis says, added to every short-answer grammar: phrases (a grammar
# puts its phrases together in any order, "nein" + "will nicht mehr leben"), each heard
# by speech.crisis or speech.worry as it stands (tests/test_vosk_crisis.py checks that).
# Kept to words unlike the short answers: each added word is one more thing a plain "ja"
# could be heard as. Words of worry as common as "angst" or "polizei" are left to the
# free re-decoding (speech.streaming), which hears whole sentences.
CRISIS = {
    "de": ["will nicht mehr leben", "möchte nicht mehr leben", "bring mich um",
           "bringe mich um", "mich umbringen", "nehme mir das leben", "will sterben",
           "selbstmord", "suizid", "halte es nicht mehr aus", "schlägt mich", "bedroht mich",
           "gewalt", "notarzt", "krankenwagen", "nichts gegessen"],
    "en": ["kill myself", "want to die", "don't want to live", "do not want to live",
           "end my life", "end it all", "suicide", "hurt myself", "overdose", "hits me",
           "beats me", "threatens me", "violence", "ambulance"],
}
SHORT_ANSWERS = ("yes_no", "menu", "code", "phone")  # the expects with a grammar

# expect -> lang -> phrases; None means free recognition.
BUILTIN: dict[str, dict[str, list[str]] | None] = {
    "request": None,
    "choice": None,  # "A or B?": callers often rephrase their request, so listen freely
    "yes_no": {lang: _YES_NO[lang] + _COMMANDS[lang] for lang in ("de", "en")},
    "menu": {lang: _DIGITS[lang] + _MENU[lang] + _SITES + _YES_NO[lang][:2] + _COMMANDS[lang]
             for lang in ("de", "en")},
    "code": {lang: _DIGITS[lang] + _COMMANDS[lang] for lang in ("de", "en")},
    "phone": {lang: _DIGITS[lang] + _YES_NO[lang][:2] + _COMMANDS[lang]
              for lang in ("de", "en")},
    "crisis": CRISIS,  # not a turn of its own: added to each of SHORT_ANSWERS
}


class GrammarFileError(ValueError):
    """The extra grammar file cannot be read or has the wrong shape."""


class Grammars:
    """The phrases per (expect, language): the built-in ones plus an operator's file."""

    def __init__(self, extra: dict[str, dict[str, list[str]]] | None = None):
        self._phrases: dict[tuple[str, str], list[str]] = {}
        for expect, per_lang in BUILTIN.items():
            for lang, phrases in (per_lang or {}).items():
                self._phrases[(expect, lang)] = list(phrases)
        for expect, per_lang in (extra or {}).items():
            for lang, phrases in per_lang.items():
                known = self._phrases.setdefault((expect, lang), [])
                known.extend(p for p in phrases if p not in known)

    @classmethod
    def from_file(cls, path: str | Path | None) -> Grammars:
        """Built-ins, plus `[<expect>] <lang> = ["phrase", ...]` tables from a TOML file."""
        if not path:
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise GrammarFileError(f"{path}: {error}") from error
        extra: dict[str, dict[str, list[str]]] = {}
        for expect, per_lang in data.items():
            if not isinstance(per_lang, dict):
                raise GrammarFileError(f"{path}: [{expect}] must be a table of languages")
            for lang, phrases in per_lang.items():
                if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                    raise GrammarFileError(f"{path}: {expect}.{lang} must be a list of strings")
                extra.setdefault(expect, {})[lang] = [p.strip().lower() for p in phrases
                                                      if p.strip()]
        return cls(extra)

    def phrases(self, expect: str, lang: str) -> list[str]:
        return list(self._phrases.get((expect, lang), []))

    def for_turn(self, expect: str, lang: str, known: Callable[[str], bool]) -> list[str] | None:
        """The grammar for one turn (its answers, then the crisis phrases, "[unk]" last),
        or None for free recognition."""
        usable = [p for p in self.phrases(expect, lang) if _all_known(p.split(), known)]
        if not usable:
            return None
        if expect in SHORT_ANSWERS:
            usable += [p for p in self.phrases("crisis", lang) if _all_known(p.split(), known)]
        usable = list(dict.fromkeys(usable))
        # "[unk]" lets the recogniser say "none of these"; a model without it in its
        # lexicon would only warn and ignore it.
        return [*usable, UNKNOWN] if known(UNKNOWN) else usable


def _all_known(words: Iterable[str], known: Callable[[str], bool]) -> bool:
    words = list(words)
    return bool(words) and all(known(word) for word in words)
