"""The hotline application: `create_app(config)` wires settings, database, webhooks and commands."""

import os
import sys
import time
from datetime import timedelta
from functools import cached_property

import click
from flask import Flask, Response, current_app, has_app_context, request
from flask.cli import with_appcontext
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import clock
import config as settings
import db
import gateway
import migrate_to
import ops
import outbox
import redaction
import routing
import stats
from cases import install as cases_install
from cases import store as cases_store
from devtools import history, simulator, softphone
from ivr import after_call, callback_calls, chat, media, reminder_calls, sms_status, voicemail
from ivr import store as ivr_store
from ivr import views as voice
from ivr.parsing import HotlineRequest
from ivr.prompts_cli import prompts_command
from routing import auth as routing_auth
from routing import callbacks as routing_callbacks
from routing import demo as routing_demo
from routing import interpreters as routing_interpreters
from routing import store as routing_store
from schedules import slots as schedules_slots
from schedules import store as schedules_store
from speech.cli import intent_command
from stats import store as stats_store
from teaching import marks as teaching_marks
from teaching import store as teaching_store
from teaching import views as teaching_views
from teaching.cli import catalogue_command
from written import store as written_store

# Every package's schema steps (db.migrate), in dependency order.
# The statistics' rollup comes last: it puts triggers on the tables before it.
MIGRATIONS = {module.__name__: module.MIGRATIONS for module in (
    ivr_store, media, schedules_store, routing_store, routing_interpreters, cases_store,
    outbox, teaching_store, teaching_marks, written_store, redaction, stats_store)}


class ConsoleOnlySessions(SecureCookieSessionInterface):
    """Login cookies belong to the agent and supervisor pages. Twilio's webhooks and the
    probes carry none, and opening (and signing) an empty session on each of them was a
    measurable part of a webhook turn's cost."""

    def open_session(self, app, request):
        if request.path.startswith(SESSIONLESS_PATHS):
            return None  # Flask then uses its read-only null session
        return super().open_session(app, request)


class HotlineFlask(Flask):
    """Flask, remembering which of the app's functions are coroutines."""

    def ensure_sync(self, func):
        # Flask asks inspect.iscoroutinefunction of the view and of every hook on every
        # request (measured: 17,000 instructions, 0.6% of a webhook request), and the
        # answer never changes. The views and hooks are a few hundred; the bound keeps a
        # closure made per request (after_this_request; none is so far) from piling up.
        sync = self._sync_functions.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(self._sync_functions) < SYNC_FUNCTIONS_KEPT:
                self._sync_functions[func] = sync
        return sync

    @cached_property
    def _sync_functions(self) -> dict:
        return {}


