"""Supervisors' JSON endpoints for the live catalogue: what it holds, accept, roll back.

    GET  /supervisor/catalogue.json            versions (newest first), phrases, intents, csrf
    POST /supervisor/catalogue/accept          {"phrase", "intent", "lang", "why", "confirm"}
    POST /supervisor/catalogue/rollback        {"version", "why"}

Supervisors only (agents 403, nobody logged in 401), every POST with the CSRF token in
the X-CSRFToken header, like the rest of the dashboard. Answers: 200 with the new version;
409 with the utterances that would be recognised differently (send again with
"confirm": true to apply); 422 with the reason a phrase or rollback is refused.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

import clock
import db as database
from routing.auth import csrf, supervisor_required
from speech.catalogue import load

from . import store
from .checks import Refused, offices_in

bp = Blueprint("teaching", __name__, url_prefix="/supervisor")


@bp.before_request
def _protect():
    if request.method == "POST":
        csrf.protect()


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@bp.get("/catalogue.json")
@supervisor_required
def catalogue_json():
    db = database.get_db()
    newest = store.version(db)
    return jsonify({
        "version": newest.number,
        "refresh_s": current_app.config["HOTLINE_CATALOGUE_REFRESH_S"],
        "versions": [v.summary() for v in store.history(db)],
        "phrases": list(newest.phrases),
        "intents": {lang: list(load(lang).intents) for lang in ("de", "en")},
        "csrf": generate_csrf(),
    })


@bp.post("/catalogue/accept")
@supervisor_required
def accept():
    data = _body()
    phrase, intent = str(data.get("phrase", "")), str(data.get("intent", ""))
    lang = str(data.get("lang", "de"))
    try:
        outcome = store.accept(database.get_db(), [(lang, intent, phrase)],
                               current_user.agent.login, str(data.get("why", "")),
                               clock.now(), confirm=data.get("confirm") is True,
                               offices=offices_in(current_app.config["HOTLINE_REFERRALS"]))
    except Refused as exc:
        return jsonify({"refused": str(exc)}), 422
    conflicts = [c.as_dict() for c in outcome.conflicts]
    if not outcome.applied and conflicts:
        return jsonify({"version": None, "conflicts": conflicts}), 409
    return jsonify({"version": outcome.version or store.latest_number(database.get_db()),
                    "conflicts": conflicts, "unchanged": outcome.unchanged})


@bp.post("/catalogue/rollback")
@supervisor_required
def rollback():
    data = _body()
    to = data.get("version")
    if not isinstance(to, int) or isinstance(to, bool):
        return jsonify({"refused": "version must be a number"}), 422
    try:
        number = store.rollback(database.get_db(), to, current_user.agent.login,
                                str(data.get("why", "")), clock.now())
    except Refused as exc:
        return jsonify({"refused": str(exc)}), 422
    return jsonify({"version": number})
