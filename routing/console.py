"""The agent console at /agent: login, own status, waiting calls and callbacks, the current call.

The page is one HTML shell; its script polls /agent/state.json every few seconds and
posts the agent's actions back (with the CSRF token). An agent sees only callers and
callbacks they are skilled for (topic, language, site), enforced here on the server;
supervisors see everything. URLs carry internal ids only, never numbers.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

import clock
import db as database
from gateway import get_gateway
from written import store as written_store

from . import autodial, interpreters
from . import callbacks as callback_store
from .auth import (
    AGENT_PAGE_CSP,
    DEVICE_COOKIE,
    DEVICE_DAYS,
    LoginLockedError,
    authenticate,
    end_session,
    guard_pages,
    new_device_cookie,
    start_session,
)
from .context import BERLIN, call_context, hotline_number, mask_phone, voicemail_message
from .decision import EMERGENCY, can_serve, queue_key
from .dispatch import CannotTakeError, connect_next_caller, take_call
from .outcomes import OUTCOMES, NoCurrentCallError, record_outcome
from .queue import last_entry, waiting_entries
from .settings import settings
from .store import (
    AVAILABLE,
    CALLBACK,
    OFFLINE,
    ON_CALL,
    RINGING,
    WRAP_UP,
    Agent,
    all_agents,
    atomic,
    end_long_wrap_ups,
    get_agent,
    parse_time,
    set_status,
)
from .topics import intent_label, language_label, site_label, topic_label

log = logging.getLogger(__name__)

bp = Blueprint("agent", __name__, url_prefix="/agent", template_folder="templates",
               static_folder="static", static_url_path="/static")

POLL_MS = 2500
STATUS_LABELS = {OFFLINE: "Abgemeldet", AVAILABLE: "Verfügbar", RINGING: "Klingelt",
                 ON_CALL: "Im Gespräch", WRAP_UP: "Nachbearbeitung", CALLBACK: "Rückruf"}


guard_pages(bp, AGENT_PAGE_CSP)


def _agent() -> Agent:
    """The logged-in agent, fresh from the database (status changes with every call)."""
    return get_agent(database.get_db(), current_user.agent.id)


def _safe_next(target: str | None) -> str:
    if target and target.startswith(("/agent", "/supervisor")) and not target.startswith("//"):
        return target
    return url_for("agent.console")


# ------------------------------------------------------------------------ login


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("agent.console"))
    status = 200
    if request.method == "POST":
        db = database.get_db()
        login_name = request.form.get("login", "")[:100]
        password = request.form.get("password", "")[:200]
        try:
            agent = authenticate(db, login_name, password, request.remote_addr or "",
                                 now=clock.now(), device=request.cookies.get(DEVICE_COOKIE))
        except LoginLockedError as locked:
            log.warning("Agent login refused: too many failed attempts")
            flash(f"Zu viele Fehlversuche. Bitte in {locked.retry_after_s} Sekunden "
                  "erneut versuchen.", "error")
            return (render_template("routing/login.html"), 429,
                    {"Retry-After": str(locked.retry_after_s)})
        if agent is None:
            log.info("Agent login failed")
            flash("Anmeldung fehlgeschlagen: Benutzername oder Passwort falsch.", "error")
            status = 401
        else:
            target = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session for the new login
            login_user(start_session(db, agent, now=clock.now()))
            log.info("Agent %s logged in", agent.id)
            response = redirect(target)
            # This browser may log in to this account even while others are slowed.
            response.set_cookie(DEVICE_COOKIE, new_device_cookie(agent),
                                max_age=DEVICE_DAYS * 86400, path="/agent/login",
                                secure=current_app.config["SESSION_COOKIE_SECURE"],
                                httponly=True, samesite="Strict")
            return response
    return render_template("routing/login.html"), status


@bp.post("/logout")
@login_required
def logout():
    agent = _agent()
    db = database.get_db()
    with atomic(db):
        if agent.status == AVAILABLE:
            set_status(db, agent.id, OFFLINE, now=clock.now(), reason="logged out")
    end_session(db, current_user.token)
    logout_user()
    session.clear()
    flash("Sie sind abgemeldet.", "info")
    return redirect(url_for("agent.login"))


# ------------------------------------------------------------------------ the page


@bp.get("/")
@login_required
def console():
    return render_template("routing/console.html", agent=_agent(), poll_ms=POLL_MS,
                           outcomes=OUTCOMES, attempt_results=callback_store.ATTEMPT_RESULTS)


def _since_s(stamp: str | None, moment: datetime) -> int:
    return max(0, int((moment - parse_time(stamp)).total_seconds())) if stamp else 0


def _visible_entries(agent: Agent):
    view = agent.view()
    entries = waiting_entries(database.get_db())
    if not agent.supervisor:
        entries = [e for e in entries if can_serve(view, e.caller())]
    return sorted(entries, key=lambda e: queue_key(e.caller()))


def _window(cb) -> str:
    if not cb.window_start and not cb.window_end:
        return "jederzeit"
    parts = [parse_time(t).astimezone(BERLIN) for t in (cb.window_start, cb.window_end) if t]
    return " – ".join(p.strftime("%d.%m. %H:%M") for p in parts)


def _state(agent: Agent) -> dict:
    db = database.get_db()
    moment = clock.now()
    waiting = [{
        "id": e.id, "topic": topic_label(e.topic), "language": language_label(e.language),
        "site": site_label(e.site), "emergency": e.priority == EMERGENCY,
        "intent": intent_label(e.intent), "waited_s": _since_s(e.enqueued_at, moment),
        "ringing": e.ringing_agent_id is not None,
    } for e in _visible_entries(agent)]
    callbacks = []
    for cb in callback_store.visible_callbacks(db, agent.id, everything=agent.supervisor):
        mine = cb.status == callback_store.IN_PROGRESS and cb.agent_id == agent.id
        callbacks.append({
            "id": cb.id, "topic": topic_label(cb.topic), "language": language_label(cb.language),
            "site": site_label(cb.site), "window": _window(cb), "attempts": cb.attempts,
            "mine": mine, "taken": cb.status == callback_store.IN_PROGRESS and not mine,
            # A crisis or worry heard in the caller's message: every agent sees the mark
            # (it is why the callback comes first); the words only the one calling back.
            "concern": callback_store.CONCERNS.get(cb.concern or "", ""),
            "urgent": cb.priority == EMERGENCY,  # a crisis, or a call heard as an emergency
            # The full number only to the agent who is calling back.
            "phone": cb.phone if mine else mask_phone(cb.phone),
            # What the caller left on the voicemail, or the hotline noted for the team
            # (an absence): the words only for that agent too.
            "message": _note(cb.note, mine) or _message(db, cb.call_sid, mine),
        })
    current = None
    if agent.current_call_sid and agent.status in (RINGING, ON_CALL, WRAP_UP):
        context = call_context(db, agent.current_call_sid, now=moment)
        entry = last_entry(db, agent.current_call_sid)
        current = {
            "topic": topic_label(entry.topic) if entry else "",
            "language": language_label(entry.language) if entry else "",
            "site": site_label(entry.site) if entry else "",
            "emergency": bool(entry and entry.priority == EMERGENCY),
            "intent": context.intent_label,
            "also_asked": context.also_asked,
            "verified": context.verified,
            "customer_number": context.customer_number_masked,
            "phone": context.phone_masked,
            "turns": [{"caller": t.caller, "intent": intent_label(t.intent) if t.intent else "",
                       "hotline": t.hotline} for t in context.turns],
            "bookings": context.bookings,
            "can_record": agent.status in (ON_CALL, WRAP_UP),
            "interpreter": _interpreter_state(db, agent, entry),
        }
    state = {
        "agent": {"name": agent.name, "status": agent.status,
                  "status_label": STATUS_LABELS.get(agent.status, agent.status),
                  "since_s": _since_s(agent.status_since, moment),
                  "sites": [site_label(s) for s in agent.sites],
                  "topics": [topic_label(t) for t in agent.topics],
                  "reachable": bool(agent.reach_kind and agent.reach_address)},
        "waiting": waiting,
        "callbacks": callbacks,
        "current": current,
        # Written conversations (SMS, web chat) waiting for a person: their own page.
        "written_waiting": sum(1 for item in written_store.waiting(db, agent.id)
                               if item["handover"] == written_store.WAITING),
        "csrf": generate_csrf(),
    }
    if agent.supervisor:
        state["team"] = [{"name": a.name, "status_label": STATUS_LABELS.get(a.status, a.status),
                          "since_s": _since_s(a.status_since, moment)}
                         for a in all_agents(db) if a.active and a.role == "agent"]
    return state


@bp.get("/state.json")
@login_required
def state():
    agent = _agent()
    if agent.status == WRAP_UP and end_long_wrap_ups(
            database.get_db(), now=clock.now(), limit_s=settings().wrap_up_limit_s):
        agent = _agent()
        if agent.status == AVAILABLE:  # wrap-up time is over: the next caller, if any
            _connect_next(agent.id)
    return jsonify(_state(agent))


def _reply(agent_id: int, message: str = "", status: int = 200):
    body = _state(get_agent(database.get_db(), agent_id))
    body["message"] = message
    return jsonify(body), status


def _connect_next(agent_id: int) -> None:
    """The agent is free again: whoever is first in line for them goes to them at once, a
    callback (dialled by the hotline) or a waiting caller."""
    chosen = settings()
    if chosen.place_callback is not None and autodial.next_for_agent(
            database.get_db(), agent_id, clock.now(), chosen.place_callback,
            chosen.callback_rules):
        return
    connect_next_caller(database.get_db(), agent_id, now=clock.now(),
                        connect_url=chosen.connect_url, gateway=get_gateway(),
                        ring_timeout_s=chosen.ring_timeout_s)


# ------------------------------------------------------------------------ actions


@bp.post("/status")
@login_required
def change_status():
    agent = _agent()
    wanted = request.form.get("status", "")
    if wanted not in (AVAILABLE, OFFLINE) or agent.status not in (AVAILABLE, OFFLINE, WRAP_UP,
                                                                 CALLBACK):
        return _reply(agent.id, "Dieser Status kann jetzt nicht gesetzt werden.", 409)
    db = database.get_db()
    if wanted != agent.status:
        with atomic(db):
            set_status(db, agent.id, wanted, now=clock.now(), reason="console")
    if wanted == AVAILABLE:
        _connect_next(agent.id)
    return _reply(agent.id)


@bp.post("/calls/<int:entry_id>/take")
@login_required
def take(entry_id: int):
    agent = _agent()
    # Only callers the agent could see: anything else is "not found", saying nothing.
    if not any(e.id == entry_id for e in _visible_entries(agent)):
        abort(404)
    chosen = settings()
    try:
        take_call(database.get_db(), agent.id, entry_id, now=clock.now(),
                  connect_url=chosen.connect_url, gateway=get_gateway(),
                  ring_timeout_s=chosen.ring_timeout_s)
    except CannotTakeError as error:
        return _reply(agent.id, str(error), 409)
    return _reply(agent.id, "Ihr Telefon klingelt.")


@bp.post("/outcome")
@login_required
def outcome():
    agent = _agent()
    chosen = request.form.get("outcome", "")
    if chosen not in OUTCOMES:
        return _reply(agent.id, "Bitte ein Ergebnis auswählen.", 400)
    try:
        record_outcome(database.get_db(), agent.id, chosen, request.form.get("note", ""),
                       now=clock.now())
    except NoCurrentCallError:
        return _reply(agent.id, "Es gibt kein Gespräch, zu dem ein Ergebnis fehlt.", 409)
    if _agent().status == AVAILABLE:
        _connect_next(agent.id)
    return _reply(agent.id, f"Gespeichert: {OUTCOMES[chosen]}.")


def _caller_language(entry) -> str | None:
    """The language the caller speaks: the one they need an interpreter for, or the
    queue's."""
    if entry is None:
        return None
    return entry.interpreter or entry.language


