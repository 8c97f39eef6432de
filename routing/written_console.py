"""The agent's side of the written conversations (SMS, web chat): the ones waiting for a
person, taking one over, reading it, answering in writing, calling back, handing it back.

Server-rendered pages under /agent/written (no script needed), behind the console's
login and CSRF token. An answer to an SMS conversation goes out through the outbox; one
in the web chat is shown on the person's page at its next look (every few seconds).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import clock
import db as database
import outbox
from written import store

from . import callbacks
from .auth import AGENT_PAGE_CSP, guard_pages
from .store import get_agent
from .topics import intent_label, language_label, topic_for_intent

log = logging.getLogger(__name__)

bp = Blueprint("written", __name__, url_prefix="/agent/written", template_folder="templates")

MAX_ANSWER = 1000  # characters an agent writes at once (an SMS is split by Twilio)
CHANNELS = {"sms": "SMS", "chat": "Web-Chat"}


guard_pages(bp, AGENT_PAGE_CSP)


def _agent():
    return get_agent(database.get_db(), current_user.agent.id)


def _row(item: dict) -> dict:
    return {**item, "channel_label": CHANNELS.get(item["channel"], item["channel"]),
            "language": language_label(item["lang"].split("-")[0]),
            "intent": intent_label(item["intent"]) if item["intent"] else "–",
            "since_shown": _shown(item["since"]),
            # A crisis or words of worry the person wrote: why it is high in the list.
            "concern_label": callbacks.CONCERNS.get(item["concern"] or "", "")}


def _shown(stamp: str | None) -> str:
    """A stored UTC time as agents read it: Berlin's "14:05", or "28.11. 14:05" before today."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp).astimezone(clock.BERLIN)
    return moment.strftime("%H:%M" if moment.date() == clock.berlin().date()
                           else "%d.%m. %H:%M")


@bp.get("/")
@login_required
def waiting():
    """Written conversations waiting for a person, and those this agent has taken."""
    agent = _agent()
    rows = [_row(item) for item in store.waiting(database.get_db(), agent.id)]
    return render_template("routing/written_list.html", agent=agent, rows=rows)


def _conversation(id_: int, agent) -> store.Conversation:
    found = store.by_id(database.get_db(), id_)
    if found is None:
        abort(404)
    if found.agent_id != agent.id and not agent.supervisor:
        abort(403)  # taken by another, or not taken yet: take it first
    return found


@bp.post("/<int:id_>/take")
@login_required
def take(id_: int):
    agent = _agent()
    db = database.get_db()
    with database.transaction(db):
        taken = store.take(db, id_, agent.id, clock.now())
    if not taken:
        flash("Diese Unterhaltung hat schon jemand anderes übernommen.", "error")
        return redirect(url_for("written.waiting"))
    log.info("Agent %s took written conversation %s", agent.id, id_)
    return redirect(url_for("written.conversation", id_=id_))


@bp.get("/<int:id_>")
@login_required
def conversation(id_: int):
    agent = _agent()
    found = _conversation(id_, agent)
    db = database.get_db()
    row = db.execute("SELECT intent, verified, emergency FROM written_conversations"
                     " WHERE id = ?", [id_]).fetchone()
    return render_template(
        "routing/written_conversation.html", agent=agent, conversation=found,
        channel=CHANNELS.get(found.channel, found.channel),
        language=language_label((found.lang or "de").split("-")[0]),
        intent=intent_label(row[0]) if row[0] else "–", verified=bool(row[1]),
        emergency=bool(row[2]), messages=store.messages(db, id_), max_answer=MAX_ANSWER,
        mine=found.agent_id == agent.id and found.handover == store.TAKEN)


@bp.post("/<int:id_>/answer")
@login_required
def answer(id_: int):
    """The agent writes to the person: in the chat, or by SMS through the outbox."""
    agent = _agent()
    found = _conversation(id_, agent)
    text = " ".join(request.form.get("text", "").split())[:MAX_ANSWER]
    if not text or found.ended:
        flash("Nichts gesendet: die Nachricht ist leer oder die Unterhaltung ist beendet.",
              "error")
        return redirect(url_for("written.conversation", id_=id_))
    now = clock.now()
    db = database.get_db()
    with database.transaction(db):
        message_id = store.add_message(db, id_, store.AGENT, text, now, agent_id=agent.id)
        if found.channel == "sms" and found.phone:
            outbox.enqueue(db, to=found.phone, body=text, purpose="written_agent",
                           key=f"written:{message_id}", call_sid=found.sid, now=now)
    log.info("Agent %s answered written conversation %s", agent.id, id_)
    return redirect(url_for("written.conversation", id_=id_) + "#answer")


@bp.post("/<int:id_>/callback")
@login_required
def call_back(id_: int):
    """Rather a call: a callback request for the SMS sender's number (the callback list)."""
    agent = _agent()
    found = _conversation(id_, agent)
    if not found.phone:
        flash("Im Web-Chat ist keine Telefonnummer bekannt: bitte im Chat danach fragen.",
              "error")
        return redirect(url_for("written.conversation", id_=id_))
    db = database.get_db()
    state = found.state or {}
    with database.transaction(db):
        callbacks.request_callback(db, found.sid, phone=found.phone, confirmed_by="agent",
                                   topic=topic_for_intent(state.get("intent")),
                                   language=(found.lang or "de").split("-")[0],
                                   intent=state.get("intent"), now=clock.now())
    flash("Rückruf angelegt: er steht in der Rückrufliste.", "info")
    return redirect(url_for("written.conversation", id_=id_))


@bp.post("/<int:id_>/give-back")
@login_required
def give_back(id_: int):
    """Back to the hotline's assistant: the person's next message is answered by it."""
    agent = _agent()
    db = database.get_db()
    with database.transaction(db):
        store.give_back(db, id_, agent.id, clock.now())
    return redirect(url_for("written.waiting"))


@bp.post("/<int:id_>/end")
@login_required
def end(id_: int):
    """Done: the person's next message starts a new conversation."""
    agent = _agent()
    _conversation(id_, agent)
    db = database.get_db()
    with database.transaction(db):
        store.end(db, id_, clock.now())
    return redirect(url_for("written.waiting"))
