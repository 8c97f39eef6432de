"""TwiML: everything the hotline answers Twilio with, written in one place.

The conversation's actions (`render`, `compose`), and the webhooks' own answers: holding
on while the database is busy, the queue's hold messages, the whisper to an agent, the
Vosk listener's polls. Every function takes what it needs as arguments (the call, the
URLs, the language, the voice) and never reads the request.

Built as twilio VoiceResponse trees and written out by `to_xml`; the usual turn's few
verbs are written directly (`compose`). Either way every text and attribute goes through
the same escaping, never pasted in raw, and tests hold both ways to the same output.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

import speech
from conversation import Action, Ask, Hangup, PutThrough, Record, Say, Transfer
from schedules.config import Schedule

from . import languages, prompts

CODE_DIGITS = 6
YES_NO_HINTS = {
    "de": ["ja", "nein", "genau", "passt", "nee", "richtig", "falsch"],
    "en": ["yes", "no", "correct", "right", "wrong"],
}


@dataclass(frozen=True)
class Listening:
    """Vosk mode: where Twilio streams the caller's audio, and how the stream proves itself."""

    secret: str  # signs each stream's parameters (see `stream_token`)
    public_url: str = ""  # HOTLINE_PUBLIC_URL; else the URL this request reached
    path: str = "/voice/media"
    listen_path: str = "/voice/listen"


@dataclass(frozen=True)
class Voice:
    """How the hotline speaks and listens; built once from the app's settings."""

    voices: dict[str, str]  # lang -> Twilio voice name
    speech_timeout: str = "auto"
    gather_timeout: int = 6
    queue_name: str = "hotline"
    schedule: Schedule | None = None  # says sites, addresses and what to bring
    listening: Listening | None = None  # set (by ivr.media) when the hotline runs Vosk

    @classmethod
    def from_config(cls, config: dict, schedule: Schedule | None = None) -> "Voice":
        voices = {}
        for lang in config["HOTLINE_LANGUAGES"]:
            override = config.get(languages.voice_setting(lang), "")
            voices[lang] = override or prompts.default_voice(lang)
        return cls(
            voices=voices,
            speech_timeout=str(config["HOTLINE_SPEECH_TIMEOUT"]),
            gather_timeout=int(config["HOTLINE_GATHER_TIMEOUT"]),
            queue_name=config["HOTLINE_AGENT_QUEUE"],
            schedule=schedule,
        )

    def text(self, say: Say, lang: str) -> str:
        return prompts.text(say.lang or lang, say.key, schedule=self.schedule, **say.params)

    def say_attributes(self, lang: str) -> dict[str, str]:
        """The <Say> attributes for speaking `lang`."""
        return languages.say_attributes(lang, self.voices.get(lang))

    def say(self, response, text: str, lang: str, rate: str | None = None) -> None:
        if rate is None:
            response.say(text, **self.say_attributes(lang))
        else:
            say = response.say(**self.say_attributes(lang))
            say.prosody(text, rate=rate)

    def sentence(self, say: Say, lang: str) -> tuple[str, str, str | None]:
        """A catalogue sentence's words, the language they are in, and the slower
        speaking rate where the catalogue asks for one."""
        said_in = say.lang or lang
        return self.text(say, lang), said_in, prompts.slow_rate(said_in, say.key)

    def speak(self, response, say: Say, lang: str) -> None:
        """Say one catalogue sentence, slowly where the catalogue says so."""
        self.say(response, *self.sentence(say, lang))


@dataclass(frozen=True)
class DialAgent:
    """Ring one agent for the caller (a Transfer for which routing found somebody free)."""

    call_sid: str
    agent_id: int
    reach_kind: str  # number | sip | client
    reach_address: str
    ring_timeout_s: int


@dataclass(frozen=True)
class Urls:
    """Where Twilio is sent next; relative URLs, resolved by Twilio against the webhook's."""

    turn: str
    wait: str
    queue_result: str
    voicemail: str = "/voice/voicemail"
    dial_result: str = "/voice/dial-result"
    whisper: str = "/voice/whisper"
    recording_status: str = "/voice/recording-status"
    call_sid: str | None = None  # the call these URLs are for (Vosk mode signs its stream)
    host_url: str = ""  # the URL the webhook reached, when HOTLINE_PUBLIC_URL is not set


def render(actions: tuple[Action, ...], lang: str, voice: Voice, urls: Urls) -> str:
    """The actions as TwiML text."""
    return compose(actions, lang, voice, urls)[0]


