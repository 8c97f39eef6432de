"""Callers who correct themselves inside a number: the later group replaces the earlier.

The sets are speech/evaluation/numbers_dev.tsv (tuned on) and numbers_heldout.tsv (never
tuned on), and numbers35_dev.tsv / numbers35_heldout.tsv for times and days corrected at
booking, read the way the dialogue reads each kind of number. Run as a script for the
counts: `PYTHONPATH=. .venv/bin/python tests/test_number_corrections.py [SET...]`.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from written_people import Chatter, Texter  # noqa: E402

from conftest import Caller, with_demo_cases  # noqa: E402
from conversation.identity import birth_date_from, number_from, number_in_answer  # noqa: E402
from speech.corrections import corrected_number  # noqa: E402
from speech.masking import mask_numbers  # noqa: E402
from speech.understanding import Understanding  # noqa: E402

EVALUATION = ROOT / "speech" / "evaluation"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0)  # the sets' birth dates are in the past of this day
READ_BACK = "123D456789"  # the customer number the "customer_back" answers are given to
PHONE_READ_BACK = "01712345678"  # the callback number the "phone_back" answers are given to


def rows(name: str) -> list[tuple[str, str, str, str]]:
    """(kind, lang, meant, utterance) from `kind:lang:meant<TAB>utterance` lines."""
    found = []
    for line in (EVALUATION / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            kind, lang, expected = label.split(":", 2)
            found.append((kind, lang, expected, text))
    return found


def meant(kind: str, lang: str, text: str) -> str | None:
    """What the hotline takes the caller to have said, read where the dialogue reads it."""
    words = Understanding(text, lang, NOW)
    if kind == "phone":  # handover.callback_digits
        return re.sub(r"\D", "", str(words.get("number") or "")) or None
    if kind == "customer":  # identity.customer_number_said
        return number_from(words.tokens, "", words.entities)[0]
    if kind == "birth":  # identity.birth_date_said
        return birth_date_from(words.tokens, "", lang, NOW.date())[0]
    if kind == "time":  # booking: the time of the appointment
        return words.get("time")
    if kind == "when":  # booking: the day and the time of the appointment
        return f"{words.get('date')} {words.get('time')}"
    if kind == "wish":  # booking: the day and the time the caller would like
        return f"{words.wish.get('on')} {words.wish.get('time')}"
    if kind == "customer_back":  # identity.customer_number_checked
        return number_in_answer(READ_BACK, words.tokens, words.entities, lang)
    if kind == "phone_back":  # handover.callback_check
        return corrected_number(PHONE_READ_BACK, words.tokens, lang) or None
    raise ValueError(kind)


def wrong(name: str) -> list[tuple[str, str, str, str | None]]:
    return [(kind, text, expected, got) for kind, lang, expected, text in rows(name)
            if (got := meant(kind, lang, text)) != expected]


def test_the_sets_hold_forty_utterances_a_third_held_out():
    dev, heldout = len(rows("numbers_dev.tsv")), len(rows("numbers_heldout.tsv"))
    assert dev + heldout >= 40
    assert heldout * 3 >= dev + heldout - 3


@pytest.mark.parametrize("name", ["numbers_dev.tsv", "numbers35_dev.tsv"])
def test_the_tuning_set_is_read_as_meant(name):
    assert wrong(name) == []


@pytest.mark.parametrize("name, floor", [
    # Measured once, at the end of the change, never tuned on: 4/19 before it, 16/19
    # after (missed: "the eighth of October, no, ..." where "of" ends the number read
    # back; "seven hundred, nine hundred" read by text2num as 709 101; a caller who says
    # where the digit goes, "nein, am Ende eine sieben"). Four lines added later (a
    # weekday corrected between two times, a month alone, a group at the customer number
    # read-back): 16/23 before their change, 20/23 after. Eleven more, written blind by
    # numbers33 (English "of", a year again, hundreds as groups, where the digit goes,
    # the country code, dates in figures): 23/34 before that change, 30/34 after.
    ("numbers_heldout.tsv", 30),
    # Times and days corrected at booking (numbers35): 2/9 before, 9/9 after.
    ("numbers35_heldout.tsv", 9),
])
def test_unseen_corrections_are_read_at_least_as_well_as_measured(name, floor):
    assert len(rows(name)) - len(wrong(name)) >= floor


if __name__ == "__main__":
    names = sys.argv[1:] or ["numbers_dev.tsv"]
    for name in names:
        missed = wrong(name)
        total = len(rows(name))
        print(f"{name}: {total - len(missed)}/{total}")
        if "heldout" not in name:
            for kind, text, expected, got in missed:
                print(f"  {kind}: {text!r}: meant {expected}, read {got}")


# ----------------------------------------------------------------------------- in a call
# Through the real webhooks: the callback number on a Sunday (nobody on duty), the
# customer number and birth date with the demo customers (see test_status_by_phone.py).

SUNDAY = datetime(2026, 11, 29, 11, 0, tzinfo=BERLIN)


def callback_caller(app, *choose_language):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app, from_number="anonymous")
    caller.dial()
    for line in (*choose_language, "#0", "#1"):  # an agent; nobody there: a callback
        caller.say(line)
    return caller


# The status question and the demo customer's number, read back and confirmed: what is
# said next answers the birth date question.
STATUS_CALL = {
    "de": ("Wie ist der Stand meines Antrags?", "123 D 456 789", "ja"),
    "en": ("What is the status of my application?",
           "one two three D for delta four five six seven eight nine", "yes"),
}


def birth_date_caller(app, lang: str = "de"):
    with_demo_cases(app)
    caller = Caller(app)
    caller.dial()
    for line in (("#9",) if lang == "en" else ()) + STATUS_CALL[lang]:
        caller.say(line)
    return caller


def test_a_callback_number_corrected_in_one_breath_is_read_back_as_meant(app, db):
    caller = callback_caller(app)
    caller.say("null eins sieben sechs, äh nein, null eins sieben eins zwei drei vier "
               "fünf sechs sieben")
    said = caller.hears()
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7. Stimmt das?" in said
    caller.say("ja")
    caller.say("vormittags")
    assert "am nächsten Vormittag" in caller.hears()
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "0171234567"



def test_a_number_corrected_at_its_end_is_no_cause_to_ask_about_danger(app, db):
    """"Nein, am Ende eine sieben" asked "Sind Sie gerade in Gefahr?" ("am Ende" is a word
    of worry), and a "ja" meant for the number gave the crisis numbers (worry 34)."""
    caller = callback_caller(app)
    caller.say("0171 234 566")
    assert "5, 6, 6. Stimmt das?" in caller.hears()
    caller.say("nein, am Ende eine sieben")
    said = caller.hears()
    assert "Gefahr" not in said and "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7." in said
    caller.say("ja")
    assert "Telefonseelsorge" not in caller.hears()

def test_groups_after_a_pause_or_und_are_one_number_not_a_correction(app, db):
    caller = callback_caller(app)
    caller.say("0171, ähm, 234 und 567")
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7." in caller.hears()


def test_a_group_put_right_after_the_read_back_is_read_back_in_the_whole_number(app, db):
    caller = callback_caller(app)
    caller.say("0171 234 567")
    assert "0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7." in caller.hears()
    caller.say("nein, 568")
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6, 8. Stimmt das?" in caller.hears()
    caller.say("nein, 0160 9876543")
    assert "Ich wiederhole: 0, 1, 6, 0 – 9, 8, 7 – 6, 5 – 4, 3." in caller.hears()
    caller.say("ja")
    caller.say("egal")
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "01609876543"


def test_a_plain_no_to_the_read_back_still_asks_for_the_number_again(app, db):
    caller = callback_caller(app)
    caller.say("0171 234 567")
    caller.say("nein")
    said = caller.hears()
    assert "Telefonnummer" in said and "Ich wiederhole" not in said


def test_a_ukrainian_caller_corrects_the_prefix_of_the_callback_number(app, db):
    caller = callback_caller(app, "#6")
    caller.say("0176 ні, тобто 0171 2345678")
    said = caller.hears()
    assert "0, 1, 7, 1 – 2, 3, 4 – 5, 6 – 7, 8" in said and "0, 1, 7, 6" not in said


def test_a_corrected_customer_number_and_birth_date_reach_the_status(app, db):
    with_demo_cases(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Wie ist der Stand meines Antrags?")
    caller.say("eins zwei drei D wie Dora vier fünf sechs sieben acht acht, nein, "
               "sieben acht neun")
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()
    caller.say("ja")
    caller.say("zwölfter März, äh nein, dritter Mai neunzehnhundertachtzig")
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in caller.hears()


def test_a_number_corrected_away_is_still_masked_where_transcripts_are_shown():
    said = "null eins sieben sechs fünf vier drei, nein, null eins sieben eins zwei drei"
    assert mask_numbers(said) == "…, nein, …"


def test_the_time_of_an_appointment_corrected_in_one_breath_keeps_the_day(app):
    # The clock of the calls stands at Wednesday, 25 November 2026 (conftest.NOW).
    caller = Caller(app)
    caller.dial()
    caller.say("Termin in Waiblingen wegen Geld am Freitag um zehn, nein, lieber um elf")
    assert caller.hears().startswith(
        "Ich kann Ihnen anbieten: Freitag, den 27. November, um 11 Uhr")


def test_a_group_put_right_at_the_customer_number_read_back_is_laid_over_it(app, db):
    with_demo_cases(app)
    caller = Caller(app)
    caller.dial()
    caller.say("Wie ist der Stand meines Antrags?")
    caller.say("123 D 456 780")
    assert "Ich wiederhole: 123 – D – 456 – 780. Stimmt das?" in caller.hears()
    caller.say("nein, 789")
    assert "Ich wiederhole: 123 – D – 456 – 789. Stimmt das?" in caller.hears()
    caller.say("ja")
    caller.say("dritter Mai neunzehnhundertachtzig")
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in caller.hears()


def test_a_birth_date_whose_month_alone_is_corrected_reaches_the_status(app, db):
    caller = birth_date_caller(app)
    caller.say("dritter März neunzehnhundertachtzig, äh nein, Mai")
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in caller.hears()


def test_a_weekday_corrected_between_two_times_is_the_day_answered(app):
    # Wednesday, 25 November 2026 (conftest.NOW): "Dienstag" is 1 December. (A booking
    # read the corrected day already; the day of an hours question did not.)
    caller = Caller(app)
    caller.dial()
    caller.say("Haben Sie am Montag um 10, nein, am Dienstag um 10 geöffnet?")
    assert caller.hears().startswith("Am Dienstag, den 1. Dezember, haben alle")


def test_another_number_said_to_the_caller_id_question_is_read_back(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    caller = Caller(app)  # calls from a mobile: the hotline offers that number first
    caller.dial()
    caller.say("#0")
    caller.say("#1")
    assert "von der Sie gerade anrufen" in caller.hears()
    caller.say("nein, bitte unter null eins sieben eins zwei drei vier fünf sechs sieben")
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6, 7. Stimmt das?" in caller.hears()
    caller.say("ja")
    caller.say("vormittags")
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "0171234567"


def test_a_caller_who_says_where_the_digit_goes_at_the_read_back_is_understood(app, db):
    caller = callback_caller(app)
    caller.say("0171 234 56 78")
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6 – 7, 8. Stimmt das?" in caller.hears()
    # ("am Ende" alone is also a worry: "ich bin am Ende"; the worry question comes first.)
    caller.say("nein, die letzte Ziffer ist eine sieben")
    assert "Ich wiederhole: 0, 1, 7, 1 – 2, 3, 4 – 5, 6 – 7, 7. Stimmt das?" in caller.hears()
    caller.say("nein, am Anfang null eins sechs null")
    assert "Ich wiederhole: 0, 1, 6, 0 – 2, 3, 4 – 5, 6 – 7, 7. Stimmt das?" in caller.hears()
    caller.say("ja")
    caller.say("egal")
    assert db.execute("SELECT phone FROM callbacks").fetchone()[0] == "01602345677"


def test_english_hundreds_said_as_groups_are_read_back_as_said(app, db):
    caller = callback_caller(app, "#9")
    caller.say("zero one seven one, seven hundred, nine hundred")
    assert "Let me repeat: 0, 1, 7, 1 – 7, 0, 0 – 9, 0, 0. Is that right?" in caller.hears()


def test_a_year_said_again_is_the_year_of_the_birth_date(app, db):
    caller = birth_date_caller(app)
    caller.say("dritter Mai zweitausend, nein, neunzehnhundertachtzig")
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in caller.hears()


def test_an_english_birth_date_corrected_after_of_reaches_the_status(app, db):
    caller = birth_date_caller(app, "en")
    caller.say("the second of May nineteen eighty, no, the third")
    assert "Your application for continued Bürgergeld arrived on 3 November" in caller.hears()


def test_a_callback_number_written_with_the_country_code_is_the_number_to_call(app, db):
    app.extensions["hotline.clock"] = lambda: SUNDAY
    texter = Texter(app)
    said = texter.send("Rückruf bitte unter +49 171 2345678")
    assert "Die Nummer ist: 0171 234 56 78. Stimmt das?" in said
    texter.send("ja")
    texter.send("egal")
    assert db.execute("SELECT phone FROM callbacks").fetchall() == [("01712345678",)]


def test_a_birth_date_written_in_figures_is_checked_as_corrected(app):
    # The demo customer 123D456789 was born on 3 May 1980: the date taken back must not
    # verify the caller, the one corrected to must.
    with_demo_cases(app)
    chatter = Chatter(app)
    chatter.send("Wie ist der Stand meines Antrags?")
    assert "Ihre Kundennummer endet auf 789. Stimmt das?" in chatter.send("123D456789")
    chatter.send("ja")
    said = chatter.send("3.5.1980, nein, 3.5.1981")
    assert "passen leider nicht zusammen" in said and "geprüft" not in said
    said = chatter.send("03.05.1908 nein 1980")
    assert "Ihr Weiterbewilligungsantrag ist am 3. November eingegangen" in said
