"""A stand-in for Twilio's REST API on 127.0.0.1 that can misbehave on purpose.

It answers the few requests the hotline makes (create and list Messages, create, list
and update Calls,
fetch and delete a Recording) as Twilio does, and can instead refuse connections, accept
and never answer, answer 500, 429 with Retry-After, 400 with a Twilio error code, answer
slowly, or create the message and then never answer (the request that reached Twilio but
whose answer was lost). `latency` delays every answer as the real Twilio's round trip
does (about 100-300 ms); it counts the requests it holds at once (`max_in_flight`) and
notes when each arrived (`arrivals`); `next_modes` misbehaves for the next few requests
only. The app reaches it through HOTLINE_TWILIO_API_BASE.
"""

from __future__ import annotations

import json
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from clock import SYSTEM

OK, REFUSE, HANG, ERROR_500, RATE_LIMIT, BAD_REQUEST, SLOW, CREATE_THEN_HANG = (
    "ok", "refuse", "hang", "500", "429", "400", "slow", "create-then-hang")
MISBEHAVIOURS = (REFUSE, HANG, ERROR_500, RATE_LIMIT, BAD_REQUEST, SLOW, CREATE_THEN_HANG)
SLOW_S = 0.3


class StandIn:
    """The stand-in server; `mode` says how it behaves, `messages` what it accepted."""

    def __init__(self):
        self.mode = OK
        self.retry_after = "7"
        self.error_code = 21211  # "The 'To' number is not a valid phone number."
        self.messages: list[dict] = []
        self.call_updates: list[dict] = []
        self.calls: list[dict] = []  # outbound calls placed (To, From, Url, StatusCallback, ...)
        self.calls_created = self.calls  # the interpreter's calls are outbound calls too
        self.recordings: dict[str, bytes] = {}  # RE... -> WAV
        self.deleted: list[str] = []
        self.fetched: list[str] = []  # recordings answered (not those it misbehaved on)
        self.requests = 0
        self.latency = 0.0  # seconds before each answer that is not an error (OK, SLOW)
        self.next_modes: list[str] = []  # modes for the next requests, one each, then `mode`
        self.in_flight = 0
        self.max_in_flight = 0
        # (monotonic time it arrived, its mode, monotonic time it was answered or None)
        self.arrivals: list[list] = []
        self.hosts: list[str | None] = []  # the Twilio host each request was meant for
        self.lock = threading.Lock()
        self.released = threading.Event()  # ends every hanging request
        self._server = self._bind(0)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._serve()

    def _bind(self, port: int) -> ThreadingHTTPServer:
        standin = self

        class Handler(_Handler):
            owner = standin

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many connections at once (a sender in parallel)

        server = Server(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        return server

    def _serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def set(self, mode: str) -> None:
        """Change behaviour; REFUSE closes the port, anything else opens it again."""
        if mode == REFUSE and self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        elif mode != REFUSE and self._server is None:
            self._server = self._bind(self.port)
            self._serve()
        if mode not in (HANG, CREATE_THEN_HANG):
            self.released.set()
        else:
            self.released.clear()
        self.mode = mode

    def close(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _Handler(BaseHTTPRequestHandler):
    owner: StandIn
    protocol_version = "HTTP/1.1"
    # The headers and the body are two writes: without this the body waits for the
    # client's delayed acknowledgement of the headers (40 ms), which Twilio does not add.
    disable_nagle_algorithm = True
    mode = OK  # this request's

    def _counted(self, answer) -> None:
        """Answer one request in the mode it is due, counting it while it is held."""
        owner = self.owner
        with owner.lock:
            self.mode = owner.next_modes.pop(0) if owner.next_modes else owner.mode
            owner.in_flight += 1
            owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
            arrival = [time.monotonic(), self.mode, None]
            owner.arrivals.append(arrival)
        try:
            if owner.latency and self.mode in (OK, SLOW):
                time.sleep(owner.latency)
            answer()
        finally:
            with owner.lock:
                owner.in_flight -= 1
                arrival[2] = time.monotonic()

    def do_POST(self):
        self._counted(self._post)

    def do_GET(self):
        self._counted(self._get)

    def do_DELETE(self):
        self._counted(self._delete)

    def log_message(self, *args):  # quiet
        pass

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[-1] for k, v in parse_qs(raw).items()}

    def _send(self, status: int, body: bytes = b"", kind: str = "application/json",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), headers=headers)

    def _misbehave(self) -> bool:
        """Answer as the mode says; True when the request is done with."""
        owner = self.owner
        with owner.lock:
            owner.requests += 1
            owner.hosts.append(self.headers.get("X-Forwarded-Host"))
        mode = self.mode
        if mode == HANG:
            owner.released.wait(60)
            self.close_connection = True
            return True
        if mode == ERROR_500:
            self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            return True
        if mode == RATE_LIMIT:
            self._json(429, {"code": 20429, "message": "Too Many Requests", "status": 429},
                       headers={"Retry-After": owner.retry_after})
            return True
        if mode == BAD_REQUEST:
            self._json(400, {"code": owner.error_code, "message": "refused", "status": 400})
            return True
        if mode == SLOW:
            time.sleep(SLOW_S)
        return False

    def _post(self):
        path = urlsplit(self.path).path
        form = self._form()
        if path.endswith("/Messages.json"):
            if self.mode == CREATE_THEN_HANG:
                self._create_message(form)
                self.owner.released.wait(60)
                self.close_connection = True
                return
            if self._misbehave():
                return
            self._json(201, self._create_message(form))
        elif path.endswith("/Calls.json"):
            if self._misbehave():
                return
            with self.owner.lock:
                sid = f"CA{len(self.owner.calls) + 1:032d}"
                call = {"sid": sid, **form, "to": form.get("To"), "from": form.get("From"),
                        "url": form.get("Url"), "status_callback": form.get("StatusCallback"),
                        "machine_detection": form.get("MachineDetection"),
                        "status": "queued",
                        "date_created": format_datetime(SYSTEM(), usegmt=False)}
                self.owner.calls.append(call)
            self._json(201, {key: value for key, value in call.items()
                             if key[:1].islower()})
        elif "/Calls/" in path:
            if self._misbehave():
                return
            sid = path.rsplit("/", 1)[-1].removesuffix(".json")
            with self.owner.lock:
                self.owner.call_updates.append({"call_sid": sid, **form})
            self._json(200, {"sid": sid, "status": "in-progress"})
        else:
            self._json(404, {"code": 20404, "message": "not found", "status": 404})

    def _create_message(self, form: dict) -> dict:
        owner = self.owner
        with owner.lock:
            sid = f"SM{len(owner.messages) + 1:032d}"
            message = {"sid": sid, "to": form.get("To"), "from": form.get("From"),
                       "messaging_service_sid": form.get("MessagingServiceSid"),
                       "body": form.get("Body"), "status": "queued",
                       "status_callback": form.get("StatusCallback"),
                       "date_created": format_datetime(SYSTEM(), usegmt=False)}
            owner.messages.append(message)
        return message

    def _get(self):
        parts = urlsplit(self.path)
        if self._misbehave():
            return
        if parts.path.endswith("/Messages.json"):
            to = parse_qs(parts.query).get("To", [None])[-1]
            with self.owner.lock:
                found = [m for m in reversed(self.owner.messages) if to is None or m["to"] == to]
            self._json(200, {"messages": found, "next_page_uri": None, "page": 0,
                             "page_size": 50, "start": 0, "end": len(found)})
        elif parts.path.endswith("/Calls.json"):
            to = parse_qs(parts.query).get("To", [None])[-1]
            with self.owner.lock:
                found = [c for c in reversed(self.owner.calls) if to is None or c["to"] == to]
            self._json(200, {"calls": found, "next_page_uri": None, "page": 0,
                             "page_size": 50, "start": 0, "end": len(found)})
        elif "/Recordings/" in parts.path:
            sid = parts.path.rsplit("/", 1)[-1].removesuffix(".wav")
            audio = self.owner.recordings.get(sid)
            with self.owner.lock:
                self.owner.fetched.append(sid)
            if audio is None:
                self._json(404, {"code": 20404, "message": "not found", "status": 404})
            else:
                self._send(200, audio, kind="audio/x-wav")
        else:
            self._json(404, {"code": 20404, "message": "not found", "status": 404})

    def _delete(self):
        if self._misbehave():
            return
        sid = urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".json")
        with self.owner.lock:
            self.owner.deleted.append(sid)
        self._send(204)


