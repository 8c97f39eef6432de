"""Bookings: one caller per slot even when 20 race (threads, processes); cancel, reschedule.

On both engines: SQLite, and PostgreSQL as several nodes share it."""

import multiprocessing
import threading
from datetime import date, datetime, time, timedelta

import pytest

import db as database
from schedules import slots, store
from schedules.calendar import holiday_name
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.model import Wish
from schedules.slots import find_slots

DAY = date(2026, 12, 8)  # a Tuesday
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)

SITES = """
[booking]
grid_minutes = 30
[sites.backnang]
name = "Geschäftsstelle Backnang"
address = "Am Obstmarkt 3, 71522 Backnang"
[sites.backnang.opening_hours]
tue = ["08:00-12:30"]
"""
# One caseworker, five half-hour slots on Tuesdays: 09:00 ... 11:00.
PEOPLE = """
[topics.geldleistungen]
minutes = 30
label_de = "Geldleistungen"
label_en = "benefits"
[topics.berufsberatung]
minutes = 60
label_de = "Berufsberatung"
label_en = "careers advice"
[[caseworkers]]
id = "wagner"
name = "Herr Wagner"
topics = ["geldleistungen", "berufsberatung"]
[caseworkers.hours.backnang]
tue = ["09:00-11:30"]
"""
# Working out a year's holidays takes a tenth of a second per process, once; doing it at
# import lets the forked callers below inherit it and race instead of computing.
holiday_name("BW", DAY)

FIVE = [datetime.combine(DAY, time(9, 0), tzinfo=BERLIN) + timedelta(minutes=30 * i)
        for i in range(5)]


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "schedule"
    path.mkdir()
    (path / "sites.toml").write_text(SITES, encoding="utf-8")
    (path / "caseworkers.toml").write_text(PEOPLE, encoding="utf-8")
    return path


@pytest.fixture
def schedule(folder):
    return load_schedule(folder)


pytestmark = pytest.mark.both_engines


@pytest.fixture
def path(database_target):
    path = database_target
    conn = database.connect(path)
    with database.transaction(conn):
        store.migrate(conn)
    conn.conn.close()
    return path


@pytest.fixture
def db(path):
    conn = database.connect(path)
    yield conn
    conn.conn.close()


def first_slot(db, schedule, **wish):
    return find_slots(db, schedule, "backnang", "geldleistungen", Wish(on=DAY, **wish), NOW,
                      limit=1)[0]


def caller(path: str, folder: str, n: int, go) -> str | None:
    """One caller on their own connection: wait for the start, then take the first free slot."""
    conn = database.connect(path)
    try:
        go.wait()
        booking = slots.book_first_free(conn, load_schedule(folder), "backnang",
                                        "geldleistungen", Wish(on=DAY), NOW,
                                        call_sid=f"CA{n:02d}", phone=f"+49151000000{n:02d}")
        return booking.start.isoformat() if booking else None
    finally:
        conn.conn.close()


def _process_caller(path, folder, n, go, results):
    try:
        results.put((n, caller(path, folder, n, go)))
    except BaseException as error:  # the test shows why, instead of waiting for a result
        results.put((n, f"failed: {error!r}"))


def race(kind: str, path: str, folder, callers: int) -> list[str | None]:
    if kind == "threads":
        go = threading.Event()
        results: list = [None] * callers

        def run(n):
            results[n] = caller(path, str(folder), n, go)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(callers)]
        for thread in threads:
            thread.start()
        go.set()
        for thread in threads:
            thread.join()
        return results
    # Each caller is a process of its own with its own connection, forked by a fresh
    # single-threaded server that has imported the booking code once (forkserver). A
    # plain fork of this process copied the locks its other threads held at that moment
    # (the WAL checkpoint thread inside SQLite): one run in a few under load, a child
    # waited on one for ever and the test stopped at queue.Empty.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["db", "schedules.store", "schedules.config"])
    go, queue = context.Event(), context.Queue()
    processes = [context.Process(target=_process_caller, args=(path, str(folder), n, go, queue))
                 for n in range(callers)]
    for process in processes:
        process.start()
    go.set()
    try:
        got = dict(queue.get(timeout=120) for _ in processes)
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        # A caller that never answered must not keep pytest from exiting (it waits for
        # its children at exit): the test fails, the run goes on.
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
    return [got[n] for n in range(callers)]


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_twenty_callers_racing_for_five_slots_give_five_winners(kind, path, folder, db):
    results = race(kind, path, folder, 20)
    winners = [r for r in results if r is not None]
    assert sorted(winners) == [s.isoformat() for s in FIVE]  # each slot exactly once
    assert results.count(None) == 15  # the others were told nothing is free
    rows = db.execute("SELECT start_utc FROM bookings WHERE status = 'booked'").fetchall()
    assert len(rows) == 5 and len(set(rows)) == 5


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_callers_who_lose_a_race_get_the_next_slot(kind, path, folder):
    results = race(kind, path, folder, 4)
    # Four callers all wanted 09:00; one got it and the others the next free times.
    assert sorted(results) == [s.isoformat() for s in FIVE[:4]]


