"""Case tables (owned by cases): customers, failed identity checks, and the disclosure audit log.

- `case_customers`: one row per customer; applications as JSON in the row, so that a
  customer is written and compared as one unit (re-importing the same data is no change).
- `case_check_failures`: failed identity checks, by keyed hash (keyed.py) of customer
  number, caller number or call, kept for one hour: the lockout counts them in a sliding
  hour; `purge` removes older ones.
- `case_disclosures`: the audit log of everything said about a case: when, which call,
  which customer, from which number, what was said. Never a date of birth. Kept for
  HOTLINE_AUDIT_RETENTION_DAYS, then removed by `purge`.

Times are UTC ISO 8601 strings.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

import keyed

from .model import UNKNOWN_LETTER, Application, Customer, parse_record, record_of

MAX_FAILED_CHECKS = 3
LOCK_WINDOW = timedelta(hours=1)  # sliding: the last hour's failures count
DEMO_FILE = Path(__file__).parent / "demo" / "customers.json"

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def migrate(db: Database) -> None:
    """Create the case tables if they are missing (safe to run again)."""
    tables = db.table_names()
    if "case_customers" not in tables:
        db["case_customers"].create(
            {"customer_number": str, "name": str, "birth_date": str, "team": str,
             "payment_date": str, "payment_cents": int, "applications": str,
             "updated_at": str},
            pk="customer_number", not_null={"name", "birth_date", "applications"},
        )
    if "case_check_failures" not in tables:
        db["case_check_failures"].create({"id": int, "key": str, "at": str}, pk="id",
                                         not_null={"key", "at"})
        db["case_check_failures"].create_index(["key", "at"])
    if "case_disclosures" not in tables:
        db["case_disclosures"].create(
            {"id": int, "at": str, "call_sid": str, "customer_number": str,
             "caller_number": str, "topic": str, "channel": str, "said": str},
            pk="id", not_null={"at", "call_sid", "customer_number", "said"},
        )
        db["case_disclosures"].create_index(["customer_number", "at"])
        db["case_disclosures"].create_index(["call_sid"])


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


# ----------------------------------------------------------------------------- customers


def _customer(row: tuple) -> Customer:
    number, name, born, team, pay_date, pay_cents, applications = row
    apps = tuple(Application(a["type"], a["received"], a["status"],
                             tuple(a.get("missing_documents") or ()))
                 for a in json.loads(applications or "[]"))
    return Customer(number, name, born, team or "", pay_date, pay_cents, apps)


_COLUMNS = ("customer_number, name, birth_date, team, payment_date, payment_cents,"
            " applications")


def get_customer(db: Database, number: str) -> Customer | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM case_customers WHERE customer_number = ?",
                     [number]).fetchone()
    return _customer(row) if row else None


def find_customers(db: Database, number: str) -> list[Customer]:
    """Customers with this number; a typed BA number ("123?456789") matches any letter."""
    if UNKNOWN_LETTER not in number:
        found = get_customer(db, number)
        return [found] if found else []
    pattern = number.replace(UNKNOWN_LETTER, "_")  # LIKE's one-character wildcard
    rows = db.execute(f"SELECT {_COLUMNS} FROM case_customers WHERE customer_number LIKE ?",
                      [pattern]).fetchall()
    return [_customer(row) for row in rows]


def save_customer(db: Database, customer: Customer, now: datetime) -> str:
    """Store a customer: created, updated, or unchanged when it is the same already."""
    stored = get_customer(db, customer.customer_number)
    if stored == customer:
        return UNCHANGED
    db.execute(
        "INSERT INTO case_customers (customer_number, name, birth_date, team, payment_date,"
        " payment_cents, applications, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (customer_number) DO UPDATE SET name = excluded.name,"
        " birth_date = excluded.birth_date, team = excluded.team,"
        " payment_date = excluded.payment_date, payment_cents = excluded.payment_cents,"
        " applications = excluded.applications, updated_at = excluded.updated_at",
        [customer.customer_number, customer.name, customer.birth_date, customer.team,
         customer.payment_date, customer.payment_cents,
         json.dumps([a.to_dict() for a in customer.applications], ensure_ascii=False),
         utc_text(now)])
    return CREATED if stored is None else UPDATED


def has_cases(db: Database) -> bool:
    """Case data is there to answer from: the tables exist and hold at least one customer."""
    if "case_customers" not in db.table_names():
        return False
    return db.execute("SELECT 1 FROM case_customers LIMIT 1").fetchone() is not None


def customer_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM case_customers").fetchone()[0]


def seed_demo(db: Database, now: datetime) -> int:
    """The fictitious demo customers (cases/demo/customers.json); returns how many were new."""
    records = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    results = [save_customer(db, parse_record(record), now) for record in records]
    return results.count(CREATED)


def export_records(db: Database) -> list[dict]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM case_customers ORDER BY customer_number")
    return [record_of(_customer(row)) for row in rows.fetchall()]


# ----------------------------------------------------------------------------- lockout


def _digest(key: str) -> str:
    # Keyed: the table says how often a key failed, not whose number it was. (A plain
    # SHA-256 of "phone:+49..." was reversed by trying every number in 0.13 s.)
    return keyed.digest("case-check", key)


def is_locked(db: Database, keys: list[str], now: datetime) -> bool:
    """Any of these keys failed MAX_FAILED_CHECKS times within the last hour."""
    since = utc_text(now - LOCK_WINDOW)
    for key in keys:
        failed = db.execute("SELECT count(*) FROM case_check_failures WHERE key = ? AND at > ?",
                            [_digest(key), since]).fetchone()[0]
        if failed >= MAX_FAILED_CHECKS:
            return True
    return False


def record_failed_check(db: Database, keys: list[str], now: datetime) -> None:
    """Count one failed check against every key; forget failures older than the window."""
    db.execute("DELETE FROM case_check_failures WHERE at <= ?", [utc_text(now - LOCK_WINDOW)])
    for key in keys:
        db.execute("INSERT INTO case_check_failures (key, at) VALUES (?, ?)",
                   [_digest(key), utc_text(now)])


# ----------------------------------------------------------------------------- audit log


def record_disclosure(db: Database, *, call_sid: str, customer_number: str,
                      caller_number: str | None, topic: str, channel: str, said: str,
                      now: datetime) -> None:
    """One line of the audit log: what was told about whose case, on which call."""
    db.execute("INSERT INTO case_disclosures (at, call_sid, customer_number, caller_number,"
               " topic, channel, said) VALUES (?, ?, ?, ?, ?, ?, ?)",
               [utc_text(now), call_sid, customer_number, caller_number, topic, channel, said])


def purge_personal_data(db: Database, *, audit_before: str, now: datetime) -> dict:
    """Forget failed checks older than the lockout's hour, and audit lines older than
    `audit_before` (inside the purge's write)."""
    failures = db.execute("DELETE FROM case_check_failures WHERE at <= ?",
                          [utc_text(now - LOCK_WINDOW)]).rowcount
    audit = db.execute("DELETE FROM case_disclosures WHERE at < ?", [audit_before]).rowcount
    return {"check_failures": failures, "disclosures": audit}


def disclosures(db: Database, customer_number: str | None = None) -> list[dict]:
    """The audit log, oldest first; for one customer if given."""
    cursor = db.execute(
        "SELECT * FROM case_disclosures WHERE ? IS NULL OR customer_number = ? ORDER BY id",
        [customer_number, customer_number])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
