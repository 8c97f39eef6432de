"""Supervisors: what happened on the calls, after the fact: figures, staffing, the dashboard.

`store` keeps the hourly rollup (tables and triggers of its own on ivr's, routing's and
schedules' tables), `figures` computes a period's numbers from it, `staffing` the agents
needed next week, and `dashboard` shows them at /supervisor, as CSV and JSON, and in
`flask stats`; `inbox` groups what callers said that the hotline missed, and `review`
shows it at /supervisor/inbox for supervisors to teach the hotline (through teaching).
stats reads the other packages' tables and imports routing's labels and
logins; none of them imports stats, and stats never imports ivr.
"""

from __future__ import annotations

from flask import Flask

from . import dashboard, review


def init_app(app: Flask) -> None:
    """Register the dashboard at /supervisor, the review inbox at /supervisor/inbox and the
    `stats` command; safe to call twice."""
    dashboard.register(app)
    review.register(app)
