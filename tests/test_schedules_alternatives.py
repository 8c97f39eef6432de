"""When nothing is free as wished: why not on that day, and the nearest free slot instead
(the demo schedule: schedules/demo/*.toml)."""

from datetime import date, datetime, time

import pytest

import db as database
from schedules import store
from schedules.alternatives import nearest_slot, why_no_slot
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.model import Wish
from schedules.slots import find_slots

SCHEDULE = load_schedule(DEMO_FOLDER)


@pytest.fixture
def db(database_target):
    conn = database.connect(database_target)
    with database.transaction(conn):
        store.migrate(conn)
    yield conn
    conn.conn.close()


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=BERLIN)


@pytest.mark.parametrize("site, topic, day, why", [
    ("waiblingen", "geldleistungen", "2026-12-25", "holiday"),  # Erster Weihnachtstag
    ("backnang", "geldleistungen", "2026-12-24", "closure"),  # Heiligabend
    ("schorndorf", "arbeitsvermittlung", "2026-12-09", "closure"),  # Personalversammlung
    ("waiblingen", "geldleistungen", "2026-12-05", "closed"),  # a Saturday
    ("waiblingen", "berufsberatung", "2026-12-07", "no_staff"),  # Frau Hoffmann: Tue-Thu
    ("waiblingen", "geldleistungen", "2026-12-02", "full"),  # Wednesday: people, no bookings
])
def test_why_a_day_has_no_slot(site, topic, day, why):
    assert why_no_slot(SCHEDULE, site, topic, date.fromisoformat(day), now=at("2026-12-01")) == why


def test_caseworkers_away_and_parts_of_the_day():
    # Frau Keller is away from 28 December; on Wednesdays Herr Yılmaz (who also sees
    # Geldleistungen) works too, so nobody away means "full"; Frau Keller alone on
    # Monday afternoons at 13:00-16:00 is away, Herr Yılmaz works mornings only.
    monday = date(2026, 12, 28)
    assert why_no_slot(SCHEDULE, "waiblingen", "geldleistungen", monday, "afternoon") == "away"
    assert why_no_slot(SCHEDULE, "waiblingen", "geldleistungen", monday, "morning") == "full"
    # Fridays, appointments in Schorndorf end at noon: nobody in the afternoon.
    friday = date(2026, 12, 4)
    assert why_no_slot(SCHEDULE, "schorndorf", "geldleistungen", friday, "afternoon") == (
        "no_staff")
    # Today, when the lead time has eaten the rest of the day.
    today = date(2026, 12, 4)
    assert why_no_slot(SCHEDULE, "waiblingen", "geldleistungen", today,
                       now=at("2026-12-04", "11:00")) == "late"


def test_the_nearest_slot_to_a_closed_day_is_the_nearer_day_before_or_after(db):
    now = at("2026-12-21")
    christmas = nearest_slot(db, SCHEDULE, "waiblingen", "geldleistungen",
                             Wish(on=date(2026, 12, 25)), now)
    assert christmas.start.date() == date(2026, 12, 23)  # two days before, three after
    sunday = nearest_slot(db, SCHEDULE, "waiblingen", "geldleistungen",
                          Wish(on=date(2026, 12, 6)), at("2026-12-01"))
    assert sunday.start.date() == date(2026, 12, 7)  # Monday is nearer than Friday
    saturday = nearest_slot(db, SCHEDULE, "waiblingen", "geldleistungen",
                            Wish(on=date(2026, 12, 5)), at("2026-12-01"))
    assert saturday.start.date() == date(2026, 12, 4)  # Friday and Monday: the earlier


def test_the_nearest_slot_keeps_the_part_of_the_day_on_other_days(db):
    friday_afternoon = Wish(on=date(2026, 12, 4), part_of_day="afternoon")
    found = nearest_slot(db, SCHEDULE, "schorndorf", "geldleistungen", friday_afternoon,
                         at("2026-12-01"))
    # Friday morning is the same day: nearer than any afternoon.
    assert found.start.date() == date(2026, 12, 4) and found.start.hour < 12
    # That refused, Thursday afternoon comes before Monday afternoon.
    refused = nearest_slot(db, SCHEDULE, "schorndorf", "geldleistungen", friday_afternoon,
                           at("2026-12-01"), avoid=[found.start])
    assert refused.start.date() == date(2026, 12, 3) and refused.start.hour >= 12


def test_the_nearest_slot_after_a_stretch_with_nothing_free(db):
    # Saturday and Sunday only: nothing, then Monday (keeping "nachmittags").
    weekend = Wish(earliest=date(2026, 12, 5), latest=date(2026, 12, 6),
                   part_of_day="afternoon")
    found = nearest_slot(db, SCHEDULE, "backnang", "geldleistungen", weekend, at("2026-12-01"))
    assert found.start.date() == date(2026, 12, 7) and found.start.hour >= 12


def test_a_refused_offer_skips_its_whole_half_day(db):
    now = at("2026-12-01")
    [first] = find_slots(db, SCHEDULE, "backnang", "geldleistungen", Wish(), now, limit=1)
    [second] = find_slots(db, SCHEDULE, "backnang", "geldleistungen", Wish(), now, limit=1,
                          exclude=[first.start], avoid=[first.start])
    assert first.start.date() == date(2026, 12, 1) and first.start.hour >= 12
    assert second.start.date() == date(2026, 12, 2) and second.start.hour < 12
    [third] = find_slots(db, SCHEDULE, "backnang", "geldleistungen", Wish(), now, limit=1,
                         avoid=[first.start, second.start])
    assert third.start.date() == date(2026, 12, 2) and third.start.hour >= 12
