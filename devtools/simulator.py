"""The softphone in a browser, at /simulator: for trying the hotline in development only."""

import re

from flask import Blueprint, current_app, jsonify, render_template, request

from ivr import moments

from .softphone import InProcess, Softphone, TransportError

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates")

SID = re.compile(r"^CA[0-9a-f]{32}$")
MAX_LINE = 500


def init_app(app) -> None:
    app.register_blueprint(bp)


def _phone() -> Softphone:
    app = current_app._get_current_object()
    transport = InProcess(app)
    public = app.config["HOTLINE_PUBLIC_URL"].rstrip("/")
    if public:
        transport.base_url = public
    return Softphone(transport, app.config["TWILIO_AUTH_TOKEN"])


@bp.get("/")
def page():
    return render_template("simulator.html")


@bp.post("/api/call")
def start_call():
    phone = _phone()
    body = request.get_json(silent=True) or {}
    number = str(body.get("from") or "").strip()
    if number:
        if not re.fullmatch(r"\+?[0-9]{3,20}", number):
            return jsonify(error="Die Rufnummer darf nur Ziffern und ein + enthalten."), 400
        phone.from_number = number
    at = str(body.get("at") or "").strip()
    if at:
        try:
            phone.moment = moments.parse(at)
        except moments.BadMomentError:
            return jsonify(error="Bitte geben Sie den Zeitpunkt so an: 2026-12-24 10:00."), 400
    said = phone.dial()
    return jsonify(said=said, progress=phone.progress())


@bp.post("/api/say")
def say():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("progress"), dict):
        return jsonify(error="Expected JSON with 'progress' and 'line'."), 400
    progress = body["progress"]
    if not SID.match(str(progress.get("call_sid", ""))):
        return jsonify(error="Unknown call."), 400
    line = str(body.get("line", ""))[:MAX_LINE]
    phone = _phone()
    phone.resume(progress)
    try:
        if body.get("hangup") or phone.finished:
            phone.hang_up()
            return jsonify(said=[], progress=phone.progress(),
                           outcome=phone.summary()["outcome"])
        said = phone.say(line)
    except TransportError as error:
        return jsonify(error=str(error)), 409
    return jsonify(said=said, progress=phone.progress())
