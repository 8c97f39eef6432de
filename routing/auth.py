"""Agents' logins: password hashing, sessions (Flask-Login), CSRF, cookies and brute-force slowing.

Failed logins are counted per login name and per client address, separately (both stored
only as keyed hashes, keyed.py). From the third failure for a login (the tenth for an
address) further attempts are refused for a delay that doubles with every failure, up
to 15 minutes, without even checking the password; a successful login clears the
login's count, and failures an hour old are forgotten (an office behind one address is
not locked for good).

- Each attempt is counted as failed *before* its password is checked, in one write
  transaction, and given back if the password was right: a dozen attempts sent at once
  cannot all pass the limit during the ~100 ms a password hash takes.
- A browser that logged in to an account before carries a signed device cookie for it
  (OWASP's "device cookies"). Its attempts at that account are counted against the
  device alone: whoever tries passwords for `leitung`, or from the same address as the
  supervisors, cannot lock them out of their own browsers.
- A login is a session on the server (`agent_sessions`, by a hash of a random token held
  in the signed cookie): logging out deletes it, so a copied cookie is worthless after.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

import clock
import db as database
import keyed

from .store import Agent, UnknownAgentError, atomic, find_agent, get_agent, password_hash, utc_text

MIN_PASSWORD_LENGTH = 10
FREE_FAILURES_LOGIN = 2
FREE_FAILURES_ADDRESS = 9
FREE_FAILURES_DEVICE = 2
FIRST_DELAY_S = 2
MAX_DELAY_S = 15 * 60
FORGET_AFTER = timedelta(hours=1)  # failures older than this no longer count
SESSION_HOURS = 12  # a login lasts a working day at most, even without logging out
DEVICE_COOKIE = "hotline_device"
DEVICE_DAYS = 180
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
    """The logged-in agent, as Flask-Login holds it for one request, with its session token."""

    agent: Agent
    token: str = ""

    def get_id(self) -> str:
        return f"{self.agent.id}.{self.token}"

    @property
    def is_active(self) -> bool:
        return self.agent.active


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"at least {MIN_PASSWORD_LENGTH} characters, please")
    return generate_password_hash(password)


def _key(kind: str, value: str) -> str:
    return f"{kind}:{keyed.digest('login-' + kind, value.strip().lower())}"


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
    db.execute("INSERT INTO login_failures (key, failures, last_at, locked_until)"
               " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
               " last_at = excluded.last_at, locked_until = excluded.locked_until",
               [key, failures, utc_text(now),
                utc_text(now + timedelta(seconds=delay)) if delay else None])


def _give_back(db: Database, key: str, free: int, now: datetime) -> None:
    """The attempt counted on `key` was not a failure after all."""
    row = db.execute("SELECT failures, last_at FROM login_failures WHERE key = ?",
                     [key]).fetchone()
    if not row:
        return
    failures = max(0, row[0] - 1)
    delay = _delay(failures, free)
    db.execute("UPDATE login_failures SET failures = ?, locked_until = ? WHERE key = ?",
               [failures, utc_text(now + timedelta(seconds=delay)) if delay else None, key])


def authenticate(db: Database, login: str, password: str, address: str, *,
                 now: datetime, device: str | None = None) -> Agent | None:
    """The agent if login and password match; None if not; LoginLockedError while slowed.

    `device` is the browser's device cookie, if it sent one.
    """
    agent = find_agent(db, login.strip())
    device_key = _device_key(device, agent)
    if device_key:
        counted = [(device_key, FREE_FAILURES_DEVICE)]
    else:
        counted = [(_key("login", login), FREE_FAILURES_LOGIN),
                   (_key("addr", address or "-"), FREE_FAILURES_ADDRESS)]
    with atomic(db):
        locked = max(_locked_for(db, key, now) for key, _ in counted)
        if locked:
            raise LoginLockedError(locked)
        for key, free in counted:  # reserved: see the module's docstring
            _fail(db, key, free, now)
    stored = password_hash(db, agent.id) if agent else None
    good = check_password_hash(stored or _DUMMY_HASH, password) and agent is not None
    if not (good and agent.active):
        return None
    with atomic(db):
        login_or_device, free = counted[0]
        db.execute("DELETE FROM login_failures WHERE key = ?", [login_or_device])
        for key, free in counted[1:]:
            _give_back(db, key, free, now)
    return agent


# ------------------------------------------------------------------------ device cookies


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline-device")


def new_device_cookie(agent: Agent) -> str:
    """The cookie a browser gets when its agent logged in: it vouches for that browser."""
    return _devices().dumps({"agent": agent.id, "device": secrets.token_hex(16)})


def _device_key(cookie: str | None, agent: Agent | None) -> str | None:
    if not cookie or agent is None:
        return None
    try:
        data = _devices().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("agent") != agent.id:
        return None
    return _key("device", str(data.get("device")))


# ------------------------------------------------------------------------ server sessions


def _token_hash(token: str) -> str:
    # A random 256-bit token: a plain hash is enough, nothing can be guessed from it.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, agent: Agent, *, now: datetime) -> User:
    """A new login: a session row on the server, and the user that holds its token."""
    token = secrets.token_urlsafe(32)
    with atomic(db):
        db.execute("DELETE FROM agent_sessions WHERE expires_at < ?", [utc_text(now)])
        db.execute("INSERT INTO agent_sessions (token_hash, agent_id, started_at, expires_at)"
                   " VALUES (?, ?, ?, ?)", [_token_hash(token), agent.id, utc_text(now),
                                            utc_text(now + timedelta(hours=SESSION_HOURS))])
    return User(agent, token)


def end_session(db: Database, token: str) -> None:
    """Logged out: the session's cookie no longer logs anyone in, wherever it is copied."""
    with atomic(db):
        db.execute("DELETE FROM agent_sessions WHERE token_hash = ?", [_token_hash(token)])


