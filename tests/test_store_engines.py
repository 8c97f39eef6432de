"""The store's guarantees on both engines, with two app nodes writing at the same moment:
a call's turns applied once and in order, an agent rung for one call only, a caller held
(not failed) while another writer holds the store too long.

"Two nodes" here are two app objects on one database, answering from threads: what
matters is that two writers with connections of their own race. On SQLite they share
one file (one machine); on PostgreSQL, one server, as two machines would.
"""

import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

import clock
import db as database
from app import create_app
from conftest import NOW, TOKEN, Caller
from routing import dispatch, queue, store

pytestmark = pytest.mark.both_engines

# A call that asks two things and says goodbye: each line one webhook with a Gather.
LINES = ["welche unterlagen brauche ich", "ja", "wann haben sie geöffnet", "nein"]


def node(database_target):
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test",
                      "HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_PUBLIC_URL": "", "HOTLINE_LANGUAGES": ["de", "en"],
                      "HOTLINE_VALIDATE_SIGNATURES": True})
    clock.install(app, clock.Clock.at(NOW))
    return app


def turns_of(db, call_sid):
    return db.execute("SELECT turn, intent, event, said FROM turns WHERE call_sid = ?"
                      " ORDER BY id", [call_sid]).fetchall()


def call_row(db, call_sid):
    return db.execute("SELECT turns, step, intent, outcome FROM calls WHERE call_sid = ?",
                      [call_sid]).fetchone()


def action_of(body: str) -> str:
    return ET.fromstring(body).find("./Gather").get("action")


def test_a_webhook_and_its_retry_on_two_nodes_at_once_apply_each_turn_once_in_order(
        database_target):
    a, b = node(database_target), node(database_target)
    # The same call placed once, on one node, one request after the other: the reference.
    alone = Caller(a)
    alone.dial()
    for line in LINES:
        alone.say(line)

    racing = Caller(a)
    twin = Caller(b)  # Twilio's retry of each request, sent to the other node
    twin.call_sid = racing.call_sid
    url = action_of(racing.post("/voice/incoming", CallStatus="ringing").body)
    replies = []
    for line in LINES:
        fields = {"SpeechResult": line, "Confidence": "0.9"}
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda phone, url=url, fields=fields:
                                     phone.post(url, **fields), (racing, twin))
        assert first.status == second.status == 200
        assert first.body == second.body  # the retry gets the answer already given
        replies.append(first.body)
        if "<Gather" in first.body:
            url = action_of(first.body)

    conn = database.connect(database_target)
    try:
        assert turns_of(conn, racing.call_sid) == turns_of(conn, alone.call_sid)
        assert [row[0] for row in turns_of(conn, racing.call_sid)] == \
            list(range(len(LINES) + 1))
        assert call_row(conn, racing.call_sid) == call_row(conn, alone.call_sid)
    finally:
        conn.conn.close()


T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_callers_queued_on_two_nodes_at_once_never_ring_one_agent_twice(app, db):
    hashed = generate_password_hash("irrelevant-here")
    agents = []
    for n, login in enumerate(("anna", "ben", "cem")):
        made = store.add_agent(db, login=login, name=login.title(), password_hash=hashed,
                               topics=("geldleistungen",), languages=("de",),
                               sites=("waiblingen",), reach_kind="client",
                               reach_address=f"id-{login}", now=T0 - timedelta(minutes=10))
        with database.transaction(db):
            store.set_status(db, made.id, "available", now=T0 - timedelta(minutes=9 - n),
                             reason="test")
        agents.append(made.id)
    callers = [f"CA{n:02d}" for n in range(8)]
    for sid in callers:
        queue.enqueue(db, sid, topic="geldleistungen", site="waiblingen", now=T0)

    go = threading.Barrier(len(callers))

    def reserve(sid):
        conn = database.connect(app.config["HOTLINE_DATABASE"])
        try:
            go.wait(30)
            with database.transaction(conn):
                got = dispatch.reserve_agent(conn, sid, now=T0)
            return got.agent_id if got else None
        finally:
            conn.conn.close()

    with ThreadPoolExecutor(len(callers)) as pool:
        rung = [agent for agent in pool.map(reserve, callers) if agent is not None]
    assert sorted(rung) == sorted(agents)  # each free agent rung, each for one call
    assert {store.get_agent(db, agent).status for agent in agents} == {"ringing"}
    attempts = db.execute("SELECT agent_id, count(*) FROM dial_attempts GROUP BY agent_id"
                          ).fetchall()
    assert sorted(attempts) == sorted((agent, 1) for agent in agents)


