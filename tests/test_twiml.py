"""Our TwiML writer: the same text as twilio's own serialiser, for any tree and any words."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from conversation import Ask, Hangup, Say, Transfer
from ivr.twiml import Urls, Voice, compose, response_for, spoken_text, to_xml

words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
attribute = st.one_of(words, st.integers(-5, 500), st.booleans(), st.none())


@st.composite
def responses(draw):
    response = VoiceResponse()
    for _ in range(draw(st.integers(0, 5))):
        verb = draw(st.sampled_from(["say", "gather", "pause", "redirect", "hangup",
                                     "enqueue", "dial", "text"]))
        if verb == "say":
            response.say(draw(words), voice=draw(attribute), language="de-DE")
        elif verb == "gather":
            gather = response.gather(action=draw(words), hints=draw(words),
                                     num_digits=draw(attribute), input="speech dtmf")
            for _ in range(draw(st.integers(0, 3))):
                say = gather.say(voice=draw(attribute))
                say.prosody(draw(words), rate=draw(attribute))
                if draw(st.booleans()):
                    gather.append(draw(words))
        elif verb == "pause":
            response.pause(length=draw(attribute))
        elif verb == "redirect":
            response.redirect(draw(words), method="POST")
        elif verb == "hangup":
            response.hangup()
        elif verb == "enqueue":
            response.enqueue(draw(words), wait_url=draw(words))
        elif verb == "dial":
            dial = response.dial(answer_on_bridge=draw(attribute), timeout=draw(attribute))
            dial.number(draw(words), url=draw(words))
        else:
            response.append(draw(words))  # bare text between verbs
    return response


@settings(max_examples=400, deadline=None)
@given(responses())
def test_our_writer_gives_what_twilio_gives(response):
    assert to_xml(response) == str(response)


def test_special_characters_are_escaped_where_they_stand():
    response = VoiceResponse()
    response.say('Öffnungszeiten <Mo> & "Di"', voice="Polly.Vicki")
    response.redirect("/voice/turn?t=1&held=1\n")
    assert to_xml(response) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say voice="Polly.Vicki">Öffnungszeiten &lt;Mo&gt; &amp; "Di"</Say>'
        '<Redirect>/voice/turn?t=1&amp;held=1\n</Redirect></Response>')


# ------------------------------------------------- a usual turn, written out directly


@dataclass(frozen=True)
class WordsVoice(Voice):
    """A voice that says the given words (any characters) for every sentence."""

    words: str = ""

    def text(self, say, lang):
        return self.words + say.key


sentence = st.builds(Say, key=st.sampled_from(["greeting", "anything_else", "booked",
                                                  "address", "not_understood"]),
                     lang=st.sampled_from([None, "de", "en"]))
question = st.builds(Ask, prompts=st.lists(sentence, max_size=3).map(tuple),
                     expect=st.sampled_from(["request", "menu", "yes_no", "choice", "code",
                                             "phone"]),
                     lang=st.sampled_from(["de", "en"]))
turns = st.lists(st.one_of(sentence, question, st.just(Hangup())), max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(turns, words, words, st.sampled_from(["de", "en"]), st.sampled_from(["auto", "3"]))
def test_a_usual_turn_written_directly_is_what_twilios_tree_gives(actions, said, turn_url,
                                                                  lang, speech_timeout):
    voice = WordsVoice(voices={"de": "Polly.Vicki-Neural", "en": ""}, words=said,
                       speech_timeout=speech_timeout)
    urls = Urls(turn=turn_url, wait="/voice/wait", queue_result="/voice/queue-result")
    body, spoken = compose(actions, lang, voice, urls)
    tree = response_for(actions, lang, voice, urls)
    assert body == str(tree)
    assert spoken == spoken_text(actions, lang, voice)


def test_a_turn_with_other_verbs_is_built_with_twilios_classes():
    voice = Voice(voices={"de": "Polly.Vicki-Neural"})
    urls = Urls(turn="/voice/turn?t=2", wait="/voice/wait", queue_result="/voice/queue-result")
    actions = (Say("anything_else"), Transfer(reason="agent"))
    body, spoken = compose(actions, "de", voice, urls)
    assert body == str(response_for(actions, "de", voice, urls))
    assert "<Enqueue" in body and spoken.startswith("Kann ich sonst noch etwas")
