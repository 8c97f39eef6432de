"""Customer numbers, birth dates as callers give them, and case data as the hotline says it."""

from datetime import date

import pytest

from cases import spoken
from cases.model import (
    InvalidCustomerNumberError,
    InvalidRecordError,
    customer_number,
    from_keypad,
    lock_key,
    parse_record,
)
from conversation.identity import birth_date

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("text, expected", [
    ("dritter Mai neunzehnhundertachtzig", "1980-05-03"),
    ("geboren am 3. Mai 1980", "1980-05-03"),
    ("der dritte fünfte neunzehnhundertachtzig", "1980-05-03"),
    ("null drei null fünf neunzehn achtzig", "1980-05-03"),
    ("dritter Mai achtzig", "1980-05-03"),
    ("3.5.1980", "1980-05-03"),
    ("neunundzwanzigster Februar neunzehnhundertzweiundneunzig", "1992-02-29"),
    ("erster Januar zweitausendzehn", "2010-01-01"),
])
def test_spoken_birth_dates_are_never_moved(text, expected):
    assert birth_date(text, "", "de", TODAY) == (expected, None)


def test_english_and_keypad_birth_dates():
    assert birth_date("the third of May nineteen eighty", "", "en", TODAY)[0] == "1980-05-03"
    assert birth_date("May 3rd 1980", "", "en", TODAY)[0] == "1980-05-03"
    assert birth_date("", "03051980", "de", TODAY)[0] == "1980-05-03"


@pytest.mark.parametrize("text, digits, why", [
    ("einunddreißigster Februar neunzehnhundertachtzig", "", "invalid"),
    ("", "31021980", "invalid"),
    ("neunundzwanzigster Februar neunzehnhunderteinundneunzig", "", "invalid"),
    ("erster Januar zweitausendfünfzig", "", "invalid"),  # in the future
    ("", "01011850", "invalid"),
    ("dritter Mai", "", "unclear"),  # no year
    ("", "0305", "unclear"),
    ("ja genau", "", "unclear"),
])
def test_birth_dates_that_cannot_be(text, digits, why):
    assert birth_date(text, digits, "de", TODAY) == (None, why)


def test_customer_numbers_and_their_keypad_forms():
    assert customer_number("123 d 456789") == "123D456789"
    assert customer_number("12345bg0012345") == "12345BG0012345"
    with pytest.raises(InvalidCustomerNumberError) as error:
        customer_number("123D45678")
    assert error.value.reason == "length"
    with pytest.raises(InvalidCustomerNumberError) as error:
        customer_number("1234D56789")
    assert error.value.reason == "pattern"
    assert from_keypad("123456789") == "123?456789"
    assert from_keypad("123450012345") == "12345BG0012345"
    with pytest.raises(InvalidCustomerNumberError):
        from_keypad("12345678")
    # Spoken with its letter or typed without: one customer for the lockout.
    assert lock_key("123D456789") == lock_key("123?456789")


def test_records_need_a_plausible_birth_date_and_known_statuses():
    base = {"customer_number": "123D456789", "name": "Erika", "birth_date": "1980-05-03"}
    assert parse_record(base).birth_date == "1980-05-03"
    with pytest.raises(InvalidRecordError, match="no such date"):
        parse_record(dict(base, birth_date="31.02.1980"))
    with pytest.raises(InvalidRecordError, match="plausible"):
        parse_record(dict(base, birth_date="2027-01-01"), today=TODAY)
    with pytest.raises(InvalidRecordError, match="needs missing_documents"):
        parse_record(dict(base, applications=[{"type": "erstantrag", "received": "2026-11-01",
                                               "status": "Unterlagen fehlen"}]))
    with pytest.raises(InvalidRecordError, match="unknown field 'geburtsdatum'"):
        parse_record(dict(base, geburtsdatum="1980-05-03"))


def test_amounts_and_days_as_they_are_said():
    assert spoken.euros(56300) == "563 Euro"
    assert spoken.euros(123456) == "1234 Euro und 56 Cent"
    assert spoken.euros(56300, "en") == "563 euros"
    assert spoken.day("2026-12-30", "de", TODAY) == "30. Dezember"
    assert spoken.day("2027-01-05", "de", TODAY) == "5. Januar 2027"
    assert spoken.day("2026-12-30", "en", TODAY) == "30 December"
    assert spoken.kind("weiterbewilligung") == "Weiterbewilligungsantrag"
    assert spoken.spelled("12345BG0012345") == "1, 2, 3, 4, 5, B, G, 0, 0, 1, 2, 3, 4, 5"
    assert spoken.spelled("123?456789") == "1, 2, 3, 4, 5, 6, 7, 8, 9"
