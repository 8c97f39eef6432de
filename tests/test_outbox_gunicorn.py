"""Who sends the outbox under `make serve`: one gunicorn worker's thread, replaced when it dies.

gunicorn runs the hotline with two workers on a loopback port (as `make serve` does,
with gunicorn.conf.py), Twilio's REST API being the stand-in of tests/twilio_standin.py.
Each worker starts a sender thread; the lease row names the one that sends. Killing that
worker with SIGKILL loses no message: after the lease runs out another worker sends.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_reliability import free_port
from twilio_standin import StandIn

import outbox
from db import connect
from devtools.softphone import OverHttp, Softphone

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "outbox-gunicorn-token-0123456789"
WISH = "ich brauche einen termin in backnang wegen arbeitsvermittlung so bald wie möglich"


@pytest.fixture
def standin():
    server = StandIn()
    yield server
    server.close()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def book_with_sms(url: str, number: str) -> None:
    phone = Softphone(OverHttp(url), TOKEN, from_number=number)
    phone.dial()
    phone.say(WISH)
    phone.say("ja")
    phone.say("nein")  # no name
    phone.say("ja")
    assert "Die Bestätigung schicke ich Ihnen per SMS." in " ".join(phone.exchanges[-1].hotline)


def test_one_worker_sends_and_a_killed_one_is_replaced_without_losing_a_message(
        tmp_path, database_target, standin):
    port = free_port()
    database = database_target
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_ENV": "test",
           "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "HOTLINE_SMS_FROM": "+4971519999999",
           "HOTLINE_TWILIO_API_BASE": standin.url, "HOTLINE_DATABASE": database,
           "HOTLINE_WORKERS": "2", "HOTLINE_THREADS": "2", "HOTLINE_BIND": f"127.0.0.1:{port}",
           "HOTLINE_LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m")}
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def workers() -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    def holder() -> int | None:
        db = connect(database)
        try:
            found = outbox.lease_holder(db) if "outbox_lease" in db.table_names() else None
        finally:
            db.conn.close()
        return int(found[0].split("-")[0]) if found else None

    try:
        wait_for(lambda: len(workers()) == 2, 60, "two workers")
        sending = wait_for(holder, 30, "a worker's sender holds the lease")
        assert sending in workers()  # exactly one of them: the lease names one process
        book_with_sms(url, "+491701234567")
        wait_for(lambda: standin.messages, 20, "the first SMS sent")

        os.kill(sending, signal.SIGKILL)  # the sending worker dies
        book_with_sms(url, "+491701112223")  # answered by the other worker meanwhile
        wait_for(lambda: len(standin.messages) >= 2, outbox.LEASE_S + 30,
                 "the second SMS sent by another worker")
        assert holder() != sending
        time.sleep(1)
        assert [m["to"] for m in standin.messages] == ["+491701234567", "+491701112223"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
