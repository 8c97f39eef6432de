"""Wiring the cases into the app: their tables, `POST /api/cases` and `import-cases`.

Kept apart from `cases/__init__.py` so that reading a customer number (`cases.model`)
imports no Flask and no database: the conversation uses it.
"""

from __future__ import annotations

import os

from flask import Flask

import db as database

from . import api, cli, store

EXTENSION = "hotline.cases"


def init_app(app: Flask) -> None:
    """Create the case tables, register `POST /api/cases` and `import-cases` (once)."""
    if app.extensions.get(EXTENSION):
        return
    # Until config.py reads it with the other settings: no token, no API (404).
    app.config.setdefault("HOTLINE_CASES_API_TOKEN",
                          os.environ.get("HOTLINE_CASES_API_TOKEN", "").strip())
    connection = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        database.migrate(connection, {store.__name__: store.MIGRATIONS})
    finally:
        connection.conn.close()
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.import_cases_command)
    app.extensions[EXTENSION] = True
