"""Appointment reminders by SMS (issue 21): consent asked once at booking, the SMS on the
working day before through the outbox (Twilio's REST API is the stand-in on 127.0.0.1).

The hotline's clock stands at Wednesday, 25 November 2026, 10:00 (conftest.NOW), so
"nächste Woche Dienstag" is 1 December 2026.
"""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

import pytest
from twilio_standin import OK, REFUSE

import outbox
from app import create_app
from conftest import NOW, TOKEN, Caller
from db import connect
from schedules.config import BERLIN

MOBILE = "+491701234567"
LANDLINE = "+4971511234567"
FIRST_LINE = "termin in backnang wegen arbeitsvermittlung nächste woche dienstag"
CONSENT = "Sollen wir Sie am Werktag vorher per SMS an den Termin erinnern?"


def book(app, *answers, from_number=MOBILE, first_line=FIRST_LINE):
    """A booking; the answers follow the offer: yes, the name ("nein": none), the SMS, ..."""
    caller = Caller(app, from_number=from_number)
    caller.dial()
    caller.say(first_line)
    for answer in answers:
        caller.say(answer)
    return caller


def code_in(text):
    """The booking code as the caller hears it: six digits, in two groups ("438 – 581")."""
    match = re.search(r"Buchungsnummer ist: (\d{3}) – (\d{3})\.", text)
    return match.group(1) + match.group(2) if match else None


def consent_on_record(db):
    return db.execute("SELECT reminder_consent FROM bookings").fetchall()


# ----------------------------------------------------------------------------- consent


@pytest.mark.both_engines
def test_a_mobile_caller_is_asked_once_after_the_sms_offer_and_yes_is_stored(app, db):
    caller = book(app, "ja", "nein", "nein")  # book, no name, no confirmation SMS
    assert CONSENT in caller.hears()
    caller.say("ja")
    assert "Gut, Sie bekommen am Werktag vorher eine SMS." in caller.hears()
    assert "Kann ich sonst noch etwas für Sie tun?" in caller.hears()
    assert consent_on_record(db) == [(1,)]
    said = " ".join(" ".join(e.hotline) for e in caller.exchanges)
    assert said.count(CONSENT) == 1


def test_consent_follows_the_confirmation_sms_and_no_is_stored(app, db):
    caller = book(app, "ja", "nein", "ja")
    assert "Die Bestätigung schicke ich Ihnen per SMS." in caller.hears()
    assert CONSENT in caller.hears()
    caller.say("#2")
    assert "Gut, ohne Erinnerung." in caller.hears()
    assert consent_on_record(db) == [(0,)]


CALL_CONSENT = "Sollen wir Sie am Werktag vorher anrufen und an den Termin erinnern?"


def test_a_landline_or_sms_switched_off_is_offered_a_call_and_a_withheld_number_nothing(
        app, db):
    caller = book(app, "ja", from_number=LANDLINE)
    assert "Ihr Termin ist gebucht" in caller.hears() and "Namen" in caller.hears()
    caller.say("nein")  # no name: the booking's own number says who is coming
    assert CALL_CONSENT in caller.hears()
    caller.say("ja")
    assert "Gut, wir rufen Sie am Werktag vorher an." in caller.hears()
    app.config["HOTLINE_SMS"] = False
    caller = book(app, "ja", first_line="termin in waiblingen wegen arbeitsvermittlung "
                                        "nächste woche mittwoch")
    assert "per SMS" not in caller.hears() and "Namen" in caller.hears()
    caller.say("nein")
    assert CALL_CONSENT in caller.hears()
    caller.say("nein")
    caller = book(app, "ja", from_number="anonymous", first_line="termin in schorndorf wegen "
                  "arbeitsvermittlung nächste woche donnerstag")
    assert "Ihr Termin ist gebucht" in caller.hears() and "erinnern" not in caller.hears()
    assert db.execute("SELECT reminder_consent, reminder_channel FROM bookings ORDER BY id"
                      ).fetchall() == [(1, "call"), (0, "call"), (None, None)]


def test_a_mobile_caller_may_choose_a_call_with_the_three(app, db):
    caller = book(app, "ja", "nein", "nein")  # the offer, no name, no SMS
    assert "Lieber per Anruf? Dann drücken Sie die Drei." in caller.hears()
    caller.say("#3")
    assert "Gut, wir rufen Sie am Werktag vorher an." in caller.hears()
    assert db.execute("SELECT reminder_consent, reminder_channel FROM bookings").fetchall() == [
        (1, "call")]


