"""Callers in crisis, round 3: what people really say (indirect, elderly, Swabian, not in
their first language) is heard in every step, on the phone and in writing.

The phrases are from tests/data/crisis_round3_<lang>.tsv, heard in full by
tests/test_languages_speech.py; here they go where a call can be: at the greeting, in the
middle of a booking, at the customer number, at the callback number, in SMS and web chat.
"""

import pytest
from test_dialogue import settle
from written_people import person

from conftest import Caller, with_demo_cases
from conversation import CallState, Dialogue, Heard, Transfer
from conversation.dialogue import STEPS as TABLE
from speech import detect_crisis, detect_worry

LANGS = ["de", "en", "tr", "uk", "ru", "ar"]
dialogue = Dialogue(languages=LANGS, min_confidence=0.3)
STEPS = sorted(set(TABLE) | {"agent", "ended", "crisis_numbers"})

# One line of each round-3 set that nothing heard before that round.
SAID = {
    "de": ("ich hab mir schon überlegt wie ich es mache", "self_harm"),
    "en": ("i'm done i'm really done with life", "self_harm"),
    "tr": ("balkonun kenarındayım aşağı bakıyorum", "self_harm"),
    "uk": ("він схопив мене за горло при дітях", "violence"),
    "ru": ("мама упала и не отвечает", "emergency"),
    "ar": ("صرت حاسس انو ما في داعي اعيش", "self_harm"),
}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_round_3_crisis_is_heard_in_every_step_in_every_language(step, lang):
    words, kind = SAID[lang]
    state = CallState(step=step, lang=lang, turn=3, intent="book_appointment",
                      candidates=["a", "b"], booking={"intent": "book_appointment"},
                      identity={"intent": "payment_status"}, callback={"intent": "agent"})
    turn = settle(dialogue.step(state, Heard(speech=words, confidence=0.2)), dialogue)
    assert turn.actions[-1] == Transfer(reason="emergency", queue="emergency")
    assert turn.state.crisis == kind


@pytest.mark.parametrize("words", [
    "i mog nemme i hab koi kraft meh für des alles",
    "äh ich weiß echt nicht mehr weiter und ehrlich gesagt will ich auch gar nicht mehr",
])
def test_a_swabian_or_halting_i_cannot_go_on_gets_the_crisis_line(app, words):
    caller = Caller(app)
    caller.dial()
    caller.say(words)
    said = caller.hears()
    assert "Telefonseelsorge" in said and "[Warteschleife: hotline-emergency]" in said


def test_violence_said_at_the_customer_number_gets_the_police_number(app):
    caller = Caller(with_demo_cases(app))
    caller.dial()
    caller.say("wo bleibt mein geld")
    assert "Kundennummer" in caller.hears()
    caller.say("er schlägt mich wenn er getrunken hat")
    said = caller.hears()
    assert "Polizei: eins eins null" in said and "[Warteschleife: hotline-emergency]" in said


def test_an_emergency_said_at_the_booking_day_question_is_put_through_first(app):
    caller = Caller(app)
    caller.dial()
    for line in ("ich brauche einen termin", "wegen geld", "Backnang"):
        caller.say(line)
    assert "Wann passt es Ihnen" in caller.hears()
    caller.say("meine mutter ist gestürzt und liegt am boden sie antwortet nicht mehr")
    said = caller.hears()
    assert "Das klingt dringend" in said and "vor allen anderen" in said


@pytest.mark.parametrize("channel", ["sms", "chat"])
@pytest.mark.parametrize("lang, first, words", [
    ("de", "Ich möchte einen Termin",
     "mein leben ist nix mehr wert ich bin für alle nur noch eine belastung"),
    ("en", "I would like to book an appointment",
     "there's a rope in the shed and i keep thinking about it"),
])
def test_a_round_3_crisis_written_in_the_middle_of_a_booking_gets_the_numbers(
        app, channel, lang, first, words):
    someone = person(channel, app, lang)
    someone.send(first)
    said = someone.send(words)
    assert "0800 111 0 111" in said


@pytest.mark.parametrize("lang, words", [
    ("de", "ich kann nicht mehr warten auf mein geld wann kommt das endlich"),
    ("de", "mein termin ist tot langweilig gewesen muss ich da nochmal hin"),
    ("en", "my phone is about to die can you call me back"),
    ("tr", "paramı beklemekten öldüm artık ne zaman yatacak"),
    ("uk", "ці папери мене доконають допоможіть заповнити"),
])
def test_near_misses_of_round_3_are_neither_a_crisis_nor_a_worry(lang, words):
    assert detect_crisis(words, lang) is None
    assert detect_worry(words, lang) is None


# Everyday sentences that share words with round 3's phrases (a sanction asked about,
# papers that "will be the death of me", the counter on the second floor, a neck that
# hurts): each was taken for a crisis by a first draft of those phrases.
@pytest.mark.parametrize("lang, words", [
    ("de", "passiert mir was wenn ich den termin verpasse"),
    ("de", "das will ich nicht mehr"),
    ("de", "ich weiß nicht wie ich es mache mit der kinderbetreuung"),
    ("de", "ich habe mir überlegt wie ich es mache mit dem umzug"),
    ("de", "ich bin hingefallen und hab mir den arm gebrochen der boden war glatt"),
    ("en", "they will make me pay it back won't they"),
    ("en", "the leak is on the roof does the jobcentre pay"),
    ("en", "your letter really touched me"),
    ("tr", "pencere kenarındayım sesim iyi geliyor mu"),
    ("tr", "bu kesinti bana çok dokundu"),
    ("uk", "ці папери мене на той світ зведуть"),
    ("uk", "що робити якщо мене не буде на прийомі"),
    ("uk", "я домагаюся виплати вже місяць"),
    ("uk", "немає іншого виходу як подати заяву"),
    ("ru", "эти бумаги меня на тот свет сведут"),
    ("ru", "что делать если меня не будет на приеме"),
    ("ru", "нет другого выхода кроме как подать заявление"),
    ("ar", "الشباك بالطابق التاني"),
    ("ar", "عندي وجع من رقبتي"),
])
def test_everyday_sentences_near_round_3_phrases_are_no_crisis(lang, words):
    assert detect_crisis(words, lang) is None
