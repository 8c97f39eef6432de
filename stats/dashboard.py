"""The supervisor dashboard at /supervisor: charts, tables, CSV, its JSON API, `flask stats`.

The page is one HTML shell; its script reads /supervisor/figures.json (the period's
figures), /supervisor/live.json (polled) and /supervisor/utterances.json, and draws the
charts with plotly.js, served by the app from the installed `plotly` package (no CDN).
Only supervisors get in: agents get 403, nobody logged in goes to the console's login.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from importlib.util import find_spec
from pathlib import Path

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
)
from flask.cli import with_appcontext
from flask_login import current_user

import clock
import db as database
import outbox
from routing.auth import secure_page_headers, supervisor_required
from routing.console import STATUS_LABELS
from routing.store import WRAP_UP_LIMIT_S
from routing.topics import LANGUAGE_LABELS, SITE_LABELS
from teaching import store as teaching_store

from . import figures, staffing
from .figures import BadPeriodError, Period

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor", template_folder="templates",
               static_folder="static", static_url_path="/static")

LIVE_POLL_MS = 5000
MAX_THRESHOLD_S = 600


def _plotly_js() -> Path:
    # Found, not imported: importing plotly costs some 70 ms that nothing here needs.
    return Path(find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"


@bp.after_request
def _headers(response):
    # plotly.js sets style attributes and adds a <style> element: styles must be allowed
    # inline; scripts come only from this app.
    return secure_page_headers(response, (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"))


def _today():
    return clock.now().astimezone(figures.BERLIN).date()


def _query() -> dict:
    """Period, site, language and threshold from the query string (400 if malformed)."""
    args = request.args
    try:
        if args.get("from"):
            period = Period.parse(args["from"], args.get("to") or None, _today())
        else:
            period = Period.named(args.get("period", "today"), _today())
        threshold = int(args.get("threshold", figures.DEFAULT_THRESHOLD_S))
    except (BadPeriodError, ValueError) as error:
        abort(Response(f"{error}\n", status=400, mimetype="text/plain"))
    if not 0 <= threshold <= MAX_THRESHOLD_S:
        abort(Response("threshold out of range\n", status=400, mimetype="text/plain"))
    if (period.last - period.first).days > 366 * 3:
        abort(Response("period too long\n", status=400, mimetype="text/plain"))
    site = args.get("site") or None
    lang = args.get("lang") or None
    if site not in (None, "-", *SITE_LABELS) or lang not in (None, *LANGUAGE_LABELS):
        abort(Response("unknown site or language\n", status=400, mimetype="text/plain"))
    # "-": calls that had no site (answered by the machine before any site mattered).
    return {"period": period, "site": "" if site == "-" else site, "lang": lang,
            "threshold_s": threshold}


def _wrap_up_limit_s() -> int:
    return int(current_app.config.get("HOTLINE_WRAP_UP_LIMIT", WRAP_UP_LIMIT_S))


def _short_abandon_s() -> int:
    return int(current_app.config.get("HOTLINE_SHORT_ABANDON", figures.DEFAULT_SHORT_ABANDON_S))


def _target() -> staffing.Target:
    """The staffing target from the query string: percent, seconds, weeks (400 if wrong)."""
    args = request.args
    try:
        level = float(args.get("sl_level", staffing.DEFAULT_LEVEL * 100)) / 100
        seconds = int(args.get("sl_seconds", staffing.DEFAULT_SECONDS))
        weeks = int(args.get("weeks", staffing.DEFAULT_WEEKS))
    except ValueError as error:
        abort(Response(f"{error}\n", status=400, mimetype="text/plain"))
    if not (0 < level < 1 and 0 <= seconds <= MAX_THRESHOLD_S
            and staffing.MIN_WEEKS <= weeks <= staffing.MAX_WEEKS):
        abort(Response("staffing target out of range\n", status=400, mimetype="text/plain"))
    return staffing.Target(level=level, seconds=seconds, weeks=weeks)


def _figures(query: dict) -> dict:
    db, now = database.get_db(), clock.now()
    data = figures.figures(db, query["period"], site=query["site"],
                           lang=query["lang"], threshold_s=query["threshold_s"],
                           short_abandon_s=_short_abandon_s(),
                           wrap_up_limit_s=_wrap_up_limit_s(), now=now)
    data["staffing"] = staffing.staffing(db, today=now.astimezone(figures.BERLIN).date(),
                                         target=_target(), now=now,
                                         wrap_up_limit_s=_wrap_up_limit_s())
    data["catalogue_versions"] = catalogue_versions(db, query["period"])
    data["channels"] = figures.channel_figures(db, query["period"], data["summary"])
    return data


def catalogue_versions(db, period: Period) -> list[dict]:
    """The live catalogue's versions made in the period, oldest first, at Berlin time: the
    marks on the time axis of recognition and containment (did a change help?)."""
    first, after = (clock.utc_text(moment) for moment in period.utc_bounds())
    return [{"version": v.number, "at": datetime.fromisoformat(v.at).astimezone(figures.BERLIN)
             .strftime("%Y-%m-%dT%H:%M"), "who": v.who, "why": v.why, "change": v.change}
            for v in reversed(teaching_store.history(db)) if first <= v.at < after]


@bp.get("/")
@supervisor_required
def dashboard():
    return render_template("stats/supervisor.html", agent=current_user.agent,
                           sites=SITE_LABELS, languages=LANGUAGE_LABELS, poll_ms=LIVE_POLL_MS,
                           threshold_s=figures.DEFAULT_THRESHOLD_S, tables=figures.TABLES,
                           status_labels=STATUS_LABELS, failed_sms=failed_sms(),
                           sl_level=round(staffing.DEFAULT_LEVEL * 100),
                           sl_seconds=staffing.DEFAULT_SECONDS, weeks=staffing.DEFAULT_WEEKS,
                           min_weeks=staffing.MIN_WEEKS, max_weeks=staffing.MAX_WEEKS,
                           failed_sms_days=FAILED_SMS_DAYS)


FAILED_SMS_DAYS = 7
SMS_PURPOSES = {"booking_confirmation": "Terminbestätigung", "documents": "Fehlende Unterlagen"}
SMS_STATES = {"failed": "nicht gesendet", "undelivered": "nicht zugestellt"}


def failed_sms() -> list[dict]:
    """SMS of the last days that did not reach the caller, with Twilio's reason."""
    since = clock.now() - timedelta(days=FAILED_SMS_DAYS)
    return [{**message,
             "when": datetime.fromisoformat(message["created_at"]).astimezone(figures.BERLIN)
             .strftime("%d.%m.%Y %H:%M"),
             "purpose": SMS_PURPOSES.get(message["purpose"], message["purpose"]),
             "state": SMS_STATES.get(message["state"], message["state"])}
            for message in outbox.failed_messages(database.get_db(), since)]


