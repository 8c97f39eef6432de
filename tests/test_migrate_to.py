"""`flask migrate-to postgresql://…`: a job centre that started on SQLite moves its history
into PostgreSQL, and the hotline goes on there as if nothing had happened.

One SQLite deployment for the module: the demo data, a booking with a reminder queued in
the outbox, a callback and a plain question, all through the webhooks; then the command,
run as an operator runs it (the CLI runner), into a fresh PostgreSQL database.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import clock
import db as database
import db_postgres
import outbox
from app import create_app
from conftest import NOW, TOKEN, Caller
from ivr import after_call
from schedules import reminders
from sqlite_to_postgres import NOT_COPIED
from stats import store as stats_store

pytestmark = pytest.mark.postgres

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+491701234567"
LANDLINE = "+4971511234567"
WAITING = "+491709876543"
BOOKING = "termin in backnang wegen arbeitsvermittlung nächste woche dienstag"
# The reminder of the booking (Tuesday 1 December) is due the working day before at 17:00.
REMINDER_DUE = datetime(2026, 11, 30, 17, 0, tzinfo=BERLIN)
DEMO_CUSTOMER = ("123D456789", "Erika Mustermann", "1980-05-03")  # cases/demo/customers.json


def start(target):
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": target,
                      "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
                      "HOTLINE_LANGUAGES": ["de", "en"], "HOTLINE_OUTBOX_THREAD": False})
    clock.install(app, clock.Clock.at(NOW))
    return app


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def figures(app):
    result = run(app, "stats", "--since", "2026-11-01", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def counts(target) -> dict[str, int]:
    db = database.connect(target)
    try:
        names = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()] if database.engine(db) == "sqlite" else db.table_names()
        return {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                for name in names}
    finally:
        db.conn.close()


def lines(output: str) -> dict[str, list[str]]:
    """The command's table: table name -> what its line says after the name."""
    return {parts[0]: parts[1:] for parts in (line.split() for line in output.splitlines()
                                              if line.startswith("  "))}


class Deployment:
    """The SQLite deployment, the PostgreSQL database it moved to, and what was seen."""

    def __init__(self, path, url):
        self.path, self.url = path, url
        self.sqlite = start(path)
        seeded = run(self.sqlite, "seed-demo")
        assert seeded.exit_code == 0, seeded.output
        booked = Caller(self.sqlite, from_number=MOBILE)
        booked.dial()
        for line in (BOOKING, "ja", "nein", "ja", "ja"):  # the slot, no name, SMS, reminder
            booked.say(line)
        assert "Gut, Sie bekommen am Werktag vorher eine SMS." in booked.hears()
        booked.say("nein")
        booked.hang_up()
        waiting = Caller(self.sqlite, from_number=WAITING)
        waiting.dial()
        for line in ("Ich möchte mit einem Mitarbeiter sprechen", "Rückruf bitte", "ja",
                     "nachmittags"):
            waiting.say(line)
        assert "am nächsten Nachmittag" in waiting.hears()
        waiting.hang_up()
        asking = Caller(self.sqlite, from_number=LANDLINE)
        asking.dial()
        asking.say("welche unterlagen brauche ich")
        asking.say("nein")
        asking.hang_up()
        assert self.sqlite.test_client().get("/readyz").status_code == 200  # its scratch row
        db = database.connect(path)
        try:  # the outbox's round at 17:00 the day before queues the reminder
            assert reminders.queue_due(db, self.sqlite.extensions["hotline.schedule"],
                                       REMINDER_DUE,
                                       self.sqlite.config["HOTLINE_REMINDER_HOURS"],
                                       after_call.reminder_sms) == 1
        finally:
            db.conn.close()

        self.moved = run(self.sqlite, "migrate-to", url)
        self.checked = run(self.sqlite, "migrate-to", url, "--verify-only")
        self.before, self.after = counts(path), counts(url)
        self.postgres = start(url)
        self.figures = figures(self.sqlite), figures(self.postgres)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_databases):
    url = postgres_databases.empty()  # a new database, as an operator creates it
    yield Deployment(str(tmp_path_factory.mktemp("small") / "hotline.sqlite3"), url)
    db_postgres.close_pools(url)
    postgres_databases.give_back(url)


