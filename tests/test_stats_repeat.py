"""Repeat callers within 7 days, through the real webhooks, by a keyed pseudonym (issue 23).

Anna (a mobile) asks for the opening hours on Monday 23 November 2026 and calls again on
Thursday: a repeat caller, though the machine "solved" her first call. Bernd asks the
same on Monday and calls again ten days later: not within 7 days. A caller with a
withheld number cannot be counted either way.
"""
# ruff: noqa: F811

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_stats_figures import ready, stats_app  # noqa: F401

import clock
import db as database
import keyed
from conftest import Caller
from stats import figures as stats_figures
from stats import store as stats_store

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
ANNA, BERND = "+491701111111", "+491702222222"


def phone(app, number, at, *lines):
    clock.install(app, clock.Clock.at(at))
    caller = Caller(app, from_number=number)
    caller.dial()
    for line in lines:
        caller.say(line)
    caller.hang_up()
    return caller


def repeats(db, day):
    period = stats_figures.Period(day.date(), day.date())
    return stats_figures.figures(db, period, now=MONDAY + timedelta(days=30))["repeat_callers"]


def test_a_caller_who_calls_again_within_7_days_is_a_repeat_caller(stats_app, db):
    for number in (ANNA, BERND, "anonymous"):
        phone(stats_app, number, MONDAY, "Wann haben Sie geöffnet?", "nein danke")
    phone(stats_app, ANNA, MONDAY + timedelta(days=3), "#0")
    phone(stats_app, BERND, MONDAY + timedelta(days=10), "Wann haben Sie geöffnet?")
    monday = repeats(db, MONDAY)
    assert (monday["calls_with_number"], monday["repeated"], monday["repeat_rate"]) == (2, 1, 0.5)
    machine = {e["ended"]: e for e in monday["endings"]}["machine"]
    assert (machine["calls"], machine["repeated"]) == (2, 1)
    (opening,) = [i for i in monday["intents"] if i["intent"] == "opening_hours"]
    assert opening["machine_repeat_rate"] == 0.5
    # The pseudonym is keyed: the same number gives the same key, and nothing without it.
    keys = {row[0] for row in db.execute("SELECT caller_key FROM calls").fetchall()}
    assert keyed.digest("caller", ANNA, stats_app.config["HOTLINE_HASH_KEY"]) in keys
    assert None in keys  # the withheld number
    assert not any(ANNA[3:] in (key or "") for key in keys)


def test_purge_removes_the_pseudonym_and_keeps_the_figure(stats_app, db):
    phone(stats_app, ANNA, MONDAY, "Wann haben Sie geöffnet?", "nein danke")
    phone(stats_app, ANNA, MONDAY + timedelta(days=2), "Wann haben Sie geöffnet?")
    before = repeats(db, MONDAY)
    assert before["repeated"] == 1
    clock.install(stats_app, clock.Clock.at(MONDAY + timedelta(days=60)))
    result = stats_app.test_cli_runner().invoke(args=["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT count(*) FROM calls WHERE caller_key IS NOT NULL"
                      ).fetchone()[0] == 0
    assert repeats(db, MONDAY) == before


def test_a_new_call_makes_the_callers_last_call_a_repeat_though_its_hour_was_counted(
        stats_app, db):
    phone(stats_app, ANNA, MONDAY, "Wann haben Sie geöffnet?", "nein danke")
    tuesday = MONDAY + timedelta(days=1, hours=2)
    phone(stats_app, ANNA, tuesday, "Wann haben Sie geöffnet?", "nein danke")
    assert (repeats(db, MONDAY)["repeated"], repeats(db, tuesday)["repeated"]) == (1, 0)
    phone(stats_app, ANNA, MONDAY + timedelta(days=3), "#0")
    assert (repeats(db, MONDAY)["repeated"], repeats(db, tuesday)["repeated"]) == (1, 1)


def test_a_caller_with_many_calls_this_week_marks_one_earlier_hour_per_new_call(
        stats_app, db):
    # Anna's calls of the week before: each new call can only make her latest one a
    # repeat, so only its hour is counted again, however often she called.
    for hour in range(12):
        phone(stats_app, ANNA, MONDAY + timedelta(hours=hour), "#0")
    repeats(db, MONDAY)  # the figures are up to date: no hour left to count again
    assert db.execute("SELECT count(*) FROM stats_dirty").fetchone() == (0,)
    phone(stats_app, ANNA, MONDAY + timedelta(days=2), "#0")
    marked = {row[0] for row in db.execute("SELECT hour FROM stats_dirty").fetchall()}
    latest = stats_store.hour_key(MONDAY + timedelta(hours=11))
    assert latest in marked and len(marked) <= 2  # and the new call's own hour
    assert repeats(db, MONDAY)["repeated"] == 12


@pytest.mark.sqlite_only
def test_a_new_call_costs_the_same_however_often_the_caller_called_this_week(stats_app, db):
    # A robot or a test number calling all day (bench_load's every call): recording a new
    # call from it must not read its whole week. Counted in SQLite's virtual machine
    # steps, which the trigger's reads are part of.
    key = keyed.digest("caller", ANNA, stats_app.config["HOTLINE_HASH_KEY"])

    def steps_to_record(sid, at):
        steps = [0]

        def count():
            steps[0] += 1
            return 0  # go on

        db.conn.set_progress_handler(count, 1)
        try:
            db.execute("INSERT INTO calls (call_sid, started_at, updated_at, caller_key, turns,"
                       " emergency) VALUES (?, ?, ?, ?, 0, 0)", [sid, at, at, key])
        finally:
            db.conn.set_progress_handler(None, 1)
        return steps[0]

    def stamp(moment):
        return moment.astimezone(ZoneInfo("UTC")).isoformat(timespec="milliseconds")

    with database.transaction(db):
        steps_to_record("CA-early", stamp(MONDAY))
        few = steps_to_record("CA-second", stamp(MONDAY + timedelta(minutes=1)))
        db.conn.executemany(
            "INSERT INTO calls (call_sid, started_at, updated_at, caller_key) VALUES (?, ?, ?, ?)",
            [(f"CA-{n}", stamp(MONDAY + timedelta(minutes=2 + n)),
              stamp(MONDAY + timedelta(minutes=2 + n)), key) for n in range(600)])
        many = steps_to_record("CA-later", stamp(MONDAY + timedelta(days=1)))
    assert many < few + 10  # a step or two either way; before, about five per earlier call
    marked = {row[0] for row in db.execute("SELECT hour FROM stats_dirty").fetchall()}
    assert stats_store.hour_key(MONDAY + timedelta(minutes=601)) in marked