def test_a_taken_slot_raises_and_a_retry_of_the_same_call_books_once(db, schedule):
    slot = first_slot(db, schedule)
    booking = store.book(db, slot, call_sid="CA1", phone="+4915100000001", now=NOW)
    assert len(booking.code) == 6 and booking.code.isdigit()
    assert len(booking.token) >= 32
    assert booking.start == slot.start and booking.status == "booked"
    again = store.book(db, slot, call_sid="CA1", phone="+4915100000001", now=NOW)
    assert again.id == booking.id  # a Twilio retry
    with pytest.raises(store.SlotTakenError) as taken:
        store.book(db, slot, call_sid="CA2", phone="+4915100000002", now=NOW)
    assert taken.value.slot == slot
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == 1


def test_an_overlapping_longer_appointment_is_taken_too(db, schedule):
    store.book(db, first_slot(db, schedule, time=time(9, 30)), call_sid="CA1", phone="1",
               now=NOW)
    [hour] = find_slots(db, schedule, "backnang", "berufsberatung", Wish(on=DAY), NOW, limit=1)
    assert hour.start.time() == time(10, 0)  # 09:00-10:00 would overlap 09:30
    clash = hour.__class__(FIVE[0], FIVE[0] + timedelta(hours=1), "wagner", "Herr Wagner",
                           "backnang", "berufsberatung")
    with pytest.raises(store.SlotTakenError):
        store.book(db, clash, call_sid="CA2", phone="2", now=NOW)


@pytest.mark.both_engines
def test_the_database_itself_refuses_a_second_active_booking_at_the_same_time(db, schedule):
    store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
    copy = ("INSERT INTO bookings (code, token, site_id, topic_id, caseworker_id, start_utc,"
            " end_utc, start_ts, end_ts, status, language, created_at)"
            " SELECT '999999', 'other-token', site_id, topic_id, caseworker_id, start_utc,"
            " end_utc, start_ts, end_ts, ?, 'de', created_at FROM bookings")
    with pytest.raises(database.IntegrityError, match="(?i)unique"):
        db.execute(copy, ["booked"])
    db.execute(copy, ["cancelled"])  # a cancelled row at the same time is fine


def test_a_slot_in_the_past_cannot_be_booked(db, schedule):
    slot = first_slot(db, schedule)
    with pytest.raises(store.SlotTakenError):
        store.book(db, slot, call_sid="CA1", phone="1", now=slot.start + timedelta(minutes=1))


@pytest.mark.both_engines
def test_codes_are_unique_among_active_bookings(db, schedule, monkeypatch):
    draws = iter([471103, 471103, 471103, 250000])
    monkeypatch.setattr(store.secrets, "randbelow", lambda _n: next(draws))
    first = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
    second = store.book(db, first_slot(db, schedule), call_sid="CA2", phone="2", now=NOW)
    assert (first.code, second.code) == ("471103", "250000")


def test_cancel_frees_the_slot_and_a_second_cancel_finds_nothing(db, schedule):
    booking = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
    cancelled = store.cancel(db, booking.code, now=NOW)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at
    assert first_slot(db, schedule).start == booking.start  # offered again
    assert store.find_booking(db, booking.code, now=NOW) is None
    with pytest.raises(store.BookingNotFoundError):
        store.cancel(db, booking.code, now=NOW)


