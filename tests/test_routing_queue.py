"""The queue and ringing agents through the API the phone side calls, on a real SQLite file."""

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from db import transaction
from gateway import FakeGateway
from routing import callbacks, dispatch, outcomes, queue, store

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Waiblingen
HASH = generate_password_hash("irrelevant-here")


@pytest.fixture
def rdb(db):
    """The app's database with routing's tables."""
    with transaction(db):
        store.migrate(db)
    return db


def add(rdb, login, *, topics=("geldleistungen",), languages=("de",), sites=("waiblingen",),
        status="available", idle_at=T0, reach=("client", None)):
    kind, address = reach
    made = store.add_agent(rdb, login=login, name=login.title(), password_hash=HASH,
                           topics=topics, languages=languages, sites=sites, reach_kind=kind,
                           reach_address=address or f"id-{login}", now=idle_at)
    if status != "offline":
        with transaction(rdb):
            store.set_status(rdb, made.id, status, now=idle_at, reason="test")
    return made.id


def status_of(rdb, agent_id):
    return store.get_agent(rdb, agent_id).status


def connect_url(call_sid, agent_id):
    return f"https://hotline.example/voice/connect?agent={agent_id}"


# ----------------------------------------------------------------- the queue


@pytest.mark.both_engines
def test_enqueue_is_idempotent_and_an_emergency_stays_one(rdb):
    first = queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen",
                          priority="emergency", now=T0)
    again = queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    assert again.id == first.id and again.priority == "emergency"
    assert len(queue.waiting_entries(rdb)) == 1


def test_position_and_a_callback_offer_when_the_wait_is_long(rdb):
    add(rdb, "anna", status="on_call")
    for n in range(3):
        queue.enqueue(rdb, f"CA{n}", topic="geldleistungen", site="waiblingen",
                      now=T0 + timedelta(minutes=n))
    status = queue.queue_status(rdb, "CA2", now=T0 + timedelta(minutes=3))
    assert status.position == 3
    assert status.staffed
    # No history yet: the default of three minutes, more than the two after which a
    # callback is offered.
    assert status.estimated_wait_s == queue.DEFAULT_WAIT_S - 60
    assert status.offer_callback


def test_the_estimate_is_the_median_wait_of_answered_callers_at_this_hour(rdb):
    add(rdb, "anna", status="on_call")
    # Answered callers on earlier days at 10:xx local time waited 40..80 s; callers at
    # other hours waited far longer and must not count, nor must those who hung up.
    for day, wait in enumerate([40, 50, 60, 70, 80], start=1):
        start = T0 - timedelta(days=day)
        queue.enqueue(rdb, f"H{day}", now=start)
        queue.leave_queue(rdb, f"H{day}", "bridged", now=start + timedelta(seconds=wait))
        other = T0 - timedelta(days=day, hours=3)
        queue.enqueue(rdb, f"O{day}", now=other)
        queue.leave_queue(rdb, f"O{day}", "bridged", now=other + timedelta(minutes=20))
        queue.enqueue(rdb, f"A{day}", now=start)
        queue.leave_queue(rdb, f"A{day}", "abandoned", now=start + timedelta(minutes=30))
    queue.enqueue(rdb, "CA-now", now=T0)
    status = queue.queue_status(rdb, "CA-now", now=T0)
    assert status.estimated_wait_s == 60
    assert not status.offer_callback
    assert status.estimated_minutes == 1
    # History older than two weeks is forgotten: back to the default.
    later = T0 + timedelta(days=20)
    queue.enqueue(rdb, "CA-later", now=later)
    assert queue.queue_status(rdb, "CA-later", now=later).estimated_wait_s == 180


def test_with_nobody_logged_in_a_callback_is_offered_at_once(rdb):
    add(rdb, "anna", status="offline")
    queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    status = queue.queue_status(rdb, "CA1", now=T0)
    assert not status.staffed and status.offer_callback


@pytest.mark.both_engines
def test_leaving_records_result_and_wait_once(rdb):
    queue.enqueue(rdb, "CA1", now=T0)
    left = queue.leave_queue(rdb, "CA1", "abandoned", now=T0 + timedelta(seconds=95))
    assert (left.result, left.wait_s) == ("abandoned", 95)
    assert queue.leave_queue(rdb, "CA1", "abandoned", now=T0 + timedelta(seconds=99)) is None
    with pytest.raises(queue.NotQueuedError):
        queue.queue_status(rdb, "CA1", now=T0)


# ----------------------------------------------------------------- ringing agents


