"""What a supervisor may not teach, and what a change would alter for callers.

Refused outright, with the reason (`Refused`):
- digits; an e-mail address; spoken numbers of three digits or more or a date ("null
  sieben eins eins", "dritter Mai"), as `speech.masking` masks them in transcripts;
- a personal name. Counted as a name: a capitalised word that follows a form of address
  or an introduction ("Herr Yilmaz", "Frau Schmidt", "ich heiße Anna", "mein Name ist
  Anna", "Mr Smith", "my name is Anna"), or two capitalised words in a row, not at the
  start of the phrase, neither of which occurs anywhere in the shipped catalogues
  ("bei Anna Schmidt"; "Jobcenter Backnang" is catalogue vocabulary and allowed);
- taking a phrase away from the emergency intent, or giving a phrase the hotline now
  recognises as an emergency another intent;
- an intent the catalogue does not have, other than "referral:<office>" for an office of
  the referral table (conversation/referrals.toml: "the Familienkasse decides this").

Conflicts (`conflicts`): every utterance of the shipped evaluation sets and every phrase
accepted before that is recognised correctly now and would be recognised as another
intent after the change. A change with conflicts needs an explicit confirmation. An
out-of-scope utterance that would now be referred to another office is no conflict: the
hotline tells that caller who decides instead of saying it did not understand.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from conversation.referrals import INTENT_PREFIX as REFERRAL
from conversation.referrals import load as load_referrals
from speech import recognise
from speech.catalogue import LANGUAGES, Catalogue, evaluation_set, extended
from speech.catalogue import load as load_catalogue
from speech.crisis import detect_crisis
from speech.masking import mask_numbers
from speech.normalise import fold

EMERGENCY = "emergency"
OUT_OF_SCOPE = "out_of_scope"
MAX_PHRASE_CHARS = 200

_EMAIL = re.compile(r"\S+@\S+|\S+\s+(?:at|ät)\s+\S+\s+(?:punkt|dot)\s+\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
# Words after which a capitalised word is a person's name.
_NAME_CUES = (
    ("herr",), ("herrn",), ("frau",), ("dr",), ("heiße",), ("heisse",), ("heiß",),
    ("name", "ist"), ("namens",), ("mr",), ("mrs",), ("ms",), ("miss",), ("name", "is"),
    ("called",), ("named",),
)


class Refused(ValueError):
    """A phrase or change the catalogue does not take; the message says why."""


@dataclass(frozen=True)
class Conflict:
    """An utterance recognised correctly now that the change would recognise differently."""

    text: str
    expected: str
    after: str
    source: str  # "evaluation" or "accepted"

    def as_dict(self) -> dict:
        return {"text": self.text, "expected": self.expected, "after": self.after,
                "source": self.source}


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word of the shipped catalogues, folded: what is not a name."""
    found: set[str] = set()
    for lang in LANGUAGES:
        catalogue = load_catalogue(lang)
        texts = list(catalogue.phrase_labels) + [kw.label for kw in catalogue.keywords]
        for text in texts:
            found.update(fold(w) for w in _WORD.findall(text))
        for variants, canon in catalogue.synonyms.items():
            found.update(variants)
            found.update(canon)
    return frozenset(found)


def name_in(phrase: str) -> str | None:
    """The first personal name in ``phrase`` (see the module docstring), or None."""
    words = _WORD.findall(phrase)
    folded = [fold(w) for w in words]
    vocabulary = _vocabulary()
    cues = [tuple(fold(c) for c in cue) for cue in _NAME_CUES]
    for i, word in enumerate(words):
        if word[0].isupper() and any(
                i >= len(cue) and tuple(folded[i - len(cue):i]) == cue for cue in cues):
            return word
    for i, word in enumerate(words[1:-1], 1):
        if (word[0].isupper() and words[i + 1][0].isupper()
                and folded[i] not in vocabulary and folded[i + 1] not in vocabulary):
            return f"{word} {words[i + 1]}"
    return None


def personal_data(phrase: str) -> str | None:
    """Why ``phrase`` may hold personal data, or None if it looks free of it."""
    if any(ch.isdigit() for ch in phrase):
        return "contains digits"
    if _EMAIL.search(phrase):
        return "contains an e-mail address"
    if mask_numbers(phrase) != phrase:
        return "contains a spoken number or date (a phone or customer number?)"
    name = name_in(phrase)
    if name:
        return f"contains a personal name ({name!r})"
    return None


def compiled(lang: str, phrases: list[tuple[str, str]]) -> Catalogue:
    """The shipped catalogue of ``lang`` with these (intent, phrase), referrals included."""
    return extended(lang, phrases, new_intents=sorted(
        {intent for intent, _ in phrases if intent.startswith(REFERRAL)}))


@functools.lru_cache(maxsize=4)
def offices_in(path: str | None = None) -> frozenset[str]:
    """The keys of the offices in the referral table at ``path`` (None: the shipped one)."""
    return frozenset(office.key for office in load_referrals(path or None).offices)


def plain_phrase(phrase: str, lang: str) -> str:
    """The phrase with its spaces evened out, or `Refused`: empty, too long, or in a
    language the hotline has no catalogue for."""
    phrase = " ".join(phrase.split())
    if not phrase:
        raise Refused("the phrase is empty")
    if len(phrase) > MAX_PHRASE_CHARS:
        raise Refused(f"the phrase is longer than {MAX_PHRASE_CHARS} characters")
    if lang not in LANGUAGES:
        raise Refused(f"unknown language {lang!r}")
    return phrase


def refuse_personal_data(phrase: str) -> None:
    """`Refused` if the phrase holds digits, a name or anything like personal data."""
    why = personal_data(phrase)
    if why:
        raise Refused(f"the phrase {why}; phrases are stored without personal data")


def check_phrase(phrase: str, intent: str, lang: str, catalogue: Catalogue,
                 offices: frozenset[str] | None = None) -> str:
    """The phrase as it will be stored, or `Refused` with the reason.

    ``offices``: the keys of the referral table's offices (default: the shipped table).
    """
    phrase = plain_phrase(phrase, lang)
    if intent.startswith(REFERRAL):
        if intent[len(REFERRAL):] not in (offices_in() if offices is None else offices):
            raise Refused(f"no office {intent[len(REFERRAL):]!r} in the referral table")
    elif intent not in catalogue.intents:
        raise Refused(f"unknown intent {intent!r}")
    refuse_personal_data(phrase)
    if intent != EMERGENCY:
        now = recognise(phrase, lang, catalogue=catalogue)
        if now.intent == EMERGENCY or detect_crisis(phrase, lang):
            raise Refused("the hotline recognises this phrase as an emergency; emergency "
                          "phrases are never given another intent")
    return phrase


def conflicts(lang: str, accepted: list[tuple[str, str]], before: Catalogue,
              after: Catalogue) -> list[Conflict]:
    """Utterances recognised correctly with ``before`` and differently with ``after``.

    ``accepted``: the phrases accepted before the change, (intent, phrase) each.
    """
    found: list[Conflict] = []
    labelled = [(i, t, "evaluation") for i, t in evaluation_set(lang)]
    labelled += [(i, t, "accepted") for i, t in accepted]
    for expected, text, source in labelled:
        if recognise(text, lang, catalogue=before).intent != expected:
            continue
        now = recognise(text, lang, catalogue=after).intent
        if now != expected and not (expected == OUT_OF_SCOPE and now.startswith(REFERRAL)):
            found.append(Conflict(text, expected, now, source))
    return found
