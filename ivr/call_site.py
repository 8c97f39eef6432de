"""Which site a call belongs to: the caller's wish, the verified case's team, or the number called.

Every queue stay and callback carries a site, so that supervisors' figures per site
count live calls too. In this order: a site the caller named (for a booking, or in the
request being handled); the site in the team of the customer whose identity the caller
proved on this call; the site whose number the caller dialled (HOTLINE_SITE_NUMBERS).
None when none of them says.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from cases import store as cases
from conversation import CallState
from routing.topics import SITE_LABELS
from speech.entities import extract_entities

from . import store


def _digits(number: str) -> str:
    return re.sub(r"[^\d+]", "", number or "")


def site_of_team(team: str) -> str | None:
    """The site named in a case's team ("Team Leistung 1, Backnang" -> backnang)."""
    folded = (team or "").casefold()
    for site, label in SITE_LABELS.items():
        if label.casefold() in folded:
            return site
    return None


def call_site(db: Database, call_sid: str, state: CallState | None,
              numbers: dict[str, str], said: str = "") -> str | None:
    """The site of this call, by the caller's wish, their case's team or the number called.

    `said`: what the caller said in the turn being answered (not stored yet); then the
    request being clarified, then what they said earlier on the call, latest first.
    """
    state = state if state is not None else store.load_state(db, call_sid)
    lang = state.lang if state is not None else "de"
    wishes = [(state.booking or {}).get("site") if state is not None else None]
    earlier = [speech for (speech,) in db.execute(
        "SELECT speech FROM turns WHERE call_sid = ? AND speech IS NOT NULL AND speech != ''"
        " ORDER BY turn DESC", [call_sid]).fetchall()]
    for text in (said, state.request_text if state is not None else "", *earlier):
        if text:
            wishes.append(extract_entities(text, lang).get("site"))
    for wish in wishes:
        if wish in SITE_LABELS:
            return wish
    customer_number = store.verified_customer(db, call_sid)
    if customer_number and cases.has_cases(db):
        customer = cases.get_customer(db, customer_number)
        site = site_of_team(customer.team) if customer else None
        if site:
            return site
    row = db.execute("SELECT to_number FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    if not row or not row[0]:
        return None
    called = _digits(row[0])
    site = next((s for number, s in numbers.items() if _digits(number) == called), None)
    return site if site in SITE_LABELS else None
