"""Regular expressions over a caller's words, combined so that a turn costs less.

A turn's words are checked against long lists of expressions (crisis phrases in six
languages, language names) in every step of every call, and most turns match none of
them. `at_word_starts` makes one expression of a list that tells whether any of them
matches, trying the alternatives only where a word starts; `needs_non_ascii` tells
whether an expression can only match words with a letter outside ASCII, so that a turn
in Latin letters need not be checked against it at all.
"""

from __future__ import annotations

import re
import re._constants as re_constants
import re._parser as re_parser


def at_word_starts(expressions: list[str]) -> re.Pattern:
    """One expression that matches where any of `expressions` does, with the word boundary
    most of their alternatives start with tested once per position rather than once per
    alternative: the engine then tries the alternatives only where a word starts, not at
    every letter. `\\b(?:a|b)` matches where `\\ba|\\bb` does, so whether the search finds
    anything is unchanged (which alternative it finds first may differ; only whether
    there is one counts)."""
    bounded, other = [], []
    for expression in expressions:
        for alternative in _alternatives(expression):
            alternative = _LOOKBEHINDS_THEN_BOUNDARY.sub(r"\\b\1", alternative)
            if alternative.startswith("\\b") and alternative[2:3] not in ("*", "+", "?", "{"):
                bounded.extend(_spread(alternative[2:]))
            else:
                other.append(alternative)
    bounded = _by_first_letter(bounded)
    parts = ([r"\b(?:" + "|".join(bounded) + ")"] if bounded else [])
    return re.compile("|".join(parts + [f"(?:{a})" for a in other]))


def _by_first_letter(alternatives: list[str]) -> list[str]:
    """"ab", "ac", "d" as "a(?:b|c)", "d": at a word start the engine tries each
    alternative in turn, so a few hundred of them (the crisis phrases of one language)
    cost a few hundred steps there; grouped by their first letter, one step per letter.
    `a(?:b|c)` matches where `ab|ac` does. An alternative whose first letter is repeated
    or optional ("a*b", "a?b"), or that starts with anything but a letter or digit, stays
    as it is. Measured on the 130 requests of intents_dev.tsv (30 November 2026, with
    round 3's crisis phrases): the German crisis table from about 18 to 6 microseconds a
    turn, the English one from 8 to 2."""
    groups: dict[str, list[str]] = {}
    kept: list[str] = []
    for alternative in alternatives:
        if (alternative.startswith("(?:") and _closing(alternative) == len(alternative) - 1
                and len(_alternatives(alternative[3:-1])) == 1):
            alternative = alternative[3:-1]  # "(?:ab)" as "ab": one alternative, no group
        first = alternative[:1]
        if first.isalnum() and alternative[1:2] not in ("*", "+", "?", "{"):
            groups.setdefault(first, []).append(alternative[1:])
        else:
            kept.append(alternative)
    return [first + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")")
            for first, rests in groups.items()] + kept


# "(?<!keine )\bangst" as "\b(?<!keine )angst": both look at the same place, but only an
# alternative that starts with \b is tried at word starts alone (measured: 13 such in the
# worry words cost 35,000 instructions a turn, 1.7%, tried at every character).
_LOOKBEHINDS_THEN_BOUNDARY = re.compile(r"^((?:\(\?<![^()]*\))+)\\b")


def _spread(alternative: str) -> list[str]:
    """"(?:a|b)rest" as "arest", "brest": the engine passes over an alternative that starts
    with a letter other than the one at hand without trying it, but not over a group.
    Whether anything matches stays the same ((a|b)r matches where ar|br does); anything
    else is left as it is, wrapped in a group of its own."""
    end = _closing(alternative) if alternative.startswith("(?:") else None
    if (end is None or alternative[end + 1 : end + 2] in ("*", "+", "?", "{")
            or _BACKREFERENCE.search(alternative)):
        return [f"(?:{alternative})"]
    rest = alternative[end + 1 :]
    return [inner + rest for inner in _alternatives(alternative[3:end])]


# A group referred to again (\1, (?P=name)) would be written twice by `_spread`.
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?P<")


def _closing(expression: str) -> int | None:
    """Where the group that opens `expression` closes."""
    for i, char, depth in _scan(expression):
        if char == ")" and depth == 1:
            return i
    return None


def _scan(expression: str):
    """(position, character, depth of groups before it) of each character that is not
    escaped and not inside a character class."""
    depth, i = 0, 0
    while i < len(expression):
        char = expression[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(expression, i) + 1
            continue
        yield i, char, depth
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        i += 1


def _class_end(expression: str, i: int) -> int:
    """Where the character class that opens at `i` ends: "|" and brackets in it are
    letters."""
    i += 2 if expression[i + 1 : i + 2] == "^" else 1
    i += expression[i] == "]"  # "[]...]": a bracket first is a letter
    while expression[i] != "]":
        i += 2 if expression[i] == "\\" else 1
    return i


def _alternatives(expression: str) -> list[str]:
    """The top-level alternatives of a regular expression ("a|(b|c)" -> "a", "(b|c)")."""
    out, start = [], 0
    for i, char, depth in _scan(expression):
        if char == "|" and depth == 0:
            out.append(expression[start:i])
            start = i + 1
    out.append(expression[start:])
    return out


def needs_non_ascii(expression: str) -> bool:
    """Whether every match of `expression` contains a letter outside ASCII."""
    parsed = re_parser.parse(expression)
    # Ignoring case, a letter outside ASCII can match one inside it (K, the Kelvin sign).
    return not parsed.state.flags & re.IGNORECASE and _needs(parsed)


def _needs(parsed) -> bool:
    """Whether every match of a parsed expression contains a letter outside ASCII.
    Cautious: an element it does not know counts as needing none."""
    for op, arg in parsed:
        if op is re_constants.LITERAL and arg > 127:
            return True
        if op is re_constants.SUBPATTERN and _needs(arg[-1]):
            return True
        if op is re_constants.BRANCH and all(_needs(b) for b in arg[1]):
            return True
        if (op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT) and arg[0] >= 1
                and _needs(arg[2])):
            return True
    return False
