"""The calendar file of a booking, and the link that serves it."""

from datetime import datetime, time

import icalendar
import pytest
from flask import Flask

import db as database
from ivr import after_call
from schedules import store
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.model import Wish
from schedules.slots import find_slots

NOW = datetime(2026, 10, 20, 9, 0, tzinfo=BERLIN)
SCHEDULE = load_schedule(DEMO_FOLDER)


@pytest.fixture
def app(database_target):
    app = Flask(__name__)
    app.config.update(TESTING=True, HOTLINE_DATABASE=database_target,
                      HOTLINE_SCHEDULES=str(DEMO_FOLDER))
    database.init_app(app, {store.__name__: store.MIGRATIONS})
    app.register_blueprint(after_call.bp)
    return app


@pytest.fixture
def booking(app):
    conn = database.connect(app.config["HOTLINE_DATABASE"])
    # Monday after the change to winter time: 09:00 local is 08:00 UTC.
    [slot] = find_slots(conn, SCHEDULE, "backnang", "geldleistungen",
                        Wish(on=datetime(2026, 10, 26).date(), time=time(9, 0)), NOW, limit=1)
    made = store.book(conn, slot, call_sid="CA1", phone="+4915100000001",
                      customer_number="123D456789", now=NOW)
    conn.conn.close()
    return made


def test_the_ics_parses_back_with_local_time_place_and_what_to_bring(booking):
    data = after_call.calendar_file(booking, SCHEDULE)
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.tzinfo is not None
    assert start.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 26, 9, 0)
    assert event.decoded("dtend").astimezone(BERLIN).time() == time(9, 30)
    assert calendar.walk("VTIMEZONE")
    assert str(event["summary"]) == "Termin im Jobcenter: Geldleistungen (Bürgergeld)"
    assert "Am Obstmarkt 3, 71522 Backnang" in str(event["location"])
    description = str(event["description"])
    assert "Kontoauszüge der letzten drei Monate" in description
    text = data.decode()
    assert "+4915100000001" not in text and "123D456789" not in text


def test_the_link_serves_the_calendar_and_404s_for_unknown_or_cancelled(app, booking):
    client = app.test_client()
    found = client.get(f"/appointments/{booking.token}.ics")
    assert found.status_code == 200
    assert found.mimetype == "text/calendar"
    assert icalendar.Calendar.from_ical(found.data).walk("VEVENT")
    assert client.get("/appointments/" + "A" * 32 + ".ics").status_code == 404
    assert client.get("/appointments/x'%20OR%201=1.ics").status_code == 404
    conn = database.connect(app.config["HOTLINE_DATABASE"])
    store.cancel(conn, booking.code, now=NOW)
    conn.conn.close()
    assert client.get(f"/appointments/{booking.token}.ics").status_code == 404
