"""Staffing by Erlang C (issue 23): textbook values, and a hand-built history of five weeks.

Every Monday from 19 October to 16 November 2026, ten callers join the queue between
10:00 and 11:00 (Berlin); Anna answers each after 5 s, talks 3 minutes and notes the
outcome at once (no wrap-up): 10 calls an hour, 180 s handle time, 0.5 Erlang. The
tests' clock stands at Wednesday 25 November, so the coming week starts on Monday 30
November, planned from the four weeks 26 October - 22 November; last week (16-22
November) was planned from 19 October - 15 November.
"""
# ruff: noqa: F811

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_stats_figures import Recorder, ready, stats_app  # noqa: F401
from test_stats_web import login

import db as database
from conftest import NOW
from routing import dispatch, outcomes, queue
from routing import store as routing_store
from stats import staffing

BERLIN = ZoneInfo("Europe/Berlin")
MONDAYS = [datetime(2026, 10, 19, tzinfo=BERLIN) + timedelta(weeks=w) for w in range(5)]
AGENT_TURN = [("mitarbeiter bitte", 0.9, "agent", 0.9, "agent:requested")]


def test_erlang_c_gives_the_textbook_values():
    # 100 calls an hour of 180 s: 5 Erlang.
    assert round(staffing.erlang_c(5, 6), 4) == 0.5875
    assert round(staffing.erlang_c(5, 7), 4) == 0.3241
    assert round(staffing.service_level(8, 100, 180, 20), 4) == 0.8801
    assert staffing.agents_needed(100, 180, staffing.Target(0.8, 20)) == 8
    assert staffing.agents_needed(0, 180, staffing.Target(0.8, 20)) == 0


@pytest.fixture
def weeks(stats_app, db, monkeypatch):
    rec = Recorder(db, monkeypatch)
    anna = routing_store.add_agent(db, login="anna", name="Anna", password_hash="x",
                                   now=MONDAYS[0].astimezone(UTC)).id
    with database.transaction(db):
        for week, monday in enumerate(MONDAYS):
            def at(minute, second=0, monday=monday):
                return monday.replace(hour=10, minute=minute, second=second).astimezone(UTC)
            routing_store.set_status(db, anna, "available", now=at(0) - timedelta(minutes=5),
                                     reason="test")
            for n in range(10):
                sid = f"CW{week}{n}"
                rec.call(sid, at(5 * n), AGENT_TURN, "agent")
                queue.enqueue(db, sid, now=at(5 * n, 30))
                queue.joined(db, sid, now=at(5 * n, 34))
                dispatch.agent_answered(db, sid, anna, now=at(5 * n, 39))
                talked = at(5 * n, 39) + timedelta(seconds=180)
                dispatch.dial_ended(db, sid, anna, "completed", now=talked)
                outcomes.record_outcome(db, anna, "resolved", now=talked)
                rec.close(sid, talked)
            routing_store.set_status(db, anna, "offline", now=at(0) + timedelta(minutes=60),
                                     reason="test")
    return anna


def plan(db, level):
    return staffing.staffing(db, today=NOW.date(), now=NOW.astimezone(UTC),
                             target=staffing.Target(level=level, seconds=20, weeks=4))


def test_the_coming_week_is_planned_for_the_target_the_supervisor_sets(weeks, db):
    table = plan(db, 0.8)
    assert table["week"] == "2026-11-30" and table["history"] == {
        "first": "2026-10-26", "last": "2026-11-22"}
    assert table["aht_s"] == 180.0 and table["hours"] == [10]
    assert table["calls"][0] == [10.0] and table["agents"][0] == [2]  # Monday 10:00
    assert all(day == [0] for day in table["agents"][1:])
    # 0.5 Erlang: 2 agents answer 91.5 % within 20 s, 1 agent 52.7 %; 95 % needs 3.
    assert plan(db, 0.95)["agents"][0] == [3]
    assert plan(db, 0.5)["agents"][0] == [1]


def test_last_weeks_forecast_beside_what_happened(weeks, db):
    last = plan(db, 0.8)["last_week"]
    assert last["week"] == "2026-11-16"
    monday = last["days"][0]
    assert (monday["forecast_calls"], monday["actual_calls"], monday["forecast_agent_hours"],
            monday["actual_agent_hours"], monday["actual_service_level"]) == (
        10.0, 10, 2, 1.1, 1.0)  # Anna logged in 9:55-11:00; all answered after 5 s
    assert (last["forecast_calls"], last["actual_calls"]) == (10.0, 10)


def test_dashboard_json_csv_and_the_terminal_agree(weeks, db, stats_app):
    client = stats_app.test_client()
    login(client, db, "leitung", "supervisor")
    query = "from=2026-11-16&to=2026-11-22&sl_level=95&sl_seconds=20&weeks=4"
    data = client.get(f"/supervisor/figures.json?{query}").get_json()
    assert data["staffing"]["agents"][0] == [3]
    rows = list(csv.reader(io.StringIO(client.get(
        f"/supervisor/export/staffing.csv?{query}").get_data(as_text=True))))
    assert rows == [["hour", *data["staffing"]["days"]], ["10", "3", "0", "0", "0", "0", "0", "0"]]
    result = stats_app.test_cli_runner().invoke(args=[
        "stats", "--since", "2026-11-16", "--until", "2026-11-22", "--sl-level", "95",
        "--weeks", "4", "--json"])
    assert result.exit_code == 0, result.output
    terminal = json.loads(result.output)
    assert terminal["staffing"] == data["staffing"]
    assert terminal["summary"] == data["summary"]
    assert client.get("/supervisor/figures.json?weeks=12").status_code == 400
