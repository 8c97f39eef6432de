"""At Twilio, what the hotline no longer keeps itself: the texts of SMS it sent and received,
and voicemail recordings, emptied or deleted through the gateway once `purge` says so.

`collect` runs inside the purge's transaction, before the packages forget their rows: it
notes (in `twilio_redactions`, owned here) the Twilio SIDs that are now due: messages
from the outbox and voicemail recordings. `run` then works through the list outside
the transaction; what Twilio refuses or cannot be reached for stays for the next purge.
The list holds SIDs only, never a number or a text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

import clock
from db import transaction
from gateway import GatewayError

SMS, RECORDING = "sms", "recording"


def migrate(db: Database) -> None:
    if "twilio_redactions" not in db.table_names():
        db["twilio_redactions"].create(
            {"sid": str, "kind": str, "due_at": str, "tries": int, "last_error": str},
            pk="sid", not_null={"kind", "due_at"}, defaults={"tries": 0})


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


def collect(db: Database, before: str, now: datetime) -> int:
    """Note what is due at Twilio (inside the purge's transaction); returns how much was new."""
    migrate(db)
    at = clock.utc_text(now)
    added = 0
    if "outbox" in db.table_names():
        added += db.execute(
            "INSERT INTO twilio_redactions (sid, kind, due_at)"
            " SELECT message_sid, ?, ? FROM outbox WHERE created_at < ?"
            " AND message_sid IS NOT NULL AND body IS NOT NULL ON CONFLICT DO NOTHING",
            [SMS, at, before]).rowcount
    added += db.execute(
        "INSERT INTO twilio_redactions (sid, kind, due_at)"
        " SELECT recording_sid, ?, ? FROM voicemails WHERE at < ?"
        " AND recording_sid IS NOT NULL AND recording_sid != '' ON CONFLICT DO NOTHING",
        [RECORDING, at, before]).rowcount
    db.execute("UPDATE voicemails SET recording_sid = NULL WHERE at < ?"
               " AND recording_sid IS NOT NULL", [before])
    return added


@dataclass(frozen=True)
class Outcome:
    done: int
    left: int


def run(db: Database, gateway, before: datetime, now: datetime) -> Outcome:
    """Redact and delete at Twilio what is listed, plus the SMS callers sent us before
    `before`; each success leaves the list at once."""
    at = clock.utc_text(now)
    try:
        received = gateway.received_sms(before)
    except GatewayError:
        received = []  # Twilio not reachable: the next purge asks again
    with transaction(db):
        migrate(db)
        for sid in received:
            db.execute("INSERT INTO twilio_redactions (sid, kind, due_at)"
                       " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [sid, SMS, at])
    done = left = 0
    for sid, kind in db.execute("SELECT sid, kind FROM twilio_redactions ORDER BY due_at, sid"
                                ).fetchall():
        try:
            if kind == SMS:
                gateway.redact_sms(sid)
            else:
                gateway.delete_recording(sid)
        except GatewayError as error:
            if error.status != 404:  # already gone at Twilio: as good as done
                with transaction(db):
                    db.execute("UPDATE twilio_redactions SET tries = tries + 1, last_error = ?"
                               " WHERE sid = ?", [error.kind, sid])
                left += 1
                continue
        with transaction(db):
            db.execute("DELETE FROM twilio_redactions WHERE sid = ?", [sid])
        done += 1
    return Outcome(done, left)


def due_now(db: Database, sids: list[str], now: datetime) -> int:
    """Messages a person sent that carried a customer number or a date of birth: their
    text at Twilio is emptied by the outbox's sender's next round (`run_listed`), not
    only at the next purge. Inside the caller's transaction."""
    migrate(db)
    at = clock.utc_text(now)
    return sum(db.execute("INSERT INTO twilio_redactions (sid, kind, due_at)"
                          " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          [sid, SMS, at]).rowcount for sid in sids)


def run_listed(db: Database, gateway, limit: int = 20) -> int:
    """Redact the listed SMS at Twilio (no listing of Twilio's messages, no recordings):
    a few per round of the outbox's sender. Returns how many were done."""
    done = 0
    for (sid,) in db.execute("SELECT sid FROM twilio_redactions WHERE kind = ? AND tries < 5"
                             " ORDER BY due_at, sid LIMIT ?", [SMS, limit]).fetchall():
        try:
            gateway.redact_sms(sid)
        except GatewayError as error:
            if error.status != 404:
                with transaction(db):
                    db.execute("UPDATE twilio_redactions SET tries = tries + 1, last_error = ?"
                               " WHERE sid = ?", [error.kind, sid])
                continue
        with transaction(db):
            db.execute("DELETE FROM twilio_redactions WHERE sid = ?", [sid])
        done += 1
    return done
