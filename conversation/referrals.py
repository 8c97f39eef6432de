"""Other offices' matters: which office decides what the caller asked, from a table.

Callers ask the job centre about Kindergeld, Wohngeld, their pension or their residence
permit. The hotline says who decides it, and how to reach them, instead of starting an
identity check or saying it did not understand. The table is data the job centre edits
(`referrals.toml` beside this module, or the file `HOTLINE_REFERRALS` names); this module
only reads it and matches a caller's words against it. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from speech.normalise import MAX_CHARS, words
from speech.patterns import at_word_starts

DEFAULT_FILE = Path(__file__).with_name("referrals.toml")
# A phrase supervisors assigned to an office (teaching) is recognised as the intent
# "referral:<office key>", e.g. "referral:familienkasse".
INTENT_PREFIX = "referral:"


class ReferralFileError(ValueError):
    """The referral table is malformed."""


@dataclass(frozen=True)
class Office:
    """Another office, and what callers say that belongs to it."""

    key: str
    name: str
    short: str
    topic: str
    number: str  # E.164, or "" where the caller has their own (their health insurer)
    spoken: str
    hours: str
    patterns: re.Pattern | None
    unless: re.Pattern | None
    intents: frozenset[str]
    demo: bool = False
    # Per language other than German: (name, topic, hours), from `name_<lang>`,
    # `topic_<lang>`, `hours_<lang>`; a language without its own name hears the German.
    translations: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    transfer: bool = False  # the caller may be put through (tried by the job centre first)
    # Appointment topics the job centre books although this office decides the matter
    # ("arbeitslosmeldung"): asked for with an appointment, they are booked.
    booked_topics: frozenset[str] = frozenset()
    # What the job centre still does about the matter, one sentence said after the
    # office ("sprechen Sie bitte mit ... im Jobcenter"); per language in `still_<lang>`.
    still: str = ""
    still_in: dict[str, str] = field(default_factory=dict)

    def says(self, lang: str = "de") -> dict:
        """The office's facts as prompt parameters, for a call in `lang`; the number both
        said ("office_number") and in figures for writing ("office_figures")."""
        if self.translations.get(lang, ("",))[0]:
            name, topic, hours = self.translations[lang]
            return {"office": name, "office_short": name, "office_topic": topic,
                    "office_number": _digits_in(self.spoken, lang), "office_hours": hours,
                    "office_figures": figures(self.spoken),
                    "office_still": self.still_in.get(lang, "")}
        return {"office": self.name, "office_short": self.short, "office_topic": self.topic,
                "office_number": self.spoken, "office_hours": self.hours,
                "office_figures": figures(self.spoken), "office_still": self.still}


@dataclass(frozen=True)
class Referrals:
    offices: tuple[Office, ...]
    serves_sgb3: bool = False
    # Whether any office's expression matches at all: most turns are the job centre's
    # own matters, and then one search answers instead of one per office.
    anything: re.Pattern | None = None

    def match(self, text: str, lang: str = "de", canonical: list[str] | None = None
              ) -> Office | None:
        """The office whose matter the caller's words are, if any. ``canonical`` is
        `speech.normalise.words(text, lang)`, when the turn has them already."""
        if not text or not text.strip():
            return None
        if canonical is None:
            canonical = words(text[:MAX_CHARS], lang)
        canonical = " ".join(canonical)
        if self.anything is not None and not self.anything.search(canonical):
            return None
        for office in self.offices:
            if office.patterns is not None and office.patterns.search(canonical) and not (
                    office.unless is not None and office.unless.search(canonical)):
                return office
        return None

    def for_intent(self, intent: str | None) -> Office | None:
        """The office a recognised intent belongs to (registering as unemployed, or
        "referral:<key>" for a phrase supervisors assigned to that office)."""
        if intent and intent.startswith(INTENT_PREFIX):
            return self.get(intent[len(INTENT_PREFIX):])
        for office in self.offices:
            if intent in office.intents:
                return office
        return None

    def for_topic(self, topic: str | None) -> Office | None:
        """The office that decides an appointment topic the job centre books too."""
        return next((o for o in self.offices if topic in o.booked_topics), None)

    def get(self, key: str) -> Office | None:
        return next((o for o in self.offices if o.key == key), None)


# The digit words of a number written for German listeners ("null acht hundert, vier,
# ...") in the other languages, word for word, grouped as in German.
_GERMAN_DIGITS = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
                  "neun", "hundert")
_DIGITS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "hundred"),
    "tr": ("sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz",
           "yüz"),
    "uk": ("нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім",
           "дев'ять", "сто"),
    "ru": ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
           "девять", "сто"),
    "ar": ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية",
           "تسعة", "مئة"),
}


def figures(spoken: str) -> str:
    """The grouped German digit words in figures, in the same groups, as the office writes
    its number: "null acht hundert, vier, fünf fünf fünf fünf, drei null" -> "0800 4 5555 30"."""
    digit = {word: ("00" if word == "hundert" else str(number))
             for number, word in enumerate(_GERMAN_DIGITS)}
    groups = ("".join(digit.get(word, "") for word in group.split())
              for group in spoken.split(","))
    return " ".join(group for group in groups if group)


def _digits_in(spoken: str, lang: str) -> str:
    """A number as grouped German digit words ("null acht hundert, ...") in `lang`."""
    table = dict(zip(_GERMAN_DIGITS, _DIGITS[lang], strict=True)) if lang in _DIGITS else {}
    return re.sub(r"\w+", lambda m: table.get(m.group(0), m.group(0)), spoken)


def _pattern(expressions: list[str]) -> re.Pattern | None:
    # Only whether an office's expressions match counts, so they are combined the way
    # that tries them where a word starts only.
    return at_word_starts(expressions) if expressions else None


def load(path: str | Path | None = None) -> Referrals:
    """Read the table; the Agentur für Arbeit drops out where the hotline serves SGB III."""
    path = Path(path) if path else DEFAULT_FILE
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        serves_sgb3 = bool(data.get("serves_sgb3", False))
        offices, expressions = [], []
        for key, entry in data.get("offices", {}).items():
            if key == "agentur" and serves_sgb3:
                continue
            expressions.extend(entry.get("patterns", []))
            offices.append(Office(
                key=key, name=entry["name"], short=entry["short"], topic=entry["topic"],
                number=entry.get("number", ""), spoken=entry.get("spoken", ""),
                hours=entry.get("hours", ""), patterns=_pattern(entry.get("patterns", [])),
                unless=_pattern(entry.get("unless", [])),
                intents=frozenset(entry.get("intents", [])), demo=bool(entry.get("demo")),
                translations={lang: (entry[f"name_{lang}"], entry.get(f"topic_{lang}", ""),
                                     entry.get(f"hours_{lang}", ""))
                              for lang in _DIGITS if entry.get(f"name_{lang}")},
                transfer=bool(entry.get("transfer")) and bool(entry.get("number")),
                booked_topics=frozenset(entry.get("booked_topics", [])),
                still=entry.get("still", ""),
                still_in={lang: entry[f"still_{lang}"] for lang in _DIGITS
                          if entry.get(f"still_{lang}")}))
        anything = _pattern(expressions)
    except (OSError, tomllib.TOMLDecodeError, KeyError, re.error) as error:
        raise ReferralFileError(f"{path}: {error}") from error
    return Referrals(tuple(offices), serves_sgb3, anything)