def test_consent_is_asked_in_english(app, db):
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("#9")
    caller.say("I need an appointment in Backnang about work next week on tuesday")
    caller.say("yes")
    caller.say("no")  # no name
    caller.say("no")  # no confirmation by text message
    assert "Shall we remind you of the appointment by text message" in caller.hears()
    caller.say("yes")
    assert "you will get a text message on the working day before" in caller.hears()
    assert consent_on_record(db) == [(1,)]


def test_an_unclear_answer_is_asked_again_and_a_move_keeps_the_consent(app, db):
    caller = book(app, "ja", "nein", "nein", "vielleicht")
    assert CONSENT in caller.hears()
    caller.say("ja")
    assert consent_on_record(db) == [(1,)]
    code = db.execute("SELECT code FROM bookings").fetchone()[0]
    mover = Caller(app, from_number=MOBILE)
    mover.dial()
    mover.say(f"ich möchte meinen termin verschieben, buchungsnummer {' '.join(code)}")
    mover.say("ja")
    mover.say("nächste woche donnerstag")
    mover.say("ja")
    assert "verschoben" in mover.hears()
    mover.say("nein")  # no SMS confirmation; a move does not ask about reminders again
    assert CONSENT not in mover.hears()
    rows = db.execute("SELECT status, reminder_consent FROM bookings ORDER BY id").fetchall()
    assert rows == [("cancelled", 1), ("booked", 1)]


# ----------------------------------------------------------------------------- sending


def live_app(database_target, standin, **config):
    """The hotline with a Twilio account whose REST API is the stand-in on 127.0.0.1."""
    app = create_app({**config,
        "TESTING": True, "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE": database_target,
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "HOTLINE_SMS_FROM": "+4971519999999", "HOTLINE_TWILIO_API_BASE": standin.url,
        "HOTLINE_PUBLIC_URL": "", "HOTLINE_VALIDATE_SIGNATURES": True,
        "HOTLINE_OUTBOX_THREAD": False})
    at(app, NOW)
    return app


def at(app, moment):
    app.extensions["hotline.clock"] = lambda: moment


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def send_at(app, moment):
    """The outbox's sender at `moment` (it runs every second in production)."""
    at(app, moment)
    outbox.deliver_due(app)


def book_with_reminder(app, first_line=FIRST_LINE):
    caller = book(app, "ja", "nein", "nein", "ja", first_line=first_line)
    assert "Gut, Sie bekommen am Werktag vorher eine SMS." in caller.hears()
    return caller


def booked_start(app):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        start = db.execute("SELECT start_utc FROM bookings WHERE status = 'booked'").fetchone()
    finally:
        db.conn.close()
    return datetime.fromisoformat(start[0]).astimezone(BERLIN)


def bodies(standin):
    return [m["body"] for m in standin.messages]


@pytest.mark.both_engines
def test_the_reminder_comes_at_17_the_working_day_before_once_and_after_a_restart(
        database_target, standin):
    app = live_app(database_target, standin)
    book_with_reminder(app)
    start = booked_start(app)
    assert start.date() == date(2026, 12, 1)  # Tuesday
    # The app restarts before the reminder is due: the due time is on the booking.
    app = live_app(database_target, standin)
    send_at(app, berlin(2026, 11, 30, 16, 59))
    assert standin.messages == []
    send_at(app, berlin(2026, 11, 30, 17, 0))
    (message,) = standin.messages
    assert message["to"] == MOBILE
    minute = f"{start.minute:02d}" if start.minute else ""
    time_said = f"{start.hour}:{minute} Uhr" if minute else f"{start.hour} Uhr"
    assert message["body"] == (
        f"Jobcenter Rems-Murr: Erinnerung an Ihren Termin am Dienstag, 1. Dezember, "
        f"{time_said}, in der Geschäftsstelle Backnang. Antworten Sie JA zum Bestätigen, "
        "ABSAGEN zum Absagen oder VERSCHIEBEN für einen anderen Termin.")
    assert "Arbeitsvermittlung" not in message["body"]  # no topic
    for minutes in (1, 30, 120):  # the sender keeps running: nothing goes twice
        send_at(app, berlin(2026, 11, 30, 17, 0) + timedelta(minutes=minutes))
    assert len(standin.messages) == 1


