"""People, live: agents and their skills, the queue, ringing agents, callbacks, the agent console.

The phone side (ivr) calls `routing.queue`, `routing.dispatch` and `routing.callbacks`;
`init_app` registers the console at /agent, the logins and the `users` command. routing
never imports ivr: it learns where to send a call through the `connect_url` callable.
What happened on calls afterwards (figures, the supervisors' dashboard) is `stats`'.
"""

from __future__ import annotations

from flask import Flask

from . import auth, cli, console, written_console
from .autodial import MODES, PlaceCall, Rules
from .dispatch import ConnectUrl
from .settings import EXTENSION, RoutingSettings


def init_app(app: Flask, *, connect_url: ConnectUrl, phone_url=None,
             place_callback: PlaceCall | None = None) -> None:
    """Register the agent console, logins and CLI commands; safe to call twice (tests do).

    `connect_url(call_sid, agent_id)` is the absolute URL Twilio is redirected to when a
    waiting call goes to a free agent (the phone side answers it with a <Dial>);
    `place_callback(db, dialling, now)` places a callback's call (routing/autodial.py).
    """
    mode = app.config.get("HOTLINE_CALLBACK_DIAL", "agent-first")
    if mode not in MODES:
        raise ValueError(f"HOTLINE_CALLBACK_DIAL must be one of {', '.join(MODES)}")
    chosen = RoutingSettings(
        connect_url=connect_url,
        ring_timeout_s=int(app.config.get("HOTLINE_RING_TIMEOUT", 20)),
        callback_offer_after_s=int(app.config.get("HOTLINE_CALLBACK_OFFER_AFTER", 120)),
        wrap_up_limit_s=int(app.config.get("HOTLINE_WRAP_UP_LIMIT", 120)),
        phone_url=phone_url,
        interpreter_number=app.config.get("HOTLINE_INTERPRETER_NUMBER", ""),
        interpreter_languages=tuple(app.config.get("HOTLINE_INTERPRETER_LANGUAGES") or ()),
        place_callback=place_callback,
        callback_rules=Rules(mode=mode,
                             max_attempts=int(app.config.get("HOTLINE_CALLBACK_ATTEMPTS", 3)),
                             retry_delay_s=int(app.config.get("HOTLINE_CALLBACK_RETRY_DELAY",
                                                              900))),
    )
    already = EXTENSION in app.extensions
    app.extensions[EXTENSION] = chosen
    if already:
        return
    auth.init_app(app)
    app.register_blueprint(console.bp)
    app.register_blueprint(written_console.bp)
    app.cli.add_command(cli.users)
