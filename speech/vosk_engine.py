"""The Vosk engine: the model loaded once per process, and a bounded number of recognisers.

Every call in Vosk mode gets its own recogniser (`VoskEngine.open`), which holds one of
`max_streams` slots until it is closed; a stream beyond the limit is refused with
`CapacityError` and the caller falls back to the keypad or Twilio. Recognisers return
`Transcript`s: the words, and a confidence from Vosk's word confidences, shaped like
Twilio's SpeechResult and Confidence.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PHONE_RATE = 8000  # Twilio Media Streams: 8 kHz mono
SAMPLE_BYTES = 2  # the recogniser takes 16-bit little-endian PCM
UNKNOWN = "[unk]"


class ModelError(RuntimeError):
    """The Vosk model directory is missing, incomplete or cannot be loaded."""


class CapacityError(RuntimeError):
    """Every recogniser slot is taken."""


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard in one utterance."""

    text: str  # the words, "[unk]" left out
    confidence: float | None  # mean word confidence, 0..1; None when nothing was heard
    words: tuple[tuple[str, float], ...] = ()  # (word, confidence), "[unk]" included
    grammar: bool = False  # recognised against a grammar (else free)

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def unknown_only(self) -> bool:
        """Speech was heard, but none of it was in the grammar."""
        return self.empty and bool(self.words)


def transcript_from_json(result: str, grammar: bool = False) -> Transcript:
    """A Vosk result (Result/FinalResult JSON, with SetWords on) as a Transcript."""
    data = json.loads(result or "{}")
    words = tuple((str(w.get("word", "")), float(w.get("conf", 0.0)))
                  for w in data.get("result", []) if w.get("word"))
    heard = [(word, conf) for word, conf in words if word != UNKNOWN]
    if heard:
        confidence = round(sum(conf for _, conf in heard) / len(heard), 3)
        text = " ".join(word for word, _ in heard)
    else:
        confidence = None
        # Some results carry text without word details (SetWords off in a caller's model).
        text = " ".join(w for w in str(data.get("text", "")).split() if w != UNKNOWN)
    return Transcript(text=text, confidence=max(0.0, min(1.0, confidence))
                      if confidence is not None else None, words=words, grammar=grammar)


def check_model_dir(path: str) -> Path:
    """Fail clearly, before Vosk does, when `path` is not a usable model directory.

    Vosk itself only says "Failed to create a model" (and a broken grammar can crash
    the process), so the layout is checked here: an acoustic model, its feature
    configuration and a decoding graph.
    """
    if not path:
        raise ModelError("VOSK_MODEL_PATH is not set: Vosk mode needs a model directory "
                         "(see the README, 'Self-hosted speech recognition').")
    root = Path(path)
    if not root.is_dir():
        raise ModelError(f"VOSK_MODEL_PATH={path!r} is not a directory.")
    missing = []
    if not _first(root, "am/final.mdl", "final.mdl"):
        missing.append("am/final.mdl")
    if not _first(root, "conf/mfcc.conf", "mfcc.conf"):
        missing.append("conf/mfcc.conf")
    if not _first(root, "graph/HCLG.fst", "HCLG.fst", "graph/HCLr.fst", "HCLr.fst"):
        missing.append("graph/HCLG.fst or graph/HCLr.fst")
    if missing:
        raise ModelError(f"VOSK_MODEL_PATH={path!r} is not a Vosk model: "
                         f"missing {', '.join(missing)}.")
    return root


def supports_grammar(path: str) -> bool:
    """Only models with a lookahead graph (HCLr.fst + Gr.fst, the small ones) take grammars."""
    return bool(_first(Path(path), "graph/HCLr.fst", "HCLr.fst"))


def _first(root: Path, *names: str) -> Path | None:
    for name in names:
        if (root / name).is_file():
            return root / name
    return None


# One model per directory per process, however many apps (tests build many) use it.
_models: dict[str, object] = {}
_models_lock = threading.Lock()


def load_model(path: str):
    """The vosk.Model for `path`, loaded on first use and shared by the whole process."""
    root = str(check_model_dir(path).resolve())
    with _models_lock:
        model = _models.get(root)
        if model is None:
            # Imported on first use: about 350 ms and a native library that only the Vosk
            # engine needs (Twilio's recogniser is the default).
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi's chatter goes to stderr; we log what matters
            started = time.perf_counter()
            try:
                model = vosk.Model(root)
            except Exception as error:  # vosk raises a bare Exception
                raise ModelError(f"Vosk could not load the model in {root}: {error}") from error
            log.info("Vosk model %s loaded in %.1f s", root, time.perf_counter() - started)
            _models[root] = model
    return model