@pytest.mark.both_engines
def test_two_calls_never_ring_the_same_agent(rdb):
    anna = add(rdb, "anna", idle_at=T0 - timedelta(minutes=10))
    ben = add(rdb, "ben", idle_at=T0 - timedelta(minutes=5))
    for sid in ("CA1", "CA2", "CA3"):
        queue.enqueue(rdb, sid, topic="geldleistungen", site="waiblingen", now=T0)
    first = dispatch.reserve_agent(rdb, "CA1", now=T0)
    second = dispatch.reserve_agent(rdb, "CA2", now=T0)
    assert (first.agent_id, second.agent_id) == (anna, ben)  # longest idle first
    assert dispatch.reserve_agent(rdb, "CA3", now=T0) is None
    assert status_of(rdb, anna) == status_of(rdb, ben) == "ringing"
    # A retried webhook gets the same reservation, not a second agent.
    assert dispatch.reserve_agent(rdb, "CA1", now=T0).agent_id == anna
    assert first.reach_kind == "client" and first.reach_address == "id-anna"


@pytest.mark.both_engines
def test_no_answer_rings_the_next_agent_and_the_caller_keeps_their_place(rdb):
    anna = add(rdb, "anna", idle_at=T0 - timedelta(minutes=10))
    ben = add(rdb, "ben", idle_at=T0 - timedelta(minutes=5))
    queue.enqueue(rdb, "CA1", now=T0, topic="geldleistungen", site="waiblingen")
    dispatch.reserve_agent(rdb, "CA1", now=T0)
    outcome = dispatch.dial_ended(rdb, "CA1", anna, "no-answer", now=T0 + timedelta(seconds=20))
    assert not outcome.talked and outcome.next.agent_id == ben
    assert status_of(rdb, anna) == "available"
    outcome = dispatch.dial_ended(rdb, "CA1", ben, "busy", now=T0 + timedelta(seconds=40))
    # Both tried: back into the queue, with the original time of joining.
    assert outcome.next is None
    entry = queue.open_entry(rdb, "CA1")
    assert entry.enqueued_at == store.utc_text(T0) and entry.ringing_agent_id is None
    attempts = rdb.execute("SELECT agent_id, result FROM dial_attempts ORDER BY id").fetchall()
    assert attempts == [(anna, "no-answer"), (ben, "busy")]


@pytest.mark.both_engines
def test_answer_bridges_then_wrap_up_then_the_outcome_makes_the_agent_available(rdb):
    anna = add(rdb, "anna")
    queue.enqueue(rdb, "CA1", now=T0, topic="geldleistungen", site="waiblingen")
    dispatch.reserve_agent(rdb, "CA1", now=T0)
    dispatch.agent_answered(rdb, "CA1", anna, now=T0 + timedelta(seconds=30))
    assert status_of(rdb, anna) == "on_call"
    left = queue.last_entry(rdb, "CA1")
    assert (left.result, left.agent_id, left.wait_s) == ("bridged", anna, 30)
    assert dispatch.dial_ended(rdb, "CA1", anna, "completed", now=T0 + timedelta(minutes=5)).talked
    assert status_of(rdb, anna) == "wrap_up"
    outcomes.record_outcome(rdb, anna, "resolved", "Zahlung kommt Freitag",
                            now=T0 + timedelta(minutes=6))
    assert status_of(rdb, anna) == "available"
    assert outcomes.outcomes_of(rdb, "CA1")[0][2:] == ("resolved", "Zahlung kommt Freitag")


def test_a_caller_who_hangs_up_while_it_rings_is_abandoned_and_the_agent_freed(rdb):
    anna = add(rdb, "anna")
    queue.enqueue(rdb, "CA1", now=T0, topic="geldleistungen", site="waiblingen")
    dispatch.reserve_agent(rdb, "CA1", now=T0)
    queue.joined(rdb, "CA1")  # the ring started: the caller is in the line
    dispatch.call_finished(rdb, "CA1", now=T0 + timedelta(seconds=8))
    assert status_of(rdb, anna) == "available"
    assert queue.last_entry(rdb, "CA1").result == "abandoned"


def test_a_ring_never_reported_back_is_released(rdb):
    anna = add(rdb, "anna")
    queue.enqueue(rdb, "CA1", now=T0, topic="geldleistungen", site="waiblingen")
    queue.enqueue(rdb, "CA2", now=T0, topic="geldleistungen", site="waiblingen")
    dispatch.reserve_agent(rdb, "CA1", now=T0)
    assert dispatch.reserve_agent(rdb, "CA2", now=T0 + timedelta(seconds=30)) is None
    late = T0 + timedelta(seconds=dispatch.RING_TIMEOUT_S + dispatch.STALE_GRACE_S + 1)
    assert dispatch.reserve_agent(rdb, "CA2", now=late).agent_id == anna


def test_an_agent_who_misses_three_rings_in_a_row_is_set_offline(rdb):
    anna = add(rdb, "anna")
    for n in range(3):
        sid = f"CA{n}"
        queue.enqueue(rdb, sid, now=T0, topic="geldleistungen", site="waiblingen")
        assert dispatch.reserve_agent(rdb, sid, now=T0).agent_id == anna
        dispatch.dial_ended(rdb, sid, anna, "no-answer", now=T0 + timedelta(seconds=20))
    assert status_of(rdb, anna) == "offline"


