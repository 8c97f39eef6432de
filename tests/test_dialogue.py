"""The dialogue on its own: pure state in, state and actions out, no Flask and no database."""

import speech
from conversation import Ask, CallState, Dialogue, Hangup, Heard, Say, Transfer

dialogue = Dialogue(languages=["de", "en"], min_confidence=0.3)


def said(turn):
    keys = []
    for action in turn.actions:
        if isinstance(action, Ask):
            keys.extend(p.key for p in action.prompts)
        elif isinstance(action, Say):
            keys.append(action.key)
    return keys


def settle(turn, dialogue_=dialogue, open_now=True):
    """Answer the dialogue's queries as the view would; here: is anybody there?"""
    while turn.query is not None:
        assert turn.query.kind == "agents_open", turn.query
        turn = dialogue_.resume(turn, open_now)
    return turn


def talk(*lines, open_now=True):
    """Run a call through the dialogue; returns every turn."""
    turns = [dialogue.start()]
    for line in lines:
        heard = Heard(digits=line[1:]) if line.startswith("#") else Heard(speech=line,
                                                                          confidence=0.9)
        turns.append(settle(dialogue.step(turns[-1].state, heard), open_now=open_now))
    return turns


def test_greeting_listens_for_a_request_and_offers_english():
    turn = dialogue.start()
    assert turn.state.step == "greeting"
    (ask,) = turn.actions
    assert ask.expect == "request"
    assert [p.key for p in ask.prompts] == ["greeting", "offer_language"]
    assert ask.prompts[1].lang == "en"


def test_a_single_language_hotline_offers_no_switch():
    turn = Dialogue(languages=["de"]).start()
    assert said(turn) == ["greeting"]
    nine = settle(Dialogue(languages=["de"]).step(turn.state, Heard(digits="9")))
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
    turn = talk("ich suche arbeit")[-1]
    assert said(turn)[0] == "not_yet"
    assert isinstance(turn.actions[-1], Transfer)
    assert turn.state.intent == "job_search"


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
    turn = settle(dialogue.step(start.state, Heard(speech="wir werden morgen zwangsgeräumt",
                                                   confidence=0.1)))
    assert turn.actions[-1] == Transfer(reason="emergency", queue="emergency")
    assert turn.state.emergency


def test_the_same_call_always_takes_the_same_turns():
    # The dialogue is a pure function of state and input: no clock, I/O or chance in it.
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
    # "Nein" is an answer, not a failure: the caller is asked openly what it is about.
    assert no.event == "confirm:no" and no.state.failures == 0
    assert said(no) == ["what_then"] and no.state.step == "listen"


def test_keys_one_and_two_answer_the_guess_as_yes_and_no():
    # "Ja oder Nein" asked: 2 is no, as at the other yes-or-no questions (was "Diese Taste
    # ist hier nicht belegt").
    dialogue_ = Dialogue(languages=["de"], recognise=weakly("register_unemployed", 0.4))
    asked = dialogue_.step(dialogue_.start().state, Heard(speech="arbeitslos", confidence=0.9))
    no = dialogue_.step(asked.state, Heard(digits="2"))
    assert no.event == "confirm:no" and no.state.failures == 0
    assert said(no) == ["what_then"] and no.state.step == "listen"
    yes = dialogue_.step(asked.state, Heard(digits="1"))
    assert yes.state.intent == "register_unemployed"


def test_keys_one_and_two_answer_anything_else_as_yes_and_no():
    # "Kann ich sonst noch etwas für Sie tun? Sagen Sie bitte Ja oder Nein": 2 is no (it
    # took the caller into the identity check for a payment), 1 is yes; the other menu
    # keys and 0 keep their meaning.
    done = talk("", "#4")[-1]
    assert done.state.step == "anything_else"
    no = dialogue.step(done.state, Heard(digits="2"))
    assert no.event == "goodbye" and no.state.step == "ended"
    yes = dialogue.step(done.state, Heard(digits="1"))
    assert said(yes) == ["what_else"] and yes.state.step == "listen"
    three = dialogue.step(done.state, Heard(digits="3"))
    assert three.state.intent == "application_status" and three.state.step != "ended"


def test_a_menu_topic_word_said_alone_counts_as_its_key():
    # "Termin", "Geld": the words the menu names its topics by, not guesses to confirm.
    assert said(talk("Termin")[-1]) == ["ask_topic"]
    money = dialogue.step(dialogue.start().state, Heard(speech="Geld", confidence=0.9))
    assert money.state.intent == "payment_status"
    assert talk("offen")[-1].event == "confirm"  # not a menu topic: still confirmed
    assert talk("Termin bitte")[-1].event == "confirm"  # one word alone only


def test_a_very_weak_guess_is_not_put_to_the_caller():
    dialogue_ = Dialogue(languages=["de"], recognise=weakly("documents", 0.1))
    turn = dialogue_.step(dialogue_.start().state, Heard(speech="na ja", confidence=0.9))
    assert turn.event == "reprompt:not_understood"


