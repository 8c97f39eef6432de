"""What supervisors decided about what callers said: utterances dealt with, new topics.

Table `review_marks`: an utterance the review inbox no longer shows because a supervisor
assigned it (with the catalogue version that took it), marked it as noise ("no
request") or listed it as a new topic. A mark holds no words: `key` is a keyed hash
(HMAC, HOTLINE_HASH_KEY) of the utterance's language and normalised, masked words, so the
inbox knows the same words again without keeping them. A mark is only needed while the
transcripts it hides exist, so `purge` removes it with them (HOTLINE_RETENTION_DAYS).

Table `new_topics`: what callers ask that the hotline does not know yet, for the job
centre to decide on: the phrase as the supervisor wrote it (refused like an accepted
phrase if it holds digits, spoken numbers, an e-mail address or a name), how many calls
asked it, who listed it, when and why. Kept until a supervisor removes it; no row
refers to a call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

import keyed

from .checks import plain_phrase, refuse_personal_data

ASSIGNED = "assigned"
NOISE = "noise"
NEW_TOPIC = "new_topic"
KINDS = (ASSIGNED, NOISE, NEW_TOPIC)


@dataclass(frozen=True)
class Mark:
    """One decision about one utterance."""

    id: int
    key: str
    kind: str
    at: str
    who: str
    version: int | None
    what: str  # the intent or office assigned, else ""

    def hides(self, said_at: str) -> bool:
        """Whether the inbox leaves out these words, said at ``said_at`` (UTC text).

        Noise and new topics stay dealt with; after an assignment the same words said
        again are shown again (the hotline should have understood them: did it?)."""
        return self.kind != ASSIGNED or said_at <= self.at


def migrate(db: Database) -> None:
    """Create the marks and new-topics tables."""
    if "review_marks" not in db.table_names():
        db.execute("CREATE TABLE review_marks (id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
                   " kind TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL, version INTEGER,"
                   " what TEXT NOT NULL DEFAULT '')")
        db.execute("CREATE INDEX review_marks_key ON review_marks (key)")
    if "new_topics" not in db.table_names():
        db.execute("CREATE TABLE new_topics (id INTEGER PRIMARY KEY, lang TEXT NOT NULL,"
                   " phrase TEXT NOT NULL, calls INTEGER NOT NULL, who TEXT NOT NULL,"
                   " at TEXT NOT NULL, why TEXT NOT NULL)")


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


def key(lang: str, normalised: str, secret: str | None = None) -> str:
    """The keyed hash that stands for these words in ``lang`` (already normalised)."""
    return keyed.digest("review-utterance", f"{lang}\x00{normalised}", secret)


def mark(db: Database, keys: list[str], kind: str, who: str, at: str,
         version: int | None = None, what: str = "") -> None:
    """Record one decision for each of ``keys``."""
    if kind not in KINDS:
        raise ValueError(kind)
    db.conn.executemany(
        "INSERT INTO review_marks (key, kind, at, who, version, what) VALUES (?, ?, ?, ?, ?, ?)",
        [(k, kind, at, who, version, what) for k in dict.fromkeys(keys)])


def latest(db: Database) -> dict[str, Mark]:
    """The newest decision for each key."""
    found: dict[str, Mark] = {}
    for row in db.execute("SELECT id, key, kind, at, who, version, what FROM review_marks"
                          " ORDER BY id").fetchall():
        found[row[1]] = Mark(*row)
    return found


def newest_id(db: Database) -> int:
    """The newest mark's id (0: none): what a page was computed from."""
    return db.execute("SELECT max(id) FROM review_marks").fetchone()[0] or 0


def since(db: Database, mark_id: int, keys: list[str]) -> list[Mark]:
    """Decisions about ``keys`` made after mark ``mark_id`` (by another supervisor, or in
    another tab), oldest first."""
    wanted = set(keys)
    return [Mark(*row) for row in db.execute(
        "SELECT id, key, kind, at, who, version, what FROM review_marks WHERE id > ?"
        " ORDER BY id", [mark_id]).fetchall() if row[1] in wanted]


def add_topic(db: Database, lang: str, phrase: str, calls: int, who: str, why: str,
              at: str) -> str:
    """List ``phrase`` as a new topic; the phrase as stored, or `Refused` with the reason."""
    phrase = check_topic(phrase, lang)
    db.execute("INSERT INTO new_topics (lang, phrase, calls, who, at, why)"
               " VALUES (?, ?, ?, ?, ?, ?)", [lang, phrase, calls, who, at, why.strip()])
    return phrase


def check_topic(phrase: str, lang: str) -> str:
    """The phrase as a new topic would be stored, or `Refused` with the reason."""
    phrase = plain_phrase(phrase, lang)
    refuse_personal_data(phrase)
    return phrase


def topics(db: Database) -> list[dict]:
    """The new topics listed, newest first."""
    rows = db.execute("SELECT id, lang, phrase, calls, who, at, why FROM new_topics"
                      " ORDER BY id DESC").fetchall()
    return [dict(zip(("id", "lang", "phrase", "calls", "who", "at", "why"), row, strict=True))
            for row in rows]


def remove_topic(db: Database, topic_id: int) -> bool:
    """Take a topic off the list (the job centre has decided on it)."""
    return db.execute("DELETE FROM new_topics WHERE id = ?", [topic_id]).rowcount > 0


def purge(db: Database, before: str) -> int:
    """Remove the marks made before ``before``: the transcripts they hid are gone."""
    return db.execute("DELETE FROM review_marks WHERE at < ?", [before]).rowcount
