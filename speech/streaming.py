"""Listening to one turn of a live call: when the caller starts, when they have finished.

`UtteranceListener` sits on one recogniser and is fed the call's audio frame by frame.
It reports the onset of speech once (for barge-in and "still speaking") and then one
final `Transcript`, at whichever comes first:

- Vosk's endpointer says the utterance ended (trailing silence, per the model's conf);
- no new word for `silence_ms` of audio since the last one (a noisy line can keep
  Vosk's endpointer from firing);
- `max_utterance_ms` of audio since the onset (a monologue is cut, not followed).

All times are audio times (20 ms per Twilio frame), not wall-clock times, so a test that
streams faster than real time sees exactly what a caller would. A grammar result with
nothing but "[unk]" is decoded again freely from the buffered audio. So is one with
"[unk]" beside the words it heard (the caller said more than a short answer), and one
holding a crisis phrase of the grammar: if the free words say a crisis or give cause
for worry (speech.crisis, speech.worry, in the call's language `lang`), they are what
the conversation gets; otherwise the grammar's words, which are the more accurate for a
short answer ("nein danke [unk] [unk]" stays "nein danke") and keep a crisis phrase
the grammar heard.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech.crisis import detect_crisis
from speech.vosk_engine import SAMPLE_BYTES, UNKNOWN, Recogniser, Transcript
from speech.worry import detect_worry

PARTIAL_EVERY_MS = 100  # how often the partial result is looked at: cheap, but not free
PRE_ROLL_MS = 1000  # audio kept from before the onset, for the free re-decoding
# A grammar result is decoded again freely when at least this many "[unk]" stand beside
# its words: a sentence said with the answer, not one word more ("ja [unk]" for "ja
# danke"). The second decoding costs a new free recogniser: about 1 s of CPU before the
# first word and 2-3 s for a 3-second utterance on the test model (bench_vosk.py), and
# the caller waits for it.
MIN_UNKNOWN_BESIDE = 2


@dataclass(frozen=True)
class Onset:
    """The caller has started to say something (a first recognised word)."""

    at_ms: int


class UtteranceListener:
    """Turns a stream of PCM frames into one onset and one final transcript."""

    def __init__(self, recogniser: Recogniser, *, silence_ms: int = 1500,
                 max_utterance_ms: int = 15000, lang: str = "de"):
        self.recogniser = recogniser
        self.lang = lang
        self.silence_ms = silence_ms
        self.max_utterance_ms = max_utterance_ms
        self.audio_ms = 0
        self.onset_ms: int | None = None
        self.transcript: Transcript | None = None
        self._last_word_ms = 0
        self._last_partial = ""
        self._next_partial_ms = 0
        self._buffer = bytearray()
        self._bytes_per_ms = recogniser.sample_rate * SAMPLE_BYTES // 1000

    @property
    def done(self) -> bool:
        return self.transcript is not None

    def feed(self, pcm: bytes) -> Onset | Transcript | None:
        """One chunk of 16-bit PCM; returns the onset or the final transcript when they happen."""
        if self.done:
            return None
        self.audio_ms += len(pcm) // self._bytes_per_ms
        self._keep(pcm)
        if self.recogniser.accept(pcm):
            heard = self.recogniser.result()
            if heard.text or heard.unknown_only:
                return self._finish(heard)
            self._restart_utterance()  # noise Vosk heard nothing in: keep listening
            return None
        if self.audio_ms < self._next_partial_ms:
            return None
        self._next_partial_ms = self.audio_ms + PARTIAL_EVERY_MS
        partial = self.recogniser.partial()
        if partial != self._last_partial:
            self._last_partial = partial
            self._last_word_ms = self.audio_ms
            if self.onset_ms is None and _has_words(partial):
                self.onset_ms = self.audio_ms
                return Onset(self.audio_ms)
        if self.onset_ms is None:
            return None
        if self.audio_ms - self._last_word_ms >= self.silence_ms:
            return self._finish(self.recogniser.final())
        if self.audio_ms - self.onset_ms >= self.max_utterance_ms:
            return self._finish(self.recogniser.final())
        return None

    def finish(self) -> Transcript:
        """The audio ended (stop, or the socket closed): what was said so far, if anything."""
        if self.transcript is None:
            self._finish(self.recogniser.final())
        return self.transcript

    def _finish(self, heard: Transcript) -> Transcript:
        if heard.grammar and heard.unknown_only:
            heard = self._decode_freely()
        elif heard.grammar and (_said_more(heard) or self._worrying(heard.text)):
            # A second decoding, only for the turns where the caller said more than the
            # grammar holds, or one of its crisis phrases: the free words tell which
            # crisis (a grammar picks the nearest phrase it has). Its cost: README,
            # "Self-hosted speech recognition".
            free = self._decode_freely()
            if self._worrying(free.text):
                heard = free
        self.transcript = heard
        self._buffer = bytearray()
        return heard

    def _worrying(self, text: str) -> bool:
        return bool(detect_crisis(text, self.lang) or detect_worry(text, self.lang))

    def _decode_freely(self) -> Transcript:
        """The grammar knew none of it: what would free recognition make of the same audio?"""
        self.recogniser.reopen(None)
        step = self._bytes_per_ms * 200
        audio = bytes(self._buffer)
        for start in range(0, len(audio), step):
            self.recogniser.accept(audio[start:start + step])
        return self.recogniser.final()

    def _keep(self, pcm: bytes) -> None:
        self._buffer.extend(pcm)
        # Before the onset only a little pre-roll is needed; after it, the utterance is
        # bounded by max_utterance_ms anyway. Either way memory stays bounded.
        limit_ms = PRE_ROLL_MS if self.onset_ms is None else (
            self.max_utterance_ms + self.silence_ms + PRE_ROLL_MS)
        excess = len(self._buffer) - limit_ms * self._bytes_per_ms
        if excess > 0:
            del self._buffer[:excess]

    def _restart_utterance(self) -> None:
        self._last_partial = ""
        self.onset_ms = None
        del self._buffer[:max(0, len(self._buffer) - PRE_ROLL_MS * self._bytes_per_ms)]


def _said_more(heard: Transcript) -> bool:
    """Words the grammar knew, and a few "[unk]" beside them."""
    return bool(heard.text) and sum(
        word == UNKNOWN for word, _ in heard.words) >= MIN_UNKNOWN_BESIDE


def _has_words(partial: str) -> bool:
    return any(word != UNKNOWN for word in partial.split())