class Recogniser:
    """One Vosk recogniser, holding one of the engine's slots until `close()`."""

    def __init__(self, engine: VoskEngine, grammar: list[str] | None, sample_rate: int):
        self._engine = engine
        self.grammar = grammar
        self.sample_rate = sample_rate
        self._closed = False
        self.reopen(grammar)

    def reopen(self, grammar: list[str] | None = None) -> None:
        """Start afresh in the same slot, e.g. free after a grammar heard nothing it knew."""
        import vosk  # already loaded with the model (load_model); see there

        self.grammar = grammar or None
        if self.grammar:
            self._kaldi = vosk.KaldiRecognizer(self._engine.model, self.sample_rate,
                                               json.dumps(self.grammar, ensure_ascii=False))
        else:
            self._kaldi = vosk.KaldiRecognizer(self._engine.model, self.sample_rate)
        self._kaldi.SetWords(True)

    def accept(self, pcm: bytes) -> bool:
        """Feed 16-bit PCM; True when Vosk's endpointer says an utterance has ended."""
        return bool(self._kaldi.AcceptWaveform(pcm))

    def result(self) -> Transcript:
        """The utterance that just ended (after `accept` returned True)."""
        return transcript_from_json(self._kaldi.Result(), bool(self.grammar))

    def partial(self) -> str:
        """The words so far in the current utterance."""
        return str(json.loads(self._kaldi.PartialResult() or "{}").get("partial", ""))

    def final(self) -> Transcript:
        """Whatever is left, when the audio ends or is cut off."""
        return transcript_from_json(self._kaldi.FinalResult(), bool(self.grammar))

    def close(self) -> None:
        """Free the recogniser and its slot; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._kaldi = None
        self._engine._release()

    def __enter__(self) -> Recogniser:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


class VoskEngine:
    """The configured model and the slots for recognisers; one per app."""

    def __init__(self, model_path: str, max_streams: int = 4, preload: bool = True):
        if max_streams < 1:
            raise ValueError("max_streams must be at least 1")
        self.model_path = model_path
        self.max_streams = max_streams
        check_model_dir(model_path)  # also when loading lazily: a wrong path fails now
        self.grammars_supported = supports_grammar(model_path)
        self._slots = threading.BoundedSemaphore(max_streams)
        self._open = 0
        self._count_lock = threading.Lock()
        self._model = load_model(model_path) if preload else None

    @property
    def model(self):
        if self._model is None:
            self._model = load_model(self.model_path)
        return self._model

    @property
    def open_streams(self) -> int:
        return self._open

    def knows(self, word: str) -> bool:
        """The model's lexicon has this word (grammar words it lacks would be ignored)."""
        return self.model.vosk_model_find_word(word) >= 0

    def open(self, grammar: list[str] | None = None, sample_rate: int = PHONE_RATE,
             wait_s: float = 0.0) -> Recogniser:
        """A new recogniser, or CapacityError when all slots stay taken for `wait_s`."""
        if grammar is not None and (not grammar or not self.grammars_supported):
            # An empty grammar crashes Vosk; a model without a lookahead graph ignores it.
            grammar = None
        acquired = (self._slots.acquire(timeout=wait_s) if wait_s > 0
                    else self._slots.acquire(blocking=False))
        if not acquired:
            raise CapacityError(f"all {self.max_streams} Vosk recognisers are in use")
        with self._count_lock:
            self._open += 1
        try:
            return Recogniser(self, grammar, sample_rate)
        except Exception:
            self._release()
            raise

    def _release(self) -> None:
        with self._count_lock:
            self._open -= 1
        self._slots.release()

    def transcribe_pcm(self, pcm: bytes, sample_rate: int = PHONE_RATE,
                       grammar: list[str] | None = None, wait_s: float = 0.0,
                       chunk_s: float = 0.2) -> Transcript:
        """A whole recording at once (voicemail): every utterance in it, joined."""
        step = int(sample_rate * chunk_s) * SAMPLE_BYTES
        parts: list[Transcript] = []
        with self.open(grammar, sample_rate, wait_s=wait_s) as recogniser:
            for start in range(0, len(pcm), step):
                if recogniser.accept(pcm[start:start + step]):
                    parts.append(recogniser.result())
            parts.append(recogniser.final())
        return join(parts)


def join(parts: list[Transcript]) -> Transcript:
    """Several utterances as one transcript; the confidence weighs every word alike."""
    words = tuple(w for part in parts for w in part.words)
    heard = [conf for word, conf in words if word != UNKNOWN]
    text = " ".join(part.text for part in parts if part.text)
    confidence = round(sum(heard) / len(heard), 3) if heard else None
    return Transcript(text=text, confidence=confidence, words=words,
                      grammar=any(part.grammar for part in parts))
