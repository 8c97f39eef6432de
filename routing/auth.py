"""Agents' logins: password hashing, sessions (Flask-Login), CSRF, cookies and brute-force slowing.

Failed logins are counted per login name and per client address (both stored only as
keyed hashes). From the third failure for a login (the tenth for an address) further
attempts are refused for a delay that doubles with every failure, up to 15 minutes,
without even checking the password; a successful login clears the login's count, and
failures an hour old are forgotten (an office behind one address is not locked for good).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect
from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

import db as database

from .store import Agent, UnknownAgentError, atomic, find_agent, get_agent, password_hash, utc_text

MIN_PASSWORD_LENGTH = 10
FREE_FAILURES_LOGIN = 2
FREE_FAILURES_ADDRESS = 9
FIRST_DELAY_S = 2
MAX_DELAY_S = 15 * 60
FORGET_AFTER = timedelta(hours=1)  # failures older than this no longer count
# Compared against when the login does not exist, so that an unknown login takes as
# long to refuse as a wrong password (no guessing which logins exist).
_DUMMY_HASH = generate_password_hash("not a password of anyone")

csrf = CSRFProtect()
login_manager = LoginManager()


class WeakPasswordError(ValueError):
    """The password is too short to protect an account that sees callers' data."""


class LoginLockedError(Exception):
    """Too many failed logins: try again after `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"locked for {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class User(UserMixin):
    """The logged-in agent, as Flask-Login holds it for one request."""

    agent: Agent

    def get_id(self) -> str:
        return str(self.agent.id)

    @property
    def is_active(self) -> bool:
        return self.agent.active


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"at least {MIN_PASSWORD_LENGTH} characters, please")
    return generate_password_hash(password)


def _key(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:32]}"


def _delay(failures: int, free: int) -> int:
    if failures <= free:
        return 0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - free - 1))


def _locked_for(db: Database, key: str, now: datetime) -> int:
    row = db.execute("SELECT locked_until FROM login_failures WHERE key = ?", [key]).fetchone()
    if not row or not row[0]:
        return 0
    return max(0, int((datetime.fromisoformat(row[0]) - now).total_seconds() + 0.999))


def _fail(db: Database, key: str, free: int, now: datetime) -> None:
    row = db.execute("SELECT failures, last_at FROM login_failures WHERE key = ?",
                     [key]).fetchone()
    recent = row and datetime.fromisoformat(row[1]) > now - FORGET_AFTER
    failures = (row[0] if recent else 0) + 1
    delay = _delay(failures, free)
    db["login_failures"].upsert({
        "key": key, "failures": failures, "last_at": utc_text(now),
        "locked_until": utc_text(now + timedelta(seconds=delay)) if delay else None,
    }, pk="key")


def authenticate(db: Database, login: str, password: str, address: str, *,
                 now: datetime) -> Agent | None:
    """The agent if login and password match; None if not; LoginLockedError while slowed."""
    login_key, address_key = _key("login", login), _key("addr", address or "-")
    locked = max(_locked_for(db, login_key, now), _locked_for(db, address_key, now))
    if locked:
        raise LoginLockedError(locked)
    agent = find_agent(db, login.strip())
    stored = password_hash(db, agent.id) if agent else None
    good = check_password_hash(stored or _DUMMY_HASH, password) and agent is not None
    with atomic(db):
        if good and agent.active:
            db.execute("DELETE FROM login_failures WHERE key = ?", [login_key])
            return agent
        _fail(db, login_key, FREE_FAILURES_LOGIN, now)
        _fail(db, address_key, FREE_FAILURES_ADDRESS, now)
    return None


def _development(app: Flask) -> bool:
    return app.testing or app.config.get("HOTLINE_ENV") in ("development", "test")


def init_app(app: Flask) -> None:
    """Sessions, CSRF and secure cookies for the agent console."""
    # CSRF is checked in the console's own before_request, not app-wide: Twilio's
    # webhooks post without a token and are protected by their signatures instead.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    # Cookies only over HTTPS, except in development and tests, which serve plain http
    # on 127.0.0.1. HOTLINE_SECURE_COOKIES=0/1 (from the config) overrides.
    secure = app.config.get("HOTLINE_SECURE_COOKIES")
    if secure is None:
        secure = not _development(app)
    app.config.update(SESSION_COOKIE_SECURE=bool(secure), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=bool(secure),
                      REMEMBER_COOKIE_HTTPONLY=True)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "agent.login"
    login_manager.login_message = "Bitte melden Sie sich an."
    login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        agent = get_agent(database.get_db(), int(user_id))
    except (UnknownAgentError, ValueError):
        return None
    return User(agent) if agent.active else None


@login_manager.unauthorized_handler
def _unauthorized():
    """Pages redirect to the login; the console's JSON polling gets a 401 it understands."""
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify(error="login required"), 401
    return redirect(url_for("agent.login", next=request.path))


def secure_page_headers(response, csp: str):
    """The headers every agent and supervisor page carries; `csp` is the page's own policy."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
