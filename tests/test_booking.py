"""Booking, cancelling and rescheduling appointments by voice, through the real webhooks.

The hotline's clock stands at Wednesday, 25 November 2026, 10:00 (conftest.NOW), so
"nächste Woche Dienstag" is 1 December 2026.
"""

import json
import re
from datetime import timedelta

from icalendar import Calendar

import outbox
from conftest import NOW, Caller, twiml

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
    assert "Am Obstmarkt 3, 71522 Backnang" in said
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
    assert "Donnerstag, den 26. November" in caller.hears()
    caller.say("#1")  # yes
    assert "Ihr Termin ist gebucht" in caller.hears()
    assert "SMS" not in caller.hears()  # a landline gets no SMS offer


def test_three_declined_offers_then_another_day_is_asked_for(app):
    caller = book(app, "termin in waiblingen wegen geld nächste woche montag", "nein", "nein")
    third = caller.hears()
    assert third.startswith("Ich kann Ihnen anbieten: Montag, den 30. November")
    caller.say("nein")
    assert "Welcher andere Tag passt Ihnen?" in caller.hears()
    caller.say("am dritten dezember nachmittags")
    assert "Donnerstag, den 3. Dezember" in caller.hears()


def test_no_with_a_new_wish_looks_again(app):
    caller = book(app, "termin in waiblingen wegen geld nächste woche montag vormittags",
                  "nein lieber nachmittags")
    offer = caller.hears()
    assert "Montag, den 30. November" in offer
    assert int(re.search(r"um (\d+)", offer).group(1)) >= 12


def test_a_day_in_the_past_or_far_ahead_is_said_and_asked_again(app):
    caller = book(app, "termin in backnang wegen geld")
    caller.say("gestern")
    assert "liegt in der Vergangenheit" in caller.hears()
    caller.say("am zweiten november")  # next year's, then: too far ahead
    assert "So weit im Voraus" in caller.hears()
    caller.say("übermorgen")
    assert "Freitag, den 27. November" in caller.hears()


def test_an_unparseable_day_is_asked_again_with_an_example(app):
    caller = book(app, "termin in backnang wegen geld")
    caller.say("wenn die sonne scheint")
    assert "nicht verstanden" in caller.hears() and "zum Beispiel" in caller.hears()


def test_a_holiday_is_never_offered(app):
    caller = book(app, "termin in waiblingen wegen geld am fünfundzwanzigsten dezember")
    said = caller.hears()
    assert "keinen freien Termin" in said and "andere Tag" in said


def test_retry_of_the_confirming_webhook_books_once(app, db):
    caller = book(app, "termin in backnang wegen arbeitsvermittlung nächste woche dienstag")
    url = caller.next_url
    first = caller.post(url, SpeechResult="ja", Confidence="0.9")
    again = caller.post(url, SpeechResult="ja", Confidence="0.9")
    assert first.body == again.body
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == 1


def test_callers_on_the_line_at_once_are_offered_different_slots(app, db):
    first = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    second = book(app, "termin in schorndorf wegen berufsberatung so bald wie möglich")
    assert first.hears().startswith("Ich kann Ihnen anbieten")
    assert second.hears().startswith("Ich kann Ihnen anbieten")
    held = db.execute("SELECT caseworker_id, start_ts FROM slot_holds").fetchall()
    assert len(held) == 2 and len(set(held)) == 2  # the first caller's offer is held for them


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
