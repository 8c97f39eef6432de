"""Two app nodes on one PostgreSQL: a node killed mid-call, callers racing across nodes.

Each node is a gunicorn server of its own (its own processes and connection pools) on
its own loopback port, as two machines behind Twilio's primary and fallback URLs or a
load balancer would be; they share nothing but the PostgreSQL server.
"""

import os
import signal
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_reliability import Server

import db as database
from devtools.softphone import OverHttp

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
# A Wednesday morning: next Tuesday is a working day with the race caseworker's hours.
MOMENT = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
LINES = ["welche unterlagen brauche ich", "ja", "kann ich das auch online machen", "nein"]


def start_nodes(tmp_path: Path, url: str, **settings: str) -> tuple[Server, Server]:
    nodes = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        # Development settings: the calls here happen at a chosen moment (MOMENT).
        nodes.append(Server(folder, workers=2, database=url, HOTLINE_ENV="development",
                            **settings))
    return nodes[0], nodes[1]


@pytest.fixture
def nodes(tmp_path, postgres_databases):
    url = postgres_databases.new()
    a, b = start_nodes(tmp_path, url)
    yield a, b
    for node in (a, b):
        if node.process.poll() is None:
            node.stop()


def kill(node: Server) -> None:
    """SIGKILL for the node's master and every worker at once: the machine is gone."""
    for pid in [*node.workers(), node.process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    node.process.wait(10)
    node.log.close()


def rows(url: str, sql: str, params=()) -> list[tuple]:
    conn = database.connect(url)
    try:
        return conn.execute(sql, list(params)).fetchall()
    finally:
        conn.conn.close()


def test_a_call_whose_node_is_killed_after_the_second_turn_ends_on_the_other_as_it_would(
        nodes):
    a, b = nodes
    # The same call, all of it on node B: what the caller should hear.
    reference = b.phone(moment=MOMENT)
    reference.dial()
    for line in LINES:
        reference.say(line)
    reference.hang_up()

    phone = a.phone(moment=MOMENT)
    phone.dial()
    phone.say(LINES[0])
    phone.say(LINES[1])  # the second turn, answered by node A
    kill(a)
    # Twilio's fallback (or the load balancer) sends the rest of the call to node B.
    phone.transport = OverHttp(b.url)
    for line in LINES[2:]:
        phone.say(line)
    phone.hang_up()

    assert [e.hotline for e in phone.exchanges] == [e.hotline for e in reference.exchanges]
    assert all(status < 400 for status in phone.statuses)
    turns = "SELECT turn, intent, event, said FROM turns WHERE call_sid = ? ORDER BY turn"
    assert rows(b.database, turns, [phone.call_sid]) == \
        rows(b.database, turns, [reference.call_sid])
    ended = "SELECT outcome, status, turns FROM calls WHERE call_sid = ?"
    assert rows(b.database, ended, [phone.call_sid]) == \
        rows(b.database, ended, [reference.call_sid])
    assert "Traceback" not in b.errors()


RACE_CASEWORKERS = """
# One caseworker whose Tuesday holds exactly five one-hour appointments.
demo = true
[topics.berufsberatung]
minutes = 60
label_de = "Berufsberatung"
label_en = "careers advice"
bring = [{ de = "Lebenslauf", en = "CV" }]

[[caseworkers]]
id = "race"
name = "Frau Race"
topics = ["berufsberatung"]
languages = ["de"]
[caseworkers.hours.schorndorf]
tue = ["08:00-13:00"]
"""


def test_twenty_callers_on_two_nodes_racing_for_five_slots_give_five_winners(
        tmp_path, postgres_databases):
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    # A day past the day asked for: next Tuesday's five appointments are all there is.
    sites = (ROOT / "schedules" / "demo" / "sites.toml").read_text(encoding="utf-8")
    (schedules / "sites.toml").write_text(
        sites.replace("horizon_days = 56", "horizon_days = 1"), encoding="utf-8")
    (schedules / "caseworkers.toml").write_text(RACE_CASEWORKERS, encoding="utf-8")
    url = postgres_databases.new()
    a, b = start_nodes(tmp_path, url, HOTLINE_SCHEDULES=str(schedules))
    try:
        phones = [(a if n % 2 else b).phone(moment=MOMENT) for n in range(20)]
        for phone in phones:
            phone.dial()
        go = threading.Barrier(len(phones))
        results = [""] * len(phones)

        def book(n: int) -> None:
            go.wait(60)
            said = " ".join(phones[n].say("termin in schorndorf wegen berufsberatung"
                                          " nächsten dienstag"))
            for _ in range(6):
                if "keinen freien Termin" in said:
                    results[n] = "none free"
                    return
                said = " ".join(phones[n].say("ja"))
                if "gebucht" in said:
                    results[n] = "won"
                    return
                if not ("gerade vergeben" in said and "anbieten" in said):
                    results[n] = said[:80]
                    return
                # Lost a race and was offered the next slot: yes again.

        threads = [threading.Thread(target=book, args=(n,)) for n in range(len(phones))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert results.count("won") == 5, results
        assert results.count("none free") == 15, results
        booked = rows(url, "SELECT count(*), count(DISTINCT start_utc) FROM bookings"
                           " WHERE status = 'booked' AND start_utc LIKE '2026-12-01%'")
        assert booked == [(5, 5)]
        assert rows(url, "SELECT count(*) FROM bookings") == [(5,)]
        assert all(status < 400 for phone in phones for status in phone.statuses)
    finally:
        a.stop()
        b.stop()
