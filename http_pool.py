"""Keep-alive HTTP/1.1 connections per host, kept lean: the transport under gateway.py.

The twilio library builds each request and reads each answer; this sends it and reads
what comes back. requests, twilio's own choice, took about 1.4 ms of CPU per request on
our machine (preparing the request, merging settings, its adapter, urllib3's pool and
http.client's header parsing); a sender making 250 requests a second spent most of a
core on it. This writes a request in one `sendall` and reads the answer with a buffered
reader on the socket: about a sixth of requests' CPU (docs/SCALING.md).

What it keeps of requests: the environment's proxy (HTTPS_PROXY, NO_PROXY, ...) and CA
bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, else certifi's) are read as requests reads
them, once per scheme and host; an HTTP proxy is tunnelled through (CONNECT) for HTTPS;
a connect and a read timeout on every request; nothing is retried. A proxy reached over
HTTPS or SOCKS is left to requests (`Route.fallback`). Answers may come with a length
or chunked, and gzip-compressed.

What can go wrong comes out as: `NotSent` (connecting, the proxy's tunnel or the TLS
handshake failed: the request never left), `TimeoutError` (no answer in time), another
`OSError` (the connection broke after the request was written, or the answer was not
HTTP: `BadAnswer`). A connection that sat idle is checked before it is used again: one
the server closed meanwhile is dropped, not written to.
"""

from __future__ import annotations

import base64
import os
import re
import select
import socket
import ssl
import threading
import time
import weakref
import zlib
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import requests
from requests.utils import DEFAULT_CA_BUNDLE_PATH, extract_zipped_paths, select_proxy

# Servers close a keep-alive connection after some idle time (about a minute is common);
# one idle longer than this is closed here rather than written to.
IDLE_S = 50.0
DEFAULT_KEEP = 10  # idle connections kept per host, unless told more
MAX_LINE = 65536  # an answer's status or header line longer than this is not HTTP
MAX_HEADERS = 100
NO_BODY = (204, 304)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # never in a request line or header (injection)


class BadAnswer(ConnectionError):
    """The answer was not HTTP/1.x as expected, or the connection ended before it did."""


class NotSent(Exception):
    """The request never left: connecting to the host (or its proxy, or TLS) failed."""

    def __init__(self, cause: BaseException):
        super().__init__(f"not connected: {type(cause).__name__}")
        self.cause = cause
        self.timed_out = isinstance(cause, TimeoutError)


@dataclass
class Reply:
    """An answer, read whole; header names in lower case."""

    status: int
    body: bytes
    headers: dict[str, str]


class Connection:
    """One connection kept alive: its socket and a buffered reader on it."""

    __slots__ = ("sock", "reader", "read_s")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.read_s: float | None = None

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


@dataclass
class Route:
    """How to reach one scheme://host:port: directly or through a proxy, with which TLS
    settings; and its idle connections, newest last."""

    host: str
    port: int
    tls: ssl.SSLContext | None
    dial_host: str  # where the TCP connection goes: the host, or the proxy
    dial_port: int
    tunnel: bool = False  # HTTPS through a proxy: CONNECT, then TLS to the host
    absolute: bool = False  # plain HTTP through a proxy: the request names the whole URL
    proxy_headers: dict = field(default_factory=dict)
    fallback: bool = False  # a proxy we cannot use: requests sends it
    idle: list = field(default_factory=list)  # [(Connection, idle since)]
    lock: threading.Lock = field(default_factory=threading.Lock)