@pytest.mark.both_engines
def test_no_reminder_without_consent_or_for_a_cancelled_booking(database_target, standin):
    app = live_app(database_target, standin)
    book(app, "ja", "nein", "nein", "nein")  # no reminder wanted
    cancelled = book_with_reminder(app, first_line="termin in waiblingen wegen "
                                                   "arbeitsvermittlung nächste woche dienstag")
    code = code_in(" ".join(" ".join(e.hotline) for e in cancelled.exchanges))
    canceller = Caller(app, from_number=MOBILE)
    canceller.dial()
    canceller.say(f"ich möchte meinen termin absagen, buchungsnummer {' '.join(code)}")
    canceller.say("ja")
    assert "abgesagt" in canceller.hears()
    send_at(app, berlin(2026, 11, 30, 17, 0))
    assert standin.messages == []


def test_a_moved_booking_is_reminded_for_the_new_day_only(database_target, standin):
    app = live_app(database_target, standin)
    caller = book_with_reminder(app)
    code = code_in(" ".join(" ".join(e.hotline) for e in caller.exchanges))
    mover = Caller(app, from_number=MOBILE)
    mover.dial()
    mover.say(f"ich möchte meinen termin verschieben, buchungsnummer {' '.join(code)}")
    mover.say("ja")
    mover.say("nächste woche donnerstag")
    mover.say("ja")
    assert "verschoben" in mover.hears()
    send_at(app, berlin(2026, 11, 30, 17, 0))  # the old Tuesday's moment
    assert standin.messages == []
    send_at(app, berlin(2026, 12, 2, 17, 0))
    (body,) = bodies(standin)
    assert "Donnerstag, 3. Dezember" in body


def test_a_queued_reminder_is_withdrawn_when_the_booking_is_cancelled(database_target, standin):
    app = live_app(database_target, standin)
    caller = book_with_reminder(app)
    code = code_in(" ".join(" ".join(e.hotline) for e in caller.exchanges))
    standin.set(REFUSE)  # Twilio unreachable at 17:00: the reminder waits in the outbox
    send_at(app, berlin(2026, 11, 30, 17, 0))
    assert standin.messages == []
    at(app, berlin(2026, 11, 30, 17, 5))
    canceller = Caller(app, from_number=MOBILE)
    canceller.dial()
    canceller.say(f"ich möchte meinen termin absagen, buchungsnummer {' '.join(code)}")
    canceller.say("ja")
    assert "abgesagt" in canceller.hears()
    standin.set(OK)
    send_at(app, berlin(2026, 11, 30, 18, 0))
    assert standin.messages == []


def test_never_at_night_a_late_sender_waits_for_the_morning(database_target, standin):
    app = live_app(database_target, standin)
    book_with_reminder(app, first_line=FIRST_LINE + " nachmittags")
    assert booked_start(app).hour >= 12
    # No sender ran at 17:00 (the server was down); it comes back at 22:30.
    send_at(app, berlin(2026, 11, 30, 22, 30))
    send_at(app, berlin(2026, 12, 1, 7, 59))
    assert standin.messages == []
    send_at(app, berlin(2026, 12, 1, 8, 0))
    assert len(standin.messages) == 1


def test_sundays_and_holidays_are_skipped_back_to_the_working_day_before(database_target, standin):
    app = live_app(database_target, standin)
    # Monday 28 December 2026: Sunday 27th, and the 26th and 25th are holidays.
    book_with_reminder(app, first_line="termin in backnang wegen arbeitsvermittlung "
                                       "am achtundzwanzigsten dezember")
    assert booked_start(app).date() == date(2026, 12, 28)
    send_at(app, berlin(2026, 12, 23, 17, 0))
    send_at(app, berlin(2026, 12, 24, 16, 59))
    assert standin.messages == []
    send_at(app, berlin(2026, 12, 24, 17, 0))  # Thursday, Christmas Eve: a working day
    for day in (25, 26, 27):
        send_at(app, berlin(2026, 12, day, 17, 0))
    (body,) = bodies(standin)
    assert "Montag, 28. Dezember" in body


