"""The written channels' own rules: SMS signed like every webhook, a customer number and
date of birth sent by SMS emptied at Twilio once checked, and the web chat's guards
(CSRF token, length, rate limits, no HTML from users, a signed cookie)."""

import pytest
from written_people import Chatter, Texter, rows

import outbox
from conftest import with_demo_cases


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def test_an_unsigned_sms_is_refused_and_changes_nothing(app):
    texter = Texter(app)
    assert texter.post("Ich möchte einen Termin", sign=False).status_code == 403
    assert rows(app, "SELECT count(*) FROM written_conversations") == [(0,)]
    assert texter.post("Ich möchte einen Termin").status_code == 200


def test_customer_number_and_birth_date_sent_by_sms_are_emptied_at_twilio_once_checked(app):
    texter = Texter(app)
    texter.send("Wie ist der Stand meines Antrags?")  # SM…1
    texter.send("123D456789")  # SM…2
    texter.send("ja")  # SM…3, the number confirmed
    gateway = app.extensions["hotline.gateway"]
    outbox.deliver_due(app)
    assert gateway.redacted_sms == []  # nothing checked yet
    assert "Es fehlt noch" in texter.send("03.05.1980")  # SM…4, checked now
    outbox.deliver_due(app)  # the sender's next round
    assert sorted(gateway.redacted_sms) == [f"SM{n:032x}" for n in (2, 3, 4)]
    # The date of birth was never kept here either.
    texts = [row[0] for row in rows(app, "SELECT text FROM written_messages")]
    assert "03.05.1980" not in texts and "…" in texts


def test_a_chat_post_needs_the_page_s_csrf_token(app):
    chatter = Chatter(app)
    assert chatter.post("Termin", token="forged").status_code == 403
    assert app.test_client().post("/chat/messages", json={"text": "Termin"}).status_code == 403
    assert chatter.post("Termin").status_code == 200


def test_a_chat_message_is_limited_in_length_and_never_rendered_as_html(app):
    chatter = Chatter(app)
    assert chatter.post("x" * 1001).status_code == 413
    chatter.send("<script>alert(1)</script> Termin")
    page = chatter.client.get("/chat").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Termin" in page
    headers = chatter.client.get("/chat").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_a_browser_writing_too_often_is_slowed(app):
    chatter = Chatter(app)
    answers = [chatter.post("Öffnungszeiten").status_code for _ in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429


def test_the_chat_page_works_without_javascript(app):
    chatter = Chatter(app)
    client = chatter.client
    answer = client.post("/chat/messages", data={"text": "Wann haben Sie geöffnet?",
                                                 "csrf_token": chatter.token})
    assert answer.status_code == 303
    page = client.get("/chat").get_data(as_text=True)
    assert "Wann haben Sie geöffnet?" in page and "geöffnet." in page
    assert '<label for="text">' in page and 'role="log"' in page


def test_a_tampered_cookie_starts_afresh(app):
    chatter = Chatter(app)
    chatter.send("Termin")
    chatter.client.set_cookie("hotline_chat", "forged", path="/chat")
    assert chatter.post("Termin").status_code == 403
