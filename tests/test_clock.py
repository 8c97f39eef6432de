"""One clock: calls placed at a chosen moment, and the newcomer's first softphone call."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import clock
from app import create_app
from conftest import NOW, TOKEN

ROOT = Path(__file__).resolve().parent.parent
CHRISTMAS_EVE = "2026-12-24 10:00"


def make(target, env):
    app = create_app({"HOTLINE_DATABASE": target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_ENV": env})
    clock.install(app, clock.Clock.at(NOW))  # a Wednesday morning: every site is open
    return app


def test_a_clock_running_from_a_moment_reads_that_moment_and_runs_on():
    moment = datetime(2027, 3, 28, 1, 59, 30, tzinfo=clock.BERLIN)
    running = clock.Clock.running_from(moment)
    first = running()
    assert abs(first - moment) < timedelta(seconds=5)
    assert running() >= first
    assert first.tzinfo is not None and first.utcoffset() == timedelta(hours=1)


def test_outside_an_app_every_now_is_the_real_time():
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_softphone_call_at_christmas_eve_hears_that_every_site_is_closed(database_target):
    app = make(database_target, "development")
    result = app.test_cli_runner().invoke(args=["call", "--json", "--at", CHRISTMAS_EVE],
                                          input="Wann haben Sie geöffnet?\nnein\n")
    assert result.exit_code == 0, result.output
    call = json.loads(result.output.strip().splitlines()[-1])
    said = call["turns"][1]["hotline"]
    assert "sind alle Geschäftsstellen geschlossen" in said
    assert "Geöffnet ist wieder am Montag, den 28. Dezember" in said


def test_the_moment_belongs_to_that_call_alone(database_target):
    app = make(database_target, "development")
    runner = app.test_cli_runner()
    # A question about today: a general one is answered with the week.
    at_eve = runner.invoke(args=["call", "--json", "--at", CHRISTMAS_EVE],
                           input="Haben Sie heute offen?\nnein\n")
    today = runner.invoke(args=["call", "--json"], input="Haben Sie heute offen?\nnein\n")
    assert "geschlossen" in json.loads(at_eve.output.splitlines()[-1])["turns"][1]["hotline"]
    said_today = json.loads(today.output.splitlines()[-1])["turns"][1]["hotline"]
    assert "Heute, Mittwoch" in said_today and "geschlossen" not in said_today


def test_a_production_servers_clock_never_moves(database_target):
    app = make(database_target, "production")
    result = app.test_cli_runner().invoke(args=["call", "--json", "--at", CHRISTMAS_EVE],
                                          input="Öffnungszeiten\n")
    assert result.exit_code != 0
    assert "clock does not move" in result.output and "development server only" in result.output
    calls = app.test_client()
    assert calls.post("/voice/incoming", headers={"X-Hotline-Moment": "2026-12-24T10:00"}
                      ).status_code == 403


def test_a_moment_that_is_not_one_is_a_clear_error(database_target):
    result = make(database_target, "development").test_cli_runner().invoke(
        args=["call", "--json", "--at", "Heiligabend"], input="")
    assert result.exit_code == 2
    assert "is not a moment like 2026-12-24 10:00" in result.output


def test_the_simulator_places_one_call_at_a_chosen_moment(database_target):
    client = make(database_target, "development").test_client()
    started = client.post("/simulator/api/call", json={"at": "2026-12-24T10:00"}).get_json()
    answer = client.post("/simulator/api/say", json={"progress": started["progress"],
                                                     "line": "Öffnungszeiten"}).get_json()
    assert any("alle Geschäftsstellen geschlossen" in s for s in answer["said"])
    other = client.post("/simulator/api/call", json={}).get_json()
    answer = client.post("/simulator/api/say", json={"progress": other["progress"],
                                                     "line": "Öffnungszeiten"}).get_json()
    assert not any("geschlossen" in s for s in answer["said"])
    bad = client.post("/simulator/api/call", json={"at": "bald"})
    assert bad.status_code == 400 and "2026-12-24 10:00" in bad.get_json()["error"]


def _newcomer_env(target) -> dict:
    """A second terminal without what `make run` exports: no HOTLINE_*, no TWILIO_*; the
    database is the test's (a SQLite file, or on PostgreSQL a URL)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOTLINE_", "TWILIO_", "FLASK_"))}
    env["HOTLINE_DATABASE"] = target
    return env


def test_a_newcomers_first_softphone_call_shows_no_errors(database_target):
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "call", "--json"], cwd=ROOT,
                            input="Welche Unterlagen brauche ich?\nnein\n", env=_newcomer_env(
                                database_target), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr and "CRITICAL" not in result.stderr
    assert json.loads(result.stdout)["outcome"] == "answered"


def test_a_newcomer_seeds_the_demo_data_then_checks_a_status_by_phone(database_target):
    """`flask --app app seed-demo` in a second terminal, then a call about a demo case."""
    flask = Path(sys.executable).parent / "flask"
    env = _newcomer_env(database_target)
    seeded = subprocess.run([str(flask), "--app", "app", "seed-demo"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    assert "Demo database ready" in seeded.stdout and "Traceback" not in seeded.stderr
    result = subprocess.run([str(flask), "--app", "app", "call", "--json"], cwd=ROOT,
                            input="Wie ist der Stand meines Antrags?\n", env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Kundennummer" in json.loads(result.stdout)["turns"][1]["hotline"]


def test_the_installed_package_holds_every_module_the_app_imports(tmp_path, database_target):
    """`pip install .` (not editable): the built wheel alone runs the softphone elsewhere."""
    # Built from a copy, so that setuptools' build/ folder is not left in the work tree.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "instance", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis", "test-artifacts"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("*.whl"))
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _newcomer_env(database_target)
    # The wheel's files and the installed libraries, without site's .pth files: the
    # editable install's finder would otherwise fill in what the wheel lacks.
    libraries = next(p for p in sys.path if p.endswith("site-packages"))
    env["PYTHONPATH"] = os.pathsep.join([str(site), libraries])
    result = subprocess.run(
        [sys.executable, "-S", "-c",
         "import sys; sys.argv[0] = 'flask'; from flask.cli import main; main()",
         "--app", "app", "call", "--json"],
        cwd=elsewhere, input="Öffnungszeiten\nnein\n", env=env, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "answered"
    assert str(ROOT) not in result.stderr


def test_the_softphone_against_a_server_needs_no_production_secrets(database_target):
    """`call --url` from a second terminal: no HOTLINE_HASH_KEY, no traceback."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "call", "--json", "--url",
                             "http://127.0.0.1:9"], cwd=ROOT, input="", timeout=120,
                            env=_newcomer_env(database_target), capture_output=True, text=True)
    assert "Traceback" not in result.stderr
    assert "cannot reach http://127.0.0.1:9" in result.stderr  # nobody listens on port 9
