"""Versioned migrations on both engines: an empty database, one that the releases before
versioning built, one a step behind, one a step ahead; and the shipped steps held fixed.
"""

import ast
import hashlib
import inspect
import logging
import textwrap

import pytest

import db as database
from app import MIGRATIONS, create_app
from conftest import TOKEN, Caller

NEWEST = {package: len(steps) for package, steps in MIGRATIONS.items()}

# Each shipped step's code (its syntax tree, without docstring or comments): a database
# at version N has run exactly these, so changing one would leave it behind unnoticed.
SHIPPED = {
    "ivr.store": ["59d4eb8b6c53"],
    "ivr.media": ["e0d60f386e36"],
    "schedules.store": ["1cf14d2948f7"],
    "routing.store": ["4bf8e8dfbc6a", "3ec8e104be8f"],
    "routing.interpreters": ["2a8c6892a705"],
    "cases.store": ["6dc8560f4427"],
    "outbox": ["10f3b2da0fad"],
    "teaching.store": ["0f61419c8044"],
    "teaching.marks": ["8931fc0950d9"],
    "written.store": ["2469cf8d6132", "3d89bec578b7"],
    "redaction": ["68b2f24f9955"],
    "stats.store": ["bd338afb63f5", "b2de8d5f7be2", "ad2c415ac678"],
}


def fingerprint(step) -> str:
    tree = ast.parse(textwrap.dedent(inspect.getsource(step))).body[0]
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        tree.body = body[1:]  # the docstring may be reworded
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()[:12]


def start(target):
    return create_app({"TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": target,
                       "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
                       "HOTLINE_LANGUAGES": ["de", "en"]})


def versions(target) -> dict:
    db = database.connect(target)
    try:
        return dict(db.execute("SELECT package, version FROM schema_versions").fetchall())
    finally:
        db.conn.close()


def test_the_shipped_steps_are_as_they_shipped():
    found = {package: [fingerprint(step) for step in steps]
             for package, steps in MIGRATIONS.items()}
    for package, shipped in SHIPPED.items():
        assert found[package][:len(shipped)] == shipped, (
            f"A shipped schema step of {package} changed: databases already past it will "
            f"never run the change. Undo it and add a step at the end of its MIGRATIONS.")
    assert set(found) == set(SHIPPED), "a new package: add its steps to SHIPPED"


@pytest.mark.both_engines
def test_an_empty_database_gets_every_step_and_answers_a_call(empty_target):
    app = start(empty_target)
    assert versions(empty_target) == NEWEST
    caller = Caller(app)
    caller.dial()
    assert "Guten Tag" in caller.hears()
    # Started again (a second node, a restart): nothing left to do.
    db = database.connect(empty_target)
    try:
        assert database.migrate(db, MIGRATIONS) == {}
    finally:
        db.conn.close()


# The call record as the first releases created it: no identity check, no caller
# pseudonym, replies in a table of their own keyed by request (SQLite only: PostgreSQL
# came after them).
OLD_LAYOUT = [
    "CREATE TABLE calls (call_sid TEXT PRIMARY KEY, started_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, ended_at TEXT, from_number TEXT, to_number TEXT, lang TEXT,"
    " step TEXT, intent TEXT, outcome TEXT, status TEXT, duration_s INTEGER, turns INTEGER,"
    " emergency INTEGER, state TEXT)",
    "CREATE TABLE turns (id INTEGER PRIMARY KEY, call_sid TEXT REFERENCES calls(call_sid),"
    " turn INTEGER, at TEXT, speech TEXT, digits TEXT, confidence FLOAT, intent TEXT,"
    " score FLOAT, evidence TEXT, event TEXT, said TEXT)",
    "CREATE UNIQUE INDEX idx_turns_call_sid_turn ON turns (call_sid, turn)",
    "INSERT INTO calls (call_sid, started_at, updated_at, turns, step)"
    " VALUES ('CAold', '2026-11-24T09:00:00.000+00:00', '2026-11-24T09:00:05.000+00:00',"
    " 1, 'menu')",
    "INSERT INTO turns (call_sid, turn, at, speech, intent, event) VALUES ('CAold', 0,"
    " '2026-11-24T09:00:00.000+00:00', NULL, NULL, 'greeting')",
]
OLD_REPLIES = [
    "CREATE TABLE webhook_replies (key TEXT PRIMARY KEY, call_sid TEXT, at TEXT, body TEXT)",
    "INSERT INTO webhook_replies VALUES ('k1', 'CAold', '2026-11-24T09:00:00.001+00:00',"
    " '<Response><Say>Guten Tag</Say></Response>')",
]


@pytest.mark.both_engines
def test_a_database_from_before_versioning_is_brought_up_to_date_with_its_calls(
        empty_target, engine):
    db = database.connect(empty_target)
    try:
        with database.transaction(db):
            for statement in OLD_LAYOUT + (OLD_REPLIES if engine == "sqlite" else []):
                db.execute(statement)
    finally:
        db.conn.close()

    start(empty_target)

    assert versions(empty_target) == NEWEST
    db = database.connect(empty_target)
    try:
        columns = db["calls"].columns_dict
        assert {"verified", "customer_number", "caller_key", "called_again"} <= set(columns)
        assert db.execute("SELECT step, turns FROM calls WHERE call_sid = 'CAold'"
                          ).fetchone() == ("menu", 1)
        if engine == "sqlite":
            # The call under way keeps the reply a retry of its turn must get again.
            assert db.execute("SELECT r.body FROM turns t JOIN turn_replies r"
                              " ON r.turn_id = t.id WHERE t.call_sid = 'CAold'").fetchone() \
                == ("<Response><Say>Guten Tag</Say></Response>",)
            assert "webhook_replies" not in db.table_names()
    finally:
        db.conn.close()


def note(table):
    def step(db):
        db.execute("INSERT INTO steps_run (step) VALUES (?)", [table])
    return step


def create_steps_run(db):
    db.execute("CREATE TABLE steps_run (step TEXT)")


def add_column(db):
    db["steps_run"].add_column("note", str)


def fail(db):
    raise RuntimeError("a step that fails")


def steps_run(target):
    db = database.connect(target)
    try:
        return [row[0] for row in db.execute("SELECT step FROM steps_run").fetchall()]
    finally:
        db.conn.close()


@pytest.mark.both_engines
def test_a_database_a_step_behind_runs_only_the_steps_it_lacks(empty_target, caplog):
    first = [create_steps_run, note("one")]
    db = database.connect(empty_target)
    try:
        assert database.migrate(db, {"trial": first}) == {"trial": 2}
        assert database.migrate(db, {"trial": [*first, add_column, note("three")]}) == \
            {"trial": 4}
        assert steps_run(empty_target) == ["one", "three"]
        assert "note" in db["steps_run"].columns_dict

        # A step that fails undoes the whole migration: the version stays where it was.
        with pytest.raises(RuntimeError):
            database.migrate(db, {"trial": [*first, add_column, note("three"), note("four"),
                                            fail]})
        assert versions(empty_target)["trial"] == 4
        assert steps_run(empty_target) == ["one", "three"]

        # A release that knows fewer steps (during a rolling upgrade) leaves it as it is.
        with caplog.at_level(logging.WARNING, logger="db"):
            assert database.migrate(db, {"trial": first}) == {}
        assert "trial tables are at version 4; this release knows 2" in caplog.text
        assert versions(empty_target)["trial"] == 4
    finally:
        db.conn.close()
