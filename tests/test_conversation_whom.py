"""With whom and who is coming, in the pure conversation: what it asks the calendar for
and what it says with the answer (no Flask, no database)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from conversation import Ask, Caseworker, Caseworkers, Dialogue, Heard

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
PEOPLE = Caseworkers((
    Caseworker("wn-keller", "Frau Keller", ("waiblingen",), frozenset({"geldleistungen"}),
               frozenset({"Team Leistung 2, Waiblingen"})),
))
dialogue = Dialogue(languages=["de", "en"], caseworkers=PEOPLE)
SLOT = {"start": "2026-11-26T08:00:00+01:00", "end": "2026-11-26T08:30:00+01:00",
        "caseworker_id": "wn-keller", "caseworker": "Frau Keller", "site": "waiblingen",
        "topic": "geldleistungen"}


def step(turn, words):
    return dialogue.step(turn.state, Heard(speech=words, confidence=0.9, now=NOW))


def prompts(turn):
    return [(p.key, p.params) for a in turn.actions if isinstance(a, Ask) for p in a.prompts]


def test_a_named_caseworker_is_looked_for_without_asking_the_site():
    turn = step(dialogue.start(), "Ich brauche einen Termin bei Frau Keller wegen Geld morgen")
    assert turn.query.kind == "find_caseworker_slot"
    assert turn.query.args["caseworker"] == "wn-keller" and turn.query.args["site"] is None
    offered = dialogue.resume(turn, {"slot": SLOT, "with_them": True, "why": None})
    assert prompts(offered) == [("offer_with", {
        "when_start": SLOT["start"], "with_caseworker": "Frau Keller",
        "place_site": "waiblingen", "today": NOW.date().isoformat()})]


def test_the_reason_is_said_once_before_the_nearest_choice():
    turn = step(dialogue.start(), "Ich brauche einen Termin bei Frau Keller wegen Geld morgen")
    other = {**SLOT, "caseworker_id": "wn-yilmaz", "caseworker": "Herr Yılmaz"}
    offered = dialogue.resume(turn, {"slot": other, "with_them": False, "why": "away",
                                     "back": "2027-01-11", "person": "Frau Keller"})
    assert [key for key, _ in prompts(offered)] == ["caseworker_away", "offer_with"]
    again = step(offered, "nein")
    assert again.query.kind == "find_caseworker_slot"  # still looking for her first
    later = dialogue.resume(again, {"slot": other, "with_them": False, "why": "away",
                                    "back": "2027-01-11", "person": "Frau Keller"})
    assert [key for key, _ in prompts(later)] == ["offer_with"]


def test_my_caseworker_unchecked_asks_and_a_customer_number_starts_the_check():
    turn = step(dialogue.start(), "Ich brauche einen Termin bei meiner Sachbearbeiterin")
    # "Sachbearbeiterin" is about money matters: acknowledged, then the question.
    assert [key for key, _ in prompts(turn)] == ["noted", "ask_own_check"]
    checking = step(turn, "eins zwei drei D vier fünf sechs sieben acht neun")
    assert checking.query.kind == "identity_open"
    assert checking.state.identity["number"] == "123D456789"
    assert checking.state.identity["purpose"] == "book_appointment"


def test_after_the_check_the_team_is_searched_and_the_number_kept():
    turn = step(dialogue.start(), "Ich brauche einen Termin bei meiner Sachbearbeiterin morgen")
    turn = step(turn, "eins zwei drei D vier fünf sechs sieben acht neun")
    turn = dialogue.resume(turn, {"locked": False})
    assert [key for key, _ in prompts(turn)] == ["customer_number_check"]
    assert prompts(turn)[0][1] == {"groups_number": "123D456789"}
    turn = dialogue.resume(step(turn, "ja"), {"locked": False})
    turn = step(turn, "dritter Mai neunzehnhundertachtzig")
    searched = dialogue.resume(turn, {"ok": True, "number": "123D456789",
                                      "team": "Team Leistung 2, Waiblingen"})
    assert searched.query.kind == "find_caseworker_slot"
    assert searched.query.args["team"] == "Team Leistung 2, Waiblingen"
    assert searched.state.booking["customer_number"] == "123D456789"


def test_the_name_question_comes_after_the_booking_and_is_optional():
    turn = step(dialogue.start(), "Ich brauche einen Termin in Waiblingen wegen Geld morgen")
    turn = dialogue.resume(turn, {**SLOT})
    booked = dialogue.resume(step(turn, "ja"), {"booking": {
        "code": "438581", "site": "waiblingen", "topic": "geldleistungen",
        "caseworker": "Frau Keller", "start": SLOT["start"]}})
    keys = [key for key, _ in prompts(booked)]
    assert keys[-2:] == ["booking_code", "ask_name"] and "booked" in keys
    assert ("booking_code", {"groups_code": "438581"}) in prompts(booked)
    silent = dialogue.step(booked.state, Heard(now=NOW))
    assert silent.state.step == "anything_else"  # a landline: no SMS to offer
    named = step(booked, "Schmid")
    assert named.query.kind == "booking_name"
    assert named.query.args == {"code": "438581", "name": "Schmid"}


def test_a_name_heard_badly_is_skipped_not_asked_again():
    turn = step(dialogue.start(), "Ich brauche einen Termin in Waiblingen wegen Geld morgen")
    turn = dialogue.resume(turn, {**SLOT})
    booked = dialogue.resume(step(turn, "ja"), {"booking": {
        "code": "438581", "site": "waiblingen", "topic": "geldleistungen",
        "caseworker": "Frau Keller", "start": SLOT["start"]}})
    garbled = dialogue.step(booked.state, Heard(speech="Schmatz", confidence=0.1, now=NOW))
    assert garbled.query is None and garbled.state.step == "anything_else"
    assert garbled.state.failures == 0
