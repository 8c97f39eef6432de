"""A stand-in for Twilio's REST API on 127.0.0.1 that can misbehave on purpose.

It answers the few requests the hotline makes (create and list Messages, create, list
and update Calls, fetch and delete a Recording) as Twilio does, and can instead refuse
connections, accept and never answer, answer 500, 429 with Retry-After, 400 with a
Twilio error code, answer slowly, or create the message and then never answer (the
request that reached Twilio but whose answer was lost). `latency` delays every answer as
the real Twilio's round trip does (about 100-300 ms); it counts the requests it holds at
once (`max_in_flight`) and notes when each arrived (`arrivals`); `next_modes` misbehaves
for the next few requests only; `connections` counts the connections it accepted. The
app reaches it through HOTLINE_TWILIO_API_BASE.

One asyncio loop in a thread of its own serves every connection (a Protocol, keep-alive)
and holds a delayed answer as a timer, without a thread or a task: in the benchmarks it
shares the cores with the hotline (as a thread-per-connection http.server it took 0.7 ms
of CPU a request).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from email.utils import format_datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from clock import SYSTEM

OK, REFUSE, HANG, ERROR_500, RATE_LIMIT, BAD_REQUEST, SLOW, CREATE_THEN_HANG = (
    "ok", "refuse", "hang", "500", "429", "400", "slow", "create-then-hang")
MISBEHAVIOURS = (REFUSE, HANG, ERROR_500, RATE_LIMIT, BAD_REQUEST, SLOW, CREATE_THEN_HANG)
SLOW_S = 0.3
HANG_MAX_S = 60.0  # a hanging request is let go after this, or when released
NOT_FOUND = (404, {"code": 20404, "message": "not found", "status": 404})
_HEADERS = re.compile(r"^(content-length|x-forwarded-host|connection):(.*)$",
                      re.IGNORECASE | re.MULTILINE)


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
        self.connections = 0  # connections accepted
        self.latency = 0.0  # seconds before each answer that is not an error (OK, SLOW)
        self.next_modes: list[str] = []  # modes for the next requests, one each, then `mode`
        self.in_flight = 0
        self.max_in_flight = 0
        # (monotonic time it arrived, its mode, monotonic time it was answered or None)
        self.arrivals: list[list] = []
        self.hosts: list[str | None] = []  # the Twilio host each request was meant for
        self.lock = threading.Lock()
        self.released = threading.Event()  # ends every hanging request
        self._connections: set[_Connection] = set()
        self._hung: set[asyncio.Transport] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="twilio-standin")
        self._thread.start()
        self._server = None
        self._listen(0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _call(self, function, *args):
        """Run `function(*args)` on the stand-in's loop and wait for it."""
        async def run():
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def _listen(self, port: int) -> None:
        # Many connections at once: a sender with 75 requests in flight.
        self._server = asyncio.run_coroutine_threadsafe(self._loop.create_server(
            lambda: _Connection(self), "127.0.0.1", port, backlog=256, reuse_address=True),
            self._loop).result(10)

    def set(self, mode: str) -> None:
        """Change behaviour; REFUSE closes the port and every connection (Twilio cannot be
        reached), anything else opens the port again."""
        if mode == REFUSE and self._server is not None:
            self._call(self._close_all)
        elif mode != REFUSE and self._server is None:
            self._listen(self.port)
        if mode not in (HANG, CREATE_THEN_HANG):
            self.released.set()
            self._call(self._release)
        else:
            self.released.clear()
        self.mode = mode

    def close(self) -> None:
        self.released.set()
        if self._loop.is_closed():
            return
        self._call(self._close_all)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _close_all(self) -> None:
        if self._server is not None:
            self._server.close()  # the listening socket closes at once
            self._server = None
        for connection in list(self._connections):
            connection.transport.abort()

    def _release(self) -> None:
        for transport in list(self._hung):
            transport.close()
        self._hung.clear()

    def _hang(self, transport: asyncio.Transport) -> None:
        """Answer nothing; the connection closes when released (or after HANG_MAX_S)."""
        if self.released.is_set():
            transport.close()
            return
        self._hung.add(transport)
        self._loop.call_later(HANG_MAX_S, transport.close)

    # ------------------------------------------------------------------ one request

    def _arrived(self, connection: _Connection, method: str, target: str, headers: dict,
                 body: bytes) -> None:
        """Count a request in and answer it when its mode says: after the latency (a timer
        on the loop, not a thread), at once, or never (hang)."""
        with self.lock:
            mode = self.next_modes.pop(0) if self.next_modes else self.mode
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            arrival = [time.monotonic(), mode, None]
            self.arrivals.append(arrival)
            self.requests += 1
            self.hosts.append(headers.get("x-forwarded-host"))
        delay = (self.latency if mode in (OK, SLOW) else 0.0) + (SLOW_S if mode == SLOW else 0.0)
        request = (connection, arrival, mode, method, target, headers, body)
        if delay:
            self._loop.call_later(delay, self._respond, *request)
        else:
            self._respond(*request)

    def _respond(self, connection: _Connection, arrival: list, mode: str, method: str,
                 target: str, headers: dict, body: bytes) -> None:
        """Act on the request (Twilio acts whether or not the client still waits), then
        answer it on its connection, if that is still open."""
        try:
            parts = urlsplit(target)
            form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
            if mode == CREATE_THEN_HANG and method == "POST" and parts.path.endswith(
                    "/Messages.json"):
                self._create_message(form)
                mode = HANG
            if mode != HANG:
                status, payload, extra = self._answer(mode, method, parts, form)
        finally:
            with self.lock:
                self.in_flight -= 1
                arrival[2] = time.monotonic()
        if mode == HANG:
            self._hang(connection.transport)
        else:
            connection.answer(_response(status, payload, extra),
                              close=headers.get("connection", "").lower() == "close")

    # ------------------------------------------------------------------ what Twilio says

    def _answer(self, mode: str, method: str, parts, form: dict) -> tuple[int, object, dict]:
        """(status, a JSON payload or raw audio, extra headers) for one request."""
        if mode == ERROR_500:
            return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}, {}
        if mode == RATE_LIMIT:
            return (429, {"code": 20429, "message": "Too Many Requests", "status": 429},
                    {"Retry-After": self.retry_after})
        if mode == BAD_REQUEST:
            return 400, {"code": self.error_code, "message": "refused", "status": 400}, {}
        path = parts.path
        if method == "POST":
            if path.endswith("/Messages.json"):
                return 201, self._create_message(form), {}
            if path.endswith("/Calls.json"):
                return 201, self._create_call(form), {}
            if "/Calls/" in path:
                sid = path.rsplit("/", 1)[-1].removesuffix(".json")
                with self.lock:
                    self.call_updates.append({"call_sid": sid, **form})
                return 200, {"sid": sid, "status": "in-progress"}, {}
        elif method == "GET":
            to = parse_qs(parts.query).get("To", [None])[-1]
            if path.endswith("/Messages.json"):
                with self.lock:
                    found = [m for m in reversed(self.messages) if to is None or m["to"] == to]
                return 200, _page("messages", found), {}
            if path.endswith("/Calls.json"):
                with self.lock:
                    found = [c for c in reversed(self.calls) if to is None or c["to"] == to]
                return 200, _page("calls", found), {}
            if "/Recordings/" in path:
                sid = path.rsplit("/", 1)[-1].removesuffix(".wav")
                with self.lock:
                    self.fetched.append(sid)
                audio = self.recordings.get(sid)
                return (200, audio, {}) if audio is not None else (*NOT_FOUND, {})
        elif method == "DELETE":
            with self.lock:
                self.deleted.append(path.rsplit("/", 1)[-1].removesuffix(".json"))
            return 204, b"", {}
        return (*NOT_FOUND, {})

    def _create_message(self, form: dict) -> dict:
        with self.lock:
            sid = f"SM{len(self.messages) + 1:032d}"
            message = {"sid": sid, "to": form.get("To"), "from": form.get("From"),
                       "messaging_service_sid": form.get("MessagingServiceSid"),
                       "body": form.get("Body"), "status": "queued",
                       "status_callback": form.get("StatusCallback"),
                       "date_created": _now_text()}
            self.messages.append(message)
        return message

    def _create_call(self, form: dict) -> dict:
        with self.lock:
            sid = f"CA{len(self.calls) + 1:032d}"
            call = {"sid": sid, **form, "to": form.get("To"), "from": form.get("From"),
                    "url": form.get("Url"), "status_callback": form.get("StatusCallback"),
                    "machine_detection": form.get("MachineDetection"),
                    "status": "queued",
                    "date_created": _now_text()}
            self.calls.append(call)
        return {key: value for key, value in call.items() if key[:1].islower()}


