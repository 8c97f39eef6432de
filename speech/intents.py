"""Intent recognition: score every catalogue intent against a caller's words and explain it.

How it works (all local, no network):
1. The text is normalised (speech.normalise) and catalogue synonyms are applied.
2. Every catalogue keyword is searched in the words joined without spaces, so split
   compounds ("weiter bewilligung") and merged ones ("Terminabsage") both match.
   Overlaps go to the longest keyword ("Kindergeld" beats "Geld").
3. Long words that matched nothing are compared with RapidFuzz against the catalogue
   vocabulary, catching misheard words ("Weiterbewiligung").
4. The whole sentence is compared with RapidFuzz against the catalogue's example phrases.
5. The evidence per intent is turned into a calibrated score; weak or close results are
   flagged so the dialogue re-prompts or asks "A or B?" instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from speech.catalogue import (
    FUZZY_CUTOFF,
    PHRASE_CUTOFF,
    TIER_WEIGHTS,
    Catalogue,
    Keyword,
    apply_synonyms,
    load,
)
from speech.normalise import MAX_CHARS, join_separable, words

INTENTS: tuple[str, ...] = (
    "opening_hours", "application_status", "payment_status", "documents", "online_services",
    "book_appointment", "cancel_appointment", "reschedule_appointment", "report_change",
    "register_unemployed", "job_search", "emergency", "agent", "out_of_scope", "letter",
    "report_sick",
)
OUT_OF_SCOPE = "out_of_scope"

# Below this much evidence nothing in the catalogue really fits.
MIN_EVIDENCE = 2.0
# Score needed to act without asking back.
CONFIDENT_SCORE = 0.55
# A runner-up within this share of the winner's evidence makes the result ambiguous.
AMBIGUOUS_RATIO = 0.75
# Evidence at which the safety intent wins even against a stronger other intent: a
# caller who mentions hunger or eviction goes to an agent first, whatever else they say.
PRIORITY_EVIDENCE = 3.5
# Misheard words: RapidFuzz similarity (0-100) needed (FUZZY_CUTOFF, in speech.catalogue,
# which leaves out the stems that cannot reach it), and the share of weight kept.
FUZZY_DISCOUNT = 0.7
# Whole-phrase similarity (0-100) from which an example phrase adds evidence
# (PHRASE_CUTOFF, in speech.catalogue, which leaves out the phrases that cannot reach it).
PHRASE_WEIGHT = 4.0
# Evidence scale for the score: one strong keyword (or strong "a + b" combination)
# alone gives about 0.67, above CONFIDENT_SCORE; one medium word alone about 0.50,
# below it, so the caller is asked back.
EVIDENCE_SCALE = 3.6
# Softmax temperature for sharing probability between competing intents. A lone weak
# clue for another intent costs a strong clue little; a medium one makes it unsure.
TEMPERATURE = 1.0
# An intent that outranks another (catalogue "outranks") and has a strong clue of its
# own keeps the other below this share of its own evidence.
OUTRANK_SHARE = 0.5
STRONG = TIER_WEIGHTS["strong"]


@dataclass(frozen=True)
class Recognition:
    """What the caller wants, how sure we are, and why."""

    text: str
    intent: str
    score: float
    alternatives: tuple[tuple[str, float], ...]
    evidence: str
    confident: bool
    ambiguous: bool

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "intent": self.intent,
            "score": round(self.score, 3),
            "alternatives": [{"intent": i, "score": round(s, 3)} for i, s in self.alternatives],
            "evidence": self.evidence,
            "confident": self.confident,
            "ambiguous": self.ambiguous,
        }


class _Text:
    """The caller's words joined without spaces, with where each word starts and ends."""

    def __init__(self, tokens: list[str], endings: frozenset[str],
                 part_endings: dict[str, frozenset[str]] | None = None):
        self.tokens = tokens
        self.endings = endings
        self.part_endings = part_endings or {}
        self.joined = "".join(tokens)
        self.token_of: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        pos = 0
        for index, token in enumerate(tokens):
            self.starts.append(pos)
            pos += len(token)
            self.ends.append(pos)
            self.token_of.extend([index] * len(token))

    def candidate_positions(self):
        """Token starts, and positions inside a word after a compound head of 4+ letters."""
        for index, start in enumerate(self.starts):
            yield start
            yield from range(start + 4, self.ends[index] - 2)

    def accepts(self, part: str, pos: int) -> bool:
        """Whether ``part`` found at ``pos`` is a real word match, not an accident."""
        size = len(part)
        first = self.token_of[pos]
        last = self.token_of[pos + size - 1]
        at_start = pos == self.starts[first]
        if not at_start and last != first:
            return False                       # inside one word only
        rest = self.ends[last] - (pos + size)  # letters left in the last word
        if size <= 2:
            return at_start and rest == 0      # "da" is not "das"
        if size <= 4:
            # Short stems must start a word and end it up to an inflection
            # ("job" -> "jobs", but not "jobcenter", and "pass" is not "passt");
            # inside a compound they may end one ("buergergeld").
            if not at_start:
                return rest == 0
            end = self.ends[last]
            return self.joined[pos + size : end] in self.part_endings.get(part, self.endings)
        return True


