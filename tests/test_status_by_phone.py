"""Application and payment status by phone, through the real webhooks, with the demo customers.

Demo customers (cases/demo/customers.json, fictitious): Erika Mustermann 123D456789,
born 3 May 1980 (Weiterbewilligung, documents missing, 563 euros on 30 December); Max
Mustermann 12345BG0012345, born 12 December 1975 (Erstantrag in Bearbeitung, no
payment known); Otto Normalverbraucher 54321BG0098765, born 20 July 1960 (no
application). The clock stands at Wednesday, 25 November 2026, 10:00 (conftest.NOW).
"""

import json
from datetime import timedelta

import pytest

import outbox
from cases import store as case_store
from conftest import NOW, Caller, with_demo_cases
from routing.context import call_context
from routing.dispatch import whisper_text

ERIKA = "eins zwei drei D wie Dora vier fünf sechs sieben acht neun"
ERIKA_BORN = "dritter Mai neunzehnhundertachtzig"
MOBILE = "+491701234567"
OTHER_MOBILE = "+491709876543"
LANDLINE = "+4971511234567"
CASE_WORDS = ("Antrag", "Zahlung", "Euro", "eingegangen", "Kontoauszüge", "Mustermann")


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def call(app, *lines, from_number=MOBILE):
    caller = Caller(app, from_number=from_number)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


def said_by_hotline(db, call_sid):
    return [row[0] or "" for row in db.execute(
        "SELECT said FROM turns WHERE call_sid = ? ORDER BY turn", [call_sid]).fetchall()]


