"""Whatever arrives from the line, recognition answers and never raises. How fast it
answers odd input, against a usual sentence, is measured in bench/bench_intents.py."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech import INTENTS, extract_entities, recognise

ODD_INPUTS = [
    "",
    "   \t\n ",
    "a" * 100_000,
    "termin " * 20_000,
    "\x00\x01\x02\x1b[31m\x7f",
    "😀🙏💶🏠",
    "Я хочу записаться на приём",
    "أريد موعدا",
    "我要预约",
    "'; DROP TABLE calls; --",
    "<script>alert('x')</script>",
    "１２３Ｄ４５６７８９",
    "\u202e\u200b\ufeff",
    "ß" * 5000,
]


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_odd_input_gives_a_clear_result(text):
    result = recognise(text)
    found = extract_entities(text)
    assert result.intent in INTENTS
    assert 0.0 <= result.score <= 1.0
    assert len(result.text) <= 500
    assert isinstance(found, dict)


def test_foreign_scripts_and_markup_are_out_of_scope():
    for text in ["😀🙏💶🏠", "我要预约", "<script>alert('x')</script>", "'; DROP TABLE calls; --"]:
        assert recognise(text).intent == "out_of_scope"


@settings(max_examples=150, deadline=200)
@given(st.text(max_size=2000), st.sampled_from(["de", "en"]))
def test_any_text_is_answered_without_error(text, lang):
    result = recognise(text, lang)
    assert result.intent in INTENTS
    assert 0.0 <= result.score <= 1.0
    assert all(intent in INTENTS for intent, _ in result.alternatives)
    assert isinstance(extract_entities(text, lang), dict)