def test_outside_opening_hours_no_phone_rings_the_caller_chooses():
    turn = talk("mitarbeiter", open_now=False)[-1]
    assert not any(isinstance(a, Transfer) for a in turn.actions)
    assert said(turn) == ["closed", "closed_options"]
    assert turn.state.step == "unstaffed"


def test_emergency_outside_hours_is_promised_the_first_callback():
    turn = talk("ich habe nichts mehr zu essen", open_now=False)[-1]
    assert said(turn) == ["closed", "closed_emergency", "closed_options"]


def test_callback_on_the_callers_own_number():
    start = dialogue.start(caller_id=True, caller_tail="5, 6, 7")
    closed = settle(dialogue.step(start.state, Heard(digits="0")), open_now=False)
    asked = dialogue.step(closed.state, Heard(speech="rückruf bitte", confidence=0.9))
    assert asked.actions[0].prompts[0].params == {"digits_tail": "5, 6, 7"}
    when = dialogue.step(asked.state, Heard(speech="ja", confidence=0.9))
    assert when.state.step == "callback_when"
    recorded = dialogue.step(when.state, Heard(speech="nachmittags", confidence=0.9))
    assert recorded.query.kind == "request_callback"
    assert recorded.query.args["confirmed_by"] == "caller_id"
    assert recorded.query.args["part_of_day"] == "afternoon"
    done = dialogue.resume(recorded, {"id": 1})
    assert isinstance(done.actions[-1], Hangup) and done.state.outcome == "callback"


def test_callback_without_caller_id_takes_the_number_digit_by_digit():
    closed = settle(dialogue.step(dialogue.start().state, Heard(digits="0")), open_now=False)
    asked = dialogue.step(closed.state, Heard(digits="1"))
    assert asked.state.step == "callback_digits" and asked.actions[0].expect == "phone"
    short = dialogue.step(asked.state, Heard(digits="123"))
    assert short.event == "reprompt:phone_incomplete"
    check = dialogue.step(asked.state, Heard(speech="null sieben eins fünf eins eins zwei drei",
                                             confidence=0.9))
    assert check.actions[0].prompts[0].params == {"phone_number": "07151123"}
    when = dialogue.step(check.state, Heard(speech="ja", confidence=0.9))
    recorded = dialogue.step(when.state, Heard(speech="egal", confidence=0.9))
    assert recorded.query.args["phone"] == "07151123"
    assert recorded.query.args["confirmed_by"] == "spoken"


def test_three_misunderstandings_while_closed_end_in_a_message_not_a_loop():
    start = dialogue.start(caller_id=True).state
    closed = settle(dialogue.step(start, Heard(digits="0")), open_now=False)
    turn = closed
    for _ in range(3):
        turn = dialogue.step(turn.state, Heard(speech="blubb", confidence=0.9))
    assert any(type(a).__name__ == "Record" for a in turn.actions)


def test_without_a_number_to_call_back_three_misunderstandings_end_politely_not_in_a_message():
    # A message from a withheld number would reach no one: call again instead.
    closed = settle(dialogue.step(dialogue.start().state, Heard(digits="0")), open_now=False)
    turn = closed
    for _ in range(3):
        turn = dialogue.step(turn.state, Heard(speech="blubb", confidence=0.9))
    assert not any(type(a).__name__ == "Record" for a in turn.actions)
    assert ["message_no_number"] == [a.key for a in turn.actions if type(a).__name__ == "Say"]
    assert turn.state.step == "ended"


def test_hello_on_a_bad_line_is_answered_and_the_question_asked_again_without_a_failure():
    for hello in ("Hallo? Hören Sie mich?", "hallo", "Hallo, ist da jemand?", "Sind Sie noch da?"):
        turns = talk(hello)
        assert said(turns[-1])[0] == "hear_you", hello
        assert "not_understood" not in said(turns[-1])
        assert turns[-1].state.failures == 0


def test_hello_at_the_greeting_gets_the_short_question_not_the_greeting_again():
    # A caller on a bad line heard the greeting (or part of it): "Guten Tag" and the
    # languages again would take twenty seconds to say what they missed (german 35).
    for hello in ("Hallo?", "Hallo, ist da jemand?", "hallo, hört mich jemand?"):
        turns = talk(hello)
        assert said(turns[-1]) == ["hear_you", "line_what_about"], hello
        assert turns[-1].state.failures == 0
    # "Wie bitte?" then asks the short question again; the language keys still work.
    assert said(talk("Hallo?", "wie bitte?")[-1]) == ["line_what_about"]
    assert talk("Hallo?", "#9")[-1].state.lang == "en"


def test_hello_after_the_greeting_gets_the_last_question_again():
    turns = talk("Ich brauche einen Termin", "hallo?")
    assert said(turns[-1]) == ["hear_you", "ask_topic"]


def test_hello_with_a_request_is_the_request():
    turns = talk("Hallo, ich brauche einen Termin")
    assert "hear_you" not in said(turns[-1])
    assert "ask_topic" in said(turns[-1])