def test_the_sending_days_are_a_setting_and_holidays_stay_out(database_target, standin):
    app = live_app(database_target, standin)
    app.config["HOTLINE_REMINDER_DAYS"] = frozenset(range(5))  # "Mon-Fri": no Saturday
    # Monday 7 December 2026: reminded on Friday the 4th, not on Saturday the 5th.
    book_with_reminder(app, first_line="termin in backnang wegen arbeitsvermittlung "
                                       "am siebten dezember")
    assert booked_start(app).date() == date(2026, 12, 7)
    send_at(app, berlin(2026, 12, 4, 16, 59))
    assert standin.messages == []
    send_at(app, berlin(2026, 12, 4, 17, 0))
    assert len(standin.messages) == 1 and "Montag, 7. Dezember" in bodies(standin)[0]
    # Sunday allowed ("Mon-Sun"): a booking for Monday 4 January is reminded on Sunday
    # the 3rd, not on Saturday.
    app.config["HOTLINE_REMINDER_DAYS"] = frozenset(range(7))
    book_with_reminder(app, first_line="termin in backnang wegen arbeitsvermittlung "
                                       "am vierten januar")
    send_at(app, berlin(2027, 1, 2, 17, 0))
    assert len(standin.messages) == 1
    send_at(app, berlin(2027, 1, 3, 17, 0))
    assert len(standin.messages) == 2 and "Montag, 4. Januar" in bodies(standin)[-1]


@pytest.mark.parametrize("text, days", [("Mon-Sat", {0, 1, 2, 3, 4, 5}),
                                        ("mon-fri, sun", {0, 1, 2, 3, 4, 6}),
                                        ("Mon-Sun", set(range(7)))])
def test_the_sending_days_are_read_as_written(text, days):
    from config import _weekdays
    assert _weekdays(text) == days


@pytest.mark.parametrize("text", ["Montag", "Sat-Mon", ""])
def test_sending_days_that_are_no_weekdays_are_refused(text):
    from config import _weekdays
    with pytest.raises(ValueError):
        _weekdays(text)


def test_the_reminder_time_is_berlin_time_across_the_change_to_summer_time(
        database_target, standin):
    app = live_app(database_target, standin)
    at(app, berlin(2027, 3, 1, 10, 0))
    # Tuesday 30 March 2027: Easter Monday the 29th, Sunday the 28th (clocks go forward),
    # so the reminder goes out on Saturday the 27th at 17:00 winter time (16:00 UTC).
    book_with_reminder(app, first_line="termin in backnang wegen arbeitsvermittlung "
                                       "am dreißigsten märz")
    assert booked_start(app).date() == date(2027, 3, 30)
    send_at(app, datetime(2027, 3, 27, 15, 59, tzinfo=UTC))
    assert standin.messages == []
    send_at(app, datetime(2027, 3, 27, 16, 0, tzinfo=UTC))
    (body,) = bodies(standin)
    assert "Dienstag, 30. März" in body


def test_the_reminder_time_is_a_setting(database_target, standin):
    app = live_app(database_target, standin)
    app.config["HOTLINE_REMINDER_TIME"] = time(10, 30)
    book_with_reminder(app)
    send_at(app, berlin(2026, 11, 30, 10, 29))
    assert standin.messages == []
    send_at(app, berlin(2026, 11, 30, 10, 30))
    assert len(standin.messages) == 1


# ----------------------------------------------------------------------------- replies


def reply(app, text, from_number=MOBILE):
    """The person answers by SMS: Twilio posts it, signed, to /sms/incoming."""
    answer = Caller(app, from_number=from_number).post(
        "/sms/incoming", MessageSid="SM" + "a" * 32, From=from_number, To="+4971519999999",
        Body=text)
    assert answer.status == 200 and answer.content_type.startswith("text/xml")
    root = ET.fromstring(answer.body)
    assert root.tag == "Response"
    return root.find("./Message").text


def reminded(database_target, standin):
    """A booking with consent whose reminder went out on Monday at 17:00."""
    app = live_app(database_target, standin)
    book_with_reminder(app)
    send_at(app, berlin(2026, 11, 30, 17, 0))
    assert len(standin.messages) == 1
    at(app, berlin(2026, 11, 30, 17, 20))
    return app


def booking_rows(app):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        return db.execute("SELECT status, reminder_reply FROM bookings ORDER BY id").fetchall()
    finally:
        db.conn.close()


@pytest.mark.both_engines
def test_ja_confirms_and_the_reply_is_on_the_booking(database_target, standin):
    app = reminded(database_target, standin)
    assert reply(app, "Ja") == "Danke, Ihr Termin ist bestätigt."
    assert booking_rows(app) == [("booked", "confirmed")]