def compose(actions: tuple[Action, ...], lang: str, voice: Voice,
            urls: Urls) -> tuple[str, str]:
    """The actions as TwiML text, and everything they say (for the call's turn log).

    A usual turn (sentences, then a question) is written out directly, each sentence
    worked out once for both: building twilio's tree for it was a tenth of a webhook
    turn's cost. The other verbs, and every turn in Vosk mode, are built with twilio's
    classes (`response_for`); a test holds both ways to the same text.
    """
    direct = _direct(actions, lang, voice, urls)
    if direct is not None:
        return direct
    return (to_xml(response_for(actions, lang, voice, urls)),
            spoken_text(actions, lang, voice))


def response_for(actions: tuple[Action, ...], lang: str, voice: Voice,
                 urls: Urls) -> VoiceResponse:
    """The actions as a twilio VoiceResponse tree."""
    response = VoiceResponse()
    for action in actions:
        if isinstance(action, Say):
            voice.speak(response, action, lang)
        elif isinstance(action, Ask):
            _gather(response, action, voice, urls)
        elif isinstance(action, Transfer):
            queue = voice.queue_name if action.queue == "general" else (
                f"{voice.queue_name}-{action.queue}")
            response.enqueue(queue, wait_url=urls.wait, wait_url_method="POST",
                             action=urls.queue_result, method="POST")
        elif isinstance(action, DialAgent):
            dial_agent(response, action, urls)
        elif isinstance(action, Record):
            # Twilio says when the audio can be fetched (recordingStatusCallback), rather
            # than our guessing how long writing the file takes.
            response.record(action=urls.voicemail, method="POST", max_length=action.max_seconds,
                            play_beep=True, finish_on_key="#", timeout=8,
                            recording_status_callback=urls.recording_status,
                            recording_status_callback_method="POST",
                            recording_status_callback_event="completed")
            # Reached only when nothing was recorded: Twilio asks no action for an empty
            # recording and goes on with the next verb.
            response.redirect(urls.voicemail, method="POST")
        elif isinstance(action, PutThrough):
            # The call leaves the hotline; what follows is said if the office hangs up
            # first or does not answer.
            response.dial(action.number, timeout=30)
        elif isinstance(action, Hangup):
            response.hangup()
    return response


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _direct(actions: tuple[Action, ...], lang: str, voice: Voice,
            urls: Urls) -> tuple[str, str] | None:
    """Sentences, questions and hang-ups written as text; None for anything else."""
    if voice.listening is not None:
        return None
    out: list[str] = []
    said: list[str] = []
    for action in actions:
        kind = type(action)
        if kind is Say:
            _say_text(out, said, voice, action, lang)
        elif kind is Ask:
            _gather_text(out, said, voice, action, urls)
        elif kind is Hangup:
            out.append("<Hangup />")
        else:
            return None
    body = "<Response>" + "".join(out) + "</Response>" if out else "<Response />"
    return XML_DECLARATION + body, " ".join(said)


def _attributes(attributes: dict[str, object]) -> str:
    """XML attributes as twilio writes them: sorted by name, None left out, booleans
    in lower case."""
    return "".join(f' {name}="{_escape_attribute(_text(attributes[name]))}"'
                   for name in sorted(attributes) if attributes[name] is not None)


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _say_text(out: list[str], said: list[str], voice: Voice, say: Say, lang: str) -> None:
    text, said_in, rate = voice.sentence(say, lang)
    said.append(text)
    attributes = _say_tag(voice, said_in)
    if rate is not None:
        inner = (f'<prosody rate="{_escape_attribute(rate)}">{_escape_text(text)}</prosody>'
                 if text else f'<prosody rate="{_escape_attribute(rate)}" />')
    else:
        inner = _escape_text(text)
    out.append(f"<Say{attributes}>{inner}</Say>" if inner else f"<Say{attributes} />")


def _gather_text(out: list[str], said: list[str], voice: Voice, ask: Ask,
                 urls: Urls) -> None:
    inner: list[str] = []
    for say in ask.prompts:
        _say_text(inner, said, voice, say, ask.lang)
    attributes = _gather_tag(ask, voice, urls)
    out.append(f"<Gather{attributes}>{''.join(inner)}</Gather>" if inner
               else f"<Gather{attributes} />")
    out.append(f'<Redirect method="POST">{_escape_text(urls.turn)}</Redirect>' if urls.turn
               else '<Redirect method="POST" />')


# The attributes of <Say> and <Gather> as written, for each language (and kind of
# answer) and voice: they come from the app's settings and the languages' data alone.
# Measured: writing them out on every turn was 1% of a webhook turn. Each is kept with
# the language's data it was written from, and written again if that data was read anew.
_WRITTEN_TAGS: dict[tuple, tuple[languages.Language, str]] = {}
_TURN = "\x00"  # stands for the <Gather>'s action (the turn's URL) in a written tag


