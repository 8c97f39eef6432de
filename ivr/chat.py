"""The web chat: a small page the job centre links or embeds (/chat), and its JSON endpoint.

The same conversation as on the telephone and by SMS (ivr/written.py). A browser is
known by a random token in a signed, HttpOnly cookie; every post carries a CSRF token
derived from it (header X-CSRF-Token for the script, a form field without script).
Without JavaScript the page still works: the form posts and the page comes back with
the answer. Nothing a person writes is ever rendered as HTML (Jinja escapes it, the
script sets text only). Each address and each browser may post a limited number of
messages in ten minutes, each message at most MAX_CHARS characters.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape

import clock
import db as database
import keyed
from written import store

from . import languages, prompts, written

log = logging.getLogger(__name__)

bp = Blueprint("chat", __name__, url_prefix="/chat", template_folder="templates",
               static_folder="static", static_url_path="/static")

COOKIE = "hotline_chat"
COOKIE_AGE = timedelta(hours=12)
MAX_CHARS = 1000  # one message; longer is refused with 413
# Messages per ten minutes: per browser, and per address (several browsers behind one).
WINDOW = timedelta(minutes=10)
PER_BROWSER, PER_ADDRESS = 30, 120
POLL_MS = 3000  # how often the page asks for a person's answer


# What becomes a link in what the hotline or a person of the job centre wrote (never in
# what a person wrote): web addresses, and the two sites the hotline names without one.
# A full stop or bracket at the end belongs to the sentence. chat.js has the same rule.
LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]"
                  r"|\b(?:jobcenter\.digital|arbeitsagentur\.de)\b")


def _app():
    return current_app._get_current_object()


@bp.app_template_filter("chat_links")
def chat_links(text: str) -> Markup:
    """The text, escaped, with its web addresses as links (opened outside a frame)."""
    out, at = [], 0
    for found in LINK.finditer(text):
        address = found.group(0)
        href = address if "://" in address else f"https://{address}"
        out += [escape(text[at:found.start()]),
                Markup('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>').format(
                    href, address)]
        at = found.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_app().secret_key, salt="hotline-chat")


def _token() -> str | None:
    """This browser's token, from its signed cookie (None: none, or tampered with)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return _serializer().loads(raw, max_age=int(COOKIE_AGE.total_seconds()))
    except BadSignature:
        return None


def _csrf(token: str) -> str:
    return keyed.digest("chat-csrf", token)


def _checked_token() -> str | None:
    """The browser's token, if the post carries its CSRF token; else None."""
    token = _token()
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if token is None or not hmac.compare_digest(sent, _csrf(token)):
        log.warning("Chat post refused: no session or a wrong CSRF token")
        return None
    return token


# What went wrong with a post, as the page says it ([written.page] error_*).
ERRORS = ("expired", "too_long", "too_many", "failed")


def _words(lang: str) -> dict[str, str]:
    words = dict(prompts.page_words(lang))
    words["error_too_long"] = words["error_too_long"].format(max_chars=MAX_CHARS)
    return words


def _refused(error: str, status: int, token: str | None):
    """A post not taken, said in the person's language: JSON for the script, and the
    page again with the sentence for a browser without script (never a bare 403)."""
    if not request.is_json:
        return redirect(url_for("chat.page", error=error, lang=_lang_asked()) + "#error",
                        code=303)
    conversation = (store.current(database.get_db(), "chat", token, clock.now())
                    if token else None)
    lang = ((conversation.lang if conversation else None) or _lang_asked()
            or _app().config["HOTLINE_LANGUAGES"][0])
    return jsonify(error=_words(lang)[f"error_{error}"]), status


def _lang_asked() -> str | None:
    lang = request.args.get("lang", "")
    return lang if lang in _app().config["HOTLINE_LANGUAGES"] else None


@bp.after_request
def _headers(response: Response) -> Response:
    embed = _app().config.get("HOTLINE_CHAT_EMBED_FROM") or ""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
        f" connect-src 'self'; form-action 'self'; base-uri 'none';"
        f" frame-ancestors 'self' {embed}".rstrip())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("")
