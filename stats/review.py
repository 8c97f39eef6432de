"""The review inbox at /supervisor/inbox: supervisors teach the hotline in the browser.

Server-rendered pages with plain forms (no script needed), supervisors only, every POST
CSRF-protected like the rest of the dashboard:

    GET  /supervisor/inbox?kind=not_understood|unsure|denied&days=30
    POST /supervisor/inbox/decide        assign | noise | new_topic, for a group or one
                                         utterance (its turns), with the phrase as edited
    POST /supervisor/inbox/rollback      make the catalogue as it was in a version
    POST /supervisor/inbox/topics/<id>/remove
    GET  /supervisor/inbox/export.toml   the live layer in the catalogue's format

Before a phrase is assigned, the change is tried out (`teaching.store.accept`, dry run):
if utterances recognised correctly now would be recognised differently, the supervisor
sees which and confirms or cancels. Two supervisors at once: each form carries the
catalogue version and the newest decision the page was made from; a decision about the
same words made since, or a change of the same phrase, is shown to the second one, who
again confirms or cancels. Emergency phrases are never taken away (teaching.store).
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

import clock
import db as database
from conversation.referrals import INTENT_PREFIX as REFERRAL
from conversation.referrals import load as load_referrals
from routing.auth import guard_pages, supervisor_required
from routing.topics import LANGUAGE_LABELS, intent_label, language_label
from speech import recognise
from speech.catalogue import load as load_catalogue
from teaching import marks, store
from teaching.checks import EMERGENCY, Refused, offices_in
from teaching.cli import to_toml

from . import inbox
from .figures import BERLIN

bp = Blueprint("inbox", __name__, url_prefix="/supervisor/inbox", template_folder="templates")

KIND_LABELS = {
    "not_understood": "Nicht verstanden",
    "unsure": "Unsicher verstanden",
    "denied": "„Nein“ auf die Rückfrage",
}
ACTIONS = {"assign": "zugeordnet", "noise": "als kein Anliegen markiert",
           "new_topic": "als neues Thema vorgemerkt"}
MAX_DAYS = 90
SHOWN_GROUPS = 50


guard_pages(bp, "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self';"
                " frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def _seconds() -> str:
    """Within how many seconds every worker uses a new version, as a German number."""
    return f"{current_app.config['HOTLINE_CATALOGUE_REFRESH_S']:g}".replace(".", ",")


def _who() -> str:
    return current_user.agent.login


def _berlin(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if at else ""


def _referrals():
    return load_referrals(current_app.config["HOTLINE_REFERRALS"] or None)


def _offices() -> frozenset[str]:
    return offices_in(current_app.config["HOTLINE_REFERRALS"])


def choices(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a phrase can be assigned to, in groups for the select: (group label, options)."""
    intents = [i for i in load_catalogue(lang).intents if i != "out_of_scope"]
    labels = [(i, intent_label(i)) for i in intents]
    labels = [(i, "Notlage (Notfall, Selbstgefährdung, Gewalt)" if i == EMERGENCY else label)
              for i, label in labels]
    offices = [(f"{REFERRAL}{o.key}", f"Verweis: {o.short}") for o in _referrals().offices]
    return [("Anliegen", sorted(labels, key=lambda x: x[1])), ("Andere Stelle", offices)]


def label_of(target: str) -> str:
    """How an intent or an office is named on the page."""
    if target.startswith(REFERRAL):
        office = _referrals().get(target[len(REFERRAL):])
        return f"Verweis: {office.short}" if office else target
    return intent_label(target)


def _live(lang: str):
    """The catalogue this process recognises ``lang`` with (the live layer included)."""
    live = current_app.extensions.get("hotline.catalogue")
    return live.current(lang)[1] if live is not None else load_catalogue(lang)


def _now_recognised(text: str, lang: str) -> dict:
    result = recognise(text, lang, catalogue=_live(lang))
    return {"intent": result.intent, "label": label_of(result.intent),
            "score": f"{result.score:.2f}".replace(".", ","), "confident": result.confident}


def _days() -> int:
    try:
        days = int(request.values.get("days", 30))
    except ValueError:
        abort(400)
    return max(1, min(MAX_DAYS, days))


def _kind() -> str:
    kind = request.values.get("kind", "not_understood")
    if kind not in inbox.KINDS:
        abort(400)
    return kind


@bp.get("/")
@supervisor_required
def show():
    db, now = database.get_db(), clock.now()
    kind, days = _kind(), _days()
    counts = {k: 0 for k in inbox.KINDS}
    shown = []
    for each in inbox.KINDS:
        found = inbox.groups(db, each, now, days)
        counts[each] = len(found)
        if each == kind:
            shown = [inbox.with_examples(db, g) for g in found[:SHOWN_GROUPS]]
    newest = store.version(db)
    return render_template(
        "stats/inbox.html", agent=current_user.agent, kind=kind, days=days, counts=counts,
        kinds=KIND_LABELS, groups=[_group_view(g) for g in shown], base=newest.number,
        seen=marks.newest_id(db), versions=[_version_view(v) for v in store.history(db)],
        topics=[{**t, "when": _berlin(t["at"]), "language": language_label(t["lang"])}
                for t in marks.topics(db)],
        refresh_s=_seconds(), languages=LANGUAGE_LABELS)


