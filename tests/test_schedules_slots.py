"""Free slots: never past, on holidays, closures or absences, always inside hours; wishes; DST."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

import db as database
from schedules import store
from schedules.config import BERLIN, load_schedule
from schedules.model import Wish
from schedules.slots import find_slots

SITES = """
state = "BW"
[booking]
lead_minutes = 120
horizon_days = 56
grid_minutes = 30

[[closures]]
every_year = "12-24"
reason_de = "Heiligabend"
reason_en = "Christmas Eve"

[[closures]]
date = 2026-12-09
sites = ["backnang"]
reason_de = "Personalversammlung"

# Open on the two Sundays the clocks change, so that slots on those very days are tested.
[[special_days]]
date = 2027-03-28
opening_hours = ["08:00-12:00"]
reason_de = "Tag der offenen Tür"

[[special_days]]
date = 2026-10-25
opening_hours = ["08:00-12:00"]
reason_de = "Tag der offenen Tür"

[sites.backnang]
name = "Geschäftsstelle Backnang"
address = "Am Obstmarkt 3, 71522 Backnang"
[sites.backnang.opening_hours]
mon = ["08:00-12:00"]
tue = ["08:00-12:00"]
wed = ["08:00-12:00"]
thu = ["08:00-12:00", "14:00-18:00"]
fri = ["08:00-12:00"]
"""

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
languages = ["de", "en"]
[caseworkers.hours.backnang]
mon = ["08:00-12:00"]
tue = ["08:00-12:00"]
wed = ["08:00-12:00"]
thu = ["08:00-12:00", "14:00-18:00", "18:00-20:00"]
fri = ["08:00-12:00"]
sun = ["08:00-12:00"]
[[caseworkers.absences]]
date = 2026-12-02
[[caseworkers.absences]]
date = 2026-12-03
hours = "08:00-10:00"

[[caseworkers]]
id = "kaya"
name = "Herr Kaya"
topics = ["geldleistungen"]
languages = ["de", "tr"]
[caseworkers.hours.backnang]
mon = ["09:00-11:00"]
tue = ["09:00-11:00"]
wed = ["09:00-11:00"]
fri = ["09:00-11:00"]
"""

# Who works when, to check that no slot leaves these hours: (weekday -> intervals).
HOURS = {
    "wagner": {0: [(8, 12)], 1: [(8, 12)], 2: [(8, 12)], 3: [(8, 12), (14, 18)], 4: [(8, 12)],
               6: [(8, 12)]},
    "kaya": {0: [(9, 11)], 1: [(9, 11)], 2: [(9, 11)], 4: [(9, 11)]},
}


@pytest.fixture
def schedule(tmp_path):
    folder = tmp_path / "schedule"
    folder.mkdir()
    (folder / "sites.toml").write_text(SITES, encoding="utf-8")
    (folder / "caseworkers.toml").write_text(PEOPLE, encoding="utf-8")
    return load_schedule(folder)


@pytest.fixture
def db(database_target):
    conn = database.connect(database_target)
    with database.transaction(conn):
        store.migrate(conn)
    yield conn
    conn.conn.close()


def at(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=BERLIN)


def slots(db, schedule, now, wish=None, limit=3, topic="geldleistungen", **kwargs):
    return find_slots(db, schedule, "backnang", topic, wish or Wish(), now, limit=limit, **kwargs)


def test_the_first_slot_is_the_lead_time_after_now_and_never_earlier(db, schedule):
    now = at("2026-12-01", "09:10")  # Tuesday
    found = slots(db, schedule, now)
    assert [s.start for s in found] == [at("2026-12-01", "11:30"), at("2026-12-02", "09:00"),
                                        at("2026-12-02", "09:30")]
    assert all(s.start >= now + timedelta(hours=2) for s in found)
    # Two hours after 11:00 the office has closed: the next slot is the next morning.
    later = slots(db, schedule, at("2026-12-01", "11:00"), limit=1)
    assert later[0].start == at("2026-12-02", "09:00")


def test_no_slot_on_public_holidays_closures_or_weekends(db, schedule):
    found = slots(db, schedule, at("2026-12-21", "07:00"), limit=200,
                  wish=Wish(latest=date(2027, 1, 12)))
    days = {s.start.date() for s in found}
    assert date(2026, 12, 24) not in days  # closure every year
    assert date(2026, 12, 25) not in days  # Erster Weihnachtstag
    assert date(2027, 1, 1) not in days  # Neujahr
    assert date(2027, 1, 6) not in days  # Heilige Drei Könige, a holiday in BW only
    assert all(day.weekday() < 5 for day in days)
    assert date(2026, 12, 28) in days and date(2027, 1, 7) in days
    for day in ("2026-12-25", "2026-12-26", "2027-01-06", "2026-12-24", "2026-12-09"):
        assert slots(db, schedule, at("2026-12-01", "07:00"),
                     wish=Wish(on=date.fromisoformat(day))) == [], day


