"""Abuse of the webhooks, the console and the APIs (issue 16): each test is one way in, closed."""

import pytest

from conftest import Caller


def state_turn(db, call_sid):
    return db.execute("SELECT turns FROM calls WHERE call_sid = ?", [call_sid]).fetchone()[0]


# ---------------------------------------------------------------- 14: the turn number


@pytest.mark.parametrize("query", ["?t=abc", "?t=1e3", "?t=", "?t=-0", "?t=0x0", "?t= 0", ""])
def test_a_turn_number_that_is_not_ours_only_repeats_the_question(app, db, query):
    caller = Caller(app)
    greeting = caller.dial()
    # "Mitarbeiter" would hand the call over if it were taken as the current turn.
    reply = caller.post("/voice/turn" + query, SpeechResult="Mitarbeiter", Confidence="0.9")
    assert reply.status == 200
    assert "Guten Tag" in reply.body and "<Enqueue" not in reply.body and "<Dial" not in reply.body
    assert state_turn(db, caller.call_sid) == 0
    assert greeting  # the question heard again is the greeting's
    # The right number still works.
    assert "<Enqueue" in caller.post("/voice/turn?t=0", SpeechResult="Mitarbeiter",
                                     Confidence="0.9").body


# ---------------------------------------------------------------- 15: readiness writes

READY_UNTIL_THE_DISK_FAILS = r"""
import json, resource, signal, sys
from app import create_app
app = create_app({"HOTLINE_ENV": "test", "HOTLINE_DATABASE": sys.argv[1],
                  "TWILIO_AUTH_TOKEN": "t"})
client = app.test_client()
before = client.get("/readyz")
# From here on no file may grow: every commit fails with "disk I/O error", reads still work.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
after = client.get("/readyz")
print(json.dumps([before.status_code, after.status_code, after.get_json()]))
"""


# About SQLite itself: the file that can no longer grow is the SQLite file this process
# writes; PostgreSQL's files belong to its server, which this process's limit cannot touch.
@pytest.mark.sqlite_only
def test_readiness_fails_when_the_database_cannot_be_written(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", READY_UNTIL_THE_DISK_FAILS,
                           str(tmp_path / "hotline.sqlite3")], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, timeout=60)
    before, after, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == 200
    assert after == 503, body
    assert body["status"] == "not ready" and body["checks"]["database"].startswith("error")


# ---------------------------------------------------------------- 12: JSON to /api/cases

CASES_TOKEN = "cases-api-test-token-0123456789"


def push_raw(client, body: bytes):
    return client.post("/api/cases", data=body, content_type="application/json",
                       headers={"Authorization": f"Bearer {CASES_TOKEN}"})


@pytest.mark.parametrize("depth", [9, 1000, 100_000])
def test_deeply_nested_json_is_a_bad_request_not_a_crash(app, depth):
    app.config["HOTLINE_CASES_API_TOKEN"] = CASES_TOKEN
    reply = push_raw(app.test_client(), b"[" * depth + b"]" * depth)
    assert reply.status_code == 400
    assert "nested" in reply.get_json()["error"]


def test_an_unknown_field_is_named_but_not_echoed_whole(app):
    app.config["HOTLINE_CASES_API_TOKEN"] = CASES_TOKEN
    name = "x" * 100_000
    reply = push_raw(app.test_client(),
                     ('{"customer_number": "123D456789", "' + name + '": 1}').encode())
    assert reply.status_code == 422
    assert "unknown field 'xxxx" in reply.get_data(as_text=True)
    assert len(reply.get_data()) < 500
    nested = push_raw(app.test_client(), ('{"customer_number": "123D456789", "name": "A",'
                                          ' "birth_date": "1980-05-03", "applications":'
                                          ' [{"' + name + '": 1}]}').encode())
    assert nested.status_code == 422 and len(nested.get_data()) < 500


# ---------------------------------------------------------------- 11: forwarded headers


