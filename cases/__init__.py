"""Customers' cases from the electronic file: data, import, the push API and the disclosure audit.

The phone side (ivr) asks `cases.store` whether a caller is who they say and what may be
told; cases never imports ivr. `init_app` creates the tables and registers the API and
the `import-cases` command; calling it twice is harmless.
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
        with database.transaction(connection):
            store.migrate(connection)
    finally:
        connection.conn.close()
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.import_cases_command)
    app.extensions[EXTENSION] = True
