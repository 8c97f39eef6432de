"""Telephone transcripts become one canonical spelling before matching."""

import pytest

from speech.normalise import MAX_CHARS, canonical, fold, join_separable, words


@pytest.mark.parametrize("spoken, expected", [
    ("Öffnungszeiten?", "oeffnungszeiten"),
    ("OEFFNUNGSZEITEN", "oeffnungszeiten"),
    ("Straße", "strasse"),
    ("Strasse", "strasse"),
    ("Café!!", "cafe"),
    ("jobcenter.digital", "jobcenter digital"),
])
def test_case_punctuation_umlauts_and_sharp_s_are_folded(spoken, expected):
    assert fold(spoken) == expected


@pytest.mark.parametrize("spoken, expected", [
    ("mei geld isch no net do", "mein geld ist noch nicht da"),
    ("i hätt gern en termin", "ich haette gern ein termin"),
    ("äh ähm hm termin", "termin"),
    ("kann mer des verschieba", "kann man das verschieben"),
    ("Jobcenter Punkt Digital", "jobcenterdigital"),
])
def test_swabian_colloquial_forms_and_hesitations(spoken, expected):
    assert canonical(spoken) == expected


def test_english_contractions():
    assert canonical("I can't log in, I don't know", "en") == "i can not log in i do not know"


def test_um_is_a_word_in_german_but_a_hesitation_in_english():
    assert canonical("um halb zehn") == "um halb zehn"
    assert canonical("um I need help", "en") == "i need help"


def test_long_input_is_bounded():
    assert len(fold("ab " * 100_000)) <= MAX_CHARS


@pytest.mark.parametrize("spoken, expected", [
    ("ich sage den termin morgen ab", "ich absagen den termin morgen"),
    ("ich melde mich ab morgen arbeitslos an", "ich anmelden mich ab morgen arbeitslos"),
    ("ab wann habt ihr auf", "ab wann habt ihr auf"),
])
def test_separable_verbs_are_joined(spoken, expected):
    assert " ".join(join_separable(words(spoken))) == expected
