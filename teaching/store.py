"""The live catalogue layer in the database: every change is a new version, kept whole.

Table `catalogue_versions` (owned here): one row per version with who made it, when, what
(`change`, one line) and why, and the whole layer as it stands after it (`phrases`, JSON:
lang, intent, phrase, who, at, why of each). A layer of a few hundred phrases is a few
kilobytes, so a rollback is the copy of an earlier row as a new version, and any version
can be read, exported or restored on its own. No row refers to a call: a phrase is kept
without the call it was heard in.

Two supervisors changing the layer at once: each change is computed against the version
it started from and written only if that is still the newest (otherwise it is computed
again against the newer one), inside a write transaction, so versions are numbered
without gaps and none is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

import clock
import db as database
from speech.normalise import fold

from .checks import EMERGENCY, Conflict, Refused, check_phrase, compiled, conflicts

# A change computed this many times against a version that was outdated by the time it
# was to be written gives up (another supervisor keeps changing the layer).
MAX_TRIES = 5


@dataclass(frozen=True)
class Version:
    """One version of the live layer."""

    number: int
    at: str
    who: str
    why: str
    change: str
    phrases: tuple[dict, ...]

    def for_lang(self, lang: str) -> list[tuple[str, str]]:
        """The layer's phrases of one language as (intent, phrase)."""
        return [(p["intent"], p["phrase"]) for p in self.phrases if p["lang"] == lang]

    def summary(self) -> dict:
        return {"version": self.number, "at": self.at, "who": self.who, "why": self.why,
                "change": self.change, "phrases": len(self.phrases)}


EMPTY = Version(0, "", "", "", "empty", ())


@dataclass
class Outcome:
    """What became of a change: its new version, or the conflicts that hold it back."""

    version: int | None
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # phrases already in the layer

    @property
    def applied(self) -> bool:
        return self.version is not None


def migrate(db: Database) -> None:
    """Create the versions table."""
    if "catalogue_versions" not in db.table_names():
        db.execute(
            "CREATE TABLE catalogue_versions (version INTEGER PRIMARY KEY, at TEXT NOT NULL,"
            " who TEXT NOT NULL, why TEXT NOT NULL, change TEXT NOT NULL,"
            " phrases TEXT NOT NULL)")


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


def latest_number(db: Database) -> int:
    """The newest version's number (0: nothing accepted yet). One index look-up."""
    row = db.execute("SELECT max(version) FROM catalogue_versions").fetchone()
    return row[0] or 0


def version(db: Database, number: int | None = None) -> Version:
    """Version ``number`` (default: the newest); `Refused` if there is none such."""
    if number is None:
        row = db.execute("SELECT * FROM catalogue_versions ORDER BY version DESC LIMIT 1"
                         ).fetchone()
        if row is None:
            return EMPTY
    else:
        if number == 0:
            return EMPTY
        row = db.execute("SELECT * FROM catalogue_versions WHERE version = ?",
                         [number]).fetchone()
        if row is None:
            raise Refused(f"there is no version {number}")
    number, at, who, why, change, phrases = row
    return Version(number, at, who, why, change, tuple(json.loads(phrases)))


def history(db: Database) -> list[Version]:
    """Every version, newest first."""
    rows = db.execute("SELECT version FROM catalogue_versions ORDER BY version DESC")
    return [version(db, n) for (n,) in rows.fetchall()]


def phrase_key(lang: str, phrase: str) -> tuple[str, str]:
    """What makes two phrases the same phrase: language and folded words."""
    return lang, " ".join(fold(phrase).split())