def test_slots_stay_inside_working_hours_and_the_sites_hours(db, schedule):
    found = slots(db, schedule, at("2026-12-07", "07:00"), limit=500,
                  topic="geldleistungen")
    assert len(found) > 50
    for slot in found:
        start, end = slot.start.astimezone(BERLIN), slot.end.astimezone(BERLIN)
        assert start.tzinfo is not None and slot.minutes == 30
        inside = [(a, b) for a, b in HOURS[slot.caseworker_id][start.weekday()]
                  if a * 60 <= start.hour * 60 + start.minute and
                  end.hour * 60 + end.minute <= b * 60]
        assert inside, slot
    # Wagner works until 20:00 on Thursdays, but the office closes at 18:00.
    assert max(s.start.astimezone(BERLIN).time() for s in found) == time(17, 30)


def test_absences_block_the_whole_day_or_part_of_it(db, schedule):
    all_day = slots(db, schedule, at("2026-12-01", "07:00"), limit=20,
                    wish=Wish(on=date(2026, 12, 2)))
    assert {s.caseworker_id for s in all_day} == {"kaya"}
    part = slots(db, schedule, at("2026-12-01", "07:00"), limit=20,
                 wish=Wish(on=date(2026, 12, 3)))
    assert min(s.start for s in part) == at("2026-12-03", "10:00")


def test_at_most_one_slot_per_start_time_and_in_order(db, schedule):
    found = slots(db, schedule, at("2026-12-06", "12:00"), limit=10)
    starts = [s.start for s in found]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert starts[:3] == [at("2026-12-07", "08:00"), at("2026-12-07", "08:30"),
                          at("2026-12-07", "09:00")]


def test_wishes_weekdays_part_of_day_date_and_preferred_time(db, schedule):
    now = at("2026-12-06", "12:00")  # Sunday
    not_monday = slots(db, schedule, now, Wish(not_weekdays=frozenset({0})), limit=30)
    assert not_monday[0].start.date() == date(2026, 12, 8)
    assert all(s.start.weekday() != 0 for s in not_monday)
    afternoon = slots(db, schedule, now, Wish(part_of_day="afternoon"))
    assert [s.start for s in afternoon] == [at("2026-12-10", "14:00"), at("2026-12-10", "14:30"),
                                            at("2026-12-10", "15:00")]
    morning = slots(db, schedule, now, Wish(part_of_day="morning"), limit=40)
    assert all(s.start.hour < 12 for s in morning)
    fridays = slots(db, schedule, now, Wish(weekdays=frozenset({4})), limit=20)
    # Eight slots each on 11 and 18 December; 25 December and 1 January are holidays.
    assert {s.start.date() for s in fridays} == {date(2026, 12, 11), date(2026, 12, 18),
                                                 date(2027, 1, 8)}
    half_ten = slots(db, schedule, now, Wish(on=date(2026, 12, 8), time=time(9, 30)))
    assert [s.start for s in half_ten] == [at("2026-12-08", "09:30"), at("2026-12-08", "09:00"),
                                           at("2026-12-08", "10:00")]
    until = slots(db, schedule, now, Wish(latest=date(2026, 12, 7)), limit=50)
    assert {s.start.date() for s in until} == {date(2026, 12, 7)}
    not_early = slots(db, schedule, now, Wish(on=date(2026, 12, 8), after=time(10, 0)), limit=30)
    assert not_early and all(s.start.hour >= 10 for s in not_early)


def test_an_hour_without_a_day_is_kept_rather_than_the_first_free_day(db, schedule):
    now = at("2026-12-07", "10:00")  # Monday: 10:00 today is too soon to book
    ten = slots(db, schedule, now, Wish(time=time(10, 0)), limit=1)
    assert ten[0].start == at("2026-12-08", "10:00")  # not today at whatever is left


def test_language_and_declined_slots(db, schedule):
    now = at("2026-12-06", "12:00")
    turkish = slots(db, schedule, now, language="tr", limit=10)
    assert {s.caseworker_id for s in turkish} == {"kaya"}
    assert slots(db, schedule, now, language="ar") == []
    first = slots(db, schedule, now)
    again = slots(db, schedule, now, exclude=first[:2])
    assert again[0].start == first[2].start


