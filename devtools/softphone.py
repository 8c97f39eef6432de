"""A softphone for the terminal: drives the real voice webhooks exactly as Twilio would.

It posts signed forms with CallSid, From, To, SpeechResult, Confidence and Digits,
follows Gather actions and Redirects, and prints what the hotline says. By default it
talks to the app in-process on the configured database; `--url` drives a running server
over HTTP instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from config import DEV_AUTH_TOKEN
from ivr import moments

DEFAULT_FROM = "+491761234567"  # fictitious mobile number
DEFAULT_TO = "+4971519876543"  # fictitious hotline number
DEFAULT_CONFIDENCE = "0.92"
MAX_REDIRECTS = 10
MESSAGE_SECONDS = 12  # a message left after the beep, unless the call says otherwise
ACCOUNT_SID = "AC" + "0" * 32
WAIT_FIELDS = {"QueuePosition": "1", "QueueTime": "0", "CurrentQueueSize": "1",
               "AvgQueueTime": "0"}


class TransportError(RuntimeError):
    """The hotline did not answer a webhook with TwiML."""


@dataclass
class Reply:
    status: int
    body: str
    content_type: str


class InProcess:
    """Posts to the Flask app in this process, through its full request stack."""

    base_url = "http://localhost"

    def __init__(self, app):
        self.client = app.test_client()

    def post(self, url: str, form: dict, headers: dict) -> Reply:
        response = self.client.post(url, data=form, headers=headers)
        return Reply(response.status_code, response.get_data(as_text=True),
                     response.content_type or "")


class OverHttp:
    """Posts to a running hotline server."""

    def __init__(self, base_url: str, timeout: float = 20.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, url: str, form: dict, headers: dict) -> Reply:
        data = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return Reply(response.status, response.read().decode("utf-8", "replace"),
                             response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8", "replace"),
                         error.headers.get("Content-Type", ""))


@dataclass
class Exchange:
    """One caller line and everything the hotline said in answer."""

    caller: str
    hotline: list[str] = field(default_factory=list)


class Softphone:
    """One phone call to the hotline."""

    def __init__(self, transport, token: str, from_number: str = DEFAULT_FROM,
                 to_number: str = DEFAULT_TO, moment: datetime | None = None,
                 messages: tuple[int, ...] = ()):
        self.transport = transport
        self.moment = moment  # the call happens at this moment (a development server only)
        self.validator = RequestValidator(token)
        self.call_sid = "CA" + uuid.uuid4().hex
        self.from_number = from_number
        self.to_number = to_number
        self.next_url: str | None = None  # the Gather's action
        self.silence_url: str | None = None  # where Twilio goes when nothing is said
        self.num_digits: int | None = None
        self.queue_action: str | None = None  # set while waiting in an agent queue
        self.wait_url: str | None = None  # the queue's hold URL, asked again on silence
        self.dial_action: str | None = None  # set while talking to an agent
        self.finished = False
        self.exchanges: list[Exchange] = []
        # How long each message left after a beep is, in order (0: the caller says
        # nothing); after these, MESSAGE_SECONDS.
        self.messages = list(messages)

    # -- the call's progress, for the browser simulator which keeps it between requests

    PROGRESS = ("call_sid", "from_number", "next_url", "silence_url", "num_digits",
                "queue_action", "wait_url", "dial_action", "finished", "moment")

    def progress(self) -> dict:
        progress = {name: getattr(self, name) for name in self.PROGRESS}
        if self.moment is not None:
            progress["moment"] = self.moment.isoformat()
        return progress

    def resume(self, progress: dict) -> None:
        for name in self.PROGRESS:
            if name in progress:
                setattr(self, name, progress[name])
        if isinstance(self.moment, str):
            self.moment = datetime.fromisoformat(self.moment)

    # -- what a caller does

    def dial(self) -> list[str]:
        return self._exchange("", "/voice/incoming", {"CallStatus": "ringing"})

    def say(self, line: str) -> list[str]:
        """A line as the caller types it: words, `#123` for keys, empty for silence."""
        if self.finished:
            raise TransportError("the call has ended")
        line = line.strip()
        if line.startswith("#"):
            digits = line[1:].strip()
            if self.num_digits:
                digits = digits[: self.num_digits]  # Twilio stops listening after numDigits
            return self._exchange(line, self.next_url, {"Digits": digits})
        if not line:
            return self._exchange("", self.silence_url or self.next_url, {})
        return self._exchange(line, self.next_url,
                              {"SpeechResult": line, "Confidence": DEFAULT_CONFIDENCE})

    def hang_up(self) -> None:
        """End the call as Twilio reports it: leave the queue or the agent, then the status."""
        if self.queue_action:
            self._post(self.queue_action, {"QueueResult": "hangup", "QueueTime": "5"})
            self.queue_action = self.wait_url = None
        if self.dial_action:
            self._post(self.dial_action, {"DialCallStatus": "completed",
                                          "DialCallDuration": "120"})
            self.dial_action = None
        self._post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})
        self.finished = True

    def summary(self) -> dict:
        reply = self._post("/voice/summary", {})
        if reply.status != 200:
            raise TransportError(f"summary: HTTP {reply.status}")
        return json.loads(reply.body)

    # -- what Twilio does

    def _exchange(self, caller: str, url: str | None, fields: dict) -> list[str]:
        exchange = Exchange(caller)
        self.exchanges.append(exchange)
        if url is None:
            raise TransportError("no question is open: the call has ended")
        self._follow(url, fields, exchange.hotline)
        return exchange.hotline

    def _follow(self, url: str, fields: dict, said: list[str]) -> None:
        self.next_url = self.silence_url = self.num_digits = None
        for _ in range(MAX_REDIRECTS):
            reply = self._post(url, fields)
            if "xml" not in reply.content_type:
                raise TransportError(f"{url}: HTTP {reply.status}: {reply.body[:300].strip()}")
            step = self._run(ET.fromstring(reply.body), said)
            if step is None:
                return
            url, fields = step
        raise TransportError("too many redirects")

    def _run(self, response: ET.Element, said: list[str]) -> tuple[str, dict] | None:
        """Carry out a TwiML document as Twilio would; returns the next request, if any."""
        for verb in response:
            if verb.tag == "Say":
                said.append("".join(verb.itertext()))
            elif verb.tag == "Gather":
                said.extend("".join(say.itertext()) for say in verb.iter("Say"))
                self.next_url = verb.get("action")
                self.num_digits = int(verb.get("numDigits")) if verb.get("numDigits") else None
            elif verb.tag == "Redirect":
                if self.next_url is not None:
                    # After a Gather, Twilio only reaches the Redirect on silence.
                    self.silence_url = verb.text
                    return None
                return verb.text, {}
            elif verb.tag == "Enqueue":
                said.append(f"[Warteschleife: {verb.text}]")
                self.queue_action = verb.get("action")
                self.wait_url = verb.get("waitUrl")
                return self.wait_url, WAIT_FIELDS
            elif verb.tag == "Leave":
                action, self.wait_url = self.queue_action, None
                self.queue_action = None
                return action, {"QueueResult": "leave", "QueueTime": "30"}
            elif verb.tag == "Dial":
                self._ring_agent(verb, said)
                return None
            elif verb.tag == "Record":
                seconds = self.messages.pop(0) if self.messages else MESSAGE_SECONDS
                if seconds <= 0:
                    # Twilio asks no action for an empty recording (and sends no
                    # "completed" status): it goes on with the next verb.
                    said.append("[Aufnahme: nichts gesagt]")
                    continue
                said.append("[Aufnahme: Ihre Nachricht]")
                recording = {"RecordingSid": "RE" + uuid.uuid4().hex,
                             "RecordingUrl": "https://api.twilio.com/recordings/softphone-message",
                             "RecordingDuration": str(seconds)}
                if verb.get("recordingStatusCallback"):  # the audio is ready: Twilio says so
                    self._post(verb.get("recordingStatusCallback"),
                               {**recording, "RecordingStatus": "completed"})
                return verb.get("action"), recording
            elif verb.tag == "Hangup":
                self.finished = True
                return None
        if self.wait_url is not None:
            # Waiting in the queue: silence (or anything without a question) asks the
            # wait URL again, as Twilio does when the hold music has played.
            self.silence_url = self.wait_url
            self.next_url = self.next_url or self.wait_url
            return None
        if self.next_url is None:
            self.finished = True  # TwiML ran out: Twilio hangs up
        return None

    def _ring_agent(self, dial: ET.Element, said: list[str]) -> None:
        """The agent's phone rings and they pick up: they hear the whisper, then the caller."""
        said.append("[Es klingelt bei einer Mitarbeiterin oder einem Mitarbeiter]")
        # As Twilio does, the whisper runs on the agent's own leg (a child call).
        self.agent_leg = "CA" + hashlib.sha256(self.call_sid.encode()).hexdigest()[:32]
        leg = {"CallStatus": "in-progress", "CallSid": self.agent_leg,
               "ParentCallSid": self.call_sid}
        for target in dial:
            if target.get("url"):
                whisper = self._post(target.get("url"), leg)
                root = ET.fromstring(whisper.body)
                heard = " ".join("".join(x.itertext()) for x in root.iter("Say"))
                said.append(f"[Die Mitarbeiterin oder der Mitarbeiter hört: {heard}]")
                accept = root.find("./Gather")
                if accept is not None:  # a phone: the agent presses a key to take the call
                    self._post(accept.get("action"), {**leg, "Digits": "1"})
            break
        self.dial_action = dial.get("action")
        self.finished = True  # the caller now talks to a person

    def _post(self, url: str, fields: dict) -> Reply:
        absolute = urllib.parse.urljoin(self.transport.base_url + "/", url.lstrip("/")) \
            if not url.startswith("http") else url
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": "in-progress",
            "Called": self.to_number,
            "Caller": self.from_number,
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.to_number,
            **fields,
        }
        headers = {"X-Twilio-Signature": self.validator.compute_signature(absolute, form)}
        if self.moment is not None:
            headers[moments.HEADER] = self.moment.isoformat()
        return self.transport.post(absolute, form, headers)