def _find_parts(text: _Text, catalogue: Catalogue) -> dict[str, list[tuple[int, int]]]:
    found: dict[str, list[tuple[int, int]]] = {}
    joined = text.joined
    index = catalogue.prefix_index
    stems3, stems2 = catalogue.stems3, catalogue.stems2
    # At each position, the stems found there longest first (two stems found at one
    # position differ in length).
    for pos in text.candidate_positions():
        for part in index.get(joined[pos : pos + 4], ()):
            if joined.startswith(part, pos) and text.accepts(part, pos):
                found.setdefault(part, []).append((pos, pos + len(part)))
        for part, stems in ((joined[pos : pos + 3], stems3), (joined[pos : pos + 2], stems2)):
            if part in stems and text.accepts(part, pos):
                found.setdefault(part, []).append((pos, pos + len(part)))
    return found


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def _match_keywords(text: _Text, catalogue: Catalogue):
    """Accepted keyword matches, longest first, no two sharing a letter."""
    found = _find_parts(text, catalogue)
    if not found:
        return [], []
    candidates: list[tuple[int, Keyword, list[tuple[int, int]]]] = []
    placed: set[int] = set()
    have = found.keys()
    for part in found:
        for kw, rank, parts in catalogue.by_part_ranked[part]:
            if parts is None:
                # One stem: its first occurrence (what `_place` picks for it).
                candidates.append((rank, kw, [found[part][0]]))
            elif have >= parts and id(kw) not in placed:
                # A combination is placed once, at the first of its stems found.
                placed.add(id(kw))
                _place(kw, rank, found, candidates)
    candidates.sort(key=lambda c: -c[0])
    taken: list[tuple[int, int]] = []
    accepted: list[tuple[Keyword, list[tuple[int, int]]]] = []
    for _, kw, spans in candidates:
        if not any(_overlaps(s, taken) for s in spans):
            taken.extend(spans)
            accepted.append((kw, spans))
    return accepted, taken


def _place(kw: Keyword, rank: int, found, candidates) -> None:
    """Pick non-overlapping occurrences for each part of ``kw``, if there are any."""
    spans: list[tuple[int, int]] = []
    for part in kw.parts:
        free = [s for s in found[part] if not _overlaps(s, spans)]
        if not free:
            return
        spans.append(free[0])
    # Combinations rank above a single word of the same length: they say more (the
    # rank is kw.length + len(kw.parts) - 1, worked out with the catalogue).
    candidates.append((rank, kw, spans))


