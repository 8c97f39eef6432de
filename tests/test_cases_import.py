"""`flask --app app import-cases FILE`: CSV and JSON, bad rows with their lines, all or nothing."""

import json

import pytest

from cases import install as cases_install
from cases import store as case_store

HEADER = ("customer_number;name;birth_date;team;next_payment_date;next_payment_amount;"
          "application_type;application_received;application_status;missing_documents\n")
GOOD_CSV = HEADER + (
    "123D456789;Erika Mustermann;03.05.1980;Team 2;30.12.2026;563,00;"
    "Weiterbewilligung;03.11.2026;Unterlagen fehlen;Kontoauszüge der letzten drei Monate|"
    "Mietvertrag\n"
    "123D456789;Erika Mustermann;03.05.1980;Team 2;30.12.2026;563,00;"
    "Arbeitslosengeld;01.10.2026;bewilligt;\n"
    "54321BG0098765;Otto Normalverbraucher;1960-07-20;Team 3;;;;;;\n")


@pytest.fixture
def app(app):
    cases_install.init_app(app)
    cases_install.init_app(app)  # twice is harmless
    return app


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def records(db):
    return case_store.export_records(db)


def test_a_good_csv_is_imported_and_importing_it_again_changes_nothing(runner, db, tmp_path):
    path = write(tmp_path, "export.csv", GOOD_CSV)
    result = runner.invoke(args=["import-cases", path])
    assert result.exit_code == 0, result.output
    assert "Imported 2 customers: 2 created, 0 updated, 0 unchanged." in result.output
    erika = case_store.get_customer(db, "123D456789")
    assert erika.birth_date == "1980-05-03"
    assert (erika.payment_date, erika.payment_cents) == ("2026-12-30", 56300)
    assert [(a.kind, a.received, a.status) for a in erika.applications] == [
        ("arbeitslosengeld", "2026-10-01", "bewilligt"),
        ("weiterbewilligung", "2026-11-03", "unterlagen_fehlen")]
    assert erika.applications[1].missing_documents == (
        "Kontoauszüge der letzten drei Monate", "Mietvertrag")
    before = db.execute("SELECT * FROM case_customers ORDER BY customer_number").fetchall()

    again = runner.invoke(args=["import-cases", path])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 2 unchanged" in again.output
    assert db.execute("SELECT * FROM case_customers ORDER BY customer_number"
                      ).fetchall() == before  # not even updated_at moved


def test_a_changed_row_updates_its_customer(runner, db, tmp_path):
    runner.invoke(args=["import-cases", write(tmp_path, "a.csv", GOOD_CSV)])
    changed = GOOD_CSV.replace("Unterlagen fehlen;Kontoauszüge der letzten drei Monate|"
                               "Mietvertrag", "in Bearbeitung;")
    result = runner.invoke(args=["import-cases", write(tmp_path, "b.csv", changed)])
    assert "0 created, 1 updated, 1 unchanged" in result.output
    statuses = {a.status for a in case_store.get_customer(db, "123D456789").applications}
    assert statuses == {"in_bearbeitung", "bewilligt"}


def test_a_malformed_csv_reports_every_bad_line_and_imports_nothing(runner, db, tmp_path):
    bad = HEADER + (
        "123D456789;Erika Mustermann;03.05.1980;Team 2;;;Weiterbewilligung;03.11.2026;"
        "in Bearbeitung;\n"                                                         # line 2: good
        "123D45678;Kurz;01.01.1970;;;;;;;\n"                                        # 3: length
        "54321BG0098765;Otto;31.02.1960;;;;;;;\n"                                   # 4: no such day
        "987B654321;Lieschen Müller;1992-02-29;;;;Arbeitslosengeld;2026-10-01;ruhend;\n"  # 5
        "555C555555;Zu wenig;1990-01-01\n"                                          # 6: columns
        "666E666666;Geld;1990-01-01;;2026-12-01;viel;;;;\n")                        # 7: amount
    path = write(tmp_path, "bad.csv", bad)
    result = runner.invoke(args=["import-cases", path])
    assert result.exit_code == 1
    out = result.output
    assert f"{path}:3: customer_number: wrong length" in out
    assert f"{path}:4: birth_date: no such date: '31.02.1960'" in out
    assert f"{path}:5: application 1: unknown status 'ruhend'" in out
    assert f"{path}:6: 3 columns, the header has 10" in out
    assert f"{path}:7: next payment amount: not an amount in euros" in out
    assert f"{path}:2:" not in out
    assert "5 bad rows: nothing imported" in out
    assert case_store.customer_count(db) == 0