@pytest.mark.parametrize("header", [{"X-Forwarded-For": "8.8.8.8"},
                                    {"Forwarded": "for=8.8.8.8"}, {"X-Real-IP": "8.8.8.8"}])
def test_metrics_are_not_for_a_request_a_proxy_forwarded_without_being_trusted(client, header):
    assert client.get("/metrics").status_code == 200  # this machine, directly
    assert client.get("/metrics", headers=header).status_code == 403


def test_metrics_behind_a_trusted_proxy_go_by_the_forwarded_address(app):
    from app import create_app

    config = {**app.config, "HOTLINE_PROXY_HOPS": 1}
    client = create_app(config).test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "8.8.8.8"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_gunicorn_believes_no_forwarded_scheme_it_was_not_told_to(tmp_path, database_target):
    import requests
    from test_reliability import TOKEN, Server
    from twilio.request_validator import RequestValidator

    server = Server(tmp_path, workers=1, database=database_target)
    try:
        form = {"CallSid": "CA" + "5" * 32, "From": "+491761234567", "To": "+4971519876543"}
        https_url = server.url.replace("http://", "https://") + "/voice/incoming"
        signature = RequestValidator(TOKEN).compute_signature(https_url, form)
        reply = requests.post(server.url + "/voice/incoming", data=form, timeout=10,
                              headers={"X-Twilio-Signature": signature,
                                       "X-Forwarded-Proto": "https"})
        assert reply.status_code == 403
        metrics = requests.get(server.url + "/metrics", timeout=10,
                               headers={"X-Forwarded-For": "8.8.8.8"})
        assert metrics.status_code == 403
    finally:
        server.stop()


# ---------------------------------------------------------------- 9: request body limits


def raw_post(port: int, path: str, head: dict, body_parts, timeout=10.0) -> tuple[int, float]:
    """POST over a plain socket, sending body parts until the server answers; (status, s)."""
    import select
    import socket
    import time

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                 *(f"{k}: {v}" for k, v in head.items()), "", ""]
        conn.sendall("\r\n".join(lines).encode())
        for part in body_parts:
            if select.select([conn], [], [], 0)[0]:
                break  # the server answered (or closed) before the body was all sent
            try:
                conn.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    assert answer, "no answer"
    return int(answer.split(b" ", 2)[1]), time.monotonic() - started


