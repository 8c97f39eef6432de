"""The supervisor dashboard in a real headless Chromium: figures, charts, CSV, utterances."""
# ruff: noqa: F811

import urllib.request

import pytest
from headless import ARTIFACTS, chromium, serve
from test_stats_figures import DAY, NOW, day, ready, stats_app  # noqa: F401
from werkzeug.security import generate_password_hash

from devtools import history
from routing import store

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
    yield from serve(stats_app)


@pytest.fixture
def browser():
    yield from chromium("1400,2600")


# The history is seeded by seed-calls, which writes SQLite files only.
@pytest.mark.sqlite_only
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
    # Back where the supervisor wanted to go, not on the agents' console.
    wait.until(EC.url_contains("/supervisor"))
    wait.until(EC.presence_of_element_located(loaded))
    assert text_of("kpi-calls") == "0"  # today (the tests' clock): nobody has called yet

    # The last 30 days: the seeded month and the hand-computed day, drawn by plotly.
    browser.execute_script("document.getElementById('dashboard').dataset.loaded = 'false'")
    Select(browser.find_element(By.ID, "period")).select_by_value("30d")
    wait.until(EC.presence_of_element_located(loaded))
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) == 5)
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
    assert text_of("kpi-abandonment") == "33,3 %"  # (2 - 1 short) / (4 - 1 short)
    assert text_of("kpi-wait") == "13 s / 13 s / 15 s"  # 12.5 s shown rounded
    # Asked for that day / done that day: one more done is from the seeded day before.
    assert text_of("kpi-callbacks") == "1 / 2"
    assert text_of("kpi-bookings") == "2"
    # The headline service level and its labelled variants (issue 23).
    assert text_of("kpi-service-level") == "66,7 %"  # 2 / (2 answered + 1 abandoned after 20 s)
    assert text_of("kpi-service-level-asterisk") == "100,0 %"
    assert text_of("kpi-service-level-amazon") == "50,0 %"
    assert text_of("cb-requested") == "1" and text_of("cb-completion") == "100,0 %"
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