def test_whisper_says_topic_language_and_verification(rdb):
    queue.enqueue(rdb, "CA1", now=T0, topic="geldleistungen", language="en",
                  priority="emergency")
    assert dispatch.whisper_text(rdb, "CA1") == (
        "Notfall! Anruf zum Thema Geldleistungen, Sprache Englisch, Identität nicht geprüft.")


# ----------------------------------------------------------------- a free agent gets a caller


@pytest.mark.both_engines
def test_a_free_agent_gets_the_longest_waiting_suitable_caller_through_the_gateway(rdb):
    anna = add(rdb, "anna", status="on_call")
    queue.enqueue(rdb, "CA-backnang", site="backnang", now=T0)
    queue.enqueue(rdb, "CA-old", topic="geldleistungen", site="waiblingen",
                  now=T0 + timedelta(minutes=1))
    queue.enqueue(rdb, "CA-new", topic="geldleistungen", site="waiblingen",
                  now=T0 + timedelta(minutes=2))
    gateway = FakeGateway()
    assert dispatch.connect_next_caller(rdb, anna, now=T0, connect_url=connect_url,
                                        gateway=gateway) is None  # still on a call
    with transaction(rdb):
        store.set_status(rdb, anna, "available", now=T0, reason="test")
    moved = dispatch.connect_next_caller(rdb, anna, now=T0 + timedelta(minutes=3),
                                         connect_url=connect_url, gateway=gateway)
    assert moved == "CA-old"
    assert gateway.redirects == [{"call_sid": "CA-old",
                                  "url": f"https://hotline.example/voice/connect?agent={anna}"}]
    assert dispatch.reservation_for(rdb, "CA-old").agent_id == anna
    assert status_of(rdb, anna) == "ringing"


def test_when_twilio_cannot_be_reached_the_caller_keeps_waiting_and_the_agent_is_free(rdb):
    anna = add(rdb, "anna")
    queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    gateway = FakeGateway(fail=True)
    assert dispatch.connect_next_caller(rdb, anna, now=T0, connect_url=connect_url,
                                        gateway=gateway) is None
    assert status_of(rdb, anna) == "available"
    assert queue.open_entry(rdb, "CA1").ringing_agent_id is None


# ----------------------------------------------------------------- callbacks


@pytest.mark.both_engines
def test_a_callback_takes_the_caller_out_of_the_queue_and_is_worked_with_attempts(rdb):
    anna = add(rdb, "anna")
    queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    wish = callbacks.request_callback(
        rdb, "CA1", phone="+4915112345678", confirmed_by="caller_id", topic="geldleistungen",
        site="waiblingen", window_start=T0 + timedelta(hours=4),
        window_end=T0 + timedelta(hours=6), now=T0 + timedelta(minutes=2))
    assert queue.last_entry(rdb, "CA1").result == "callback"
    assert callbacks.request_callback(rdb, "CA1", phone="+4915112345678",
                                      confirmed_by="caller_id", now=T0).id == wish.id
    assert [cb.id for cb in callbacks.visible_callbacks(rdb, anna)] == [wish.id]
    callbacks.start_callback(rdb, wish.id, anna, now=T0)
    after = callbacks.record_attempt(rdb, wish.id, anna, "no_answer", now=T0)
    assert (after.status, after.attempts) == ("open", 1)
    callbacks.start_callback(rdb, wish.id, anna, now=T0)
    done = callbacks.record_attempt(rdb, wish.id, anna, "reached", "geklärt", now=T0)
    assert done.status == "done"
    assert [a[2] for a in callbacks.attempts_of(rdb, wish.id)] == ["no_answer", "reached"]


def test_a_callback_fails_after_three_unanswered_attempts(rdb):
    anna = add(rdb, "anna")
    wish = callbacks.request_callback(rdb, None, phone="+4971511234", confirmed_by="spoken",
                                      topic="geldleistungen", site="waiblingen", now=T0)
    for _ in range(3):
        callbacks.start_callback(rdb, wish.id, anna, now=T0)
        last = callbacks.record_attempt(rdb, wish.id, anna, "busy", now=T0)
    assert last.status == "failed"


@pytest.mark.both_engines
def test_another_site_does_not_see_the_callback_and_cannot_start_it_twice(rdb):
    anna = add(rdb, "anna")
    bernd = add(rdb, "bernd", sites=("backnang",))
    wish = callbacks.request_callback(rdb, None, phone="+4971511234", confirmed_by="spoken",
                                      topic="geldleistungen", site="waiblingen", now=T0)
    assert callbacks.visible_callbacks(rdb, bernd) == []
    callbacks.start_callback(rdb, wish.id, anna, now=T0)
    carl = add(rdb, "carl")
    with pytest.raises(callbacks.CallbackStateError):
        callbacks.start_callback(rdb, wish.id, carl, now=T0)
