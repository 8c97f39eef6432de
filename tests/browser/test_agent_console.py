"""The agent console in a real headless Chromium: log in, a call appears, take it, finish it."""

import threading
import time
from datetime import UTC, timedelta

import pytest
from headless import ARTIFACTS, chromium
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from conftest import NOW, Caller, twiml
from db import connect, transaction
from routing import store

PASSWORD = "browser-passwort-1"
WAIT_S = 10


STARTED = time.monotonic()


def utcnow():
    """A clock that runs from a weekday morning (the hotline is staffed then), whenever
    the test runs: the page shows waiting times counting up."""
    return NOW.astimezone(UTC) + timedelta(seconds=time.monotonic() - STARTED)


@pytest.fixture
def server(app):
    """The real app with the console, served over HTTP on 127.0.0.1 in a thread."""
    app.extensions["hotline.clock"] = utcnow
    database = connect(app.config["HOTLINE_DATABASE"])
    with transaction(database):
        store.migrate(database)
    agent = store.add_agent(database, login="anna", name="Anna Keller",
                            password_hash=generate_password_hash(PASSWORD),
                            topics=("geldleistungen", "allgemein"), languages=("de",),
                            sites=("waiblingen",), reach_kind="client", reach_address="anna",
                            now=utcnow())
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", database, agent.id, app
    httpd.shutdown()
    thread.join(5)
    database.conn.close()


@pytest.fixture
def browser():
    yield from chromium("1280,1000")


def test_log_in_see_a_call_arrive_take_it_and_finish_it(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    base, db, agent_id, app = server
    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)

    def text_of(element_id):
        return browser.find_element(By.ID, element_id).text

    browser.get(f"{base}/agent/")
    assert "/agent/login" in browser.current_url  # not logged in: the login first
    browser.find_element(By.ID, "login").send_keys("anna")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "submit").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status-label"), "Abgemeldet"))
    assert "Niemand wartet" in text_of("waiting-empty")

    # A caller phones the hotline (the real webhooks) and is queued while the page is open.
    caller = Caller(app, from_number="+4915112345678")
    caller.dial()
    caller.say("mei geld isch no net do")
    assert "[Warteschleife: hotline]" in caller.hears()
    take = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#waiting button.take")))
    assert "Geldleistungen" in text_of("waiting")
    take.click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status-label"), "Klingelt"))

    # Taking the call moved it to Anna through the REST gateway; Twilio follows, rings
    # her browser phone, and she picks up (Twilio fetches the whisper URL).
    (moved,) = app.extensions["hotline.gateway"].redirects
    assert moved["call_sid"] == caller.call_sid
    dial = twiml(caller.post(moved["url"]).body).find("./Dial")
    whisper = caller.post(dial.find("./Client").get("url"))
    assert "Geldleistungen" in twiml(whisper.body).find("./Say").text
    wait.until(EC.text_to_be_present_in_element((By.ID, "status-label"), "Im Gespräch"))
    wait.until(EC.text_to_be_present_in_element((By.ID, "current-turns"),
                                                "mei geld isch no net do"))
    assert text_of("current-intent") == "Zahlung / Geldeingang"
    assert text_of("current-verified") == "nicht verifiziert"
    assert text_of("current-phone") == "+49*********78"
    assert not browser.find_element(By.ID, "current-emergency").is_displayed()

    caller.post(dial.get("action"), DialCallStatus="completed", DialCallDuration="60")
    wait.until(EC.text_to_be_present_in_element((By.ID, "status-label"), "Nachbearbeitung"))
    Select(browser.find_element(By.ID, "outcome")).select_by_value("resolved")
    browser.find_element(By.ID, "note").send_keys("Zahlung ist unterwegs")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "agent-console.png"))
    browser.find_element(By.ID, "save-outcome").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status-label"), "Verfügbar"))
    assert "Gespeichert: Anliegen geklärt" in text_of("message")
    assert browser.find_element(By.ID, "current").is_displayed() is False
    assert db.execute("SELECT outcome, note FROM call_outcomes WHERE call_sid = ?",
                      [caller.call_sid]).fetchall() == [("resolved", "Zahlung ist unterwegs")]
    assert (ARTIFACTS / "agent-console.png").stat().st_size > 10_000
