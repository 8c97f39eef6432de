"""Supervisors' figures by the standard definitions, on a hand-computed set (issue 23).

The set: Monday 22 March 2027 with a call across midnight; a callback asked for on the
Friday before and worked on that Monday; both daylight-saving nights of 2027 (Sunday 28
March, 02:00 CET -> 03:00 CEST, and Sunday 31 October, 03:00 CEST -> 02:00 CET); and a
purge between them. Each test names the finding of the issue it holds to.
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

import clock
import db as database
from ivr import store as ivr_store
from routing import callbacks, dispatch, queue
from routing import store as routing_store
from stats import figures as stats_figures
from stats import store as stats_store

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2027, 3, 22, tzinfo=BERLIN).date()
FRIDAY = MONDAY - timedelta(days=3)
SPRING = datetime(2027, 3, 28, tzinfo=BERLIN).date()  # 23 hours long
AUTUMN = datetime(2027, 10, 31, tzinfo=BERLIN).date()  # 25 hours long
LATER = datetime(2027, 11, 10, 12, 0, tzinfo=BERLIN)  # "now" for the figures


def berlin(day, hh, mm=0, ss=0.0, fold=0) -> datetime:
    whole = int(ss)
    return datetime(day.year, day.month, day.day, hh, mm, whole,
                    round((ss - whole) * 1_000_000), tzinfo=BERLIN, fold=fold).astimezone(UTC)


AGENT_TURN = [("mitarbeiter bitte", 0.9, "agent", 0.9, "agent:requested")]


def queued_call(rec, db, sid, start, *, site, waited_s, result, agent=None, outcome="agent",
                turns=AGENT_TURN, joined=True):
    """A call handed over 30 s after it started; Twilio has the caller in the queue 4 s
    later (after "Ich verbinde Sie ..."), unless `joined` is False."""
    rec.call(sid, start, turns, outcome)
    handed = start + timedelta(seconds=30)
    queue.enqueue(db, sid, site=site, now=handed)
    in_queue = handed + timedelta(seconds=4)
    if joined:
        queue.joined(db, sid, now=in_queue)
    left = in_queue + timedelta(seconds=waited_s)
    if result == "bridged":
        dispatch.agent_answered(db, sid, agent, now=left)
        dispatch.dial_ended(db, sid, agent, "completed", now=left + timedelta(minutes=3))
        rec.close(sid, left + timedelta(minutes=3))
    else:  # the caller hangs up: Twilio's status callback
        rec.close(sid, left)


@pytest.fixture
def history(stats_app, db, monkeypatch):
    rec = Recorder(db, monkeypatch)
    hashed = "scrypt:not-a-real-hash"
    anna = routing_store.add_agent(db, login="anna", name="Anna", password_hash=hashed,
                                   sites=("waiblingen",), now=berlin(FRIDAY, 8)).id
    ben = routing_store.add_agent(db, login="ben", name="Ben", password_hash=hashed,
                                  sites=("schorndorf",), now=berlin(FRIDAY, 8)).id
    with database.transaction(db):
        # Friday: a callback is asked for, for Monday morning; Ben reaches them Monday.
        rec.call("CF01", berlin(FRIDAY, 15, 58), AGENT_TURN, "callback")
        made = callbacks.request_callback(
            db, "CF01", phone="+4915112345678", confirmed_by="caller_id", site="schorndorf",
            window_start=berlin(MONDAY, 8), window_end=berlin(MONDAY, 12),
            now=berlin(FRIDAY, 16))
        rec.close("CF01", berlin(FRIDAY, 16, 1))
        routing_store.set_status(db, ben, "available", now=berlin(MONDAY, 9), reason="test")
        callbacks.start_callback(db, made.id, ben, now=berlin(MONDAY, 9, 30))
        callbacks.record_attempt(db, made.id, ben, "reached", now=berlin(MONDAY, 9, 34))
        routing_store.set_status(db, ben, "offline", now=berlin(MONDAY, 9, 45), reason="test")

        # Monday.
        routing_store.set_status(db, anna, "available", now=berlin(MONDAY, 8), reason="test")
        rec.call("CM01", berlin(MONDAY, 9), [("unterlagen", 0.9, "documents", 0.8,
                                              "answered:documents")], "answered")
        rec.close("CM01", berlin(MONDAY, 9, 2))
        queued_call(rec, db, "CM02", berlin(MONDAY, 10), site="waiblingen", waited_s=20.9,
                    result="bridged", agent=anna)
        queued_call(rec, db, "CM03", berlin(MONDAY, 10, 5), site="waiblingen", waited_s=20.0,
                    result="bridged", agent=anna)
        # Books an appointment with the machine, then asks for a person: transferred.
        queued_call(rec, db, "CM04", berlin(MONDAY, 10, 10), site="waiblingen", waited_s=5,
                    result="bridged", agent=anna, outcome="booked",
                    turns=[("termin", 0.9, "book_appointment", 0.9, "query:book"),
                           *AGENT_TURN])
        # Anna's wrap-up after CM04 ends on its own after 120 s (at 10:15:39).
        routing_store.end_long_wrap_ups(db, now=berlin(MONDAY, 10, 30), limit_s=120)
        # Hangs up during "Ich verbinde Sie ...": never in the queue.
        queued_call(rec, db, "CM05", berlin(MONDAY, 10, 15), site="waiblingen", waited_s=0,
                    result="abandoned", joined=False)
        queued_call(rec, db, "CM06", berlin(MONDAY, 10, 20), site="waiblingen", waited_s=3,
                    result="abandoned")  # a short abandon
        # Across midnight: starts Monday 23:59:40, handed over at Tuesday 00:00:10, in
        # the queue from 00:00:14, gone at 00:02:14 after 120 s.
        queued_call(rec, db, "CM07", berlin(MONDAY, 23, 59, 40), site="schorndorf",
                    waited_s=120, result="abandoned")
        routing_store.set_status(db, anna, "offline", now=berlin(MONDAY, 18), reason="test")

        # The spring night: 01:30 CET and 03:30 CEST are one hour apart. One callback
        # is never tried, one is tried once and not reached; both are still open.
        for sid, hour in (("CS01", 1), ("CS02", 3)):
            rec.call(sid, berlin(SPRING, hour, 30), AGENT_TURN, "callback")
            made = callbacks.request_callback(db, sid, phone="+4915112345678",
                                              confirmed_by="caller_id",
                                              now=berlin(SPRING, hour, 31))
            rec.close(sid, berlin(SPRING, hour, 32))
        callbacks.start_callback(db, made.id, ben, now=berlin(SPRING, 9))
        callbacks.record_attempt(db, made.id, ben, "no_answer", now=berlin(SPRING, 9))
    return {"anna": anna, "ben": ben, "rec": rec}


def autumn(history, db):
    """The autumn night, recorded after the purge: 02:30 twice (CEST, then CET)."""
    rec = history["rec"]
    with database.transaction(db):
        for sid, fold in (("CO01", 0), ("CO02", 1)):
            rec.call(sid, berlin(AUTUMN, 2, 30, fold=fold),
                     [("öffnungszeiten", 0.9, "opening_hours", 0.9,
                       "answered:opening_hours")], "answered")
            rec.close(sid, berlin(AUTUMN, 2, 31, fold=fold))


def figures(db, first, last=None, **kwargs):
    period = stats_figures.Period(first, last or first)
    return stats_figures.figures(db, period, now=LATER, **kwargs)


def test_contained_and_transferred_never_overlap(history, db):
    """Finding 1: a caller who books and then asks for a person is transferred only."""
    summary = figures(db, MONDAY)["summary"]
    assert (summary["calls"], summary["contained"], summary["transferred_to_agents"]) == (7, 1, 5)
    assert summary["contained"] + summary["transferred_to_agents"] <= summary["calls"]
    booked = {i["intent"]: i for i in figures(db, MONDAY)["intents"]}["agent"]
    assert booked["contained"] == 0


def test_every_table_puts_a_call_on_the_day_it_started(history, db):
    """Finding 3: the call across midnight and its queue stay belong to Monday, in the
    summary, the days table and the sites table alike."""
    week = figures(db, MONDAY, MONDAY + timedelta(days=1))
    monday, tuesday = week["days"]
    assert (monday["calls"], monday["transferred"], monday["abandoned"]) == (7, 5, 2)
    assert (tuesday["calls"], tuesday["transferred"], tuesday["abandoned"]) == (0, 0, 0)
    alone = figures(db, MONDAY)
    assert alone["summary"]["abandoned"] == monday["abandoned"] == 2
    assert figures(db, MONDAY + timedelta(days=1))["summary"]["abandoned"] == 0
    sites = {s["site"]: s for s in alone["sites"]}
    assert sites["schorndorf"]["abandoned"] == figures(db, MONDAY, site="schorndorf")[
        "summary"]["abandoned"] == 1
    assert sum(s["abandoned"] for s in alone["sites"]) == alone["summary"]["abandoned"]


def test_service_level_by_the_standard_definitions(history, db):
    """Finding 4: answered within 20 s / (answered + abandoned after 20 s); 20.9 s is
    late; waits to the millisecond; a 3 s hang-up is a short abandon."""
    s = figures(db, MONDAY)["summary"]
    assert (s["answered_by_agent"], s["answered_within_threshold"], s["abandoned"],
            s["abandoned_short"], s["abandoned_after_threshold"]) == (3, 2, 2, 1, 1)
    assert s["service_level"] == 0.5  # 2 / (3 + 1)
    assert s["service_level_asterisk"] == round(2 / 3, 4)  # 2 / 3
    assert s["service_level_amazon"] == 0.4  # 2 / (3 + 2)
    assert s["abandonment_rate"] == 0.25  # (2 - 1 short) / (5 stays - 1 short)
    assert (s["wait_mean_s"], s["wait_median_s"], s["wait_p90_s"]) == (15.3, 20.0, 20.9)
    # Nobody answered, one abandon after the threshold: 0 %, not 100 %.
    night = figures(db, MONDAY, site="schorndorf")["summary"]
    assert night["service_level"] == 0.0 and night["service_level_amazon"] == 0.0
    assert night["service_level_asterisk"] is None
    # Short abandons are a setting: with 2 s, the 3 s hang-up counts.
    assert figures(db, MONDAY, short_abandon_s=2)["summary"]["abandonment_rate"] == 0.4


def test_a_hang_up_during_the_hand_over_sentence_is_not_a_queue_abandon(history, db):
    """Finding 5: the caller never reached the queue."""
    s = figures(db, MONDAY)["summary"]
    assert s["handover_hangups"] == 1
    assert s["queue_stays_without_callback"] == 5  # CM02-04, CM06, CM07; not CM05
    (result,) = db.execute("SELECT result FROM queue_entries WHERE call_sid = 'CM05'"
                           ).fetchone()
    assert result == "handover"


def test_callbacks_count_when_asked_for_and_when_worked(history, db):
    """Finding 6: asked for on Friday, worked on Monday; Ben has a row on Monday."""
    friday, monday = figures(db, FRIDAY), figures(db, MONDAY)
    assert (friday["summary"]["callbacks_requested"], friday["summary"]["callbacks_done"]) == (
        1, 0)
    assert (monday["summary"]["callbacks_requested"], monday["summary"]["callbacks_done"]) == (
        0, 1)
    ben = {a["name"]: a for a in monday["agents"]}["Ben"]
    assert ben["callback_attempts"] == 1
    kept = friday["callbacks"]
    assert (kept["requested"], kept["completed"], kept["completed_within_window"],
            kept["within_window_rate"]) == (1, 1, 1, 1.0)
    assert kept["first_attempt_mean_s"] == (2 * 24 + 17.5) * 3600 + 240  # Fri 16:00 -> Mon 9:34


def test_daylight_saving_nights_and_a_purge_in_between(history, db, stats_app):
    """Both DST nights by Berlin hours; a purge keeps every figure, and a callback that
    was never tried stays apart from one that was tried and not reached."""
    spring = figures(db, SPRING)
    assert spring["heatmap"]["calls"][6][1] == 1 and spring["heatmap"]["calls"][6][3] == 1
    assert spring["callbacks"]["still_open"] == 2
    before = figures(db, FRIDAY, SPRING)
    clock.install(stats_app, clock.Clock.at(datetime(2027, 5, 1, 12, tzinfo=BERLIN)))
    result = stats_app.test_cli_runner().invoke(args=["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    statuses = dict(db.execute("SELECT call_sid, status FROM callbacks").fetchall())
    assert statuses == {"CF01": "done", "CS01": "expired", "CS02": "expired"}
    after = figures(db, FRIDAY, SPRING)
    assert after["summary"] == before["summary"] and after["days"] == before["days"]
    kept = figures(db, SPRING)["callbacks"]
    assert (kept["never_attempted"], kept["not_reached"], kept["still_open"]) == (1, 1, 0)

    autumn(history, db)
    night = figures(db, AUTUMN)
    assert night["summary"]["calls"] == 2
    assert night["heatmap"]["calls"][6][2] == 2  # 02:30 twice, both in the 2 o'clock row
    assert [d["calls"] for d in night["days"]] == [2]
    whole = figures(db, FRIDAY, AUTUMN)
    assert whole["summary"]["calls"] == sum(d["calls"] for d in whole["days"]) == 12


def test_handle_time_after_call_work_and_occupancy(history, db):
    """Anna talks 3 minutes with each of CM02-CM04. Her wrap-ups last until the next
    call (119.1 s, 105 s) or until they end on their own (120 s); Ben's callback work
    (9:30-9:34) is a status of its own."""
    monday = figures(db, MONDAY)
    handling = monday["handling"]
    assert (handling["calls"], handling["talk_mean_s"], handling["after_call_work_mean_s"],
            handling["aht_s"]) == (3, 180.0, 114.7, 294.7)
    assert [(t["topic"], t["calls"], t["aht_s"]) for t in handling["topics"]] == [
        ("allgemein", 3, 294.7)]
    agents = {a["name"]: a for a in handling["agents"]}
    assert agents["Anna"]["aht_s"] == 294.7 and agents["Ben"]["calls"] == 0
    # Occupancy: ringing, talking, wrap-up and callbacks / logged in.
    assert agents["Anna"]["occupancy"] == round((3 * 180 + 119.1 + 105 + 120) / 36000, 4)
    assert agents["Ben"]["occupancy"] == round(240 / 2700, 4)
    ben = {a["name"]: a for a in monday["agents"]}["Ben"]
    assert (ben["callback_s"], ben["available_s"]) == (240, 2700 - 240)
    ended = db.execute("SELECT at, reason FROM agent_status_history WHERE agent_id = ?"
                       " AND status = 'available' ORDER BY at DESC LIMIT 1",
                       [history["anna"]]).fetchone()
    assert ended == (berlin(MONDAY, 10, 15, 39).isoformat(timespec="milliseconds"),
                     "wrap-up time over")


def test_dashboard_json_csv_and_the_terminal_agree(history, db, stats_app):
    clock.install(stats_app, clock.Clock.at(LATER))
    client = stats_app.test_client()
    login(client, db, "leitung", "supervisor")
    query = f"from={MONDAY}&to={MONDAY + timedelta(days=1)}"
    web = client.get(f"/supervisor/figures.json?{query}").get_json()
    result = stats_app.test_cli_runner().invoke(args=[
        "stats", "--since", str(MONDAY), "--until", str(MONDAY + timedelta(days=1)), "--json"])
    assert result.exit_code == 0, result.output
    terminal = json.loads(result.output)
    for key in ("summary", "days", "sites", "intents", "callbacks", "repeat_callers",
                "handling", "agents", "staffing"):
        assert web[key] == terminal[key], key

    def table(name):
        text = client.get(f"/supervisor/export/{name}.csv?{query}").get_data(as_text=True)
        return list(csv.reader(io.StringIO(text)))

    summary = dict(table("summary")[1:])
    assert {k: summary[k] for k in ("calls", "contained", "abandoned", "service_level")} == {
        k: str(web["summary"][k]) for k in ("calls", "contained", "abandoned", "service_level")}
    assert table("days")[1:] == [[str(d[k]) for k in ("day", "calls", "contained",
                                                       "transferred", "abandoned", "booked")]
                                 for d in web["days"]]
    assert dict(table("callbacks")[1:])["done_in_period"] == str(
        web["callbacks"]["done_in_period"]) == "1"
    assert table("handling")[1][2:] == [str(web["handling"][k]) for k in (
        "calls", "talk_mean_s", "after_call_work_mean_s", "aht_s", "occupancy")]


def test_the_rollup_kept_current_by_triggers_equals_one_rebuilt_from_scratch(history, db):
    """Every figure, the new ones too: a repeat call marks the first call's hour, a status
    change the hour of the call whose wrap-up it ends."""
    rec = history["rec"]
    whole = (FRIDAY, SPRING)
    before = figures(db, *whole)
    with database.transaction(db):  # Friday's caller calls again on Monday: a repeat
        db.execute("UPDATE calls SET caller_key = 'k-friday' WHERE call_sid = 'CF01'")
    stats_store.rebuild(db)
    with database.transaction(db):
        rec.clock = berlin(MONDAY, 12)
        ivr_store.open_call(db, "CM08", "+4915112345678", "+497151000000",
                            caller_key="k-friday")
        rec.call("CM08", berlin(MONDAY, 12), AGENT_TURN, "answered")
        rec.close("CM08", berlin(MONDAY, 12, 1))
    kept = figures(db, *whole)
    assert kept["repeat_callers"]["repeated"] == before["repeat_callers"]["repeated"] + 1
    assert stats_store.rebuild(db) > 0
    assert figures(db, *whole) == kept