def _say_tag(voice: Voice, lang: str) -> str:
    key = ("Say", lang, voice.voices.get(lang))
    data = languages.language(lang)
    written = _WRITTEN_TAGS.get(key)
    if written is None or written[0] is not data:
        written = _WRITTEN_TAGS[key] = (data, _attributes(voice.say_attributes(lang)))
    return written[1]


def _gather_tag(ask: Ask, voice: Voice, urls: Urls) -> str:
    key = ("Gather", ask.lang, ask.expect, voice.speech_timeout, voice.gather_timeout)
    data = languages.language(ask.lang)
    written = _WRITTEN_TAGS.get(key)
    if written is None or written[0] is not data:
        written = _WRITTEN_TAGS[key] = (data, _attributes(
            _gather_attributes(ask, voice, Urls(turn=_TURN, wait="", queue_result=""))))
    return written[1].replace(_TURN, _escape_attribute(urls.turn))


def to_xml(response: TwiML) -> str:
    """Exactly what ``str(response)`` gives, written directly.

    twilio's TwiML classes build an ElementTree and serialise that; for a webhook turn
    that was a tenth of its cost. This writes twilio's tree out with the same escaping
    as `compose`'s direct text (a property test holds the two outputs equal).
    """
    out = [XML_DECLARATION]
    _write(response, out)
    return "".join(out)


def _write(node: TwiML, out: list[str]) -> None:
    out.append("<" + node.name + _attributes(node.attrs))
    text = node.value
    if text and isinstance(text, dict):
        text = json.dumps(text)
    children: list[list] = []  # [node, the text that follows it]
    for verb in node.verbs:
        if isinstance(verb, str):
            if children:
                children[-1][1] = verb
            else:
                text = verb
        else:
            children.append([verb, None])
    if not text and not children:
        out.append(" />")
        return
    out.append(">")
    if text:
        out.append(_escape_text(text))
    for child, tail in children:
        _write(child, out)
        if tail:
            out.append(_escape_text(tail))
    out.append(f"</{node.name}>")


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    text = _escape_text(text)
    for raw, escaped in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"),
                         ("\t", "&#09;")):
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def dial_agent(response: VoiceResponse, ring: DialAgent, urls: Urls) -> None:
    """Ring the agent; they first hear the whisper, and the Dial's end comes back to us."""
    query = urlencode({"call": ring.call_sid, "agent": ring.agent_id})
    dial = response.dial(action=f"{urls.dial_result}?{query}", method="POST",
                         timeout=ring.ring_timeout_s, answer_on_bridge=True)
    whisper = f"{urls.whisper}?{query}"
    if ring.reach_kind == "sip":
        dial.sip(ring.reach_address, url=whisper, method="POST")
    elif ring.reach_kind == "client":
        dial.client(ring.reach_address, url=whisper, method="POST")
    else:
        dial.number(ring.reach_address, url=whisper, method="POST")


def _gather(response: VoiceResponse, ask: Ask, voice: Voice, urls: Urls) -> None:
    if voice.listening is not None:
        if urls.call_sid:
            _stream_and_keys(response, ask, voice, urls, urls.call_sid)
            return
    gather = response.gather(**_gather_attributes(ask, voice, urls))
    for say in ask.prompts:
        voice.speak(gather, say, ask.lang)
    # No input at all: Twilio falls through to here, and the turn webhook hears silence.
    response.redirect(urls.turn, method="POST")


def _gather_attributes(ask: Ask, voice: Voice, urls: Urls) -> dict[str, object]:
    """A spoken question's <Gather>, attribute names as TwiML spells them."""
    heard = languages.gather_attributes(ask.lang)
    return {
        "input": heard["input"],
        "action": urls.turn,
        "method": "POST",
        **({"language": heard["language"], "hints": ", ".join(_hints(ask))}
           if "language" in heard else {}),
        **({"speechModel": heard["speechModel"]} if "speechModel" in heard else {}),
        "speechTimeout": voice.speech_timeout,
        "timeout": voice.gather_timeout,
        # A booking code is six keys, a phone number ends with #; elsewhere one key answers.
        "numDigits": num_digits(ask.expect),
        "finishOnKey": "#",
    }


def _hints(ask: Ask) -> list[str]:
    if ask.expect == "yes_no":
        return YES_NO_HINTS.get(ask.lang, [])
    if ask.expect in ("code", "phone"):
        return [str(n) for n in range(10)]
    return speech.speech_hints(ask.lang)


