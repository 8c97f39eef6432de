"""The agent console over HTTP: login, CSRF, brute force, what an agent may see, outcomes; CLI."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

import routing
from app import create_app
from db import connect, transaction
from routing import callbacks, dispatch, queue, store

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "richtig-geheim-42"
HASH = generate_password_hash(PASSWORD)


def connect_url(call_sid, agent_id):
    return f"https://hotline.example/voice/connect/{agent_id}"


class Clock:
    """A clock the test moves on by hand."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def console_app(app, clock):
    routing.init_app(app, connect_url=connect_url)
    app.extensions["hotline.clock"] = clock
    database = connect(app.config["HOTLINE_DATABASE"])
    with transaction(database):
        store.migrate(database)
    database.conn.close()
    return app


@pytest.fixture
def rdb(console_app):
    database = connect(console_app.config["HOTLINE_DATABASE"])
    yield database
    database.conn.close()


def add(rdb, login, *, sites=("waiblingen",), topics=("geldleistungen", "allgemein"),
        role="agent"):
    return store.add_agent(rdb, login=login, name=login.title(), password_hash=HASH, role=role,
                           topics=topics, languages=("de",), sites=sites, reach_kind="client",
                           reach_address=f"id-{login}", now=T0).id


def csrf_of(client, path="/agent/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, login, password=PASSWORD):
    token = csrf_of(client)
    return client.post("/agent/login", data={"login": login, "password": password,
                                             "csrf_token": token})


@pytest.fixture
def anna(rdb, console_app):
    agent_id = add(rdb, "anna")
    client = console_app.test_client()
    assert log_in(client, "anna").status_code == 302
    client.csrf = client.get("/agent/state.json").get_json()["csrf"]
    client.agent_id = agent_id
    return client


def post(client, path, **fields):
    return client.post(path, data=fields, headers={"X-CSRFToken": client.csrf})


# ----------------------------------------------------------------- login


def test_pages_without_login_redirect_to_the_login_and_json_says_401(console_app):
    client = console_app.test_client()
    response = client.get("/agent/")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    assert client.get("/agent/state.json").status_code == 401
    assert client.post("/agent/status", data={"status": "available"}).status_code in (400, 401)


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_console(console_app, rdb):
    add(rdb, "anna")
    client = console_app.test_client()
    refused = log_in(client, "anna", "falsch-falsch-falsch")
    assert refused.status_code == 401
    assert "Anmeldung fehlgeschlagen" in refused.get_data(as_text=True)
    assert log_in(client, "anna").headers["Location"].endswith("/agent/")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Anna" in page and "Wartende Anrufe" in page


def test_console_pages_are_not_cached_framed_or_fed_foreign_scripts(anna):
    for path in ("/agent/", "/agent/state.json"):
        headers = anna.get(path).headers
        assert headers["Cache-Control"] == "no-store"  # call data stays off shared disks
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_login_without_csrf_token_is_refused(console_app, rdb):
    add(rdb, "anna")
    client = console_app.test_client()
    response = client.post("/agent/login", data={"login": "anna", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/agent/").status_code == 302


def test_console_posts_without_csrf_token_change_nothing(anna, rdb):
    response = anna.post("/agent/status", data={"status": "available"})
    assert response.status_code == 400
    assert store.get_agent(rdb, anna.agent_id).status == "offline"
    assert post(anna, "/agent/status", status="available").status_code == 200
    assert store.get_agent(rdb, anna.agent_id).status == "available"


def test_brute_force_is_slowed_even_for_the_right_password_then_allowed_again(
        console_app, rdb, clock):
    add(rdb, "anna")
    client = console_app.test_client()
    for _ in range(3):
        assert log_in(client, "anna", "rate-mal-123").status_code == 401
    locked = log_in(client, "anna")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 2
    assert "Zu viele Fehlversuche" in locked.get_data(as_text=True)
    # Each further failure doubles the delay.
    clock.now += timedelta(seconds=3)
    assert log_in(client, "anna", "rate-mal-456").status_code == 401
    assert int(log_in(client, "anna").headers["Retry-After"]) == 4
    clock.now += timedelta(seconds=5)
    assert log_in(client, "anna").status_code == 302


def test_failed_logins_an_hour_old_are_forgotten(console_app, rdb, clock):
    add(rdb, "anna")
    client = console_app.test_client()
    for _ in range(3):
        log_in(client, "anna", "rate-mal-123")
    clock.now += timedelta(hours=2)
    # One more typo after a long pause is a first failure again, not a lockout.
    assert log_in(client, "anna", "vertippt-123").status_code == 401
    assert log_in(client, "anna").status_code == 302


def test_one_address_trying_many_logins_is_slowed_too(console_app, rdb):
    add(rdb, "anna")
    client = console_app.test_client()
    for n in range(10):
        log_in(client, f"unbekannt{n}", "irgendwas-123")
    assert log_in(client, "anna").status_code == 429


def test_the_next_parameter_cannot_send_the_agent_elsewhere(console_app, rdb):
    add(rdb, "anna")
    client = console_app.test_client()
    token = csrf_of(client)
    response = client.post("/agent/login?next=//evil.example/", data={
        "login": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/agent/")


def test_session_cookie_is_secure_outside_development(database_target):
    app = create_app({"HOTLINE_ENV": "production", "HOTLINE_DATABASE": database_target,
                      "TWILIO_AUTH_TOKEN": "x" * 32})
    routing.init_app(app, connect_url=connect_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# ----------------------------------------------------------------- what an agent sees


def test_an_agent_sees_only_callers_of_their_own_sites_and_cannot_take_others(anna, rdb):
    mine = queue.enqueue(rdb, "CA-mine", topic="geldleistungen", site="waiblingen", now=T0)
    other = queue.enqueue(rdb, "CA-other", topic="geldleistungen", site="backnang", now=T0)
    callbacks.request_callback(rdb, None, phone="+4971911111", confirmed_by="spoken",
                               topic="geldleistungen", site="backnang", now=T0)
    state = anna.get("/agent/state.json").get_json()
    assert [w["id"] for w in state["waiting"]] == [mine.id]
    assert state["callbacks"] == []
    assert post(anna, f"/agent/calls/{other.id}/take").status_code == 404
    assert queue.open_entry(rdb, "CA-other").ringing_agent_id is None


def test_a_supervisor_sees_every_site(console_app, rdb):
    add(rdb, "chefin", role="supervisor", sites=("waiblingen",))
    queue.enqueue(rdb, "CA-other", topic="geldleistungen", site="backnang", now=T0)
    client = console_app.test_client()
    log_in(client, "chefin")
    state = client.get("/agent/state.json").get_json()
    assert len(state["waiting"]) == 1 and "team" in state


def test_going_available_connects_the_waiting_caller_at_once(anna, rdb, console_app):
    queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    state = post(anna, "/agent/status", status="available").get_json()
    assert state["agent"]["status"] == "ringing"
    assert console_app.extensions["hotline.gateway"].redirects[-1] == {
        "call_sid": "CA1", "url": f"https://hotline.example/voice/connect/{anna.agent_id}"}


def test_take_a_call_see_the_context_and_record_the_outcome(anna, rdb, console_app):
    with transaction(rdb):
        rdb.execute("INSERT INTO calls (call_sid, started_at, updated_at, from_number, intent)"
                    " VALUES ('CA1', 'x', 'x', '+4915112345678', 'payment_status')")
        rdb.execute("INSERT INTO turns (call_sid, turn, speech, intent, said) VALUES"
                    " ('CA1', 1, 'mei geld isch no net do', 'payment_status',"
                    " 'Ich verbinde Sie.')")
    entry = queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen",
                          intent="payment_status", now=T0)
    assert post(anna, f"/agent/calls/{entry.id}/take").status_code == 200
    dispatch.agent_answered(rdb, "CA1", anna.agent_id, now=T0)
    current = anna.get("/agent/state.json").get_json()["current"]
    assert current["intent"] == "Zahlung / Geldeingang"
    assert current["turns"][0]["caller"] == "mei geld isch no net do"
    assert current["verified"] is False
    assert current["phone"] == "+49*********78"
    dispatch.dial_ended(rdb, "CA1", anna.agent_id, "completed", now=T0)
    state = post(anna, "/agent/outcome", outcome="callback_needed", note="Unterlagen fehlen")
    assert state.get_json()["agent"]["status"] == "available"
    assert rdb.execute("SELECT outcome, note FROM call_outcomes").fetchall() == [
        ("callback_needed", "Unterlagen fehlen")]
    # "Rückruf nötig" leaves a callback the agent can see, with the number masked.
    listed = anna.get("/agent/state.json").get_json()["callbacks"]
    assert listed[0]["phone"] == "+49*********78"


def test_no_phone_numbers_in_urls_or_the_log(anna, rdb, caplog):
    caplog.set_level("DEBUG")
    wish = callbacks.request_callback(rdb, "CA9", phone="+4915199999999",
                                      confirmed_by="caller_id", topic="geldleistungen",
                                      site="waiblingen", now=T0)
    page = anna.get("/agent/").get_data(as_text=True)
    started = post(anna, f"/agent/callbacks/{wish.id}/start").get_json()
    # Only the agent who calls back sees the whole number, in the body, never a URL.
    assert started["callbacks"][0]["phone"] == "+4915199999999"
    post(anna, f"/agent/callbacks/{wish.id}/attempt", result="reached", note="ok")
    assert "4915199999999" not in page
    assert "4915199999999" not in caplog.text
    assert callbacks.get_callback(rdb, wish.id).status == "done"


# ----------------------------------------------------------------- accounts from the command line


def test_users_add_with_password_from_stdin_then_log_in(console_app, rdb):
    runner = console_app.test_cli_runner()
    result = runner.invoke(args=["users", "add", "maria", "--name", "Maria Roth", "--role",
                                 "supervisor", "--topics", "geldleistungen,allgemein",
                                 "--languages", "de,en", "--sites", "backnang",
                                 "--sip", "sip:maria@pbx.example", "--password-stdin"],
                           input="ein-langes-passwort\n")
    assert result.exit_code == 0, result.output
    maria = store.find_agent(rdb, "maria")
    assert (maria.role, maria.sites, maria.languages, maria.reach_kind) == (
        "supervisor", ("backnang",), ("de", "en"), "sip")
    assert "ein-langes-passwort" not in store.password_hash(rdb, maria.id)
    listing = runner.invoke(args=["users", "list"]).output
    assert "maria" in listing and "supervisor" in listing
    client = console_app.test_client()
    assert log_in(client, "maria", "ein-langes-passwort").status_code == 302


def test_users_add_asks_twice_and_refuses_short_passwords_and_duplicates(console_app, rdb):
    runner = console_app.test_cli_runner()
    base = ["users", "add", "max", "--name", "Max", "--sites", "waiblingen"]
    short = runner.invoke(args=base, input="kurz\nkurz\n")
    assert short.exit_code != 0 and "10 characters" in short.output
    mismatch = runner.invoke(args=base, input="langes-passwort-1\nanderes-passwort\n"
                                              "langes-passwort-1\nlanges-passwort-1\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output
    again = runner.invoke(args=base + ["--password-stdin"], input="langes-passwort-1\n")
    assert again.exit_code != 0 and "exists already" in again.output


def test_seed_demo_creates_accounts_that_can_log_in(console_app, rdb):
    from routing.demo import DEMO_PASSWORD, seed_demo

    assert seed_demo(rdb) == 4
    assert seed_demo(rdb) == 0
    client = console_app.test_client()
    assert log_in(client, "agent.waiblingen", DEMO_PASSWORD).status_code == 302


def test_working_a_callback_is_a_status_of_its_own_no_call_rings_meanwhile(anna, rdb):
    wish = callbacks.request_callback(rdb, "CA9", phone="+4915199999999",
                                      confirmed_by="caller_id", topic="geldleistungen",
                                      site="waiblingen", now=T0)
    post(anna, "/agent/status", status="available")
    agent = post(anna, f"/agent/callbacks/{wish.id}/start").get_json()["agent"]
    assert (agent["status"], agent["status_label"]) == ("callback", "Rückruf")
    queue.enqueue(rdb, "CA1", topic="geldleistungen", site="waiblingen", now=T0)
    assert dispatch.reserve_agent(rdb, "CA1", now=T0) is None  # busy calling back
    agent = post(anna, f"/agent/callbacks/{wish.id}/attempt", result="no_answer").get_json()[
        "agent"]
    assert agent["status"] == "ringing"  # free again: the waiting caller rings her at once
