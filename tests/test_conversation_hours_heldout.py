"""Held-out calls about opening hours and the way there (issue 18): written with
tests/test_conversation_hours.py, not looked at while the answers were tuned, so that
their pass count says how well the change carries over to what callers say next.
"""

from test_conversation_hours import answer, at, call


def test_new_years_day(app):
    said = answer(call(app, "Sind Sie an Neujahr erreichbar?"))
    assert "Neujahr" in said and "geschlossen" in said
    assert "4. Januar" in said


def test_easter_monday_in_easter_week(app):
    at(app, 2027, 3, 24, 10, 0)
    said = answer(call(app, "Haben Sie am Ostermontag geöffnet?"))
    assert "Ostermontag" in said and "geschlossen" in said
    assert "30. März" in said


def test_the_postal_address_of_schorndorf(app):
    said = call(app, "Ich brauche die Anschrift vom Jobcenter in Schorndorf").hears()
    assert "Gmünder Tor 8" in said
    assert "73614" not in said


def test_english_address_of_waiblingen(app):
    said = call(app, "#9", "What is the address of the Waiblingen office?").hears()
    assert "Talauestraße 12" in said
    assert "71332" not in said


def test_until_when_today_in_schorndorf(app):
    said = answer(call(app, "Bis wann haben Sie heute in Schorndorf offen?"))
    assert "12 Uhr" in said
    assert "(" not in said


def test_swabian_caller_looking_for_the_office(app):
    said = call(app, "wo isch des amt in schorndorf, i find des net").hears()
    assert "Gmünder Tor" in said


def test_opening_hours_please_is_short(app):
    said = answer(call(app, "Öffnungszeiten bitte"))
    assert "Montag bis Freitag" in said
    assert len(said.split()) <= 40, said


def test_on_christmas_eve_a_day_after_christmas(app):
    at(app, 2026, 12, 24, 10, 0)
    said = answer(call(app, "wann haben sie am 28. dezember in backnang offen"))
    assert "28. Dezember" in said
    assert "halb eins" in said
