"""The outbox: SMS and calls the hotline promised a caller, placed once, outside the webhooks.

A webhook never talks to Twilio's REST API for an SMS. It writes the message into the
`outbox` table in the same transaction as the change that asks for it (the booking,
the status answer), and the caller hears that the SMS will come. A sender delivers the
table's messages in the background:

- What runs where: under gunicorn (`make serve`) the sender is a process of its own
  beside the webhook workers, started, restarted and stopped by gunicorn's master
  (outbox_process.py) at a lower CPU priority; the workers send nothing. `flask --app app
  outbox` runs the same `Sender` in the foreground, and the development server (`flask
  run`) in a thread. Wherever it runs, only the sender holding the lease row in
  `outbox_lease` sends; others wait, and one takes over when that lease runs out (after
  LEASE_S) or at once when gunicorn's master saw its holder die.
- Messages are claimed a batch at a time (state `sending`, with `claimed_until`), so two
  senders never send the same row. One write transaction stores the outcomes of the last
  batch, renews the lease (about once a second) and claims the next: a few transactions a
  second however many messages go out, where each message once took three, and the
  webhooks wait at the same write lock. Twilio's Messages API has no idempotency key:
  a request that may have reached Twilio without an answer (a read timeout, a reset
  connection, a 5xx, or a sender killed before it stored the outcome, whose claim runs
  out) marks the row `uncertain`, and before it is sent again the sender looks for it at
  Twilio (messages to that number with that text since it was queued). See the README
  for what risk is left.
- Failures that can pass (connection, timeout, 5xx, 429) are retried with exponential
  backoff and jitter, or after Twilio's Retry-After; those that will not (an invalid or
  unsubscribed number, bad credentials) fail at once, with the reason kept for the
  supervisors' dashboard. Twilio's status callback (/sms/status) later records whether
  the message was delivered.
- Calls (a reminder by voice, a callback that dials itself) are rows of kind `call`: the
  body names the webhooks Twilio fetches when the call is answered and when it ends, and
  whether to detect an answering machine. A call that may have been placed is looked up
  (calls to that number since the row was queued) before it is placed again.
- Pace: at most HOTLINE_OUTBOX_RATE requests start a second (what the job centre's
  Twilio number allows), with up to HOTLINE_OUTBOX_PARALLEL of them in flight at once,
  each in a thread of a small pool in the sender: Twilio takes 100-300 ms to answer, so
  one request at a time reaches 3-10 a second whatever the rate allows. A 429 (too many
  requests at once) holds back every start for its Retry-After. What a caller is waiting
  for (priority 0: a booking's confirmation, a callback) starts before reminders
  (priority 1), however many of those are due: first in any batch, and one queued while
  a batch of reminders goes out waits for that batch only (BATCH_S, a tenth of a second,
  at most, once a request can start).
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

import clock
import db as database
from gateway import RATE_LIMITED, GatewayError

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
SMS, CALL = "sms", "call"  # kinds of row
URGENT, LATER = 0, 1  # priorities: someone waits for it now / scheduled (reminders)
DELIVERED, UNDELIVERED = "delivered", "undelivered"
WITHDRAWN = "withdrawn"  # taken back before it was sent (a reminder for a cancelled booking)
# Twilio's MessageStatus values we keep from the status callback.
FINAL_STATUSES = {"delivered": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED}

LEASE_NAME = "sms"
LEASE_S = 30  # a sender not heard of this long is replaced
# A claim outlives the longest send: a look-up and a request, each at most 3 s connecting
# and 10 s reading (gateway.py). A sender killed mid-send frees its message after this.
CLAIM_S = 60
BACKOFF_FIRST_S = 5.0
BACKOFF_MAX_S = 900.0
RETRY_AFTER_MAX_S = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)  # an SMS about today's call is useless tomorrow
POLL_S = 1.0
LEASE_RENEW_S = 1.0  # while sending, the lease is renewed with the batch claimed this often
# A batch: the messages one write transaction claims (and the next stores the outcomes
# of). It holds what the pace lets through in BATCH_S, BATCH_MAX at most, and a message
# of it not begun within BATCH_S of the claim is handed back unsent: so a message a
# caller waits for, queued while reminders go out, waits for one batch at most.
BATCH_S = 0.1
# The pace sleeps at least this long when it must wait: at 250 a second, requests start
# five at a time every 20 ms rather than one every 4 ms. The same rate, a fifth of the
# wake-ups: each costs the sender, its request threads (and Twilio's stand-in) CPU on
# cold caches; measured, a sixth of the sender's CPU per message.
PACE_TICK_S = 0.02
BATCH_MAX = 25
# Requests in flight at once (HOTLINE_OUTBOX_PARALLEL; by default rate x this): Twilio
# answers a request in about 100-300 ms, so one at a time reaches 3-10 a second. Sized
# for the slow end, the rate holds when Twilio is slow; spare slots cost nothing.
TYPICAL_LATENCY_S = 0.3
PARALLEL_UNPACED = 10  # with no rate set (HOTLINE_OUTBOX_RATE=0)
# A 429 is Twilio's answer to too many requests at once: nothing starts for its
# Retry-After (this when it sends none), this long at most (a longer Retry-After holds
# back the message it answered; the others try again and meet a new 429 if it lasts).
RATE_LIMIT_PAUSE_S = 1.0
RATE_LIMIT_PAUSE_MAX_S = 60.0
# A look-up accepts messages created this much before the row (clocks differ).
LOOKUP_SKEW = timedelta(minutes=2)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,     -- one message per purpose and call, however retried
    call_sid TEXT,
    purpose TEXT NOT NULL,  -- booking_confirmation | documents | referral | reminder
    to_number TEXT,                      -- personal: removed by purge
    body TEXT,                           -- personal: removed by purge
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,  -- queued, sending, sent, delivered, undelivered, failed, withdrawn
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    uncertain INTEGER NOT NULL DEFAULT 0, -- may have reached Twilio: look it up before resending
    claimed_by TEXT,
    claimed_until TEXT,
    message_sid TEXT,
    sent_at TEXT,
    status_at TEXT,
    error_kind TEXT,
    error_code INTEGER,
    reason TEXT,
    kind TEXT NOT NULL DEFAULT 'sms',    -- sms | call
    priority INTEGER NOT NULL DEFAULT 0  -- 0 first (a caller waits), 1 reminders
);
CREATE INDEX IF NOT EXISTS outbox_sid ON outbox (message_sid);
CREATE TABLE IF NOT EXISTS outbox_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);
"""


