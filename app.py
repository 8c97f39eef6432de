"""The hotline application: `create_app(config)` wires settings, database, webhooks and commands."""

import logging
import os

import click
from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
import db
from ivr import simulator, softphone
from ivr import store as ivr_store
from ivr import views as voice
from speech.cli import intent_command

# Every package's tables, in dependency order.
MIGRATIONS = [ivr_store.migrate]


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` (tests pass theirs)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    settings.finish(app.config)
    _configure_logging(app)

    if app.config["HOTLINE_PROXY_HOPS"]:
        hops = app.config["HOTLINE_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)

    db.init_app(app, MIGRATIONS)
    voice.init_app(app)
    if app.config["HOTLINE_ENV"] == "development":
        simulator.init_app(app)

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(softphone.call_command)
    app.cli.add_command(intent_command)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        """Last resort: a voice webhook still answers TwiML, anything else a plain 500."""
        from werkzeug.exceptions import HTTPException

        if isinstance(error, HTTPException):
            return error
        app.logger.exception("Unhandled error on %s", request.path)
        if request.path.startswith("/voice/"):
            return voice.emergency_twiml()
        return Response("Internal server error\n", status=500, mimetype="text/plain")

    return app


def _configure_logging(app: Flask) -> None:
    level = os.environ.get("HOTLINE_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.command("seed-demo")
def seed_demo_command():
    """Fill the configured database with the demo data (safe to run again)."""
    from flask import current_app

    # The schema is created by create_app; every later package adds its demo data here.
    seeders = []
    for seed in seeders:
        seed(current_app)
    click.echo(f"Demo database ready: {current_app.config['HOTLINE_DATABASE']}")