def num_digits(expect: str) -> int | None:
    """A booking code is six keys, a phone number ends with #; elsewhere one key answers."""
    return {"code": CODE_DIGITS, "phone": None}.get(expect, 1)


# ------------------------------------------------------------------------ Vosk mode


def stream_token(secret: str, call_sid: str, turn: int, expect: str, lang: str) -> str:
    """Proves a media stream's parameters came from our own TwiML for this call and turn."""
    message = f"{call_sid}|{turn}|{expect}|{lang}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def turn_number(turn_url: str) -> int:
    """The turn a question belongs to, from its answer URL (/voice/turn?t=N)."""
    values = parse_qs(urlsplit(turn_url).query).get("t", ["0"])
    return int(values[0]) if values[0].isdigit() else 0


def listen_url(listening: Listening, turn: int, expect: str, lang: str, **extra) -> str:
    return f"{listening.listen_path}?" + urlencode({"t": turn, "expect": expect, "lang": lang,
                                                   **extra})


def _stream_url(listening: Listening, host_url: str) -> str:
    base = listening.public_url.rstrip("/") or host_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    return base + listening.path


def _stream_and_keys(response: VoiceResponse, ask: Ask, voice: Voice, urls: Urls,
                     call_sid: str) -> None:
    """Vosk mode: stream the caller's audio to us while the prompts play; keys still work.

    The stream (ivr.media) moves the call on with a REST redirect as soon as it has a
    transcript, which also cuts a prompt short (barge-in). Keys end the Gather as usual.
    When neither happens, the Redirect asks /voice/listen whether the caller is still
    speaking, or sends the turn on as silence.
    """
    listening = voice.listening
    turn = turn_number(urls.turn)
    start = response.start()
    stream = start.stream(url=_stream_url(listening, urls.host_url), name=f"turn-{turn}",
                          track="inbound_track")
    stream.parameter(name="turn", value=str(turn))
    stream.parameter(name="expect", value=ask.expect)
    stream.parameter(name="lang", value=ask.lang)
    stream.parameter(name="token", value=stream_token(listening.secret, call_sid, turn,
                                                      ask.expect, ask.lang))
    gather = response.gather(input="dtmf", action=urls.turn, method="POST",
                             timeout=voice.gather_timeout, num_digits=num_digits(ask.expect),
                             finish_on_key="#")
    for say in ask.prompts:
        voice.speak(gather, say, ask.lang)
    response.redirect(listen_url(listening, turn, ask.expect, ask.lang), method="POST")


def apology(lang: str, voice: Voice, urls: Urls) -> str:
    """What a caller hears when something broke: an apology and the agent queue."""
    return render((Say("error"), Transfer(reason="error")), lang, voice, urls)


def spoken_text(actions: tuple[Action, ...], lang: str, voice: Voice) -> str:
    """Everything the actions say, as one string, for the call's turn log."""
    parts = []
    for action in actions:
        says = action.prompts if isinstance(action, Ask) else (action,)
        for say in says:
            if isinstance(say, Say):
                parts.append(voice.text(say, lang))
    return " ".join(parts)


# ------------------------------------------------------------------------ the webhooks' own


def redirect(url: str) -> str:
    """Nothing to say: go on at `url`."""
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return to_xml(response)


def empty() -> str:
    """An answer that does nothing (ends a whisper; Twilio then connects the call)."""
    return to_xml(VoiceResponse())


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return to_xml(response)


def holding(lang: str, voice: Voice, again_url: str) -> str:
    """The database was busy: "Einen Moment bitte", then the same webhook again."""
    response = VoiceResponse()
    voice.say(response, prompts.text(lang, "hold_on"), lang)
    response.pause(length=1)
    response.redirect(again_url, method="POST")
    return to_xml(response)


def leave_queue() -> str:
    """Out of the queue: the Enqueue's action decides what comes next."""
    response = VoiceResponse()
    response.leave()
    return to_xml(response)


def waiting(sentences: list[str], lang: str, voice: Voice, choice_url: str, *,
            by_speech: bool, by_keys: bool, hold_seconds: int) -> str:
    """The queue's hold message, then a pause; Twilio asks again when it has played.

    `by_speech`: said under a <Gather> that listens (Twilio's recogniser), so a caller in
    crisis or one who says "Rückruf" is heard while waiting. `by_keys`: under a keypad
    <Gather> (Vosk mode, where voices stay on this server). Neither: just said.
    """
    response = VoiceResponse()
    if by_speech:
        target = response.gather(
            input="speech dtmf", num_digits=1, timeout=5, method="POST", action=choice_url,
            language=prompts.twilio_language(lang), hints="Rückruf, zurückrufen, call back",
            speech_timeout="auto")
    elif by_keys:
        target = response.gather(input="dtmf", num_digits=1, timeout=5, method="POST",
                                 action=choice_url)
    else:
        target = response
    for sentence in sentences:
        voice.say(target, sentence, lang)
    response.pause(length=hold_seconds)
    return to_xml(response)


