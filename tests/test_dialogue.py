"""The dialogue on its own: pure state in, state and actions out, no Flask and no database."""

import speech
from ivr.dialogue import Ask, CallState, Dialogue, Hangup, Heard, Say, Transfer

dialogue = Dialogue(languages=["de", "en"], min_confidence=0.3)


def said(turn):
    keys = []
    for action in turn.actions:
        if isinstance(action, Ask):
            keys.extend(p.key for p in action.prompts)
        elif isinstance(action, Say):
            keys.append(action.key)
    return keys


def talk(*lines):
    """Run a call through the dialogue; returns every turn."""
    turns = [dialogue.start()]
    for line in lines:
        heard = Heard(digits=line[1:]) if line.startswith("#") else Heard(speech=line,
                                                                          confidence=0.9)
        turns.append(dialogue.step(turns[-1].state, heard))
    return turns


def test_greeting_listens_for_a_request_and_offers_english():
    turn = dialogue.start()
    assert turn.state.step == "listen"
    (ask,) = turn.actions
    assert ask.expect == "request"
    assert [p.key for p in ask.prompts] == ["greeting", "offer_language"]
    assert ask.prompts[1].lang == "en"


def test_a_single_language_hotline_offers_no_switch():
    turn = Dialogue(languages=["de"]).start()
    assert said(turn) == ["greeting"]
    nine = Dialogue(languages=["de"]).step(turn.state, Heard(digits="9"))
    assert "key_unknown" in said(nine)


def test_failures_escalate_and_never_exceed_three_in_a_row():
    turns = talk("", "", "")
    assert [t.event for t in turns[1:]] == ["reprompt:not_heard", "menu:not_heard",
                                            "agent:not_heard"]
    assert isinstance(turns[-1].actions[-1], Transfer)
    assert turns[-1].state.outcome == "agent"


def test_a_success_resets_the_failure_count():
    turns = talk("", "welche unterlagen brauche ich", "ja", "", "")
    assert turns[-1].event.startswith("menu:")  # two failures after the reset, not three


def test_the_state_given_in_is_not_changed():
    start = dialogue.start()
    before = start.state.to_dict()
    dialogue.step(start.state, Heard(digits="0"))
    assert start.state.to_dict() == before


def test_state_round_trips_through_a_dict_as_it_does_through_the_database():
    turns = talk("", "#9")
    state = turns[-1].state
    assert CallState.from_dict(state.to_dict()) == state
    assert CallState.from_dict({**state.to_dict(), "from_a_newer_version": 1}) == state


def test_goodbye_hangs_up():
    turns = talk("welche unterlagen brauche ich", "nein")
    assert isinstance(turns[-1].actions[-1], Hangup)
    assert turns[-1].state.outcome == "answered"


def test_outcome_is_never_weakened():
    turns = talk("welche unterlagen brauche ich", "ja", "mitarbeiter")
    assert turns[-1].state.outcome == "agent"


def test_unhandled_intents_are_handed_over_honestly():
    turn = talk("ich möchte mich arbeitslos melden")[-1]
    assert said(turn)[0] == "not_yet"
    assert isinstance(turn.actions[-1], Transfer)
    assert turn.state.intent == "register_unemployed"


def test_two_close_intents_are_asked_about_then_chosen_by_key():
    dialogue_ = Dialogue(languages=["de"], recognise=lambda text, lang: speech.Recognition(
        text=text, intent="payment_status", score=0.5,
        alternatives=(("application_status", 0.45),), evidence="test", confident=False,
        ambiguous=True))
    start = dialogue_.start()
    asked = dialogue_.step(start.state, Heard(speech="mein antrag und mein geld", confidence=0.9))
    assert asked.event == "clarify"
    assert asked.actions[0].prompts[0].params == {"topic_first": "payment_status",
                                                  "topic_second": "application_status"}
    chosen = dialogue_.step(asked.state, Heard(digits="2"))
    assert chosen.state.intent == "application_status"


def test_emergency_on_a_bad_line_is_still_heard():
    start = dialogue.start()
    turn = dialogue.step(start.state, Heard(speech="wir werden morgen zwangsgeräumt",
                                            confidence=0.1))
    assert turn.actions[-1] == Transfer(reason="emergency", queue="emergency")
    assert turn.state.emergency


def test_a_whole_call_runs_in_well_under_a_millisecond_per_turn():
    # Not a timing assertion (benchmarks hold those): the dialogue must not touch I/O,
    # which shows as the same result from many runs.
    results = {tuple(t.event for t in talk("", "#4", "nein")) for _ in range(50)}
    assert results == {("greeting", "reprompt:not_heard", "answered:documents", "goodbye")}


def weakly(intent, score):
    return lambda text, lang: speech.Recognition(
        text=text, intent=intent, score=score, alternatives=(), evidence="test",
        confident=False, ambiguous=False)


def test_a_weakly_heard_request_is_confirmed_with_the_caller():
    dialogue_ = Dialogue(languages=["de"], recognise=weakly("register_unemployed", 0.4))
    asked = dialogue_.step(dialogue_.start().state, Heard(speech="arbeitslos", confidence=0.9))
    assert asked.event == "confirm"
    assert asked.actions[0].prompts[0].params == {"topic_intent": "register_unemployed"}
    yes = dialogue_.step(asked.state, Heard(speech="ja genau", confidence=0.9))
    assert yes.state.intent == "register_unemployed"
    no = dialogue_.step(asked.state, Heard(speech="nein", confidence=0.9))
    assert no.event == "reprompt:not_understood" and no.state.failures == 1


def test_a_very_weak_guess_is_not_put_to_the_caller():
    dialogue_ = Dialogue(languages=["de"], recognise=weakly("documents", 0.1))
    turn = dialogue_.step(dialogue_.start().state, Heard(speech="na ja", confidence=0.9))
    assert turn.event == "reprompt:not_understood"
