"""Twilio's REST API, behind one gateway: the real client in production, a fake everywhere else.

Everything the hotline asks of Twilio outside a webhook answer (an SMS, an outbound
call, moving a live call on, a voicemail recording) goes through `get_gateway()`, so
tests and development never touch the network and can look at what would have been sent.

Whatever goes wrong on the way (no route, a refused connection, no answer in time, an
error answer from Twilio) comes out as one `GatewayError` whose `kind` says what kind
of failure it was, so that callers decide about retries without knowing the HTTP
library or twilio's exceptions. Every request has a connect and a read timeout: nothing
waits on Twilio for ever. Under the twilio library, requests go out on keep-alive
connections of our own (http_pool.py), not through requests: a sixth of the CPU.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import Flask, current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

import clock
from http_pool import DEFAULT_KEEP, NotSent, Pool

log = logging.getLogger(__name__)

# Kinds of failure. connection: the request never reached Twilio (refused, no route,
# DNS, connect timeout), so sending again cannot duplicate anything. timeout: sent, but
# no answer in time: Twilio may have acted. server: Twilio answered 5xx. rate-limited:
# 429 (see retry_after). rejected: Twilio answered 4xx, the same request will fail again.
CONNECTION, TIMEOUT, SERVER, RATE_LIMITED, REJECTED = (
    "connection", "timeout", "server", "rate-limited", "rejected")
RETRYABLE = frozenset({CONNECTION, TIMEOUT, SERVER, RATE_LIMITED})

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
# Moving a live call on cannot wait for a slow API: the caller keeps waiting in the
# queue and the next dispatch tries again.
CALL_UPDATE_TIMEOUT = (2.0, 4.0)


class GatewayError(RuntimeError):
    """Twilio refused or could not be reached; `kind` says how."""

    def __init__(self, message: str, kind: str = REJECTED, *, status: int | None = None,
                 code: int | None = None, retry_after_s: float | None = None,
                 reached: bool | None = None):
        super().__init__(message)
        self.kind = kind
        # False: the request surely never reached Twilio (refused, DNS, connect timeout),
        # so sending it again cannot duplicate anything. None: nobody knows.
        self.reached = reached
        self.status = status
        self.code = code  # Twilio's error code (21211: invalid number, 21610: unsubscribed)
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @property
    def reason(self) -> str:
        """A short reason to keep and show (never the recipient or the text)."""
        parts = [self.kind]
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"Twilio {self.code}")
        return ", ".join(parts)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (a number or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - clock.now()).total_seconds()) if isinstance(when, datetime) else None


def error_from_exception(error: Exception) -> GatewayError:
    """Any exception of the HTTP below (http_pool, requests) or of twilio as a
    GatewayError of the right kind."""
    if isinstance(error, GatewayError):
        return error
    if isinstance(error, NotSent):
        return GatewayError("connect timeout" if error.timed_out
                            else f"connection failed: {type(error.cause).__name__}",
                            CONNECTION, reached=False)
    if isinstance(error, requests.ConnectTimeout):
        return GatewayError("connect timeout", CONNECTION, reached=False)
    if isinstance(error, requests.Timeout):
        return GatewayError("no answer in time", TIMEOUT)
    if isinstance(error, requests.ConnectionError):
        # Refused or no such host: the request never left. A connection reset or closed
        # after the request was written: it may have arrived.
        cause = getattr(error.args[0], "reason", None) if error.args else None
        never_sent = isinstance(cause, NewConnectionError)
        return GatewayError(f"connection failed: {type(cause or error).__name__}", CONNECTION,
                            reached=False if never_sent else None)
    if isinstance(error, TwilioRestException):
        return _from_status(error.status, error.code, None)
    if isinstance(error, (requests.RequestException, TwilioException)):
        return GatewayError(f"request failed: {type(error).__name__}", CONNECTION)
    if isinstance(error, TimeoutError):  # http_pool: written, no answer in time
        return GatewayError("no answer in time", TIMEOUT)
    if isinstance(error, OSError):
        # http_pool: the connection broke after the request was written (reset, closed,
        # a garbled answer): it may have arrived.
        return GatewayError(f"connection failed: {type(error).__name__}", CONNECTION)
    return GatewayError(f"unexpected: {type(error).__name__}", CONNECTION)


def _from_status(status: int, code: int | None, retry_after: str | None) -> GatewayError:
    if status == 429:
        return GatewayError("rate limited", RATE_LIMITED, status=status, code=code,
                            retry_after_s=_retry_after(retry_after))
    if status >= 500:
        return GatewayError("Twilio server error", SERVER, status=status, code=code,
                            retry_after_s=_retry_after(retry_after))
    return GatewayError("refused by Twilio", REJECTED, status=status, code=code)


class HotlineHttpClient(HttpClient):
    """twilio's HTTP client with timeouts, typed errors, keep-alive connections of our own
    (http_pool.Pool) and no logging of request data.

    `api_base` (HOTLINE_TWILIO_API_BASE, a testing setting) sends every request for a
    *.twilio.com host to that base instead, e.g. a stand-in server on 127.0.0.1.
    """

    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                 api_base: str = ""):
        super().__init__(log, False, None)
        self.default_timeout = timeout
        self.api_base = api_base.rstrip("/")
        self._base = urlsplit(self.api_base)
        # REST requests: on connections kept alive, the environment's proxy and CA settings
        # read once per host. Recordings, which follow redirects elsewhere, use requests
        # (`plain`).
        self.pool = Pool()
        self.plain = requests.Session()
        self._local = threading.local()
        self._logins: dict[tuple[str, str], str] = {}

    def keep_connections(self, count: int) -> None:
        """Keep up to `count` connections open per host for requests made in parallel (the
        outbox's sender): beyond the pool's 10, each request would open (and close) a new
        connection, a TLS handshake against Twilio."""
        self.pool.keep = max(self.pool.keep, count, DEFAULT_KEEP)

    def url_for(self, url: str) -> tuple[str, dict]:
        """Where to send a request for `url`, and extra headers: with an API base, the
        host Twilio would have been asked goes along in X-Forwarded-Host."""
        if not self.api_base:
            return url, {}
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith(".twilio.com"):
            return url, {}
        base = self._base
        return (urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc)),
                {"X-Forwarded-Host": parts.hostname})

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False) -> TwilioResponse:
        """One REST request for the twilio library: an error answer of the kinds that may
        pass (429, 5xx) is raised as a GatewayError here, others go back to twilio, which
        raises TwilioRestException (a GatewayError of kind `rejected` in the end)."""
        chosen = getattr(self._local, "timeout", None) or self.default_timeout
        url, extra = self.url_for(uri)
        if params:
            url += ("&" if "?" in url else "?") + _encoded(params)
        headers = {**(headers or {}), **extra}
        if auth:
            headers["Authorization"] = self._login(auth)
        body = _encoded(data).encode() if data else None
        try:
            reply = self.pool.request(method.upper(), url, body, headers, chosen)
        except (OSError, NotSent) as error:
            raise error_from_exception(error) from error
        except ValueError as error:  # not sendable (a control character): never will be
            raise GatewayError(f"request not sendable: {error}", REJECTED) from error
        text = reply.body.decode("utf-8", "replace")
        if reply.status == 429 or reply.status >= 500:
            raise _from_status(reply.status, _code(text), reply.headers.get("retry-after"))
        return TwilioResponse(reply.status, text, reply.headers)

    def _login(self, auth: tuple[str, str]) -> str:
        """HTTP basic authentication for (account, token), encoded once."""
        login = self._logins.get(auth)
        if login is None:
            login = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
            self._logins[auth] = login
        return login

    def raw(self, method: str, url: str, auth) -> requests.Response:
        """A plain request (recordings): the same timeouts, base and error kinds."""
        url, extra = self.url_for(url)
        try:
            reply = self.plain.request(method, url, auth=auth, headers=extra,
                                         timeout=self.default_timeout, allow_redirects=True)
        except requests.RequestException as error:
            raise error_from_exception(error) from error
        if reply.status_code >= 400:
            raise _from_status(reply.status_code, _code(reply.text),
                               reply.headers.get("Retry-After"))
        return reply

    def with_timeout(self, timeout: tuple[float, float]):
        """Context manager: requests of this thread use `timeout` meanwhile."""
        client = self

        class _Scope:
            def __enter__(self):
                client._local.timeout = timeout

            def __exit__(self, *exc):
                client._local.timeout = None

        return _Scope()


def _code(text: str) -> int | None:
    """Twilio's error code in an error answer's JSON, if any."""
    try:
        code = json.loads(text).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


# quote_plus as a table: every byte but letters, digits and "_.-~" as %XX, a space as
# "+". urlencode quotes byte by byte in Python, a fifth of a request's CPU (measured).
_QUOTED = {byte: f"%{byte:02X}" for byte in range(256)
           if not (chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "_.-~"))}
_QUOTED[ord(" ")] = "+"


def _quoted(value: object) -> str:
    """`urllib.parse.quote_plus(str(value))`, the same text, with one C call."""
    return str(value).encode("utf-8").decode("latin-1").translate(_QUOTED)


def _encoded(fields: dict) -> str:
    """Form fields as requests encodes them (urlencode): a list is the same name repeated,
    None is left out."""
    pairs = []
    for name, value in fields.items():
        for one in value if isinstance(value, (list, tuple)) else (value,):
            if one is not None:
                pairs.append(f"{_quoted(name)}={_quoted(one)}")
    return "&".join(pairs)


@dataclass
class FakeGateway:
    """Records what would have been sent; used in development and tests."""

    messages: list[dict] = field(default_factory=list)
    redirects: list[dict] = field(default_factory=list)
    # Outbound calls placed: {"sid", "to", "url", "status_callback", "amd"} (tests).
    calls: list[dict] = field(default_factory=list)
    recordings: dict[str, bytes] = field(default_factory=dict)  # RecordingUrl -> WAV bytes
    deleted_recordings: list[str] = field(default_factory=list)
    stopped_streams: list[str] = field(default_factory=list)
    # Messages callers sent to the hotline's number: {"sid", "from", "body", "at"} (tests).
    received: list[dict] = field(default_factory=list)
    redacted_sms: list[str] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)  # calls placed (an interpreter)
    ended_calls: list[str] = field(default_factory=list)
    fail: bool = False  # tests set it to see how failures are handled
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def keep_connections(self, count: int) -> None:
        """Nothing to keep: no connections."""

    def _check(self) -> None:
        if self.fail:
            raise GatewayError("fake gateway told to fail", CONNECTION, reached=False)

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        self._check()
        with self._lock:
            self.messages.append({"to": to, "body": body})
            sid = f"SM{len(self.messages):032d}"
        log.info("SMS (fake, not sent): %d characters", len(body))
        return sid

    def find_sms(self, to: str, body: str, since: datetime) -> str | None:
        self._check()
        with self._lock:
            for number, message in enumerate(self.messages, 1):
                if message == {"to": to, "body": body}:
                    return f"SM{number:032d}"
        return None

    def redirect_call(self, call_sid: str, url: str) -> None:
        self._check()
        with self._lock:
            self.redirects.append({"call_sid": call_sid, "url": url})

    def create_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        self._check()
        with self._lock:
            self.calls.append({"to": to, "from": from_, "url": url,
                               "status_callback": status_callback})
            return f"CA{len(self.calls):032d}"

    def end_call(self, call_sid: str) -> None:
        self._check()
        with self._lock:
            self.ended_calls.append(call_sid)

    def place_call(self, to: str, url: str, status_callback: str,
                   machine_detection: str | None = None) -> str:
        self._check()
        with self._lock:
            sid = f"CA{len(self.calls) + 1:032d}"
            self.calls.append({"sid": sid, "to": to, "url": url,
                               "status_callback": status_callback, "amd": machine_detection})
        log.info("Call (fake, not placed)")
        return sid

    def find_call(self, to: str, since: datetime) -> str | None:
        self._check()
        with self._lock:
            found = [call["sid"] for call in self.calls if call["to"] == to]
        return found[-1] if found else None

    def stop_stream(self, call_sid: str, stream_sid: str) -> None:
        self._check()
        with self._lock:
            self.stopped_streams.append(stream_sid)

    def fetch_recording(self, url: str) -> bytes:
        self._check()
        with self._lock:
            audio = self.recordings.get(url)
        if audio is None:
            raise GatewayError("no such recording (fake)", REJECTED, status=404)
        return audio

    def delete_recording(self, recording_sid: str) -> None:
        self._check()
        with self._lock:
            self.deleted_recordings.append(recording_sid)

    def redact_sms(self, message_sid: str) -> None:
        """Twilio keeps the message (date, status, numbers) but its text becomes empty."""
        self._check()
        with self._lock:
            number = int(message_sid[2:]) if message_sid[2:].isdigit() else 0
            if 1 <= number <= len(self.messages):
                self.messages[number - 1]["body"] = ""
            for message in self.received:
                if message["sid"] == message_sid:
                    message["body"] = ""
            self.redacted_sms.append(message_sid)

    def received_sms(self, before: datetime) -> list[str]:
        """SIDs of messages sent to the hotline before `before` whose text is still there."""
        self._check()
        with self._lock:
            return [m["sid"] for m in self.received if m["body"] and m["at"] < before]


# Recordings are fetched with the account's credentials: only ever from Twilio itself.
RECORDING_HOSTS = (".twilio.com",)
# Region -> the edge that serves it. Twilio stopped serving api.ie1.twilio.com (without an
# edge) on 28 April 2026: an IE1 account must name the edge `dublin` too.
REGION_EDGES = {"ie1": "dublin", "au1": "sydney", "jp1": "tokyo"}


class TwilioGateway:
    """The real Twilio REST client, with timeouts and typed errors."""

    def __init__(self, account_sid: str, auth_token: str, sms_from: str, region: str = "",
                 edge: str = "", messaging_service: str = "", api_base: str = "",
                 call_from: str = ""):
        self.http = HotlineHttpClient(api_base=api_base)
        self.client = Client(account_sid, auth_token, region=region or None, edge=edge or None,
                             http_client=self.http)
        # twilio loads its REST API's classes at the first request (0.2 s of CPU): now
        # instead, not in the sender's first SMS or a webhook's first call update.
        self.client.api.v2010.account  # noqa: B018
        self.sms_from = sms_from
        self.messaging_service = messaging_service
        self.call_from = call_from or sms_from

    def keep_connections(self, count: int) -> None:
        """Requests made from `count` threads at once reuse their connections."""
        self.http.keep_connections(count)

    def _sender(self) -> dict:
        if self.messaging_service:
            return {"messaging_service_sid": self.messaging_service}
        return {"from_": self.sms_from}

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            return self.client.messages.create(to=to, body=body, **self._sender(), **extra).sid
        except Exception as error:  # noqa: BLE001 - every failure becomes a GatewayError
            raise error_from_exception(error) from error

    def find_sms(self, to: str, body: str, since: datetime) -> str | None:
        """The SID of a message with this text to this number created since `since`, if any.

        Twilio's Messages API has no idempotency key: after a request that got no answer,
        this is how the sender learns whether Twilio created the message after all.
        """
        try:
            found = self.client.messages.list(to=to, limit=50)
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error
        for message in found:
            created = message.date_created
            if message.body == body and (created is None or created >= since):
                return message.sid
        return None

    def redirect_call(self, call_sid: str, url: str) -> None:
        try:
            with self.http.with_timeout(CALL_UPDATE_TIMEOUT):
                self.client.calls(call_sid).update(url=url, method="POST")
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def create_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        """Place a call (an interpreter service), which fetches its TwiML from `url`."""
        try:
            with self.http.with_timeout(CALL_UPDATE_TIMEOUT):
                call = self.client.calls.create(
                    to=to, from_=from_, url=url, method="POST",
                    status_callback=status_callback, status_callback_method="POST",
                    status_callback_event=["answered", "completed"])
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error
        return call.sid

    def end_call(self, call_sid: str) -> None:
        """Hang up a call we placed (the interpreter's)."""
        try:
            with self.http.with_timeout(CALL_UPDATE_TIMEOUT):
                self.client.calls(call_sid).update(status="completed")
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def place_call(self, to: str, url: str, status_callback: str,
                   machine_detection: str | None = None) -> str:
        """An outbound call from HOTLINE_CALL_FROM: Twilio fetches `url` when it is answered
        (with AnsweredBy if `machine_detection`) and posts `status_callback` when it ends."""
        extra = {"machine_detection": machine_detection} if machine_detection else {}
        try:
            return self.client.calls.create(
                to=to, from_=self.call_from, url=url, method="POST",
                status_callback=status_callback, status_callback_method="POST",
                **extra).sid
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def find_call(self, to: str, since: datetime) -> str | None:
        """A call to this number from us since `since`, if any: Twilio's Calls API has no
        idempotency key either, so an uncertain call is looked up before it is placed."""
        try:
            found = self.client.calls.list(to=to, limit=20)
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error
        for call in found:
            created = call.date_created
            if created is None or created >= since:
                return call.sid
        return None

    def stop_stream(self, call_sid: str, stream_sid: str) -> None:
        """End a <Start><Stream> explicitly (Vosk mode), with the short call-update timeout."""
        try:
            with self.http.with_timeout(CALL_UPDATE_TIMEOUT):
                self.client.calls(call_sid).streams(stream_sid).update(status="stopped")
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def fetch_recording(self, url: str) -> bytes:
        """The recording as WAV (Twilio's RecordingUrl plus .wav), with the account's login."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not (parts.hostname or "").endswith(RECORDING_HOSTS):
            raise GatewayError("recording URL is not Twilio's", REJECTED)
        if not parts.path.endswith(".wav"):
            url = url.split("?")[0] + ".wav"
        return self.http.raw("GET", url, (self.client.username, self.client.password)).content

    def delete_recording(self, recording_sid: str) -> None:
        try:
            self.client.recordings(recording_sid).delete()
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def redact_sms(self, message_sid: str) -> None:
        """Empty a message's text at Twilio (its date, status and numbers stay in the log)."""
        try:
            self.client.messages(message_sid).update(body="")
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error

    def received_sms(self, before: datetime) -> list[str]:
        """SIDs of messages callers sent to our number before `before`, text not yet emptied."""
        if not self.sms_from:
            return []  # a messaging service's numbers are not known here
        try:
            found = self.client.messages.list(to=self.sms_from, date_sent_before=before)
        except Exception as error:  # noqa: BLE001
            raise error_from_exception(error) from error
        return [message.sid for message in found if message.body]


def check_settings(config) -> None:
    """Refuse REST settings that cannot work against the real Twilio, with a clear message."""
    region = config.get("TWILIO_REGION", "").strip().lower()
    edge = config.get("TWILIO_EDGE", "").strip().lower()
    if region and region in REGION_EDGES and not edge:
        raise RuntimeError(
            f"TWILIO_REGION={region} needs TWILIO_EDGE={REGION_EDGES[region]} (Twilio no longer "
            f"serves api.{region}.twilio.com without an edge); use credentials of that region")
    if config.get("HOTLINE_SMS", True) and not (config.get("HOTLINE_SMS_FROM")
                                                or config.get("HOTLINE_SMS_SERVICE_SID")):
        raise RuntimeError(
            "SMS are on but have no sender: set HOTLINE_SMS_FROM (a number or sender id) or "
            "HOTLINE_SMS_SERVICE_SID (a Messaging Service), or HOTLINE_SMS=0 to offer no SMS")


def init_app(app: Flask) -> None:
    """Choose the gateway once: real only when configured to be and credentials are there."""
    kind = app.config["HOTLINE_TWILIO_GATEWAY"]
    if kind == "twilio":
        if not (app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_AUTH_TOKEN"]):
            raise RuntimeError("HOTLINE_TWILIO_GATEWAY=twilio needs TWILIO_ACCOUNT_SID and "
                               "TWILIO_AUTH_TOKEN")
        check_settings(app.config)
        if not app.config.get("HOTLINE_PUBLIC_URL"):
            log.warning("HOTLINE_PUBLIC_URL is not set: outbound calls (voice reminders, "
                        "callbacks) cannot tell Twilio where their webhooks are")
        if app.config.get("HOTLINE_TWILIO_API_BASE"):
            log.warning("HOTLINE_TWILIO_API_BASE is set: Twilio's REST API is replaced by %s "
                        "(a testing setting)", app.config["HOTLINE_TWILIO_API_BASE"])
        gateway = TwilioGateway(
            app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
            app.config["HOTLINE_SMS_FROM"], app.config["TWILIO_REGION"],
            edge=app.config.get("TWILIO_EDGE", ""),
            messaging_service=app.config.get("HOTLINE_SMS_SERVICE_SID", ""),
            api_base=app.config.get("HOTLINE_TWILIO_API_BASE", ""),
            call_from=app.config.get("HOTLINE_CALL_FROM", ""))
    else:
        log.warning("Twilio REST gateway is the fake: no SMS is sent, no call is moved.")
        gateway = FakeGateway()
    app.extensions["hotline.gateway"] = gateway


def get_gateway() -> FakeGateway | TwilioGateway:
    return current_app.extensions["hotline.gateway"]