def _interpreter_state(db, agent: Agent, entry) -> dict:
    """Whether the agent can add an interpreter now, for which language, and how one
    already asked for stands."""
    session = interpreters.current(db, agent.current_call_sid)
    chosen = settings()
    language = session.language if session else _caller_language(entry)
    return {
        "language": language_label(language) if language else "",
        "status": session.status if session else None,
        "can_add": (session is None and agent.status == ON_CALL
                    and bool(chosen.interpreter_number) and language is not None
                    and interpreters.offered(list(chosen.interpreter_languages), language)),
        "can_remove": session is not None and session.agent_id == agent.id,
    }


@bp.post("/interpreter")
@login_required
def add_interpreter():
    """Bring a telephone interpreter into the agent's call (a conference of three)."""
    agent = _agent()
    db = database.get_db()
    chosen = settings()
    call_sid = agent.current_call_sid
    language = None
    if call_sid:
        language = request.form.get("language") or _caller_language(last_entry(db, call_sid))
    if (agent.status != ON_CALL or not language or chosen.phone_url is None
            or not interpreters.offered(list(chosen.interpreter_languages), language)):
        return _reply(agent.id, "Für dieses Gespräch kann kein Dolmetscher dazukommen.", 409)
    try:
        interpreters.add(db, agent, language, number=chosen.interpreter_number,
                         caller_id=hotline_number(db, call_sid), phone_url=chosen.phone_url,
                         gateway=get_gateway(), now=clock.now())
    except interpreters.InterpreterError as error:
        return _reply(agent.id, str(error), 409)
    return _reply(agent.id, f"Der Dolmetscher für {language_label(language)} wird angerufen.")


