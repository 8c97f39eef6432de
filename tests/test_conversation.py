"""Whole calls through the real webhooks, as a caller experiences them."""

import json
from datetime import timedelta

import clock
from conftest import NOW, Caller, twiml


def a_minute_later(app) -> None:
    clock.install(app, clock.Clock.at(NOW + timedelta(minutes=1)))


def test_caller_asking_for_a_person_reaches_the_agent_queue(caller, db):
    greeting = " ".join(caller.dial())
    assert greeting.startswith("Guten Tag, hier ist das Jobcenter Rems-Murr.")
    assert "For English" in greeting

    said = " ".join(caller.say("Ich möchte mit einem Mitarbeiter sprechen"))

    assert "Ich verbinde Sie mit einer Mitarbeiterin oder einem Mitarbeiter" in said
    assert "[Warteschleife: hotline]" in said
    # Nobody is logged in: the caller waits, hears the position and is offered a callback.
    assert "Sie sind an Position 1" in said
    assert "Rückruf" in said
    assert caller.wait_url is not None and not caller.finished
    caller.hang_up()
    summary = caller.summary()
    assert summary["outcome"] == "agent"
    assert summary["turns"][1]["intent"] == "agent"
    row = db.execute("SELECT status, ended_at FROM calls WHERE call_sid = ?",
                     [caller.call_sid]).fetchone()
    assert row[0] == "completed" and row[1]


def test_who_is_in_charge_of_me_is_put_through_not_misunderstood(caller):
    # Was "Das habe ich leider nicht verstanden. Sagen Sie bitte nur ein Stichwort".
    caller.dial()
    said = " ".join(caller.say("Wer ist denn für mich zuständig?"))
    assert "nicht verstanden" not in said
    assert "Ich verbinde Sie mit einer Mitarbeiterin oder einem Mitarbeiter" in said


def test_zero_reaches_an_agent_at_any_time(caller):
    caller.dial()
    caller.say("")  # silence: the hotline asks again, shorter
    assert "nicht gehört" in caller.hears()
    caller.say("#0")
    assert "[Warteschleife: hotline]" in caller.hears()


def test_three_failed_turns_escalate_shorter_question_then_keypad_then_agent(caller):
    caller.dial()
    caller.say("")
    assert "nicht gehört" in caller.hears() and "Stichwort" in caller.hears()
    caller.say("blubb blubb")
    assert "nicht verstanden" in caller.hears() and "Taste" in caller.hears()
    assert not caller.finished
    caller.say("")
    assert "[Warteschleife: hotline]" in caller.hears()
    caller.hang_up()
    assert caller.summary()["outcome"] == "agent"


def test_keypad_menu_choice_is_answered(caller):
    caller.dial()
    caller.say("")
    caller.say("")
    assert "Für Unterlagen die Vier" in caller.hears()
    caller.say("#4")
    assert "Kontoauszüge" in caller.hears()


def test_a_question_answered_on_the_phone_then_goodbye(caller):
    caller.dial()
    caller.say("welche unterlagen brauche ich für den antrag")
    assert "Kontoauszüge der letzten drei Monate" in caller.hears()
    assert "Kann ich sonst noch etwas für Sie tun?" in caller.hears()
    caller.say("nein danke")
    assert "Auf Wiederhören" in caller.hears()
    assert caller.finished
    caller.hang_up()
    assert caller.summary()["outcome"] == "answered"


def test_anything_else_yes_leads_to_a_second_request(caller):
    caller.dial()
    caller.say("welche unterlagen brauche ich")
    caller.say("ja")
    assert "Was kann ich für Sie tun?" in caller.hears()
    caller.say("kann ich das auch online machen im internet")
    assert "jobcenter punkt digital" in caller.hears()


def test_a_change_hears_the_online_route_in_one_sentence_then_a_person(caller):
    caller.dial()
    caller.say("ich habe eine neue adresse")
    said = caller.hears()
    assert "können Sie auch online einreichen, auf jobcenter punkt digital" in said
    assert "noch nicht" not in said  # project status is not the caller's business
    assert "[Warteschleife: hotline]" in said


def test_emergency_goes_to_the_emergency_queue(caller, db):
    caller.dial()
    caller.say("ich habe kein geld mehr für essen und der strom wird abgestellt")
    assert "[Warteschleife: hotline-emergency]" in caller.hears()
    assert db.execute("SELECT emergency FROM calls WHERE call_sid = ?",
                      [caller.call_sid]).fetchone()[0] == 1


def test_caller_switches_to_english_by_pressing_nine(caller):
    caller.dial()
    caller.say("#9")
    assert "we can speak English" in caller.hears()
    caller.say("I want to talk to a person")
    # Nobody who speaks English is logged in: a callback in English, or an interpreter.
    assert "Nobody on duty at the moment speaks your language" in caller.hears()
    caller.say("#2")
    assert "putting you through" in caller.hears()


def test_caller_switches_to_english_by_saying_so(caller, client):
    caller.dial()
    caller.say("English please")
    assert "we can speak English" in caller.hears()
    reply = caller.post(caller.next_url)  # silence, in English
    gather = twiml(reply.body).find("./Gather")
    assert gather.get("language") == "en-GB"


