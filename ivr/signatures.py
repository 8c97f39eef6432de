"""Twilio request signatures: every voice webhook proves it comes from Twilio, or gets a 403."""

import functools
import logging

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL Twilio signed: the configured public URL, else the one this request reached.

    Behind a reverse proxy either HOTLINE_PUBLIC_URL is set, or HOTLINE_PROXY_HOPS lets
    ProxyFix restore the scheme and host Twilio used from the X-Forwarded-* headers.
    """
    public = current_app.config["HOTLINE_PUBLIC_URL"].rstrip("/")
    if not public:
        return request.url
    query = request.query_string.decode("latin-1")
    return public + request.path + (f"?{query}" if query else "")


def is_valid() -> bool:
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    algorithm = get_signature_algorithm(
        request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    return validator.validate(signed_url(), request.form, signature,
                              algorithm=algorithm)


def twilio_signed(view):
    """Refuse with 403, before anything is read or written, unless Twilio signed the request."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not current_app.config["HOTLINE_VALIDATE_SIGNATURES"]:
            log.warning("Twilio signature NOT checked for %s (validation is switched off)",
                        request.path)
        elif not is_valid():
            log.warning("Refused %s: missing or wrong X-Twilio-Signature", request.path)
            return Response("Forbidden: invalid Twilio signature\n", status=403,
                            mimetype="text/plain")
        return view(*args, **kwargs)

    return checked