SYNC_FUNCTIONS_KEPT = 1000
SCRUB_RETRIES = 5  # after a purge, tries to empty the WAL before asking for another purge
SCRUB_PAUSE_S = 0.5
SESSIONLESS_PATHS = ("/voice/", "/sms/", "/chat", "/healthz", "/readyz", "/metrics")
CONSOLE_EXTENSIONS = ("flask_login.", "flask_wtf.")  # their hooks: the console's requests only
HSTS = "max-age=31536000; includeSubDomains"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` (tests pass theirs)."""
    # A newcomer's first try (`flask --app app call`): this process is its own hotline,
    # or only the softphone for a server (`--url`), so it runs with development settings
    # unless told otherwise.
    trying_out = (config is None and "HOTLINE_ENV" not in os.environ
                  and _softphone(sys.argv))
    _configure_logging(development=trying_out or os.environ.get("HOTLINE_ENV") == "development")
    app = HotlineFlask(__name__, instance_relative_config=True)
    app.request_class = HotlineRequest
    app.session_interface = ConsoleOnlySessions()
    app.config.update(settings.from_environment(app.instance_path))
    if trying_out:
        app.config["HOTLINE_ENV"] = "development"
    app.config.update(config or {})
    settings.finish(app.config)

    if app.config["HOTLINE_PROXY_HOPS"]:
        hops = app.config["HOTLINE_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)

    clock.install(app)
    clock.follow(_current_app)
    db.init_app(app, MIGRATIONS)
    gateway.init_app(app)
    outbox.init_app(app)
    voice.init_app(app)
    app.register_blueprint(sms_status.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(reminder_calls.bp)
    media.init_app(app)
    voicemail.init_app(app)
    app.register_blueprint(after_call.bp)
    routing.init_app(app, connect_url=voice.connect_url, phone_url=voice.phone_url,
                     place_callback=callback_calls.place)
    callback_calls.init_app(app)
    stats.init_app(app)
    app.register_blueprint(teaching_views.bp)
    cases_install.init_app(app)
    ops.init_app(app)
    if app.config["HOTLINE_ENV"] == "development":
        simulator.init_app(app)

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(migrate_to.migrate_to_command)
    app.cli.add_command(history.seed_calls_command)
    app.cli.add_command(softphone.call_command)
    app.cli.add_command(intent_command)
    app.cli.add_command(prompts_command)
    app.cli.add_command(catalogue_command)

    @app.after_request
    def strict_transport_security(response):
        """Served over HTTPS (directly, or behind the proxies HOTLINE_PROXY_HOPS trusts):
        browsers are told to use nothing else here for a year."""
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        """Last resort: a voice webhook still answers TwiML, anything else a plain 500."""
        if isinstance(error, HTTPException):
            return error
        app.logger.exception("Unhandled error on %s", request.path)
        if request.path.startswith("/voice/"):
            return voice.emergency_twiml()
        return Response("Internal server error\n", status=500, mimetype="text/plain")

    _console_hooks_off_webhooks(app)

    if config is None and _flask_run(sys.argv):
        # The development server (`make run`) sends the outbox itself, in a thread; under
        # `make serve` gunicorn's master runs a sender process (gunicorn.conf.py).
        outbox.start_sender(app)
    return app


def _console_hooks_off_webhooks(app: Flask) -> None:
    """flask-login (its remember-me cookie) and flask-wtf (CSRF) hook into every request.
    On the sessionless paths (Twilio's webhooks, the probes) neither can do anything: the
    session there is Flask's empty null session, and the webhooks are checked by their
    signatures. So their hooks run for the other blueprints' requests only (measured:
    28,000 instructions, 0.9% of a webhook request). Call this once every blueprint is
    registered."""
    sessionless = set(app.blueprints)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(SESSIONLESS_PATHS):
            sessionless.discard(rule.endpoint.rpartition(".")[0])
    for hooks in (app.before_request_funcs, app.after_request_funcs):
        console = [hook for hook in hooks[None] if hook.__module__.startswith(CONSOLE_EXTENSIONS)]
        hooks[None] = [hook for hook in hooks[None] if hook not in console]
        for name in app.blueprints.keys() - sessionless:
            hooks[name] = console + hooks.get(name, [])


def _current_app() -> Flask | None:
    """The app of the current app context, for the clock (which knows nothing of Flask)."""
    return current_app._get_current_object() if has_app_context() else None


def _flask_run(argv: list[str]) -> bool:
    """True for `flask ... run`: this process serves the webhooks."""
    return bool(argv) and os.path.basename(argv[0]) == "flask" and "run" in argv


def _softphone(argv: list[str]) -> bool:
    """True for `flask ... call` and `flask ... seed-demo`: in process, the softphone calls
    this very app; with `--url` this process only signs and posts requests; the demo data
    is for trying the hotline out. None of them needs production secrets."""
    return bool(argv) and os.path.basename(argv[0]) == "flask" and (
        "call" in argv or "seed-demo" in argv)


def _configure_logging(development: bool) -> None:
    level = os.environ.get("HOTLINE_LOG_LEVEL", "INFO").upper()
    default = "text" if development else "json"
    ops.configure_logging(level, os.environ.get("HOTLINE_LOG_FORMAT", default))


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Fill the configured database with the demo data (safe to run again)."""
    database = db.connect(current_app.config["HOTLINE_DATABASE"])
    try:
        schedule = current_app.extensions["hotline.schedule"]
        bookings = schedules_slots.seed_demo(database, schedule)
        agents = routing_demo.seed_demo(database)
        with db.transaction(database):
            customers = cases_store.seed_demo(database, clock.now())
    finally:
        database.conn.close()
    click.echo(f"Demo database ready: {current_app.config['HOTLINE_DATABASE']} "
               f"({bookings} demo bookings, {agents} demo accounts, {customers} demo customers "
               f"added)")


@click.command("purge")
@click.option("--days", type=int, default=None,
              help="Keep this many days of everything, the audit log included (default: "
                   "HOTLINE_RETENTION_DAYS, and HOTLINE_AUDIT_RETENTION_DAYS for the audit log).")
@with_appcontext
def purge_command(days: int | None):
    """Remove or anonymise personal data older than the retention period (README: "Personal
    data"), here and at Twilio, and leave no copy of it in the database files."""
    config = current_app.config
    audit_days = config["HOTLINE_AUDIT_RETENTION_DAYS"] if days is None else days
    days = config["HOTLINE_RETENTION_DAYS"] if days is None else days
    if days < 0 or audit_days < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--days")
    now = clock.now()
    cutoff = now - timedelta(days=days)
    before = clock.utc_text(cutoff)
    database = db.connect(config["HOTLINE_DATABASE"])
    try:
        with db.transaction(database):
            redaction.collect(database, before, now)
            counts = ivr_store.purge_personal_data(database, before)
            counts["bookings"] = schedules_store.purge_personal_data(database, before)
            counts["callbacks"] = routing_callbacks.purge_personal_data(database, before)
            counts["sms"] = outbox.purge_personal_data(database, before)
            counts["written"] = written_store.purge_personal_data(database, before)
            counts.update(cases_store.purge_personal_data(
                database, audit_before=clock.utc_text(now - timedelta(days=audit_days)),
                now=now))
            routing_auth.purge_expired(database, now)
            teaching_marks.purge(database, before)  # they stood for the words purged
        at_twilio = redaction.run(database, gateway.get_gateway(), cutoff, now)
        scrubbed = db.scrub(database)
        for _ in range(SCRUB_RETRIES):
            if scrubbed:
                break
            # A reader (a worker's thread) held the WAL for a moment: try again shortly.
            time.sleep(SCRUB_PAUSE_S)
            scrubbed = db.scrub(database)
    finally:
        database.conn.close()
    click.echo(f"Purged personal data older than {days} days: {counts['calls']} calls, "
               f"{counts['turns']} turns, {counts['replies']} stored replies, "
               f"{counts['bookings']} past bookings, {counts['callbacks']} callbacks, "
               f"{counts['sms']} SMS, {counts['written']} written messages, "
               f"{counts['disclosures']} audit lines "
               f"(older than {audit_days} days). At Twilio: {at_twilio.done} SMS texts and "
               f"recordings removed, {at_twilio.left} left for the next purge.")
    if not scrubbed:
        click.echo("The database was busy and its files still hold older pages (SQLite's "
                   "WAL file, PostgreSQL's tables): run purge again.", err=True)
