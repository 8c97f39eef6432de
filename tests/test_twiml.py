"""Our TwiML writer: the same text as twilio's own serialiser, for any tree and any words."""

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from ivr.twiml import to_xml

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