def test_repeat_says_the_last_question_again_without_counting_a_failure(caller):
    caller.dial()
    caller.say("")
    first = caller.hears()
    caller.say("#*")
    assert "Stichwort" in caller.hears()
    assert "nicht gehört" not in caller.hears()
    assert first != caller.hears()
    caller.say("blubb")
    # Still only the second failure: the keypad menu, not yet an agent.
    assert "Taste" in caller.hears() and not caller.finished


def test_every_turn_is_recorded_with_what_was_heard_and_done(caller, db):
    caller.dial()
    caller.say("hm")
    caller.say("welche unterlagen brauche ich")
    rows = db.execute(
        "SELECT turn, speech, confidence, intent, event, said FROM turns"
        " WHERE call_sid = ? ORDER BY turn", [caller.call_sid]).fetchall()
    assert [r[0] for r in rows] == [0, 1, 2]
    assert rows[0][4] == "greeting"
    assert rows[1][1] == "hm" and rows[1][4].startswith("reprompt:")
    assert rows[2][3] == "documents" and rows[2][4] == "answered:documents"
    assert rows[2][2] == 0.92
    assert "Kontoauszüge" in rows[2][5]


def test_softphone_json_summary(runner):
    result = runner.invoke(
        args=["call", "--json", "--from", "+491701112233"],
        input="Ich möchte mit einem Mitarbeiter sprechen\n",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["call_sid"].startswith("CA")
    assert summary["outcome"] == "agent"
    assert summary["booking"] is None
    assert summary["turns"][0]["caller"] == ""
    assert summary["turns"][0]["hotline"].startswith("Guten Tag")
    assert summary["turns"][1] == {
        "caller": "Ich möchte mit einem Mitarbeiter sprechen",
        "hotline": summary["turns"][1]["hotline"],
        "intent": "agent",
    }
    assert "Mitarbeiter" in summary["turns"][1]["hotline"]


def test_softphone_json_caller_who_hangs_up_after_greeting(runner):
    result = runner.invoke(args=["call", "--json"], input="")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "hangup"
    assert len(summary["turns"]) == 1


def test_softphone_interactive(runner):
    result = runner.invoke(args=["call"], input="#0\n")
    assert result.exit_code == 0, result.output
    assert "Hotline: Guten Tag" in result.output
    assert "Ergebnis: agent" in result.output


def test_two_calls_keep_their_own_state(app):
    first, second = Caller(app), Caller(app)
    first.dial()
    second.dial()
    first.say("")
    first.say("")  # first is now at the keypad menu
    second.say("welche unterlagen brauche ich")
    assert "Kontoauszüge" in second.hears()
    first.say("#4")
    assert "Kontoauszüge" in first.hears()


def test_purge_removes_numbers_and_words_but_keeps_the_statistics(app, runner, db):
    caller = Caller(app, from_number="+491709998877")
    caller.dial()
    caller.say("welche unterlagen brauche ich")
    caller.hang_up()
    assert "0 calls, 0 turns" in runner.invoke(args=["purge", "--days", "1"]).output
    assert db.execute("SELECT from_number FROM calls").fetchone()[0] == "+491709998877"

    assert db.execute("SELECT count(*) FROM turn_replies").fetchone()[0] == 2

    a_minute_later(app)  # the app's clock stands still in tests: purge runs later
    result = runner.invoke(args=["purge", "--days", "0"])
    assert result.exit_code == 0 and "1 calls, 2 turns, 2 stored replies" in result.output
    assert db.execute("SELECT from_number, outcome FROM calls").fetchone() == (None, "answered")
    assert db.execute("SELECT count(*) FROM turns WHERE speech IS NOT NULL OR said IS NOT NULL"
                      " OR reply_key IS NOT NULL").fetchone()[0] == 0
    # The answers spoke what the caller asked about: they go with the words.
    assert db.execute("SELECT count(*) FROM turn_replies").fetchone()[0] == 0
    assert db.execute("SELECT intent FROM turns WHERE turn = 1").fetchone()[0] == "documents"


def test_purge_also_removes_replies_whose_turn_was_saved_again(app, runner, db):
    caller = Caller(app)
    caller.dial()
    db.execute("INSERT INTO turn_replies (turn_id, body) VALUES (999999, '<Response/>')")
    runner.invoke(args=["purge", "--days", "30"])  # the call itself is too young to go
    assert db.execute("SELECT count(*) FROM turn_replies").fetchone()[0] == 1


def test_purge_forgets_callback_numbers_and_agents_notes_too(app, runner, db):
    from routing import callbacks

    callbacks.request_callback(db, "CA" + "7" * 32, phone="+491709998877",
                               confirmed_by="caller_id", now=NOW)
    a_minute_later(app)
    result = runner.invoke(args=["purge", "--days", "0"])
    assert "1 callbacks" in result.output
    assert db.execute("SELECT phone, status FROM callbacks").fetchone() == ("", "expired")


def test_documents_to_send_get_how_to_send_them_not_the_application_list(caller):
    caller.dial()
    said = " ".join(caller.say("Da steht, ich soll Unterlagen schicken"))
    assert "jobcenter punkt digital hochladen, per Post schicken oder vorbeibringen" in said
    assert "Kundennummer" in said
    assert "Antrag auf Bürgergeld" not in said


def test_which_documents_to_bring_still_gets_the_list(caller):
    caller.dial()
    said = " ".join(caller.say("Welche Unterlagen muss ich einreichen?"))
    assert "Für einen Antrag auf Bürgergeld brauchen Sie meistens" in said