def chunked(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b"%x\r\n" % size + b"[" * size + b"\r\n"
        sent += size
    yield b"0\r\n\r\n"


def ready(server):
    """The server, once a worker answers /readyz (its database made and migrated)."""
    import time

    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(server.url + "/readyz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("the server did not get ready")


@pytest.fixture
def gunicorn_server(tmp_path, database_target, monkeypatch):
    from test_reliability import Server

    monkeypatch.setenv("HOTLINE_CASES_API_TOKEN", CASES_TOKEN)
    server = Server(tmp_path, workers=1, database=database_target)
    yield server
    server.stop()


def test_bodies_larger_than_a_route_needs_are_refused_before_parsing(gunicorn_server):
    import requests
    from test_reliability import TOKEN
    from twilio.request_validator import RequestValidator

    port = gunicorn_server.port
    form_head = {"Content-Type": "application/x-www-form-urlencoded"}
    # An unsigned 100 MB form: refused from its Content-Length, long before it is all sent.
    status, seconds = raw_post(port, "/voice/incoming",
                               {**form_head, "Content-Length": str(100 * 1024 * 1024)},
                               (b"x" * 65536 for _ in range(1600)))
    assert status == 413 and seconds < 60  # a hang check, not a timing test
    # A signed 10 MB form: a valid signature does not make it small enough.
    url = gunicorn_server.url + "/voice/incoming"
    form = {"CallSid": "CA" + "6" * 32, "From": "+491761234567", "SpeechResult": "x" * 10**7}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    reply = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert reply.status_code == 413
    # A chunked 20 MB body to the case API (5 MB at most), with the right token.
    status, _ = raw_post(port, "/api/cases",
                         {"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                          "Authorization": f"Bearer {CASES_TOKEN}"}, chunked(20 * 1024 * 1024))
    assert status == 413
    # ... and so is a chunked form to a webhook; a small chunked push still works.
    status, _ = raw_post(port, "/voice/incoming",
                         {**form_head, "Transfer-Encoding": "chunked"}, chunked(1024 * 1024))
    assert status == 413
    small = requests.post(gunicorn_server.url + "/api/cases",
                          data=iter([b'{"customer_number": "123D456789", "name": "E",',
                                     b' "birth_date": "1980-05-03"}']),
                          headers={"Content-Type": "application/json",
                                   "Authorization": f"Bearer {CASES_TOKEN}"}, timeout=10)
    assert small.status_code == 200, small.text


# ---------------------------------------------------------------- 6-8: the console's login

LOGIN_PASSWORD = "richtig-geheim-42"


def add_agent(db, login, role="agent"):
    from werkzeug.security import generate_password_hash

    from conftest import NOW
    from routing import store as routing_store

    return routing_store.add_agent(db, login=login, name=login.title(), role=role,
                                   password_hash=generate_password_hash(LOGIN_PASSWORD),
                                   sites=("waiblingen",), now=NOW).id


def csrf_token(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def log_out(client):
    token = client.get("/agent/state.json").get_json()["csrf"]
    return client.post("/agent/logout", headers={"X-CSRFToken": token})


def log_in(client, login, password=LOGIN_PASSWORD):
    token = csrf_token(client.get("/agent/login").get_data(as_text=True))
    return client.post("/agent/login", data={"login": login, "password": password,
                                             "csrf_token": token})


@pytest.mark.parametrize("attempts", [12, 30])
def test_parallel_login_attempts_cannot_pass_the_limit(tmp_path, database_target, monkeypatch,
                                                       attempts):
    import threading

    import requests
    from test_reliability import Server

    from db import connect

    monkeypatch.setenv("HOTLINE_SECRET_KEY", "one-key-for-every-worker-0123456789")
    server = ready(Server(tmp_path, workers=2, database=database_target))
    try:
        database = connect(server.database)
        add_agent(database, "leitung", role="supervisor")
        database.conn.close()
        sessions = []
        for _ in range(attempts):
            session = requests.Session()
            page = session.get(server.url + "/agent/login", timeout=10).text
            sessions.append((session, csrf_token(page)))
        start = threading.Barrier(attempts)
        statuses = []

        def attempt(n):
            session, token = sessions[n]
            password = LOGIN_PASSWORD if n == attempts // 2 else f"falsch-{n:04d}-geraten"
            start.wait()
            reply = session.post(server.url + "/agent/login", allow_redirects=False, timeout=30,
                                 data={"login": "leitung", "password": password,
                                       "csrf_token": token})
            statuses.append(reply.status_code)

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(statuses) == attempts
        checked = [s for s in statuses if s != 429]
        # Two free failures, and the third that sets the first delay: as one after another.
        assert len(checked) <= 3, sorted(statuses)
        assert set(statuses) <= {302, 401, 429}
    finally:
        server.stop()


def test_an_address_trying_names_cannot_lock_a_supervisor_out_of_her_browser(app, db):
    add_agent(db, "leitung", role="supervisor")
    hers = app.test_client()
    assert log_in(hers, "leitung").status_code == 302  # she has worked in this browser
    log_out(hers)
    attacker = app.test_client()  # the same address (127.0.0.1), as behind one NAT
    for n in range(10):
        assert log_in(attacker, f"erfunden{n}", "irgendwas-123").status_code in (401, 429)
    for n in range(5):  # ... and guesses at her account too
        assert log_in(attacker, "leitung", f"geraten-{n}-xyz").status_code in (401, 429)
    assert log_in(attacker, "leitung").status_code == 429  # the attacker stays slowed
    assert log_in(hers, "leitung").status_code == 302
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert log_in(elsewhere, "anna-gibt-es-nicht", "x" * 12).status_code == 401


def test_a_device_cookie_is_slowed_by_its_own_failures(app, db):
    add_agent(db, "leitung", role="supervisor")
    browser = app.test_client()
    assert log_in(browser, "leitung").status_code == 302
    log_out(browser)
    for n in range(3):
        assert log_in(browser, "leitung", f"vertippt-{n}-abc").status_code == 401
    assert log_in(browser, "leitung").status_code == 429


def test_logging_out_ends_the_session_on_the_server(app, db):
    add_agent(db, "anna")
    browser = app.test_client()
    assert log_in(browser, "anna").status_code == 302
    cookie = browser.get_cookie("session").value
    thief = app.test_client()  # the same cookie, the same User-Agent
    thief.set_cookie("session", cookie)
    assert thief.get("/agent/state.json").status_code == 200
    token = browser.get("/agent/state.json").get_json()["csrf"]
    assert browser.post("/agent/logout", headers={"X-CSRFToken": token}).status_code == 302
    assert thief.get("/agent/state.json").status_code == 401
    assert browser.get("/agent/state.json").status_code == 401


# ---------------------------------------------------------------- 10: Vosk mode's websockets


def test_websockets_that_never_start_cannot_take_the_webhooks_threads(tmp_path, database_target,
                                                                     monkeypatch):
    import json
    import threading
    import time

    import requests
    from test_reliability import TOKEN, Server
    from twilio.request_validator import RequestValidator
    from websockets.sync.client import connect

    from ivr.media import AUTH_DEADLINE_S
    from speech import vosk_samples

    monkeypatch.setenv("HOTLINE_SPEECH_ENGINE", "vosk")
    monkeypatch.setenv("VOSK_MODEL_PATH", vosk_samples.model_path())
    server = ready(Server(tmp_path, workers=1, database=database_target))
    try:
        ended: dict[int, float] = {}
        opened = time.monotonic()

        def pester(n):
            """Connect, say `connected`, then only ever `mark`: never a `start`."""
            try:
                with connect(server.url.replace("http", "ws") + "/voice/media",
                             open_timeout=20) as ws:
                    ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
                    for _ in range(120):
                        ws.send(json.dumps({"event": "mark", "mark": {"name": "x"}}))
                        time.sleep(0.5)
            except Exception:  # noqa: BLE001 - closed by the server: what we wait for
                pass
            ended[n] = time.monotonic() - opened

        pests = [threading.Thread(target=pester, args=(n,), daemon=True) for n in range(14)]
        for pest in pests:
            pest.start()
        time.sleep(1.0)
        url = server.url + "/voice/incoming"
        answered = []
        for n in range(7):
            form = {"CallSid": f"CA{n:032d}", "From": "+491761234567", "To": "+4971519876543"}
            signature = RequestValidator(TOKEN).compute_signature(url, form)
            try:
                reply = requests.post(url, data=form, timeout=5,
                                      headers={"X-Twilio-Signature": signature})
                answered.append(reply.status_code)
            except requests.RequestException as error:
                answered.append(type(error).__name__)
        assert answered == [200] * 7
        for pest in pests:
            pest.join(AUTH_DEADLINE_S + 20)
        assert len(ended) == 14  # every socket closed by the server
        assert max(ended.values()) < AUTH_DEADLINE_S + 10, ended
    finally:
        server.stop()


# ---------------------------------------------------------------- HSTS


def test_https_answers_tell_browsers_to_stay_on_https(app):
    from app import create_app

    client = app.test_client()
    secure = client.get("/agent/login", base_url="https://hotline.example.de")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/agent/login").headers
    # A forwarded "https" counts only from a proxy the app was told to trust.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/healthz", headers=forwarded).headers
    proxied = create_app({**app.config, "HOTLINE_PROXY_HOPS": 1}).test_client()
    assert "Strict-Transport-Security" in proxied.get("/healthz", headers=forwarded).headers
