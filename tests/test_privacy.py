"""Callers' personal data (issue 16): masked where it is shown, escaped where it is exported,
and gone after `purge`."""

import csv
import io

from werkzeug.security import generate_password_hash

from conftest import NOW, Caller
from routing import store as routing_store

PASSWORD = "leitung-passwort-1"
WHOLE_PERIOD = "from=2026-01-01&to=2027-12-31"


def logged_in(app, db, login_name="leitung", role="supervisor"):
    routing_store.add_agent(db, login=login_name, name=login_name.title(), role=role,
                            password_hash=generate_password_hash(PASSWORD),
                            sites=("waiblingen",), now=NOW)
    client = app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/agent/login", data={"login": login_name, "password": PASSWORD,
                                                  "csrf_token": token})
    assert response.status_code == 302
    return client


def not_understood_call(app, *lines):
    caller = Caller(app)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


# ---------------------------------------------------------------- 13: CSV for spreadsheets


def test_callers_words_that_look_like_formulas_are_exported_as_text(app, db):
    attack = '+SUM(1+1)*cmd|" /C calc"!A0'
    not_understood_call(app, attack, "=HYPERLINK(blubb)", "@irgendwas")
    supervisor = logged_in(app, db)
    text = supervisor.get(f"/supervisor/export/utterances.csv?{WHOLE_PERIOD}").get_data(
        as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    examples = [cell for cell in cells if "SUM" in cell or "HYPERLINK" in cell
                or "irgendwas" in cell]
    assert examples, text
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert any(cell.startswith("'+SUM(") for cell in cells), cells