def _fuzzy_matches(text: _Text, taken: list[tuple[int, int]], catalogue: Catalogue):
    """Long words no keyword covered, matched to the nearest catalogue word."""
    out = []
    for index, token in enumerate(text.tokens):
        if len(token) < 7 or _overlaps((text.starts[index], text.ends[index]), taken):
            continue
        # Only the stems whose length leaves room for the similarity asked: the others
        # cannot be the answer, so the answer is the same.
        stems = catalogue.fuzzy_by_length.get(len(token))
        if not stems:
            continue
        hit = process.extractOne(token, stems, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if hit is not None:
            out.append((token, hit[0]))
    return out


def _score(evidence: float) -> float:
    return 1.0 - math.exp(-evidence / EVIDENCE_SCALE)


def recognise(text: str, lang: str = "de", catalogue: Catalogue | None = None) -> Recognition:
    """Which intent the caller's words mean, with a calibrated score and an explanation.

    ``catalogue`` defaults to the packaged one for ``lang``; pass another (from
    ``speech.catalogue.load(lang, directory)``) to try out an edited catalogue.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    catalogue = catalogue or load(lang)
    tokens = words(text, catalogue.lang)
    if catalogue.lang == "de":
        tokens = join_separable(tokens)
    tokens = apply_synonyms(tokens, catalogue.synonyms, starts=catalogue.synonym_starts)
    evidence: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    strongest: dict[str, float] = {}

    def add(intent: str, weight: float, reason: str) -> None:
        evidence[intent] = evidence.get(intent, 0.0) + weight
        strongest[intent] = max(strongest.get(intent, 0.0), weight)
        reasons.setdefault(intent, []).append(reason)

    shared: list[tuple[dict[str, float], float, str]] = []

    def clue(kw: Keyword, factor: float, reason: str) -> None:
        if len(kw.weights) > 1:
            shared.append((kw.weights, factor, reason))  # decided once the rest is known
        else:
            for intent, weight in kw.weights.items():
                add(intent, weight * factor, reason)

    if tokens:
        view = _Text(tokens, catalogue.endings, catalogue.part_endings)
        accepted, taken = _match_keywords(view, catalogue)
        for kw, _ in accepted:
            clue(kw, 1.0, f"'{kw.label.strip()}'")
        for token, stem in _fuzzy_matches(view, taken, catalogue):
            kw = catalogue.single[stem]
            clue(kw, FUZZY_DISCOUNT, f"'{token}'~'{kw.label.strip()}'")
        sentence = " ".join(tokens)
        # Only the phrases whose length leaves room for the similarity asked, by their
        # index: the others cannot be among the answers, so the answers are the same.
        near = catalogue.phrases_by_length.get(len(sentence))
        similar = process.extract(sentence, near, scorer=fuzz.ratio, limit=3,
                                  score_cutoff=PHRASE_CUTOFF) if near else []
        for _, similarity, i in similar:
            intent = catalogue.phrase_intents[i]
            weight = PHRASE_WEIGHT * (similarity - PHRASE_CUTOFF) / (100.0 - PHRASE_CUTOFF)
            if intent not in reasons or not any(r.startswith("phrase") for r in reasons[intent]):
                add(intent, weight, f"phrase \"{catalogue.phrase_labels[i]}\" ({similarity:.0f}%)")
    # A word several intents share ("Termin": book, cancel or move) is no evidence for one
    # of them against the others. It goes to whichever of its intents the rest of the
    # sentence supports most ("Termin ... sage ab" -> cancel), or to all of them if
    # nothing else was said.
    own = dict(evidence)
    for weights, factor, reason in shared:
        best = max(own.get(i, 0.0) for i in weights)
        for intent, weight in weights.items():
            if best <= 0.0 or own.get(intent, 0.0) >= best:
                add(intent, weight * factor, reason)
    for intent, beaten in catalogue.outranks.items():
        if strongest.get(intent, 0.0) < STRONG:
            continue
        for other in beaten:
            cap = OUTRANK_SHARE * evidence[intent]
            if evidence.get(other, 0.0) > cap:
                evidence[other] = cap
                reasons[other].append(f"outranked by {intent}")
    return _decide(text, evidence, reasons, catalogue)


def _decide(text: str, evidence: dict[str, float], reasons: dict[str, list[str]],
            catalogue: Catalogue) -> Recognition:
    ranked = sorted(evidence.items(), key=lambda kv: -kv[1])
    priority = catalogue.priority_intent
    if priority and evidence.get(priority, 0.0) >= PRIORITY_EVIDENCE and ranked[0][0] != priority:
        ranked.sort(key=lambda kv: (kv[0] != priority, -kv[1]))
    if not ranked:
        # Nothing said (or only noise): not a decision to act on, the dialogue re-prompts.
        return Recognition(text, OUT_OF_SCOPE, 0.0, (), "nothing recognisable said",
                           confident=False, ambiguous=False)
    if ranked[0][1] < MIN_EVIDENCE:
        guesses = tuple((i, round(_score(e) * 0.5, 3)) for i, e in ranked[:3] if i != OUT_OF_SCOPE)
        why = f"nothing in the catalogue fits (weak: {ranked[0][0]} via " \
              f"{', '.join(reasons[ranked[0][0]])})"
        return Recognition(text, OUT_OF_SCOPE, round(1.0 - _score(ranked[0][1]), 3), guesses,
                           why, confident=False, ambiguous=False)
    top_intent, top = ranked[0]
    # Probability shared among competing intents (softmax), times how much evidence
    # there is at all: a lone weak clue never reaches a high score.
    exps = {i: math.exp((e - top) / TEMPERATURE) for i, e in ranked}
    total = sum(exps.values())
    scores = {i: _score(e) * exps[i] / total for i, e in ranked}
    alternatives = tuple((i, round(scores[i], 3)) for i, _ in ranked[1:4])
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    ambiguous = runner_up >= MIN_EVIDENCE and runner_up >= AMBIGUOUS_RATIO * top
    if top_intent == priority and evidence[priority] >= PRIORITY_EVIDENCE:
        ambiguous = False  # never ask a caller in need to choose
        scores[top_intent] = max(scores[top_intent], _score(evidence[priority]))
    score = round(scores[top_intent], 3)
    return Recognition(
        text=text,
        intent=top_intent,
        score=score,
        alternatives=alternatives,
        evidence=f"{top_intent}: " + ", ".join(reasons[top_intent]),
        confident=score >= CONFIDENT_SCORE and not ambiguous,
        ambiguous=ambiguous,
    )
