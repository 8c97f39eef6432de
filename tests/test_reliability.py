"""The hotline under gunicorn: a soak of concurrent calls, and a worker killed mid-call.

These start the real production server (gunicorn, several workers, one database: the
test's SQLite file or PostgreSQL database) on a loopback port and drive it over HTTP
with the softphone, as Twilio would.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from db import connect
from devtools.softphone import OverHttp, Softphone, TransportError

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "reliability-token-0123456789"
SOAK_SECONDS = 60
SOAK_CALLERS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_sender(pid: int) -> bool:
    try:
        return b"outbox_process" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False  # gone meanwhile


class Server:
    """gunicorn with the hotline on 127.0.0.1 on `database` (HOTLINE_DATABASE; without it,
    a SQLite file in a temporary folder)."""

    def __init__(self, tmp_path: Path, workers: int, database: str | None = None,
                 **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database or str(tmp_path / "hotline.sqlite3")
        env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_ENV": "test",
               "HOTLINE_DATABASE": self.database, "HOTLINE_WORKERS": str(workers),
               "HOTLINE_THREADS": "4", "HOTLINE_BIND": f"127.0.0.1:{self.port}",
               "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_LOG_FORMAT": "json",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **settings}
        self.log_path = tmp_path / "gunicorn.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "app:create_app()"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=self.log)
        self._wait_ready(workers)

    def _wait_ready(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.errors())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    if len(self.workers()) >= workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within 60 s")

    def workers(self) -> list[int]:
        """gunicorn's workers: its children but the outbox's sender (outbox_process.py)."""
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split() if not _is_sender(int(pid))]

    def gone(self, pid: int, within_s: float = 10.0) -> bool:
        """Whether `pid` is no longer gunicorn's child (reaped) within `within_s`."""
        deadline = time.monotonic() + within_s
        while pid in self.workers():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def phone(self, **kwargs) -> "CheckedPhone":
        return CheckedPhone(OverHttp(self.url), TOKEN, **kwargs)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()

    def errors(self) -> str:
        """What the server logged at ERROR or worse (the logs are JSON lines)."""
        self.log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if '"ERROR"' in line or "Traceback" in line
                         or '"CRITICAL"' in line)[-4000:]


class CheckedPhone(Softphone):
    """The softphone, remembering every HTTP status it got back."""

    statuses: list[int]

    def _post(self, url, fields):
        reply = super()._post(url, fields)
        self.__dict__.setdefault("statuses", []).append(reply.status)
        return reply


@pytest.fixture
def server(tmp_path, database_target):
    started = Server(tmp_path, workers=3, database=database_target)
    yield started
    started.stop()


def last(phone) -> str:
    return " ".join(phone.exchanges[-1].hotline)


def ask_documents(phone) -> bool:
    phone.say("welche unterlagen brauche ich")
    phone.say("nein")
    return "Auf Wiederhören" in last(phone)


WISHES = [f"ich brauche einen termin in {site} wegen {topic} so bald wie möglich"
          for site in ("backnang", "waiblingen", "schorndorf")
          for topic in ("bürgergeld", "arbeitsvermittlung", "berufsberatung")]


def book_asap(phone) -> bool:
    phone.say(WISHES[hash(phone.call_sid) % len(WISHES)])
    if "Im Moment finde ich leider keinen freien Termin" in last(phone):
        # A minute of fifty callers can fill a site's calendar: then a person takes over
        # (or, outside opening hours, the caller is offered a callback).
        return "[Warteschleife: hotline]" in last(phone) or "nicht erreichbar" in last(phone)
    for _ in range(6):  # another caller may take the slot first: yes to the next one
        phone.say("ja")
        if "gebucht" in last(phone):
            break
    phone.say("nein")  # no name
    phone.say("nein")  # no SMS
    phone.say("nein")  # no reminder
    phone.say("nein")  # nothing else
    return "Auf Wiederhören" in last(phone)


def keypad_after_silence(phone) -> bool:
    for line in ("", "blubb", "#4", "nein"):
        phone.say(line)
    return "Auf Wiederhören" in last(phone)


def in_english(phone) -> bool:
    for line in ("English please", "which documents do I need", "no"):
        phone.say(line)
    return "Goodbye" in last(phone)


SCENARIOS = [ask_documents, book_asap, keypad_after_silence, in_english]


def test_soak_fifty_concurrent_calls_for_a_minute(server):
    made: list[tuple[str, int, bool]] = []  # (call sid, caller turns, booked)
    problems: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SOAK_SECONDS

    def caller(n: int) -> None:
        i = n
        while time.monotonic() < stop_at:
            scenario = SCENARIOS[i % len(SCENARIOS)]
            i += 1
            phone = server.phone(from_number=f"+4917012345{n % 100:02d}")
            try:
                phone.dial()
                ended_well = scenario(phone)
                phone.hang_up()
            except (TransportError, OSError) as error:
                with lock:
                    problems.append(f"{phone.call_sid}: {error}")
                continue
            with lock:
                if not ended_well:
                    problems.append(f"{phone.call_sid} ended with: {last(phone)[:120]}")
                if any(status >= 500 for status in phone.statuses):
                    problems.append(f"{phone.call_sid}: HTTP {phone.statuses}")
                booked = any("gebucht" in " ".join(e.hotline) for e in phone.exchanges)
                made.append((phone.call_sid, len(phone.exchanges) - 1, booked))

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(SOAK_CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SOAK_SECONDS + 60)

    assert problems == [], server.errors()
    assert len(made) >= SOAK_CALLERS
    db = connect(server.database)
    calls = dict(db.execute("SELECT call_sid, turns FROM calls").fetchall())
    assert len(calls) == len(made)  # the statistics count exactly the calls made
    assert all(calls[sid] == turns for sid, turns, _ in made)  # every turn recorded
    recorded_turns = db.execute("SELECT count(*) FROM turns").fetchone()[0]
    assert recorded_turns == sum(turns + 1 for _, turns, _ in made)  # + each greeting
    booked = db.execute("SELECT count(*), count(DISTINCT caseworker_id || start_utc)"
                        " FROM bookings WHERE status = 'booked'").fetchone()
    assert booked[0] == sum(1 for *_, b in made if b) and booked[0] == booked[1]
    assert db.execute("SELECT count(*) FROM calls WHERE status = 'completed'"
                      ).fetchone()[0] == len(made)
    db.conn.close()


def test_a_worker_killed_mid_call_loses_nothing(server):
    phones = [server.phone() for _ in range(12)]
    for phone in phones:
        phone.dial()
        phone.say("welche unterlagen brauche ich")
        assert "Kann ich sonst noch etwas" in " ".join(phone.exchanges[-1].hotline)
    victim = server.workers()[0]
    os.kill(victim, signal.SIGKILL)
    for phone in phones:
        # The next webhook of each call: answered by another (or a respawned) worker,
        # and the conversation goes on where it was: the "anything else?" question.
        said = " ".join(phone.say("ja"))
        assert "Was kann ich für Sie tun?" in said
        said = " ".join(phone.say("kann ich das auch online machen"))
        assert "jobcenter punkt digital" in said
        phone.hang_up()
        assert all(status < 500 for status in phone.statuses)
    assert server.gone(victim)
    db = connect(server.database)
    assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 12 * 4
    db.conn.close()
