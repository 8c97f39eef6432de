"""Abuse of the webhooks, the console and the APIs (issue 16): each test is one way in, closed."""

import pytest

from conftest import Caller


def state_turn(db, call_sid):
    return db.execute("SELECT turns FROM calls WHERE call_sid = ?", [call_sid]).fetchone()[0]


# ---------------------------------------------------------------- 14: the turn number


@pytest.mark.parametrize("query", ["?t=abc", "?t=1e3", "?t=", "?t=-0", "?t=0x0", "?t= 0", ""])
def test_a_turn_number_that_is_not_ours_only_repeats_the_question(app, db, query):
    caller = Caller(app)
    greeting = caller.dial()
    # "Mitarbeiter" would hand the call over if it were taken as the current turn.
    reply = caller.post("/voice/turn" + query, SpeechResult="Mitarbeiter", Confidence="0.9")
    assert reply.status == 200
    assert "Guten Tag" in reply.body and "<Enqueue" not in reply.body and "<Dial" not in reply.body
    assert state_turn(db, caller.call_sid) == 0
    assert greeting  # the question heard again is the greeting's
    # The right number still works.
    assert "<Enqueue" in caller.post("/voice/turn?t=0", SpeechResult="Mitarbeiter",
                                     Confidence="0.9").body