def _group_view(group: inbox.Group) -> dict:
    example = group.example
    return {
        "example": example, "count": group.count, "turns": group.turns, "variants": group.variants,
        "languages": ", ".join(f"{language_label(lang)} ({n})"
                               for lang, n in group.languages.most_common()),
        "guessed": ", ".join(f"{label_of(i)} ({n})" for i, n in group.guessed.most_common(3)),
        "now": _now_recognised(example.text, example.lang),
        "last": _berlin(group.last), "examples": group.examples,
        "choices": choices(example.lang),
    }


def _version_view(version: store.Version) -> dict:
    return {**version.summary(), "when": _berlin(version.at)}


# ------------------------------------------------------------------------ deciding


def _form() -> dict:
    """The decision as posted; 400 if malformed."""
    form = request.form
    try:
        turns = [int(t) for t in form.getlist("turn")]
        base, seen = int(form.get("base", "")), int(form.get("seen", ""))
    except ValueError:
        abort(400)
    action = form.get("action", "")
    lang = form.get("lang", "de")
    if action not in ACTIONS or not turns or lang not in LANGUAGE_LABELS or min(base, seen) < 0:
        abort(400)
    return {"turns": turns, "base": base, "seen": seen, "action": action, "lang": lang,
            "phrase": " ".join(form.get("phrase", "").split()),
            "intent": form.get("intent", ""), "why": form.get("why", "").strip(),
            "kind": form.get("kind", "not_understood"), "days": form.get("days", "30"),
            "confirm": form.get("confirm") == "1", "calls": len(turns)}


def _overlap(db, decision: dict, keys: list[str]) -> list[str]:
    """What another supervisor (or another tab) decided about the same words, or the same
    phrase, since the page was made: one sentence each."""
    found = []
    for mark in marks.since(db, decision["seen"], keys):
        what = f" ({label_of(mark.what)}, Version {mark.version})" if mark.what else ""
        found.append(f"{mark.who} hat diese Äußerung um {_berlin(mark.at)} "
                     f"{ACTIONS.get(_action_of(mark.kind), mark.kind)}{what}.")
    if decision["action"] == "assign" and decision["phrase"]:
        then = store.version(db, decision["base"]) if decision["base"] <= store.latest_number(db) \
            else store.EMPTY
        now = store.version(db)
        before = {store.phrase_key(p["lang"], p["phrase"]): p for p in then.phrases}
        wanted = store.phrase_key(decision["lang"], decision["phrase"])
        for p in now.phrases:
            key = store.phrase_key(p["lang"], p["phrase"])
            if key == wanted and before.get(key, {}).get("intent") != p["intent"]:
                found.append(f"{p['who']} hat „{p['phrase']}“ um {_berlin(p['at'])} "
                             f"{label_of(p['intent'])} zugeordnet (Version {now.number}).")
    return found


def _action_of(kind: str) -> str:
    return {"assigned": "assign", "noise": "noise", "new_topic": "new_topic"}.get(kind, kind)


@bp.post("/decide")
@supervisor_required
def decide():
    db, now = database.get_db(), clock.now()
    decision = _form()
    said = inbox.turns_said(db, decision["turns"])
    if not said:
        flash("Diese Äußerungen sind nicht mehr gespeichert (Aufbewahrungsfrist).", "error")
        return _back(decision)
    keys = [marks.key(lang, normal) for lang, normal in said]
    at = clock.utc_text(now)
    preview = None
    try:
        if decision["action"] == "assign":
            preview = store.accept(db, [(decision["lang"], decision["intent"],
                                         decision["phrase"])], _who(), decision["why"], now,
                                   offices=_offices(), dry_run=True)
        elif decision["action"] == "new_topic":
            marks.check_topic(decision["phrase"], decision["lang"])
    except Refused as exc:
        return _page(decision, refused=_refusal(str(exc)), status=422)
    overlap = _overlap(db, decision, keys)
    conflicts = preview.conflicts if preview else []
    if (overlap or conflicts) and not decision["confirm"]:
        return _page(decision, overlap=overlap, conflicts=conflicts, status=409)

    version = None
    if decision["action"] == "assign":
        try:
            outcome = store.accept(db, [(decision["lang"], decision["intent"],
                                         decision["phrase"])], _who(), decision["why"], now,
                                   confirm=decision["confirm"], offices=_offices())
        except Refused as exc:
            return _page(decision, refused=_refusal(str(exc)), status=422)
        if not outcome.applied and outcome.conflicts:  # changed meanwhile: show again
            return _page(decision, conflicts=outcome.conflicts, status=409)
        version = outcome.version or store.latest_number(db)
        marks.mark(db, keys, marks.ASSIGNED, _who(), at, version, decision["intent"])
        flash(f"Version {version}: „{decision['phrase']}“ → {label_of(decision['intent'])}. "
              f"Alle Leitungen verstehen es in spätestens {_seconds()} Sekunden.", "info")
    elif decision["action"] == "noise":
        marks.mark(db, keys, marks.NOISE, _who(), at)
        flash(f"{decision['calls']} Äußerung(en) als kein Anliegen markiert.", "info")
    else:
        phrase = marks.add_topic(db, decision["lang"], decision["phrase"], decision["calls"],
                                 _who(), decision["why"], at)
        marks.mark(db, keys, marks.NEW_TOPIC, _who(), at)
        flash(f"„{phrase}“ steht auf der Liste der neuen Themen.", "info")
    return _back(decision)