def accept(db: Database, phrases: list[tuple[str, str, str]], who: str, why: str,
           now: datetime, confirm: bool = False,
           offices: frozenset[str] | None = None, dry_run: bool = False) -> Outcome:
    """Add phrases, (lang, intent, phrase) each, to the layer as one new version.

    Refused (`Refused`) with the reason: personal data, an unknown intent or office,
    taking a phrase from the emergency intent. With conflicts and no ``confirm``, nothing
    is written and the outcome lists them. ``offices``: the referral table's office keys
    (default: the shipped table's). ``dry_run``: check and list the conflicts, write
    nothing (the dashboard shows them before the supervisor decides).
    """
    who, why = who.strip(), why.strip()
    if not who:
        raise Refused("who makes the change must be named")
    for _ in range(MAX_TRIES):
        base = version(db)
        outcome, snapshot, change = _apply(base, phrases, who, why, clock.utc_text(now),
                                           offices)
        if snapshot is None:
            return outcome
        if dry_run or (outcome.conflicts and not confirm):
            return Outcome(None, outcome.conflicts, outcome.unchanged)
        written = _write(db, base.number, who, why, change, snapshot, now)
        if written is not None:
            return Outcome(written, outcome.conflicts, outcome.unchanged)
    raise Refused("the catalogue kept changing while this change was checked; try again")


def _apply(base: Version, phrases: list[tuple[str, str, str]], who: str, why: str, at: str,
           offices: frozenset[str] | None = None):
    """The layer after the change, its one-line description and its conflicts."""
    layer = {phrase_key(p["lang"], p["phrase"]): p for p in base.phrases}
    added: list[str] = []
    unchanged: list[str] = []
    langs: set[str] = set()
    for lang, intent, phrase in phrases:
        phrase = check_phrase(phrase, intent, lang, compiled(lang, base.for_lang(lang)),
                              offices)
        key = phrase_key(lang, phrase)
        old = layer.get(key)
        if old is not None and old["intent"] == intent:
            unchanged.append(phrase)
            continue
        if old is not None and old["intent"] == EMERGENCY:
            raise Refused(f"{phrase!r} is an emergency phrase; it is never given another "
                          "intent")
        layer[key] = {"lang": lang, "intent": intent, "phrase": phrase, "who": who,
                      "at": at, "why": why}
        added.append(f"{phrase!r} -> {intent}" + (f" (was {old['intent']})" if old else ""))
        langs.add(lang)
    if not added:
        return Outcome(None, [], unchanged), None, ""
    snapshot = list(layer.values())
    found: list[Conflict] = []
    for lang in sorted(langs):
        after = [(p["intent"], p["phrase"]) for p in snapshot if p["lang"] == lang]
        found += conflicts(lang, base.for_lang(lang), compiled(lang, base.for_lang(lang)),
                           compiled(lang, after))
    change = "accepted " + "; ".join(added)
    return Outcome(None, found, unchanged), snapshot, change


def _write(db: Database, base: int, who: str, why: str, change: str,
           snapshot: list[dict], now: datetime) -> int | None:
    """Write the next version if ``base`` is still the newest; None if it is not."""
    with database.atomic(db):
        if latest_number(db) != base:
            return None
        number = base + 1
        db.execute("INSERT INTO catalogue_versions (version, at, who, why, change, phrases)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [number, clock.utc_text(now), who, why, change,
                    json.dumps(snapshot, ensure_ascii=False)])
    return number


def rollback(db: Database, to: int, who: str, why: str, now: datetime) -> int:
    """Make the layer as it was in version ``to`` again, as a new version; its number.

    Refused if that would take away or re-assign an emergency phrase accepted since.
    """
    who, why = who.strip(), why.strip()
    if not who:
        raise Refused("who makes the change must be named")
    for _ in range(MAX_TRIES):
        base = version(db)
        if to < 0 or to >= base.number:
            raise Refused(f"version {to} is not an earlier version (the newest is "
                          f"{base.number})")
        target = version(db, to)
        kept = {phrase_key(p["lang"], p["phrase"]): p["intent"] for p in target.phrases}
        for p in base.phrases:
            key = phrase_key(p["lang"], p["phrase"])
            if p["intent"] == EMERGENCY and kept.get(key) != EMERGENCY:
                raise Refused(f"rolling back to version {to} would remove the emergency "
                              f"phrase {p['phrase']!r}; emergency phrases are never removed")
        written = _write(db, base.number, who, why, f"rolled back to version {to}",
                         list(target.phrases), now)
        if written is not None:
            return written
    raise Refused("the catalogue kept changing during the rollback; try again")