@bp.post("/interpreter/remove")
@login_required
def remove_interpreter():
    """Take the interpreter off the call again; caller and agent stay connected."""
    agent = _agent()
    try:
        interpreters.remove(database.get_db(), agent, gateway=get_gateway(), now=clock.now())
    except interpreters.InterpreterError as error:
        return _reply(agent.id, str(error), 409)
    return _reply(agent.id, "Der Dolmetscher ist nicht mehr im Gespräch.")


def _note(note: str | None, mine: bool) -> str:
    if not note:
        return ""
    return note if mine else "Nachricht für das Team"


def _message(db, call_sid: str | None, mine: bool) -> str:
    transcript = voicemail_message(db, call_sid)
    if transcript is None:
        return ""
    if not mine:
        return "Nachricht hinterlassen"
    return transcript or "(Nachricht ohne verständliche Worte)"


def _callback_for(agent: Agent, callback_id: int):
    db = database.get_db()
    try:
        callback = callback_store.get_callback(db, callback_id)
    except callback_store.CallbackNotFoundError:
        abort(404)
    if not callback_store.may_work(db, agent.id, callback, everything=agent.supervisor):
        abort(404)
    return callback


@bp.post("/callbacks/<int:callback_id>/start")
@login_required
def start_callback(callback_id: int):
    agent = _agent()
    _callback_for(agent, callback_id)
    try:
        callback_store.start_callback(database.get_db(), callback_id, agent.id, now=clock.now())
    except callback_store.CallbackStateError as error:
        return _reply(agent.id, str(error), 409)
    return _reply(agent.id, "Rückruf übernommen: bitte jetzt anrufen.")


@bp.post("/callbacks/<int:callback_id>/attempt")
@login_required
def callback_attempt(callback_id: int):
    agent = _agent()
    _callback_for(agent, callback_id)
    result = request.form.get("result", "")
    if result not in callback_store.ATTEMPT_RESULTS:
        return _reply(agent.id, "Bitte ein Ergebnis des Rückrufs auswählen.", 400)
    try:
        callback_store.record_attempt(database.get_db(), callback_id, agent.id, result,
                                      request.form.get("note", "")[:2000], now=clock.now())
    except callback_store.CallbackStateError as error:
        return _reply(agent.id, str(error), 409)
    if agent.status == CALLBACK and _agent().status == AVAILABLE:
        _connect_next(agent.id)  # free again: a caller waiting for them goes to them
    return _reply(agent.id, f"Rückruf: {callback_store.ATTEMPT_RESULTS[result]}.")