def page():
    """The chat page: the conversation so far (or a greeting), a form, a small script."""
    token = _token()
    fresh = token is None
    if fresh:
        token = secrets.token_urlsafe(24)
    now = clock.now()
    db = database.get_db()
    lang = _lang_asked()
    with database.transaction(db):
        conversation = store.current(db, "chat", token, now)
        if conversation is not None and lang and lang != conversation.lang \
                and conversation.handover is None:
            store.end(db, conversation.id, now)  # another language chosen: start again
            conversation = None
        if conversation is None:
            conversation = store.open_conversation(db, "chat", token, now, lang=lang)
            written.greet(db, written.Setup.of(_app(), request.host_url), conversation, now)
            conversation = store.by_id(db, conversation.id)
        shown = store.messages(db, conversation.id)
    lang = conversation.lang or _app().config["HOTLINE_LANGUAGES"][0]
    words = _words(lang)
    error = request.args.get("error", "")
    response = Response(render_template(
        "chat/chat.html", messages=shown, csrf=_csrf(token), lang=lang, words=words,
        error=words[f"error_{error}"] if error in ERRORS else "",
        # The page's language rides along, so that a refusal without a session (the
        # cookie ran out) is still said in it.
        post_to=url_for("chat.post_message",
                        lang=lang if lang != _app().config["HOTLINE_LANGUAGES"][0] else None),
        languages=[(code, languages.language(code).name)
                   for code in _app().config["HOTLINE_LANGUAGES"]],
        waiting=conversation.handover in (store.WAITING, store.TAKEN),
        poll_ms=POLL_MS, max_chars=MAX_CHARS,
        last=shown[-1]["id"] if shown else 0))
    if fresh:
        response.set_cookie(COOKIE, _serializer().dumps(token),
                            max_age=int(COOKIE_AGE.total_seconds()), httponly=True,
                            secure=request.is_secure, samesite="Lax", path="/chat")
    return response


@bp.post("/messages")
def post_message():
    """One message from the person: JSON {"text"} (the script) or a form (no script)."""
    token = _checked_token()
    if token is None:
        # Mostly a page left open longer than the cookie lives: reload, write again.
        return _refused("expired", 403, None)
    as_json = request.is_json
    text = ((request.get_json(silent=True) or {}).get("text", "") if as_json
            else request.form.get("text", ""))
    if not isinstance(text, str):
        abort(400)
    text = text.strip()
    if len(text) > MAX_CHARS:
        return _refused("too_long", 413, token)
    if not text:
        return (jsonify(messages=[], waiting=False) if as_json
                else redirect(url_for("chat.page")))
    now = clock.now()
    db = database.get_db()
    address = request.remote_addr or ""
    with database.transaction(db):
        too_many = (store.over_limit(db, keyed.digest("written-chat-limit", token),
                                     PER_BROWSER, WINDOW, now)
                    or store.over_limit(db, keyed.digest("written-chat-address", address),
                                        PER_ADDRESS, WINDOW, now))
        if not too_many:
            conversation = (store.current(db, "chat", token, now)
                            or store.open_conversation(db, "chat", token, now,
                                                       lang=_lang_asked()))
            before = max((m["id"] for m in store.messages(db, conversation.id)), default=0)
            answer = written.receive(db, written.Setup.of(_app(), request.host_url),
                                     conversation, text, now)
            shown = store.messages(db, conversation.id, after=before)
    if too_many:
        log.warning("Chat: a browser or address is over its limit")
        return _refused("too_many", 429, token)
    if not as_json:
        return redirect(url_for("chat.page") + "#latest", code=303)
    return jsonify(messages=[_public(m) for m in shown], waiting=answer.waiting_for_person,
                   ended=answer.ended, last=shown[-1]["id"] if shown else before)


@bp.get("/messages")
def new_messages():
    """What was written since message `after`: a person's answers, for the page's poll."""
    token = _token()
    if token is None:
        abort(403)
    after = request.args.get("after", "0")
    after = int(after) if after.isdigit() else 0
    db = database.get_db()
    conversation = store.current(db, "chat", token, clock.now())
    if conversation is None:
        return jsonify(messages=[], waiting=False, ended=True, last=after)
    shown = store.messages(db, conversation.id, after=after)
    return jsonify(messages=[_public(m) for m in shown if m["from"] != store.PERSON],
                   waiting=conversation.handover in (store.WAITING, store.TAKEN),
                   ended=False, last=shown[-1]["id"] if shown else after)


def _public(message: dict) -> dict:
    return {"id": message["id"], "from": message["from"], "text": message["text"]}
