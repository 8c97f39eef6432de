"""The web chat in a real headless Chromium: labelled for screen readers, usable by
keyboard alone, a booking written through to the end. Its screenshot
(test-artifacts/web-chat.png) is the one in the README (docs/web-chat.png)."""

import pytest
from headless import ARTIFACTS, chromium, serve

WAIT_S = 10


@pytest.fixture
def base(app):
    yield from serve(app)


@pytest.fixture
def browser():
    yield from chromium("900,1000")


def test_write_with_the_keyboard_and_read_the_answers(base, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)
    browser.get(f"{base}/chat?lang=de")
    log = browser.find_element(By.ID, "messages")
    # What a screen reader needs: a live log with a name, a labelled field, the language.
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert log.get_attribute("aria-label") == "Unterhaltung"
    field = browser.find_element(By.ID, "text")
    label = browser.find_element(By.CSS_SELECTOR, "label[for=text]")
    assert label.text == "Ihre Nachricht"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    assert "Jobcenter Rems-Murr" in log.text  # the greeting
    # The field has the focus: a person types and presses Enter, no mouse.
    assert browser.switch_to.active_element == field

    def write(text, expect):
        count = len(browser.find_elements(By.CSS_SELECTOR, "#messages li"))
        browser.switch_to.active_element.send_keys(text, Keys.ENTER)
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#messages li")) >= count + 2)
        wait.until(EC.text_to_be_present_in_element((By.ID, "messages"), expect))

    write("Ich möchte einen Termin", "Worum geht es")
    write("wegen Geld", "Geschäftsstelle")
    write("Backnang", "Wann passt es Ihnen")
    write("nächsten Dienstag vormittags", "Passt Ihnen das?")
    write("ja", "Ihr Termin ist gebucht")
    assert ".ics" in log.text and "drücken" not in log.text
    # The calendar file is a link to follow, not an address to copy.
    links = log.find_elements(By.CSS_SELECTOR, ".from-hotline a[href$='.ics']")
    assert links and links[-1].get_attribute("rel") == "noopener noreferrer"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-chat.png"))
    # The person's own words come back as text, never as markup.
    write("nein", "sonst noch etwas")
    write("<b>fett</b>", "<b>fett</b>")

