"""The browser softphone: there in development, absent in production."""

from app import create_app
from conftest import NOW, TOKEN


def make(target, env):
    app = create_app({"HOTLINE_DATABASE": target, "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_ENV": env})
    app.extensions["hotline.clock"] = lambda: NOW  # staffed: a hand-over queues the caller
    return app


def test_simulator_is_not_served_outside_development(database_target):
    client = make(database_target, "production").test_client()
    assert client.get("/simulator/").status_code == 404
    assert client.post("/simulator/api/call", json={}).status_code == 404


def test_a_call_in_the_simulator_uses_the_real_webhooks(database_target):
    client = make(database_target, "development").test_client()
    page = client.get("/simulator/")
    assert page.status_code == 200 and "Hotline-Simulator" in page.get_data(as_text=True)

    started = client.post("/simulator/api/call", json={"from": "+491701234567"}).get_json()
    assert started["said"][0].startswith("Guten Tag")
    answer = client.post("/simulator/api/say", json={"progress": started["progress"],
                                                     "line": "#0"}).get_json()
    assert any("Mitarbeiter" in s for s in answer["said"])
    assert answer["progress"]["wait_url"]  # waiting in the queue
    ended = client.post("/simulator/api/say", json={"progress": answer["progress"],
                                                    "hangup": True}).get_json()
    assert ended["outcome"] == "agent"


def test_simulator_rejects_bad_requests_clearly(database_target):
    client = make(database_target, "development").test_client()
    assert client.post("/simulator/api/say", data="x").status_code == 400
    assert client.post("/simulator/api/say", json={"progress": {"call_sid": "x"}}
                       ).status_code == 400
    assert client.post("/simulator/api/call", json={"from": "<script>"}).status_code == 400
