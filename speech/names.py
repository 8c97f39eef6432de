"""People named in a caller's words: a caseworker asked for, "mein Arbeitsvermittler", the
caller's own name.

Which caseworkers exist is not speech's to know: the names ("Frau Keller", as said to
callers) are handed in by whoever builds the `Understanding` (the conversation's rules,
from the app's schedule), like the live catalogue of phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from speech.normalise import fold

# How callers address a person; a caseworker is recognised only after one of these, so
# that "Lang", "Braun" or "Keller" in other words are never taken for a name.
TITLES = {"frau", "herr", "herrn", "hr", "fr", "mr", "mrs", "ms", "miss", "mister"}
# The surname as heard may be misrecognised a little ("Keler", "Hadad", "Yilmaz").
NAME_CUTOFF = 80

_OWN = {
    "de": re.compile(
        r"\b(?:mei|mein|meine|meinem|meinen|meiner|meim|unser|unsere|unserem|unseren|unserer)"
        r" (?:persoenliche[nmr]? |zustaendige[nmr]? )?"
        r"(?:arbeitsvermittler(?:in)?|vermittler(?:in)?|sachbearbeiter(?:in)?|"
        r"berater(?:in)?|ansprechpartner(?:in)?|fallmanager(?:in)?|betreuer(?:in)?)\b"),
    "en": re.compile(
        r"\bmy (?:own |usual |personal )?(?:case ?worker|case ?manager|adviser|advisor|"
        r"job coach|work coach|counsell?or|placement officer)\b"),
}
_APPOINTMENT = re.compile(r"\b(termin\w*|appointment\w*|book\w*|buch\w*)\b")

# "auf den Namen Schmid", "mein Name ist Petra Lehmann", "Petra Lehmann hier". After the
# weak lead-ins ("hier ist", "this is") only a capitalised word is a name: "this is urgent".
_NAME_BEFORE = {
    "de": re.compile(r"\b(?:(?P<strong>auf den namen|unter dem namen|mein name ist|mein name|"
                     r"ich hei(?:ss|ß)e|name ist)|hier ist|hier spricht|name)\s+(?P<rest>.+)",
                     re.IGNORECASE),
    "en": re.compile(r"\b(?:(?P<strong>my name is|my name s|my names|under the name|"
                     r"in the name of|the name is|name is)|this is|name)\s+(?P<rest>.+)",
                     re.IGNORECASE),
}
_NAME_AFTER = {
    "de": re.compile(r"^(?i:hallo|guten tag|gr(?:ü|ue)(?:ß|ss) gott|ja|hi)?[\s,]*"
                     r"(?P<name>[A-ZÄÖÜ][\w-]+(?: [A-ZÄÖÜ][\w-]+)?) (?:hier|am apparat)\b"),
    "en": re.compile(r"^(?i:hello|hi|good morning|good afternoon)?[\s,]*"
                     r"(?P<name>[A-Z][\w-]+(?: [A-Z][\w-]+)?) (?:here|speaking)\b"),
}
# Words that end a name or are never one.
_NOT_NAME = {
    "bitte", "und", "ich", "hier", "wegen", "termin", "danke", "ja", "nein", "am", "um",
    "in", "im", "fuer", "mit", "bei", "von", "der", "die", "das", "den", "dem", "des",
    "ist", "sind", "a", "an", "the", "please", "and", "thanks", "thank", "yes", "no",
    "on", "at", "for", "with", "about", "i", "calling", "is", "sie", "es", "mal",
    "jobcenter", "kunde", "kundin", "kundennummer", "nummer", "number", "customer",
    # A question is no name ("Wie komme ich da hin?" to "Auf welchen Namen?").
    "wie", "wo", "wann", "was", "warum", "how", "where", "when", "what", "why",
}
_MAX_NAME_WORDS = 3
# What an answer to "Auf welchen Namen?" may start with before the name.
_LEADING = {"ja", "yes", "gern", "gerne", "also", "okay", "ok", "sure", "aeh", "aehm", "em",
            "uh", "um", "auf", "mein", "den", "namen", "name", "ist", "frau", "herr", "mr",
            "mrs", "ms", "moment", "sorry", "entschuldigung", "hmm"}


def own_caseworker(text: str, lang: str = "de") -> bool:
    """Whether the caller speaks of their own caseworker ("meine Sachbearbeiterin")."""
    pattern = _OWN["en" if lang == "en" else "de"]
    return pattern.search(_plain(text)) is not None


def about_appointment(text: str) -> bool:
    """Whether the words speak of an appointment ("Termin", "appointment")."""
    return _APPOINTMENT.search(_plain(text)) is not None


def find_caseworker(text: str, names: Iterable[str]) -> str | None:
    """The caseworker the caller names, as written in `names` ("Frau Keller"), or None.

    A surname counts only after a title ("Frau", "Herrn", "Mr"); the title itself need
    not match ("bei Herrn Keller" still finds Frau Keller: the name is what callers
    remember). Of several names, the last one said counts.
    """
    heard = _plain(text).split()
    after_title = [word for before, word in zip(heard, heard[1:], strict=False)
                   if before in TITLES and word not in TITLES]
    if not after_title:
        return None
    # Corrected in one breath ("bei Herrn Wagner, nein falsch, bei Frau Haddad"), the
    # last name said is the one meant.
    surnames = [(name, _surname(name)) for name in names]
    for word in reversed(after_title):
        best, best_score = None, 0.0
        for name, surname in surnames:
            if not surname:
                continue
            score = 100.0 if word == surname else (
                fuzz.ratio(word, surname) if len(surname) >= 4 else 0.0)
            if score >= NAME_CUTOFF and score > best_score:
                best, best_score = name, score
        if best is not None:
            return best
    return None


def caller_name(text: str, lang: str = "de", asked: bool = False) -> str | None:
    """The name callers give for themselves ("auf den Namen Schmid", "Petra Lehmann hier",
    "S C H M I D"), as written for a caseworker to read; None when they give none.

    `asked`: the words answer "Auf welchen Namen?", so a name alone ("Schmid") counts.
    """
    lang = "en" if lang == "en" else "de"
    text = (text or "").strip()
    if not text:
        return None
    spelled = _spelled(text)
    if spelled:
        return spelled
    found = _NAME_AFTER[lang].search(text)
    if found:
        name = _clean_name(found.group("name").split())
        if name:
            return name
    found = _NAME_BEFORE[lang].search(text)
    if found:
        rest = re.split(r"[,.;!?]", found.group("rest"), maxsplit=1)[0]
        spelled = _spelled(rest)
        if spelled:
            return spelled
        if found.group("strong") or rest[:1].isupper():
            return _clean_name(rest.split())
    if asked:
        words = re.findall(r"[\w'-]+|[,.;!?]", text)
        while words and (fold(words[0]) in _LEADING or not fold(words[0])):
            words = words[1:]
        return _clean_name(words)
    return None


def _clean_name(words: list[str]) -> str | None:
    kept: list[str] = []
    for word in words:
        plain = fold(word)
        if plain in TITLES and not kept:
            continue  # "auf den Namen Frau Schmid": the surname is what is written down
        if not plain or plain in _NOT_NAME or any(ch.isdigit() for ch in word):
            break
        kept.append(word[:1].upper() + word[1:])
        if len(kept) == _MAX_NAME_WORDS:
            break
    return " ".join(kept) or None


def _spelled(text: str) -> str | None:
    """Letters said one by one ("S C H M I D", "s-c-h-m-i-d") as one word."""
    letters = re.findall(r"(?<![\w])([A-Za-zÄÖÜäöü])(?![\w])", text)
    if len(letters) < 3:
        return None
    run = re.search(r"(?:(?<![\w])[A-Za-zÄÖÜäöü](?:[\s-]+|$)){3,}", text)
    if run is None:
        return None
    word = "".join(ch for ch in run.group(0) if ch.isalpha())
    return word[:1].upper() + word[1:].lower()


def _surname(name: str) -> str:
    words = [w for w in _plain(name).split() if w not in TITLES]
    return words[-1] if words else ""


def _plain(text: str) -> str:
    # The dotless i of "Yılmaz" is what a recogniser writes as "i".
    return fold((text or "").replace("ı", "i"))
