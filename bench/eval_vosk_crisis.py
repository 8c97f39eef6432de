"""Crises said at a short-answer step of a Vosk call: does the crisis check hear them?

For each line of tests/data/vosk_crisis_<set>_<lang>.tsv the utterance is spoken by
espeak-ng, converted to phone audio and heard by the real model through the yes/no
grammar, as a media stream hears it (speech.streaming.UtteranceListener). Then:

- a crisis line counts as heard when speech.crisis or speech.worry finds it in what the
  conversation is handed;
- an ordinary line ("none") counts as kept when the transcript is its expected answer
  and nothing is flagged; as a false alarm when it is flagged (the caller would hear the
  help numbers, or the question whether they are in danger).

The model is VOSK_MODEL_PATH, else the Korean test model. That model knows no German or
English word, so "ko" (the Korean stand-in, vosk_samples.KOREAN_*) measures the
mechanism on it; "de" and "en" need an operator's model of that language. Prints counts,
each transcript, and the CPU seconds spent per second of audio.

    .venv/bin/python bench/eval_vosk_crisis.py [--set dev|heldout] [--lang ko,de,en]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speech import mulaw, vosk_samples  # noqa: E402
from speech.crisis import detect_crisis  # noqa: E402
from speech.streaming import UtteranceListener  # noqa: E402
from speech.vosk_engine import VoskEngine  # noqa: E402
from speech.vosk_grammar import Grammars  # noqa: E402
from speech.worry import detect_worry  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
VOICES = {"de": "de", "en": "en-us", "ko": "ko"}
FRAME_PCM = 320  # 20 ms of 8 kHz 16-bit


def read_set(name: str, lang: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / f"vosk_crisis_{name}_{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, expected, utterance = line.split("\t")
            rows.append((kind, expected, utterance))
    return rows


def hear(engine: VoskEngine, grammars: Grammars, lang: str, pcm: bytes):
    """What a yes/no turn's media stream hands the conversation, as media.py listens."""
    grammar = grammars.for_turn("yes_no", lang, engine.knows)
    with engine.open(grammar) as recogniser:
        listener = UtteranceListener(recogniser, lang=lang)
        for start in range(0, len(pcm), FRAME_PCM):
            if listener.feed(pcm[start:start + FRAME_PCM]) is not None and listener.done:
                break
        heard = listener.finish()
    return heard, grammar is not None


def evaluate(engine: VoskEngine, name: str, lang: str) -> None:
    call_lang = "de" if lang == "ko" else lang  # Korean stands in for German
    extra = {"yes_no": {"de": vosk_samples.KOREAN_YES_NO},
             "crisis": {"de": vosk_samples.KOREAN_CRISIS_PHRASES}} if lang == "ko" else None
    grammars = Grammars(extra)
    crises = heard_crises = ordinary = kept = alarms = 0
    cpu = audio_s = 0.0
    for kind, expected, utterance in read_set(name, lang):
        audio = vosk_samples.phone_speech(utterance, VOICES[lang]) + vosk_samples.silence(2)
        pcm = mulaw.decode(audio)
        started = time.perf_counter()
        heard, restricted = hear(engine, grammars, call_lang, pcm)
        cpu += time.perf_counter() - started
        audio_s += len(audio) / 8000
        flagged = detect_crisis(heard.text, call_lang) or detect_worry(heard.text, call_lang)
        if kind == "none":
            ordinary += 1
            ok = heard.text == expected and not flagged
            kept += ok
            alarms += bool(flagged)
        else:
            crises += 1
            ok = bool(flagged)
            heard_crises += ok
        print(f"  {'ok  ' if ok else 'MISS'} {kind:9s} {'grammar' if restricted else 'free':7s} "
              f"{utterance!r} -> {heard.text!r} ({flagged})")
    print(f"{name} {lang}: crises heard {heard_crises}/{crises}, ordinary answers kept "
          f"{kept}/{ordinary}, false alarms {alarms}/{ordinary}, CPU {cpu:.2f} s for "
          f"{audio_s:.1f} s of audio (RTF {cpu / audio_s:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--lang", default="ko,de,en")
    args = parser.parse_args()
    engine = VoskEngine(vosk_samples.model_path(), max_streams=2)
    with tempfile.TemporaryDirectory() as folder:
        before = vosk_samples.use_crisis_file(vosk_samples.korean_crisis_file(Path(folder)))
        try:
            for lang in args.lang.split(","):
                evaluate(engine, args.set, lang)
        finally:
            vosk_samples.use_crisis_file(before)


if __name__ == "__main__":
    main()