class _Connection(asyncio.Protocol):
    """One client connection, keep-alive: its requests are read one after the other, each
    answered before the next is read (clients do not pipeline)."""

    def __init__(self, standin: StandIn):
        self.standin = standin
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.busy = False  # a request is being answered

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.standin._connections.add(self)
        with self.standin.lock:
            self.standin.connections += 1

    def connection_lost(self, exc) -> None:
        self.standin._connections.discard(self)
        self.standin._hung.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].decode("latin-1")
        # Only the headers it acts on: parsing all of them was a fifth of its CPU.
        headers = {name.lower(): value.strip() for name, value in _HEADERS.findall(head)}
        try:
            method, target, _ = head[:head.find("\r\n")].split(" ", 2)
            length = int(headers.get("content-length") or 0)
        except ValueError:
            self.transport.write(_response(400, {"message": "bad request"}, {}))
            self.transport.close()
            return
        if len(self.buffer) < end + 4 + length:
            return  # the body is still on its way
        body = self.buffer[end + 4:end + 4 + length]
        self.buffer = self.buffer[end + 4 + length:]
        self.busy = True
        self.standin._arrived(self, method, target, headers, body)

    def answer(self, data: bytes, close: bool) -> None:
        if self.transport.is_closing():
            return  # the client gave up waiting
        self.transport.write(data)
        self.busy = False
        if close:
            self.transport.close()
        else:
            self._next()


