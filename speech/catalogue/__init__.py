"""The intent catalogue: load the per-language TOML files and compile them for matching.

The TOML files next to this module are data that job-centre staff edit; this module
turns them, once per process, into lookup tables the recogniser scans in microseconds.
`extended` adds phrases that supervisors accepted (the app's live layer, handed in by
the caller: this package never reads the database), and `evaluation_set` reads the
labelled utterances that ship with the package, to try a change out before it is made.
"""

from __future__ import annotations

import copy
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from speech.normalise import fold, join_separable, words
from speech.scripts import CYRILLIC_LETTERS, key

CATALOGUE_DIR = Path(__file__).parent
# Labelled utterances (intent<TAB>utterance) that ship with the package, per language.
EVALUATION_DIR = Path(__file__).parent.parent / "evaluation"
LANGUAGES = ("de", "en", "uk", "ru", "tr", "ar")

# Evidence each tier adds to an intent. A strong keyword on its own names the intent;
# a medium one needs company; a weak one only tips a balance.
TIER_WEIGHTS = {"strong": 4.0, "medium": 2.5, "weak": 1.2}

# German inflection endings stripped from a keyword so that "absagen" also matches
# "absage" and "termine" matches "termin". "-er" and "-s" are kept: stripping them
# would make "berater" match "beratung" and "nachweis" match "nachweise..." wrongly.
_ENDINGS = ("en", "es", "em", "e")
# What may follow a short keyword (up to four letters) at the start of a word:
# "job" matches "jobs" but not "jobcenter". A catalogue names its own in
# [meta] endings (Turkish "para" -> "param", Russian "срок" -> "срока").
SHORT_ENDINGS = frozenset({"", "s", "e", "n", "en", "er", "es", "ern"})


class CatalogueError(ValueError):
    """A catalogue file is malformed."""


@dataclass(frozen=True)
class Keyword:
    """One keyword (or the parts of an "a + b" combination) and what it is worth."""

    label: str                      # as written in the catalogue, for explanations
    parts: tuple[str, ...]          # matchable stems, joined without spaces
    weights: dict[str, float] = field(hash=False, compare=False)

    @property
    def length(self) -> int:
        return sum(len(p) for p in self.parts)