@pytest.mark.both_engines
def test_absagen_asks_once_then_cancels_and_the_slot_is_free_for_the_next_caller(
        database_target, standin):
    app = reminded(database_target, standin)
    assert reply(app, "ABSAGEN") == "Wirklich absagen? Antworten Sie ABSAGEN JA"
    assert booking_rows(app) == [("booked", None)]  # not yet
    assert reply(app, "absagen ja") == (
        "Ihr Termin ist abgesagt. Für einen neuen Termin rufen Sie uns bitte an.")
    assert booking_rows(app) == [("cancelled", "cancelled")]
    # The next caller who wants that Tuesday gets the very slot.
    other = Caller(app, from_number="+491709876543")
    other.dial()
    other.say("termin in backnang wegen arbeitsvermittlung morgen")
    assert "anbieten: morgen, Dienstag, um" in other.hears()  # Tuesday, 1 December
    other.say("ja")
    assert "Ihr Termin ist gebucht" in other.hears()
    db = connect(app.config["HOTLINE_DATABASE"])
    slots = db.execute("SELECT status, caseworker_id, start_utc FROM bookings ORDER BY id"
                       ).fetchall()
    db.conn.close()
    assert [status for status, *_ in slots] == ["cancelled", "booked"]
    assert slots[0][1:] == slots[1][1:]
    # Twilio retries the webhook, or the person sends it again: nothing more happens.
    assert reply(app, "ABSAGEN JA") == (
        "Dieser Termin ist nicht mehr gebucht. Bei Fragen rufen Sie uns bitte an.")


def test_a_reply_for_a_booking_cancelled_on_the_phone_says_so(database_target, standin):
    app = reminded(database_target, standin)
    db = connect(app.config["HOTLINE_DATABASE"])
    code = db.execute("SELECT code FROM bookings").fetchone()[0]
    db.conn.close()
    canceller = Caller(app, from_number=MOBILE)
    canceller.dial()
    canceller.say(f"ich möchte meinen termin absagen, buchungsnummer {' '.join(code)}")
    canceller.say("ja")
    assert "abgesagt" in canceller.hears()
    assert reply(app, "JA") == (
        "Dieser Termin ist nicht mehr gebucht. Bei Fragen rufen Sie uns bitte an.")
    assert booking_rows(app) == [("cancelled", None)]


@pytest.mark.both_engines
def test_stop_ends_reminders_for_the_number(database_target, standin):
    app = live_app(database_target, standin)
    book_with_reminder(app)
    assert reply(app, "Stop") == "Sie bekommen von uns keine Erinnerungen per SMS mehr."
    send_at(app, berlin(2026, 11, 30, 17, 0))
    assert standin.messages == []
    assert booking_rows(app) == [("booked", "stop")]  # the appointment itself stays


def test_anything_else_goes_to_a_written_conversation_and_strangers_learn_nothing(database_target,
                                                                                   standin):
    app = reminded(database_target, standin)

    def written_answer(text, from_number=MOBILE):
        answer = Caller(app, from_number=from_number).post(
            "/sms/incoming", MessageSid="SM" + "e" * 32, From=from_number,
            To="+4971519999999", Body=text)
        assert ET.fromstring(answer.body).find("./Message") is None  # not a reminder's reply
        db = connect(app.config["HOTLINE_DATABASE"])
        try:
            return db.execute("SELECT body FROM outbox WHERE purpose = 'written'"
                              " AND to_number = ? ORDER BY id DESC", [from_number]).fetchone()[0]
        finally:
            db.conn.close()

    # Not a reply to the reminder: the hotline's written conversation answers (issue 26),
    # here with the way there, for the office the person names.
    assert "Welche Geschäftsstelle meinen Sie" in written_answer("wo ist das nochmal?")
    # A number without a reminder is never told about bookings.
    assert "Termin" not in written_answer("JA", from_number="+491705550100")
    assert booking_rows(app) == [("booked", None)]


def test_english_keywords_get_english_answers(database_target, standin):
    app = reminded(database_target, standin)
    assert reply(app, "cancel") == "Really cancel? Reply CANCEL YES"
    assert reply(app, "Cancel yes") == (
        "Your appointment is cancelled. For a new appointment, please call us.")
    assert booking_rows(app) == [("cancelled", "cancelled")]


def test_an_unsigned_reply_changes_nothing(database_target, standin):
    app = reminded(database_target, standin)
    answer = app.test_client().post("/sms/incoming", data={
        "MessageSid": "SM" + "b" * 32, "From": MOBILE, "Body": "ABSAGEN JA"})
    assert answer.status_code == 403
    assert booking_rows(app) == [("booked", None)]