def test_every_table_is_copied_and_checked_and_no_row_is_printed(deployment):
    moved, checked = deployment.moved, deployment.checked
    assert moved.exit_code == 0, moved.output
    # Every table SQLite has, whatever its package, with its rows, checked.
    copied = {name: n for name, n in deployment.before.items() if name not in NOT_COPIED}
    assert lines(moved.output) == {"table": ["rows", "checksum"],
                                   **{name: [str(n), "ok"] for name, n in copied.items()}}
    assert {name: n for name, n in deployment.after.items() if name not in NOT_COPIED} == copied
    assert copied["bookings"] > 1 and copied["outbox"] == 2 and copied["callbacks"] == 1
    assert deployment.before["readiness_probe"] == 1
    assert f"Copied and checked {len(copied)} tables, {sum(copied.values())} rows" \
        in moved.output
    assert checked.exit_code == 0, checked.output
    assert f"The same data on both sides: {len(copied)} tables" in checked.output
    for output in (moved.output, checked.output):
        for personal in (MOBILE, WAITING, LANDLINE, *DEMO_CUSTOMER, "postgres@"):
            assert personal not in output


def test_the_supervisors_figures_are_the_same_on_postgresql(deployment):
    on_sqlite, on_postgresql = deployment.figures
    assert on_sqlite["summary"]["calls"] == 3
    assert on_postgresql == on_sqlite


def test_on_postgresql_the_booking_is_found_its_reminder_sent_and_new_ids_are_fresh(
        deployment):
    app = deployment.postgres
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("ich muss meinen termin absagen")
    caller.say("die habe ich nicht")
    assert "Unter Ihrer Telefonnummer finde ich einen Termin" in caller.hears()
    assert "1. Dezember" in caller.hears()
    caller.say("nein")
    caller.hang_up()

    # The reminder queued on SQLite is sent once, from PostgreSQL's outbox.
    clock.install(app, clock.Clock.at(REMINDER_DUE.replace(minute=1)))
    outbox.deliver_due(app)
    sent = app.extensions["hotline.gateway"].messages
    assert [m["to"] for m in sent if "Erinnerung an Ihren Termin" in m["body"]] == [MOBILE]
    clock.install(app, clock.Clock.at(NOW))

    # A new booking: the identity sequences were moved past the copied ids.
    highest = _highest_booking(deployment.path)
    newcomer = Caller(app, from_number=LANDLINE)
    newcomer.dial()
    for line in ("termin in schorndorf wegen geld nächste woche mittwoch", "ja", "nein"):
        newcomer.say(line)
    assert "Ihre Buchungsnummer ist" in " ".join(" ".join(e.hotline)
                                                 for e in newcomer.exchanges)
    db = database.connect(deployment.url)
    try:
        (newest,) = db.execute("SELECT max(id) FROM bookings").fetchone()
    finally:
        db.conn.close()
    assert newest == highest + 1


def _highest_booking(path):
    db = database.connect(path)
    try:
        return db.execute("SELECT max(id) FROM bookings").fetchone()[0]
    finally:
        db.conn.close()


def test_one_value_changed_in_postgresql_is_found_by_the_checksum(deployment):
    db = database.connect(deployment.url)
    try:
        db.execute("UPDATE agents SET name = name || '.' WHERE id = (SELECT min(id) FROM agents)")
        checked = run(deployment.sqlite, "migrate-to", deployment.url, "--verify-only")
        db.execute("UPDATE agents SET name = rtrim(name, '.')")
    finally:
        db.conn.close()
    assert checked.exit_code == 1
    rows = str(deployment.before["agents"])
    assert lines(checked.output)["agents"] == [rows, "DIFFERS"]  # same rows, not the same data
    assert "tables differ (" in checked.output and "agents" in checked.output.splitlines()[-1]