def test_application_status_by_voice_after_both_checks(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?")
    assert "Kundennummer" in caller.hears()
    caller.say(ERIKA)
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()
    caller.say("ja")
    assert "Geburtsdatum" in caller.hears()
    # Nothing about the case was said before both matched.
    assert not any(word in " ".join(said_by_hotline(db, caller.call_sid))
                   for word in CASE_WORDS[1:])
    caller.say(ERIKA_BORN)
    said = caller.hears()
    assert ("Ihr Weiterbewilligungsantrag ist am 3. November eingegangen und wird bearbeitet. "
            "Es fehlt noch: Kontoauszüge der letzten drei Monate.") in said
    assert "Möchten Sie die Liste der fehlenden Unterlagen per SMS?" in said
    assert db.execute("SELECT verified, customer_number FROM calls WHERE call_sid = ?",
                      [caller.call_sid]).fetchone() == (1, "123D456789")
    caller.say("ja")
    assert "Die Liste schicke ich Ihnen per SMS." in caller.hears()
    outbox.deliver_due(app)
    (sms,) = app.extensions["hotline.gateway"].messages
    assert sms["to"] == MOBILE
    assert "Kontoauszüge der letzten drei Monate" in sms["body"]
    assert "Mustermann" not in sms["body"] and "123D" not in sms["body"]


def test_payment_status_by_keypad_with_the_letter_left_out(app):
    caller = call(app, "#2", "#123456789", from_number=LANDLINE)
    assert "Ich wiederhole: 123 – 456 – 789." in caller.hears()
    caller.say("#1")
    caller.say("#03051980")
    said = caller.hears()
    assert "Ihre nächste Zahlung von 563 Euro wird am 30. Dezember überwiesen." in said
    assert "Möchten Sie dazu einen Termin?" in said  # documents missing: the next step


def test_a_bg_number_spoken_and_a_birth_date_typed(app):
    caller = call(app, "wann kommt mein geld",
                  "eins zwei drei vier fünf B G null null eins zwei drei vier fünf")
    assert "123 – 45 – BG – 001 – 23 – 45" in caller.hears()
    caller.say("ja")
    caller.say("#12121975")
    said = caller.hears()
    # No payment known: the reason is the application still being decided.
    assert "wird noch bearbeitet. Erst danach kann Geld überwiesen werden." in said
    assert "Termin" in said  # the next best step is offered


def test_every_disclosure_is_audited_without_the_birth_date(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN, "nein",
                  from_number=LANDLINE)
    assert any("Weiterbewilligungsantrag" in s for s in caller.exchanges[-2].hotline)
    rows = case_store.disclosures(db, "123D456789")
    assert len(rows) == 1
    (row,) = rows
    assert row["call_sid"] == caller.call_sid
    assert row["caller_number"] == LANDLINE
    assert row["topic"] == "application_status" and row["channel"] == "voice"
    assert row["said"].startswith("Ihr Weiterbewilligungsantrag ist am 3. November")
    assert row["at"].startswith("2026-11-25T09:00")  # UTC
    dumped = json.dumps(case_store.disclosures(db), ensure_ascii=False)
    for form in ("1980-05-03", "03.05.1980", "03051980", "1980", "Mai"):
        assert form not in dumped
    # Nor does it get into the call state (only into the check's query).
    state = db.execute("SELECT state FROM calls WHERE call_sid = ?",
                       [caller.call_sid]).fetchone()[0]
    assert "1980-05-03" not in state


def test_three_wrong_birth_dates_lock_and_lead_to_an_agent(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja")
    for wrong in ("erster Januar neunzehnhundertsiebzig", "#02051980"):
        caller.say(wrong)
        said = caller.hears()
        assert "Kundennummer und Geburtsdatum passen leider nicht zusammen." in said
        assert not any(word in said for word in CASE_WORDS[1:])
    caller.say("vierter Mai neunzehnhundertachtzig")
    said = caller.hears()
    assert "Aus Sicherheitsgründen kann ich Ihnen am Telefon gerade keine Auskunft geben." in said
    assert "[Warteschleife: hotline]" in said
    assert db.execute("SELECT verified FROM calls WHERE call_sid = ?",
                      [caller.call_sid]).fetchone()[0] is None
    assert case_store.disclosures(db) == []

    # The same customer from another phone: locked as soon as the number is confirmed,
    # even with the right birth date never asked for.
    other = call(app, "Wie ist der Stand meines Antrags?", "#123456789", "ja",
                 from_number=OTHER_MOBILE)
    assert "Aus Sicherheitsgründen" in other.hears()
    assert "Geburtsdatum" not in other.hears()

    # The first phone for another customer: locked before anything is asked.
    again = call(app, "wann kommt mein geld")
    assert "Aus Sicherheitsgründen" in again.hears()
    assert "Kundennummer" not in again.hears()

    # An hour later (sliding: an hour after the failures) the right answer works again.
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(minutes=61)
    later = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN,
                 from_number=OTHER_MOBILE)
    assert "Ihr Weiterbewilligungsantrag" in later.hears()


def test_a_withheld_number_is_still_limited_per_call(app):
    caller = call(app, "#2", "#123450012345", "#1", "#01011990", "#02011990",
                  from_number="anonymous")
    assert "passen leider nicht zusammen" in caller.hears()
    caller.say("#03011990")
    assert "Aus Sicherheitsgründen" in caller.hears()


def test_a_verified_caller_arrives_at_the_agent_as_verified(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN,
                  from_number=LANDLINE)
    assert "Für eine Mitarbeiterin oder einen Mitarbeiter drücken Sie die Null." in (
        caller.hears())
    caller.say("#0")
    assert "[Warteschleife: hotline]" in caller.hears()
    context = call_context(db, caller.call_sid, now=NOW)
    assert context.verified is True
    assert context.customer_number_masked == "123D****89"
    assert context.intent == "application_status"  # the agent sees what the call is about
    assert whisper_text(db, caller.call_sid).endswith("Identität geprüft.")


def test_an_unverified_caller_who_asks_for_an_agent_keeps_the_topic(app, db):
    caller = call(app, "wann kommt mein geld", "Mitarbeiter")
    assert "[Warteschleife: hotline]" in caller.hears()
    context = call_context(db, caller.call_sid, now=NOW)
    assert context.verified is False
    assert context.intent == "payment_status"
    assert "nicht geprüft" in whisper_text(db, caller.call_sid)


def test_once_verified_the_other_question_needs_no_second_check(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN, "nein",
                  from_number=LANDLINE)
    caller.say("Wann kommt mein Geld?")
    said = caller.hears()
    assert "Ihre nächste Zahlung von 563 Euro wird am 30. Dezember überwiesen." in said
    assert "Kundennummer" not in said


def test_an_appointment_is_offered_after_the_status_with_the_topic_known(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN,
                  from_number=LANDLINE)
    assert "Möchten Sie dazu einen Termin?" in caller.hears()  # landline: no SMS offer
    caller.say("Termin")
    said = caller.hears()
    assert "In welcher Geschäftsstelle" in said
    assert "Worum geht es" not in said
    caller.say("Waiblingen")
    caller.say("so bald wie möglich")
    caller.say("ja")
    assert "Ihr Termin ist gebucht" in caller.hears()
    assert db.execute("SELECT topic_id, customer_number FROM bookings").fetchall() == [
        ("geldleistungen", "123D456789")]


@pytest.mark.parametrize("line", ["eins zwei drei vier fünf sechs sieben acht neun null eins "
                                  "zwei drei", "#1234567890",
                                  "eins zwei drei vier D fünf sechs sieben acht neun"])
def test_a_customer_number_of_wrong_length_or_pattern_is_said_and_asked_again(app, line):
    caller = call(app, "Wie ist der Stand meines Antrags?", line)
    said = caller.hears()
    assert "Das ist leider keine gültige Kundennummer." in said
    assert "Bitte sagen Sie Ihre Kundennummer" in said


@pytest.mark.parametrize("pieces", [("12 3", "D 45", "67 89"),
                                    ("eins zwei drei", "D wie Dora", "vier fünf sechs",
                                     "sieben acht neun")])
def test_a_customer_number_said_in_pieces_is_joined_and_read_back(app, pieces):
    # An older caller reads it slowly, a pause after each pair, and each pause ends the
    # turn: every piece was "keine gültige Kundennummer", the third went to an agent.
    caller = call(app, "Wie ist der Stand meines Antrags?")
    for piece in pieces[:-1]:
        caller.say(piece)
        said = caller.hears()
        assert said == "Bitte sagen Sie jetzt den Rest der Nummer."
    caller.say(pieces[-1])
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()
    caller.say("ja")
    caller.say(ERIKA_BORN)
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in caller.hears()


def test_a_bg_number_in_two_pieces_and_a_number_said_anew_after_a_piece(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "12345 BG")
    assert "Rest der Nummer" in caller.hears()
    caller.say("0012345")
    assert "Ich wiederhole: 123 – 45 – BG – 001 – 23 – 45. Stimmt das?" in caller.hears()
    caller = call(app, "Wie ist der Stand meines Antrags?", "eins zwei")
    caller.say(ERIKA)
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()


def test_moment_between_two_pieces_keeps_the_first(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "12 3", "Moment")
    said = caller.hears()
    assert said == "Bitte sagen Sie jetzt den Rest der Nummer."
    caller.say("D 45 67 89")
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()


def test_pieces_that_make_no_number_are_said_to_be_none(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "12 3", "4 D 5")
    said = caller.hears()
    assert "Das ist leider keine gültige Kundennummer." in said
    assert "Bitte sagen Sie Ihre Kundennummer Zeichen für Zeichen" in said
    assert "Rest der Nummer" not in said


def test_three_bad_customer_numbers_lead_to_an_agent(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "#12", "#34", "#56")
    assert "[Warteschleife: hotline]" in caller.hears()


def test_a_caller_without_customer_number_goes_to_an_agent(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "die weiß ich nicht")
    said = caller.hears()
    assert "Ohne Kundennummer kann ich Ihnen am Telefon leider keine Auskunft geben." in said
    assert "[Warteschleife: hotline]" in said


@pytest.mark.parametrize("line", ["einunddreißigster Februar neunzehnhundertachtzig",
                                  "#31021980", "erster Januar zweitausendfünfzig"])
def test_a_birth_date_that_cannot_be_is_said_and_asked_again(app, db, line):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", line)
    said = caller.hears()
    assert "Dieses Datum gibt es leider nicht" in said
    assert "Bitte sagen Sie jetzt Ihr Geburtsdatum" in said
    # Not a failed check: nothing counts towards the lockout.
    assert db.execute("SELECT count(*) FROM case_check_failures").fetchone()[0] == 0


def test_a_corrected_customer_number_instead_of_the_birth_date_is_read_back(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "#987654321", "ja")
    caller.say(ERIKA)
    assert "Ich wiederhole: 123 – D – 456" in caller.hears()


@pytest.mark.parametrize("line", ["3. Mai 1980", "ja und geboren bin ich am 3. Mai 1980",
                                  "dritter fünfter achtzig", "richtig, am 03.05.1980"])
def test_a_birth_date_said_at_the_read_back_confirms_the_number_and_is_checked(app, db,
                                                                                line):
    # Asked for "Kundennummer und Geburtsdatum", she gives the date when the number is
    # read back: it was taken as a corrected group ("123 – D – 451 – 980. Stimmt das?"),
    # or, after "ja", the date was asked for again.
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, line)
    said = caller.hears()
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in said
    assert "Stimmt das" not in said and "Geburtsdatum" not in said
    logged = " ".join(row[0] for row in db.execute(
        "SELECT coalesce(speech, '') || coalesce(evidence, '') FROM turns").fetchall())
    assert "1980" not in logged and "Mai" not in logged and "achtzig" not in logged