def migrate(db: Database) -> None:
    db.executescript(SCHEMA)
    columns = db["outbox"].columns_dict
    if "kind" not in columns:  # calls and priorities (issue 21)
        db.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'sms'")
        db.execute("ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
    db.execute("DROP INDEX IF EXISTS outbox_due")
    db.execute("CREATE INDEX IF NOT EXISTS outbox_due_first ON outbox"
               " (state, priority, next_attempt_at)")


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


@dataclass(frozen=True)
class Message:
    """One row of the outbox, as the sender works on it."""

    id: int
    to: str
    body: str
    created_at: datetime
    attempts: int
    uncertain: bool
    kind: str = SMS


# ---------------------------------------------------------------------------- the webhook side


def enqueue(db: Database, *, to: str, body: str, purpose: str, key: str, call_sid: str | None,
            now: datetime, priority: int = URGENT, kind: str = SMS) -> bool:
    """Queue an SMS inside the caller's transaction; False if this key was queued before."""
    at = clock.utc_text(now)
    cursor = db.execute(
        "INSERT INTO outbox (dedupe_key, call_sid, purpose, to_number, body,"
        " created_at, state, next_attempt_at, kind, priority)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [key, call_sid, purpose, to, body, at, QUEUED, at, kind, priority])
    return cursor.rowcount == 1


def enqueue_call(db: Database, *, to: str, answer_url: str, status_url: str, purpose: str,
                 key: str, now: datetime, machine_detection: str | None = None,
                 priority: int = URGENT) -> bool:
    """Queue an outbound call inside the caller's transaction: Twilio fetches `answer_url`
    (a path of this app) when it is answered and posts `status_url` when it ends; with
    `machine_detection` ("Enable" or "DetectMessageEnd") the answer carries AnsweredBy."""
    body = json.dumps({"answer": answer_url, "status": status_url, "amd": machine_detection})
    return enqueue(db, to=to, body=body, purpose=purpose, key=key, call_sid=None, now=now,
                   priority=priority, kind=CALL)


def call_sid_of(db: Database, key: str) -> str | None:
    """The CallSid Twilio gave the call queued under `key`, once it was placed."""
    row = db.execute("SELECT message_sid FROM outbox WHERE dedupe_key = ?", [key]).fetchone()
    return row[0] if row else None


def record_call_status(db: Database, key: str, status: str, answered_by: str,
                       now: datetime) -> None:
    """How a queued call went (inside a write): answered by a person is delivered; a
    mailbox, no answer, busy or failed is undelivered, with that reason. The answer
    webhook knows about a mailbox before the status callback, which may not say again."""
    human = status == "completed" and answered_by in ("", "human", "unknown")
    if human:
        db.execute("UPDATE outbox SET state = ?, status_at = ? WHERE dedupe_key = ?"
                   " AND kind = ? AND state = ?",
                   [DELIVERED, clock.utc_text(now), key, CALL, SENT])
        return
    reason = f"mailbox ({answered_by})" if status == "completed" else status
    db.execute("UPDATE outbox SET state = ?, status_at = ?, reason = ? WHERE dedupe_key = ?"
               " AND kind = ? AND state IN (?, ?)",
               [UNDELIVERED, clock.utc_text(now), reason, key, CALL, SENT, DELIVERED])


def withdraw(db: Database, key: str, reason: str, now: datetime) -> bool:
    """Take back a message not sent yet (inside the caller's write): it is never sent.
    True if one was waiting; a message already being sent cannot be stopped."""
    return db.execute(
        "UPDATE outbox SET state = ?, reason = ?, status_at = ? WHERE dedupe_key = ?"
        " AND state = ?", [WITHDRAWN, reason, clock.utc_text(now), key, QUEUED]).rowcount == 1


def record_status(db: Database, message_sid: str, status: str, error_code: str,
                  now: datetime) -> bool:
    """Twilio's status callback for a message we sent (inside a write); True if known."""
    state = FINAL_STATUSES.get(status)
    row = db.execute("SELECT id FROM outbox WHERE message_sid = ?", [message_sid]).fetchone()
    if row is None:
        return False
    if state is None:
        return True  # queued, sending, sent ...: nothing final yet
    code = int(error_code) if error_code.isdigit() else None
    reason = f"{status}, Twilio {code}" if code else (status if state != DELIVERED else None)
    db.execute("UPDATE outbox SET state = ?, status_at = ?, error_code = COALESCE(?, error_code),"
               " reason = COALESCE(?, reason) WHERE id = ?",
               [state, clock.utc_text(now), code, reason, row[0]])
    return True


def failed_messages(db: Database, since: datetime, limit: int = 50) -> list[dict]:
    """Messages that did not arrive, newest first, for supervisors (no number, no text)."""
    return [{"id": id_, "created_at": created, "purpose": purpose, "state": state,
             "attempts": attempts, "reason": reason or "", "call_sid": call_sid}
            for id_, created, purpose, state, attempts, reason, call_sid in db.execute(
                "SELECT id, created_at, purpose, state, attempts, reason, call_sid FROM outbox"
                " WHERE state IN (?, ?) AND created_at >= ? ORDER BY id DESC LIMIT ?",
                [FAILED, UNDELIVERED, clock.utc_text(since), limit]).fetchall()]


def counts(db: Database) -> dict[str, int]:
    """Messages by state (for /metrics and the README's "what to watch")."""
    return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


def purge_personal_data(db: Database, before: str) -> int:
    """Remove numbers and texts of messages queued before `before` (inside a write)."""
    return db.execute(
        "UPDATE outbox SET to_number = NULL, body = NULL WHERE created_at < ?"
        " AND (to_number IS NOT NULL OR body IS NOT NULL)", [before]).rowcount


# ---------------------------------------------------------------------------- the sender


def backoff_s(attempts: int, error: GatewayError, rng: random.Random = random) -> float:
    """How long to wait before the next try: Twilio's Retry-After, else exponential with
    full jitter between half and all of the step (so that senders do not retry in step)."""
    if error.retry_after_s is not None:
        return min(error.retry_after_s, RETRY_AFTER_MAX_S)
    step = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempts - 1))
    return step * rng.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed message: the fields to store, once the sender writes."""

    id: int
    state: str
    fields: dict
    kind: str = SMS
    slow_down_s: float = 0.0  # a 429: how long nothing else may start (Retry-After)


def batch_size(rate: float, seconds_per_message: float = 0.0) -> int:
    """How many messages one claim takes: what the pace lets through in BATCH_S, and what
    Twilio answers in that time (the sender's recent requests), BATCH_MAX at most."""
    size = float(BATCH_MAX)
    if rate > 0:
        size = min(size, rate * BATCH_S)
    if seconds_per_message > 0:
        size = min(size, BATCH_S / seconds_per_message)
    return max(1, int(size))


def claim_batch(db: Database, worker: str, now: datetime, size: int,
                outcomes: Sequence[Outcome] = (), unsent: Sequence[int] = (),
                lease: bool = False) -> list[Message] | None:
    """The sender's one write transaction per batch: store the `outcomes` of the messages
    it worked on since its last claim, hand back the `unsent` ones (claimed, never begun),
    renew its lease if `lease` (`worker` is the holder), and take up to `size` due
    messages, those a caller waits for first. None if another sender took the lease
    meanwhile (what was done is stored all the same). A message whose claim ran out (its
    sender died mid-send) comes back marked uncertain: it may have reached Twilio."""
    at = clock.utc_text(now)
    due = ("(state = ? AND next_attempt_at <= ?) OR (state = ? AND claimed_until < ?)",
           [QUEUED, at, SENDING, at])
    if not (outcomes or unsent or lease) and db.execute(
            f"SELECT 1 FROM outbox WHERE {due[0]} LIMIT 1", due[1]).fetchone() is None:
        return []  # the usual second: nothing due, no write at all
    with database.transaction(db):
        _store(db, worker, outcomes, unsent)
        if lease and not _renew_lease(db, worker, now, LEASE_S):
            return None
        rows = db.execute(
            "SELECT id, to_number, body, created_at, attempts, uncertain, state, kind FROM outbox"
            f" WHERE {due[0]} ORDER BY priority, next_attempt_at, id LIMIT ?",
            [*due[1], size]).fetchall()
        if not rows:
            return []
        marks = ", ".join("?" for _ in rows)
        db.execute("UPDATE outbox SET uncertain = CASE WHEN state = ? THEN 1 ELSE uncertain END,"
                   " state = ?, claimed_by = ?, claimed_until = ?, attempts = attempts + 1"
                   f" WHERE id IN ({marks})",
                   [SENDING, SENDING, worker, clock.utc_text(now + timedelta(seconds=CLAIM_S)),
                    *(row[0] for row in rows)])
        purged = [row[0] for row in rows if row[1] is None or row[2] is None]
        if purged:  # purged while waiting: nothing left to send
            db.execute("UPDATE outbox SET state = ?, reason = ?, claimed_by = NULL,"
                       f" claimed_until = NULL WHERE id IN ({', '.join('?' for _ in purged)})",
                       [FAILED, "purged before it could be sent", *purged])
    return [Message(id_, to, body, datetime.fromisoformat(created), attempts + 1,
                    bool(uncertain) or state == SENDING, kind)
            for id_, to, body, created, attempts, uncertain, state, kind in rows
            if to is not None and body is not None]


def claim(db: Database, worker: str, now: datetime) -> Message | None:
    """Take the next due message for `worker`, or None (a batch of one)."""
    batch = claim_batch(db, worker, now, 1)
    return batch[0] if batch else None


def _store(db: Database, worker: str, outcomes: Sequence[Outcome],
           unsent: Sequence[int] = ()) -> None:
    """Inside the sender's write: each outcome, if the claim is still `worker`'s (one that
    ran out and was taken by another sender is theirs now); unsent messages back to the
    queue as if never claimed."""
    for outcome in outcomes:
        fields = {"claimed_by": None, "claimed_until": None, **outcome.fields}
        names = ", ".join(f"{name} = ?" for name in fields)
        db.execute(f"UPDATE outbox SET {names} WHERE id = ? AND claimed_by = ?",
                   [*fields.values(), outcome.id, worker])
    if unsent:
        db.execute("UPDATE outbox SET state = ?, claimed_by = NULL, claimed_until = NULL,"
                   f" attempts = attempts - 1 WHERE id IN ({', '.join('?' for _ in unsent)})"
                   " AND claimed_by = ? AND state = ?", [QUEUED, *unsent, worker, SENDING])


def _finish(db: Database, id_: int, worker: str, **fields) -> bool:
    """Store the outcome of a claimed message at once, if the claim is still ours."""
    fields = {"claimed_by": None, "claimed_until": None, **fields}
    names = ", ".join(f"{name} = ?" for name in fields)
    with database.transaction(db):
        return db.execute(f"UPDATE outbox SET {names} WHERE id = ? AND claimed_by = ?",
                          [*fields.values(), id_, worker]).rowcount == 1


def deliver(db: Database, gateway, message: Message, worker: str, now: datetime,
            status_callback: str | None = None, public_url: str = "") -> str:
    """Send one claimed message and store how it went at once; returns its state."""
    outcome = attempt(gateway, message, now, status_callback, public_url)
    with database.transaction(db):
        _store(db, worker, [outcome])
    return outcome.state


def attempt(gateway, message: Message, now: datetime, status_callback: str | None = None,
            public_url: str = "") -> Outcome:
    """Send one claimed message (look it up first if it may have arrived), or place its
    call; what to store is returned, not written (the sender writes a batch at once)."""
    try:
        if message.kind == CALL:
            sid = _place(gateway, message, public_url)
        else:
            sid = None
            if message.uncertain:
                sid = gateway.find_sms(message.to, message.body,
                                       message.created_at - LOOKUP_SKEW)
                if sid is not None:
                    log.info("Outbox %d: found at Twilio, not sent again", message.id)
            if sid is None:
                sid = gateway.send_sms(message.to, message.body, status_callback)
    except GatewayError as error:
        return _failed(message, now, error)
    log.info("Outbox %d: %s after %d attempt(s)", message.id,
             "call placed" if message.kind == CALL else "sent", message.attempts)
    return Outcome(message.id, SENT, {"state": SENT, "message_sid": sid,
                                      "sent_at": clock.utc_text(now), "uncertain": 0,
                                      "error_kind": None, "reason": None}, message.kind)


def _place(gateway, message: Message, public_url: str) -> str:
    """Place one claimed call; Twilio then fetches its answer URL like any webhook."""
    call = json.loads(message.body)
    base = public_url.rstrip("/") or "http://localhost"
    if message.uncertain:
        sid = gateway.find_call(message.to, message.created_at - LOOKUP_SKEW)
        if sid is not None:
            log.info("Outbox %d: call found at Twilio, not placed again", message.id)
            return sid
    return gateway.place_call(message.to, base + call["answer"], base + call["status"],
                              call.get("amd"))


def _failed(message: Message, now: datetime, error: GatewayError) -> Outcome:
    # A 429 (too many requests at once) holds back every request still to start.
    slow_down = 0.0
    if error.kind == RATE_LIMITED:
        slow_down = min(RATE_LIMIT_PAUSE_MAX_S, RATE_LIMIT_PAUSE_S if error.retry_after_s is None
                        else error.retry_after_s)
    if not error.retryable:
        log.warning("Outbox %d: refused, not retried (%s)", message.id, error.reason)
        return Outcome(message.id, FAILED, {"state": FAILED, "error_kind": error.kind,
                                            "error_code": error.code, "reason": error.reason},
                       message.kind)
    if now - message.created_at > GIVE_UP_AFTER:
        log.warning("Outbox %d: given up after %d attempts", message.id, message.attempts)
        return Outcome(message.id, FAILED, {
            "state": FAILED, "error_kind": error.kind, "error_code": error.code,
            "reason": f"gave up after {message.attempts} attempts ({error.reason})"},
            message.kind, slow_down)
    # Only a request that surely never reached Twilio leaves the message certain.
    uncertain = message.uncertain or (error.reached is not False and error.kind != RATE_LIMITED)
    wait = backoff_s(message.attempts, error)
    log.info("Outbox %d: %s, next try in %.0f s", message.id, error.reason, wait)
    return Outcome(message.id, QUEUED, {
        "state": QUEUED, "uncertain": int(uncertain), "error_kind": error.kind,
        "error_code": error.code, "reason": error.reason,
        "next_attempt_at": clock.utc_text(now + timedelta(seconds=wait))},
        message.kind, slow_down)


HOOKS = "hotline.outbox_before_round"


def before_each_round(app: Flask, hook) -> None:
    """Run `hook(db, now)` before each round of sending (the sender holds the lease), and
    again whenever the queue runs dry within a round: how scheduled messages (reminders.py,
    callbacks that dial themselves) get into the outbox when they are due. A hook returns
    how many it queued (a number > 0 keeps the round going)."""
    app.extensions.setdefault(HOOKS, []).append(hook)


def _before_round(app: Flask, db: Database, now: datetime) -> int:
    queued = 0
    for hook in app.extensions.get(HOOKS, ()):
        try:
            queued += hook(db, now) or 0
        except Exception:  # noqa: BLE001 - a failing hook must not stop the SMS already queued
            log.exception("Outbox: a hook before the round failed")
    return queued


def _fill(app: Flask, db: Database, now: datetime, size: int) -> int:
    """The queue ran dry: let the hooks queue what came due, chunk after chunk (each a
    short transaction of its own), until a batch's worth is there or they have no more."""
    queued = 0
    while queued < size:
        more = _before_round(app, db, now)
        if not more:
            break
        queued += more
    return queued


class Pace:
    """At most `rate` requests start a second, with a burst of one second's worth: a token
    bucket on the monotonic clock (a rate of 0 means no limit), which waits for tokens at
    least PACE_TICK_S at a time. A 429 from Twilio pauses it (`pause`): then nothing
    starts until Twilio's Retry-After has passed, whichever request it answered."""

    def __init__(self, rate: float, sleep=None, monotonic=time.monotonic):
        self.rate = float(rate)
        self.monotonic = monotonic
        # Requests finish in other threads: a pause wakes a sender sleeping for its token.
        self._changed = threading.Condition()
        self.sleep = sleep or self._changed.wait
        self.tokens = max(1.0, self.rate)
        self.at = monotonic()
        self.resume_at = float("-inf")

    def wait(self) -> bool:
        """Return when the next request may start (True), or as soon as a pause is on
        (False: nothing may start now; `paused()` says for how long)."""
        with self._changed:
            if self._paused():
                return False
            if self.rate <= 0:
                return True
            self._refill()
            if self.tokens < 1:
                self.sleep(max((1 - self.tokens) / self.rate, PACE_TICK_S))
                if self._paused():
                    return False
                # A sleep lasts longer than asked (a few tenths of a millisecond): what it
                # overran counts towards the next request, or the pace falls short of the
                # rate (measured: 230 a second where 250 were allowed).
                self._refill()
            self.tokens -= 1
            return True

    def pause(self, seconds: float) -> None:
        """Let nothing start for `seconds` (from any thread); afterwards the pace starts
        again from one request, not with a second's burst."""
        with self._changed:
            self.resume_at = max(self.resume_at, self.monotonic() + seconds)
            self.tokens, self.at = 1.0, self.resume_at
            self._changed.notify_all()

    def paused(self) -> float:
        """Seconds until requests may start again (0: they may now)."""
        with self._changed:
            return self._paused()

    def _paused(self) -> float:
        return max(0.0, self.resume_at - self.monotonic())

    def _refill(self) -> None:
        now = self.monotonic()
        self.tokens = min(max(1.0, self.rate), self.tokens + (now - self.at) * self.rate)
        self.at = now


def parallel_for(config) -> int:
    """How many requests the sender keeps in flight at most: HOTLINE_OUTBOX_PARALLEL, or
    by default what the rate needs at Twilio's slower answers (rate x TYPICAL_LATENCY_S,
    rounded up: 3 at the default 10 a second, 75 at 250)."""
    parallel = int(config.get("HOTLINE_OUTBOX_PARALLEL", 0) or 0)
    if parallel > 0:
        return parallel
    rate = float(config.get("HOTLINE_OUTBOX_RATE", 0) or 0)
    return max(1, math.ceil(rate * TYPICAL_LATENCY_S)) if rate > 0 else PARALLEL_UNPACED


class Flight:
    """The sender's requests under way, each in a thread of a small pool (a request waits
    on Twilio, and its I/O releases the interpreter lock), at most `parallel` at once.
    What they came to is kept here until the sender stores it with its next write; a 429
    pauses the pace for every request still to start."""

    def __init__(self, app: Flask, parallel: int, pace: Pace, send: Callable[..., Outcome]):
        self.app, self.pace, self.send = app, pace, send
        self.parallel = parallel
        self.running = 0  # slots taken
        self._changed = threading.Condition()
        # Each request thread works in the app's context (its clock) from its start: one
        # pushed and popped per request was a twentieth of a request's CPU (measured).
        self._pool = ThreadPoolExecutor(parallel, thread_name_prefix="outbox-request",
                                        initializer=lambda: app.app_context().push())
        self._finished: list[tuple[Message, Outcome, float]] = []

    def room(self, timeout: float) -> int:
        """How many more requests may start, waiting up to `timeout` seconds for one."""
        with self._changed:
            self._changed.wait_for(lambda: self.running < self.parallel, max(0.0, timeout))
            return self.parallel - self.running

    def slot(self, timeout: float) -> bool:
        """Take room for one more request, waiting up to `timeout` seconds for it (none
        once the time is up)."""
        if timeout <= 0:
            return False
        with self._changed:
            if not self._changed.wait_for(lambda: self.running < self.parallel, timeout):
                return False
            self.running += 1
            return True

    def free(self) -> None:
        """Give back a slot taken for a request that did not start after all."""
        with self._changed:
            self.running -= 1
            self._changed.notify_all()

    def start(self, message: Message, now: datetime) -> None:
        """Send `message` in the pool (its slot taken)."""
        self._pool.submit(self._run, message, now)

    def _run(self, message: Message, now: datetime) -> None:
        began = time.monotonic()
        outcome = None
        try:
            outcome = self.send(message, now)
        except Exception:  # noqa: BLE001 - a bug: the claim runs out, it comes back uncertain
            log.exception("Outbox %d: sending failed unexpectedly", message.id)
        finally:
            if outcome is not None and outcome.slow_down_s:
                log.info("Outbox: Twilio answered 429; nothing starts for %.1f s",
                         outcome.slow_down_s)
                self.pace.pause(outcome.slow_down_s)
            with self._changed:
                if outcome is not None:
                    self._finished.append((message, outcome, time.monotonic() - began))
                self.running -= 1
                self._changed.notify_all()

    def take(self) -> list[tuple[Message, Outcome, float]]:
        """The requests finished since the last take: (message, outcome, seconds it took)."""
        with self._changed:
            finished, self._finished = self._finished, []
        return finished

    def close(self) -> None:
        """Wait for every request under way (each ends within the gateway's timeouts)."""
        self._pool.shutdown(wait=True)


def send_batches(app: Flask, db: Database, worker: str, pace: Pace,
                 stopping: Callable[[], bool] = lambda: False, lease: bool = False,
                 limit: int | None = None) -> tuple[int, bool]:
    """Send what is due, a batch per write transaction (claim_batch), until the queue and
    the hooks have nothing more, `stopping()` says so, a 429 paused the pace or `limit`
    messages were begun. With `lease`, the lease is renewed about once a second and losing
    it ends the round. Returns (messages begun, lease still held).

    Up to HOTLINE_OUTBOX_PARALLEL requests are under way at once (`Flight`), started in
    the batch's order (what a caller waits for first) at the pace. A batch is claimed
    once there is room for a request, while the last batch's requests may still be out;
    each claim stores what has finished since. A crash
    between a request and that write leaves its message claimed: when the claim runs out
    it comes back uncertain and is looked up at Twilio before it is sent again (as for a
    sender killed mid-send). A call is stored as soon as it is placed: Twilio may fetch
    its answer URL within a second."""
    gateway = app.extensions["hotline.gateway"]
    callback = status_callback_url(app.config)
    public = app.config.get("HOTLINE_PUBLIC_URL", "")
    parallel = parallel_for(app.config)
    gateway.keep_connections(parallel)
    flight = Flight(app, parallel, pace, lambda message, now: attempt(
        gateway, message, now, callback, public))
    outcomes: list[Outcome] = []
    waiting: list[Message] = []  # claimed, not begun
    done, per_message_s, renewed = 0, 0.0, time.monotonic()

    def finished() -> list[Outcome]:
        nonlocal per_message_s
        found = flight.take()
        for _, _, took in found:
            per_message_s = took if not per_message_s else 0.8 * per_message_s + 0.2 * took
        return [outcome for _, outcome, _ in found]

    try:
        while not stopping() and (limit is None or done < limit) and not pace.paused():
            room = flight.room(LEASE_RENEW_S)
            outcomes += finished()
            now = clock.now()
            renew = lease and time.monotonic() - renewed >= LEASE_RENEW_S
            # What the pace lets through in a batch's time and what Twilio answers in it
            # (`parallel` requests a round trip); claimed once one of them can start.
            size = batch_size(pace.rate, per_message_s / parallel)
            if limit is not None:
                size = min(size, limit - done)
            if not room and not (outcomes or renew):
                continue  # every request still out (Twilio is slow): wait on
            batch = claim_batch(db, worker, now, size, outcomes, [m.id for m in waiting],
                                renew)
            outcomes, waiting = [], []
            if batch is None:
                return done, False  # another sender holds the lease now
            if renew:
                renewed = time.monotonic()
            if not room:
                continue  # stored what finished, renewed the lease: no room to send yet
            if not batch:
                if _fill(app, db, now, size):
                    continue  # more came due (reminders in chunks): keep sending
                break
            waiting = list(batch)
            began = time.monotonic()
            while waiting and not stopping():
                if not flight.slot(BATCH_S - (time.monotonic() - began)):
                    break  # all requests still out: the rest go back with the next claim
                if not pace.wait():
                    flight.free()
                    break  # a 429: nothing starts until its Retry-After has passed
                flight.start(waiting.pop(0), clock.now())
                done += 1
                outcomes += finished()
                if any(outcome.kind == CALL for outcome in outcomes):
                    with database.transaction(db):
                        _store(db, worker, outcomes)
                    outcomes = []
    finally:
        flight.close()
        outcomes += finished()
        if outcomes or waiting:
            with database.transaction(db):
                _store(db, worker, outcomes, [m.id for m in waiting])
    return done, True


def deliver_due(app: Flask, worker: str | None = None, limit: int = 100) -> int:
    """Send what is due now (without the lease); returns how many were worked on."""
    worker = worker or f"once-{uuid.uuid4().hex[:8]}"
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        with app.app_context():
            _before_round(app, db, clock.now())
            done, _ = send_batches(app, db, worker, Pace(app.config.get("HOTLINE_OUTBOX_RATE", 0)),
                                   limit=limit)
    finally:
        db.conn.close()
    return done


def status_callback_url(config) -> str | None:
    """Where Twilio reports delivery (only with a public URL it can reach)."""
    public = config.get("HOTLINE_PUBLIC_URL", "").rstrip("/")
    return f"{public}/sms/status" if public else None


# ---------------------------------------------------------------------------- who sends


def take_lease(db: Database, holder: str, now: datetime, lease_s: float = LEASE_S,
               replaces: str | None = None) -> bool:
    """Take or renew the sender's lease; True while `holder` is the one sender. A lease
    held by `replaces` (a sender known to be dead) is taken at once."""
    held = lease_holder(db)
    if held is not None and held[0] not in (holder, replaces) and held[1] >= clock.utc_text(now):
        return False  # another sender's lease runs: no write for the senders that wait
    with database.transaction(db):
        return _renew_lease(db, holder, now, lease_s, replaces)


def _renew_lease(db: Database, holder: str, now: datetime, lease_s: float,
                 replaces: str | None = None) -> bool:
    db.execute("INSERT INTO outbox_lease (name, holder, until) VALUES (?, ?, ?)"
               " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
               " until = excluded.until WHERE outbox_lease.holder = excluded.holder"
               " OR outbox_lease.until < ? OR outbox_lease.holder = ?",
               [LEASE_NAME, holder, clock.utc_text(now + timedelta(seconds=lease_s)),
                clock.utc_text(now), replaces or holder])
    row = db.execute("SELECT holder FROM outbox_lease WHERE name = ?", [LEASE_NAME]).fetchone()
    return row is not None and row[0] == holder


def lease_holder(db: Database) -> tuple[str, str] | None:
    """(holder, until) of the sender's lease, if any."""
    row = db.execute("SELECT holder, until FROM outbox_lease WHERE name = ?",
                     [LEASE_NAME]).fetchone()
    return (row[0], row[1]) if row else None


def release_lease(db: Database, holder: str) -> None:
    with database.transaction(db):
        db.execute("DELETE FROM outbox_lease WHERE name = ? AND holder = ?", [LEASE_NAME, holder])


class Sender:
    """Sends the outbox in a thread of its own while it holds the lease: in the sender
    process under gunicorn (outbox_process.py), `flask outbox`, or `flask run`."""

    def __init__(self, app: Flask, name: str | None = None, poll_s: float = POLL_S,
                 replaces: str | None = None):
        self.app = app
        self.name = name or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.poll_s = poll_s
        self.replaces = replaces  # a dead sender whose lease need not run out first
        self.holding = False
        self.pace = Pace(app.config.get("HOTLINE_OUTBOX_RATE", 0))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"outbox-{self.name}",
                                        daemon=True)

    def start(self) -> Sender:
        self._thread.start()
        return self

    def stop(self, release: bool = True, timeout: float = 30) -> None:
        """Stop after the current message; `release=False` leaves the lease to run out,
        as a sender that died would."""
        self._stop.set()
        self._thread.join(timeout)
        if release and self.holding:
            db = database.connect(self.app.config["HOTLINE_DATABASE"])
            try:
                release_lease(db, self.name)
            finally:
                db.conn.close()
        self.holding = False

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        # Its commits leave checkpoints to the checkpoint thread: a commit that checkpoints
        # holds the writers' gate for an fsync, and webhooks queue behind it.
        db = database.leave_checkpoints(database.connect(self.app.config["HOTLINE_DATABASE"]))
        try:
            while not self._stop.is_set():
                try:
                    self._round(db)
                except Exception:  # noqa: BLE001 - the sender must outlive any one failure
                    log.exception("Outbox sender %s: round failed", self.name)
                self._stop.wait(self.poll_s)
        finally:
            db.conn.close()

    def _round(self, db: Database) -> None:
        with self.app.app_context():
            self.holding = take_lease(db, self.name, clock.now(), replaces=self.replaces)
            if not self.holding:
                return
            self.replaces = None
            _before_round(self.app, db, clock.now())
            _, self.holding = send_batches(self.app, db, self.name, self.pace,
                                           self._stop.is_set, lease=True)