# The store's reasons are English (the CLI's too); the page says them in German.
REFUSALS = (
    ("contains digits", "Die Formulierung enthält Ziffern."),
    ("e-mail address", "Die Formulierung enthält eine E-Mail-Adresse."),
    ("spoken number", "Die Formulierung enthält eine gesprochene Zahl oder ein Datum "
                      "(vielleicht eine Telefon- oder Kundennummer)."),
    ("personal name", "Die Formulierung enthält einen Namen"),
    ("recognises this phrase as an emergency", "Die Hotline erkennt diese Formulierung als "
                                               "Notlage; Notlagen werden nie einem anderen "
                                               "Anliegen zugeordnet."),
    ("is an emergency phrase", "Das ist eine Formulierung für Notlagen; sie wird nie einem "
                               "anderen Anliegen zugeordnet."),
    ("would remove the emergency phrase", "Damit würde eine Formulierung für Notlagen "
                                          "entfernt; das geht nicht."),
    ("the phrase is empty", "Die Formulierung ist leer."),
    ("longer than", "Die Formulierung ist zu lang."),
    ("unknown intent", "Bitte ein Anliegen wählen."),
    ("no office", "Diese Stelle steht nicht in der Verweistabelle."),
    ("kept changing", "Der Katalog wurde gerade mehrfach geändert; bitte noch einmal."),
)


def _refusal(reason: str) -> str:
    for cue, german in REFUSALS:
        if cue in reason:
            if cue == "personal name" and "(" in reason:
                name = reason.split("(", 1)[1].rsplit(")", 1)[0].strip("'\"")
                return f"{german} ({name}). Namen werden nicht gespeichert: bitte den " \
                       "Namen weglassen."
            return german
    return reason


def _page(decision: dict, refused: str = "", overlap=(), conflicts=(), status: int = 200):
    db = database.get_db()
    conflicts = [{**c.as_dict(), "expected_label": label_of(c.expected),
                  "after_label": label_of(c.after),
                  "source_label": "Testsatz" if c.source == "evaluation" else "früher übernommen"}
                 for c in conflicts]
    return render_template(
        "stats/inbox_decide.html", agent=current_user.agent, decision=decision,
        refused=refused, overlap=list(overlap), conflicts=conflicts,
        base=store.latest_number(db), seen=marks.newest_id(db),
        choices=choices(decision["lang"]), action_label=ACTIONS[decision["action"]],
        target=label_of(decision["intent"]) if decision["intent"] else ""), status


def _back(decision: dict):
    return redirect(url_for("inbox.show", kind=decision["kind"]
                            if decision["kind"] in inbox.KINDS else None,
                            days=decision["days"]))


# ------------------------------------------------------------------------ versions, topics


@bp.post("/rollback")
@supervisor_required
def rollback():
    try:
        to = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    try:
        number = store.rollback(database.get_db(), to, _who(),
                                request.form.get("why", ""), clock.now())
    except Refused as exc:
        flash(f"Nicht zurückgesetzt: {_refusal(str(exc))}", "error")
    else:
        flash(f"Version {number}: der Katalog ist wieder wie in Version {to}. Alle Leitungen "
              f"nutzen ihn in spätestens {_seconds()} Sekunden.", "info")
    return redirect(url_for("inbox.show"))


@bp.post("/topics/<int:topic_id>/remove")
@supervisor_required
def remove_topic(topic_id: int):
    if marks.remove_topic(database.get_db(), topic_id):
        flash("Das Thema ist von der Liste genommen.", "info")
    return redirect(url_for("inbox.show"))


@bp.get("/export.toml")
@supervisor_required
def export():
    lang = request.args.get("lang", "de")
    if lang not in LANGUAGE_LABELS:
        abort(400)
    text = to_toml(store.version(database.get_db()), lang)
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'inline; filename="catalogue-live-{lang}.toml"'})


def register(app) -> None:
    """The inbox's blueprint (stats.init_app calls this)."""
    if "inbox" not in app.blueprints:
        app.register_blueprint(bp)