def crisis_in_queue(says: list[Say], lang: str, voice: Voice, wait_url: str) -> str:
    """A caller in crisis while waiting: the help numbers, first in line, wait on. That
    they are first in line is the wait's own sentence, said next (not twice in a row)."""
    response = VoiceResponse()
    for say in says:
        voice.speak(response, say, lang)
    response.redirect(wait_url, method="POST")
    return to_xml(response)


def whisper(sentence: str, voice: Voice, accept_url: str | None = None,
            accept_prompt: str = "", key_timeout_s: int = 8) -> str:
    """Said to the agent who picked up, before the caller is connected. With
    `accept_url`, the agent accepts with a key (a mailbox or switchboard may have
    answered); no key, and the whisper hangs up."""
    response = VoiceResponse()
    if accept_url is None:
        voice.say(response, sentence, "de")
        return to_xml(response)
    gather = response.gather(input="dtmf", num_digits=1, timeout=key_timeout_s,
                             method="POST", action=accept_url)
    voice.say(gather, f"{sentence} {accept_prompt}", "de")
    response.hangup()
    return to_xml(response)


def conference(name: str, voice: Voice, *, ends_it: bool = True, before: str | None = None
               ) -> str:
    """Into the interpreter conference `name`. The caller and the agent end it when they
    leave (`ends_it`); the interpreter does not, and can be taken off."""
    response = VoiceResponse()
    if before:
        voice.say(response, before, "de")
    dial = response.dial()
    dial.conference(name, start_conference_on_enter=True, end_conference_on_exit=ends_it,
                    beep=False)
    return to_xml(response)


def hold_listening(turn_url: str, again_url: str, expect: str, pause_s: int) -> str:
    """Vosk mode, the caller is still speaking: hold a little longer, keys still work."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", action=turn_url, method="POST", timeout=pause_s,
                             num_digits=num_digits(expect), finish_on_key="#")
    gather.pause(length=pause_s)
    response.redirect(again_url, method="POST")
    return to_xml(response)


def twilio_listens(turn_url: str, lang: str, hints: list[str], timeout_s: int,
                   expect: str) -> str:
    """Vosk mode without a stream: Twilio's recogniser takes this turn."""
    response = VoiceResponse()
    response.gather(input="speech dtmf", action=turn_url, method="POST",
                    language=prompts.twilio_language(lang), hints=", ".join(hints[:50]),
                    speech_timeout="auto", timeout=timeout_s, num_digits=num_digits(expect),
                    finish_on_key="#")
    response.redirect(turn_url, method="POST")
    return to_xml(response)


# ------------------------------------------------------------------------ outbound calls


def keypad(sentences: list[str], lang: str, voice: Voice, action: str, *, timeout_s: int = 8,
           after: list[str] = ()) -> str:
    """Say `sentences` and wait for one key (posted to `action`); no key: say `after`
    and hang up. The calls the hotline places (reminders, callbacks) ask this way."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=timeout_s, method="POST",
                             action=action, action_on_empty_result=False)
    voice.say(gather, " ".join(sentences), lang)
    if after:
        voice.say(response, " ".join(after), lang)
    response.hangup()
    return to_xml(response)


def say_and_hang_up(sentences: list[str], lang: str, voice: Voice) -> str:
    response = VoiceResponse()
    voice.say(response, " ".join(sentences), lang)
    response.hangup()
    return to_xml(response)


def dial_out(sentences: list[str], lang: str, voice: Voice, *, reach_kind: str, address: str,
             caller_id: str, action: str, timeout_s: int, answer_url: str | None = None) -> str:
    """Say `sentences`, then connect this call to `address` (a caller called back, or an
    agent); `answer_url` is played to the one reached before they are connected, and the
    Dial's end is posted to `action`."""
    response = VoiceResponse()
    if sentences:
        voice.say(response, " ".join(sentences), lang)
    dial = response.dial(action=action, method="POST", timeout=timeout_s,
                         caller_id=caller_id or None, answer_on_bridge=True)
    extra = {"url": answer_url, "method": "POST"} if answer_url else {}
    if reach_kind == "sip":
        dial.sip(address, **extra)
    elif reach_kind == "client":
        dial.client(address, **extra)
    else:
        dial.number(address, **extra)
    return to_xml(response)
