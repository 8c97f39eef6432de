"""The dashboard's doors and outputs: roles, JSON, CSV, `flask stats`, `flask seed-calls`."""
# ruff: noqa: F811

import csv
import io
import json

import pytest
from test_stats_figures import NOW, day, ready, stats_app  # noqa: F401
from werkzeug.security import generate_password_hash

from routing import store as routing_store

PASSWORD = "leitung-passwort-1"


def login(client, db, login_name, role):
    routing_store.add_agent(db, login=login_name, name=login_name.title(), role=role,
                            password_hash=generate_password_hash(PASSWORD),
                            sites=("waiblingen",), now=NOW)
    page = client.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/agent/login", data={"login": login_name, "password": PASSWORD,
                                                  "csrf_token": token})
    assert response.status_code == 302


def test_nobody_logged_in_is_sent_to_the_login_and_json_gets_401(stats_app):
    client = stats_app.test_client()
    response = client.get("/supervisor/")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    assert client.get("/supervisor/figures.json").status_code == 401


def test_an_agent_may_not_see_the_dashboard(stats_app, db):
    client = stats_app.test_client()
    login(client, db, "anna.agent", "agent")
    for path in ("/supervisor/", "/supervisor/figures.json", "/supervisor/export/summary.csv",
                 "/supervisor/plotly.js", "/supervisor/live.json"):
        assert client.get(path).status_code == 403, path


@pytest.fixture
def supervisor(stats_app, db, day):
    client = stats_app.test_client()
    login(client, db, "leitung", "supervisor")
    return client


def test_the_json_api_has_the_dashboards_numbers(supervisor):
    data = supervisor.get("/supervisor/figures.json?from=2026-11-24&to=2026-11-24").get_json()
    assert data["summary"]["calls"] == 10 and data["summary"]["containment_rate"] == 0.4
    assert supervisor.get("/supervisor/figures.json?period=30d").get_json()["summary"][
        "calls"] == 10
    assert supervisor.get("/supervisor/figures.json?period=today").get_json()["summary"][
        "calls"] == 0
    assert supervisor.get("/supervisor/figures.json?from=2026-13-01").status_code == 400
    assert supervisor.get("/supervisor/figures.json?site=mars").status_code == 400
    live = supervisor.get("/supervisor/live.json").get_json()
    assert live["callers_waiting"] == 0 and set(live["agents"]) >= {"available", "on_call"}


def test_every_table_downloads_as_csv_without_phone_numbers(supervisor):
    for name in ("summary", "days", "intents", "heatmap", "sites", "languages", "agents",
                 "utterances"):
        response = supervisor.get(f"/supervisor/export/{name}.csv?from=2026-11-24&to=2026-11-24")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
        assert "+49" not in text and "12345678" not in text
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) >= 2, name
    summary = dict(csv.reader(io.StringIO(supervisor.get(
        "/supervisor/export/summary.csv?from=2026-11-24&to=2026-11-24").get_data(as_text=True))))
    assert summary["calls"] == "10" and summary["abandonment_rate"] == "0.3333"
    assert supervisor.get("/supervisor/export/nothing.csv").status_code == 404


def test_the_page_and_the_charting_library_come_from_the_app(supervisor):
    page = supervisor.get("/supervisor/")
    assert page.status_code == 200
    assert "/supervisor/plotly.js" in page.get_data(as_text=True)
    assert "http" not in page.headers["Content-Security-Policy"]
    js = supervisor.get("/supervisor/plotly.js")
    assert js.status_code == 200 and b"plotly" in js.data[:2000].lower()
    js.close()


def test_stats_command_prints_and_gives_json(stats_app, day):
    runner = stats_app.test_cli_runner()
    result = runner.invoke(args=["stats", "--since", "2026-11-24", "--until", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "containment_rate" in result.output and "0.4" in result.output
    result = runner.invoke(args=["stats", "--since", "2026-11-24", "--until", "2026-11-24",
                                 "--json"])
    assert json.loads(result.output)["summary"]["calls"] == 10
    bad = runner.invoke(args=["stats", "--since", "24.11.2026"])
    assert bad.exit_code != 0


# seed-calls writes a SQLite file from parallel processes (devtools/history.py).
@pytest.mark.sqlite_only
def test_seed_calls_records_a_history_the_dashboard_counts(stats_app, db):
    runner = stats_app.test_cli_runner()
    result = runner.invoke(args=["seed-calls", "--calls", "300", "--days", "14", "--seed", "7",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT count(*) FROM calls").fetchone()[0] == 300
    outcomes = dict(db.execute("SELECT outcome, count(*) FROM calls GROUP BY 1").fetchall())
    assert outcomes["answered"] > 0 and outcomes["agent"] > 0 and outcomes["booked"] > 0
    assert db.execute("SELECT count(*) FROM queue_entries WHERE result = 'bridged'"
                      ).fetchone()[0] > 0
    again = runner.invoke(args=["seed-calls", "--calls", "10", "--seed", "7"])
    assert again.exit_code != 0 and "another --seed" in again.output
    result = runner.invoke(args=["stats", "--since", "2026-10-01", "--json"])
    assert json.loads(result.output)["summary"]["calls"] == 300
