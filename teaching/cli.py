"""`flask --app app catalogue ...`: the live layer for supervisors without the dashboard.

    catalogue accept "wer zahlt die klassenfahrt" --intent report_change --who mueller --why ...
    catalogue history
    catalogue rollback 3 --who mueller --why "made things worse"
    catalogue export > live.toml      (the layer in the catalogue's TOML format)
    catalogue import live.toml --who mueller --why "from the test deployment"

Errors (a refusal, conflicts not confirmed) end the command with exit status 1 and the
reason; conflicts are listed one per line.
"""

from __future__ import annotations

import re
import sys
import tomllib

import click
from flask import current_app
from flask.cli import with_appcontext

import clock
import db as database
from speech.catalogue import LANGUAGES

from . import store
from .checks import Refused, offices_in


def _db():
    return database.connect(current_app.config["HOTLINE_DATABASE"])


def _report(outcome: store.Outcome) -> None:
    for phrase in outcome.unchanged:
        click.echo(f"already in the catalogue: {phrase!r}")
    if outcome.conflicts:
        click.echo("Recognised differently after this change:")
        for c in outcome.conflicts:
            click.echo(f"  {c.text!r}: {c.expected} -> {c.after} ({c.source})")
    if outcome.applied:
        click.echo(f"version {outcome.version}")
    elif outcome.conflicts:
        raise click.ClickException("not changed: confirm with --confirm, or leave it")
    else:
        click.echo("nothing changed")


@click.group("catalogue")
def catalogue_command():
    """The live catalogue layer: phrases supervisors accepted, versioned."""


@catalogue_command.command("accept")
@click.argument("phrase")
@click.option("--intent", required=True, help="The intent the phrase means.")
@click.option("--lang", default="de", type=click.Choice(LANGUAGES), show_default=True)
@click.option("--who", required=True, help="Who accepts it (a supervisor's login).")
@click.option("--why", default="", help="Why, for the history.")
@click.option("--confirm", is_flag=True, help="Apply even if other utterances change.")
@with_appcontext
def accept_command(phrase, intent, lang, who, why, confirm):
    """Add PHRASE to the live layer as a new version, after the checks."""
    db = _db()
    try:
        _report(store.accept(db, [(lang, intent, phrase)], who, why, clock.now(), confirm=confirm,
                             offices=offices_in(current_app.config["HOTLINE_REFERRALS"])))
    except Refused as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    finally:
        db.conn.close()


@catalogue_command.command("rollback")
@click.argument("version", type=int)
@click.option("--who", required=True, help="Who rolls back (a supervisor's login).")
@click.option("--why", default="", help="Why, for the history.")
@with_appcontext
def rollback_command(version, who, why):
    """Make the layer as it was in VERSION again (as a new version)."""
    db = _db()
    try:
        click.echo(f"version {store.rollback(db, version, who, why, clock.now())}")
    except Refused as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    finally:
        db.conn.close()


@catalogue_command.command("history")
@with_appcontext
def history_command():
    """Every version, newest first: number, when, who, what, why."""
    db = _db()
    try:
        for v in store.history(db):
            click.echo(f"{v.number}\t{v.at}\t{v.who}\t{v.change}\t{v.why}")
    finally:
        db.conn.close()


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def to_toml(version: store.Version, lang: str) -> str:
    """The layer's phrases of ``lang`` in the catalogue's TOML format."""
    lines = [f"# Live catalogue layer, version {version.number} ({lang}).",
             "# Phrases supervisors accepted; load with `flask --app app catalogue import`.", ""]
    by_intent: dict[str, list[str]] = {}
    for intent, phrase in version.for_lang(lang):
        by_intent.setdefault(intent, []).append(phrase)
    for intent in sorted(by_intent):
        # "referral:familienkasse" is no bare key in TOML: quoted, as TOML allows.
        lines.append(f"[intents.{intent if _BARE.fullmatch(intent) else _quoted(intent)}]")
        lines.append("phrases = [")
        lines.extend(f"  {_quoted(p)}," for p in by_intent[intent])
        lines.extend(["]", ""])
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@catalogue_command.command("export")
@click.option("--lang", default="de", type=click.Choice(LANGUAGES), show_default=True)
@click.option("--version", "number", type=int, default=None, help="Default: the newest.")
@with_appcontext
def export_command(lang, number):
    """Write the live layer as TOML in the catalogue's format to standard output."""
    db = _db()
    try:
        sys.stdout.write(to_toml(store.version(db, number), lang))
    except Refused as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.conn.close()


@catalogue_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", default="de", type=click.Choice(LANGUAGES), show_default=True)
@click.option("--who", required=True, help="Who imports it (a supervisor's login).")
@click.option("--why", default="imported", show_default=True, help="Why, for the history.")
@click.option("--confirm", is_flag=True, help="Apply even if other utterances change.")
@with_appcontext
def import_command(file, lang, who, why, confirm):
    """Add every phrase of FILE (an exported layer) as one new version, after the checks."""
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    phrases = [(lang, intent, phrase)
               for intent, spec in (data.get("intents") or {}).items()
               for phrase in spec.get("phrases", [])]
    db = _db()
    try:
        _report(store.accept(db, phrases, who, why, clock.now(), confirm=confirm,
                             offices=offices_in(current_app.config["HOTLINE_REFERRALS"])))
    except Refused as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    finally:
        db.conn.close()
