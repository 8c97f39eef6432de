"""The written conversation as strangers type on a phone (written32): slips of the thumb,
dates in figures, "hallo??" after a question, a thumb up, a photo nobody can see, STOP.

Each test writes through the real SMS webhook (signed as Twilio signs) or the chat's
JSON endpoint and checks what the person reads back. The whole conversations these came
from are in tests/data/conversations/written32_dev.txt. The clock stands at Wednesday,
25 November 2026, 10:00 (conftest.NOW); the demo customer 123D456789 was born on
3 May 1980.
"""

import pytest
from written_people import Chatter, Texter, rows

from conftest import with_demo_cases


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def test_a_typo_in_the_request_and_the_day_is_understood(app):
    texter = Texter(app)
    assert "Worum geht es bei dem Termin" in texter.send("brauch einen termn beim jobcentr")
    texter.send("geld")
    texter.send("bacnang")
    said = texter.send("donnerstg vormittag")
    assert "Donnerstag, 26. November 2026" in said


def test_a_birth_year_in_two_figures_is_a_date_of_birth(app):
    texter = Texter(app)
    texter.send("wie ist der stand von meinem antrag")
    texter.send("123D456789")
    texter.send("ja")
    said = texter.send("3.5.80")
    assert "Es fehlt noch" in said
    assert "80" not in " ".join(t for (t,) in rows(app, "SELECT text FROM written_messages"
                                                    " WHERE author = 'person'"))


def test_a_day_written_in_figures_is_the_day_asked_for(app):
    texter = Texter(app)
    texter.send("termin wegen geld in waiblingen")
    said = texter.send("3.12.")
    assert "Donnerstag, 3. Dezember 2026" in said


@pytest.mark.parametrize(("written", "first"), [("hallo??", "Ja, ich bin da."), ("?", "")])
def test_hallo_after_a_question_asks_it_again_and_counts_no_failure(app, written, first):
    chatter = Chatter(app)
    question = chatter.send("termin")
    for _ in range(3):  # three failed turns would hand the chat over
        said = chatter.send(written)
        assert "nicht verstanden" not in said and "Mitarbeiter weiter" not in said
        assert said == f"{first} {question}".strip()


@pytest.mark.parametrize("first", ["Hallo?", "hallo, ist da jemand?"])
def test_hallo_as_the_first_sms_gets_the_whole_greeting(app, first):
    # The call's answer to "Hallo?" at the greeting is short (the greeting was heard);
    # an SMS has had no greeting yet: it says whom the person reached, and how to go on.
    said = Texter(app).send(first)
    assert said.startswith("Guten Tag, hier ist das Jobcenter Rems-Murr.")
    assert "For English" in said and "Anruf" not in said


def test_hoeren_sie_mich_in_writing_is_answered_as_being_there_not_heard(app):
    chatter = Chatter(app)
    question = chatter.send("termin")
    said = chatter.send("hallo, hören sie mich?")
    assert said == f"Ja, ich bin da. {question}"


def test_two_questions_in_one_message_are_both_answered(app):
    said = Chatter(app).send("wann habt ihr offen und was muss ich mitbringen")
    assert "8:00 bis 12:00 Uhr geöffnet" in said
    assert "Kontoauszüge" in said
    assert "1 für das Erste" not in said
    assert said.endswith("Kann ich sonst noch etwas für Sie tun?")
    assert said.count("Kann ich sonst noch etwas") == 1


def test_a_thumb_up_to_an_offer_books_it(app):
    chatter = Chatter(app)
    said = chatter.send("termin wegen arbeitssuche in schorndorf donnerstag nachmittag")
    assert "Passt Ihnen das?" in said
    assert "Ihr Termin ist gebucht" in chatter.send("👍")


def test_a_thumb_up_is_no_answer_to_whether_someone_is_in_danger(app):
    chatter = Chatter(app)
    said = chatter.send("ich kann nicht mehr, alles sinnlos, und wann kommt mein geld")
    assert "Gefahr" in said
    said = chatter.send("👍")
    assert "Gefahr" in said  # asked again, not taken for a yes or a no
    assert "Kundennummer" not in said


def test_a_photo_mentioned_is_said_to_be_unseen(app):
    said = Texter(app).send("hab nen brief bekommen siehe foto")
    assert said.startswith("Fotos und Anhänge kann ich hier leider nicht sehen.")
    assert "Brief" in said


def test_a_picture_sent_alone_is_not_called_an_empty_message(app):
    said = Texter(app).send("", pictures=1)
    assert "nicht sehen" in said and "leer" not in said


def test_stop_ends_the_conversation_as_well_as_the_reminders(app):
    texter = Texter(app)
    texter.send("ich will nen termin")
    assert "keine Erinnerungen" in texter.send("STOP")
    said = texter.send("geld")  # no answer to the question asked before STOP
    assert "Geschäftsstelle" not in said


def test_stop_leaves_a_crisis_with_the_person_who_will_answer_it(app):
    texter = Texter(app)
    texter.send("ich will nicht mehr leben")
    texter.send("ja")
    texter.send("STOP")
    assert rows(app, "SELECT handover, emergency FROM written_conversations") == [
        ("waiting", 1)]
