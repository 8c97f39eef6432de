"""gunicorn settings for `make serve`: several workers on one SQLite database (WAL).

Each worker also runs an outbox sender thread (outbox.py); one holds the lease and sends.

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


def post_worker_init(worker):
    # Every worker starts an outbox sender thread; the lease in the database lets exactly
    # one of them send at a time, and another takes over when that worker dies. Imported
    # in the worker: gunicorn's master process loads none of the app.
    import outbox

    outbox.start_sender(worker.wsgi)


def worker_exit(server, worker):
    # A worker that stops in good order hands the lease on at once (one that dies
    # leaves it to run out).
    sender = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("hotline.outbox_sender")
    if sender is not None:
        sender.stop(timeout=5)
