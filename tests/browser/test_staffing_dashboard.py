"""The staffing table in a real headless Chromium, on a seeded history (issue 23).

Eight weeks of seeded calls end on Tuesday 24 November 2026; the tests' clock stands at
Wednesday 25 November, so the table plans the week from Monday 30 November. The page
must show what Erlang C gives for the target the supervisor types in.
"""
# ruff: noqa: F811

from datetime import UTC, timedelta

import pytest
from headless import ARTIFACTS, chromium, serve
from test_stats_figures import DAY, NOW, ready, stats_app  # noqa: F401
from werkzeug.security import generate_password_hash

import db as database
from devtools import history
from routing import store
from stats import staffing

PASSWORD = "leitung-passwort-1"
WAIT_S = 20


@pytest.fixture
def server(stats_app, db):
    history.seed_calls(stats_app.config["HOTLINE_DATABASE"], calls=4000, days=63, seed=5,
                       end=DAY + timedelta(days=1), workers=1)
    store.add_agent(db, login="leitung", name="Petra Wagner", role="supervisor",
                    password_hash=generate_password_hash(PASSWORD), sites=("waiblingen",),
                    now=NOW)
    yield from serve(stats_app)


@pytest.fixture
def browser():
    yield from chromium("1400,3400")


def expected(app, level):
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        return staffing.staffing(db, today=NOW.date(), now=NOW.astimezone(UTC),
                                 target=staffing.Target(level=level, seconds=20, weeks=6))
    finally:
        db.conn.close()


# The history is seeded by seed-calls, which writes SQLite files only.
@pytest.mark.sqlite_only
def test_supervisor_plans_the_coming_week_with_erlang_c(server, browser, stats_app):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)
    loaded = (By.CSS_SELECTOR, "#dashboard[data-loaded='true']")

    def table(element_id):
        return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
                for row in browser.find_elements(By.CSS_SELECTOR, f"#{element_id} tr")]

    browser.get(f"{server}/supervisor/")
    browser.find_element(By.ID, "login").send_keys("leitung")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "submit").click()
    wait.until(EC.presence_of_element_located(loaded))

    plan = expected(stats_app, 0.8)
    assert plan["week"] == "2026-11-30" and plan["hours"]
    shown = table("staffing-table")
    assert shown[0] == ["Stunde", "Mo 30.11.", "Di 01.12.", "Mi 02.12.", "Do 03.12.",
                        "Fr 04.12.", "Sa 05.12.", "So 06.12."]
    assert shown[1:] == [[f"{hour:02d} Uhr", *[str(plan["agents"][d][i]) for d in range(7)]]
                         for i, hour in enumerate(plan["hours"])]
    busiest = max(max(day) for day in plan["agents"])
    assert busiest >= 2  # the seeded weekday mornings need more than one agent
    assert "Ziel 80 % in 20 s" in browser.find_element(By.ID, "staffing-label").text

    # Last week: forecast beside what happened, a row per day.
    last = table("staffing-last-table")
    assert len(last) == 8 and last[1][0] == "Mo 2026-11-16"
    assert last[1][2] == str(plan["last_week"]["days"][0]["actual_calls"])

    # A stricter target: 95 % in 20 s needs at least as many agents every hour, more in some.
    browser.execute_script("document.getElementById('dashboard').dataset.loaded = 'false'")
    level = browser.find_element(By.ID, "sl_level")
    level.clear()
    level.send_keys("95")
    browser.find_element(By.ID, "apply").click()
    wait.until(EC.presence_of_element_located(loaded))
    strict = expected(stats_app, 0.95)
    assert table("staffing-table")[1:] == [
        [f"{hour:02d} Uhr", *[str(strict["agents"][d][i]) for d in range(7)]]
        for i, hour in enumerate(strict["hours"])]
    assert sum(map(sum, strict["agents"])) > sum(map(sum, plan["agents"]))
    ARTIFACTS.mkdir(exist_ok=True)
    browser.find_element(By.ID, "staffing-table").screenshot(str(ARTIFACTS / "staffing.png"))
