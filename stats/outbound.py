"""Supervisors' figures for what the hotline does on its own: reminders and callbacks it dials.

Reminders (schedules/reminders.py), counted by the moment they were queued: sent (handed
to Twilio), delivered (the SMS arrived, or a person answered the call), not delivered
(with a mailbox, no answer or busy for calls), and what the people replied: confirmed,
cancelled, moved, asked for a call back, and unanswered (no reply); opt-outs (STOP) by
the moment they came. Callbacks the hotline dialled itself (routing/autodial.py): calls
placed, callbacks reached at the first, second and third attempt, and the time from
the request to the conversation (mean, median).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

from sqlite_utils import Database

from routing.store import parse_time, utc_text

REPLIES = ("confirmed", "cancelled", "moved", "callback")


def reminder_figures(db: Database, start: datetime, end: datetime) -> dict:
    """Reminders queued in [start, end) and what came of them."""
    rows = db.execute(
        "SELECT o.state, o.kind, b.reminder_reply FROM outbox o"
        " LEFT JOIN bookings b ON b.id = CAST(substr(o.dedupe_key, 10) AS INTEGER)"
        " WHERE o.purpose = 'reminder' AND o.created_at >= ? AND o.created_at < ?",
        [utc_text(start), utc_text(end)]).fetchall()
    sent = [r for r in rows if r[0] in ("sent", "delivered", "undelivered")]
    replies = Counter(r[2] for r in sent)
    opt_outs = db.execute("SELECT count(*) FROM bookings WHERE reminder_reply = 'stop'"
                          " AND reminder_reply_at >= ? AND reminder_reply_at < ?",
                          [utc_text(start), utc_text(end)]).fetchone()[0]
    return {
        "sent": len(sent),
        "by_sms": sum(1 for r in sent if r[1] == "sms"),
        "by_call": sum(1 for r in sent if r[1] == "call"),
        "delivered": sum(1 for r in sent if r[0] == "delivered"),
        "not_delivered": sum(1 for r in rows if r[0] in ("undelivered", "failed")),
        **{reply: replies.get(reply, 0) for reply in REPLIES},
        "unanswered": replies.get(None, 0),
        "opt_outs": opt_outs,
    }


def dialled_callback_figures(db: Database, start: datetime, end: datetime) -> dict:
    """Callbacks the hotline dialled itself: calls placed in [start, end); of the
    callbacks asked for in it, at which attempt they were reached and how long it took."""
    span = [utc_text(start), utc_text(end)]
    placed = db.execute("SELECT count(*) FROM outbox WHERE purpose = 'callback'"
                        " AND state != 'withdrawn' AND created_at >= ? AND created_at < ?",
                        span).fetchone()[0]
    at_attempt: Counter = Counter()
    waits = []
    for callback_id, created in db.execute(
            "SELECT id, created_at FROM callbacks WHERE created_at >= ? AND created_at < ?"
            " AND EXISTS (SELECT 1 FROM callback_attempts a WHERE a.callback_id = callbacks.id"
            " AND a.result = 'reached')", span).fetchall():
        results = db.execute("SELECT result, at FROM callback_attempts WHERE callback_id = ?"
                             " ORDER BY id", [callback_id]).fetchall()
        for number, (result, at) in enumerate(results, 1):
            if result == "reached":
                at_attempt[number] += 1
                waits.append((parse_time(at) - parse_time(created)).total_seconds())
                break
    return {
        "calls_placed": placed,
        "reached_first_attempt": at_attempt.get(1, 0),
        "reached_second_attempt": at_attempt.get(2, 0),
        "reached_third_attempt": at_attempt.get(3, 0),
        "reached_later": sum(n for k, n in at_attempt.items() if k > 3),
        "to_conversation_mean_s": round(sum(waits) / len(waits), 1) if waits else None,
        "to_conversation_median_s": round(statistics.median(waits), 1) if waits else None,
    }