class Pool:
    """Connections kept open per host, shared by threads; up to `keep` idle ones a host
    (more may be open at once: those beyond it are closed after their request)."""

    def __init__(self, keep: int = DEFAULT_KEEP):
        self.keep = keep
        self._routes: dict[tuple[str, str], Route] = {}
        self._lock = threading.Lock()
        # Reads the environment as requests does; sends only what we cannot.
        self._requests = requests.Session()
        self.opened = 0  # connections opened (tests, benchmarks)
        # A pool dropped with its gateway (an app of a test) closes its connections.
        weakref.finalize(self, _close_idle, self._routes)

    def route_for(self, scheme: str, netloc: str) -> Route:
        route = self._routes.get((scheme, netloc))
        if route is None:
            with self._lock:
                route = self._routes.get((scheme, netloc))
                if route is None:
                    try:
                        route = self._new_route(scheme, netloc)
                    except (OSError, ValueError) as error:  # a CA bundle that is not there
                        raise NotSent(error) from error
                    self._routes[(scheme, netloc)] = route
        return route

    def _new_route(self, scheme: str, netloc: str) -> Route:
        origin = f"{scheme}://{netloc}"
        parts = urlsplit(origin)
        host, port = parts.hostname or "", parts.port or (443 if scheme == "https" else 80)
        found = self._requests.merge_environment_settings(origin, {}, None, None, None)
        tls = _tls_context(found["verify"]) if scheme == "https" else None
        proxy = select_proxy(origin, found["proxies"])
        if not proxy:
            return Route(host, port, tls, host, port)
        if "://" not in proxy:
            proxy = "http://" + proxy
        via = urlsplit(proxy)
        if via.scheme != "http":
            return Route(host, port, tls, host, port, fallback=True)
        login = {}
        if via.username:
            secret = f"{unquote(via.username)}:{unquote(via.password or '')}"
            login = {"Proxy-Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
        return Route(host, port, tls, via.hostname or "", via.port or 80,
                     tunnel=tls is not None, absolute=tls is None, proxy_headers=login)

    def request(self, method: str, url: str, body: bytes | None, headers: dict,
                timeout: tuple[float, float]) -> Reply:
        """Send one request and read its answer whole, on a kept connection if one is
        open and still good, else on a new one."""
        parts = urlsplit(url)
        route = self.route_for(parts.scheme, parts.netloc)
        if route.fallback:
            return self._by_requests(method, url, body, headers, timeout)
        if route.absolute:
            target, headers = url, {**route.proxy_headers, **headers}
        else:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = _head(method, target, parts.netloc, headers, body)
        connect_s, read_s = timeout
        connection = self._take(route) or self._connect(route, connect_s)
        if connection.read_s != read_s:
            connection.sock.settimeout(read_s)
            connection.read_s = read_s
        try:
            connection.sock.sendall(head + body if body else head)
            reply, reusable = _read_answer(connection.reader, method)
        except BaseException:
            connection.close()
            raise
        if reusable:
            self._give_back(route, connection)
        else:
            connection.close()
        return reply

    def _by_requests(self, method: str, url: str, body: bytes | None, headers: dict,
                     timeout: tuple[float, float]) -> Reply:
        """Through a proxy we cannot use: requests' exceptions come out."""
        reply = self._requests.request(method, url, data=body, headers=headers,
                                       timeout=timeout, allow_redirects=False)
        return Reply(reply.status_code, reply.content,
                     {name.lower(): value for name, value in reply.headers.items()})

    def _take(self, route: Route) -> Connection | None:
        """The most recently used idle connection that is still good, if any."""
        now = time.monotonic()
        while True:
            with route.lock:
                if not route.idle:
                    return None
                connection, since = route.idle.pop()
            if now - since < IDLE_S and not _dropped(connection.sock):
                return connection
            connection.close()

    def _give_back(self, route: Route, connection: Connection) -> None:
        with route.lock:
            if len(route.idle) < self.keep:
                route.idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _connect(self, route: Route, connect_s: float) -> Connection:
        """A new connection (through the proxy's tunnel, TLS), each step within
        `connect_s`; NotSent if any fails."""
        sock = None
        try:
            sock = socket.create_connection((route.dial_host, route.dial_port), connect_s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if route.tunnel:
                _tunnel(sock, route)
            if route.tls is not None:
                sock = route.tls.wrap_socket(sock, server_hostname=route.host)
        except OSError as error:
            if sock is not None:
                sock.close()
            raise NotSent(error) from error
        self.opened += 1
        return Connection(sock)

    def close(self) -> None:
        """Close every idle connection (those in use close after their request)."""
        _close_idle(self._routes)


def _close_idle(routes: dict[tuple[str, str], Route]) -> None:
    for route in list(routes.values()):
        with route.lock:
            idle, route.idle = route.idle, []
        for connection, _ in idle:
            connection.close()


def _head(method: str, target: str, host: str, headers: dict, body: bytes | None) -> bytes:
    """A request's line and headers, ready to write."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    text = "\r\n".join(lines)
    if _CONTROL.search(text.replace("\r\n", "")):
        raise ValueError("a control character in a request line or header")
    return (text + "\r\n\r\n").encode("utf-8")


def _read_answer(reader, method: str) -> tuple[Reply, bool]:
    """The answer on `reader`, read whole, and whether the connection may be used again."""
    while True:
        line = reader.readline(MAX_LINE + 1)
        if not line:
            raise BadAnswer("closed without an answer")
        version, _, rest = line.decode("latin-1").partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit() or len(line) > MAX_LINE:
            raise BadAnswer("not an HTTP/1.x status line")
        status = int(code)
        headers = _read_headers(reader)
        if not 100 <= status < 200:
            break  # an interim answer (100 Continue) is followed by the real one
    reusable = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in NO_BODY:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise BadAnswer("a Content-Length that is no number") from None
        body = reader.read(length)
        if len(body) != length:
            raise BadAnswer("the answer ended early")
    else:
        body, reusable = reader.read(), False  # to the end of the connection
    coding = headers.get("content-encoding", "identity").lower()
    if coding in ("gzip", "deflate"):
        try:
            body = zlib.decompress(body, 47 if coding == "gzip" else 15)
        except zlib.error:
            raise BadAnswer(f"a {coding} body that does not unpack") from None
    return Reply(status, body, headers), reusable


def _read_headers(reader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line or len(line) > MAX_LINE:
            raise BadAnswer("the answer's headers ended early")
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise BadAnswer("too many headers")


def _read_chunked(reader) -> bytes:
    parts = []
    while True:
        line = reader.readline(MAX_LINE + 1)
        try:
            size = int(line.split(b";", 1)[0], 16)
        except ValueError:
            raise BadAnswer("a chunk without its size") from None
        if size == 0:
            _read_headers(reader)  # trailers, if any, up to the empty line
            return b"".join(parts)
        chunk = reader.read(size + 2)
        if len(chunk) != size + 2:
            raise BadAnswer("the answer ended early")
        parts.append(chunk[:-2])


def _tunnel(sock: socket.socket, route: Route) -> None:
    """Ask the proxy for a tunnel to the host (CONNECT); OSError if it will not."""
    lines = [f"CONNECT {route.host}:{route.port} HTTP/1.1", f"Host: {route.host}:{route.port}",
             *(f"{name}: {value}" for name, value in route.proxy_headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    with sock.makefile("rb") as reader:  # the proxy says nothing after its answer
        line = reader.readline(MAX_LINE + 1)
        parts = line.split(None, 2)
        _read_headers(reader)
    if len(parts) < 2 or parts[1] != b"200":
        raise OSError(f"the proxy refused the tunnel: {line[:40]!r}")


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle connection was closed by the other side (or has something unasked
    for to read, which is as bad): then it is readable, and writing to it would fail or,
    worse, send a request that may or may not arrive."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


_contexts: dict[object, ssl.SSLContext] = {}


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS settings requests would use for `verify`: certifi's bundle for True, a
    file or a directory of CA certificates, or no checks for False."""
    context = _contexts.get(verify)
    if context is None:
        if verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif verify is True:
            context = ssl.create_default_context(
                cafile=extract_zipped_paths(DEFAULT_CA_BUNDLE_PATH))
        elif os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        else:
            context = ssl.create_default_context(cafile=verify)
        _contexts[verify] = context
    return context
