"""Booking, cancelling and rescheduling appointments by voice, through the real webhooks.

The hotline's clock stands at Wednesday, 25 November 2026, 10:00 (conftest.NOW), so
"nächste Woche Dienstag" is 1 December 2026.
"""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

import clock
import outbox
from conftest import NOW, Caller, twiml

BERLIN = ZoneInfo("Europe/Berlin")

MOBILE = "+491701234567"
LANDLINE = "+4971511234567"


def code_in(text):
    """The booking code as the caller hears it: six digits, in two groups ("438 – 581")."""
    match = re.search(r"Buchungsnummer ist: (\d{3}) – (\d{3})\.", text)
    return match.group(1) + match.group(2) if match else None


def book(app, first_line, *answers, from_number=MOBILE):
    caller = Caller(app, from_number=from_number)
    caller.dial()
    caller.say(first_line)
    for answer in answers:
        caller.say(answer)
    return caller


def test_everything_said_at_once_goes_straight_to_an_offer(app):
    caller = book(app, "Ich brauche einen Termin bei meinem Arbeitsvermittler in Backnang "
                       "nächste Woche Dienstag vormittags")
    # "Mein Arbeitsvermittler" is found by the customer number, if the caller wants.
    assert "Möchten Sie Ihre Kundennummer angeben?" in caller.hears()
    caller.say("nein")
    offer = caller.hears()
    assert "Welche" not in offer and "Wann" not in offer  # nothing asked again
    assert offer.startswith("Gut, dann suche ich einen Termin bei einer Kollegin oder einem "
                            "Kollegen. Ich kann Ihnen anbieten: Dienstag, den 1. Dezember, um ")
    assert "in der Geschäftsstelle Backnang" in offer
    hour = int(re.search(r"um (\d+)", offer).group(1))
    assert hour < 12  # vormittags


def test_a_booking_is_read_back_slowly_with_address_things_to_bring_and_code(app, db):
    caller = book(app, "ich hätt gern en termin in backnang wegen arbeitsvermittlung "
                       "nächste woche dienstag vormittags", "ja")
    said = caller.hears()
    assert said.startswith("Ihr Termin ist gebucht: Dienstag, den 1. Dezember, um")
    assert "Am Obstmarkt 3, Backnang" in said and "71522" not in said  # postcode: SMS only
    assert "Bitte bringen Sie mit: Personalausweis oder Reisepass, Lebenslauf" in said
    code = code_in(said)
    assert code and said.count(f"{code[:3]} – {code[3:]}") == 2  # said twice, in groups
    assert said.endswith("Auf welchen Namen darf ich den Termin eintragen? Wenn Sie keinen "
                         "Namen nennen möchten, sagen Sie einfach: nein.")  # no number known
    caller.say("nein")
    assert "per SMS" in caller.hears()  # a mobile number is offered an SMS
    stored = db.execute("SELECT code, site_id, topic_id, status, phone FROM bookings"
                        ).fetchall()
    assert stored == [(code, "backnang", "arbeitsvermittlung", "booked", MOBILE)]


