"""Supervisor figures against a hand-computed day of ten calls, recorded by the real store code."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import db as database
from conversation import CallState, Heard, Turn
from ivr import store as ivr_store
from routing import callbacks, dispatch, outcomes, queue
from routing import store as routing_store
from speech.intents import Recognition
from stats import figures as stats_figures
from stats import store as stats_store
from stats.figures import mask_digits

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 24, tzinfo=BERLIN)  # a Tuesday, the day before the tests' "now"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)


def at(hh, mm, ss=0) -> datetime:
    return DAY.replace(hour=hh, minute=mm, second=ss).astimezone(UTC)


def ready(app) -> None:
    """The seed command, which app.py does not register (the rollup's tables are among
    app.py's migrations)."""
    from devtools import history

    if "seed-calls" not in app.cli.commands:
        app.cli.add_command(history.seed_calls_command)


@pytest.fixture
def stats_app(app):
    ready(app)
    return app


class Recorder:
    """Writes calls as the webhooks do, at times the test chooses."""

    def __init__(self, db, monkeypatch):
        self.db = db
        self.clock = at(0, 0)
        monkeypatch.setattr(ivr_store, "utcnow",
                            lambda: self.clock.isoformat(timespec="milliseconds"))

    def call(self, sid, start, turns, outcome, lang="de"):
        """turns: (speech, confidence, intent, score, event) per caller turn."""
        self.clock = start
        ivr_store.open_call(self.db, sid, "+4915112345678", "+497151000000")
        state = CallState(lang=lang, step="listen")
        ivr_store.record_turn(self.db, sid, Heard(), Turn(state, (), "greeting"), "Guten Tag")
        for n, (speech, confidence, intent, score, event) in enumerate(turns, 1):
            self.clock = start + timedelta(seconds=10 * n)
            state.turn = n
            state.intent = intent if intent != "out_of_scope" else state.intent
            if n == len(turns):
                state.outcome = outcome
            recognition = (Recognition(speech, intent, score, ((intent, score),), "", True, False)
                           if intent else None)
            ivr_store.record_turn(self.db, sid, Heard(speech=speech, confidence=confidence),
                                  Turn(state, (), event, recognition), "…")

    def close(self, sid, end):
        self.clock = end
        ivr_store.close_call(self.db, sid, "completed", 60)
        dispatch.call_finished(self.db, sid, now=end)


@pytest.fixture
def day(stats_app, db, monkeypatch):
    """Ten calls on Tuesday 24 November 2026, 9:00-9:59 Berlin, with known results."""
    rec = Recorder(db, monkeypatch)
    hashed = "scrypt:not-a-real-hash"
    anna = routing_store.add_agent(db, login="anna", name="Anna", password_hash=hashed,
                                   sites=("waiblingen",), now=at(8, 0)).id
    ben = routing_store.add_agent(db, login="ben", name="Ben", password_hash=hashed,
                                  sites=("backnang",), now=at(8, 0)).id
    with database.transaction(db):
        for agent in (anna, ben):
            routing_store.set_status(db, agent, "available", now=at(9, 0), reason="test")
        # 1-3, 9: solved by the machine.
        rec.call("CA01", at(9, 1), [("welche unterlagen", 0.9, "documents", 0.8,
                                    "answered:documents")], "answered")
        rec.call("CA02", at(9, 2), [("kindergeld", 0.6, "out_of_scope", 0.3,
                                    "answered:out_of_scope"),
                                   ("öffnungszeiten", 0.8, "opening_hours", 0.9,
                                    "answered:opening_hours")], "answered")
        rec.call("CA03", at(9, 3), [("appointment please", 0.7, "book_appointment", 0.9,
                                    "query:book")], "booked", lang="en")
        rec.call("CA09", at(9, 9), [("termin absagen", 0.6, "cancel_appointment", 0.9,
                                    "query:cancel")], "cancelled")
        # 4: not understood once, then an agent (Anna, after 10 s) who books.
        rec.call("CA04", at(9, 4), [("wohngeld antrag", 0.5, "out_of_scope", 0.2,
                                    "reprompt:not_understood"),
                                   ("mitarbeiter", 0.9, "agent", 0.95, "agent:requested")],
                 "agent")
        queue.enqueue(db, "CA04", site="waiblingen", now=at(9, 4, 20))
        queue.joined(db, "CA04", now=at(9, 4, 20))  # the hold music asked: in the queue
        dispatch.agent_answered(db, "CA04", anna, now=at(9, 4, 30))
        dispatch.dial_ended(db, "CA04", anna, "completed", now=at(9, 10))
        outcomes.record_outcome(db, anna, "booking_made", now=at(9, 11))
        rec.close("CA04", at(9, 10))
        # 5: Ben answers after 15 s.
        rec.call("CA05", at(9, 5), [("mein geld", 0.8, "payment_status", 0.9,
                                    "agent:payment_status")], "agent")
        queue.enqueue(db, "CA05", site="backnang", now=at(9, 5, 10))
        queue.joined(db, "CA05", now=at(9, 5, 10))  # the hold music asked: in the queue
        dispatch.agent_answered(db, "CA05", ben, now=at(9, 5, 25))
        dispatch.dial_ended(db, "CA05", ben, "completed", now=at(9, 8))
        outcomes.record_outcome(db, ben, "resolved", now=at(9, 9))
        rec.close("CA05", at(9, 8))
        # 6, 7: hang up in the queue after 5 s and after 60 s.
        rec.call("CA06", at(9, 6), [("mitarbeiter", 0.9, "agent", 0.9, "agent:requested")],
                 "agent")
        queue.enqueue(db, "CA06", site="waiblingen", now=at(9, 6, 10))
        queue.joined(db, "CA06", now=at(9, 6, 10))  # the hold music asked: in the queue
        rec.close("CA06", at(9, 6, 15))
        rec.call("CA07", at(9, 7), [("mitarbeiter", 0.7, "agent", 0.9, "agent:requested")],
                 "agent")
        queue.enqueue(db, "CA07", site="waiblingen", now=at(9, 7, 10))
        queue.joined(db, "CA07", now=at(9, 7, 10))  # the hold music asked: in the queue
        rec.close("CA07", at(9, 8, 10))
        # 8: asks for a callback after 100 s in the queue; Ben reaches them at 11:00.
        rec.call("CA08", at(9, 8), [("mitarbeiter", 0.9, "agent", 0.9, "agent:requested")],
                 "callback")
        queue.enqueue(db, "CA08", site="schorndorf", now=at(9, 8, 10))
        queue.joined(db, "CA08", now=at(9, 8, 10))  # the hold music asked: in the queue
        made = callbacks.request_callback(db, "CA08", phone="+4915112345678",
                                          confirmed_by="caller_id", site="schorndorf",
                                          now=at(9, 9, 50))
        rec.close("CA08", at(9, 10))
        callbacks.start_callback(db, made.id, ben, now=at(11, 0))
        callbacks.record_attempt(db, made.id, ben, "reached", now=at(11, 0))
        # 10: silence, then the caller hangs up.
        rec.call("CA10", at(9, 50), [("", None, None, None, "reprompt:not_heard")], None)
        for sid, minute in (("CA01", 2), ("CA02", 3), ("CA03", 5), ("CA09", 10), ("CA10", 51)):
            rec.close(sid, at(9, minute))
        for agent in (anna, ben):
            routing_store.set_status(db, agent, "offline", now=at(12, 0), reason="test")
    return {"anna": anna, "ben": ben}


def figures(db, **kwargs):
    period = stats_figures.Period(DAY.date(), DAY.date())
    return stats_figures.figures(db, period, now=NOW, **kwargs)


EXPECTED = {
    "calls": 10,
    "contained": 4,  # 1, 2, 3, 9
    "containment_rate": 0.4,
    "transferred_to_agents": 5,  # 4-8 joined the queue
    "transfer_rate": 0.5,
    "callbacks_requested": 1,
    "callbacks_done": 1,
    "bookings_made": 2,  # 3 by the hotline, 4 by Anna
    "bookings_by_hotline": 1,
    "bookings_by_agents": 1,
    "cancelled": 1,
    "rescheduled": 0,
    "emergencies": 0,
    "turns": 12,  # caller turns: 2 in calls 2 and 4, one in each other call
    "not_understood_turns": 2,  # "kindergeld" (out of scope, score 0.3), "wohngeld antrag"
    "not_understood_rate": round(2 / 12, 4),
    # every turn with a confidence (call 10 was silent)
    "mean_confidence": round((0.9 + 0.6 + 0.8 + 0.7 + 0.6 + 0.5 + 0.9 + 0.8 + 0.9 + 0.7 + 0.9)
                             / 11, 3),
    "handover_hangups": 0,
    "answered_by_agent": 2,  # waits 10 s and 15 s
    "abandoned": 2,  # after 5 s and 60 s
    "abandoned_short": 1,  # the 5 s one (within HOTLINE_SHORT_ABANDON)
    "short_abandon_s": 5,
    "callbacks_from_queue": 1,
    "queue_stays_without_callback": 4,
    "abandonment_rate": round(1 / 3, 4),  # (2 - 1 short) / (5 - 1 callback - 1 short)
    "wait_mean_s": 12.5,
    "wait_median_s": 12.5,
    "wait_p90_s": 15,  # nearest rank: ceil(0.9 * 2) = 2nd of (10, 15)
    "threshold_s": 20,
    "answered_within_threshold": 2,
    "abandoned_after_threshold": 1,  # the 60 s one
    "service_level": round(2 / 3, 4),  # 2 within / (2 answered + 1 abandoned after 20 s)
    "service_level_asterisk": 1.0,  # both within 20 s
    "service_level_amazon": 0.5,  # 2 / (2 + 2 abandoned)
}


@pytest.mark.both_engines
def test_every_figure_matches_the_hand_computed_day(day, db):
    data = figures(db)
    assert data["summary"] == EXPECTED
    assert data["outcomes"] == {"answered": 2, "booked": 1, "cancelled": 1, "rescheduled": 0,
                                "agent": 4, "callback": 1, "hangup": 1, "open": 0}
    assert data["days"] == [{"day": "2026-11-24", "calls": 10, "contained": 4, "transferred": 5,
                             "abandoned": 2, "booked": 1, "containment_rate": 0.4,
                             "recognised_rate": 0.8333}]  # 10 of the 12 caller turns
    heat = data["heatmap"]["calls"]
    assert heat[1][9] == 10 and sum(map(sum, heat)) == 10  # Tuesday, 9 o'clock Berlin
    intents = {i["intent"]: (i["calls"], i["contained"], i["agent"], i["callback"], i["hangup"])
               for i in data["intents"]}
    assert intents == {"agent": (4, 0, 3, 1, 0), "documents": (1, 1, 0, 0, 0),
                       "opening_hours": (1, 1, 0, 0, 0), "book_appointment": (1, 1, 0, 0, 0),
                       "cancel_appointment": (1, 1, 0, 0, 0), "payment_status": (1, 0, 1, 0, 0),
                       None: (1, 0, 0, 0, 1)}
    sites = {s["site"]: (s["calls"], s["transferred"], s["abandoned"]) for s in data["sites"]}
    assert sites == {None: (5, 0, 0), "backnang": (1, 1, 0), "schorndorf": (1, 1, 0),
                     "waiblingen": (3, 3, 2)}
    assert {s["lang"]: s["calls"] for s in data["languages"]} == {"de": 9, "en": 1}


@pytest.mark.both_engines
def test_agents_calls_taken_and_time_in_each_status(day, db):
    agents = {a["name"]: a for a in figures(db)["agents"]}
    anna, ben = agents["Anna"], agents["Ben"]
    # Anna: created at 8:00 (not counted before), offline until 9:00, available to
    # 9:04:30, on the call to 9:10, wrap-up to 9:11, available to 12:00, offline to midnight.
    assert anna["calls_taken"] == 1
    assert anna["offline_s"] == 1 * 3600 + 12 * 3600
    assert anna["available_s"] == 270 + (3 * 3600 - 11 * 60)
    assert anna["on_call_s"] == 5 * 60 + 30
    assert anna["wrap_up_s"] == 60
    assert ben["calls_taken"] == 1 and ben["on_call_s"] == 2 * 60 + 35 and ben["wrap_up_s"] == 60


def test_one_site_one_language(day, db):
    waiblingen = figures(db, site="waiblingen")["summary"]
    assert (waiblingen["calls"], waiblingen["abandoned"], waiblingen["answered_by_agent"],
            waiblingen["abandonment_rate"], waiblingen["wait_mean_s"]) == (
        3, 2, 1, 0.5, 10)  # (2 abandoned - 1 short) / (3 stays - 1 short)
    english = figures(db, lang="en")["summary"]
    assert (english["calls"], english["contained"], english["bookings_made"]) == (1, 1, 1)
    assert figures(db, threshold_s=12)["summary"]["service_level_asterisk"] == 0.5


@pytest.mark.both_engines
def test_not_understood_utterances_are_grouped_and_survive_only_until_purge(day, db, stats_app):
    period = stats_figures.Period(DAY.date(), DAY.date())
    groups = stats_figures.not_understood(db, period)
    assert sorted(g["example"] for g in groups) == ["kindergeld", "wohngeld antrag"]
    before = figures(db)
    result = stats_app.test_cli_runner().invoke(args=["purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    assert stats_figures.not_understood(db, period) == []  # the words are gone ...
    assert figures(db) == before  # ... the figures are not


@pytest.mark.both_engines
def test_a_new_turn_makes_its_hour_dirty_and_the_next_query_counts_it(day, db, monkeypatch):
    assert figures(db)["summary"]["calls"] == 10
    rec = Recorder(db, monkeypatch)
    with database.transaction(db):
        rec.call("CA11", at(23, 30), [("unterlagen", 0.9, "documents", 0.8,
                                      "answered:documents")], "answered")
    assert db.execute("SELECT count(*) FROM stats_dirty").fetchone()[0] == 1
    summary = figures(db)["summary"]
    assert (summary["calls"], summary["contained"]) == (11, 5)
    assert stats_store.rebuild(db) >= 2 and figures(db)["summary"] == summary


def test_similar_utterances_form_one_group_and_numbers_are_masked():
    assert mask_digits("kundennummer 123 456 7890 bitte") == "kundennummer … bitte"
    assert mask_digits("0171 2345678") == "…"


def test_a_finished_day_of_agent_time_is_kept_until_a_change_dated_on_it(day, db):
    assert figures(db)["agents"][0]["wrap_up_s"] == 60  # computed and stored
    assert db.execute("SELECT day FROM stats_agent_days_done").fetchall() == [("2026-11-24",)]
    with database.transaction(db):  # a late correction: Anna paused 11:00-11:30
        routing_store.set_status(db, day["anna"], "wrap_up", now=at(11, 0), reason="test")
        routing_store.set_status(db, day["anna"], "available", now=at(11, 30), reason="test")
    assert db.execute("SELECT count(*) FROM stats_agent_days_done").fetchone()[0] == 0
    anna = {a["name"]: a for a in figures(db)["agents"]}["Anna"]
    assert anna["wrap_up_s"] == 60 + 1800