@bp.get("/figures.json")
@supervisor_required
def figures_json():
    return jsonify(_figures(_query()))


@bp.get("/live.json")
@supervisor_required
def live_json():
    return jsonify(figures.live(database.get_db(), now=clock.now()))


@bp.get("/utterances.json")
@supervisor_required
def utterances_json():
    query = _query()
    return jsonify(figures.not_understood(database.get_db(), query["period"],
                                          site=query["site"], lang=query["lang"]))


@bp.get("/export/<name>.csv")
@supervisor_required
def export(name: str):
    if name not in figures.TABLES:
        abort(404)
    query = _query()
    utterances = None
    if name == "utterances":
        utterances = figures.not_understood(database.get_db(), query["period"],
                                            site=query["site"], lang=query["lang"])
        data = {}
    else:
        data = _figures(query)
    header, rows = figures.table(name, data, utterances)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    period = query["period"]
    filename = f"hotline-{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# A cell a spreadsheet would run as a formula (or as DDE: `+cmd|' /C calc'!A0`). Callers'
# words reach the CSV, so such a cell gets a leading apostrophe, as OWASP advises.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """The cell as written to CSV: text that starts like a formula is marked as text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


@bp.get("/plotly.js")
@supervisor_required
def plotly_js():
    """The charting library, from the installed package (the same version pip installed)."""
    response = send_file(_plotly_js(), mimetype="text/javascript", max_age=86400,
                         conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# ------------------------------------------------------------------------ the terminal


@click.command("stats")
@click.option("--since", required=True, help="First day, YYYY-MM-DD (Europe/Berlin).")
@click.option("--until", default=None, help="Last day, YYYY-MM-DD (default: today).")
@click.option("--site", type=click.Choice(sorted(SITE_LABELS)), default=None)
@click.option("--lang", type=click.Choice(sorted(LANGUAGE_LABELS)), default=None)
@click.option("--threshold", type=click.IntRange(0, MAX_THRESHOLD_S),
              default=figures.DEFAULT_THRESHOLD_S, show_default=True,
              help="Service level: seconds within which a caller counts as answered.")
@click.option("--sl-level", type=click.IntRange(1, 99), default=80, show_default=True,
              help="Staffing: the service level to plan for, in percent ...")
@click.option("--sl-seconds", type=click.IntRange(0, MAX_THRESHOLD_S), default=20,
              show_default=True, help="... of callers answered within these seconds.")
@click.option("--weeks", type=click.IntRange(staffing.MIN_WEEKS, staffing.MAX_WEEKS),
              default=staffing.DEFAULT_WEEKS, show_default=True,
              help="Staffing: the weeks of history the forecast is made from.")
@click.option("--json", "as_json", is_flag=True, help="Every figure as JSON (as /supervisor).")
@with_appcontext
def stats_command(since, until, site, lang, threshold, sl_level, sl_seconds, weeks, as_json):
    """The supervisor's figures for a period, as a summary or as JSON."""
    db = database.connect(current_app.config["HOTLINE_DATABASE"])
    try:
        moment = clock.now()
        try:
            period = Period.parse(since, until, moment.astimezone(figures.BERLIN).date())
        except BadPeriodError as error:
            raise click.BadParameter(str(error), param_hint="--since/--until") from None
        data = figures.figures(db, period, site=site, lang=lang, threshold_s=threshold,
                               short_abandon_s=_short_abandon_s(),
                               wrap_up_limit_s=_wrap_up_limit_s(), now=moment)
        data["staffing"] = staffing.staffing(
            db, today=moment.astimezone(figures.BERLIN).date(), now=moment,
            target=staffing.Target(level=sl_level / 100, seconds=sl_seconds, weeks=weeks),
            wrap_up_limit_s=_wrap_up_limit_s())
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    click.echo(f"Period {data['period']['first']} .. {data['period']['last']}"
               f"{f', site {site}' if site else ''}{f', language {lang}' if lang else ''}")
    for key, value in data["summary"].items():
        click.echo(f"  {key:<30} {_plain(value)}")


def _plain(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def register(app) -> None:
    """The blueprint and the `stats` command (stats.init_app calls this)."""
    if "supervisor" not in app.blueprints:
        app.register_blueprint(bp)
        app.cli.add_command(stats_command)

