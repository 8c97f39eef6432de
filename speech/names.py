"""People named in a caller's words: a caseworker asked for, "mein Arbeitsvermittler", the
caller's own name.

Which caseworkers exist is not speech's to know: the names ("Frau Keller", as said to
callers) are handed in by whoever builds the `Understanding` (the conversation's rules,
from the app's schedule), like the live catalogue of phrases.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from speech.normalise import fold
from speech.scripts import key

# How callers address a person; a caseworker is recognised only after one of these, so
# that "Lang", "Braun" or "Keller" in other words are never taken for a name.
TITLES = {"frau", "herr", "herrn", "hr", "fr", "mr", "mrs", "ms", "miss", "mister"}
# The titles in the other languages, declined as callers say them ("з паном", "с
# госпожой", "للسيدة"); German and English ones count in every language ("пані Frau
# Keller" is said too). Turkish puts "Hanım" and "Bey" after the name.
_OWN_TITLES = {
    "tr": ("bayan", "bay"),
    "uk": ("пані", "пан", "пана", "пану", "паном", "фрау", "гер", "герр"),
    "ru": ("госпожа", "госпожи", "госпоже", "госпожу", "госпожой", "господин", "господина",
           "господину", "господином", "фрау", "герр", "гер"),
    "ar": ("السيدة", "السيد", "الأستاذة", "الأستاذ", "مدام", "فراو", "هير"),
}
_TITLES_AFTER = {"tr": ("hanim", "hanima", "hanimla", "hanimin", "bey", "beye", "beyle", "beyin")}
# Speaking with someone ("mit Frau Keller sprechen", "Bayan Keller ile görüşmek"): with a
# caseworker named, a person now, not an appointment (unless one is named too).
_SPEAK = {
    "de": r"\b(?:sprechen|spreche|reden)\b",
    "en": r"\b(?:speak|talk|speaking|talking)\b",
    "tr": r"\b(?:gorus|konus)\w*",
    "uk": r"\b(?:поговорит|говорит|розмовлят|звязатис|зєднайт)\w*",
    "ru": r"\b(?:поговорит|говорит|разговарива|связатьс|соедини)\w*",
    "ar": r"(?:التحدث|أتحدث|اتحدث|أتكلم|اتكلم|التكلم|أكلم|اكلم|أحكي|احكي)",
}
_APPOINTMENT_WORDS = {
    "tr": r"\b(?:randevu|termin)\w*",
    "uk": r"\b(?:запис|прийом|зустріч|термін)\w*",
    "ru": r"\b(?:запис|прием|приём|встреч|термин)\w*",
    "ar": r"(?:موعد|الموعد|ميعاد)",
}
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
_SPEAK_RE = {lang: re.compile(pattern) for lang, pattern in _SPEAK.items()}
_APPOINTMENT_RE = {lang: re.compile(pattern) for lang, pattern in _APPOINTMENT_WORDS.items()}

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


def about_appointment(text: str, lang: str = "de") -> bool:
    """Whether the words speak of an appointment ("Termin", "appointment", "randevu")."""
    plain = _plain(text)
    own = _APPOINTMENT_RE.get(lang.split("-")[0])
    return _APPOINTMENT.search(plain) is not None or (
        own is not None and own.search(plain) is not None)


def asks_to_speak(text: str, lang: str = "de") -> bool:
    """Whether the caller asks to speak with someone ("mit ... sprechen", "... ile
    görüşmek", "поговорити з ...") rather than for an appointment with them."""
    family = lang.split("-")[0]
    plain = _plain(text)
    if family == "tr":
        plain = key(plain, "tr").replace("ş", "s")  # "görüşmek" as "gorusmek"
    if about_appointment(text, family):
        return False
    return any(_SPEAK_RE[name].search(plain) for name in {"de", "en", family} if name in _SPEAK_RE)


def find_caseworker(text: str, names: Iterable[str], lang: str = "de") -> str | None:
    """The caseworker the caller names, as written in `names` ("Frau Keller"), or None.

    A surname counts only after a title ("Frau", "Herrn", "Mr", "пані", "السيدة"; in
    Turkish also before "Hanım" or "Bey"); the title itself need not match ("bei Herrn
    Keller" still finds Frau Keller: the name is what callers remember). A name heard
    in Cyrillic or Arabic letters is compared by its sound ("Шефер", "شيفر": Schäfer).
    Of several names, the last one said counts.
    """
    family = lang.split("-")[0]
    if family == "tr":
        text = _TURKISH_SUFFIX.sub("", text)
    heard = _plain(text).split()
    titles, after = _titles(family)
    keyed = [key(word, family) for word in heard]
    after_title = [word for before, word, keyed_word
                   in zip(keyed, heard[1:], keyed[1:], strict=False)
                   if (before in TITLES or before in titles)
                   and keyed_word not in TITLES and keyed_word not in titles]
    after_title += [word for word, next_word in zip(heard, heard[1:], strict=False)
                    if next_word in after and word not in TITLES]
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
            score = 100.0 if word == surname else _similarity(word, surname, family)
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


@functools.cache
def _titles(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The titles of `lang` said before a name and after it, as `key` writes them."""
    before = frozenset(key(fold(title), lang) for title in _OWN_TITLES.get(lang, ()))
    return before, frozenset(_TITLES_AFTER.get(lang, ()))


# Latin spellings one sound has ("Schäfer", "Şefer", "Shefer"; "Keller", "Keler").
_SOUNDS = [(re.compile(r"sch|ş|sh"), "s"), (re.compile(r"ae|oe|ue"), lambda m: m.group(0)[0]),
           (re.compile(r"ck"), "k"), (re.compile(r"w"), "v"), (re.compile(r"[yıj]"), "i"),
           (re.compile(r"([a-z])\1+"), r"\1")]
# Arabic letters as the consonants of a name written in Latin letters; the long
# vowels (ا و ي) are left out, as Latin vowels are in `_skeleton`.
_ARABIC_CONSONANTS = str.maketrans({
    "ب": "b", "ت": "t", "ث": "s", "ج": "g", "ح": "h", "خ": "h", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "", "ا": "", "أ": "", "إ": "", "آ": "", "و": "", "ي": "", "ى": "",
    "ء": "", "ئ": "", "ؤ": "", "ڤ": "f", "پ": "b", "گ": "g"})


def _sound(word: str) -> str:
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word


def _skeleton(word: str) -> str:
    """A name's consonants, as Arabic writes them: "Hoffmann" and "هوفمان" are "hfmn"."""
    consonants = re.sub(r"[aeiou]", "", _sound(word).replace("v", "f").replace("p", "b"))
    return re.sub(r"([a-z])\1+", r"\1", consonants)


def _similarity(word: str, surname: str, lang: str) -> float:
    """How alike (0-100) a surname heard and one written in Latin letters are."""
    if lang == "ar" and not word.isascii():
        skeleton = _skeleton(word.translate(_ARABIC_CONSONANTS))
        return 100.0 if len(skeleton) >= 2 and skeleton == _skeleton(surname) else 0.0
    if len(surname) < 4:
        return 0.0
    forms = [word]
    if lang in ("ru", "uk") and not word.isascii():
        # Declined ("з паном Вагнером"), and a G written as Г, which Ukrainian says as h.
        bare = [word] + [word[: -len(end)] for end in _CASE_ENDINGS if word.endswith(end)]
        forms = [key(form, "ru") for form in bare] + [key(form, "uk") for form in bare]
    return max(fuzz.ratio(_sound(form), _sound(surname)) for form in forms)


# Case endings Russian and Ukrainian put on a foreign man's surname.
_CASE_ENDINGS = ("ом", "ем", "ові", "у", "а", "ю", "ой")


def _surname(name: str) -> str:
    words = [w for w in _plain(name).split() if w not in TITLES]
    return words[-1] if words else ""


def _plain(text: str) -> str:
    # The dotless i of "Yılmaz" is what a recogniser writes as "i".
    return fold((text or "").replace("ı", "i"))


# Turkish puts an ending on a name after an apostrophe ("Keller'le", "Schäfer'den").
_TURKISH_SUFFIX = re.compile(r"(?<=\w)['’]\w+")
