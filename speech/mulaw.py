"""G.711 mu-law to 16-bit linear PCM, without `audioop` (removed in Python 3.13)."""

from __future__ import annotations

BIAS = 0x84  # G.711 adds this before encoding so that the segments line up
SAMPLE_BYTES = 2  # 16-bit little-endian PCM out


def _linear(code: int) -> int:
    """One mu-law byte as a signed 16-bit sample."""
    inverted = ~code & 0xFF  # mu-law bytes are stored with every bit inverted
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS
    return -magnitude if inverted & 0x80 else magnitude


# Every byte's sample, and the low and high byte of it: decoding then is two
# `bytes.translate` calls, which run in C and keep a busy stream cheap.
LINEAR = tuple(_linear(code) for code in range(256))
_LOW = bytes(sample & 0xFF for sample in LINEAR)
_HIGH = bytes((sample >> 8) & 0xFF for sample in LINEAR)


def decode(data: bytes) -> bytes:
    """Mu-law bytes (one sample each) as little-endian signed 16-bit PCM."""
    pcm = bytearray(len(data) * SAMPLE_BYTES)
    pcm[0::2] = data.translate(_LOW)
    pcm[1::2] = data.translate(_HIGH)
    return bytes(pcm)


def encode_sample(sample: int) -> int:
    """One signed 16-bit sample as a mu-law byte (for tests and the benchmark's silence)."""
    sample = max(-32635, min(32635, sample))
    sign = 0x80 if sample < 0 else 0
    magnitude = abs(sample) + BIAS
    exponent = 7
    for exponent in range(7, -1, -1):
        if magnitude & (0x4000 >> (7 - exponent)):
            break
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


SILENCE = encode_sample(0)  # 0xFF: what a quiet line sends
