"""`POST /api/cases`: upstream systems push case changes with a bearer token, idempotently."""

import pytest

from cases import install as cases_install
from cases import store as case_store

TOKEN = "cases-api-test-token-0123456789"
ERIKA = {"customer_number": "123D456789", "name": "Erika Mustermann",
         "birth_date": "1980-05-03", "team": "Team 2",
         "next_payment": {"date": "2026-12-30", "amount": 563},
         "applications": [{"type": "weiterbewilligung", "received": "2026-11-03",
                           "status": "unterlagen_fehlen",
                           "missing_documents": ["Kontoauszüge der letzten drei Monate"]}]}


@pytest.fixture
def app(app):
    app.config["HOTLINE_CASES_API_TOKEN"] = TOKEN
    cases_install.init_app(app)
    return app


def push(client, body, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/cases", json=body, headers=headers)


def test_without_a_configured_token_there_is_no_api(app, client):
    app.config["HOTLINE_CASES_API_TOKEN"] = ""
    assert push(client, ERIKA, token="").status_code == 404
    assert push(client, ERIKA, token="anything").status_code == 404


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN[:-1], TOKEN + "x"])
def test_a_missing_or_wrong_token_is_refused_and_stores_nothing(client, db, token):
    reply = push(client, ERIKA, token=token)
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert case_store.customer_count(db) == 0


def test_a_push_twice_is_created_then_unchanged(client, db):
    first = push(client, ERIKA)
    assert first.status_code == 200
    assert first.get_json() == {"results": [{"customer_number": "123D456789",
                                             "result": "created"}], "changed": 1}
    row = db.execute("SELECT * FROM case_customers").fetchall()
    second = push(client, ERIKA)
    assert second.get_json() == {"results": [{"customer_number": "123D456789",
                                              "result": "unchanged"}], "changed": 0}
    assert db.execute("SELECT * FROM case_customers").fetchall() == row


def test_a_status_change_keeps_what_it_does_not_mention(client, db):
    push(client, ERIKA)
    change = {"customer_number": "123d456789", "applications": [
        {"type": "Weiterbewilligung", "received": "03.11.2026", "status": "bewilligt"}]}
    reply = push(client, [change])
    assert reply.get_json()["results"] == [{"customer_number": "123D456789",
                                            "result": "updated"}]
    erika = case_store.get_customer(db, "123D456789")
    assert erika.applications[0].status == "bewilligt"
    assert erika.payment_cents == 56300 and erika.name == "Erika Mustermann"
    assert push(client, [change]).get_json()["changed"] == 0


def test_one_bad_record_stores_nothing_of_the_push(client, db):
    bad = dict(ERIKA, customer_number="12345BG001234")
    reply = push(client, [dict(ERIKA), bad, {"customer_number": "987B654321"}])
    assert reply.status_code == 422
    errors = reply.get_json()["errors"]
    assert [e["index"] for e in errors] == [1, 2]
    assert "wrong length" in errors[0]["error"]
    assert errors[1]["error"] == "name: missing"
    assert case_store.customer_count(db) == 0


def test_a_body_that_is_not_json_is_a_bad_request(client):
    reply = client.post("/api/cases", data="customer_number=1",
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 400
