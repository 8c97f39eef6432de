"""`POST /api/cases`: upstream systems push customers' case changes, with a bearer token.

Body: one record (as in `cases.model`) or a list of them. Each record is merged into
the stored customer: the fields it has replace the stored ones, the others stay. The
whole request is stored or, with any bad record, nothing of it. The answer lists per
record "created", "updated" or "unchanged", so a retry of the same push is harmless.

Without HOTLINE_CASES_API_TOKEN the API does not exist (404).
"""

from __future__ import annotations

import hmac
import json
import logging

from flask import Blueprint, current_app, jsonify, request

import clock
import db as database

from . import store
from .model import InvalidRecordError, customer_number, parse_record

log = logging.getLogger(__name__)

bp = Blueprint("cases_api", __name__, url_prefix="/api")

MAX_RECORDS = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
# A record is four levels deep (list, record, applications, application); deeper JSON is
# refused before anything recurses through it (1,000 levels crashed the parser: a 500).
MAX_DEPTH = 8
MAX_ERROR_CHARS = 200  # an error names what was wrong, but echoes little of the input


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
    body = _json_body()
    if body is None:
        return jsonify(error="the body must be JSON (Content-Type: application/json), "
                             f"nested at most {MAX_DEPTH} levels deep"), 400
    records = body if isinstance(body, list) else [body]
    if not records or len(records) > MAX_RECORDS:
        return jsonify(error=f"send 1 to {MAX_RECORDS} records"), 400
    db = database.get_db()
    moment = clock.berlin()
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


def _json_body():
    """The parsed body, or None when it is not JSON or nested deeper than MAX_DEPTH."""
    if not request.is_json:
        return None
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        return None
    return body if _within_depth(body, MAX_DEPTH) else None


def _within_depth(value, levels: int) -> bool:
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return True
    if levels == 0:
        return False
    return all(_within_depth(item, levels - 1) for item in value)


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidRecordError):
        text = str(error)
        return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"
    if isinstance(error, AttributeError):
        return "a record must be an object"
    return "customer_number: wrong length or pattern (like 123D456789 or 12345BG0012345)"
