"""Short answers: yes/no, sites, and conversational commands (repeat, back, goodbye...)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from speech.normalise import fold

# Phrases are matched on folded words (ä -> ae, ß -> ss), whole words only.
_NO = {
    "de": [
        "nein",
        "nee",
        "ne",
        "noe",
        "noi",
        "na",
        "neee",
        "lieber nicht",
        "eher nicht",
        "besser nicht",
        "auf keinen fall",
        "passt nicht",
        "passt net",
        "passt mir nicht",
        "stimmt nicht",
        "stimmt net",
        "nicht richtig",
        "falsch",
        "nein danke",
        "geht nicht",
        "geht net",
        "keinesfalls",
        "auf gar keinen fall",
        "nicht so gut",
        "des passt net",
        # "Das geht auch nicht" after a first refusal, in Swabian too.
        "auch nicht",
        "auch net",
        "au net",
        "au ned",
        "au nit",
        "ned",
    ],
    "en": [
        "no",
        "nope",
        "nah",
        "not really",
        "rather not",
        "wrong",
        "incorrect",
        "no thanks",
        "no thank you",
        "that is wrong",
        "not right",
        "negative",
        "does not suit",
        "does not work",
        "that does not work",
        "not at all",
        "i do not think so",
    ],
}
_YES = {
    "de": [
        "ja",
        "jo",
        "joa",
        "jap",
        "jawohl",
        "jaja",
        "genau",
        "passt",
        "passt scho",
        "passt schon",
        "richtig",
        "korrekt",
        "stimmt",
        "gerne",
        "gern",
        "okay",
        "ok",
        "einverstanden",
        "auf jeden fall",
        "sicher",
        "klar",
        "freilich",
        "in ordnung",
        "machen wir",
        "gut",
        "sehr gut",
        "das passt",
        "des passt",
        "perfekt",
        "prima",
        "super",
        "ja bitte",
        "natuerlich",
        "bestaetigt",
        "bestaetigen",
        "jawoll",
        "allerdings",
    ],
    "en": [
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "correct",
        "right",
        "okay",
        "ok",
        "fine",
        "that is right",
        "sounds good",
        "absolutely",
        "of course",
        "please do",
        "perfect",
        "great",
        "confirm",
        "agreed",
        "definitely",
        "alright",
        "good",
    ],
}
_COMMANDS = {
    "de": [
        (
            "english",
            [
                "englisch",
                "english",
                "auf englisch",
                "in englisch",
                "kein deutsch",
                "nicht deutsch",
                "spreche kein deutsch",
                "verstehe kein deutsch",
            ],
        ),
        (
            "german",
            ["auf deutsch", "deutsch bitte", "in deutsch", "deutsch sprechen", "auf deutsch bitte"],
        ),
        (
            "agent",
            [
                "mitarbeiter",
                "mitarbeiterin",
                "mensch",
                "menschen",
                "person",
                "verbinden",
                "durchstellen",
                "berater",
                "beraterin",
                "sachbearbeiter",
                "sachbearbeiterin",
                "echte person",
                "zentrale",
            ],
        ),
        (
            "repeat",
            [
                "nochmal",
                "noch mal",
                "noch einmal",
                "nochmals",
                "wiederholen",
                "wiederholung",
                "wie bitte",
                "bitte was",
                "was haben sie gesagt",
                "nicht verstanden",
                "hab ich nicht verstanden",
                "wie war das",
                "langsamer",
                "widerholen",
            ],
        ),
        (
            "back",
            [
                "zurueck",
                "zurck",
                "zurueckgehen",
                "vorheriges menue",
                "hauptmenue",
                "von vorne",
                "nochmal von vorne",
                "zum anfang",
                "anfang",
                "menue",
                "zurueck bitte",
            ],
        ),
        (
            "goodbye",
            [
                "tschuess",
                "tschues",
                "tschau",
                "ciao",
                "auf wiederhoeren",
                "auf wiedersehen",
                "wiederhoeren",
                "ade",
                "adele",
                "servus",
                "bye",
                "das wars",
                "das war es",
                "das war alles",
                "nichts mehr",
                "danke das wars",
                "schoenen tag noch",
                "auflegen",
                "ich lege auf",
            ],
        ),
    ],
    "en": [
        (
            "english",
            [
                "english",
                "in english",
                "english please",
                "speak english",
                "no german",
                "do not speak german",
            ],
        ),
        ("german", ["german", "in german", "deutsch", "auf deutsch", "german please"]),
        (
            "agent",
            [
                "agent",
                "human",
                "person",
                "operator",
                "representative",
                "real person",
                "somebody",
                "someone",
                "advisor",
                "adviser",
                "staff",
            ],
        ),
        (
            "repeat",
            [
                "repeat",
                "say that again",
                "again",
                "pardon",
                "come again",
                "sorry what",
                "what did you say",
                "did not understand",
                "once more",
                "one more time",
            ],
        ),
        (
            "back",
            ["back", "go back", "previous", "main menu", "start over", "from the start", "menu"],
        ),
        (
            "goodbye",
            [
                "bye",
                "goodbye",
                "good bye",
                "bye bye",
                "that is all",
                "that is it",
                "nothing else",
                "see you",
                "hang up",
                "thanks bye",
                "cheers",
            ],
        ),
    ],
}

SITES = ("waiblingen", "backnang", "schorndorf")
# What recognisers make of the three site names on a bad line.
_SITE_VARIANTS = {
    "waiblingen": [
        "waiblingen",
        "weiblingen",
        "waiblinge",
        "weiblinge",
        "waibling",
        "weibling",
        "vaiblingen",
        "waiblingn",
        "waiblinger",
        "wablingen",
        "weiblingen",
        "waib lingen",
        "wei blingen",
        "wein lingen",
        "weinlingen",
        "waiblig",
    ],
    "backnang": [
        "backnang",
        "backnan",
        "baknang",
        "bagnang",
        "backnank",
        "backnag",
        "back nang",
        "back nan",
        "packnang",
        "backenang",
        "backnung",
        "backnanger",
        "backmann",
    ],
    "schorndorf": [
        "schorndorf",
        "schondorf",
        "schorendorf",
        "schorndorff",
        "schorndorv",
        "schorn dorf",
        "schorndof",
        "schorrndorf",
        "schorndorfer",
        "shorndorf",
        "schon dorf",
        "schorndorp",
    ],
}


def _phrases_in(said: str, phrases: re.Pattern) -> bool:
    """Whether one of `phrases` (`_any_of`) is in `said` (`_padded`), as whole words."""
    return phrases.search(said) is not None


def _padded(words: list[str] | tuple[str, ...]) -> str:
    """Words with a space before, between and after them: a phrase in this form is in
    another only as whole words."""
    return f" {' '.join(words)} "


def _any_of(phrases: list[str]) -> re.Pattern:
    """One expression that finds any of `phrases`, `_padded`, in `_padded` words: one
    search instead of a look for each phrase."""
    return re.compile("|".join(re.escape(_padded([p])) for p in phrases) or "(?!)")


# The phrases above as one expression per list, worked out once.
_NO_PADDED = {lang: _any_of(phrases) for lang, phrases in _NO.items()}
_YES_PADDED = {lang: _any_of(phrases) for lang, phrases in _YES.items()}
_COMMANDS_PADDED = {lang: [(command, _any_of(phrases)) for command, phrases in table]
                    for lang, table in _COMMANDS.items()}
_GERMAN = ["deutsch", "auf deutsch", "deutsch bitte"]  # asked for in another language
_GERMAN_PADDED = _any_of(_GERMAN)


def _every_command_phrase(lang: str) -> list[str]:
    """What `find_command` looks for in `lang`: its commands, and English asked for in
    German or German in any other language."""
    also = _COMMANDS["en"][:2] if lang == "de" else [("german", _GERMAN)]
    return [phrase for _, phrases in [*_COMMANDS[lang], *also] for phrase in phrases]


# Whether any command `find_command` looks for is there at all: most turns say none, and
# then one search answers instead of one per command (measured: a third of the cost of
# a turn's reply without it).
_ANY_COMMAND = {lang: _any_of(_every_command_phrase(lang)) for lang in _COMMANDS}


# A yes or no is an answer when the turn is short or starts with it; deep inside a
# sentence ("ich hätte gern einen Termin") "gern" is not a reply to a question.
_SHORT_TURN = 6
_ANSWER_LEAD = 2


def find_answer(words: list[str], lang: str = "de") -> str | None:
    """ "yes" or "no" when the caller clearly says one of them, else None."""
    lang = lang if lang in _YES else "de"
    if len(words) > _SHORT_TURN:
        lead = _padded(words[:_ANSWER_LEAD])
        if _phrases_in(lead, _NO_PADDED[lang]):
            return "no"
        return "yes" if _phrases_in(lead, _YES_PADDED[lang]) else None
    said = _padded(words)
    if _phrases_in(said, _NO_PADDED[lang]):
        return "no"  # "passt nicht" contains "passt": a no wins over the yes inside it
    if _phrases_in(said, _YES_PADDED[lang]):
        return "yes"
    return None


# An offer refused in a longer sentence, anywhere in it ("Oh je, das passt mir leider gar
# nicht", "I'm afraid I can't make that"), matched on the canonical words.
_REFUSALS = {
    "de": re.compile(r"\b(?:passt|geht|kann ich|schaffe ich)(?: \w+){0,3} nicht\b"),
    "en": re.compile(r"\bcan not (?:make|do|come)\b|\b(?:does|do|will) not (?:\w+ )?"
                     r"(?:suit|work)\b|\bafraid not\b|\bno good\b|\bnot possible\b"),
}


def find_refusal(words: list[str], lang: str = "de") -> bool:
    """Whether the caller refuses what was offered, anywhere in a turn of any length."""
    return _REFUSALS["en" if lang == "en" else "de"].search(" ".join(words)) is not None


# "Herrgott nochmal!", "Mensch nochmal": an oath, no wish to hear the question again.
_OATHS = re.compile(r"\b(?:herrgott|herrgottzeiten|gott|mensch|verdammt|zefix|kruzifix|"
                    r"himmel|sakra|menschenskind|donnerwetter)( noch)? ?mal\b")


def find_command(words: list[str], lang: str = "de") -> str | None:
    """A conversational command: repeat, back, goodbye, agent, english or german."""
    lang = lang if lang in _COMMANDS else "de"
    if lang == "de":
        joined = " ".join(words)
        if "mal" in joined:  # (every oath ends in "mal")
            words = _OATHS.sub(" ", joined).split()
    said = _padded(words)
    if not _phrases_in(said, _ANY_COMMAND[lang]):
        return None
    for command, phrases in _COMMANDS_PADDED[lang]:
        if _phrases_in(said, phrases):
            return command
    if lang == "de":
        # "English please" said to the German menu
        for command, phrases in _COMMANDS_PADDED["en"][:2]:
            if _phrases_in(said, phrases):
                return command
    elif _phrases_in(said, _GERMAN_PADDED):
        return "german"
    return None


_VARIANT_TO_SITE = {v.replace(" ", ""): site for site, vs in _SITE_VARIANTS.items() for v in vs}
_VARIANT_KEYS = tuple(_VARIANT_TO_SITE)


def find_site(words: list[str]) -> str | None:
    """Which of the three sites the caller wants, tolerating misrecognitions.

    A site ruled out ("nicht Backnang", "not Backnang") is not wanted; of the others the
    last one named counts: "in Waiblingen, ach nein, Schorndorf" is Schorndorf.
    """
    found = _sites_named(words, exact=True) or _sites_named(words, exact=False)
    wanted = [site for at, site in found if not _ruled_out(words, at)]
    return wanted[-1] if wanted else None


def _sites_named(words: list[str], exact: bool) -> list[tuple[int, str]]:
    """(position, site) for each site named, by a known variant or (not `exact`) nearly."""
    found = []
    for at, word in enumerate(words):
        pair = word + words[at + 1] if at + 1 < len(words) else ""
        for candidate in (word, pair) if pair else (word,):
            if exact and candidate in _VARIANT_TO_SITE:
                found.append((at, _VARIANT_TO_SITE[candidate]))
                break
            if not exact and len(candidate) >= 6:
                hit = process.extractOne(candidate, _VARIANT_KEYS, scorer=fuzz.ratio,
                                         score_cutoff=82)
                if hit is not None:
                    found.append((at, _VARIANT_TO_SITE[hit[0]]))
                    break
    return found


# Words that rule out what follows them: "nicht (in) Backnang", "not Backnang"; the
# prepositions and articles between them do not count.
_NEGATIONS = frozenset({"nicht", "net", "kein", "keine", "not", "statt", "anstatt",
                        "ausser"})


_LINKS = frozenset({"in", "nach", "im", "am", "der", "die", "das", "at", "to", "the"})


def _ruled_out(words: list[str], at: int) -> bool:
    """A negation right before the site, or before its preposition ("nicht in Backnang")."""
    at -= 1
    while at >= 0 and words[at] in _LINKS:
        at -= 1
    return at >= 0 and words[at] in _NEGATIONS


def folded_words(text: str) -> list[str]:
    return fold(text).split()
