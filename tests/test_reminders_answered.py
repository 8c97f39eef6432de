"""Reminders that can be answered (issue 21): by voice call with answering-machine
detection, and by SMS with VERSCHIEBEN, free text and replies about moved bookings.

Twilio's REST API is the stand-in on 127.0.0.1: the outbox places the reminder call
there, and the test then plays Twilio, posting the call's signed webhooks (AnsweredBy,
Digits, the status callback) as Twilio would. The clock stands at Wednesday, 25
November 2026, 10:00; "nächste Woche Dienstag" is 1 December.
"""

import xml.etree.ElementTree as ET
from datetime import date, time
from urllib.parse import urlsplit

import pytest
from test_reminders import (
    CALL_CONSENT,
    FIRST_LINE,
    LANDLINE,
    MOBILE,
    at,
    berlin,
    book,
    book_with_reminder,
    booking_rows,
    live_app,
    reply,
    send_at,
)

from conftest import Caller
from db import connect
from stats import figures
from stats.figures import Period

NOW_DAY = date(2026, 11, 30)

OUR_NUMBER = "+4971519999999"


def query(app, sql, *params):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.conn.close()


class ReminderCall:
    """Twilio's side of an outbound call the outbox placed: the callee answers, presses keys."""

    def __init__(self, app, placed: dict):
        self.app, self.placed = app, placed
        self.to = placed["to"]
        self.url = self._path(placed["url"])
        self.phone = Caller(app, from_number=OUR_NUMBER)
        self.phone.call_sid = placed["sid"]
        self.phone.to_number = self.to

    @staticmethod
    def _path(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    def _post(self, url: str, **fields) -> ET.Element:
        answer = self.phone.post(url, To=self.to, Called=self.to, Direction="outbound-api",
                                 **fields)
        assert answer.status == 200, answer.body
        return ET.fromstring(answer.body)

    def answer(self, answered_by: str = "human") -> ET.Element:
        self.said = self._post(self.url, AnsweredBy=answered_by)
        return self.said

    def press(self, digits: str) -> ET.Element:
        action = self.said.find("./Gather").get("action")
        self.said = self._post(action, Digits=digits)
        return self.said

    def ended(self, status: str = "completed", **fields) -> None:
        answer = self.phone.post(self._path(self.placed["status_callback"]), To=self.to,
                                 CallStatus=status, Direction="outbound-api", **fields)
        assert answer.status == 204


def words(root: ET.Element) -> str:
    """What the call says: the question when it asks one (not the goodbye after it)."""
    gather = root.find("./Gather")
    return " ".join(say.text for say in (gather if gather is not None else root).iter("Say"))


def reminded_by_call(database_target, standin):
    """A landline booking for Tuesday 1 December with a call as reminder; the call placed."""
    app = live_app(database_target, standin)
    caller = book(app, "ja", "nein", from_number=LANDLINE)  # no name
    assert CALL_CONSENT in caller.hears()
    caller.say("ja")
    send_at(app, berlin(2026, 11, 30, 16, 59))
    assert standin.calls == []
    send_at(app, berlin(2026, 11, 30, 17, 0))
    (placed,) = standin.calls
    at(app, berlin(2026, 11, 30, 17, 0, 20))
    return app, ReminderCall(app, placed)


def code_of(app):
    return query(app, "SELECT code FROM bookings ORDER BY id")[0][0]


# ----------------------------------------------------------------------------- by voice


def test_a_voice_reminder_asks_for_the_person_first_and_1_confirms(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    assert call.to == LANDLINE and standin.calls[0]["from"] == OUR_NUMBER
    assert standin.calls[0]["machine_detection"] == "DetectMessageEnd"
    assert standin.messages == []  # a call, no SMS
    first = words(call.answer("human"))
    digits = ", ".join(code_of(app)[-3:])
    assert first == ("Guten Tag, hier ist das Jobcenter Rems-Murr. Wir haben eine Nachricht für "
                     f"die Person mit der Buchungsnummer, die auf {digits} endet. Wenn Sie das "
                     "sind, drücken Sie bitte die Eins.")
    assert "Dezember" not in first and "Backnang" not in first  # nothing before it is them
    details = words(call.press("1"))
    assert details.startswith("Hier ist das Jobcenter Rems-Murr mit einer Erinnerung an Ihren "
                              "Termin morgen, Dienstag, um ")
    assert "in der Geschäftsstelle Backnang." in details
    assert details.endswith("Drücken Sie die Eins zum Bestätigen, die Zwei zum Absagen, die "
                            "Drei zum Verschieben.")
    assert words(call.press("1")) == "Danke, Ihr Termin ist bestätigt. Auf Wiederhören."
    call.ended("completed")
    assert booking_rows(app) == [("booked", "confirmed")]
    assert query(app, "SELECT kind, state FROM outbox") == [("call", "delivered")]


def test_a_mailbox_hears_only_a_request_to_call_back(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    said = call.answer("machine_end_beep")
    assert words(said) == ("Guten Tag, hier ist das Jobcenter Rems-Murr. Bitte rufen Sie uns "
                           "zurück. Vielen Dank und auf Wiederhören.")
    assert said.find("./Gather") is None and said.find("./Hangup") is not None
    call.ended("completed")  # the status callback does not repeat AnsweredBy
    assert query(app, "SELECT state, reason FROM outbox") == [
        ("undelivered", "mailbox (machine_end_beep)")]
    assert booking_rows(app) == [("booked", None)]


def test_2_cancels_after_asking_once_and_the_slot_is_free_at_once(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    call.answer()
    call.press("1")
    assert words(call.press("2")).startswith("Wirklich absagen? Dann drücken Sie die Eins.")
    assert words(call.press("1")) == "Ihr Termin ist abgesagt. Auf Wiederhören."
    assert booking_rows(app) == [("cancelled", "cancelled")]
    other = Caller(app, from_number="+491709876543")
    other.dial()
    other.say("termin in backnang wegen arbeitsvermittlung morgen")
    other.say("ja")
    assert "Ihr Termin ist gebucht" in other.hears()
    slots = query(app, "SELECT status, caseworker_id, start_utc FROM bookings ORDER BY id")
    assert [s[0] for s in slots] == ["cancelled", "booked"] and slots[0][1:] == slots[1][1:]


def test_3_offers_free_slots_by_key_and_moves_the_booking(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    call.answer()
    call.press("1")
    offer = words(call.press("3"))
    assert offer.startswith("Ich kann Ihnen diese Termine anbieten. Für ")
    assert "drücken Sie die Zwei." in offer
    assert offer.endswith("Für einen Rückruf drücken Sie die Neun.")
    moved = words(call.press("2"))
    assert moved.startswith("Ihr Termin ist jetzt ") and moved.endswith(
        "Die Buchungsnummer bleibt gleich. Auf Wiederhören.")
    rows = query(app, "SELECT status, reminder_reply, code FROM bookings ORDER BY id")
    assert [r[:2] for r in rows] == [("cancelled", "moved"), ("booked", None)]
    assert rows[0][2] == rows[1][2]


def test_9_asks_for_a_call_back_that_agents_see(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    call.answer()
    call.press("1")
    call.press("3")
    assert words(call.press("9")) == ("Gut, wir rufen Sie zurück, um einen neuen Termin zu "
                                      "finden. Auf Wiederhören.")
    assert query(app, "SELECT phone, intent, status FROM callbacks") == [
        (LANDLINE, "reschedule_appointment", "open")]
    assert booking_rows(app) == [("booked", "callback")]


def test_no_answer_and_busy_are_recorded_as_unanswered(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    call.ended("no-answer")
    assert query(app, "SELECT state, reason FROM outbox") == [("undelivered", "no-answer")]


def test_a_forged_or_misdirected_reminder_webhook_says_nothing(database_target, standin):
    app, call = reminded_by_call(database_target, standin)
    call.to = "+4971510000000"  # not the booking's number
    assert words(call.answer()) == ""
    unsigned = app.test_client().post(call.url, data={"To": LANDLINE, "AnsweredBy": "human"})
    assert unsigned.status_code == 403


def test_a_voice_reminder_waits_out_the_night_sunday_and_holidays(database_target, standin):
    app = live_app(database_target, standin)
    # Monday 28 December 2026: Sunday 27th, the 26th and 25th are holidays; the sender
    # was down on the 24th and comes back on the evening of Christmas Day.
    caller = book(app, "ja", "nein", from_number=LANDLINE,
                  first_line="termin in backnang wegen arbeitsvermittlung am achtundzwanzigsten "
                             "dezember nachmittags")
    caller.say("ja")
    for moment in (berlin(2026, 12, 25, 18, 0), berlin(2026, 12, 26, 10, 0),
                   berlin(2026, 12, 27, 12, 0), berlin(2026, 12, 28, 7, 59)):
        send_at(app, moment)
    assert standin.calls == []
    send_at(app, berlin(2026, 12, 28, 8, 0))
    assert len(standin.calls) == 1


# ----------------------------------------------------------------------------- the morning


def test_a_second_reminder_on_the_morning_across_the_change_to_summer_time(
        database_target, standin):
    app = live_app(database_target, standin)
    app.config["HOTLINE_REMINDER_MORNING"] = time(7, 30)
    at(app, berlin(2027, 3, 1, 10, 0))
    # Tuesday 30 March 2027 (Easter Monday before it, clocks forward on Sunday the 28th):
    # the day before is Saturday the 27th at 17:00 (winter time), the morning one the
    # 30th at 8:00 summer time (7:30 is before the reminder hours).
    book_with_reminder(app, first_line="termin in backnang wegen arbeitsvermittlung am "
                                       "dreißigsten märz nachmittags")
    send_at(app, berlin(2027, 3, 27, 17, 0))
    assert len(standin.messages) == 1
    send_at(app, berlin(2027, 3, 30, 7, 59))
    assert len(standin.messages) == 1
    send_at(app, berlin(2027, 3, 30, 8, 0))
    assert len(standin.messages) == 2
    assert "Dienstag, 30. März" in standin.messages[1]["body"]
    send_at(app, berlin(2027, 3, 30, 9, 0))
    assert len(standin.messages) == 2


def test_no_morning_reminder_after_a_cancel_by_sms(database_target, standin):
    app = live_app(database_target, standin)
    app.config["HOTLINE_REMINDER_MORNING"] = time(8, 0)
    book_with_reminder(app, first_line=FIRST_LINE + " nachmittags")
    send_at(app, berlin(2026, 11, 30, 17, 0))
    at(app, berlin(2026, 11, 30, 18, 0))
    reply(app, "ABSAGEN JA")
    send_at(app, berlin(2026, 12, 1, 8, 0))
    assert len(standin.messages) == 1


# ----------------------------------------------------------------------------- by SMS


def reminded(database_target, standin):
    app = live_app(database_target, standin)
    book_with_reminder(app)
    send_at(app, berlin(2026, 11, 30, 17, 0))
    at(app, berlin(2026, 11, 30, 17, 20))
    return app


def test_verschieben_offers_three_slots_and_a_number_moves_there(database_target, standin):
    app = reminded(database_target, standin)
    offer = reply(app, "Verschieben")
    assert offer.startswith("Freie Termine: 1: ") and "; 2: " in offer and "; 3: " in offer
    assert offer.endswith("Antworten Sie mit der Nummer oder RUECKRUF für einen Anruf.")
    assert "Geschäftsstelle Backnang" in offer
    second = offer.split("; 2: ")[1].split("; 3: ")[0]
    assert reply(app, "2") == (f"Ihr Termin ist verschoben: {second}. Die Buchungsnummer "
                               "bleibt gleich.")
    rows = query(app, "SELECT status, reminder_reply, reminder_state FROM bookings ORDER BY id")
    assert rows[0][:2] == ("cancelled", "moved") and rows[1][:2] == ("booked", None)
    # The slots offered are on Tuesday: its reminder's moment (Monday 17:00) is past.
    assert rows[1][2] is None
    # A later JA is about the new booking.
    assert reply(app, "JA") == "Danke, Ihr Termin ist bestätigt."
    assert booking_rows(app) == [("cancelled", "moved"), ("booked", "confirmed")]


def test_rueckruf_after_verschieben_asks_for_a_callback(database_target, standin):
    app = reminded(database_target, standin)
    reply(app, "VERSCHIEBEN")
    assert reply(app, "Rückruf") == "Gut, wir rufen Sie zurück, um einen neuen Termin zu finden."
    assert query(app, "SELECT phone, site, status FROM callbacks") == [
        (MOBILE, "backnang", "open")]


@pytest.mark.parametrize(("text", "answer"), [
    ("ich kann nicht, bin krank", "Das tut uns leid. Antworten Sie ABSAGEN zum Absagen oder "
                                  "VERSCHIEBEN für einen anderen Termin."),
    ("ich möchte den termin lieber verschieben", "Freie Termine: 1: "),
    ("bitte absagen", "Wirklich absagen? Antworten Sie ABSAGEN JA"),
    ("passt, danke", "Danke, Ihr Termin ist bestätigt."),
])
def test_free_text_is_understood(database_target, standin, text, answer):
    app = reminded(database_target, standin)
    assert reply(app, text).startswith(answer)
    assert query(app, "SELECT count(*) FROM bookings WHERE status = 'booked'") == [(1,)]


def test_a_reply_to_a_reminder_for_a_booking_moved_since_is_told_the_new_time(
        database_target, standin):
    app = reminded(database_target, standin)
    code = code_of(app)
    mover = Caller(app, from_number=MOBILE)
    mover.dial()
    mover.say(f"ich möchte meinen termin verschieben, buchungsnummer {' '.join(code)}")
    mover.say("ja")
    mover.say("nächste woche donnerstag")
    mover.say("ja")
    assert "verschoben" in mover.hears()
    told = reply(app, "JA")
    assert told.startswith("Ihr Termin wurde inzwischen verschoben: Donnerstag, 10. Dezember, ")
    assert told.endswith("Antworten Sie JA zum Bestätigen oder ABSAGEN zum Absagen.")
    assert booking_rows(app) == [("cancelled", "moved"), ("booked", None)]  # nothing confirmed
    assert reply(app, "JA") == "Danke, Ihr Termin ist bestätigt."
    assert booking_rows(app) == [("cancelled", "moved"), ("booked", "confirmed")]


def test_english_move(database_target, standin):
    app = reminded(database_target, standin)
    assert reply(app, "move").startswith("Free appointments: 1: ")


def test_supervisors_see_sent_delivered_confirmed_cancelled_unanswered_and_opt_outs(
        database_target, standin):
    app = live_app(database_target, standin)
    for n, line in enumerate(("termin in backnang wegen arbeitsvermittlung nächste woche "
                              "dienstag", "termin in waiblingen wegen arbeitsvermittlung "
                              "nächste woche dienstag", "termin in backnang wegen "
                              "arbeitsvermittlung nächste woche dienstag nachmittags")):
        book(app, "ja", "nein", "nein", "ja", first_line=line,
             from_number=f"+49170123456{n}")
    send_at(app, berlin(2026, 11, 30, 17, 0))
    at(app, berlin(2026, 11, 30, 17, 30))
    reply(app, "JA", from_number="+491701234560")
    reply(app, "ABSAGEN JA", from_number="+491701234561")
    reply(app, "STOP", from_number="+491701234562")
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        data = figures.figures(db, Period.parse("2026-11-30", None, NOW_DAY), now=berlin(
            2026, 11, 30, 18, 0))
    finally:
        db.conn.close()
    assert data["reminders"] == {"sent": 3, "by_sms": 3, "by_call": 0, "delivered": 0,
                                 "not_delivered": 0, "confirmed": 1, "cancelled": 1, "moved": 0,
                                 "callback": 0, "unanswered": 0, "opt_outs": 1}
    header, rows = figures.table("reminders", data)
    assert header == ["figure", "value"] and ["confirmed", 1] in rows