@dataclass(frozen=True)
class Catalogue:
    """A compiled catalogue for one language."""

    lang: str
    intents: tuple[str, ...]
    keywords: tuple[Keyword, ...]
    phrases: tuple[str, ...]             # canonical phrase texts
    phrase_intents: tuple[str, ...]      # intent of each phrase, same order
    phrase_labels: tuple[str, ...]       # phrase as written, for explanations
    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    single: dict[str, Keyword]                  # one-part keywords by their stem
    hints: tuple[str, ...]
    priority_intent: str | None
    # intent -> intents it beats when it has a strong clue of its own: "hochladen"
    # (online_services) is the real request in "Unterlagen hochladen" (documents).
    outranks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    endings: frozenset[str] = SHORT_ENDINGS
    # short stem -> what may follow it, where that is not `endings`: a Russian or
    # Ukrainian stem whose last letter the ending changes (see `_boundary_safe`).
    part_endings: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    # Worked out from the keywords once, for the recogniser's scan of every turn:
    # stem -> (keyword, its rank, its stems if it has several) for each keyword that
    # contains it, in the keywords' order (speech.intents._match_keywords);
    by_part_ranked: dict[str, tuple[tuple[Keyword, int, frozenset[str] | None], ...]] = \
        field(default_factory=dict, compare=False)
    # the length of a word -> the long one-part stems (seven letters or more, for
    # misheard words) near enough in length to be similar enough to it, in alphabetical
    # order (speech.intents._fuzzy_matches);
    fuzzy_by_length: dict[int, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # the length of a sentence -> the `phrases` near enough in length, by their index;
    phrases_by_length: dict[int, dict[int, str]] = field(default_factory=dict, compare=False)
    # the first words of the `synonyms`;
    synonym_starts: frozenset[str] = frozenset()
    # stems of four letters or more by their first four, longest first, and the stems
    # of three and of two letters (speech.intents._find_parts).
    prefix_index: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    stems3: frozenset[str] = frozenset()
    stems2: frozenset[str] = frozenset()


def stem(text: str, lang: str) -> str:
    """A keyword's matchable form: canonical words joined, inflection ending removed."""
    return stem_words(words(text, lang), lang)


def stem_words(tokens: list[str], lang: str) -> str:
    joined = "".join(tokens)
    if lang == "de":
        for ending in _ENDINGS:
            if joined.endswith(ending) and len(joined) - len(ending) >= 5:
                return joined[: -len(ending)]
    elif lang == "en" and joined.endswith("s") and len(joined) >= 5 and not joined.endswith("ss"):
        return joined[:-1]
    return joined


def apply_synonyms(tokens: list[str], synonyms: dict[tuple[str, ...], tuple[str, ...]],
                   longest: int = 3, starts: frozenset[str] | None = None) -> list[str]:
    """Replace synonym word sequences (longest first) by their canonical words.
    ``starts``: the synonyms' first words (`Catalogue.synonym_starts`), when known; a
    word that starts none of them is passed over at once."""
    if not synonyms:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if starts is not None and tokens[i] not in starts:
            out.append(tokens[i])
            i += 1
            continue
        for size in range(min(longest, len(tokens) - i), 0, -1):
            replacement = synonyms.get(tuple(tokens[i : i + size]))
            if replacement is not None:
                out.extend(replacement)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _compile(lang: str, data: dict) -> Catalogue:
    intents_data = data.get("intents")
    if not isinstance(intents_data, dict) or not intents_data:
        raise CatalogueError(f"{lang}.toml: no [intents.*] tables")

    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for canon, variants in data.get("synonyms", {}).items():
        target = tuple(words(canon, lang))
        for variant in variants:
            synonyms[tuple(words(variant, lang))] = target

    endings = _endings(lang, data)
    part_endings: dict[str, set[str]] = {}

    def canonical_stem(text: str) -> str:
        stem = stem_words(apply_synonyms(words(text, lang), synonyms), lang)
        # Several words are written whole ("как доехать"); one word may be a stem.
        if lang in ("ru", "uk") and len(text.split()) == 1:
            stem = _boundary_safe(stem, lang, data, part_endings)
        return stem

    by_parts: dict[tuple[str, ...], Keyword] = {}
    phrases: list[str] = []
    phrase_intents: list[str] = []
    phrase_labels: list[str] = []
    hints: list[str] = []
    priority = None
    outranks: dict[str, tuple[str, ...]] = {}
    for intent, spec in intents_data.items():
        if spec.get("priority"):
            priority = intent
        if spec.get("outranks"):
            outranks[intent] = tuple(spec["outranks"])
        hints.extend(spec.get("hints", []))
        for tier, weight in TIER_WEIGHTS.items():
            for label in spec.get(tier, []):
                parts = tuple(canonical_stem(p) for p in label.split("+"))
                if any(len(p) < 2 for p in parts):
                    raise CatalogueError(f"{lang}.toml: keyword {label!r} in {intent} is too short")
                kw = by_parts.setdefault(parts, Keyword(label, parts, {}))
                kw.weights[intent] = max(kw.weights.get(intent, 0.0), weight)
        for phrase in spec.get("phrases", []):
            tokens = words(phrase, lang)
            if lang == "de":
                tokens = join_separable(tokens)
            text = " ".join(apply_synonyms(tokens, synonyms))
            if text:
                phrases.append(text)
                phrase_intents.append(intent)
                phrase_labels.append(phrase)

    keywords = tuple(by_parts.values())
    by_part: dict[str, list[Keyword]] = {}
    for kw in keywords:
        for part in kw.parts:
            if kw not in by_part.setdefault(part, []):
                by_part[part].append(kw)
    fuzzy = tuple(sorted({kw.parts[0] for kw in keywords if len(kw.parts) == 1
                          and len(kw.parts[0]) >= 7}))
    by_part_ranked = {
        part: tuple((kw, kw.length + len(kw.parts) - 1,
                     frozenset(kw.parts) if len(kw.parts) > 1 else None) for kw in kws)
        for part, kws in by_part.items()}
    return Catalogue(
        lang=lang,
        intents=tuple(intents_data),
        keywords=keywords,
        phrases=tuple(phrases),
        phrase_intents=tuple(phrase_intents),
        phrase_labels=tuple(phrase_labels),
        synonyms=synonyms,
        single={kw.parts[0]: kw for kw in keywords if len(kw.parts) == 1},
        hints=tuple(dict.fromkeys(hints)),
        priority_intent=priority,
        outranks=outranks,
        endings=endings,
        part_endings={part: frozenset(rest) for part, rest in part_endings.items()},
        by_part_ranked=by_part_ranked,
        fuzzy_by_length={size: tuple(fuzzy[i] for i in near)
                         for size, near in _near_in_length(fuzzy, FUZZY_CUTOFF).items()},
        phrases_by_length={size: {i: phrases[i] for i in near}
                           for size, near in _near_in_length(phrases, PHRASE_CUTOFF).items()},
        synonym_starts=frozenset(variant[0] for variant in synonyms if variant),
        prefix_index=_by_prefix(p for p in by_part if len(p) >= 4),
        stems3=frozenset(p for p in by_part if len(p) == 3),
        stems2=frozenset(p for p in by_part if len(p) == 2),
    )


def _by_prefix(stems: Iterable[str]) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for stem in stems:
        table.setdefault(stem[:4], []).append(stem)
    return {prefix: tuple(sorted(found, key=len, reverse=True))
            for prefix, found in table.items()}


# How similar (0-100, RapidFuzz's ratio) a misheard word must be to a catalogue stem,
# and a caller's whole sentence to an example phrase, to count (speech.intents).
FUZZY_CUTOFF = 86.0
PHRASE_CUTOFF = 82.0


def _near_in_length(texts: list[str] | tuple[str, ...], cutoff: float
                    ) -> dict[int, tuple[int, ...]]:
    """For each length of what a caller said, the `texts` (by their index, in order)
    whose length leaves room for the similarity `cutoff` asks; a length not in the
    table has none.
    The ratio is 100 * (1 - d / (a + b)) for strings of a and b letters d edits
    (insertions and deletions) apart, and d is at least the difference in length, so a
    text much longer or shorter cannot reach the cut-off and RapidFuzz need not be asked
    about it. One point of margin for rounding."""
    lengths = {len(text) for text in texts}
    table: dict[int, tuple[int, ...]] = {}
    for size in range(1, 2 * max(lengths, default=0) + 1):
        near = {other for other in lengths
                if 100.0 * (1 - abs(size - other) / (size + other)) >= cutoff - 1}
        if near:
            table[size] = tuple(i for i, text in enumerate(texts) if len(text) in near)
    return table


# A stem of this many letters (as matched) or more may be followed by anything.
LONG_STEM = 5


def _boundary_safe(stem: str, lang: str, data: dict, part_endings: dict[str, set[str]]) -> str:
    """The part of a Russian or Ukrainian stem that every inflected form keeps.

    The Latin key of a word is not always its stem's key plus its ending's: the "i" of
    a stem before a vowel is dropped ("решени" is "resheni", but "решение" "reshene")
    and a "t" before "s" becomes "c" ("записат", "записаться" "zapisaca"); and so the
    stem must end before the letters the next one can change. A long stem is cut back
    to what it shares with itself followed by any letter (if that stays long); a short
    one to what it shares with itself followed by each listed ending, and what follows
    that in each form is recorded in ``part_endings`` (for "копи": "копия", "копию").
    """
    if len(stem) >= LONG_STEM:
        forms = [key(stem + letter, lang) for letter in ("", *CYRILLIC_LETTERS)]
        safe = _common_prefix(forms)
        return safe if len(safe) >= LONG_STEM else stem
    listed = [fold(ending) for ending in data.get("meta", {}).get("endings") or ()]
    forms = [key(stem + ending, lang) for ending in ("", *listed)]
    safe = _common_prefix(forms)
    if len(safe) < 3 or not listed:
        return stem
    part_endings.setdefault(safe, set()).update(form[len(safe):] for form in forms)
    return safe


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def _endings(lang: str, data: dict) -> frozenset[str]:
    listed = data.get("meta", {}).get("endings")
    if not listed:
        return SHORT_ENDINGS
    return frozenset({"".join(words(ending, lang)) for ending in listed} | {""})


_cache: dict[tuple[str, Path], Catalogue] = {}
_raw: dict[tuple[str, Path], dict] = {}
_lock = threading.Lock()


def _read(lang: str, directory: Path) -> dict:
    key = (lang, directory)
    data = _raw.get(key)
    if data is None:
        path = directory / f"{lang}.toml"
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path}: {exc}") from exc
        _raw[key] = data
    return data


