"""Operations: health and readiness probes, Prometheus metrics, and logs with the CallSid.

- `/healthz`: the process answers. `/readyz`: it can do its work (database, calendar): it
  reads and writes (one row of `readiness_probe`), since a database that can be read but
  not written to (a full disk, a broken WAL) answers no call.
- `/metrics`: Prometheus text format, for the monitoring server only: a bearer token
  (`HOTLINE_METRICS_TOKEN`) or, without one, requests from this machine.
- Logs: one JSON object per line in production (`HOTLINE_LOG_FORMAT`), each with the
  CallSid of the webhook being answered and never a phone number or what was said.

Counts (calls, turns, intents, queue) are read from the database when Prometheus
scrapes, so every gunicorn worker reports the same truth; request latency is measured in
each worker and, under gunicorn, shared through prometheus_client's multiprocess files.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import time
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

import clock
import db as database
import outbox

bp = Blueprint("ops", __name__)

LATENCY = Histogram(
    "hotline_webhook_seconds", "Time to answer a request, by endpoint",
    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)


# ------------------------------------------------------------------------ probes


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        conn = database.get_db()
        conn.execute("SELECT count(*) FROM calls WHERE 1 = 0").fetchone()
        with database.transaction(conn):
            conn.execute("CREATE TABLE IF NOT EXISTS readiness_probe"
                         " (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL)")
            conn.execute("INSERT INTO readiness_probe (id, at) VALUES (1, ?)"
                         " ON CONFLICT (id) DO UPDATE SET at = excluded.at", [clock.utc_text()])
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(error).__name__}"
    checks["schedule"] = "ok" if "hotline.schedule" in current_app.extensions else "missing"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503


# ------------------------------------------------------------------------ metrics


def _start_timer() -> None:
    request.environ[STARTED] = time.perf_counter()


def _observe(response: Response) -> Response:
    req = request._get_current_object()  # once: see db.get_db
    started = req.environ.get(STARTED)
    endpoint = req.endpoint
    if started is not None and endpoint:
        latency = _LATENCY_BY_ENDPOINT.get(endpoint)
        if latency is None:
            latency = _LATENCY_BY_ENDPOINT[endpoint] = LATENCY.labels(endpoint)
        latency.observe(time.perf_counter() - started)
    return response


STARTED = "hotline.started"  # environ key: when the request reached the app
# The histogram's child for each endpoint, looked up once: labels() checks and converts
# the label values and takes a lock on every call (measured: 12,000 instructions, 0.4%
# of a webhook request). It hands out the same child every time, so keeping it here
# changes nothing reported.
_LATENCY_BY_ENDPOINT: dict[str, Histogram] = {}


# Headers a proxy adds. Without trusted proxies (HOTLINE_PROXY_HOPS=0) a request that
# carries one came through a proxy we were not told of, maybe one on this machine that
# forwards the internet's requests: its loopback address says nothing about who asks.
FORWARDED_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP", "X-Forwarded-Host")


def _allowed() -> bool:
    token = current_app.config.get("HOTLINE_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    if not current_app.config.get("HOTLINE_PROXY_HOPS") and any(
            name in request.headers for name in FORWARDED_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    if not _allowed():
        return Response("Forbidden\n", status=403, mimetype="text/plain")
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(current_app.config["HOTLINE_DATABASE"]))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(LATENCY)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class DatabaseCollector:
    """Counts from the call record, read at scrape time."""

    def __init__(self, path: str):
        self.path = path

    def collect(self):
        conn = database.connect(self.path)
        try:
            calls = CounterMetricFamily("hotline_calls", "Calls by outcome", labels=["outcome"])
            for outcome, n in conn.execute(
                    "SELECT coalesce(outcome, 'in_progress'), count(*) FROM calls GROUP BY 1"):
                calls.add_metric([outcome], n)
            yield calls
            turns = CounterMetricFamily("hotline_turns", "Caller turns by recognised intent",
                                        labels=["intent"])
            for intent, n in conn.execute(
                    "SELECT coalesce(intent, 'none'), count(*) FROM turns WHERE turn > 0"
                    " GROUP BY 1"):
                turns.add_metric([intent], n)
            yield turns
            live = GaugeMetricFamily("hotline_calls_in_progress", "Calls not yet ended")
            live.add_metric([], conn.execute(
                "SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0])
            yield live
            waiting = GaugeMetricFamily("hotline_queue_waiting", "Callers waiting for an agent")
            waiting.add_metric([], conn.execute(
                "SELECT count(*) FROM queue_entries WHERE left_at IS NULL").fetchone()[0])
            yield waiting
            # The outbox (outbox.py): SMS by state, and how long the oldest one has waited
            # to be sent; a growing age means Twilio is unreachable or refusing us.
            sms = GaugeMetricFamily("hotline_sms", "SMS in the outbox by state", labels=["state"])
            for state, n in outbox.counts(conn).items():
                sms.add_metric([state], n)
            yield sms
            oldest = outbox.status(conn)["oldest_waiting"]
            age = GaugeMetricFamily("hotline_sms_oldest_waiting_seconds",
                                    "Age of the oldest SMS not yet sent (0: none waits)")
            age.add_metric([], max(0.0, (clock.now() - datetime.fromisoformat(oldest))
                                   .total_seconds()) if oldest else 0.0)
            yield age
        finally:
            conn.conn.close()


# ------------------------------------------------------------------------ logs


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the call's CallSid."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        sid = getattr(record, "call_sid", None)
        if sid:
            line["call_sid"] = sid
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class CallSidFilter(logging.Filter):
    """Puts the CallSid of the webhook being answered on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and request.path.startswith("/voice/"):
            record.call_sid = (request.form.get("CallSid", "") or request.args.get("call", ""))[:64]
        else:
            record.call_sid = ""
        return True


def configure_logging(level: str, fmt: str) -> None:
    """Set the root logger up once per process: JSON or text, with the CallSid filter."""
    root = logging.getLogger()
    if getattr(root, "_hotline_configured", False):
        return
    # Added beside whatever else is there (pytest's capture, for one), never instead.
    handler = logging.StreamHandler()
    handler.addFilter(CallSidFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(call_sid)s]: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    root._hotline_configured = True  # type: ignore[attr-defined]