def _session_agent(db: Database, agent_id: int, token: str, now: datetime) -> bool:
    row = db.execute("SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = ?",
                     [_token_hash(token)]).fetchone()
    return bool(row and row[0] == agent_id and row[1] > utc_text(now))


def _development(app: Flask) -> bool:
    return app.testing or app.config.get("HOTLINE_ENV") in ("development", "test")


def init_app(app: Flask) -> None:
    """Sessions, CSRF and secure cookies for the agent console."""
    # CSRF is checked by the pages' own guard (guard_pages), not app-wide: Twilio's
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
    agent_id, _, token = user_id.partition(".")
    db = database.get_db()
    try:
        agent = get_agent(db, int(agent_id))
    except (UnknownAgentError, ValueError):
        return None
    if not token or not _session_agent(db, agent.id, token, clock.now()):
        return None  # logged out, expired, or a cookie from before server sessions
    return User(agent, token) if agent.active else None


@login_manager.unauthorized_handler
def _unauthorized():
    """Pages redirect to the login; the console's JSON polling gets a 401 it understands."""
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify(error="login required"), 401
    return redirect(url_for("agent.login", next=request.path))


def supervisor_required(view):
    """Logged in (else the console's login) and a supervisor (else 403): the dashboard's
    and the teaching pages' guard."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.agent.supervisor:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


# The agents' pages: their own scripts and styles, never in a frame.
AGENT_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
                  " frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def guard_pages(bp, csp: str) -> None:
    """A blueprint of agent or supervisor pages: every POST (a login included) carries the
    CSRF token, and every answer the pages' security headers with `csp`."""

    @bp.before_request
    def _protect():
        if request.method == "POST":
            csrf.protect()

    @bp.after_request
    def _headers(response):
        return secure_page_headers(response, csp)


def secure_page_headers(response, csp: str):
    """The headers every agent and supervisor page carries; `csp` is the page's own policy."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def purge_expired(db: Database, now: datetime) -> None:
    """Forget failed logins that no longer count and sessions that have ended (their keys
    are keyed hashes of login names and addresses)."""
    db.execute("DELETE FROM login_failures WHERE last_at < ?"
               " AND (locked_until IS NULL OR locked_until < ?)",
               [utc_text(now - FORGET_AFTER), utc_text(now)])
    db.execute("DELETE FROM agent_sessions WHERE expires_at < ?", [utc_text(now)])