def shorter_lock_timeouts(monkeypatch):
    """The busy timeout shortened: what matters is what the caller hears when it passes."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    import db_postgres

    monkeypatch.setattr(db_postgres, "LOCK_TIMEOUT_MS", 300)
    db_postgres.close_pools()  # new connections take the shorter lock timeout


def answered_while_another_writer_holds(app, caller, call_sid=None):
    """A turn of `caller` while another node's writer holds the store (and, if given, the
    row of call `call_sid`) beyond the lock timeout."""
    held, release = threading.Event(), threading.Event()

    def long_writer():
        other = database.connect(app.config["HOTLINE_DATABASE"])
        try:
            with database.transaction(other):
                if call_sid is not None:
                    other.execute("UPDATE calls SET updated_at = updated_at WHERE call_sid = ?",
                                  [call_sid])
                held.set()
                release.wait(30)
        finally:
            other.conn.close()

    writer = threading.Thread(target=long_writer)
    writer.start()
    try:
        assert held.wait(10)
        return caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                           Confidence="0.9")
    finally:
        release.set()
        writer.join()


def test_a_caller_is_held_not_failed_while_another_node_holds_the_store_too_long(
        app, caller, monkeypatch):
    caller.dial()
    shorter_lock_timeouts(monkeypatch)
    reply = answered_while_another_writer_holds(app, caller, call_sid=caller.call_sid)
    root = ET.fromstring(reply.body)
    assert reply.status == 200 and root.find("./Say").text == "Einen Moment bitte."
    assert root.find("./Redirect").text == "/voice/turn?t=0&held=1"
    # Once the other writer is done, the same words are answered and the call goes on.
    again = caller.post("/voice/turn?t=0", SpeechResult="welche unterlagen brauche ich",
                        Confidence="0.9")
    assert action_of(again.body) == "/voice/turn?t=1"


def test_on_postgresql_a_usual_turn_waits_for_no_other_calls_writer(
        app, caller, monkeypatch, engine):
    caller.dial()
    shorter_lock_timeouts(monkeypatch)
    reply = answered_while_another_writer_holds(app, caller)
    if engine == "sqlite":  # one write lock for the whole file
        assert ET.fromstring(reply.body).find("./Say").text == "Einen Moment bitte."
    else:  # the turn's compare-and-set locks only its own call's row
        assert action_of(reply.body) == "/voice/turn?t=1"


def test_a_turn_written_again_keeps_only_its_latest_reply(app, db):
    # A turn number saved twice (the error path, a seeded history): Twilio's retry of the
    # first request must not get the first answer back, and one saved without an answer
    # leaves none behind.
    from conversation import CallState, Heard, Turn
    from ivr import store as ivr_store

    state = CallState()
    turn = Turn(state=state, actions=(), event="greeting")
    with database.transaction(db):
        ivr_store.open_call(db, "CA-again", "+4915100000000", "+4971510000000")
        ivr_store.record_turn(db, "CA-again", Heard(), turn, "Guten Tag.",
                              reply=("first-key", "<Response>first</Response>"))
        ivr_store.record_turn(db, "CA-again", Heard(), turn, "Guten Tag.",
                              reply=("second-key", "<Response>second</Response>"))
    assert ivr_store.cached_reply(db, "CA-again", "first-key") is None
    assert ivr_store.cached_reply(db, "CA-again", "second-key") == "<Response>second</Response>"
    assert ivr_store.latest_reply(db, "CA-again") == "<Response>second</Response>"
    with database.transaction(db):
        ivr_store.record_turn(db, "CA-again", Heard(), turn, "Guten Tag.")
    assert ivr_store.latest_reply(db, "CA-again") is None
    assert db.execute("SELECT count(*) FROM turns WHERE call_sid = 'CA-again'").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM turn_replies").fetchone() == (0,)