def test_a_wrong_birth_date_at_the_read_back_is_a_failed_check(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "4. Mai 1980")
    assert "Bitte sagen Sie jetzt Ihr Geburtsdatum" not in caller.hears()
    assert "eingegangen" not in caller.hears()
    assert db.execute("SELECT count(*) FROM case_check_failures").fetchone()[0] > 0


def test_a_group_put_right_at_the_read_back_is_still_a_correction(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "123 D 456 780", "nein, 789")
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()


def test_a_customer_with_no_application_hears_so_and_the_next_step(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", "#543210098765", "ja",
                  "zwanzigster Juli neunzehnhundertsechzig")
    said = caller.hears()
    assert "Zu Ihrer Kundennummer liegt mir kein offener Antrag vor." in said
    assert "Möchten Sie dazu einen Termin?" in said
    caller.say("nein")
    assert "Kann ich sonst noch etwas für Sie tun?" in caller.hears()


def test_a_case_in_an_unknown_status_is_never_told_in_part(app, db):
    # As a newer export might write it: one known and one unknown status.
    applications = [
        {"type": "weiterbewilligung", "received": "2026-11-03", "status": "in_bearbeitung",
         "missing_documents": []},
        {"type": "arbeitslosengeld", "received": "2026-10-01", "status": "ruhend",
         "missing_documents": []}]
    db.execute("UPDATE case_customers SET applications = ? WHERE customer_number = ?",
               [json.dumps(applications), "123D456789"])
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN)
    said = caller.hears()
    assert "Zu Ihrem Antrag kann ich Ihnen am Telefon leider keine genaue Auskunft geben." in said
    assert "eingegangen" not in said and "Weiterbewilligungsantrag" not in said
    assert "Möchten Sie dazu einen Termin?" in said


