"""Demo agents and a supervisor for trying the console out (DEMO DATA: known passwords)."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlite_utils import Database

import clock

from .auth import hash_password
from .store import add_agent, find_agent

# Printed in the README: never use these accounts in production.
DEMO_PASSWORD = "demo-passwort"  # noqa: S105 - the demo's password is public on purpose

DEMO_ACCOUNTS = [
    {"login": "agent.waiblingen", "name": "Anna Keller (Demo)", "role": "agent",
     "topics": ["geldleistungen", "allgemein"], "languages": ["de", "en"],
     "sites": ["waiblingen"], "reach_kind": "client", "reach_address": "agent-waiblingen"},
    {"login": "agent.backnang", "name": "Murat Yilmaz (Demo)", "role": "agent",
     "topics": ["geldleistungen", "arbeitslosmeldung"], "languages": ["de", "tr"],
     "sites": ["backnang"], "reach_kind": "client", "reach_address": "agent-backnang"},
    {"login": "agent.schorndorf", "name": "Lea Schäfer (Demo)", "role": "agent",
     "topics": ["arbeitsvermittlung", "berufsberatung", "allgemein"],
     "languages": ["de", "uk", "ru"],
     "sites": ["schorndorf"], "reach_kind": "client", "reach_address": "agent-schorndorf"},
    {"login": "leitung", "name": "Petra Wagner (Demo-Leitung)", "role": "supervisor",
     "topics": ["allgemein"], "languages": ["de", "en"],
     "sites": ["waiblingen", "backnang", "schorndorf"], "reach_kind": "client",
     "reach_address": "supervisor"},
]


@functools.cache
def _demo_password_hash() -> str:
    """The demo password's hash, made once per process: the password is public, so one
    salt for every demo account gives nothing away, and scrypt costs 0.16 s a time
    (every whole conversation in the tests seeds the demo on a fresh database)."""
    return hash_password(DEMO_PASSWORD)


def seed_demo(db: Database, now: datetime | None = None) -> int:
    """Create the demo accounts that are missing; returns how many were created."""
    now = now or clock.now()
    made = 0
    for account in DEMO_ACCOUNTS:
        if find_agent(db, account["login"]) is not None:
            continue
        add_agent(db, password_hash=_demo_password_hash(), now=now, **account)
        made += 1
    return made