def _transport(url: str | None):
    """The in-process app, or a server at `url`, and the token to sign for it."""
    if url:
        token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            click.echo("(TWILIO_AUTH_TOKEN is not set: signing with the development token)",
                       err=True)
            token = DEV_AUTH_TOKEN
        return OverHttp(url), token
    app = current_app._get_current_object()
    if not app.config["TWILIO_AUTH_TOKEN"]:
        # This process's own app: a throwaway token lets it check our signatures.
        app.config["TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)
    transport = InProcess(app)
    public = app.config["HOTLINE_PUBLIC_URL"].rstrip("/")
    if public:
        transport.base_url = public
    return transport, app.config["TWILIO_AUTH_TOKEN"]


def transcript(phone: Softphone, summary: dict) -> dict:
    """The call as one JSON object: outcome, turn by turn, and the booking if any."""
    intents = {t["turn"]: t["intent"] for t in summary.get("turns", [])}
    return {
        "call_sid": phone.call_sid,
        "outcome": summary.get("outcome"),
        "turns": [
            {"caller": ex.caller, "hotline": " ".join(ex.hotline), "intent": intents.get(i)}
            for i, ex in enumerate(phone.exchanges)
        ],
        "booking": summary.get("booking"),
    }


@click.command("call")
@click.option("--url", default=None, help="Call a running server (e.g. http://127.0.0.1:5000) "
              "instead of the app in this process.")
@click.option("--json", "as_json", is_flag=True,
              help="Read the caller's lines from stdin; print one JSON summary at the end.")
@click.option("--from", "from_number", default=DEFAULT_FROM, show_default=True,
              help="The caller id to call from.")
@click.option("--at", "at", default=None, metavar="MOMENT",
              help='Call as if it were this moment, Berlin time ("2026-12-24 10:00"): '
              "holidays, evenings, weekends. Development servers only.")
@click.option("--messages", default="", metavar="SECONDS",
              help="How long each message left after a beep is, comma-separated "
              '("0,12": nothing said the first time). Default: 12 seconds each.')
@with_appcontext
def call_command(url: str | None, as_json: bool, from_number: str, at: str | None,
                 messages: str) -> None:
    """Call the hotline from the terminal: type what you say; #12 presses keys; an empty
    line is silence; Ctrl-D hangs up."""
    try:
        moment = moments.parse(at) if at else None
    except moments.BadMomentError as error:
        raise click.BadParameter(str(error), param_hint="--at") from None
    try:
        lengths = tuple(int(part) for part in messages.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter("whole seconds, comma-separated", param_hint="--messages") \
            from None
    transport, token = _transport(url)
    phone = Softphone(transport, token, from_number=from_number, moment=moment,
                      messages=lengths)
    try:
        if as_json:
            _call_from_stdin(phone)
        else:
            _call_interactively(phone)
    except TransportError as error:
        raise click.ClickException(str(error)) from error
    except urllib.error.URLError as error:
        raise click.ClickException(f"cannot reach {url}: {error.reason}") from error


def _call_from_stdin(phone: Softphone) -> None:
    phone.dial()
    for line in sys.stdin:
        if phone.finished:
            break
        phone.say(line.rstrip("\n"))
    phone.hang_up()
    click.echo(json.dumps(transcript(phone, phone.summary()), ensure_ascii=False))


def _call_interactively(phone: Softphone) -> None:
    when = f" am {phone.moment:%d.%m.%Y um %H:%M}" if phone.moment else ""
    click.echo(f"Anruf {phone.call_sid} von {phone.from_number}{when}. "
               "#1 drückt Tasten, leere Zeile = Stille, Strg-D legt auf.\n")
    _print_hotline(phone.dial())
    while not phone.finished:
        try:
            line = input("Sie> ")
        except EOFError:
            click.echo()
            break
        _print_hotline(phone.say(line))
    phone.hang_up()
    click.echo(f"\nAufgelegt. Ergebnis: {phone.summary()['outcome']}")


def _print_hotline(said: list[str]) -> None:
    for sentence in said:
        click.secho(f"Hotline: {sentence}", fg="cyan")
