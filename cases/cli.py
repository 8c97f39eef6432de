"""`flask --app app import-cases FILE`: load an export of the electronic file (CSV or JSON).

Every bad row is printed with its line number and why. A file with bad rows imports
nothing unless --skip-bad is given; importing the same file again changes nothing.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

import clock
import db as database

from .importer import ImportFileError, import_customers, read_file


@click.command("import-cases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-bad", is_flag=True,
              help="Import the good customers even if some rows are bad.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="The file's format (default: from its extension).")
@with_appcontext
def import_cases_command(file: str, skip_bad: bool, fmt: str | None):
    """Import customers' cases from a CSV or JSON export of the electronic file."""
    moment = clock.berlin()
    try:
        parsed = read_file(file, fmt, today=moment.date())
    except ImportFileError as error:
        raise click.ClickException(f"{file}: {error}. Nothing imported.") from error
    for line, reason in parsed.errors:
        click.echo(f"{file}:{line}: {reason}", err=True)
    db = database.connect(current_app.config["HOTLINE_DATABASE"])
    try:
        with database.transaction(db):
            result = import_customers(db, parsed, skip_bad=skip_bad, now=moment)
    finally:
        db.conn.close()
    if not result.imported:
        raise click.ClickException(
            f"{len(result.errors)} bad rows: nothing imported "
            "(fix them, or use --skip-bad to import the good customers).")
    counts = result.counts
    skipped = f", {len(result.errors)} bad rows skipped" if result.errors else ""
    click.echo(f"Imported {len(parsed.customers)} customers: {counts['created']} created, "
               f"{counts['updated']} updated, {counts['unchanged']} unchanged{skipped}.")