class OwnProcess:
    """`main` run as a process of its own, for the benchmarks: `url` to give the gateway,
    then `stop()` -> (requests answered, most held at once, its CPU seconds)."""

    def __init__(self, latency: float, nice: int = 19):
        import subprocess
        import sys
        from pathlib import Path

        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--latency", str(latency),
             "--nice", str(nice)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def stop(self) -> tuple[int, int, float]:
        self.process.stdin.close()
        requests, most, cpu_s = self.process.stdout.readline().split()
        self.process.wait(10)
        return int(requests), int(most), float(cpu_s)


def main() -> None:
    """A stand-in in a process of its own (the benchmarks): `python tests/twilio_standin.py
    --latency 0.15` prints its URL, serves until its standard input closes, then prints
    how many requests it answered, the most it held at once and its CPU seconds. `--nice`
    lowers its priority: on the benchmark's cores it stands for Twilio's servers, whose
    work is not ours."""
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per answer")
    parser.add_argument("--nice", type=int, default=0)
    args = parser.parse_args()
    os.nice(args.nice)
    standin = StandIn()
    standin.latency = args.latency
    print(standin.url, flush=True)
    sys.stdin.read()
    standin.close()
    print(f"{standin.requests} {standin.max_in_flight} {time.process_time():.2f}", flush=True)


if __name__ == "__main__":
    main()
