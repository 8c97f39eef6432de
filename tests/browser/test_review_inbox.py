"""The whole teaching loop in a real headless Chromium: a caller is not understood, a
supervisor assigns what they said in the review inbox, the next caller who says it gets
the right answer, from this worker and from another worker process within ten seconds;
rollback restores the previous behaviour; the exported TOML loads on a fresh deployment."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from headless import ARTIFACTS, chromium, serve
from werkzeug.security import generate_password_hash

import clock
from app import create_app
from conftest import NOW, TOKEN, Caller
from db import connect
from devtools.softphone import OverHttp, Softphone
from routing import store

PASSWORD = "leitung-passwort-1"
WAIT_S = 15
WITHIN_S = 10  # issue 22: every worker uses a new version within ten seconds
NEW_WAY = "wer ist für die kinderkasse zuständig"  # "Familienkasse", misheard
NOT_UNDERSTOOD = "Das habe ich leider nicht verstanden"
FAMILIENKASSE = "ist die Familienkasse der Bundesagentur für Arbeit zuständig"
ROOT = Path(__file__).resolve().parents[2]

# Another worker: its own process on the same database, with the default refresh
# interval (5 s), serving the webhooks on a free port, which it prints.
WORKER = textwrap.dedent("""
    import sys
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from werkzeug.serving import make_server
    import clock
    from app import create_app
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": sys.argv[1],
                      "TWILIO_AUTH_TOKEN": sys.argv[2], "HOTLINE_PUBLIC_URL": "",
                      "HOTLINE_LANGUAGES": ["de", "en"], "HOTLINE_VALIDATE_SIGNATURES": True})
    clock.install(app, clock.Clock.at(datetime.fromisoformat(sys.argv[3])))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
""")


def hotline(path: str, refresh_s: float):
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": path,
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "", "HOTLINE_LANGUAGES": ["de", "en"],
        "HOTLINE_VALIDATE_SIGNATURES": True, "HOTLINE_CATALOGUE_REFRESH_S": refresh_s,
    })
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.fixture
def path(database_target):
    """The database both workers share (HOTLINE_DATABASE)."""
    return database_target


@pytest.fixture
def app(path):
    app = hotline(path, refresh_s=0.2)
    db = connect(path)
    store.add_agent(db, login="leitung", name="Petra Wagner", role="supervisor",
                    password_hash=generate_password_hash(PASSWORD), sites=("waiblingen",),
                    now=NOW)
    db.conn.close()
    return app


@pytest.fixture
def server(app):
    yield from serve(app)


@pytest.fixture
def other_worker(path, app):
    """The base URL of a second worker process on the same database."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER, path, TOKEN, NOW.isoformat()], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), "the second worker did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


@pytest.fixture
def browser():
    yield from chromium("1300,2400")


def says(app_or_url, words: str) -> str:
    """What the hotline answers a new caller who says ``words``."""
    if isinstance(app_or_url, str):
        caller = Softphone(OverHttp(app_or_url), TOKEN)
    else:
        caller = Caller(app_or_url)
    caller.dial()
    return " ".join(caller.say(words))


def until(app_or_url, wanted: str, started: float) -> float:
    """Seconds from ``started`` until a new caller hears ``wanted`` (fails after WITHIN_S)."""
    while True:
        heard = says(app_or_url, NEW_WAY)
        if wanted in heard:
            return time.monotonic() - started
        if time.monotonic() - started > WITHIN_S:
            pytest.fail(f"after {WITHIN_S} s the caller still heard: {heard}")
        time.sleep(0.5)


def test_a_supervisor_teaches_the_hotline_in_the_browser(app, server, other_worker, browser,
                                                         more_databases, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)
    assert NOT_UNDERSTOOD in says(app, NEW_WAY)
    assert NOT_UNDERSTOOD in says(other_worker, NEW_WAY)

    browser.get(f"{server}/supervisor/inbox/")
    assert "/agent/login" in browser.current_url
    browser.find_element(By.ID, "login").send_keys("leitung")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "submit").click()
    wait.until(EC.presence_of_element_located((By.ID, "inbox")))
    group = browser.find_element(By.ID, "group-1")
    assert f"„{NEW_WAY}“" in group.find_element(By.TAG_NAME, "h3").text
    assert group.find_element(By.CSS_SELECTOR, ".group-count").text == "2"
    # Every field has its label; the page works with the keyboard alone.
    for field in ("phrase-1", "intent-1", "why-1"):
        assert browser.find_element(By.CSS_SELECTOR, f"label[for='{field}']").text
    Select(browser.find_element(By.ID, "intent-1")).select_by_visible_text(
        "Verweis: die Familienkasse")
    browser.find_element(By.ID, "why-1").send_keys("Familienkasse, misheard")
    browser.find_element(By.ID, "assign-1").send_keys(Keys.ENTER)
    wait.until(EC.text_to_be_present_in_element((By.ID, "messages"), "Version 1"))
    accepted = time.monotonic()
    assert "Nichts zu prüfen" in browser.find_element(By.ID, "inbox").text
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "review-inbox.png"))

    # The next identical call is understood, here and on the other worker in time.
    taken_here = until(app, FAMILIENKASSE, accepted)
    taken_there = until(other_worker, FAMILIENKASSE, accepted)
    assert taken_here < WITHIN_S and taken_there < WITHIN_S

    # The layer as TOML, as the browser shows it.
    browser.get(f"{server}/supervisor/inbox/export.toml?lang=de")
    exported = browser.find_element(By.TAG_NAME, "body").text
    assert '[intents."referral:familienkasse"]' in exported and NEW_WAY in exported

    # Rollback restores the previous behaviour everywhere.
    browser.get(f"{server}/supervisor/inbox/")
    Select(browser.find_element(By.ID, "rollback-version")).select_by_value("0")
    browser.find_element(By.ID, "rollback-why").send_keys("test of the rollback")
    browser.find_element(By.ID, "rollback").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "messages"), "Version 2"))
    rolled_back = time.monotonic()
    until(app, NOT_UNDERSTOOD, rolled_back)
    until(other_worker, NOT_UNDERSTOOD, rolled_back)

    # The exported TOML loads on a fresh deployment.
    fresh = hotline(more_databases(), refresh_s=0.05)
    assert NOT_UNDERSTOOD in says(fresh, NEW_WAY)
    file = tmp_path / "live-de.toml"
    file.write_text(exported + "\n", encoding="utf-8")
    result = fresh.test_cli_runner().invoke(args=["catalogue", "import", str(file),
                                                  "--who", "admin"])
    assert result.exit_code == 0, result.output
    time.sleep(0.1)
    assert FAMILIENKASSE in says(fresh, NEW_WAY)