def test_a_target_that_holds_data_is_refused_and_left_untouched(deployment):
    app, url = deployment.sqlite, deployment.url
    held = counts(url)
    refused = run(app, "migrate-to", url)
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--replace" in refused.output
    declined = run(app, "migrate-to", url, "--replace", input="n\n")
    assert declined.exit_code == 1 and "Delete all of it and copy?" in declined.output
    assert counts(url) == held

    replaced = run(app, "migrate-to", url, "--replace", "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert {name: n for name, n in counts(url).items() if name not in NOT_COPIED} == \
        {name: n for name, n in counts(deployment.path).items() if name not in NOT_COPIED}


@pytest.fixture
def small(tmp_path, postgres_databases):
    """A SQLite deployment with the demo data, and an empty PostgreSQL database."""
    url = postgres_databases.new()
    app = start(str(tmp_path / "hotline.sqlite3"))
    assert run(app, "seed-demo").exit_code == 0
    yield app, url
    db_postgres.close_pools(url)
    postgres_databases.give_back(url)


def test_a_copy_postgresql_refuses_is_rolled_back_and_names_no_value(small):
    app, url = small
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:  # a turn whose call is gone: SQLite was told not to check (an old release)
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("INSERT INTO turns (call_sid, turn, at, speech) VALUES"
                   " ('CAorphan', 0, '2026-11-24T09:00:00.000+00:00', 'meine geheime Sache')")
    finally:
        db.conn.close()
    failed = run(app, "migrate-to", url)
    assert failed.exit_code == 1
    assert "PostgreSQL refused a row of turns: ForeignKeyViolation" in failed.output
    assert "Nothing was copied" in failed.output
    assert "CAorphan" not in failed.output and "geheime" not in failed.output
    # Not even the demo rows of the tables copied before it.
    assert not any(n for name, n in counts(url).items() if name not in NOT_COPIED)


def test_a_source_behind_is_migrated_first_and_one_ahead_is_refused(small):
    app, url = small
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        db.execute("UPDATE schema_versions SET version = 0 WHERE package = 'stats.store'")
        behind = run(app, "migrate-to", url)
        db.execute("UPDATE schema_versions SET version = 2 WHERE package = 'outbox'")
        ahead = run(app, "migrate-to", url, "--replace", "--yes")
    finally:
        db.conn.close()
    assert behind.exit_code == 0, behind.output
    newest = len(stats_store.MIGRATIONS)
    assert f"brought to this release's schema: stats.store to {newest}" in behind.output
    held = counts(url)
    assert ahead.exit_code == 1
    assert "the SQLite database's outbox tables are at version 2; this release knows 1" \
        in ahead.output
    assert counts(url) == held


def test_a_source_written_to_during_the_copy_is_not_kept(small, monkeypatch):
    import sqlite_to_postgres

    app, url = small
    checked = sqlite_to_postgres.verify_tables

    def hotline_still_running(source, target, tables):
        other = database.connect(app.config["HOTLINE_DATABASE"])
        try:  # a webhook of a hotline nobody stopped, while the copy runs
            other.execute("INSERT INTO written_limits (key, at) VALUES ('k', '2026-11-25')")
        finally:
            other.conn.close()
        return checked(source, target, tables)

    monkeypatch.setattr(sqlite_to_postgres, "verify_tables", hotline_still_running)
    failed = run(app, "migrate-to", url)
    assert failed.exit_code == 1
    assert "written to while it was copied (is the hotline still running on it?)" \
        in failed.output
    assert not any(n for name, n in counts(url).items() if name not in NOT_COPIED)


def test_text_keys_are_compared_in_the_same_order_under_a_german_collation(
        small, postgres_databases):
    app, _ = small
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:  # SQLite orders by bytes ("B" before "a"); German collation the other way round
        db.execute("INSERT INTO login_failures (key, failures, last_at) VALUES"
                   " ('a', 1, '2026-11-25'), ('B', 1, '2026-11-25')")
    finally:
        db.conn.close()
    postgres_databases.admin.execute(
        "CREATE DATABASE german TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'de-DE'"
        " LOCALE 'C.UTF-8'")
    url = postgres_databases.server.url("german")
    try:
        moved = run(app, "migrate-to", url)
    finally:
        db_postgres.close_pools(url)
        postgres_databases.admin.execute("DROP DATABASE german WITH (FORCE)")
    assert moved.exit_code == 0, moved.output
    assert lines(moved.output)["login_failures"] == ["2", "ok"]
