"""The call record: calls, their turns and the webhook replies already sent (tables owned by ivr).

Every turn is written here as it happens; supervisors' statistics are computed from
these rows. Times are stored in UTC as ISO 8601 strings.
"""

import json

from sqlite_utils import Database

import clock
import keyed
from conversation import CallState, Heard, Turn, achieve

REPEAT_DAYS = 7  # a caller who calls again within this many days is a repeat caller

# Twilio's statuses that end a call.
FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


def utcnow() -> str:
    return clock.utc_text()


def migrate(db: Database) -> None:
    """Create the tables if they are missing; add columns as later versions need them."""
    if "calls" not in db.table_names():
        db["calls"].create(
            {
                "call_sid": str,
                "started_at": str,
                "updated_at": str,
                "ended_at": str,
                "from_number": str,
                "to_number": str,
                "lang": str,
                "step": str,
                "intent": str,
                "outcome": str,
                "status": str,
                "duration_s": int,
                "turns": int,
                "emergency": int,
                "state": str,
            },
            pk="call_sid",
            not_null={"started_at", "updated_at"},
        )
        db["calls"].create_index(["started_at"])
    # Added for status answers (cases): whether the caller's identity was checked on this
    # call, and whose customer number it is; also on databases created before.
    calls = db["calls"].columns_dict
    if "verified" not in calls:
        db["calls"].add_column("verified", int)
    if "customer_number" not in calls:
        db["calls"].add_column("customer_number", str)
    # A keyed pseudonym of the caller's number (keyed.digest "caller"), for repeat
    # callers within 7 days in the statistics; purged with the number.
    if "caller_key" not in calls:
        db["calls"].add_column("caller_key", str)
    # Whether the same caller called again within 7 days: written when purging removes
    # the pseudonym, so that the repeat figures stay what they were (1, 0; else NULL).
    if "called_again" not in calls:
        db["calls"].add_column("called_again", int)
    db.execute("CREATE INDEX IF NOT EXISTS calls_caller_key ON calls (caller_key, started_at)"
               " WHERE caller_key IS NOT NULL")
    if "turns" not in db.table_names():
        db["turns"].create(
            {
                "id": int,
                "call_sid": str,
                "turn": int,
                "at": str,
                "speech": str,
                "digits": str,
                "confidence": float,
                "intent": str,
                "score": float,
                "evidence": str,
                "event": str,
                "said": str,
            },
            pk="id",
            foreign_keys=[("call_sid", "calls", "call_sid")],
        )
        db["turns"].create_index(["call_sid", "turn"], unique=True)
    if "voicemails" not in db.table_names():
        db["voicemails"].create(
            {"id": int, "call_sid": str, "at": str, "recording_sid": str, "recording_url": str,
             "duration_s": int, "transcript": str},
            pk="id",
        )
        db["voicemails"].create_index(["call_sid"])
    # What each turn answered (its TwiML), so that a Twilio retry of the same request gets
    # the same answer and a webhook that comes back late gets the current question. The
    # reply sits in a table of its own, keyed by the turn row's id, appended in order: the
    # turns table stays small for the statistics that scan it, and a turn's commit writes
    # about four pages instead of eight (a table keyed by request hash, with an index by
    # call, cost each turn two more randomly placed pages and a third of its commit time).
    if "reply_key" not in db["turns"].columns_dict:
        db["turns"].add_column("reply_key", str)
    if "turn_replies" not in db.table_names():
        db["turn_replies"].create({"turn_id": int, "body": str}, pk="turn_id",
                                  not_null={"body"})
    if "webhook_replies" in db.table_names():
        _move_old_replies(db)


MIGRATIONS = [migrate]  # this module's schema steps, numbered from 1 (db.migrate)


