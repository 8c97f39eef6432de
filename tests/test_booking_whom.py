"""Issue 18: with whom (a named caseworker, "mein Arbeitsvermittler"), who is coming (the
customer number or a name), and codes and numbers read in groups, through the webhooks.

The demo caseworkers are in schedules/demo/caseworkers.toml (Frau Keller: Waiblingen,
money matters, away from 28 December to 8 January; Frau Hoffmann: careers advice only),
the demo customers in cases/demo/customers.json (Erika Mustermann's team is "Team
Leistung 2, Waiblingen", Frau Keller's; Lieschen Müller's "Team Arbeitslosengeld,
Schorndorf", where Frau Lang does job placement). The clock stands at Wednesday, 25
November 2026, 10:00 unless a test moves it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from test_languages_calls import make_app

from conftest import NOW, Caller, with_demo_cases
from routing.context import recent_bookings

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+491701234567"
LANDLINE = "+4971511234567"
ERIKA = "eins zwei drei D wie Dora vier fünf sechs sieben acht neun"
ERIKA_BORN = "dritter Mai neunzehnhundertachtzig"
LIESCHEN = "neun acht sieben B sechs fünf vier drei zwei eins"
LIESCHEN_BORN = "neunundzwanzigster Februar neunzehnhundertzweiundneunzig"


@pytest.fixture
def app(app):
    return with_demo_cases(app)


def call(app, *lines, from_number=LANDLINE):
    caller = Caller(app, from_number=from_number)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


def said(caller) -> str:
    return " ".join(" ".join(e.hotline) for e in caller.exchanges)


def booking_row(db, caller):
    row = db.execute("SELECT caseworker_id, site_id, customer_number, caller_name FROM bookings"
                     " WHERE call_sid = ?", [caller.call_sid]).fetchone()
    return row


# ----------------------------------------------------------------------------- by name


def test_a_named_caseworker_is_booked_the_site_follows_and_her_name_is_said(app, db):
    caller = call(app, "Ich hätte gern einen Termin bei Frau Keller wegen Bürgergeld",
                  "Donnerstag vormittag")
    offer = caller.hears()
    assert offer.startswith("Ich kann Ihnen anbieten: morgen, Donnerstag, um ")
    assert "bei Frau Keller, in der Geschäftsstelle Waiblingen" in offer
    assert "Geschäftsstelle möchten Sie" not in said(caller)  # the site was never asked
    caller.say("ja")
    assert caller.hears().startswith("Ihr Termin ist gebucht: morgen, Donnerstag, um ")
    assert "bei Frau Keller" in caller.hears()
    assert booking_row(db, caller)[:2] == ("wn-keller", "waiblingen")


def test_a_caseworker_away_on_the_day_is_said_with_when_she_is_back(app, db):
    app.extensions["hotline.clock"] = lambda: datetime(2026, 12, 21, 10, 0, tzinfo=BERLIN)
    caller = call(app, "Ich brauche einen Termin bei Frau Keller am 29. Dezember wegen Geld")
    offer = caller.hears()
    assert offer.startswith("Frau Keller ist an diesem Tag nicht im Haus, erst wieder ab "
                            "Montag, den 11. Januar. Ich kann Ihnen anbieten: Dienstag, den "
                            "29. Dezember, um ")
    assert "bei Frau Keller" not in offer and ", bei Herrn Yılmaz, " in offer
    caller.say("nein")  # the reason is said once, the next offer names the person again
    assert "nicht im Haus" not in caller.hears() and ", bei " in caller.hears()


def test_a_caseworker_without_a_slot_for_the_wish_offers_her_next_one(app):
    # Frau Keller works on Wednesdays only in the morning: her next afternoon is Thursday.
    caller = call(app, "Ich brauche einen Termin bei Frau Keller wegen Geld am Mittwoch nachmittag")
    offer = caller.hears()
    assert offer.startswith("Bei Frau Keller ist dafür leider kein Termin mehr frei. "
                            "Ich kann Ihnen anbieten: Donnerstag, den 3. Dezember, um 14 Uhr, "
                            "bei Frau Keller, in der Geschäftsstelle Waiblingen.")


def test_a_caseworker_for_another_topic_is_said_and_a_colleague_offered(app, db):
    caller = call(app, "Ich brauche einen Termin bei Frau Hoffmann wegen Geld am Freitag")
    offer = caller.hears()
    assert offer.startswith("Frau Hoffmann berät nicht zu diesem Thema. Ich suche einen "
                            "Termin bei einer Kollegin oder einem Kollegen. Ich kann Ihnen "
                            "anbieten: Freitag, den 27. November, um ")
    assert "in der Geschäftsstelle Waiblingen" in offer  # where Frau Hoffmann works
    caller.say("ja")
    assert booking_row(db, caller)[1] == "waiblingen"


def test_an_english_caller_hears_mr_not_herr(app):
    caller = call(app, "#9", "I want to book an appointment with Mr Wagner about money on Monday")
    assert "with Mr Wagner, at the Backnang office" in caller.hears()


# ----------------------------------------------------------------------------- their own


def test_my_caseworker_without_a_check_offers_the_customer_number_or_anyone(app, db):
    caller = call(app, "Ich brauche einen Termin bei meinem Arbeitsvermittler")
    assert "Möchten Sie Ihre Kundennummer angeben?" in caller.hears()
    caller.say("nein, egal")
    assert caller.hears().startswith("Gut, dann suche ich einen Termin bei einer Kollegin "
                                     "oder einem Kollegen. In welcher Geschäftsstelle")


def test_my_caseworker_after_the_check_is_found_in_the_case_team(app, db):
    caller = call(app, "Ich brauche einen Termin bei meinem Arbeitsvermittler",
                  LIESCHEN)  # the customer number as the answer to "Möchten Sie ...?"
    assert caller.hears() == ("Ich wiederhole: 987 – B – 654 – 321. Stimmt das? "
                              "Sagen Sie bitte Ja oder Nein.")
    caller.say("ja")
    caller.say(LIESCHEN_BORN)
    assert caller.hears().startswith("Vielen Dank, Ihre Angaben sind geprüft. Wann passt es")
    caller.say("Donnerstag")
    assert "bei Frau Lang, in der Geschäftsstelle Schorndorf" in caller.hears()
    caller.say("ja")
    assert "Auf welchen Namen" not in caller.hears()  # the customer number says who
    assert booking_row(db, caller)[:3] == ("sd-lang", "schorndorf", "987B654321")


def test_my_caseworker_after_a_status_answer_needs_no_second_check(app, db):
    caller = call(app, "Wann kommt mein Geld", ERIKA, "ja", ERIKA_BORN, "nein",
                  "ich brauche noch einen Termin bei meiner Sachbearbeiterin")
    assert "Kundennummer" not in caller.hears()
    assert "[Warteschleife" not in said(caller)  # "Sachbearbeiterin" is no call for a person
    caller.say("Donnerstag vormittag")
    assert "bei Frau Keller, in der Geschäftsstelle Waiblingen" in caller.hears()
    caller.say("ja")
    assert booking_row(db, caller)[:3] == ("wn-keller", "waiblingen", "123D456789")


def test_an_appointment_offered_after_the_status_goes_to_my_caseworker(app, db):
    caller = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN)
    assert "Termin" in caller.hears()  # documents are missing: an appointment is offered
    caller.say("ja, einen Termin bei meiner Sachbearbeiterin")
    caller.say("Donnerstag vormittag")
    assert "bei Frau Keller, in der Geschäftsstelle Waiblingen" in caller.hears()


def test_asking_for_my_caseworker_to_speak_to_is_still_a_person(app):
    caller = call(app, "Ich möchte mit meiner Sachbearbeiterin sprechen")
    assert "Ich verbinde Sie" in caller.hears()


def test_a_caseworker_asked_for_by_name_is_said_not_to_come_to_the_phone(app):
    # The hotline puts callers through to its agents, never to a caseworker: said before
    # the hand-over, so that the caller does not wait for Frau Keller herself.
    caller = call(app, "Ich möchte bitte mit Frau Keller sprechen")
    assert caller.hears().startswith("Frau Keller ist über die Hotline nicht direkt erreichbar. "
                                     "Ich verbinde Sie mit einer Mitarbeiterin oder einem "
                                     "Mitarbeiter.")


def test_a_named_caseworker_asked_for_in_a_question_is_said_not_to_come_either(app):
    # Named with "sprechen", she is a person now: no "Es geht um ein Gespräch ...?" first.
    caller = call(app, "Kann ich Herrn Wagner sprechen?")
    assert caller.hears().startswith("Herr Wagner ist über die Hotline nicht direkt erreichbar. "
                                     "Ich verbinde Sie")


@pytest.mark.parametrize("key, said, heard", [
    ("8", "Bayan Schäfer ile görüşmek istiyorum",
     "Bayan Schäfer bu hatta doğrudan telefona çıkamıyor."),
    ("8", "Schäfer Hanım'la konuşabilir miyim?",
     "Bayan Schäfer bu hatta doğrudan telefona çıkamıyor."),
    ("6", "Я хочу поговорити з пані Шефер",
     "На жаль, пані Schäfer не відповідає на дзвінки на цій лінії."),
    ("6", "Можна поговорити з паном Вагнером?",
     "На жаль, пан Wagner не відповідає на дзвінки на цій лінії."),
    ("7", "Я хочу поговорить с госпожой Шефер",
     "К сожалению, госпожа Schäfer не отвечает на звонки по этой линии."),
    ("4", "أريد التحدث مع السيدة شيفر",
     "للأسف لا يمكن الوصول إلى السيدة Schäfer مباشرة عبر هذا الخط."),
    ("9", "I would like to speak to Mrs Schäfer", "Ms Schäfer cannot take calls on this line."),
])
def test_a_caseworker_asked_for_by_name_in_another_language_is_said_not_to_come(
        database_target, key, said, heard):
    # As in German: one sentence that she cannot be reached here, then a person (here:
    # nobody on duty speaks the language, so a call back or an interpreter is offered).
    # Not "Ви зараз у небезпеці?" first: "пані" is keyed as "п'яний" (drunk) is.
    caller = Caller(with_demo_cases(make_app(database_target)))
    caller.dial()
    caller.say(f"#{key}")
    caller.say(said)
    assert caller.hears().startswith(heard)
    assert "randevu" not in caller.hears() and "Doğru anladım mı" not in caller.hears()


def test_an_appointment_with_a_caseworker_named_in_turkish_is_still_a_booking(database_target):
    caller = Caller(with_demo_cases(make_app(database_target)))
    caller.dial()
    caller.say("#8")
    caller.say("Bayan Keller'den randevu almak istiyorum")
    assert "Randevu hangi konuda olsun?" in caller.hears()


def test_a_person_asked_for_without_a_name_hears_no_name(app):
    caller = call(app, "Ich möchte mit einem Mitarbeiter sprechen")
    assert caller.hears().startswith("Ich verbinde Sie mit einer Mitarbeiterin")


def test_an_english_caller_hears_the_caseworker_is_not_on_this_line(app):
    caller = call(app, "English", "Can I speak to Mrs Keller please")
    assert caller.hears().startswith("Ms Keller cannot take calls on this line.")


# ----------------------------------------------------------------------------- who is coming


def test_a_name_is_asked_once_after_booking_and_spelled_names_are_written(app, db):
    caller = call(app, "Termin in Waiblingen wegen Geld am Freitag", "ja")
    assert caller.hears().endswith("Auf welchen Namen darf ich den Termin eintragen? Wenn Sie "
                                   "keinen Namen nennen möchten, sagen Sie einfach: nein.")
    caller.say("S C H M I D")
    assert caller.hears().startswith("Danke, ich habe den Namen eingetragen.")
    assert booking_row(db, caller)[3] == "Schmid"


@pytest.mark.parametrize("answer", ["nein", ""])
def test_no_or_silence_skips_the_name(app, db, answer):
    caller = call(app, "Termin in Waiblingen wegen Geld am Freitag", "ja", answer,
                  from_number=MOBILE)
    assert caller.hears() == "Möchten Sie die Bestätigung per SMS? Sagen Sie bitte Ja oder Nein."
    assert "nicht verstanden" not in said(caller) and "nicht gehört" not in said(caller)
    assert booking_row(db, caller)[3] is None


def test_a_name_given_before_is_not_asked_for(app, db):
    caller = call(app, "Hallo, Petra Lehmann hier, ich brauch einen Termin in Backnang wegen "
                       "Geld am Montag", "ja, gerne")
    assert "Ihr Termin ist gebucht" in caller.hears() and "Namen" not in caller.hears()
    assert booking_row(db, caller)[3] == "Petra Lehmann"


def test_a_customer_number_given_with_the_request_is_kept_and_no_name_asked(app, db):
    caller = call(app, "#9", "I want to book an appointment in Backnang about money on "
                             "Monday, my customer number is 12345BG0012345", "yes")
    assert "booked" in caller.hears() and "name" not in caller.hears()
    assert booking_row(db, caller)[2] == "12345BG0012345"


def test_staff_see_with_whom_and_who_is_coming_but_not_the_whole_number(app, db):
    call(app, "Ich brauche einen Termin bei Frau Keller wegen Geld am Donnerstag", "ja",
         "auf den Namen Schmid")
    call(app, "Ich brauche einen Termin in Backnang wegen Geld am Montag, meine Kundennummer "
              "ist " + ERIKA, "ja")
    shown = recent_bookings(db, LANDLINE, now=NOW)
    assert [(b["caseworker"], b["who"]) for b in shown] == [
        ("Herr Wagner", "Kundennummer 123D****89"), ("Frau Keller", "Name: Schmid")]


# ----------------------------------------------------------------------------- in groups


def test_the_booking_code_is_read_in_two_groups_twice(app, db):
    caller = call(app, "Termin in Schorndorf wegen Geld am Freitag", "ja")
    code = db.execute("SELECT code FROM bookings").fetchone()[0]
    grouped = f"{code[:3]} – {code[3:]}"
    assert f"Ihre Buchungsnummer ist: {grouped}. Ich wiederhole: {grouped}." in caller.hears()
