"""Routing's settings per app: ring timeout, callback offer, wrap-up limit, the phone side's URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from .autodial import PlaceCall, Rules
from .dispatch import RING_TIMEOUT_S, ConnectUrl
from .queue import CALLBACK_OFFER_AFTER_S
from .store import WRAP_UP_LIMIT_S

EXTENSION = "hotline.routing"


@dataclass(frozen=True)
class RoutingSettings:
    """What routing.init_app was given: the phone side's connect URL and the timings."""

    connect_url: ConnectUrl  # (call_sid, agent_id) -> absolute URL Twilio fetches to ring the agent
    ring_timeout_s: int = RING_TIMEOUT_S
    callback_offer_after_s: int = CALLBACK_OFFER_AFTER_S
    wrap_up_limit_s: int = WRAP_UP_LIMIT_S
    # (webhook name, query) -> absolute URL of the phone side's webhook (conference,
    # interpreter-status), for calls moved or placed through the REST API.
    phone_url: Callable[[str, dict], str] | None = None
    interpreter_number: str = ""
    interpreter_languages: tuple[str, ...] = ()
    # Callbacks that dial themselves: how the phone side places the call, and the rules.
    place_callback: PlaceCall | None = None
    callback_rules: Rules = Rules()


def settings() -> RoutingSettings:
    return current_app.extensions[EXTENSION]
