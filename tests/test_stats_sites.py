"""Live calls carry their site into the queue and into callbacks (issue 23, finding 2).

Through the real webhooks: the site comes from what the caller asked for, from the team
of the case whose identity the caller proved, or from the hotline number they dialled.
The clock stands at Wednesday 25 November 2026, 10:00 (conftest.NOW).
"""

import pytest

from conftest import Caller, with_demo_cases
from ivr.call_site import site_of_team

BACKNANG_LINE = "+49 7191 000000"
ERIKA = "eins zwei drei D wie Dora vier fünf sechs sieben acht neun"  # Team ..., Waiblingen
ERIKA_BORN = "dritter Mai neunzehnhundertachtzig"


@pytest.fixture
def app(app):
    app.config["HOTLINE_SITE_NUMBERS"] = {"+497191000000": "backnang"}
    return with_demo_cases(app)


def stays(db, call_sid):
    return db.execute("SELECT site FROM queue_entries WHERE call_sid = ?",
                      [call_sid]).fetchall()


def test_the_number_called_gives_the_site_of_the_queue_stay_and_the_callback(app, db):
    caller = Caller(app, to_number=BACKNANG_LINE)
    caller.dial()
    caller.say("#0")  # a person, please
    assert "[Warteschleife" in caller.hears()
    assert stays(db, caller.call_sid) == [("backnang",)]
    caller.say("#1")  # a callback instead
    for line in ("ja", "egal"):
        if not caller.finished:
            caller.say(line)
    (site,) = db.execute("SELECT site FROM callbacks WHERE call_sid = ?",
                         [caller.call_sid]).fetchone()
    assert site == "backnang"


def test_the_site_the_caller_names_comes_before_the_number_called(app, db):
    caller = Caller(app, to_number=BACKNANG_LINE)
    caller.dial()
    caller.say("Ich möchte jemanden in Schorndorf sprechen")
    if "[Warteschleife" not in caller.hears():
        caller.say("#0")
    assert stays(db, caller.call_sid) == [("schorndorf",)]


def test_a_verified_caller_goes_to_the_site_of_their_team(app, db):
    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    for line in ("Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN):
        caller.say(line)
    caller.say("Ich möchte mit einem Mitarbeiter sprechen")
    assert stays(db, caller.call_sid) == [("waiblingen",)]


def test_without_any_clue_the_stay_has_no_site(app, db):
    caller = Caller(app)
    caller.dial()
    caller.say("#0")
    assert stays(db, caller.call_sid) == [(None,)]


def test_a_team_names_its_site():
    assert site_of_team("Team Leistung 1, Backnang") == "backnang"
    assert site_of_team("Team 2") is None
