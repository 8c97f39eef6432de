"""The gateway's connections to Twilio (http_pool.py): kept alive, checked before reuse.

Through the real gateway against the stand-in (tests/twilio_standin.py): requests share
a few connections instead of one each (a TLS handshake against Twilio); a connection
Twilio closed while it sat idle is not written to; a request that timed out on a kept
connection still leaves its message uncertain (looked up before it is sent again); the
environment's proxy is used. Answers framed otherwise than the stand-in's (chunked,
gzip, to the end of the connection) are read whole, from a server with canned answers.
"""

import gzip
import socket
import ssl
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_twilio_outage import book_with_sms, drain, live_app, rows
from twilio_standin import HANG, OK, REFUSE

import outbox
from gateway import CONNECTION, GatewayError, TwilioGateway
from http_pool import NotSent, Pool

ACCOUNT = "AC" + "0" * 32
MOBILE = "+491701234567"


def gateway_to(url: str) -> TwilioGateway:
    return TwilioGateway(ACCOUNT, "token", "+4971519999999", api_base=url)


def test_sms_one_after_the_other_share_one_connection(standin):
    gateway = gateway_to(standin.url)
    sids = [gateway.send_sms(MOBILE, f"Nachricht {n}") for n in range(5)]
    assert sids == [message["sid"] for message in standin.messages]
    assert standin.connections == 1 and gateway.http.pool.opened == 1


def test_requests_in_parallel_keep_as_many_connections_as_requests_in_flight(standin):
    gateway = gateway_to(standin.url)
    gateway.keep_connections(12)  # more than the pool keeps by default (10)
    standin.latency = 0.2
    together = threading.Barrier(12)

    def send(n):
        together.wait()  # twelve at once
        return gateway.send_sms(MOBILE, f"Nachricht {n}")

    with ThreadPoolExecutor(12) as pool:
        for _ in range(2):  # twelve, then twelve again
            list(pool.map(send, range(12)))
    assert len(standin.messages) == 24 and standin.max_in_flight == 12
    # Keeping only ten, the second twelve would have opened two connections more.
    assert standin.connections == 12


def test_a_connection_twilio_closed_while_idle_is_not_written_to(standin):
    gateway = gateway_to(standin.url)
    gateway.send_sms(MOBILE, "Erste")
    standin.set(REFUSE)  # every connection closed, as after Twilio's idle timeout
    standin.set(OK)
    gateway.send_sms(MOBILE, "Zweite")  # on a new connection, no error
    assert [m["body"] for m in standin.messages] == ["Erste", "Zweite"]
    assert standin.connections == 2


def test_a_timeout_on_a_kept_connection_leaves_the_message_uncertain(database_target,
                                                                     standin):
    app = live_app(database_target, standin)
    app.extensions["hotline.gateway"].send_sms("+491709999999", "Vorher")  # a kept connection
    standin.set(HANG)
    book_with_sms(app)
    outbox.deliver_due(app)
    (row,) = [r for r in rows(app)]
    assert row["state"] == "queued" and row["reason"] == "timeout"
    db = outbox.database.connect(app.config["HOTLINE_DATABASE"])
    try:
        assert db.execute("SELECT uncertain FROM outbox").fetchone() == (1,)
    finally:
        db.conn.close()
    standin.set(OK)
    drain(app)
    # Looked up first (not found: the hung request created nothing), then sent once.
    assert [m["to"] for m in standin.messages] == ["+491709999999", MOBILE]
    assert [r["state"] for r in rows(app)] == ["sent"]


def test_the_environments_proxy_is_used(standin, monkeypatch):
    # The stand-in plays an HTTP proxy: the request names the whole URL, and the host in
    # it (which does not exist) is never looked up by the gateway.
    monkeypatch.setenv("HTTP_PROXY", standin.url)
    monkeypatch.setenv("http_proxy", standin.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    gateway = gateway_to("http://api.twilio.invalid")
    gateway.send_sms(MOBILE, "Durch den Proxy")
    assert [m["body"] for m in standin.messages] == ["Durch den Proxy"]


def test_https_through_a_proxy_tunnels_and_no_proxy_is_obeyed(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://hotline:geheim@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    pool = Pool()
    route = pool.route_for("https", "api.twilio.com")
    assert (route.dial_host, route.dial_port, route.tunnel) == ("proxy.example", 3128, True)
    assert route.proxy_headers == {"Proxy-Authorization": "Basic aG90bGluZTpnZWhlaW0="}
    direct = pool.route_for("https", "internal.example")
    assert (direct.dial_host, direct.tunnel) == ("internal.example", False)


def test_a_ca_bundle_that_is_not_there_fails_before_anything_is_sent(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    gateway = TwilioGateway(ACCOUNT, "token", "+4971519999999")
    with pytest.raises(GatewayError) as caught:
        gateway.send_sms(MOBILE, "Test")
    assert caught.value.kind == CONNECTION and caught.value.reached is False


# ---------------------------------------------------------------- other framings of an answer

BODY = b'{"sid": "SM1"}'
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\n" + BODY[:5] + b"\r\n" + f"{len(BODY) - 5:x}".encode() + b"\r\n"
           + BODY[5:] + b"\r\n0\r\n\r\n")
GZIP = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
        + str(len(gzip.compress(BODY))).encode() + b"\r\n\r\n" + gzip.compress(BODY))
TO_THE_END = b"HTTP/1.0 200 OK\r\n\r\n" + BODY
CLOSE = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 14\r\n\r\n" + BODY


class Canned:
    """A server that answers every request on a connection with the same bytes (and
    closes the connection after an HTTP/1.0 answer); over TLS with `tls`."""

    def __init__(self, answer: bytes, tls: ssl.SSLContext | None = None):
        self.answer = answer
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except (ssl.SSLError, OSError):  # the client refused our certificate
                    client.close()
                    continue
            self.connections += 1
            with client:
                while client.recv(65536):
                    client.sendall(self.answer)
                    if self.answer.startswith(b"HTTP/1.0"):
                        break

    def close(self):
        self.listener.close()


@pytest.mark.parametrize(("answer", "kept"), [(CHUNKED, True), (GZIP, True),
                                              (TO_THE_END, False), (CLOSE, False)])
def test_answers_are_read_whole_however_they_are_framed(answer, kept):
    server = Canned(answer)
    pool = Pool()
    try:
        for _ in range(2):
            reply = pool.request("GET", server.url + "/x", None, {}, (1.0, 1.0))
            assert (reply.status, reply.body) == (200, BODY)
        assert server.connections == (1 if kept else 2)
    finally:
        pool.close()
        server.close()


# ---------------------------------------------------------------- TLS, as Twilio's API is

@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for localhost (openssl, as an office's own CA would)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def test_https_is_checked_against_the_ca_bundle_and_kept_alive(certificate, monkeypatch):
    cert, context = certificate
    server = Canned(b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n" + BODY, tls=context)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # the bundle that knows our CA
    pool = Pool()
    try:
        for _ in range(2):
            reply = pool.request("GET", server.url + "/x", None, {}, (2.0, 2.0))
            assert (reply.status, reply.body) == (200, BODY)
        assert server.connections == 1  # one TLS handshake for both
    finally:
        pool.close()
    # A server whose certificate no trusted CA signed gets nothing: not even the request.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    pool = Pool()
    try:
        with pytest.raises(NotSent):
            pool.request("POST", server.url + "/x", b"Body=geheim", {}, (2.0, 2.0))
        assert server.connections == 1
    finally:
        pool.close()
        server.close()
