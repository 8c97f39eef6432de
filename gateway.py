"""Twilio's REST API, behind one gateway: the real client in production, a fake everywhere else.

Everything the hotline asks of Twilio outside a webhook answer (an SMS, moving a live
call on) goes through `get_gateway()`, so tests and development never touch the network
and can look at what would have been sent.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

log = logging.getLogger(__name__)


class GatewayError(RuntimeError):
    """Twilio refused or could not be reached."""


@dataclass
class FakeGateway:
    """Records what would have been sent; used in development and tests."""

    messages: list[dict] = field(default_factory=list)
    redirects: list[dict] = field(default_factory=list)
    recordings: dict[str, bytes] = field(default_factory=dict)  # RecordingUrl -> WAV bytes
    deleted_recordings: list[str] = field(default_factory=list)
    fail: bool = False  # tests set it to see how failures are handled
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send_sms(self, to: str, body: str) -> str:
        if self.fail:
            raise GatewayError("fake gateway told to fail")
        with self._lock:
            self.messages.append({"to": to, "body": body})
            sid = f"SM{len(self.messages):032d}"
        log.info("SMS (fake, not sent): %d characters", len(body))
        return sid

    def redirect_call(self, call_sid: str, url: str) -> None:
        if self.fail:
            raise GatewayError("fake gateway told to fail")
        with self._lock:
            self.redirects.append({"call_sid": call_sid, "url": url})

    def fetch_recording(self, url: str) -> bytes:
        if self.fail:
            raise GatewayError("fake gateway told to fail")
        with self._lock:
            audio = self.recordings.get(url)
        if audio is None:
            raise GatewayError("no such recording (fake)")
        return audio

    def delete_recording(self, recording_sid: str) -> None:
        if self.fail:
            raise GatewayError("fake gateway told to fail")
        with self._lock:
            self.deleted_recordings.append(recording_sid)


# Recordings are fetched with the account's credentials: only ever from Twilio itself.
RECORDING_HOSTS = (".twilio.com",)
RECORDING_TIMEOUT_S = 30


class TwilioGateway:
    """The real Twilio REST client."""

    def __init__(self, account_sid: str, auth_token: str, sms_from: str, region: str = ""):
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, region=region or None)
        self.sms_from = sms_from

    def send_sms(self, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioException

        try:
            return self.client.messages.create(to=to, from_=self.sms_from, body=body).sid
        except TwilioException as error:
            raise GatewayError(str(error)) from error

    def redirect_call(self, call_sid: str, url: str) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.calls(call_sid).update(url=url, method="POST")
        except TwilioException as error:
            raise GatewayError(str(error)) from error

    def fetch_recording(self, url: str) -> bytes:
        """The recording as WAV (Twilio's RecordingUrl plus .wav), with the account's login."""
        from urllib.parse import urlsplit

        import requests

        parts = urlsplit(url)
        if parts.scheme != "https" or not (parts.hostname or "").endswith(RECORDING_HOSTS):
            raise GatewayError("recording URL is not Twilio's")
        if not parts.path.endswith(".wav"):
            url = url.split("?")[0] + ".wav"
        try:
            reply = requests.get(url, auth=(self.client.username, self.client.password),
                                 timeout=RECORDING_TIMEOUT_S)
        except requests.RequestException as error:
            raise GatewayError(str(error)) from error
        if reply.status_code != 200:
            raise GatewayError(f"recording fetch answered HTTP {reply.status_code}")
        return reply.content

    def delete_recording(self, recording_sid: str) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.recordings(recording_sid).delete()
        except TwilioException as error:
            raise GatewayError(str(error)) from error


def init_app(app: Flask) -> None:
    """Choose the gateway once: real only when configured to be and credentials are there."""
    kind = app.config["HOTLINE_TWILIO_GATEWAY"]
    if kind == "twilio":
        if not (app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_AUTH_TOKEN"]):
            raise RuntimeError("HOTLINE_TWILIO_GATEWAY=twilio needs TWILIO_ACCOUNT_SID and "
                               "TWILIO_AUTH_TOKEN")
        gateway = TwilioGateway(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
                                app.config["HOTLINE_SMS_FROM"], app.config["TWILIO_REGION"])
    else:
        log.warning("Twilio REST gateway is the fake: no SMS is sent, no call is moved.")
        gateway = FakeGateway()
    app.extensions["hotline.gateway"] = gateway


def get_gateway() -> FakeGateway | TwilioGateway:
    return current_app.extensions["hotline.gateway"]
