"""Who sends the outbox under `make serve`: a process of its own, beside the workers,
started again by gunicorn's master when it dies and stopped with gunicorn.

gunicorn runs the hotline with two workers on a loopback port (as `make serve` does,
with gunicorn.conf.py), Twilio's REST API being the stand-in of tests/twilio_standin.py.
The master starts one sender process (outbox_process.py), a child of its own that is
no worker; the lease row names it. Killing it with SIGKILL loses no message and sends
none twice: the master starts another, which takes the dead one's lease at once.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_reliability import free_port

import outbox
from db import connect
from devtools.softphone import OverHttp, Softphone

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "outbox-gunicorn-token-0123456789"
WISH = "ich brauche einen termin in backnang wegen arbeitsvermittlung so bald wie möglich"


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


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in out.split()]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def test_the_sender_is_a_process_of_its_own_restarted_when_killed_without_a_double_sms(
        tmp_path, database_target, standin):
    port = free_port()
    database = database_target
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_ENV": "test",
           "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "HOTLINE_SMS_FROM": "+4971519999999",
           "HOTLINE_TWILIO_API_BASE": standin.url, "HOTLINE_DATABASE": database,
           "HOTLINE_WORKERS": "2", "HOTLINE_THREADS": "2", "HOTLINE_BIND": f"127.0.0.1:{port}",
           "HOTLINE_LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m"),
           "HOTLINE_OUTBOX_NICE": "7"}
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def senders() -> list[int]:
        return [pid for pid in children(server.pid) if "outbox_process" in command_line(pid)]

    def holder() -> int | None:
        db = connect(database)
        try:
            found = outbox.lease_holder(db) if "outbox_lease" in db.table_names() else None
        finally:
            db.conn.close()
        return int(found[0].split("-")[0]) if found else None

    stopped = False
    try:
        wait_for(lambda: len(children(server.pid)) == 3, 60, "two workers and a sender")
        (sender,) = senders()
        assert wait_for(holder, 30, "the sender holds the lease") == sender
        # Gives way to the webhooks: 7 below gunicorn's own priority (whatever that is).
        assert os.getpriority(os.PRIO_PROCESS, sender) == \
            min(19, os.getpriority(os.PRIO_PROCESS, server.pid) + 7)
        book_with_sms(url, "+491701234567")
        wait_for(lambda: standin.messages, 20, "the first SMS sent")

        os.kill(sender, signal.SIGKILL)  # the sender dies
        book_with_sms(url, "+491701112223")  # queued while no sender runs
        # Well before the dead one's lease ran out (LEASE_S): its successor took it over.
        wait_for(lambda: len(standin.messages) >= 2, outbox.LEASE_S - 10,
                 "the second SMS sent by a new sender process")
        (successor,) = senders()
        assert successor != sender and holder() == successor
        time.sleep(1)
        assert [m["to"] for m in standin.messages] == ["+491701234567", "+491701112223"]

        server.send_signal(signal.SIGTERM)  # gunicorn stops: so does its sender
        server.wait(30)
        stopped = True
        assert not Path(f"/proc/{successor}").exists() or not command_line(successor)
        assert holder() is None  # handed on: another node's sender need not wait
    finally:
        if not stopped:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