def test_a_booking_takes_the_slot_and_a_longer_one_blocks_what_it_overlaps(db, schedule):
    now = at("2026-12-06", "12:00")
    [nine] = slots(db, schedule, now, Wish(on=date(2026, 12, 7), time=time(9, 0)), limit=1)
    store.book(db, nine, call_sid="CA1", phone="+4915100000001", now=now)
    # Nine o'clock is still offered, with the other caseworker.
    [still] = slots(db, schedule, now, Wish(on=date(2026, 12, 7), time=time(9, 0)), limit=1)
    assert still.start == nine.start and still.caseworker_id != nine.caseworker_id
    # A one-hour Berufsberatung with Wagner from 10:00 blocks his 10:00 and 10:30.
    [ten] = slots(db, schedule, now, Wish(on=date(2026, 12, 7), time=time(10, 0)), limit=1,
                  topic="berufsberatung")
    store.book(db, ten, call_sid="CA2", phone="+4915100000002", now=now)
    wagner = [s.start for s in slots(db, schedule, now, Wish(on=date(2026, 12, 7)), limit=20,
                                     language="en")]
    assert at("2026-12-07", "09:00") not in wagner
    assert at("2026-12-07", "10:00") not in wagner and at("2026-12-07", "10:30") not in wagner
    assert at("2026-12-07", "11:00") in wagner


@pytest.mark.parametrize("before, sunday, after", [
    ("2027-03-25", "2027-03-28", "2027-03-30"),  # summer time starts on Sunday 2027-03-28
    ("2026-10-23", "2026-10-25", "2026-10-26"),  # winter time starts on Sunday 2026-10-25
])
def test_daylight_saving_changes_do_not_shift_appointments(db, schedule, before, sunday, after):
    now = at(before, "00:00") - timedelta(days=3)
    for day in (before, sunday, after):
        [slot] = slots(db, schedule, now, Wish(on=date.fromisoformat(day), time=time(9, 0)),
                       limit=1, language="en")
        assert slot.start.astimezone(BERLIN).time() == time(9, 0)
        booking = store.book(db, slot, call_sid=f"CA-{day}", phone="+4915100000003", now=now)
        assert booking.start.time() == time(9, 0)
        stored = db.execute("SELECT start_utc FROM bookings WHERE id = ?",
                            [booking.id]).fetchone()[0]
        summer = day in ("2027-03-28", "2027-03-30", "2026-10-23")  # UTC+2, else UTC+1
        assert stored.endswith("+00:00")
        assert stored[11:16] == ("07:00" if summer else "08:00")
        # And the booked 09:00 is no longer offered with him that day, nothing else shifts.
        rest = slots(db, schedule, now, Wish(on=date.fromisoformat(day)), limit=20,
                     language="en")
        assert time(9, 0) not in [s.start.time() for s in rest]
        assert time(9, 30) in [s.start.time() for s in rest]


def test_now_may_be_given_in_utc(db, schedule):
    now_utc = at("2026-12-01", "09:10").astimezone(UTC)
    assert slots(db, schedule, now_utc)[0].start == at("2026-12-01", "11:30")


def test_a_wish_from_what_speech_recognised_and_a_slot_through_json(db, schedule):
    import json

    from speech.wishes import appointment_wish

    heard = appointment_wish("am achten Dezember vormittags um halb zehn", "de",
                             at("2026-12-01", "09:00"))
    wish = Wish.from_dict(heard)
    assert wish == Wish(on=date(2026, 12, 8), part_of_day="morning", time=time(9, 30))
    with pytest.raises(ValueError):
        Wish(part_of_day="evening")
    [slot] = slots(db, schedule, at("2026-12-06", "12:00"), wish, limit=1)
    assert slot.start == at("2026-12-08", "09:30")
    # The call state keeps the offer as JSON between webhooks; these keys are its format.
    data = json.loads(json.dumps(slot.to_dict()))
    assert set(data) == {"start", "end", "caseworker_id", "caseworker", "site", "topic"}
    assert (data["start"], data["site"]) == ("2026-12-08T09:30:00+01:00", "backnang")
    assert type(slot).from_dict(data) == slot


def test_every_kind_of_wish_survives_json_and_only_what_was_wished_is_written():
    import json

    wish = Wish(earliest=date(2027, 3, 1), latest=date(2027, 3, 19), weekdays=frozenset({1, 3}),
                not_weekdays=frozenset({0}), part_of_day="afternoon", time=time(14, 15),
                after=time(13, 0))
    data = json.loads(json.dumps(wish.to_dict()))
    assert data == {"earliest": "2027-03-01", "latest": "2027-03-19", "weekdays": [1, 3],
                    "not_weekdays": [0], "part_of_day": "afternoon", "time": "14:15",
                    "after": "13:00"}
    assert Wish.from_dict(data) == wish
    assert Wish().to_dict() == {}
    # "so bald wie möglich" (asap) is the default wish: nothing to keep.
    assert Wish.from_dict({"asap": True}) == Wish()
