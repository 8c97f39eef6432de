"""Shared fixtures: an app on a temporary SQLite file, and a Caller who phones it like Twilio."""

import os
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import clock
from app import create_app
from devtools.softphone import InProcess, Softphone

TOKEN = "test-auth-token-0123456789abcdef"
# Production apps refuse to start without it; tests that build one (and the servers they
# start) get this one.
os.environ.setdefault("HOTLINE_HASH_KEY", "test-hash-key-0123456789abcdef")
# The hotline's clock in tests: Wednesday, 25 November 2026, 10:00 in Waiblingen.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "HOTLINE_ENV": "test",
            "HOTLINE_DATABASE": str(tmp_path / "hotline.sqlite3"),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "HOTLINE_PUBLIC_URL": "",
            "HOTLINE_LANGUAGES": ["de", "en"],
            "HOTLINE_VALIDATE_SIGNATURES": True,
        }
    )
    # The one place the tests' clock is set; a test that needs another moment sets its own.
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The app's database file, opened on its own connection as a second worker would."""
    from db import connect

    database = connect(app.config["HOTLINE_DATABASE"])
    yield database
    database.conn.close()


class Caller(Softphone):
    """A caller on the phone: the softphone, plus what tests want to look at."""

    def __init__(self, app, **kwargs):
        super().__init__(InProcess(app), app.config["TWILIO_AUTH_TOKEN"], **kwargs)

    def hears(self) -> str:
        """Everything the hotline said in its last answer, as one string."""
        return " ".join(self.exchanges[-1].hotline)

    def post(self, url: str, **fields):
        """A raw signed webhook post, as Twilio would send it; returns the Reply."""
        return self._post(url, fields)


@pytest.fixture
def caller(app):
    return Caller(app)


def twiml(body: str) -> ET.Element:
    """Parse a TwiML answer, failing the test if it is not well-formed XML."""
    root = ET.fromstring(body)
    assert root.tag == "Response"
    return root
