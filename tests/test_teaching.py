"""Supervisors teach the hotline: an accepted phrase is understood by the next caller on
every worker; changes that would alter what already works, personal data and emergency
phrases are held back; every version can be rolled back, exported and imported."""

import threading
import time
import tomllib

import pytest

import clock
from app import create_app
from conftest import NOW, TOKEN, Caller
from db import connect
from speech.catalogue import evaluation_set
from teaching import store
from teaching.checks import Refused, name_in, personal_data

# Small in tests, so a second worker's look-up for a new version comes at once.
REFRESH_S = 0.05
NEW_WAY_TO_ASK = "wer übernimmt die klassenfahrt"
NOT_UNDERSTOOD = "Das habe ich leider nicht verstanden"
PUT_THROUGH = "Ich verbinde Sie mit einer Mitarbeiterin oder einem Mitarbeiter"


def worker(path) -> object:
    """One worker process's app on the shared database (HOTLINE_DATABASE: a SQLite file or a
    PostgreSQL URL)."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test", "HOTLINE_DATABASE": str(path),
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "", "HOTLINE_LANGUAGES": ["de", "en"],
        "HOTLINE_VALIDATE_SIGNATURES": True, "HOTLINE_CATALOGUE_REFRESH_S": REFRESH_S,
    })
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.fixture
def workers(database_target):
    return worker(database_target), worker(database_target)


def hotline_answers(app, words: str) -> str:
    caller = Caller(app)
    caller.dial()
    return " ".join(caller.say(words))


def catalogue(app, *args):
    return app.test_cli_runner().invoke(args=["catalogue", *args])


def next_refresh() -> None:
    time.sleep(REFRESH_S * 2)


def test_an_accepted_phrase_is_understood_by_the_next_caller_on_every_worker(workers):
    first, second = workers
    assert NOT_UNDERSTOOD in hotline_answers(first, NEW_WAY_TO_ASK)
    assert NOT_UNDERSTOOD in hotline_answers(second, NEW_WAY_TO_ASK)

    result = catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent",
                       "--who", "mueller", "--why", "Bildung und Teilhabe: a caseworker")
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    next_refresh()

    assert PUT_THROUGH in hotline_answers(first, NEW_WAY_TO_ASK)
    assert PUT_THROUGH in hotline_answers(second, NEW_WAY_TO_ASK)
    # Other callers are answered as before.
    assert "Montag bis Freitag von 8 bis 12 Uhr geöffnet" in hotline_answers(
        second, "Wie sind Ihre Öffnungszeiten?")


def test_history_says_who_changed_what_when_and_why_and_keeps_no_call(workers):
    first, _ = workers
    catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent", "--who", "mueller",
              "--why", "seen 12 times this week")
    lines = catalogue(first, "history").output.strip().splitlines()
    assert len(lines) == 1
    number, at, who, change, why = lines[0].split("\t")
    assert (number, who, why) == ("1", "mueller", "seen 12 times this week")
    assert at == clock.utc_text(NOW)
    assert change == f"accepted {NEW_WAY_TO_ASK!r} -> agent"
    db = connect(first.config["HOTLINE_DATABASE"])
    columns = list(db["catalogue_versions"].columns_dict)
    db.conn.close()
    assert columns == ["version", "at", "who", "why", "change", "phrases"]


def test_a_change_that_alters_what_already_works_needs_confirming(workers):
    first, second = workers
    result = catalogue(first, "accept", "termin", "--intent", "opening_hours",
                       "--who", "mueller")
    assert result.exit_code == 1
    assert "'termin': book_appointment -> opening_hours (evaluation)" in result.output
    assert "confirm" in result.output
    assert catalogue(first, "history").output == ""
    next_refresh()
    assert "Termin" in hotline_answers(second, "termin")

    confirmed = catalogue(first, "accept", "termin", "--intent", "opening_hours",
                          "--who", "mueller", "--confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert "version 1" in confirmed.output


def test_re_assigning_an_accepted_phrase_shows_that_it_changes(workers):
    first, _ = workers
    catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent", "--who", "mueller")
    result = catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "report_change",
                       "--who", "schmidt")
    assert result.exit_code == 1
    assert f"{NEW_WAY_TO_ASK!r}: agent -> report_change (accepted)" in result.output
    again = catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent", "--who", "schmidt")
    assert "already in the catalogue" in again.output
    assert "nothing changed" in again.output


def test_rollback_restores_the_previous_behaviour_on_every_worker(workers):
    first, second = workers
    catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent", "--who", "mueller")
    next_refresh()
    assert PUT_THROUGH in hotline_answers(second, NEW_WAY_TO_ASK)

    result = catalogue(first, "rollback", "0", "--who", "mueller", "--why", "wrong office")
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    next_refresh()
    assert NOT_UNDERSTOOD in hotline_answers(second, NEW_WAY_TO_ASK)

    # The rollback itself can be rolled back: version 1 comes back as version 3.
    assert "version 3" in catalogue(first, "rollback", "1", "--who", "mueller").output
    next_refresh()
    assert PUT_THROUGH in hotline_answers(first, NEW_WAY_TO_ASK)
    history = catalogue(first, "history").output.strip().splitlines()
    assert [line.split("\t")[3] for line in history] == [
        "rolled back to version 1", "rolled back to version 0",
        f"accepted {NEW_WAY_TO_ASK!r} -> agent"]
    assert catalogue(first, "rollback", "7", "--who", "mueller").exit_code == 1


@pytest.mark.parametrize("phrase, reason", [
    ("meine kundennummer ist 123A45678", "contains digits"),
    ("schreiben sie an max.mustermann@example.org", "e-mail address"),
    ("meine nummer ist null sieben eins eins vier", "spoken number"),
    ("ich bin am dritten mai geboren", "spoken number or date"),
    ("ich möchte zu Herr Yilmaz", "personal name ('Yilmaz')"),
    ("mein Name ist Anna", "personal name ('Anna')"),
    ("termin bei Anna Schmidt", "personal name ('Anna Schmidt')"),
])
def test_phrases_with_personal_data_are_refused_with_the_reason(workers, phrase, reason):
    first, _ = workers
    result = catalogue(first, "accept", phrase, "--intent", "agent", "--who", "mueller")
    assert result.exit_code == 1
    assert "refused" in result.output and reason in result.output
    assert catalogue(first, "history").output == ""


@pytest.mark.parametrize("phrase, name", [
    ("Frau Öztürk hat mich angerufen", "Öztürk"),
    ("ich heiße Mehmet", "Mehmet"),
    ("my name is John", "John"),
    ("ein Brief von Peter Müller", "Peter Müller"),
    # Not names: German nouns, the first word, and two capitalised catalogue words.
    ("Wer übernimmt die Klassenfahrt", None),
    ("Wo ist das Jobcenter Backnang", None),
    ("frau", None),
    ("ich heiße nicht so", None),
])
def test_what_counts_as_a_name(phrase, name):
    assert name_in(phrase) == name
    assert (personal_data(phrase) is None) == (name is None)


def test_emergency_phrases_can_be_added_but_never_removed_or_reassigned(workers):
    first, second = workers
    added = catalogue(first, "accept", "wir sitzen ab morgen auf der strasse",
                      "--intent", "emergency", "--who", "mueller", "--confirm")
    assert added.exit_code == 0, added.output
    moved = catalogue(first, "accept", "wir sitzen ab morgen auf der strasse",
                      "--intent", "agent", "--who", "schmidt", "--confirm")
    assert moved.exit_code == 1 and "never given another intent" in moved.output
    removed = catalogue(first, "rollback", "0", "--who", "schmidt")
    assert removed.exit_code == 1 and "never removed" in removed.output
    # A phrase the shipped catalogue recognises as an emergency cannot be given away.
    shipped = catalogue(first, "accept", "mir wird morgen der strom abgestellt",
                        "--intent", "payment_status", "--who", "schmidt", "--confirm")
    assert shipped.exit_code == 1 and "emergency" in shipped.output
    assert len(catalogue(first, "history").output.strip().splitlines()) == 1


def test_two_supervisors_accepting_at_once_both_get_a_version_of_their_own(workers):
    first, _ = workers
    path = first.config["HOTLINE_DATABASE"]
    start = threading.Barrier(2)
    versions, errors = [], []

    def supervisor(who: str, phrase: str, intent: str) -> None:
        db = connect(path)
        try:
            start.wait()
            versions.append(store.accept(db, [("de", intent, phrase)], who, "", NOW).version)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            db.conn.close()

    threads = [threading.Thread(target=supervisor, args=args) for args in [
        ("mueller", NEW_WAY_TO_ASK, "agent"),
        ("schmidt", "ich brauche hilfe beim lebenslauf schreiben", "job_search")]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(versions) == [1, 2]
    db = connect(path)
    newest = store.version(db)
    db.conn.close()
    assert sorted(newest.for_lang("de")) == [
        ("agent", NEW_WAY_TO_ASK), ("job_search", "ich brauche hilfe beim lebenslauf schreiben")]


def test_the_exported_layer_loads_on_a_fresh_deployment(workers, more_databases, tmp_path):
    first, _ = workers
    catalogue(first, "accept", NEW_WAY_TO_ASK, "--intent", "agent", "--who", "mueller")
    catalogue(first, "accept", 'der "Bildungsgutschein" für den Kurs', "--intent", "job_search",
              "--who", "mueller", "--confirm")
    exported = catalogue(first, "export").output
    data = tomllib.loads(exported)
    assert data["intents"]["agent"]["phrases"] == [NEW_WAY_TO_ASK]
    assert data["intents"]["job_search"]["phrases"] == ['der "Bildungsgutschein" für den Kurs']

    fresh = worker(more_databases())
    assert NOT_UNDERSTOOD in hotline_answers(fresh, NEW_WAY_TO_ASK)
    file = tmp_path / "live.toml"
    file.write_text(exported, encoding="utf-8")
    result = catalogue(fresh, "import", str(file), "--who", "admin", "--confirm")
    assert result.exit_code == 0, result.output
    next_refresh()
    assert PUT_THROUGH in hotline_answers(fresh, NEW_WAY_TO_ASK)
    assert catalogue(fresh, "export").output.replace("version 1", "version 2") == exported


def test_the_evaluation_sets_ship_with_the_package():
    from pathlib import Path

    shipped = set(evaluation_set("de"))
    data = Path(__file__).parent / "data" / "intents_heldout_de.tsv"
    held_out = {tuple(part.strip() for part in line.split("\t", 1))
                for line in data.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    assert held_out <= shipped
    assert len(shipped) > len(held_out)  # and the shared development set
    assert evaluation_set("en")


def test_a_refusal_is_an_error_of_the_store_too(workers):
    first, _ = workers
    db = connect(first.config["HOTLINE_DATABASE"])
    try:
        with pytest.raises(Refused, match="unknown intent"):
            store.accept(db, [("de", "kindergeld", "wo gibt es kindergeld")], "m", "", NOW)
        with pytest.raises(Refused, match="must be named"):
            store.accept(db, [("de", "agent", NEW_WAY_TO_ASK)], " ", "", NOW)
    finally:
        db.conn.close()


PASSWORD = "leitung-passwort-1"


def logged_in(app, login_name: str, role: str):
    from werkzeug.security import generate_password_hash

    from routing import store as routing_store

    db = connect(app.config["HOTLINE_DATABASE"])
    routing_store.add_agent(db, login=login_name, name=login_name.title(), role=role,
                            password_hash=generate_password_hash(PASSWORD),
                            sites=("waiblingen",), now=NOW)
    db.conn.close()
    client = app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/agent/login", data={"login": login_name, "password": PASSWORD,
                                             "csrf_token": token}).status_code == 302
    return client


def test_a_supervisor_assigns_a_phrase_on_the_dashboard_and_callers_notice(workers):
    first, second = workers
    leitung = logged_in(first, "leitung", "supervisor")
    token = leitung.get("/supervisor/catalogue.json").get_json()["csrf"]
    headers = {"X-CSRFToken": token}
    body = {"phrase": NEW_WAY_TO_ASK, "intent": "agent", "why": "Bildung und Teilhabe"}

    assert leitung.post("/supervisor/catalogue/accept", json=body).status_code == 400
    answer = leitung.post("/supervisor/catalogue/accept", json=body, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["version"] == 1
    next_refresh()
    assert PUT_THROUGH in hotline_answers(second, NEW_WAY_TO_ASK)

    conflict = leitung.post("/supervisor/catalogue/accept", headers=headers,
                            json={"phrase": "termin", "intent": "opening_hours"})
    assert conflict.status_code == 409
    assert {"text": "termin", "expected": "book_appointment", "after": "opening_hours",
            "source": "evaluation"} in conflict.get_json()["conflicts"]
    refused = leitung.post("/supervisor/catalogue/accept", headers=headers,
                           json={"phrase": "mein Name ist Anna", "intent": "agent"})
    assert refused.status_code == 422 and "personal name" in refused.get_json()["refused"]

    listing = leitung.get("/supervisor/catalogue.json").get_json()
    assert listing["version"] == 1
    assert listing["versions"][0]["who"] == "leitung"
    assert listing["phrases"][0]["phrase"] == NEW_WAY_TO_ASK
    back = leitung.post("/supervisor/catalogue/rollback", json={"version": 0}, headers=headers)
    assert back.get_json() == {"version": 2}
    next_refresh()
    assert NOT_UNDERSTOOD in hotline_answers(second, NEW_WAY_TO_ASK)


def test_agents_may_not_change_the_catalogue(workers):
    first, _ = workers
    anna = logged_in(first, "anna", "agent")
    assert anna.get("/supervisor/catalogue.json").status_code == 403
    token = anna.get("/agent/state.json").get_json()["csrf"]
    answer = anna.post("/supervisor/catalogue/accept", headers={"X-CSRFToken": token},
                       json={"phrase": NEW_WAY_TO_ASK, "intent": "agent"})
    assert answer.status_code == 403
    assert first.test_client().get("/supervisor/catalogue.json").status_code == 401