def test_softphone_summary_carries_the_booking(runner, app):
    result = runner.invoke(args=["call", "--json", "--from", MOBILE], input=(
        "Ich brauche einen Termin bei meinem Arbeitsvermittler in Backnang nächste Woche "
        "Dienstag vormittags\nnein\nja\nnein\nnein\nnein\n"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "booked"
    booking = summary["booking"]
    assert set(booking) == {"code", "site", "topic", "caseworker", "start"}
    assert booking["site"] == "backnang" and booking["topic"] == "arbeitsvermittlung"
    assert booking["start"].startswith("2026-12-01T")
    assert booking["start"].endswith("+01:00")  # local time, ISO 8601
    assert summary["turns"][1]["intent"] == "book_appointment"


def test_what_is_missing_is_asked_one_question_at_a_time(app):
    caller = Caller(app)
    caller.dial()
    caller.say("ich möchte einen termin")
    assert "Worum geht es bei dem Termin?" in caller.hears()
    caller.say("wegen meinem bürgergeld")
    assert "In welcher Geschäftsstelle" in caller.hears()
    caller.say("schorndorf")
    assert "Wann passt es Ihnen?" in caller.hears()
    caller.say("so bald wie möglich")
    offer = caller.hears()
    assert offer.startswith("Ich kann Ihnen anbieten:")
    assert "in der Geschäftsstelle Schorndorf" in offer


def test_keys_answer_the_booking_questions_too(app):
    caller = Caller(app, from_number=LANDLINE)
    caller.dial()
    caller.say("termin vereinbaren")
    caller.say("#1")  # Geld
    caller.say("#3")  # Schorndorf
    caller.say("morgen")
    offer = caller.hears()
    assert "anbieten: morgen, Donnerstag, um" in offer
    assert "26. November" not in offer  # "morgen" instead of the date
    caller.say("#1")  # yes
    assert "Ihr Termin ist gebucht" in caller.hears()
    assert "SMS" not in caller.hears()  # a landline gets no SMS offer


def offered_hour(text):
    return int(re.search(r"um (\d+) Uhr", text).group(1))


def test_a_refused_offer_is_followed_by_another_half_day_then_a_question(app):
    caller = book(app, "termin in waiblingen wegen geld nächste woche montag")
    first = caller.hears()
    assert first.startswith("Ich kann Ihnen anbieten: Montag, den 30. November")
    caller.say("nein")
    second = caller.hears()
    assert "Montag, den 30. November" in second  # still the day the caller wished
    assert (offered_hour(first) < 12) != (offered_hour(second) < 12)  # but not the same half
    caller.say("nein")
    said = caller.hears()
    assert "Wann passt es Ihnen besser?" in said and "anbieten" not in said
    caller.say("am dritten dezember nachmittags")
    assert "Donnerstag, den 3. Dezember" in caller.hears()


def test_no_with_a_new_wish_looks_again(app):
    caller = book(app, "termin in waiblingen wegen geld nächste woche montag vormittags",
                  "nein lieber nachmittags")
    offer = caller.hears()
    assert "Montag, den 30. November" in offer
    assert int(re.search(r"um (\d+)", offer).group(1)) >= 12


@pytest.mark.parametrize("first_line, day", [
    ("termin in waiblingen wegen geld, montag, nein, dienstag", "Dienstag, den 1. Dezember"),
    ("termin in waiblingen wegen geld am freitag nein am montag vormittags",
     "Montag, den 30. November"),
])
def test_a_day_corrected_with_a_bare_no_is_the_day_booked(app, first_line, day):
    # A caller in a hurry corrects herself without "lieber" or "ach": the day after the
    # no counts, not the one she took back.
    offer = book(app, first_line).hears()
    assert offer.startswith(f"Ich kann Ihnen anbieten: {day}")


def test_a_day_corrected_with_a_bare_no_in_english_is_the_day_booked(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#9")
    caller.say("an appointment in Backnang about money on Monday, no, Tuesday")
    assert caller.hears().startswith("I can offer you: Tuesday, 1 December, at")


def test_a_no_that_only_rules_a_day_out_is_no_correction(app):
    offer = book(app, "termin in waiblingen wegen geld nächste woche, nein, nicht montag").hears()
    assert "anbieten" in offer and "Montag" not in offer


def test_a_day_in_the_past_or_far_ahead_is_said_and_asked_again(app):
    caller = book(app, "termin in backnang wegen geld")
    caller.say("gestern")
    assert "Der 24. November ist schon vorbei." in caller.hears()
    caller.say("am zweiten november")  # three weeks back: gone by, not next year's
    assert "Der 2. November ist schon vorbei." in caller.hears()
    caller.say("am zweiten april")  # next year's: too far ahead
    assert "So weit im Voraus" in caller.hears()
    caller.say("übermorgen")
    assert "Freitag, den 27. November" in caller.hears()


def test_an_unparseable_day_is_asked_again_with_an_example(app):
    caller = book(app, "termin in backnang wegen geld")
    caller.say("wenn die sonne scheint")
    assert "nicht verstanden" in caller.hears() and "zum Beispiel" in caller.hears()


def test_a_holiday_is_named_and_the_nearest_free_day_offered_instead(app):
    caller = book(app, "termin in waiblingen wegen geld am fünfundzwanzigsten dezember")
    said = caller.hears()
    assert said.startswith("Am Freitag, den 25. Dezember, ist Feiertag: Erster Weihnachtstag. "
                           "Ich kann Ihnen stattdessen anbieten: Mittwoch, den 23. Dezember, um")
    caller.say("ja")
    assert "Ihr Termin ist gebucht: Mittwoch, den 23. Dezember" in caller.hears()


@pytest.mark.both_engines
def test_retry_of_the_confirming_webhook_books_once(app, db):
    caller = book(app, "termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    url = caller.next_url
    first = caller.post(url, SpeechResult="ja", Confidence="0.9")
    again = caller.post(url, SpeechResult="ja", Confidence="0.9")
    assert first.body == again.body
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == 1


@pytest.mark.both_engines
def test_callers_on_the_line_at_once_are_offered_different_slots(app, db):
    first = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    second = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    assert first.hears().startswith("Ich kann Ihnen anbieten")
    assert second.hears().startswith("Ich kann Ihnen anbieten")
    held = db.execute("SELECT caseworker_id, start_ts FROM slot_holds").fetchall()
    assert len(held) == 2 and len(set(held)) == 2  # the first caller's offer is held for them


@pytest.mark.both_engines
def test_two_callers_never_get_the_same_slot(app, db):
    first = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    # Three minutes later the first caller's hold has run out, and a second caller is
    # offered the same slot while the first is still deciding.
    later = NOW + timedelta(minutes=3)
    app.extensions["hotline.clock"] = lambda: later
    second = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    assert first.hears() == second.hears()
    first.say("ja")
    second.say("ja")
    assert "gerade vergeben" in second.hears()
    assert second.hears().count("Ich kann Ihnen anbieten") == 1
    second.say("ja")
    starts = db.execute("SELECT caseworker_id, start_utc FROM bookings WHERE status='booked'"
                        ).fetchall()
    assert len(starts) == 2 and len(set(starts)) == 2


def test_sms_confirmation_links_a_calendar_file(app, client):
    caller = book(app, "termin in backnang wegen arbeitsvermittlung nächste woche dienstag",
                  "ja", "nein", "ja")
    assert "Die Bestätigung schicke ich Ihnen per SMS." in caller.hears()
    assert app.extensions["hotline.gateway"].messages == []  # queued, not sent in the webhook
    assert outbox.deliver_due(app) == 1
    (message,) = app.extensions["hotline.gateway"].messages
    assert message["to"] == MOBILE
    assert "Dezember" in message["body"] and "Am Obstmarkt 3" in message["body"]
    link = re.search(r"http\S+\.ics", message["body"]).group(0)
    reply = client.get(link)
    assert reply.status_code == 200 and reply.mimetype == "text/calendar"
    event = Calendar.from_ical(reply.data).walk("VEVENT")[0]
    assert event.decoded("dtstart").hour in range(7, 12)
    assert MOBILE not in reply.get_data(as_text=True)


def test_an_sms_twilio_cannot_take_now_is_sent_later_and_the_caller_hears_nothing_of_it(app):
    app.extensions["hotline.gateway"].fail = True
    caller = book(app, "termin in backnang wegen arbeitsvermittlung nächste woche dienstag",
                  "ja", "nein", "ja")
    assert "Die Bestätigung schicke ich Ihnen per SMS." in caller.hears()
    assert "Fehler" not in caller.hears()
    outbox.deliver_due(app)
    app.extensions["hotline.gateway"].fail = False
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(minutes=5)
    outbox.deliver_due(app)
    (message,) = app.extensions["hotline.gateway"].messages
    assert message["to"] == MOBILE


@pytest.mark.both_engines
def test_cancel_by_booking_code_confirms_before_acting(app, db):
    booked = book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    code = code_in(booked.hears())
    caller = Caller(app, from_number=LANDLINE)
    caller.dial()
    caller.say("ich möchte meinen termin absagen")
    assert "Buchungsnummer" in caller.hears()
    caller.say(" ".join("null eins zwei drei vier fünf sechs sieben acht neun".split()[int(d)]
                        for d in code))
    assert "Ich habe Ihren Termin gefunden: Dienstag, den 1. Dezember" in caller.hears()
    assert "absagen?" in caller.hears()
    assert db.execute("SELECT status FROM bookings").fetchone()[0] == "booked"
    caller.say("ja")
    assert "ist abgesagt" in caller.hears()
    assert db.execute("SELECT status FROM bookings").fetchone()[0] == "cancelled"
    caller.say("nein")
    caller.hang_up()
    assert caller.summary()["outcome"] == "cancelled"


def test_cancel_without_code_finds_the_booking_by_caller_number(app, db):
    book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("ich muss meinen termin absagen")
    caller.say("die habe ich nicht")
    assert "Unter Ihrer Telefonnummer finde ich einen Termin" in caller.hears()
    caller.say("ja")
    caller.say("ja")
    assert "ist abgesagt" in caller.hears()


def test_yes_to_the_booking_code_question_asks_for_its_digits(app):
    # "Ja": they have it, or are looking for it, which is no "nicht verstanden".
    code = code_in(book(app, "termin in backnang wegen geld nächste woche dienstag", "ja").hears())
    caller = Caller(app, from_number=LANDLINE)
    caller.dial()
    caller.say("ich möchte meinen termin absagen")
    caller.say("ja")
    said = caller.hears()
    assert "Bitte sagen Sie jetzt die sechs Ziffern der Buchungsnummer." in said
    assert "nicht verstanden" not in said
    caller.say("#" + code)
    assert "Ich habe Ihren Termin gefunden: Dienstag, den 1. Dezember" in caller.hears()


def test_a_swabian_dont_know_looks_by_the_callers_number(app):
    book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("i hab en Termin, i möcht den absage")
    caller.say("woiß i net")
    assert "Unter Ihrer Telefonnummer finde ich einen Termin" in caller.hears()


def test_moving_without_the_code_takes_the_booking_on_the_day_named_and_asks_once(app, db):
    book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    book(app, "termin in waiblingen wegen geld nächste woche donnerstag", "ja")
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("Ich muss meinen Termin am dritten Dezember verschieben")
    caller.say("weiß ich nicht")
    said = caller.hears()
    assert "Unter Ihrer Telefonnummer finde ich einen Termin: Donnerstag, den 3. Dezember" in said
    assert "Waiblingen" in said
    caller.say("ja")
    said = caller.hears()
    assert said.startswith("Wann passt es Ihnen?")  # not "Möchten Sie ihn verschieben?"
    assert "verschieben?" not in said


def test_with_no_booking_on_the_day_named_the_one_found_is_said_to_be_another(app):
    book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("Ich muss meinen Termin am Freitag absagen")
    caller.say("habe ich nicht")
    said = caller.hears()
    assert said.startswith("Am Freitag, den 27. November, finde ich unter Ihrer Telefonnummer "
                           "keinen Termin. Ich finde einen anderen: Dienstag, den 1. Dezember")
    assert said.endswith("Ist das Ihr Termin?")
    caller.say("ja")
    assert "Möchten Sie diesen Termin absagen?" in caller.hears()  # cancelling: asked first


def test_unknown_code_then_nothing_by_number_goes_to_an_agent(app):
    caller = Caller(app, from_number=LANDLINE)
    caller.dial()
    caller.say("termin absagen")
    caller.say("#123456")
    said = caller.hears()
    assert "Diese Buchungsnummer finde ich leider nicht" in said
    assert "keinen passenden Termin" in said
    assert "[Warteschleife: hotline]" in said


def test_keeping_the_appointment_changes_nothing(app, db):
    booked = book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    caller = Caller(app)
    caller.dial()
    caller.say("termin absagen")
    caller.say("#" + code_in(booked.hears()))
    caller.say("nein")
    assert "bleibt, wie er ist" in caller.hears()
    assert db.execute("SELECT status FROM bookings").fetchone()[0] == "booked"


@pytest.mark.both_engines
def test_reschedule_takes_the_new_slot_then_frees_the_old(app, db):
    booked = book(app, "termin in backnang wegen geld nächste woche dienstag", "ja")
    code = code_in(booked.hears())
    caller = Caller(app)
    caller.dial()
    caller.say("ich möchte meinen termin verschieben")
    caller.say("#" + code)
    assert "verschieben?" in caller.hears()
    caller.say("ja")
    assert "Wann passt es Ihnen?" in caller.hears()
    caller.say("am dritten dezember nachmittags")
    assert "Donnerstag, den 3. Dezember" in caller.hears()
    caller.say("ja")
    said = caller.hears()
    assert said.startswith("Ihr Termin ist verschoben auf: Donnerstag, den 3. Dezember")
    assert code_in(said) == code
    rows = db.execute("SELECT status, start_utc FROM bookings ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["cancelled", "booked"]
    assert rows[1][1].startswith("2026-12-03")
    caller.hang_up()
    assert caller.summary()["outcome"] == "rescheduled"


@pytest.mark.parametrize("request_line, day", [
    ("ich möchte meinen termin am dienstag auf donnerstag nachmittags verschieben",
     "morgen, Donnerstag, um 14 Uhr"),
    ("kann ich meinen termin auf den dritten dezember verlegen", "Donnerstag, den 3. Dezember"),
])
def test_the_day_a_booking_is_to_be_moved_to_is_not_asked_again(app, request_line, day):
    code = code_in(book(app, "termin in backnang wegen geld nächste woche dienstag", "ja").hears())
    caller = Caller(app)
    caller.dial()
    caller.say(request_line)
    caller.say("#" + code)
    assert "Dienstag, den 1. Dezember" in caller.hears()  # the booking found, not the new day
    caller.say("ja")
    offer = caller.hears()
    assert "Wann passt es Ihnen?" not in offer
    assert offer.startswith(f"Ich kann Ihnen anbieten: {day}")


def test_opening_hours_are_answered_from_the_schedule(app):
    caller = Caller(app)
    caller.dial()
    caller.say("wann hat die geschäftsstelle in backnang heute offen")
    said = caller.hears()
    assert "Backnang" in said and "Uhr" in said
    assert "Kann ich sonst noch etwas für Sie tun?" in said
    caller.hang_up()
    assert caller.summary()["outcome"] == "answered"


def test_booking_questions_in_english(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#9")
    caller.say("I need an appointment in Backnang about work next week on tuesday")
    assert caller.hears().startswith("I can offer you: Tuesday, 1 December, at")
    reply = caller.post(caller.next_url)  # silence: asked again, in English
    assert "I can offer you" in twiml(reply.body).find("./Gather/Say[2]").text


def test_ics_link_for_unknown_code_is_404(client):
    assert client.get("/appointments/not-a-real-token-at-all-000000.ics").status_code == 404
    assert client.get("/appointments/..%2f..%2fetc.ics").status_code == 404


def test_booking_details_are_read_slowly(app):
    caller = book(app, "termin in backnang wegen geld nächste woche dienstag")
    reply = caller.post(caller.next_url, SpeechResult="ja", Confidence="0.9")
    slow = twiml(reply.body).findall("./Gather/Say/prosody")
    assert {p.get("rate") for p in slow} == {"85%"}
    assert any("Buchungsnummer" in p.text for p in slow)
    assert any("Personalausweis" in p.text for p in slow)


def test_slots_lost_to_other_callers_do_not_count_as_declined(app):
    caller = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    for _ in range(3):
        # Someone else books whatever this caller was just offered, three times over.
        rival = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
        rival.say("ja")
        assert "gebucht" in rival.hears()
        caller.say("ja")
        assert "gerade vergeben" in caller.hears() or "gebucht" in caller.hears()
        if "gebucht" in caller.hears():
            break
    assert "Welcher andere Tag" not in caller.hears()


# ---------------------------------------------------------------- a booking a caller can follow


def at_moment(app, moment):
    """The hotline's clock stands at `moment` (Berlin time, "YYYY-MM-DD HH:MM")."""
    clock.install(app, clock.Clock.at(datetime.fromisoformat(moment).replace(tzinfo=BERLIN)))


def test_a_date_gone_by_is_said_to_be_past_not_moved_to_next_year(app):
    at_moment(app, "2026-12-01 10:00")
    caller = book(app, "termin in waiblingen wegen geld", "am 30. November")
    said = caller.hears()
    assert said.startswith("Der 30. November ist schon vorbei. Sagen Sie bitte einen Tag")
    assert "So weit im Voraus" not in said
    caller.say("dann morgen")
    assert caller.hears().startswith("Ich kann Ihnen anbieten: morgen, Mittwoch, um ")


def test_a_closure_is_said_with_its_reason_and_the_nearest_slot_offered(app):
    at_moment(app, "2026-12-07 10:00")  # Schorndorf's Personalversammlung is on the 9th
    caller = book(app, "termin in schorndorf wegen arbeitssuche am mittwoch")
    said = caller.hears()
    assert said.startswith("Am Mittwoch, den 9. Dezember, ist die Geschäftsstelle Schorndorf "
                           "geschlossen: Personalversammlung. Ich kann Ihnen stattdessen "
                           "anbieten: ")
    assert "9. Dezember, um" not in said and said.endswith("Sagen Sie bitte Ja oder Nein.")
    caller.say("ja")
    assert "Ihr Termin ist gebucht" in caller.hears()


def test_a_weekend_day_is_said_to_be_closed_and_the_nearest_slot_offered(app):
    at_moment(app, "2026-12-01 10:00")
    caller = book(app, "termin in waiblingen wegen geld am samstag")
    said = caller.hears()
    assert said.startswith("Am Samstag, den 5. Dezember, ist die Geschäftsstelle Waiblingen "
                           "geschlossen. Ich kann Ihnen stattdessen anbieten: Freitag, den 4. "
                           "Dezember, um")


def test_english_callers_hear_the_holiday_and_the_nearest_slot(app):
    at_moment(app, "2026-12-21 10:00")
    caller = book(app, "#9", "I want to book an appointment in Waiblingen about money on "
                             "Christmas Day")
    said = caller.hears()
    if "correctly" in said:
        caller.say("yes")
        said = caller.hears()
    assert said.startswith("Friday, 25 December is a public holiday: Christmas Day. Instead, "
                           "I can offer you: Wednesday, 23 December, at ")


def test_a_refused_offer_is_followed_by_another_half_day_not_the_next_quarter_hour(app):
    caller = book(app, "termin in backnang wegen geld so bald wie möglich")
    first = caller.hears()
    assert first.startswith("Ich kann Ihnen anbieten: heute um 12 Uhr")  # two hours' lead
    caller.say("nein, das passt nicht")
    second = caller.hears()
    assert second.startswith("Ich kann Ihnen anbieten: morgen, Donnerstag, um ")
    assert offered_hour(second) < 12
    caller.say("nein")
    assert caller.hears().startswith("Wann passt es Ihnen besser?")


def test_today_is_said_as_heute_and_times_as_people_say_them(app):
    caller = book(app, "termin in waiblingen wegen arbeitssuche heute nachmittag")
    offer = caller.hears()
    assert re.match(r"Ich kann Ihnen anbieten: heute um 1\d Uhr( \d\d)?, in der Geschäftsstelle "
                    r"Waiblingen\.", offer), offer
    assert "25. November" not in offer and ":" not in offer.split("anbieten:")[1]


def test_half_past_nine_is_understood_and_said_as_9_uhr_30(app, db):
    at_moment(app, "2026-12-01 10:00")
    caller = book(app, "termin in waiblingen wegen geld", "donnerstag um halb zehn")
    assert caller.hears().startswith(
        "Ich kann Ihnen anbieten: Donnerstag, den 3. Dezember, um 9 Uhr 30, in der")
    caller.say("ja")
    assert caller.hears().startswith("Ihr Termin ist gebucht: Donnerstag, den 3. Dezember, "
                                     "um 9 Uhr 30, in der Geschäftsstelle Waiblingen.")


def test_an_appointment_outside_the_opening_hours_is_offered_as_such_and_says_how_to_get_in(app):
    at_moment(app, "2026-12-01 10:00")  # Waiblingen opens Mondays from 8 to 12 only
    caller = book(app, "termin in waiblingen wegen geld am montag um 14 uhr")
    assert caller.hears() == (
        "Ich kann Ihnen anbieten: Montag, den 7. Dezember, um 14 Uhr, in der Geschäftsstelle "
        "Waiblingen. Zu dieser Uhrzeit ist die Geschäftsstelle für Besucher geschlossen. Sie "
        "werden am Eingang abgeholt. Passt Ihnen das? Sagen Sie bitte Ja oder Nein.")
    caller.say("ja")
    said = caller.hears()
    assert said.startswith("Ihr Termin ist gebucht: Montag, den 7. Dezember, um 14 Uhr, in der "
                           "Geschäftsstelle Waiblingen. Bitte klingeln Sie am Seiteneingang.")
    assert "geschlossen" not in said  # said with the offer, not twice
    inside = book(app, "termin in waiblingen wegen geld am montag um 10 uhr")
    assert "geschlossen" not in inside.hears()
    inside.say("ja")
    assert "Ihr Termin ist gebucht: Montag, den 7. Dezember, um 10 Uhr" in inside.hears()
    assert "klingeln" not in inside.hears()


@pytest.mark.parametrize("detail, next_question", [
    ("Arbeit suchen", "In welcher Geschäftsstelle"),
    ("in Backnang", "Worum geht es bei dem Termin?"),
])
def test_the_next_detail_instead_of_yes_to_a_weak_booking_request_goes_on_booking(
        app, detail, next_question):
    # "Es geht um einen neuen Termin?" is answered with what the appointment is about.
    caller = book(app, "hallo. ich Termin. bitte")
    assert "Es geht um einen neuen Termin?" in caller.hears()
    caller.say(detail)
    said = caller.hears()
    assert next_question in said and "Ich verbinde" not in said


def test_a_new_question_instead_of_yes_to_a_weak_booking_request_is_that_question(app):
    caller = book(app, "hallo. ich Termin. bitte")
    caller.say("wann kommt mein Geld")
    said = caller.hears()
    assert "Termin" not in said and "Geschäftsstelle" not in said  # no booking


def test_a_bare_yes_to_a_booking_question_gets_the_question_again_without_an_apology(app):
    caller = book(app, "Ich möchte einen Termin in Waiblingen wegen Berufsberatung", "ja")
    said = caller.hears()
    assert said.startswith("Wann passt es Ihnen?")
    assert "nicht verstanden" not in said
    caller.say("ja")  # once is ready to answer; twice is no answer
    assert "nicht verstanden" in caller.hears()
    caller.say("so bald wie möglich")
    assert "Ich kann Ihnen anbieten" in caller.hears()


@pytest.mark.parametrize("asked_back", ["Was für Themen gibt es denn?",
                                        "was kann ich denn da sagen?"])
def test_asked_back_what_to_choose_the_topics_are_told_without_an_apology(app, asked_back):
    # Was "Das habe ich leider nicht verstanden." and the question again, twice.
    caller = book(app, "Termin", asked_back)
    said = caller.hears()
    assert said == ("Es gibt vier Themen: Geld, Arbeitssuche, Berufsberatung und "
                    "Arbeitslosmeldung. Sagen Sie bitte eines davon. Oder drücken Sie die "
                    "Eins bis Vier.")
    caller.say("Berufsberatung")
    assert "In welcher Geschäftsstelle" in caller.hears()


def test_the_sites_asked_back_are_the_question_again_and_the_choices_told_only_once(app):
    caller = book(app, "Ich brauche einen Termin wegen Geld", "Welche Geschäftsstellen gibt es?")
    said = caller.hears()
    assert said.startswith("In welcher Geschäftsstelle") and "nicht verstanden" not in said
    caller.say("Welche gibt es denn da?")  # a second time: no answer after all
    assert "nicht verstanden" in caller.hears()


def test_a_new_matter_at_the_booking_code_question_is_taken_up(app):
    caller = book(app, "Ich möchte meinen Termin absagen", "Wo ist mein Geld?")
    said = caller.hears()
    # The money (here without case data: a person), not where the code is written.
    assert "Mitarbeiter" in said and "Buchungsnummer" not in said and "SMS" not in said


def test_not_having_the_code_because_of_being_ill_still_looks_the_booking_up(app):
    caller = book(app, "Ich möchte meinen Termin absagen", "ich weiß nicht mehr, ich war krank")
    said = caller.hears()
    assert "Nachweis" not in said and "Kundennummer" not in said  # no other matter taken up


@pytest.mark.parametrize("number, where", [(MOBILE, "steht in der SMS"),
                                           (LANDLINE, "am Ende der Buchung genannt")])
def test_where_the_booking_code_is_written_depends_on_what_reached_the_caller(app, number,
                                                                              where):
    caller = book(app, "Ich will meinen Termin absagen", "wo steht denn die Nummer",
                  from_number=number)
    said = caller.hears()
    assert where in said
    if number == LANDLINE:
        assert "SMS" not in said


def test_cancelling_and_asking_when_it_was_is_the_cancel(app):
    caller = book(app, "Ich will meinen Termin absagen, wann war der nochmal?")
    assert "Buchungsnummer" in caller.hears()


def test_the_topic_said_with_the_request_is_acknowledged_once_not_at_each_repeat(app):
    caller = book(app, "Ich brauche einen Termin wegen Geld")
    assert caller.hears().startswith("Gern, wegen Geldleistungen.")
    caller.say("")  # silence: the site question again, without the acknowledgement
    said = caller.hears()
    assert "Geschäftsstelle" in said and "Gern, wegen" not in said
    caller.say("Wie bitte?")
    said = caller.hears()
    assert "Geschäftsstelle" in said and "Gern, wegen" not in said
