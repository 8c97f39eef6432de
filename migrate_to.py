"""`flask --app app migrate-to postgresql://…`: this deployment's SQLite database copied
into PostgreSQL and checked, table by table (README: "Moving from SQLite to
PostgreSQL"). The copying and checking are in sqlite_to_postgres.py; this is its shell.
"""

import sqlite3
import sys
import time
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

import db


@click.command("migrate-to")
@click.argument("url")
@click.option("--replace", is_flag=True,
              help="If the PostgreSQL database already holds data, delete it first "
                   "(asks before, unless --yes).")
@click.option("--yes", is_flag=True, help="With --replace: do not ask.")
@click.option("--verify-only", is_flag=True,
              help="Copy nothing: compare both databases' rows and checksums, table by table.")
@with_appcontext
def migrate_to_command(url: str, replace: bool, yes: bool, verify_only: bool):
    """Copy this deployment's SQLite database (HOTLINE_DATABASE) into the PostgreSQL
    database at URL, all of it or nothing, and check the copy by row counts and
    checksums. Stop the hotline first."""
    source_path = current_app.config["HOTLINE_DATABASE"]
    if db.is_postgres(source_path):
        raise click.UsageError("HOTLINE_DATABASE is PostgreSQL already: migrate-to copies "
                               "from the SQLite database that HOTLINE_DATABASE names.")
    if not db.is_postgres(url):
        raise click.BadParameter("not a postgresql://… URL", param_hint="URL")
    # psycopg is loaded for this command only, as db.connect loads it for PostgreSQL.
    import db_postgres
    import sqlite_to_postgres as move

    where = _where(url)
    migrations = current_app.extensions["hotline.migrations"]
    started = time.monotonic()
    source = db.connect(source_path)
    try:
        target = db.connect(url)
    except sqlite3.OperationalError:
        source.conn.close()
        db_postgres.close_pools(url)
        raise click.ClickException(f"PostgreSQL at {where} did not answer (is the URL right, "
                                   "the server up, the role allowed in?)") from None
    click.echo(f"From {source_path} (SQLite) to {where} (PostgreSQL)")
    try:
        if verify_only:
            checks = move.verify_databases(source, target, migrations)
        else:
            full = move.tables_with_rows(target)
            if full and replace and not yes:
                click.confirm(f"{where} holds data ({len(full)} tables with rows). Delete all "
                              "of it and copy?", abort=True)
            copied = move.copy_database(source, target, migrations, replace=replace)
            if copied.migrated_source:
                click.echo("The SQLite database was first brought to this release's schema: "
                           + ", ".join(f"{package} to {version}" for package, version
                                       in copied.migrated_source.items()))
            checks = copied.checks
    except move.MismatchError as error:
        _print(error.checks)
        _differ(error.checks, f": the copy was rolled back, {where} is as it was")
    except move.TargetNotEmptyError as error:
        raise click.ClickException(f"{where}: {error}. Nothing was copied. To delete what it "
                                   "holds and copy, run again with --replace.") from None
    except move.MigrationError as error:
        raise click.ClickException(f"{error}." + ("" if verify_only else
                                                  " Nothing was copied.")) from None
    except sqlite3.OperationalError:  # a lock not had within the lock timeout
        raise click.ClickException(
            "a database stayed busy: another writer held it beyond the lock timeout (is the "
            "hotline still running?). Nothing was copied; run again.") from None
    finally:
        target.conn.close()
        db_postgres.close_pools(url)
        source.conn.close()
    _print(checks)
    if not all(check.ok for check in checks):  # only --verify-only: a copy rolls back
        _differ(checks, "")
    rows = sum(check.source_rows for check in checks)
    if verify_only:
        click.echo(f"The same data on both sides: {len(checks)} tables, {rows} rows.")
        return
    click.echo(f"Copied and checked {len(checks)} tables, {rows} rows, in "
               f"{time.monotonic() - started:.1f} s. Next: set HOTLINE_DATABASE to the "
               "PostgreSQL URL on every node, then start the hotline.")


def _differ(checks, then: str) -> None:
    """The last line when tables differ, and exit 1."""
    bad = [check.table for check in checks if not check.ok]
    click.echo(f"{len(bad)} of {len(checks)} tables differ ({', '.join(bad)}){then}.",
               err=True)
    sys.exit(1)


def _print(checks) -> None:
    """One line per table: name, rows (both sides' if they differ), checksum ok or not.
    Never a value of a row."""
    width = max((len(check.table) for check in checks), default=5)
    click.echo(f"  {'table':<{width}}  {'rows':>9}  checksum")
    for check in checks:
        rows = (f"{check.source_rows}" if check.source_rows == check.target_rows
                else f"{check.source_rows} vs {check.target_rows}")
        click.echo(f"  {check.table:<{width}}  {rows:>9}  "
                   f"{'ok' if check.source_sum == check.target_sum else 'DIFFERS'}")


def _where(url: str) -> str:
    """host:port/database of a URL, without the role's name or password."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path or '/'}"
