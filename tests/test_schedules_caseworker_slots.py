"""A slot with the caseworker a caller asked for, or the nearest choice and why
(schedules.caseworker_slots), on the demo schedule; how names, codes and numbers are said."""

from datetime import date, datetime, time

import pytest

import db as database
from schedules import store
from schedules.caseworker_slots import find_with_caseworker
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.model import Wish
from schedules.spoken import spoken_groups, spoken_person, spoken_with

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)  # a Wednesday


@pytest.fixture
def schedule():
    return load_schedule(DEMO_FOLDER)


@pytest.fixture
def db(database_target):
    conn = database.connect(database_target)
    with database.transaction(conn):
        store.migrate(conn)
    yield conn
    conn.conn.close()


def find(db, schedule, topic, wish, now=NOW, site=None, **whom):
    return find_with_caseworker(db, schedule, site, topic, wish, now, **whom)


def test_her_slot_when_she_has_one(db, schedule):
    found = find(db, schedule, "geldleistungen", Wish(on=date(2026, 11, 26)),
                 caseworker_id="wn-keller")
    assert found.with_them and found.why is None
    assert found.slot.caseworker_id == "wn-keller" and found.slot.site_id == "waiblingen"


def test_away_on_the_day_a_colleague_that_day_and_when_she_is_back(db, schedule):
    found = find(db, schedule, "geldleistungen", Wish(on=date(2026, 12, 29)),
                 now=datetime(2026, 12, 21, 10, 0, tzinfo=BERLIN), caseworker_id="wn-keller")
    assert (found.why, found.back, found.person) == ("away", date(2027, 1, 11), "Frau Keller")
    assert not found.with_them
    assert found.slot.start.date() == date(2026, 12, 29)
    assert found.slot.caseworker_id != "wn-keller" and found.slot.site_id == "waiblingen"


def test_fully_booked_for_the_wish_her_next_slot_if_it_is_near(db, schedule):
    # Wednesday afternoon: Frau Keller works Wednesday mornings only.
    found = find(db, schedule, "geldleistungen",
                 Wish(on=date(2026, 12, 2), part_of_day="afternoon"), caseworker_id="wn-keller")
    assert (found.why, found.with_them) == ("busy", True)
    assert found.slot.start == datetime.combine(date(2026, 12, 3), time(14), tzinfo=BERLIN)


def test_not_for_that_topic_a_colleague_where_she_works(db, schedule):
    found = find(db, schedule, "geldleistungen", Wish(), caseworker_id="wn-hoffmann")
    assert (found.why, found.with_them, found.person) == ("topic", False, "Frau Hoffmann")
    assert found.slot.site_id == "waiblingen" and found.slot.topic_id == "geldleistungen"


def test_someone_at_two_sites_is_searched_at_both_unless_one_is_named(db, schedule):
    # Frau Petrenko: Backnang on Monday and Tuesday, Schorndorf on Thursday.
    thursday = Wish(on=date(2026, 11, 26))
    assert find(db, schedule, "berufsberatung", thursday,
                caseworker_id="bk-petrenko").slot.site_id == "schorndorf"
    named = find(db, schedule, "berufsberatung", thursday, site="backnang",
                 caseworker_id="bk-petrenko")
    assert named.slot is not None and named.slot.site_id == "backnang"
    assert named.slot.start.date() > date(2026, 11, 26)


def test_the_case_team_gives_the_person_for_the_topic(db, schedule):
    team = "Team Leistung 2, Waiblingen"
    money = find(db, schedule, "geldleistungen", Wish(), team=team)
    work = find(db, schedule, "arbeitsvermittlung", Wish(), team=team)
    assert money.slot.caseworker_id == "wn-keller" and money.with_them
    assert work.slot.caseworker_id == "wn-schaefer" and work.with_them
    careers = find(db, schedule, "berufsberatung", Wish(), team=team)
    assert (careers.why, careers.with_them, careers.slot.site_id) == (
        "topic", False, "waiblingen")
    assert find(db, schedule, "geldleistungen", Wish(), team="Team X, Berlin").no_team


def test_codes_and_numbers_are_said_in_groups():
    assert spoken_groups("438581") == "438 – 581"
    assert spoken_groups("038201") == "038 – 201"  # the leading zero stays
    assert spoken_groups("123D456789") == "123 – D – 456 – 789"
    assert spoken_groups("12345BG0012345") == "123 – 45 – BG – 001 – 23 – 45"
    assert spoken_groups("123?456789") == "123 – 456 – 789"  # the open letter is left out
    assert spoken_groups("1234567") == "123 – 45 – 67"  # never a digit alone


def test_caseworkers_are_named_in_the_callers_language():
    assert spoken_with("Herr Wagner") == "bei Herrn Wagner"
    assert spoken_with("Frau Keller") == "bei Frau Keller"
    assert spoken_with("Herr Wagner", "en") == "with Mr Wagner"
    assert spoken_person("Frau Keller", "en") == "Ms Keller"
    assert spoken_person("Frau Keller") == "Frau Keller"


def test_teams_are_read_from_the_caseworkers_file(schedule):
    assert schedule.caseworkers["wn-keller"].teams == frozenset({"Team Leistung 2, Waiblingen"})
    assert schedule.caseworkers["wn-hoffmann"].teams == frozenset()
