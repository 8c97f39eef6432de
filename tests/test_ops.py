"""Running the hotline: health and readiness probes, metrics for Prometheus, log lines."""

import json
import logging

from conftest import Caller
from ops import CallSidFilter, JsonFormatter

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "schedule": "ok"}


def test_readiness_fails_when_the_database_is_gone(app, client, tmp_path):
    app.config["HOTLINE_DATABASE"] = str(tmp_path / "missing" / "x" / "gone.db")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("error")


def test_metrics_count_calls_turns_and_latency(app, client):
    caller = Caller(app)
    caller.dial()
    caller.say("Ich möchte mit einem Mitarbeiter sprechen")
    caller.hang_up()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hotline_calls_total{outcome="agent"} 1.0' in text
    assert 'hotline_turns_total{intent="agent"} 1.0' in text
    assert "hotline_queue_waiting 0.0" in text
    assert 'hotline_webhook_seconds_count{endpoint="voice.turn"}' in text


def test_metrics_are_not_public(app, client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    app.config["HOTLINE_METRICS_TOKEN"] = "scrape-secret"
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    allowed = client.get("/metrics", environ_base=OUTSIDE,
                         headers={"Authorization": "Bearer scrape-secret"})
    assert allowed.status_code == 200


def test_log_lines_carry_the_call_sid_and_no_phone_number(app):
    handler = logging.Handler()
    lines = []
    handler.emit = lambda record: lines.append(JsonFormatter().format(record))
    handler.addFilter(CallSidFilter())
    logging.getLogger("ivr").addHandler(handler)
    try:
        caller = Caller(app, from_number="+491701234567")
        caller.dial()
        app.extensions["hotline.dialogue"].step = None  # breaks the next turn on purpose
        caller.say("hallo")
    finally:
        logging.getLogger("ivr").removeHandler(handler)
    records = [json.loads(line) for line in lines]
    failed = [r for r in records if r["level"] == "ERROR"]
    assert failed and failed[0]["call_sid"] == caller.call_sid
    assert not any("1701234567" in line or "hallo" in line for line in lines)