def test_without_case_data_the_status_goes_to_an_agent_as_before(app, db):
    db.execute("DELETE FROM case_customers")
    caller = call(app, "Wie ist der Stand meines Antrags?")
    said = caller.hears()
    assert "Dabei hilft Ihnen eine Mitarbeiterin oder ein Mitarbeiter weiter." in said
    assert "[Warteschleife: hotline]" in said


def test_softphone_call_with_the_demo_data(runner):
    result = runner.invoke(args=["call", "--json", "--from", LANDLINE], input=(
        f"Wie ist der Stand meines Antrags?\n{ERIKA}\nja\n{ERIKA_BORN}\nnein\nnein\n"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "answered"
    assert any("Es fehlt noch: Kontoauszüge der letzten drei Monate." in turn["hotline"]
               for turn in summary["turns"])


def test_an_existing_calls_table_gets_the_verification_columns(empty_target):
    from db import connect, transaction
    from ivr import store

    database = connect(empty_target)
    database["calls"].create({"call_sid": str, "started_at": str, "updated_at": str},
                             pk="call_sid")
    with transaction(database):
        store.migrate(database)
        store.migrate(database)  # and again: nothing to add
    assert {"verified", "customer_number"} <= set(database["calls"].columns_dict)
    database.conn.close()


def test_the_date_of_birth_is_never_written_to_the_turn_log(app, db):
    from conftest import Caller

    caller = Caller(app, from_number="+491701234567")
    caller.dial()
    caller.say("wie ist der stand meines antrags")
    caller.say("#123456789")
    caller.say("ja")
    caller.say("#03051980")
    logged = db.execute("SELECT coalesce(speech, '') || coalesce(digits, '') ||"
                        " coalesce(evidence, '') FROM turns").fetchall()
    assert not any("03051980" in row[0] or "1980" in row[0] for row in logged)


def test_money_not_there_hears_why_and_what_to_do_before_the_next_payment(app):
    caller = call(app, "Mein Geld ist nicht da", ERIKA, "ja", ERIKA_BORN)
    said = caller.hears()
    assert "fehlt noch: Kontoauszüge" in said
    assert "kann das Jobcenter nicht über Ihr Geld entscheiden" in said
    assert "online auf jobcenter punkt digital hochladen" in said
    assert said.index("fehlt noch") < said.index("Ihre nächste Zahlung von 563 Euro")



def test_after_silence_the_customer_number_is_asked_short_with_the_keypad_hint(app):
    caller = call(app, "Wie ist der Stand meines Antrags?")
    assert "zuerst prüfen" in caller.hears()
    caller.say("")
    said = caller.hears()
    assert said.startswith("Ich habe Sie leider nicht gehört.")
    assert "Kundennummer" in said and "tippen Sie die Ziffern ein" in said
    assert "zuerst prüfen" not in said and "oben auf Ihren Briefen" not in said
    caller.say("wie bitte?")  # asked to repeat: the whole question, example and all
    assert "zum Beispiel: eins, zwei, drei, D wie Dora" in caller.hears()
    caller.say(ERIKA)
    assert "Stimmt das?" in caller.hears()


def test_after_silence_the_birth_date_is_asked_short_and_can_still_be_typed(app):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja")
    assert "Geburtsdatum" in caller.hears()
    caller.say("")
    said = caller.hears()
    assert "Tag, Monat und Jahr" in said and "Raute" in said
    assert "dritter Mai" not in said
    caller.say("#03051980#")
    assert "Ihre Angaben sind geprüft" in caller.hears()


def test_a_bare_yes_at_the_customer_number_gets_the_question_again_without_an_apology(app):
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("Wo ist mein Geld?")
    caller.say("ja")
    said = caller.hears()
    assert "Kundennummer" in said and "nicht verstanden" not in said
    caller.say(ERIKA)
    caller.say("ja")  # the number read back is right
    caller.say("ja")  # ready for the birth date: asked again, no apology
    said = caller.hears()
    assert "Geburtsdatum" in said and "nicht verstanden" not in said
    caller.say("ja")  # a second bare "ja" at the same question is no answer
    assert "nicht verstanden" in caller.hears()
    caller.say(ERIKA_BORN)
    assert "563 Euro" in caller.hears()


def test_hello_at_the_customer_number_is_answered_and_the_question_asked_again(app):
    caller = Caller(app, from_number=MOBILE)
    caller.dial()
    caller.say("Wo ist mein Geld?")
    caller.say("hallo?")
    said = caller.hears()
    assert said.startswith("Ja, ich höre Sie.")
    assert "Kundennummer" in said and "nicht verstanden" not in said