def _move_old_replies(db: Database) -> None:
    """Replies stored by earlier versions: each turn of a call still under way gets the
    first reply stored at or after it (a reply was written right after its turn); turns
    stamped in the same millisecond take the replies of that moment in order. The table
    goes. Replies of ended calls are never asked for again."""
    under_way = [row[0] for row in db.execute(
        "SELECT call_sid FROM calls WHERE ended_at IS NULL").fetchall()]
    for call_sid in under_way:
        replies = db.execute("SELECT key, at FROM webhook_replies WHERE call_sid = ?"
                             " ORDER BY at, rowid", [call_sid]).fetchall()
        taken = 0
        for turn_id, at in db.execute("SELECT id, at FROM turns WHERE call_sid = ?"
                                      " ORDER BY at, turn", [call_sid]).fetchall():
            while taken < len(replies) and replies[taken][1] < at:
                taken += 1
            if taken == len(replies):
                break
            db.execute("UPDATE turns SET reply_key = ? WHERE id = ?", [replies[taken][0], turn_id])
            taken += 1
    db.execute(
        "INSERT OR REPLACE INTO turn_replies (turn_id, body)"
        " SELECT t.id, r.body FROM turns t JOIN webhook_replies r ON r.key = t.reply_key")
    db.execute("DROP TABLE webhook_replies")


def request_key(path: str, form: dict) -> str:
    """Identifies one webhook request: a Twilio retry of it has the same key.

    Keyed (HOTLINE_HASH_KEY): a plain hash of a form with `Digits=03051980` gave the date
    of birth back to anyone who tried every date (0.32 s).
    """
    # Each part prefixed with its length: no two different requests join to the same text.
    payload = [f"{len(path)}:{path}"]
    for name, value in sorted(form.items()):
        payload.append(f"{len(name)}:{name}{len(value)}:{value}")
    return keyed.digest("webhook-request", "".join(payload))


# Keys pressed are kept in the turn log only as menu answers (one or two keys); anything
# longer is a number (a customer number, a date of birth after a lockout, a phone number)
# and is logged as this mark.
MAX_LOGGED_KEYS = 2
KEYS_MARK = "…"


def logged_keys(digits: str) -> str | None:
    if not digits:
        return None
    return digits if len(digits) <= MAX_LOGGED_KEYS else KEYS_MARK


def cached_reply(db: Database, call_sid: str, key: str) -> str | None:
    """What was answered to this very request before (a Twilio retry), if anything."""
    row = db.execute(
        "SELECT r.body FROM turns t JOIN turn_replies r ON r.turn_id = t.id"
        " WHERE t.call_sid = ? AND t.reply_key = ?", [call_sid, key]).fetchone()
    return row[0] if row else None


def latest_reply(db: Database, call_sid: str) -> str | None:
    """The call's last answer: the question it is waiting on now."""
    # Turn numbers only grow within a call, so the highest is the latest.
    row = db.execute(
        "SELECT r.body FROM turns t JOIN turn_replies r ON r.turn_id = t.id"
        " WHERE t.call_sid = ? ORDER BY t.turn DESC LIMIT 1", [call_sid]).fetchone()
    return row[0] if row else None


def load_state(db: Database, call_sid: str) -> CallState | None:
    text = load_state_text(db, call_sid)
    return parse_state(text) if text is not None else None


