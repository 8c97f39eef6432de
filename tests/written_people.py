"""People who write to the hotline instead of calling: by SMS (Twilio's signed Messaging
webhook, answers through the outbox) and in the web chat (the page's cookie, its CSRF
token and its JSON endpoint), as tests use them."""

import re
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

from db import connect

OUR_NUMBER = "+4971519999999"
# Words that belong on the telephone only; none of them is ever written to anyone.
VOICE_ONLY = ("drücken", "Raute", "Sagen Sie bitte Ja oder Nein", "Signalton", " punkt ",
              "press ", "the hash key", "Please say yes or no", "Ich wiederhole")


def rows(app, sql, *params):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.conn.close()


class Texter:
    """A person with a mobile who writes SMS to the hotline's number."""

    def __init__(self, app, number: str = "+491701234567"):
        self.app, self.number = app, number
        self.client = app.test_client()
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        self.sent = 0
        self.answers: list[str] = []

    def post(self, text: str, sign: bool = True, pictures: int = 0):
        self.sent += 1
        form = {"MessageSid": f"{'MM' if pictures else 'SM'}{self.sent:032x}",
                "AccountSid": "AC" + "0" * 32, "From": self.number, "To": OUR_NUMBER,
                "Body": text, "NumMedia": str(pictures)}
        url = "http://localhost/sms/incoming"
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)
                   if sign else "nope"}
        return self.client.post("/sms/incoming", data=form, headers=headers)

    def send(self, text: str, pictures: int = 0) -> str:
        """Write one SMS (an MMS with `pictures`); what the hotline answered (by the
        outbox, or TwiML for reminders)."""
        before = self._outbox_ids()
        answer = self.post(text, pictures=pictures)
        assert answer.status_code == 200, answer.data
        root = ET.fromstring(answer.data)
        direct = [m.text or "" for m in root.iter("Message")]
        queued = [body for id_, body in rows(
            self.app, "SELECT id, body FROM outbox WHERE to_number = ? AND kind = 'sms'"
            " ORDER BY id", self.number) if id_ not in before]
        said = " ".join(direct + queued)
        self.answers.append(said)
        return said

    def _outbox_ids(self) -> set[int]:
        return {row[0] for row in rows(self.app, "SELECT id FROM outbox")}


class Chatter:
    """A person in the web chat: the page first (cookie, token), then JSON posts."""

    def __init__(self, app, lang: str = "de"):
        self.app = app
        self.client = app.test_client()
        page = self.client.get(f"/chat?lang={lang}")
        assert page.status_code == 200
        self.page = page.get_data(as_text=True)
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', self.page).group(1)
        self.answers: list[str] = []

    def post(self, text: str, token: str | None = None):
        return self.client.post("/chat/messages", json={"text": text},
                                headers={"X-CSRF-Token": self.token if token is None else token})

    def send(self, text: str) -> str:
        answer = self.post(text)
        assert answer.status_code == 200, answer.data
        said = " ".join(m["text"] for m in answer.get_json()["messages"]
                        if m["from"] != "person")
        self.answers.append(said)
        return said

    def greeting(self) -> str:
        return re.sub(r"<[^>]+>", " ", self.page)


def person(channel: str, app, lang: str):
    if channel == "sms":
        return Texter(app)
    return Chatter(app, lang)
