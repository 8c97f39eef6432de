"""Recordings as the recogniser wants them: WAV (PCM or mu-law, any channels) to mono 16-bit PCM.

Twilio delivers recordings as WAV, normally 16-bit PCM at 8 kHz mono; G.711 mu-law WAV
and stereo (dual-channel recordings) are handled too. Python's `wave` module reads PCM
only, so the RIFF chunks are read here.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass

from speech import mulaw

PCM, MULAW, EXTENSIBLE = 1, 7, 0xFFFE


class AudioFormatError(ValueError):
    """The bytes are not a WAV file this module can read."""


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit little-endian PCM and its sample rate."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


def read_wav(data: bytes) -> Audio:
    """Decode a WAV file's bytes; the first channel of a multi-channel file is kept."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError("not a RIFF/WAVE file")
    fmt = None
    body = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        start = offset + 8
        if chunk_id == b"fmt ":
            if size < 16:
                raise AudioFormatError("fmt chunk too short")
            fmt = struct.unpack_from("<HHIIHH", data, start)
            if fmt[0] == EXTENSIBLE and size >= 26:
                # WAVE_FORMAT_EXTENSIBLE keeps the real format in its sub-format GUID.
                fmt = (struct.unpack_from("<H", data, start + 24)[0], *fmt[1:])
        elif chunk_id == b"data":
            # Streaming writers leave the size at 0 or 0xFFFFFFFF: take what is there.
            end = len(data) if size in (0, 0xFFFFFFFF) else min(len(data), start + size)
            body = data[start:end]
        offset = start + size + (size & 1)  # chunks are padded to even sizes
    if fmt is None or body is None:
        raise AudioFormatError("WAV file without fmt or data chunk")
    kind, channels, rate, _byte_rate, _align, bits = fmt
    if channels < 1 or rate < 1:
        raise AudioFormatError(f"WAV file with {channels} channels at {rate} Hz")
    if kind == PCM and bits == 16:
        pcm = body[: len(body) - len(body) % 2]
    elif kind == PCM and bits == 8:
        # 8-bit WAV is unsigned: centre it and widen it.
        pcm = _to_bytes(array("h", ((b - 128) << 8 for b in body)))
    elif kind == MULAW and bits == 8:
        pcm = mulaw.decode(body)
    else:
        raise AudioFormatError(f"unsupported WAV format {kind} with {bits} bits")
    if channels > 1:
        samples = array("h")
        samples.frombytes(pcm[: len(pcm) - len(pcm) % (2 * channels)])
        # Raw bytes in, the same bytes out: byte order does not matter for picking samples.
        pcm = samples[0::channels].tobytes()
    return Audio(pcm=pcm, sample_rate=rate)


def _to_bytes(samples: array) -> bytes:
    """Samples as little-endian bytes, whatever this machine's byte order."""
    if sys.byteorder != "little":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()