def test_skip_bad_imports_the_good_customers_whole(runner, db, tmp_path):
    mixed = HEADER + (
        "123D456789;Erika Mustermann;03.05.1980;;;;Weiterbewilligung;03.11.2026;"
        "in Bearbeitung;\n"
        "123D456789;Erika Mustermann;03.05.1980;;;;Erstantrag;03.13.2026;eingegangen;\n"
        "54321BG0098765;Otto Normalverbraucher;20.07.1960;;;;;;;\n"
        "987B654321;Lieschen Müller;29.02.1992;;;;;;;\n"
        "987B654321;Lieschen Mueller;29.02.1992;;;;;;;\n")
    path = write(tmp_path, "mixed.csv", mixed)
    result = runner.invoke(args=["import-cases", path, "--skip-bad"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{path}:3: application 1 received: no such date" in out
    assert f"{path}:2: skipped: another row of this customer is bad" in out
    assert f"{path}:6: customer data differs from line 5" in out
    assert "Imported 1 customers: 1 created" in out
    # A customer with a bad row is not imported in part.
    assert [r["customer_number"] for r in records(db)] == ["54321BG0098765"]


def test_a_wrong_header_is_refused_at_line_one(runner, db, tmp_path):
    path = write(tmp_path, "x.csv", "kundennummer,name\n123D456789,Erika\n")
    result = runner.invoke(args=["import-cases", path, "--skip-bad"])
    assert result.exit_code == 1
    assert "line 1: missing columns: customer_number" in result.output
    assert "unknown columns: kundennummer" in result.output


def test_a_good_json_file_is_imported_once(runner, db, tmp_path):
    data = [{"customer_number": "12345BG0012345", "name": "Max Mustermann",
             "birth_date": "1975-12-12", "team": "Team 1", "next_payment": None,
             "applications": [{"type": "Erstantrag", "received": "2026-11-10",
                               "status": "in Bearbeitung", "missing_documents": []}]}]
    path = write(tmp_path, "export.json", json.dumps(data, indent=2))
    assert "1 created" in runner.invoke(args=["import-cases", path]).output
    assert "1 unchanged" in runner.invoke(args=["import-cases", path]).output
    (record,) = records(db)
    assert record["applications"][0]["status"] == "in_bearbeitung"


def test_bad_json_records_are_reported_with_their_lines(runner, db, tmp_path):
    text = ('[\n'
            '  {"customer_number": "123D456789", "name": "Erika", "birth_date": "1980-05-03"},\n'
            '  {"customer_number": "123D456789X", "name": "Zu lang",\n'
            '   "birth_date": "1980-05-03"},\n'
            '  {"customer_number": "987B654321", "name": "L", "birth_date": "2030-01-01"},\n'
            '  {"customer_number": "123D456789", "name": "Doppelt", "birth_date": "1980-05-03"},\n'
            '  ["not", "an", "object"]\n'
            ']\n')
    path = write(tmp_path, "bad.json", text)
    result = runner.invoke(args=["import-cases", path])
    assert result.exit_code == 1
    out = result.output
    assert f"{path}:3: customer_number: wrong length" in out
    assert f"{path}:5: birth_date: not a plausible date of birth" in out
    assert f"{path}:2: the same customer number is also on line 6" in out
    assert f"{path}:6: the same customer number is also on line 2" in out
    assert f"{path}:7: a record must be an object" in out
    assert case_store.customer_count(db) == 0


def test_broken_json_syntax_names_its_line(runner, db, tmp_path):
    path = write(tmp_path, "broken.json", '[\n {"customer_number": "123D456789",\n  "name": }\n]')
    result = runner.invoke(args=["import-cases", path])
    assert result.exit_code == 1
    assert "line 3: not valid JSON" in result.output
    assert case_store.customer_count(db) == 0


def test_the_demo_file_imports_and_is_the_documented_demo(runner, db):
    result = runner.invoke(args=["import-cases", str(case_store.DEMO_FILE)])
    assert result.exit_code == 0, result.output
    assert {r["customer_number"]: r["birth_date"] for r in records(db)} == {
        "123D456789": "1980-05-03", "12345BG0012345": "1975-12-12",
        "987B654321": "1992-02-29", "54321BG0098765": "1960-07-20"}


def test_the_command_has_help(runner):
    result = runner.invoke(args=["import-cases", "--help"])
    assert "--skip-bad" in result.output and "CSV or JSON" in result.output