def test_reschedule_moves_in_one_step_and_keeps_the_code(db, schedule):
    old = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="+491", now=NOW)
    later = first_slot(db, schedule, time=time(11, 0))
    moved = store.reschedule(db, old.code, later, call_sid="CA9", now=NOW)
    assert moved.start == later.start and moved.code == old.code and moved.phone == "+491"
    assert moved.token != old.token and moved.replaces == old.id
    assert store.find_booking(db, old.code, now=NOW).id == moved.id
    assert first_slot(db, schedule).start == old.start  # the old time is free again
    # A Twilio retry of the same move changes nothing.
    assert store.reschedule(db, old.code, later, call_sid="CA9", now=NOW).id == moved.id
    assert db.execute("SELECT count(*) FROM bookings WHERE status = 'booked'").fetchone()[0] == 1


def test_reschedule_to_a_taken_slot_changes_nothing(db, schedule):
    mine = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
    theirs = store.book(db, first_slot(db, schedule), call_sid="CA2", phone="2", now=NOW)
    slot_of_theirs = first_slot(db, schedule, time=time(9, 30)).__class__(
        theirs.start, theirs.end, "wagner", "Herr Wagner", "backnang", "geldleistungen")
    before = db.execute("SELECT * FROM bookings ORDER BY id").fetchall()
    with pytest.raises(store.SlotTakenError):
        store.reschedule(db, mine.code, slot_of_theirs, now=NOW)
    assert db.execute("SELECT * FROM bookings ORDER BY id").fetchall() == before


def test_reschedule_may_overlap_the_callers_own_old_time(db, schedule):
    old = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
    [hour] = find_slots(db, schedule, "backnang", "berufsberatung",
                        Wish(on=DAY, time=time(9, 30)), NOW, limit=1)
    assert hour.start.time() == time(9, 30)
    overlapping = hour.__class__(old.start, old.start + timedelta(hours=1), "wagner",
                                 "Herr Wagner", "backnang", "berufsberatung")
    moved = store.reschedule(db, old.code, overlapping, now=NOW)
    assert moved.topic_id == "berufsberatung" and moved.end - moved.start == timedelta(hours=1)


def test_lookups_by_phone_and_day(db, schedule):
    store.book(db, first_slot(db, schedule), call_sid="CA1", phone="+491", now=NOW)
    store.book(db, first_slot(db, schedule), call_sid="CA2", phone="+491", now=NOW)
    store.book(db, first_slot(db, schedule), call_sid="CA3", phone="+492", now=NOW)
    mine = store.bookings_for_phone(db, "+491", now=NOW)
    assert [b.start for b in mine] == FIVE[:2]
    assert store.bookings_for_phone(db, "+491", DAY, now=NOW) == mine
    assert store.bookings_for_phone(db, "+491", DAY + timedelta(days=1), now=NOW) == []
    assert store.booking_for_call(db, "CA3").phone == "+492"


@pytest.mark.both_engines
def test_booking_inside_a_webhook_transaction_uses_a_savepoint(db, schedule):
    with database.transaction(db):
        booking = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="1", now=NOW)
        with pytest.raises(store.SlotTakenError):
            store.book(db, first_slot(db, schedule).__class__(
                booking.start, booking.end, "wagner", "Herr Wagner", "backnang",
                "geldleistungen"), call_sid="CA2", phone="2", now=NOW)
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == 1


def test_seed_demo_takes_some_slots_once(db):
    schedule = load_schedule(DEMO_FOLDER)
    now = datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN)
    before = find_slots(db, schedule, "backnang", "geldleistungen", Wish(), now)
    made = slots.seed_demo(db, schedule, now)
    assert made >= 10
    assert slots.seed_demo(db, schedule, now) == 0
    after = find_slots(db, schedule, "backnang", "geldleistungen", Wish(), now)
    assert after[0].start > before[0].start


def test_purge_removes_phone_numbers_of_past_appointments(db, schedule):
    booking = store.book(db, first_slot(db, schedule), call_sid="CA1", phone="+491",
                         customer_number="123D456789", now=NOW)
    assert store.purge_personal_data(db, "2026-12-01T00:00:00+00:00") == 0
    assert store.purge_personal_data(db, "2026-12-09T00:00:00+00:00") == 1
    kept = store.booking_by_token(db, booking.token)
    assert kept.phone is None and kept.customer_number is None and kept.start == booking.start
