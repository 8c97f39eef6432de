"""A message left for the job centre, read for a crisis however long it is (`concern`).

`detect_crisis` and `detect_worry` read the first `MAX_CHARS` characters of a turn, and
a turn says no more. A spoken message of two minutes or a long written one says more,
and a crisis often comes at its end ("... und ehrlich gesagt will ich nicht mehr
leben"). So the message is read in parts short enough for them, each part beginning a
few words before the last one ended, so that no expression is cut in two.
"""

from __future__ import annotations

from speech.crisis import KINDS, detect_crisis
from speech.normalise import MAX_CHARS
from speech.worry import detect_worry

WORRY = "worry"  # no crisis heard, but words that give cause to ask
PART_CHARS = MAX_CHARS - 100  # room for the words a part repeats of the one before
OVERLAP_WORDS = 8  # longer than any expression of crisis.toml or worry.toml


def parts(text: str) -> list[str]:
    """The message in overlapping parts of at most about PART_CHARS characters."""
    words = text.split()
    found: list[str] = []
    start = 0
    while start < len(words):
        end, length = start, 0
        while end < len(words) and (end == start or length + len(words[end]) < PART_CHARS):
            length += len(words[end]) + 1
            end += 1
        found.append(" ".join(words[start:end]))
        if end >= len(words):
            break
        start = max(start + 1, end - OVERLAP_WORDS)
    return found


def concern(text: str | None, lang: str = "de") -> str | None:
    """"violence", "self_harm" or "emergency" when any part is a crisis (heard in any
    language, as `detect_crisis` hears a turn; the gravest kind when parts differ);
    WORRY when none is but a part gives cause to ask (the call's language); else None."""
    if not text or not text.strip():
        return None
    pieces = parts(text)
    kinds = {kind for kind in (detect_crisis(piece, lang) for piece in pieces) if kind}
    for kind in KINDS:  # violence, self_harm, emergency: as the check orders them
        if kind in kinds:
            return kind
    if any(detect_worry(piece, lang) for piece in pieces):
        return WORRY
    return None
