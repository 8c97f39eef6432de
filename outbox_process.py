"""The outbox's sender in a process of its own under gunicorn, beside the webhook workers.

gunicorn's master starts it when it is ready (gunicorn.conf.py, `when_ready`), starts it
again within a second or two when it dies, gives it a new one on a reload (HUP) and
stops it when gunicorn stops. It runs the same `outbox.Sender` as `flask --app app
outbox`, at a lower CPU priority (`HOTLINE_OUTBOX_NICE`), so that sending 10,000
reminders takes no share of a webhook worker's interpreter lock (the sender used to be
a thread in every worker) and gives way to the webhooks when the cores are busy. The
lease in the database still decides who sends: a second node, or a `flask outbox`
beside it, waits while this one holds the lease.

A restarted sender takes over its dead predecessor's lease at once (the master knows
whose it was) instead of waiting for it to run out; messages the dead one had claimed
come back when their claims run out, as uncertain, and are looked up at Twilio before
being sent again (outbox.py).

Two halves: `Supervisor` runs in the master and imports nothing of the app (gunicorn's
master loads none of it, and forks the workers after this starts); `main` is the
process itself (`python -m outbox_process APP_URI TOKEN [REPLACES]`), which holds the
writing end of a pipe from the master until it ends.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
CHECK_S = 1.0  # how often the master looks whether the sender still runs
RESTART_MAX_S = 30.0  # a sender that dies at once again and again is started more slowly
STOP_S = 10.0  # how long a stopping sender may take before it is killed


# gunicorn's master forks its workers while the supervisor's thread may be starting a
# sender: a worker forked then would hold the pipe's writing end (os.fork copies every
# descriptor) and the sender's death would go unseen. Forks wait for a start to finish.
_spawning = threading.Lock()


def _after_fork_in_child() -> None:
    global _spawning
    _spawning = threading.Lock()


os.register_at_fork(before=lambda: _spawning.acquire(),
                    after_in_parent=lambda: _spawning.release(),
                    after_in_child=_after_fork_in_child)


class Supervisor:
    """Starts the sender process and keeps one running (in gunicorn's master).

    Whether it runs is read from a pipe, not from its process id: gunicorn's master reaps
    every child that exits (os.waitpid(-1)), so the exit status is not ours to read, and
    the id may be a new worker's by then. The sender alone holds the pipe's writing end;
    when it ends the kernel closes that, and the reading end here sees the end of file.
    """

    def __init__(self, app_uri: str, logger=log):
        self.app_uri = app_uri
        self.log = logger
        self.process: subprocess.Popen | None = None
        self.name = ""  # the running sender's name, as its lease names it
        self.starts = 0
        self._ended = -1  # reading end of the running sender's pipe
        self._started_at = 0.0
        self._backoff = 0.0
        self._due: float | None = None  # when to start the next one, once one has died
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        with self._lock:
            self._spawn(replaces=None)
        self._thread = threading.Thread(target=self._watch, name="outbox-supervisor",
                                        daemon=True)
        self._thread.start()
        return self

    def _spawn(self, replaces: str | None) -> None:
        token = uuid.uuid4().hex[:8]
        command = [sys.executable, "-m", "outbox_process", self.app_uri, token]
        if replaces:
            command.append(replaces)
        with _spawning:
            ended, alive = os.pipe()
            try:
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    command, cwd=ROOT, pass_fds=(alive,), stdin=subprocess.DEVNULL)
            except BaseException:
                os.close(ended)
                raise
            finally:
                os.close(alive)
        if self._ended >= 0:
            os.close(self._ended)
        self.process, self._ended = process, ended
        self.name = f"{process.pid}-{token}"
        self.starts += 1
        self._started_at = time.monotonic()
        self.log.info("Outbox sender process %s started", process.pid)

    def running(self) -> bool:
        """False once the sender process has ended, whoever reaped it."""
        if self._ended < 0:
            return False
        readable, _, _ = select.select([self._ended], [], [], 0)
        return not readable or os.read(self._ended, 1) != b""

    def _watch(self) -> None:
        while not self._stop.wait(CHECK_S):
            try:
                with self._lock:
                    if not self._stop.is_set():
                        self._replace_if_dead()
            except Exception:  # noqa: BLE001 - the watch must go on (no process left, ...)
                self.log.exception("Outbox sender process could not be started")

    def _replace_if_dead(self) -> None:
        if self.running():
            return
        now = time.monotonic()
        if self._due is None:
            lived = now - self._started_at
            # One that ran a while is replaced at once; one that dies as it starts (a
            # broken setting) is tried again less and less often.
            self._backoff = (0.0 if lived > RESTART_MAX_S
                             else min(RESTART_MAX_S, max(CHECK_S, 2 * self._backoff)))
            self._due = now + self._backoff
            self.log.warning("Outbox sender process %s ended after %.0f s; another starts"
                             " in %.0f s", self.process.pid if self.process else "?", lived,
                             self._backoff)
        if now >= self._due:
            self._due = None
            self._spawn(replaces=self.name)

    def restart(self) -> None:
        """A new sender (gunicorn reloaded: new code or settings); the old one stops first."""
        with self._lock:
            self._terminate()
            self._due = None
            self._spawn(replaces=self.name)

    def stop(self) -> None:
        """gunicorn stops: so does the sender (handing the lease on)."""
        self._stop.set()
        with self._lock:
            self._terminate()
            if self._ended >= 0:
                os.close(self._ended)
                self._ended = -1

    def _terminate(self) -> None:
        if self.process is None or not self.running():
            return
        try:
            os.kill(self.process.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_S
            while self.running() and time.monotonic() < deadline:
                select.select([self._ended], [], [], 0.1)
            if self.running():
                os.kill(self.process.pid, signal.SIGKILL)
                select.select([self._ended], [], [], 2.0)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(1)  # reap it, unless gunicorn's loop did
        except subprocess.TimeoutExpired:
            pass


def main(argv: list[str]) -> int:
    """The sender process: the app from `app_uri`, then its sender until SIGTERM or the
    master is gone."""
    app_uri, token = argv[:2]
    replaces = argv[2] if len(argv) > 2 else None
    master = os.getppid()
    # Ctrl-C in gunicorn's terminal reaches the whole process group: the master decides,
    # and stops this process when it stops (SIGTERM).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    from config import SETTINGS

    # Lower at once: loading the app costs CPU too. Read as config.py reads it.
    default, parse = SETTINGS["HOTLINE_OUTBOX_NICE"]
    os.nice(parse(os.environ.get("HOTLINE_OUTBOX_NICE", default)))
    # The master's workers load the Vosk model; the sender has no use for it.
    os.environ["HOTLINE_VOSK_PRELOAD"] = "0"
    from gunicorn.util import import_app

    import outbox

    app = import_app(app_uri)
    sender = outbox.Sender(app, name=f"{os.getpid()}-{token}", replaces=replaces).start()
    logging.getLogger(__name__).info("Outbox sender %s running at nice %d", sender.name,
                                     os.nice(0))
    while not stopping.wait(CHECK_S):
        if os.getppid() != master or not sender.alive:
            break  # the master was killed (no one would stop us), or the thread ended
    sender.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
