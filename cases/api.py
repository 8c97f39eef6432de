"""`POST /api/cases`: upstream systems push customers' case changes, with a bearer token.

Body: one record (as in `cases.model`) or a list of them. Each record is merged into
the stored customer: the fields it has replace the stored ones, the others stay. The
whole request is stored or, with any bad record, nothing of it. The answer lists per
record "created", "updated" or "unchanged", so a retry of the same push is harmless.

Without HOTLINE_CASES_API_TOKEN the API does not exist (404).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, current_app, jsonify, request

import db as database

from . import store
from .model import InvalidRecordError, customer_number, parse_record
from .settings import now

log = logging.getLogger(__name__)

bp = Blueprint("cases_api", __name__, url_prefix="/api")

MAX_RECORDS = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024


def _authorised() -> bool:
    expected = current_app.config.get("HOTLINE_CASES_API_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    # Constant time: how much of a guessed token was right must not show in the timing.
    return hmac.compare_digest(token.strip().encode(), expected.encode())


@bp.post("/cases")
def push_cases():
    """Store one or more customers' records; answer per record what changed."""
    if not current_app.config.get("HOTLINE_CASES_API_TOKEN"):
        return jsonify(error="not found"), 404
    if not _authorised():
        response = jsonify(error="missing or wrong bearer token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="cases"'
        return response, 401
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return jsonify(error="request too large"), 413
    body = request.get_json(silent=True)
    if body is None:
        return jsonify(error="the body must be JSON (Content-Type: application/json)"), 400
    records = body if isinstance(body, list) else [body]
    if not records or len(records) > MAX_RECORDS:
        return jsonify(error=f"send 1 to {MAX_RECORDS} records"), 400
    db = database.get_db()
    moment = now()
    with database.transaction(db):
        customers, errors = [], []
        for index, record in enumerate(records):
            try:
                number = customer_number((record or {}).get("customer_number") or "")
                merged = parse_record(record, store.get_customer(db, number),
                                      today=moment.date())
            except (InvalidRecordError, AttributeError, ValueError) as error:
                errors.append({"index": index, "error": _reason(error)})
                continue
            customers.append(merged)
        if errors:
            # Nothing is stored: a push is one change upstream, not a partial one.
            return jsonify(errors=errors), 422
        results = [{"customer_number": c.customer_number,
                    "result": store.save_customer(db, c, moment)} for c in customers]
    changed = sum(r["result"] != store.UNCHANGED for r in results)
    log.info("Cases pushed: %d records, %d changed", len(results), changed)
    return jsonify(results=results, changed=changed)


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidRecordError):
        return str(error)
    if isinstance(error, AttributeError):
        return "a record must be an object"
    return "customer_number: wrong length or pattern (like 123D456789 or 12345BG0012345)"
