"""Whole conversations, written from the callers' side before the code they test.

Every conversation of the development sets is played through the real webhooks
(tests/conversation_script.py), each on a database of its own from conftest's
`database_target`: on SQLite in `make test`, on PostgreSQL in `make test-postgresql`.
The held-out sets (`*_heldout.txt`) are not run here: they are scored by hand, once, with
tools/score_conversations.py, so that nobody tunes against them.

A conversation that does not work yet is listed in NOT_YET with the reason, and must
fail (strict xfail): when it starts to pass, the list is out of date and the test says so.
"""

from pathlib import Path

import pytest
from conversation_script import read, run

DATA = Path(__file__).parent / "data" / "conversations"
SETS = ["issue18_dev.txt", "languages_dev.txt", "stranger31_dev.txt", "cuts_silence_dev.txt",
        "stranger32_dev.txt", "written32_dev.txt", "booking32c_dev.txt",
        "stranger33_dev.txt", "german34_dev.txt", "worry34_dev.txt",
        "numbers35_dev.txt", "german35_dev.txt", "stranger35_dev.txt"]

# title -> why it does not work yet
NOT_YET: dict[str, str] = {}


def cases():
    for name in SETS:
        for conversation in read(DATA / name):
            marks = ()
            if conversation.title in NOT_YET:
                marks = pytest.mark.xfail(reason=NOT_YET[conversation.title], strict=True)
            yield pytest.param(conversation, id=f"{name}:{conversation.title}", marks=marks)


@pytest.mark.parametrize("conversation", list(cases()))
def test_whole_conversation(conversation, database_target):
    result = run(conversation, database=database_target)
    assert result.passed, result.failure.describe()
