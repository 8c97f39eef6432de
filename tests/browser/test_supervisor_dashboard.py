"""The supervisor dashboard in a real headless Chromium: figures, charts, CSV, utterances."""
# ruff: noqa: F811

import shutil
import tempfile
import threading
import urllib.request
from pathlib import Path

import pytest
from test_stats_figures import DAY, NOW, day, ready, stats_app  # noqa: F401
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from ivr import history
from routing import store

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "leitung-passwort-1"
WAIT_S = 15


@pytest.fixture
def server(stats_app, db, day):
    """A month of seeded history before the hand-computed day, served on 127.0.0.1."""
    history.seed_calls(stats_app.config["HOTLINE_DATABASE"], calls=1500, days=30, seed=3,
                       end=DAY, workers=1)
    store.add_agent(db, login="leitung", name="Petra Wagner", role="supervisor",
                    password_hash=generate_password_hash(PASSWORD), sites=("waiblingen",),
                    now=NOW)
    httpd = make_server("127.0.0.1", 0, stats_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"Headless Chromium is needed for this test but {', '.join(missing)} "
                    "is missing: apt-get install chromium chromium-driver (CI's .ci/run does).")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="supervisor-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,2600",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_supervisor_sees_figures_charts_csv_and_what_was_not_understood(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)
    loaded = (By.CSS_SELECTOR, "#dashboard[data-loaded='true']")

    def text_of(element_id):
        return browser.find_element(By.ID, element_id).text

    browser.get(f"{server}/supervisor/")
    assert "/agent/login" in browser.current_url
    browser.find_element(By.ID, "login").send_keys("leitung")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "submit").click()
    wait.until(EC.url_contains("/agent"))
    browser.get(f"{server}/supervisor/")
    wait.until(EC.presence_of_element_located(loaded))
    assert text_of("kpi-calls") == "0"  # today (the tests' clock): nobody has called yet

    # The last 30 days: the seeded month and the hand-computed day, drawn by plotly.
    browser.execute_script("document.getElementById('dashboard').dataset.loaded = 'false'")
    Select(browser.find_element(By.ID, "period")).select_by_value("30d")
    wait.until(EC.presence_of_element_located(loaded))
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) == 4)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-heatmap .heatmaplayer, "
                                                      "#chart-heatmap image")) >= 1
    assert int(text_of("kpi-calls")) > 1000
    assert browser.find_elements(By.CSS_SELECTOR, "#utterances-table tbody tr")
    assert "wohngeld" in text_of("utterances-table").lower()
    assert "+49" not in browser.page_source

    # The hand-computed day alone.
    browser.execute_script("document.getElementById('dashboard').dataset.loaded = 'false'")
    Select(browser.find_element(By.ID, "period")).select_by_value("range")
    for field in ("from", "to"):
        browser.execute_script(f"document.getElementById('{field}').value = '2026-11-24'")
    browser.find_element(By.ID, "apply").click()
    wait.until(EC.presence_of_element_located(loaded))
    assert text_of("kpi-calls") == "10"
    assert text_of("kpi-containment") == "40,0 %"
    assert text_of("kpi-abandonment") == "50,0 %"
    assert text_of("kpi-wait") == "13 s / 13 s / 15 s"  # 12.5 s shown rounded
    assert text_of("kpi-callbacks") == "1 / 1"
    assert text_of("kpi-bookings") == "2"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "supervisor.png"))

    # The CSV link downloads with the browser's session.
    link = browser.find_element(By.CSS_SELECTOR, "a.csv[data-table='summary']")
    href = link.get_attribute("href")
    assert "from=2026-11-24" in href
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    # The same browser as far as the login's session protection can tell.
    agent = browser.execute_script("return navigator.userAgent")
    request = urllib.request.Request(href, headers={"Cookie": cookie, "User-Agent": agent})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get_content_type() == "text/csv"
        body = response.read().decode()
    assert "calls,10" in body and "containment_rate,0.4" in body
    assert (ARTIFACTS / "supervisor.png").stat().st_size > 20_000
