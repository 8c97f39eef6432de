"""Opening hours and the way there, whole calls through the webhooks (issue 18).

Named days and dates are answered for that day with the reason and the next opening; a
general question gets the weekly pattern in a few words; "Wo ist ...", "Adresse" and "Wie
komme ich hin" get the address and directions (no postcode read aloud), then the address
by SMS to a mobile caller. Callers of every kind: older, in a hurry, non-native, Swabian,
English. Each call happens at a fixed moment (Christmas, Good Friday week, a Sunday, a
Friday afternoon), set here; the default is Wednesday, 25 November 2026, 10:00.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import clock
from conftest import Caller

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+491701234567"
LANDLINE = "+4971519998877"


def at(app, *moment) -> None:
    clock.install(app, clock.Clock.at(datetime(*moment, tzinfo=BERLIN)))


def call(app, *lines, from_number=MOBILE) -> Caller:
    caller = Caller(app, from_number=from_number)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


def answer(caller) -> str:
    """What the hotline said before it asked for anything else."""
    return caller.hears().split("Kann ich sonst noch")[0].split("Is there anything else")[0]


def sms(db, purpose="address") -> list[str]:
    return [row[0] for row in db.execute(
        "SELECT body FROM outbox WHERE purpose = ?", [purpose]).fetchall()]


def readable(said: str) -> None:
    """Hours as a listener can follow them: no brackets, no "12:30 Uhr"."""
    assert "(" not in said and ")" not in said, said
    assert ":30 Uhr" not in said, said


# ----------------------------------------------------------------------------- named days


def test_christmas_eve_asked_in_november_is_that_day_with_the_reason_and_next_opening(app):
    caller = call(app, "Wann haben Sie an Heiligabend geöffnet?")
    said = answer(caller)
    assert "Heiligabend" in said and "geschlossen" in said
    assert "28. Dezember" in said  # open again after the holidays
    assert "Heute" not in said  # not today's hours
    readable(said)


def test_good_friday_in_easter_week_is_a_holiday_and_the_tuesday_after_is_open(app):
    at(app, 2027, 3, 24, 10, 0)
    said = answer(call(app, "Haben Sie am Karfreitag offen?"))
    assert "Karfreitag" in said and "geschlossen" in said
    assert "30. März" in said
    readable(said)


def test_a_date_in_january_at_one_site_is_said_with_half_past_twelve(app):
    said = answer(call(app, "Wie sind die Öffnungszeiten am 5. Januar in Backnang?"))
    assert "5. Januar" in said and "Backnang" in said
    assert "halb eins" in said
    readable(said)


def test_next_thursday_has_the_afternoon_hours_too(app):
    said = answer(call(app, "Haben Sie nächsten Donnerstag in Waiblingen auf?"))
    assert "Donnerstag" in said
    assert "von 14 bis 18 Uhr" in said
    readable(said)


def test_new_years_eve_is_closed_and_the_next_opening_is_in_january(app):
    said = answer(call(app, "ist das jobcenter silvester offen"))
    assert "Silvester" in said and "geschlossen" in said
    assert "4. Januar" in said


def test_boxing_day_by_its_german_name(app):
    said = answer(call(app, "Haben Sie am zweiten Weihnachtsfeiertag geöffnet?"))
    assert "Zweiter Weihnachtstag" in said and "geschlossen" in said
    assert "28. Dezember" in said


def test_a_saturday_is_closed_and_monday_opens_again(app):
    said = answer(call(app, "Haben Sie am Samstag auf?"))
    assert "geschlossen" in said
    assert "Montag, den 30. November" in said
    readable(said)


def test_a_closure_at_one_site_is_said_with_its_reason_without_brackets(app):
    said = answer(call(app, "Wann haben Sie am 9. Dezember geöffnet?"))
    assert "Schorndorf" in said and "Personalversammlung" in said
    assert "Waiblingen" in said or "alle" in said
    readable(said)


def test_an_older_caller_asks_politely_for_thursday_afternoon_in_schorndorf(app):
    said = answer(call(app, "Guten Tag, ich hätte gern gewusst, wann das Jobcenter in "
                            "Schorndorf am Donnerstag offen hat"))
    assert "Schorndorf" in said
    assert "halb sechs" in said
    readable(said)


# ----------------------------------------------------------------------------- today, Christmas


def test_on_christmas_eve_a_general_question_hears_closed_today_and_the_next_opening(app):
    at(app, 2026, 12, 24, 10, 0)
    said = answer(call(app, "Öffnungszeiten"))
    assert "Heiligabend" in said and "geschlossen" in said
    assert "28. Dezember" in said
    readable(said)


def test_the_day_before_christmas_eve_has_short_hours_read_without_brackets(app):
    at(app, 2026, 12, 23, 10, 0)
    said = answer(call(app, "Haben Sie heute offen?"))
    assert "vor den Feiertagen" in said
    assert "von 8 bis 12 Uhr" in said
    readable(said)


def test_the_day_before_christmas_eve_a_general_question_warns_of_the_closed_days(app):
    at(app, 2026, 12, 23, 10, 0)
    said = answer(call(app, "Öffnungszeiten Waiblingen"))
    assert "vor den Feiertagen" in said
    assert "Heiligabend" in said
    assert "28. Dezember" in said
    readable(said)


def test_on_a_sunday_today_is_closed_and_tomorrow_opens(app):
    at(app, 2026, 11, 29, 11, 0)
    said = answer(call(app, "Haben Sie heute offen?"))
    assert "geschlossen" in said
    assert "morgen" in said.lower() and "Montag" in said


def test_on_friday_afternoon_it_is_closed_now_and_opens_on_monday(app):
    at(app, 2026, 11, 27, 15, 0)
    said = answer(call(app, "Hat Backnang heute noch offen?"))
    assert "geschlossen" in said
    assert "Montag" in said
    readable(said)


def test_in_a_hurry_closing_time_today_comes_in_one_short_sentence(app):
    said = answer(call(app, "schnell, wann macht backnang heute zu"))
    assert "halb eins" in said
    assert len(said.split()) <= 20, said


# ----------------------------------------------------------------------------- the week


def test_a_general_question_without_a_site_is_a_short_summary_across_sites(app):
    said = answer(call(app, "Wann haben Sie geöffnet?"))
    assert "Montag bis Freitag" in said
    assert "donnerstags" in said.lower()
    assert len(said.split()) <= 40, said
    readable(said)


def test_a_general_question_for_one_site_is_its_weekly_pattern(app):
    said = answer(call(app, "Wann hat die Geschäftsstelle Backnang geöffnet?"))
    assert "Montag bis Freitag" in said
    assert "halb eins" in said
    assert "donnerstags auch von 14 bis 18 uhr" in said.lower()
    readable(said)


def test_a_swabian_caller_asks_when_waiblingen_is_open(app):
    said = answer(call(app, "wann hend ihr in waiblinge offe"))
    assert "Waiblingen" in said
    assert "Montag bis Freitag" in said


# ----------------------------------------------------------------------------- the way there


def test_where_is_in_swabian_gets_the_address_and_directions_then_the_sms(app, db):
    caller = call(app, "Wo isch des Jobcenter in Backnang")
    said = caller.hears()
    assert "Am Obstmarkt 3" in said and "Bus 380" in said
    assert "71522" not in said  # the postcode is for the SMS
    assert "geöffnet" not in said
    assert "Soll ich Ihnen die Adresse per SMS schicken?" in said
    caller.say("ja")
    assert "SMS" in caller.hears() and "Kann ich sonst noch" in caller.hears()
    (body,) = sms(db)
    assert "Am Obstmarkt 3, 71522 Backnang" in body


def test_address_and_a_town_is_enough(app):
    said = call(app, "Adresse Waiblingen").hears()
    assert "Talauestraße 12" in said
    assert "71332" not in said


def test_how_do_i_get_there_without_a_site_asks_which_one(app):
    caller = call(app, "Wie komme ich hin?", from_number=LANDLINE)
    assert "Welche Geschäftsstelle" in caller.hears()
    caller.say("Schorndorf")
    said = caller.hears()
    assert "Gmünder Tor 8" in said and "Busbahnhof" in said
    assert "SMS" not in said  # a landline gets no SMS offer
    assert "Kann ich sonst noch" in said


def test_which_site_can_be_answered_by_key(app):
    caller = call(app, "Wie ist die Adresse?")
    assert "Welche Geschäftsstelle" in caller.hears()
    caller.say("#2")
    assert "Am Obstmarkt 3" in caller.hears()


def test_from_a_landline_the_address_is_said_and_no_sms_offered(app, db):
    said = call(app, "Wo ist das Jobcenter in Waiblingen?", from_number=LANDLINE).hears()
    assert "Talauestraße 12" in said
    assert "SMS" not in said
    assert "Kann ich sonst noch" in said
    assert sms(db) == []


def test_no_to_the_sms_sends_nothing_and_asks_what_else(app, db):
    caller = call(app, "Wo ist das Jobcenter in Schorndorf?")
    assert "per SMS" in caller.hears()
    caller.say("nein")
    assert "Kann ich sonst noch" in caller.hears()
    assert sms(db) == []


def test_hours_and_the_way_asked_together_get_both_the_hours_first(app):
    said = call(app, "Wann haben Sie offen und wo ist das Jobcenter Backnang?").hears()
    assert "Die Geschäftsstelle Backnang hat Montag bis Freitag" in said
    assert "Am Obstmarkt 3" in said
    assert said.index("geöffnet") < said.index("Am Obstmarkt 3")
    assert "Soll ich Ihnen die Adresse per SMS schicken?" in said


def test_the_way_with_the_hours_but_no_site_asks_which_site_after_the_hours(app):
    caller = call(app, "Wo sind Sie und wann haben Sie offen?")
    said = caller.hears()
    assert "Alle Geschäftsstellen haben" in said and "Welche Geschäftsstelle" in said
    caller.say("Schorndorf")
    assert "Gmünder Tor 8" in caller.hears()


def test_a_non_native_speaker_who_cannot_find_the_office(app):
    said = call(app, "wo bitte ist jobcenter schorndorf, ich nicht finde").hears()
    assert "Gmünder Tor 8" in said
    assert "73614" not in said


def test_which_site_then_the_address_then_the_sms(app, db):
    caller = call(app, "Wo sind Sie?")
    assert "Welche Geschäftsstelle" in caller.hears()
    caller.say("in Backnang")
    assert "Am Obstmarkt 3" in caller.hears()
    caller.say("ja bitte")
    assert len(sms(db)) == 1


# ----------------------------------------------------------------------------- English


def test_english_where_is_the_office(app, db):
    caller = call(app, "#9", "Where is the office in Backnang?")
    said = caller.hears()
    assert "Am Obstmarkt 3" in said and "bus 380" in said
    assert "71522" not in said
    assert "text message" in said
    caller.say("yes")
    assert len(sms(db)) == 1


def test_english_good_friday(app):
    at(app, 2027, 3, 24, 10, 0)
    said = answer(call(app, "#9", "Are you open on Good Friday?"))
    assert "Good Friday" in said and "closed" in said
    assert "30 March" in said
    readable(said)


def test_english_opening_hours_in_general(app):
    said = answer(call(app, "#9", "What are your opening hours?"))
    assert "Monday to Friday" in said
    assert "Thursday" in said
    assert len(said.split()) <= 45, said


def test_english_christmas_eve_the_day_before(app):
    at(app, 2026, 12, 23, 10, 0)
    said = answer(call(app, "#9", "are you open on christmas eve"))
    assert "Christmas Eve" in said and "closed" in said
    assert "28 December" in said


@pytest.mark.parametrize("first", ["Öffnungszeiten", "Wo ist das Jobcenter in Backnang?"])
def test_hours_and_address_answers_are_answered_calls(app, first):
    caller = call(app, first, from_number=LANDLINE)
    caller.say("nein")
    caller.hang_up()
    assert caller.summary()["outcome"] == "answered"


def test_a_swabian_asking_the_hours_in_the_middle_of_a_booking_hears_them(app):
    # Verb last ("wann ihr offe hen"), asked where the hotline wanted the topic.
    caller = call(app, "ich brauch en Termin", "ha noi, i will wisse wann ihr offe hen")
    assert "von 8 bis 12 Uhr" in caller.hears()
