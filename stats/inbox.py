"""The review inbox: what callers said that the hotline missed, was unsure of or guessed
wrong, grouped by similarity for a supervisor to teach it (README: "Supervisors teach").

Three kinds, each a turn whose words are still kept (purging removes older ones):
- `not_understood`: as counted on the dashboard (`store.NOT_UNDERSTOOD_SQL`), except a
  "nein" to the hotline's guess: that answer was understood (it is the guess that goes
  to `denied`);
- `unsure`: understood with low confidence: the hotline asked back ("Es geht um A,
  richtig?", event `confirm`; "A oder B?", event `clarify`) and the caller did not say no;
- `denied`: the hotline asked "Habe ich Sie richtig verstanden?" and the caller said no
  (the next turn's event is `confirm:no`, answered with "Worum geht es dann?").

Each group has its count, languages, the intents the hotline guessed, its variants (each
with the turns it was said in, so a supervisor can deal with one of them alone) and a
few example calls with the turn before and the two after. Words are shown as on the
dashboard: digit runs and spoken numbers masked; the hotline's sentences too (they read
back numbers). Utterances a supervisor has dealt with (`teaching.marks`) are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process, utils
from sqlite_utils import Database

from routing.store import utc_text
from teaching import marks as review_marks

from .figures import SIMILAR, mask_digits
from .store import NOT_UNDERSTOOD_SQL

KINDS = ("not_understood", "unsure", "denied")
MAX_TURNS = 5000  # the most recent turns of each kind read for grouping
EXAMPLES = 3  # example calls shown per group
MAX_VARIANTS = 12
BEFORE, AFTER = 1, 2  # turns shown around the one in question

_ASKED_BACK = "t.event IN ('confirm', 'clarify')"
_DENIED = ("EXISTS (SELECT 1 FROM turns n WHERE n.call_sid = t.call_sid"
           " AND n.turn = t.turn + 1 AND n.event = 'confirm:no')")
_WHERE = {
    "not_understood": f"{NOT_UNDERSTOOD_SQL} AND COALESCE(t.event, '') != 'confirm:no'",
    "unsure": f"{_ASKED_BACK} AND NOT {_DENIED}",
    "denied": f"{_ASKED_BACK} AND {_DENIED}",
}


@dataclass
class Variant:
    """The same words (after normalising) in one language, and every turn they were said in."""

    text: str
    lang: str
    normalised: str
    turns: list[int] = field(default_factory=list)  # turns.id, newest first

    @property
    def count(self) -> int:
        return len(self.turns)


@dataclass
class Group:
    """Similar utterances of one kind."""

    kind: str
    variants: list[Variant]
    languages: Counter
    guessed: Counter  # intent the hotline took it for -> turns
    last: str
    examples: list[list[dict]] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)  # (call, turn), by variant

    @property
    def example(self) -> Variant:
        return self.variants[0]

    @property
    def count(self) -> int:
        return sum(v.count for v in self.variants)

    @property
    def turns(self) -> list[int]:
        return [t for v in self.variants for t in v.turns]


def normalise(text: str) -> str:
    """The words as they are grouped and recognised again: masked, lower case, no marks."""
    return utils.default_process(mask_digits(text.strip()))


def groups(db: Database, kind: str, now: datetime, days: int = 30,
           secret: str | None = None) -> list[Group]:
    """The kind's groups of the last ``days`` days, largest first, without those dealt with.

    ``secret``: the key of `teaching.marks.key` (default: the app's HOTLINE_HASH_KEY).
    """
    rows = db.execute(
        f"SELECT t.id, t.call_sid, t.turn, COALESCE(c.lang, 'de'), t.speech, t.intent, t.at"
        f" FROM turns t JOIN calls c ON c.call_sid = t.call_sid"
        f" WHERE t.at >= ? AND t.speech IS NOT NULL AND t.speech != '' AND {_WHERE[kind]}"
        f" ORDER BY t.at DESC, t.id DESC LIMIT {MAX_TURNS}",
        [utc_text(now - timedelta(days=days))]).fetchall()
    dealt_with = review_marks.latest(db)
    same: dict[tuple[str, str], Variant] = {}
    guessed: dict[tuple[str, str], Counter] = {}
    last: dict[tuple[str, str], str] = {}
    calls: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for turn_id, call_sid, turn, lang, speech, intent, at in rows:
        text = mask_digits(speech.strip())
        normal = utils.default_process(text)
        if not normal:
            continue
        mark = dealt_with.get(review_marks.key(lang, normal, secret))
        if mark is not None and mark.hides(at):
            continue
        variant = same.setdefault((lang, normal), Variant(text, lang, normal))
        variant.turns.append(turn_id)
        guessed.setdefault((lang, normal), Counter())[intent or "out_of_scope"] += 1
        last[(lang, normal)] = max(last.get((lang, normal), ""), at)
        calls.setdefault((lang, normal), []).append((call_sid, turn))
    found: list[Group] = []
    leaders: list[str] = []
    for pair, variant in sorted(same.items(), key=lambda kv: (-kv[1].count, kv[0])):
        match = process.extractOne(variant.normalised, leaders, scorer=fuzz.token_set_ratio,
                                   score_cutoff=SIMILAR) if leaders else None
        if match is None:
            leaders.append(variant.normalised)
            group = Group(kind, [], Counter(), Counter(), "")
            found.append(group)
        else:
            group = found[match[2]]
        if len(group.variants) < MAX_VARIANTS:
            group.variants.append(variant)
        else:  # counted with the group's largest variant, not shown on its own
            group.variants[0].turns.extend(variant.turns)
        group.languages[variant.lang] += variant.count
        group.guessed.update(guessed[pair])
        group.last = max(group.last, last[pair])
        group.calls.extend(calls[pair])
    found.sort(key=lambda g: (-g.count, g.example.normalised))
    return found


def with_examples(db: Database, group: Group, examples: int = EXAMPLES) -> Group:
    """The group with up to ``examples`` calls' turns around the utterance, masked."""
    group.examples = []
    seen: set[str] = set()
    for call_sid, turn in group.calls:
        if call_sid in seen:
            continue
        seen.add(call_sid)
        rows = db.execute(
            "SELECT turn, speech, digits, intent, event, said FROM turns"
            " WHERE call_sid = ? AND turn BETWEEN ? AND ? ORDER BY turn",
            [call_sid, turn - BEFORE, turn + AFTER]).fetchall()
        group.examples.append([
            {"turn": n, "this": n == turn,
             "caller": mask_digits(speech) if speech else (f"Tasten {digits}" if digits else ""),
             "intent": intent, "event": event or "", "hotline": mask_digits(said or "")}
            for n, speech, digits, intent, event, said in rows])
        if len(group.examples) >= examples:
            break
    return group


def turns_said(db: Database, turn_ids: list[int]) -> list[tuple[str, str]]:
    """(language, normalised words) of these turns, as the inbox keys them."""
    if not turn_ids:
        return []
    marks = ",".join("?" * len(turn_ids))
    rows = db.execute(
        f"SELECT COALESCE(c.lang, 'de'), t.speech FROM turns t JOIN calls c"
        f" ON c.call_sid = t.call_sid WHERE t.id IN ({marks}) AND t.speech IS NOT NULL",
        turn_ids).fetchall()
    return list(dict.fromkeys((lang, normalise(speech)) for lang, speech in rows
                              if normalise(speech)))