def load(lang: str = "de", directory: Path = CATALOGUE_DIR) -> Catalogue:
    """The compiled catalogue for ``lang``, read from ``directory`` once per process."""
    if lang not in LANGUAGES:
        lang = "de"
    key = (lang, directory)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _cache:
            _cache[key] = _compile(lang, _read(lang, directory))
        return _cache[key]


def extended(lang: str, phrases: list[tuple[str, str]],
             directory: Path = CATALOGUE_DIR, new_intents: Iterable[str] = ()) -> Catalogue:
    """The catalogue for ``lang`` with more example phrases, ``(intent, phrase)`` each.

    ``new_intents``: intents the catalogue does not have, known by these phrases alone
    (the app's own, e.g. another office the job centre refers callers to). Not cached:
    the caller keeps the result as long as its phrases stay the same. Any other intent
    the catalogue does not know is a `CatalogueError`.
    """
    if not phrases:
        return load(lang, directory)
    if lang not in LANGUAGES:
        lang = "de"
    with _lock:
        data = copy.deepcopy(_read(lang, directory))
    intents = data["intents"]
    for intent in new_intents:
        intents.setdefault(intent, {})
    for intent, phrase in phrases:
        if intent not in intents:
            raise CatalogueError(f"{lang}: no intent {intent!r}")
        intents[intent].setdefault("phrases", []).append(phrase)
    return _compile(lang, data)


def evaluation_set(lang: str) -> list[tuple[str, str]]:
    """The labelled utterances that ship with the package for ``lang``: (intent, text)."""
    rows: list[tuple[str, str]] = []
    for path in sorted(EVALUATION_DIR.glob(f"intents_*_{lang}.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                intent, text = line.split("\t", 1)
                rows.append((intent.strip(), text.strip()))
    return rows