_said = [0.0, ""]  # (monotonic second, its date as Twilio writes it)


def _now_text() -> str:
    """Now as Twilio writes a date (RFC 2822), worked out once a second."""
    second = time.monotonic() // 1
    if _said[0] != second:
        _said[:] = [second, format_datetime(SYSTEM(), usegmt=False)]
    return _said[1]


def _page(key: str, found: list[dict]) -> dict:
    return {key: found, "next_page_uri": None, "page": 0, "page_size": 50, "start": 0,
            "end": len(found)}


def _response(status: int, payload: object, headers: dict) -> bytes:
    """One HTTP/1.1 answer, head and body in one write (no wait for a delayed ACK)."""
    if isinstance(payload, bytes):
        body, kind = payload, "audio/x-wav"
    else:
        body, kind = json.dumps(payload).encode(), "application/json"
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Type: {kind}",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class OwnProcess:
    """`main` run as a process of its own, for the benchmarks: `url` to give the gateway,
    then `stop()` -> (requests answered, most held at once, its CPU seconds serving)."""

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
    how many requests it answered, the most it held at once and its CPU seconds while
    serving (not starting). `--nice` lowers its priority: on the benchmark's cores it
    stands for Twilio's servers, whose work is not ours."""
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
    started = time.process_time()
    print(standin.url, flush=True)
    sys.stdin.read()
    standin.close()
    print(f"{standin.requests} {standin.max_in_flight} {time.process_time() - started:.2f}",
          flush=True)


if __name__ == "__main__":
    main()