def load_state_text(db: Database, call_sid: str) -> str | None:
    """The call's state as stored (JSON), or None for a call not yet under way.

    Comparing this text is how a turn prepared outside the write lock checks, under
    it, that nobody moved the call on meanwhile.
    """
    row = db.execute("SELECT state FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    return row[0] if row is not None and row[0] else None


def parse_state(text: str) -> CallState:
    return CallState.from_dict(json.loads(text))


def state_text(state: CallState) -> str:
    """The state as stored: JSON, umlauts as they are."""
    return _STATE_JSON(state.to_dict())


# json.dumps with an option builds a new encoder on every call (a third of its cost).
_STATE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def caller_number(db: Database, call_sid: str) -> str | None:
    row = db.execute("SELECT from_number FROM calls WHERE call_sid = ?", [call_sid]).fetchone()
    return row[0] if row and row[0] else None


def mark_verified(db: Database, call_sid: str, customer_number: str) -> None:
    """The caller proved to be this customer (number and birth date matched)."""
    db.execute("UPDATE calls SET verified = 1, customer_number = ?, updated_at = ?"
               " WHERE call_sid = ?", [customer_number, utcnow(), call_sid])


def verified_customer(db: Database, call_sid: str) -> str | None:
    """The customer number the caller proved on this call, or None."""
    row = db.execute("SELECT verified, customer_number FROM calls WHERE call_sid = ?",
                     [call_sid]).fetchone()
    return row[1] if row and row[0] and row[1] else None


def open_call(db: Database, call_sid: str, from_number: str, to_number: str,
              caller_key: str | None = None) -> None:
    """Create the call's row if this is the first we hear of it.

    `caller_key`: the keyed pseudonym of a caller id that is not withheld (`caller_key`).
    """
    # Plain SQL on the webhook path: sqlite-utils' insert and update read the table's
    # schema first, which made them most of a turn's database time.
    now = utcnow()
    db.execute(
        "INSERT INTO calls (call_sid, started_at, updated_at, from_number, to_number,"
        " turns, emergency, caller_key) VALUES (?, ?, ?, ?, ?, 0, 0, ?) ON CONFLICT DO NOTHING",
        [call_sid, now, now, from_number, to_number, caller_key])


def caller_key(number: str, key: str | None = None) -> str:
    """The caller's pseudonym: the same for every call from one number, and no way back
    to the number without HOTLINE_HASH_KEY."""
    return keyed.digest("caller", number, key)


def record_turn(db: Database, call_sid: str, heard: Heard, turn: Turn, said: str,
                reply: tuple[str, str] | None = None, if_state: str | None = None) -> bool:
    """Save the new state and one row for what was heard and what the hotline did.

    ``reply`` is the request's key and the TwiML answered to it (see `cached_reply`).
    With ``if_state``, only if the call's stored state is still that text (what the turn
    was worked out from); otherwise nothing is written and the answer is False.
    """
    state = turn.state
    now = utcnow()
    update = (
        "UPDATE calls SET updated_at = ?, lang = ?, step = ?, intent = ?, outcome = ?,"
        " turns = ?, emergency = ?, state = ? WHERE call_sid = ?")
    values = [now, state.lang, state.step, state.intent, state.outcome, state.turn,
              int(state.emergency), state_text(state), call_sid]
    if if_state is not None:
        update += " AND state = ?"
        values.append(if_state)
    if db.execute(update, values).rowcount == 0 and if_state is not None:
        return False
    _write_turn(db, call_sid, heard, turn, said, reply, now)
    return True


def open_call_with_turn(db: Database, call_sid: str, from_number: str, to_number: str,
                        caller_key: str | None, heard: Heard, turn: Turn, said: str,
                        reply: tuple[str, str]) -> bool:
    """`open_call` and then `record_turn` of the call's first answer (the greeting), with
    the call's row written with its state at once: two statements fewer, on one call in
    five webhooks. False, and nothing written, if the call is under way already (its
    state stored); a row without state (a status callback came first) is taken on."""
    state = turn.state
    now = utcnow()
    opened = db.execute(
        "INSERT INTO calls (call_sid, started_at, updated_at, from_number, to_number, lang,"
        " step, intent, outcome, turns, emergency, state, caller_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (call_sid) DO UPDATE SET updated_at = excluded.updated_at,"
        " lang = excluded.lang, step = excluded.step, intent = excluded.intent,"
        " outcome = excluded.outcome, turns = excluded.turns, emergency = excluded.emergency,"
        " state = excluded.state WHERE calls.state IS NULL OR calls.state = ''",
        [call_sid, now, now, from_number, to_number, state.lang, state.step, state.intent,
         state.outcome, state.turn, int(state.emergency), state_text(state), caller_key])
    if opened.rowcount == 0:
        return False
    _write_turn(db, call_sid, heard, turn, said, reply, now)
    return True


def _write_turn(db: Database, call_sid: str, heard: Heard, turn: Turn, said: str,
                reply: tuple[str, str] | None, now: str) -> None:
    """The turn's row and its reply (`record_turn`)."""
    state = turn.state
    recognition = turn.recognition
    # A turn written again (its number the same) replaces what was written first.
    db.execute(
        "INSERT INTO turns (call_sid, turn, at, speech, digits, confidence, intent,"
        " score, evidence, event, said, reply_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (call_sid, turn) DO UPDATE SET at = excluded.at, speech = excluded.speech,"
        " digits = excluded.digits, confidence = excluded.confidence, intent = excluded.intent,"
        " score = excluded.score, evidence = excluded.evidence, event = excluded.event,"
        " said = excluded.said, reply_key = excluded.reply_key",
        [call_sid, state.turn, now, None if turn.private else heard.speech or None,
         None if turn.private else logged_keys(heard.digits),
         heard.confidence, recognition.intent if recognition else state.intent,
         recognition.score if recognition else None,
         None if turn.private else recognition.evidence if recognition else None,
         turn.event, said, reply[0] if reply else None])
    # The reply finds its turn row by the turn's key, not by a RETURNING id from the
    # upsert: SQLite builds a temporary table for every RETURNING (measured: 17k
    # instructions of the 48k that statement took), the look-up reads a page at hand.
    if reply is None:  # a turn written again without a reply keeps none of the first one's
        db.execute("DELETE FROM turn_replies WHERE turn_id = (SELECT id FROM turns"
                   " WHERE call_sid = ? AND turn = ?)", [call_sid, state.turn])
    else:
        db.execute("INSERT INTO turn_replies (turn_id, body) SELECT id, ? FROM turns"
                   " WHERE call_sid = ? AND turn = ?"
                   " ON CONFLICT (turn_id) DO UPDATE SET body = excluded.body",
                   [reply[1], call_sid, state.turn])


def close_call(db: Database, call_sid: str, status: str, duration_s: int | None) -> None:
    """Twilio says the call has ended: store how, and settle the outcome."""
    now = utcnow()
    update = ("UPDATE calls SET status = ?, ended_at = ?, updated_at = ?, duration_s = ?,"
              " outcome = COALESCE(NULLIF(outcome, ''), 'hangup') WHERE call_sid = ?")
    values = [status, now if status in FINAL_STATUSES else None, now, duration_s, call_sid]
    if db.execute(update, values).rowcount == 0:
        # A status callback for a call we never saw (lost or from another number):
        # keep a row so the statistics count it, without inventing anything else.
        open_call(db, call_sid, "", "")
        db.execute(update, values)


def call_summary(db: Database, call_sid: str) -> dict | None:
    """The call as the softphone prints it: outcome and turn by turn."""
    call = db.execute(
        "SELECT call_sid, outcome, lang, status FROM calls WHERE call_sid = ?", [call_sid]
    ).fetchone()
    if call is None:
        return None
    turns = [
        {
            "turn": t,
            "caller": speech_ or (f"#{digits}" if digits else ""),
            "intent": intent,
            "score": score,
            "event": event,
            "hotline": said,
        }
        for t, speech_, digits, intent, score, event, said in db.execute(
            "SELECT turn, speech, digits, intent, score, event, said FROM turns"
            " WHERE call_sid = ? ORDER BY turn",
            [call_sid],
        ).fetchall()
    ]
    return {
        "call_sid": call[0],
        "outcome": call[1],
        "lang": call[2],
        "status": call[3],
        "turns": turns,
        "booking": None,  # filled in by the view from the schedules package
    }


def record_error(db: Database, call_sid: str) -> str:
    """Something broke during the call and the caller was handed over; returns the language."""
    open_call(db, call_sid, "", "")
    state = load_state(db, call_sid) or CallState()
    state.step = "agent"
    achieve(state, "agent")
    now = utcnow()
    # Replaces whatever the turn of that number had recorded, as a whole row.
    db.execute("DELETE FROM turn_replies WHERE turn_id IN (SELECT id FROM turns"
               " WHERE call_sid = ? AND turn = ?)", [call_sid, state.turn])
    db.execute("DELETE FROM turns WHERE call_sid = ? AND turn = ?", [call_sid, state.turn])
    db.execute("INSERT INTO turns (call_sid, turn, at, event, intent) VALUES (?, ?, ?, ?, ?)",
               [call_sid, state.turn, now, "agent:error", state.intent])
    db.execute("UPDATE calls SET updated_at = ?, step = ?, outcome = ?, state = ?"
               " WHERE call_sid = ?", [now, state.step, state.outcome,
                                       state_text(state), call_sid])
    return state.lang


def record_voicemail(db: Database, call_sid: str, recording_sid: str, recording_url: str,
                     duration_s: int) -> None:
    """A message the caller left; the audio stays at Twilio, we keep where it is."""
    if db.execute("SELECT 1 FROM voicemails WHERE recording_sid = ?", [recording_sid]).fetchone():
        return  # a retried webhook
    db.execute("INSERT INTO voicemails (call_sid, at, recording_sid, recording_url, duration_s)"
               " VALUES (?, ?, ?, ?, ?)",
               [call_sid, utcnow(), recording_sid, recording_url, duration_s])


# What the call state keeps after purging: how far the call got, never what was said or
# whose it was. Everything else goes (identity.number, caller_tail, request_text, last_ask
# with the sentences said, booking and callback details), and so does any key a later
# version adds, unless it is named here.
STATE_KEPT = ("lang", "step", "turn", "failures", "intent", "candidates", "last_expect",
              "outcome", "emergency", "caller_id", "mobile", "pending")


def _state_without_personal_data(text: str) -> str | None:
    try:
        state = json.loads(text)
    except ValueError:
        return None
    if not isinstance(state, dict):
        return None
    return json.dumps({k: state[k] for k in STATE_KEPT if k in state}, ensure_ascii=False)


def purge_personal_data(db: Database, before: str) -> dict:
    """Remove caller numbers and what callers said from calls that started before `before`.

    The counts, intents, scores and outcomes stay: statistics need them, and without
    the numbers and words they say nothing about a person.
    """
    old = "SELECT call_sid FROM calls WHERE started_at < ?"
    for call_sid, text in db.execute("SELECT call_sid, state FROM calls WHERE started_at < ?"
                                     " AND state IS NOT NULL", [before]).fetchall():
        kept = _state_without_personal_data(text)
        if kept != text:
            db.execute("UPDATE calls SET state = ? WHERE call_sid = ?", [kept, call_sid])
    # The pseudonym goes; whether the caller called again within 7 days (all the
    # statistics ever ask of it) stays, as a yes or no.
    db.execute(
        f"UPDATE calls SET called_again = CASE WHEN EXISTS (SELECT 1 FROM calls d"
        f" WHERE d.caller_key = calls.caller_key AND d.started_at > calls.started_at"
        f" AND julianday(d.started_at) <= julianday(calls.started_at) + {REPEAT_DAYS})"
        f" THEN 1 ELSE 0 END WHERE started_at < ? AND caller_key IS NOT NULL", [before])
    numbers = db.execute(
        "UPDATE calls SET from_number = NULL, to_number = NULL, customer_number = NULL,"
        " caller_key = NULL WHERE started_at < ?"
        " AND (from_number IS NOT NULL OR to_number IS NOT NULL OR customer_number IS NOT NULL"
        " OR caller_key IS NOT NULL)",
        [before]).rowcount
    replies = db.execute(
        f"DELETE FROM turn_replies WHERE turn_id IN (SELECT id FROM turns WHERE call_sid IN"
        f" ({old}))", [before]).rowcount
    # A turn saved twice under one number replaced its row; the first row's reply stays
    # behind with nothing pointing to it.
    replies += db.execute(
        "DELETE FROM turn_replies WHERE turn_id NOT IN (SELECT id FROM turns)").rowcount
    # The reply key is a hash of the request, what was said included: it goes too.
    words = db.execute(
        f"UPDATE turns SET speech = NULL, digits = NULL, said = NULL, evidence = NULL,"
        f" reply_key = NULL WHERE call_sid IN ({old}) AND (speech IS NOT NULL"
        f" OR digits IS NOT NULL OR said IS NOT NULL OR reply_key IS NOT NULL)",
        [before]).rowcount
    db.execute("UPDATE voicemails SET recording_url = NULL, transcript = NULL WHERE at < ?",
               [before])
    if "vosk_turns" in db.table_names():
        db.execute("UPDATE vosk_turns SET transcript = NULL WHERE call_sid IN"
                   f" ({old})", [before])
    return {"calls": numbers, "turns": words, "replies": replies}
