"""Play conversation files through the real webhooks and print which conversations pass.

    .venv/bin/python tools/score_conversations.py tests/data/conversations/issue18_dev.txt
    .venv/bin/python tools/score_conversations.py FILE... -k Keller -v

For each file: every conversation's PASS or FAIL, with the first failing check (the
line, what the caller had just said, what was expected, what was heard); then the totals
per file and per tag. The format of the files is described in tests/conversation_script.py.
Exit status: 0 when all pass, 1 when any fails, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import conversation_script as script  # noqa: E402 - needs the paths above


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("-k", dest="keyword", default=None,
                        help="only conversations whose title or tags contain this")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="print the transcript of each failing conversation (-vv: of all)")
    args = parser.parse_args(argv)

    try:
        files = [(path, script.read(path)) for path in args.files]
    except (OSError, script.ScriptError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2

    totals = Counter()
    by_tag: dict[str, Counter] = defaultdict(Counter)
    failures_by_tag: dict[str, Counter] = defaultdict(Counter)
    with tempfile.TemporaryDirectory() as workdir:
        for path, conversations in files:
            chosen = [c for c in conversations if _chosen(c, args.keyword)]
            print(f"{path}")
            passed = 0
            for conversation in chosen:
                result = script.run(conversation, Path(workdir))
                passed += result.passed
                mark = "PASS" if result.passed else "FAIL"
                print(f"  {mark}  {conversation.title}")
                if result.failure:
                    for line in result.failure.describe().splitlines():
                        print(f"        {line}")
                if args.verbose > 1 or (args.verbose and not result.passed):
                    _transcript(result)
                for tag in conversation.tags or ("(untagged)",):
                    by_tag[tag]["all"] += 1
                    by_tag[tag]["passed"] += result.passed
                    if result.failure:
                        failures_by_tag[tag][_kind_of(result.failure)] += 1
            print(f"  {path.name}: {passed} of {len(chosen)} pass\n")
            totals["all"] += len(chosen)
            totals["passed"] += passed

    if by_tag:
        print("Per tag (pass/all; most common first failures):")
        for tag in sorted(by_tag):
            counts = by_tag[tag]
            common = "; ".join(f"{n}x {what}" for what, n in failures_by_tag[tag].most_common(2))
            print(f"  {tag:<22} {counts['passed']:>3}/{counts['all']:<3} {common}")
        print()
    print(f"Total: {totals['passed']} of {totals['all']} conversations pass")
    return 0 if totals["passed"] == totals["all"] else 1


def _chosen(conversation: script.Conversation, keyword: str | None) -> bool:
    if not keyword:
        return True
    haystack = " ".join((conversation.title, *conversation.tags)).casefold()
    return keyword.casefold() in haystack


def _kind_of(failure: script.Failure) -> str:
    """A failure in a few words, so that alike failures count together."""
    heard = failure.heard.casefold()
    check = re.sub(r" \(never: line \d+\)$", "", failure.check)
    if "still be on the line" in check:
        return "call ended early"
    if "nicht verstanden" in heard and "never" not in check:
        return "'nicht verstanden'"
    if check.startswith("never to hear"):
        return f"heard {check.removeprefix('never to hear ')}"
    if check.startswith(("the call to end", "a booking", "no booking")):
        return check.split(" with ")[0]
    if check == "a working hotline":
        return "error"
    if check.startswith("not to hear: "):
        return f"heard {check.removeprefix('not to hear: ')[:40]}"
    return f"missing {check.removeprefix('to hear: ')[:40]}"


def _transcript(result: script.Result) -> None:
    for turn, (caller, hotline) in enumerate(result.exchanges):
        if turn:  # the first answer is the greeting, before the caller says anything
            print(f"        C: {caller or '(silence)'}")
        print(f"        H: {hotline}")
    print(f"        outcome: {result.outcome}")


if __name__ == "__main__":
    # The fake Twilio gateway warns once per app; a score is no place for it.
    logging.disable(logging.WARNING)
    sys.exit(main())
