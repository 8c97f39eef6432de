"""gunicorn settings for `make serve`: several workers on one SQLite database (WAL).

Beside the workers, the master starts the outbox's sender in a process of its own
(outbox_process.py), starts it again when it dies and stops it with gunicorn.

Every setting can be overridden with HOTLINE_BIND, HOTLINE_WORKERS, HOTLINE_THREADS,
HOTLINE_WORKER_CLASS.
"""

import os
import shutil
import tempfile

bind = os.environ.get("HOTLINE_BIND", "127.0.0.1:8000")
# Webhooks are short and mostly CPU (dialogue, TwiML) with brief SQLite writes: one
# worker per core plus one, each with a few threads for the waits on the write lock.
workers = int(os.environ.get("HOTLINE_WORKERS", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("HOTLINE_THREADS", 4))
# gthread keeps connections alive between requests; "sync" (one request at a time per
# process, a new connection for each) is the other kind that fits CPU-bound webhooks
# and blocking SQLite calls. docs/SCALING.md compares them.
worker_class = os.environ.get("HOTLINE_WORKER_CLASS", "gthread")
# Vosk mode: each media stream holds a thread for as long as it is open. The streams get
# threads of their own, so that webhooks keep HOTLINE_THREADS: the recognisers a worker
# runs (HOTLINE_VOSK_MAX_STREAMS) and the websockets that may wait for their start
# (ivr/media.py: UNAUTHENTICATED_TOTAL = 4, each for 5 s at most).
if os.environ.get("HOTLINE_SPEECH_ENGINE", "").strip().lower() == "vosk":
    threads += int(os.environ.get("HOTLINE_VOSK_MAX_STREAMS", 4)) + 4
# Twilio gives up on a webhook after 15 s; a worker stuck longer is restarted.
timeout = 15
graceful_timeout = 10
keepalive = 5
accesslog = None  # request lines would carry URLs; the app logs what matters, without PII
errorlog = "-"
# Forwarded headers (X-Forwarded-Proto: https) are believed only from these addresses.
# gunicorn's own default believes 127.0.0.1, so anything on this machine could make a
# plain-http request pass as https (and a signature made for the https URL would pass).
# The app trusts its proxies itself (HOTLINE_PROXY_HOPS): gunicorn trusts nobody unless
# HOTLINE_FORWARDED_ALLOW_IPS names them.
forwarded_allow_ips = os.environ.get("HOTLINE_FORWARDED_ALLOW_IPS", "")

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if not _metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="hotline-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    # Latency histograms are shared between workers through files in this folder;
    # start empty so a restart does not report the last run's requests.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    # Imported here, not at the top: prometheus_client chooses its multiprocess mode when
    # first imported, and the workers forked from this process must start in it.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    # The outbox's sender runs in its own process, not in the workers: it takes no share of
    # a worker's interpreter lock, and runs at a lower CPU priority (HOTLINE_OUTBOX_NICE).
    # Started once gunicorn listens, before the workers are forked. Kept on the arbiter,
    # not here: a reload (HUP) reads this file again into a new module. Imported here: the
    # module's master half loads nothing of the app.
    from config import TRUE_WORDS

    if os.environ.get("HOTLINE_OUTBOX_THREAD", "1").strip().lower() not in TRUE_WORDS:
        return
    import outbox_process

    server.hotline_outbox = outbox_process.Supervisor(
        getattr(server.app, "app_uri", None) or "app:create_app()", server.log).start()


def on_reload(server):
    # New code or settings (HUP): a new sender as well as new workers.
    sender = getattr(server, "hotline_outbox", None)
    if sender is not None:
        sender.restart()


def on_exit(server):
    # The sender hands the lease on when it stops (one left behind by a master that was
    # killed stops by itself within a second, leaving the lease to run out).
    sender = getattr(server, "hotline_outbox", None)
    if sender is not None:
        sender.stop()
