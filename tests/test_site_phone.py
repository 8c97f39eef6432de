"""A site's telephone number asked for: the sites have no numbers of their own for
callers, the hotline is the number. On the phone the caller hears that they have called
the right number; in writing, where the number is on every letter from the job centre.
Where the operator gave the sites' numbers (HOTLINE_SITE_NUMBERS), the site's number is
said and written in groups. A new number of the caller's own stays a change to report.

Whole conversations through the real webhooks (tests/conversation_script.py).
"""

import pytest
from conversation_script import parse, run
from written_people import Texter

import clock
from app import create_app
from conftest import NOW, Caller

CONVERSATIONS = parse("""
at: 2026-12-01 10:00
languages: de, en, tr, uk, ru, ar

## the number of the Backnang site, by phone
C: Telefonnummer vom Jobcenter Backnang?
H~ Die Geschäftsstelle Backnang erreichen Sie telefonisch über diese Hotline.
H~ Sie sind hier also richtig.
H! Änderung | online | verbinde
C: nein danke
end: answered

## the job centre's number without a site
C: Wie ist Ihre Telefonnummer?
H~ Diese Hotline ist die Telefonnummer für alle Geschäftsstellen des Jobcenters.

## a new number of the caller's own is still a change to report
C: Ich habe eine neue Telefonnummer
H! Hotline ist | erreichen Sie telefonisch
H~ online
H~ verbinde

## in English
C: #9
C: What is the phone number of the Schorndorf office?
H~ The Schorndorf office is reached by phone through this hotline.

## in Turkish
C: #8
C: Jobcenter Waiblingen telefon numarası
H~ Waiblingen şubesine telefonla bu hat üzerinden ulaşabilirsiniz.

## by SMS: where the number is written
channel: sms
C: tel nummer jobcenter backnang
H~ Die Geschäftsstelle Backnang erreichen Sie telefonisch über die Hotline des Jobcenters.
H~ Die Nummer steht oben auf Ihren Briefen vom Jobcenter.
H! diese Hotline | nicht verstanden

## in the web chat, a callback number given is no number asked for
channel: chat
C: bitte um rückruf tel 0171 2345678
H! Hotline des Jobcenters
""", source="test_site_phone")


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.title)
def test_site_phone(conversation, database_target):
    result = run(conversation, database=database_target)
    assert result.passed, result.failure.describe()


# ----------------------------------------------------------------------------- a site's number
# Where the operator gave the sites' numbers (HOTLINE_SITE_NUMBERS: each leads to this
# hotline), the number asked for is said and written in groups, as a listener writes it
# down and a reader checks it.

BACKNANG = "+497191123456"


@pytest.fixture
def numbered(app):
    numbered = create_app({**app.config, "HOTLINE_SITE_NUMBERS": {
        "+497151999000": "waiblingen", BACKNANG: "backnang", "+497191999999": "backnang"}})
    clock.install(numbered, clock.Clock.at(NOW))
    return numbered


def test_the_number_of_a_site_is_said_in_groups(numbered):
    caller = Caller(numbered)
    caller.dial()
    caller.say("Wie ist die Telefonnummer vom Jobcenter Backnang?")
    said = caller.hears()
    assert ("Die Geschäftsstelle Backnang erreichen Sie unter der Nummer "
            "0, 7, 1, 9, 1 – 1, 2, 3 – 4, 5, 6. Diese Nummer führt auch zu dieser Hotline."
            in said)
    assert "9, 9, 9" not in said  # the site's first number only


def test_an_english_caller_hears_the_number_of_the_site_in_groups(numbered):
    caller = Caller(numbered)
    caller.dial()
    caller.say("#9")
    caller.say("What is the phone number of the Backnang office?")
    assert "The Backnang office's number is 0, 7, 1, 9, 1 – 1, 2, 3 – 4, 5, 6." in caller.hears()


def test_the_number_of_a_site_is_written_in_groups(numbered):
    said = Texter(numbered).send("tel nummer jobcenter backnang")
    assert "Die Geschäftsstelle Backnang erreichen Sie telefonisch unter 07191 123 456." in said
    assert "Briefen" not in said and "0, 7" not in said


def test_a_site_without_a_number_given_is_still_reached_through_the_hotline(numbered):
    caller = Caller(numbered)
    caller.dial()
    caller.say("Telefonnummer vom Jobcenter Schorndorf?")
    assert ("Die Geschäftsstelle Schorndorf erreichen Sie telefonisch über diese Hotline."
            in caller.hears())
