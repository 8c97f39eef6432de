"""A site's telephone number asked for: the sites have no numbers of their own for
callers, the hotline is the number. On the phone the caller hears that they have called
the right number; in writing, where the number is on every letter from the job centre.
A new number of the caller's own stays a change to report.

Whole conversations through the real webhooks (tests/conversation_script.py).
"""

import pytest
from conversation_script import parse, run

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
