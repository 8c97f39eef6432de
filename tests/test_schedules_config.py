"""A job centre's schedule files: the demo loads, and mistakes are named with file and entry."""

import pytest

from schedules.config import DEMO_FOLDER, ScheduleConfigError, load_schedule, schedule_for_config

SITES = """
state = "BW"
[sites.backnang]
name = "Geschäftsstelle Backnang"
address = "Am Obstmarkt 3, 71522 Backnang"
[sites.backnang.opening_hours]
mon = ["08:00-12:30"]
thu = ["08:00-12:30", "14:00-18:00"]
"""

PEOPLE = """
[topics.geldleistungen]
minutes = 30
label_de = "Geldleistungen"
label_en = "benefits"
bring = [{ de = "Personalausweis", en = "identity card" }]

[[caseworkers]]
id = "bk-wagner"
name = "Herr Wagner"
topics = ["geldleistungen"]
[caseworkers.hours.backnang]
mon = ["08:00-12:00"]
"""


def write(folder, sites=SITES, people=PEOPLE):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sites.toml").write_text(sites, encoding="utf-8")
    (folder / "caseworkers.toml").write_text(people, encoding="utf-8")
    return folder


def error_for(tmp_path, sites=SITES, people=PEOPLE) -> str:
    with pytest.raises(ScheduleConfigError) as caught:
        load_schedule(write(tmp_path / "config", sites, people))
    return str(caught.value)


def test_the_demo_is_marked_as_demo_and_has_three_sites_and_a_dozen_caseworkers():
    schedule = load_schedule(DEMO_FOLDER)
    assert schedule.demo
    assert set(schedule.sites) == {"waiblingen", "backnang", "schorndorf"}
    assert len(schedule.caseworkers) >= 12
    assert {"geldleistungen", "arbeitsvermittlung", "berufsberatung", "arbeitslosmeldung",
            "allgemein"} <= set(schedule.topics)
    assert schedule.sites["backnang"].name == "Geschäftsstelle Backnang"
    # Thursday has two intervals: morning and afternoon.
    assert len(schedule.sites["backnang"].opening_hours[3]) == 2


def test_the_app_setting_chooses_the_folder_and_defaults_to_the_demo(tmp_path):
    assert schedule_for_config({}).folder == DEMO_FOLDER.resolve()
    own = write(tmp_path / "own")
    assert schedule_for_config({"HOTLINE_SCHEDULES": str(own)}).folder == own.resolve()
    # Loaded once per process: the same object every time.
    assert schedule_for_config({"HOTLINE_SCHEDULES": str(own)}) is load_schedule(own)


def test_a_caseworker_at_an_unknown_site_is_named(tmp_path):
    message = error_for(tmp_path, people=PEOPLE.replace("hours.backnang", "hours.backnag"))
    assert "caseworkers.toml" in message
    assert "'bk-wagner'" in message
    assert "unknown site 'backnag'" in message


def test_an_unknown_topic_is_named(tmp_path):
    message = error_for(tmp_path, people=PEOPLE.replace('topics = ["geldleistungen"]',
                                                        'topics = ["geld"]'))
    assert "caseworkers.toml" in message and "'bk-wagner'" in message
    assert "unknown topic 'geld'" in message


def test_overlapping_and_inverted_intervals_are_refused(tmp_path):
    overlapping = error_for(tmp_path / "a", sites=SITES.replace(
        '"08:00-12:30", "14:00-18:00"', '"08:00-12:30", "12:00-18:00"'))
    assert "sites.toml" in overlapping and "sites.backnang.opening_hours.thu" in overlapping
    assert "overlap" in overlapping
    inverted = error_for(tmp_path / "b", people=PEOPLE.replace('mon = ["08:00-12:00"]',
                                                               'mon = ["12:00-08:00"]'))
    assert "ends before it starts" in inverted and "hours.backnang.mon" in inverted


def test_one_person_cannot_work_at_two_sites_at_once(tmp_path):
    sites = SITES + """
[sites.schorndorf]
name = "Geschäftsstelle Schorndorf"
address = "Gmünder Tor 8, 73614 Schorndorf"
[sites.schorndorf.opening_hours]
mon = ["08:00-12:00"]
"""
    people = PEOPLE + """
[caseworkers.hours.schorndorf]
mon = ["11:00-12:00"]
"""
    message = error_for(tmp_path, sites, people)
    assert "at backnang and schorndorf at the same time on mon" in message


def test_a_closure_on_an_unknown_site_and_a_bad_weekday_are_named(tmp_path):
    closure = SITES + """
[[closures]]
date = 2026-12-09
sites = ["winnenden"]
reason_de = "Personalversammlung"
"""
    assert "closures[0].sites: unknown site 'winnenden'" in error_for(tmp_path / "a", closure)
    weekday = SITES.replace("mon = ", "monday = ")
    assert "'monday' is not a weekday" in error_for(tmp_path / "b", weekday)


def test_a_missing_file_says_which(tmp_path):
    write(tmp_path / "config")
    (tmp_path / "config" / "caseworkers.toml").unlink()
    with pytest.raises(ScheduleConfigError, match="caseworkers.toml: file not found"):
        load_schedule(tmp_path / "config")