def start_sender(app: Flask) -> Sender | None:
    """Start this process's sender thread (`flask run`: the development server)."""
    if not app.config.get("HOTLINE_OUTBOX_THREAD", True):
        return None
    if "hotline.outbox_sender" in app.extensions:
        return app.extensions["hotline.outbox_sender"]
    sender = Sender(app).start()
    app.extensions["hotline.outbox_sender"] = sender
    log.info("Outbox sender thread started; it sends while it holds the lease")
    return sender


def status(db: Database) -> dict:
    """What an operator watches: messages by state, the oldest waiting one, the lease."""
    oldest = db.execute("SELECT MIN(created_at) FROM outbox WHERE state IN (?, ?)",
                        [QUEUED, SENDING]).fetchone()[0]
    holder = lease_holder(db)
    return {"states": counts(db), "oldest_waiting": oldest,
            "lease": {"holder": holder[0], "until": holder[1]} if holder else None}


@click.command("outbox")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@click.option("--status", "show", is_flag=True, help="Show the queue and who sends, then stop.")
@with_appcontext
def outbox_command(once: bool, show: bool):
    """Send queued SMS (in the foreground; make serve's workers do this in a thread)."""
    app = current_app._get_current_object()
    if show:
        db = database.connect(app.config["HOTLINE_DATABASE"])
        try:
            found = status(db)
        finally:
            db.conn.close()
        states = ", ".join(f"{n} {state}" for state, n in sorted(found["states"].items()))
        click.echo(f"Messages: {states or 'none'}")
        click.echo(f"Oldest waiting since: {found['oldest_waiting'] or '-'}")
        lease = found["lease"]
        click.echo(f"Sender: {lease['holder']} (lease until {lease['until']})" if lease
                   else "Sender: none holds the lease")
        return
    if once:
        click.echo(f"Worked on {deliver_due(app)} queued messages.")
        return
    sender = Sender(app).start()
    click.echo(f"Outbox sender {sender.name} running; Ctrl-C stops it.")
    try:
        while sender.alive:
            sender._thread.join(1.0)
    except KeyboardInterrupt:
        sender.stop()


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_command)
