"""What a request carries: the app's request class, and the fields of Twilio's webhooks.

The request class: Twilio's urlencoded forms parsed directly, the rest as Flask does.

Every webhook Twilio sends is a short `application/x-www-form-urlencoded` body. Werkzeug
parses it with `parse_qsl` (here `form_pairs`, the same pairs with less work), but first
builds a form-data parser, a limited stream and the content-type options and looks the
size limits up in the app config through context proxies: measured, 105 µs a request
against 20 µs here, a tenth of what a whole webhook turn costs in process. Anything
else (multipart, a chunked body, a body over `FAST_FORM_BYTES` or over the app's
MAX_CONTENT_LENGTH, data already read with `get_data()`) goes Werkzeug's way, limits and
errors included. A chunked body has no Content-Length and goes that way too; with one,
reading that many bytes is right also where the server says it ends the stream itself
(gunicorn always does).

Every route reads at most what it needs (`BODY_LIMITS`): Twilio's forms are a few KB, the
case API takes 5 MB. The limit holds before anything is parsed, and for chunked bodies
too: a longer body is refused with 413 (a larger Content-Length at once, a chunked body
once that much was read), so nobody makes a worker hold a 100 MB form in memory.
"""

import io
import re
from io import BytesIO
from urllib.parse import unquote

from flask import Request, current_app, has_app_context
from werkzeug import urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_content_length, get_input_stream

MAX_SPEECH_CHARS = 1000  # a real utterance is far shorter; longer input is cut, not refused
MAX_DIGITS = 32
CALL_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")
NOT_A_KEY = re.compile(r"[^0-9*#]")
FAST_FORM_BYTES = 64 * 1024  # Twilio's forms are 1-3 KB; larger ones take the general path
KB = 1024
# The first path prefix that matches sets the limit; anything else gets DEFAULT_BODY_LIMIT.
BODY_LIMITS = (
    ("/api/cases", 5 * KB * KB),  # as cases.api.MAX_BODY_BYTES
    ("/voice/", 64 * KB),  # Twilio's webhooks: 1-3 KB
    ("/sms/", 64 * KB),
    ("/agent/", 64 * KB),  # the console's forms: a login, a status, an outcome
    ("/supervisor/", 16 * KB),
)
DEFAULT_BODY_LIMIT = 256 * KB
URLENCODED = "application/x-www-form-urlencoded"


class HotlineRequest(Request):
    @property
    def max_content_length(self) -> int:
        """The most this request may send: its route's limit, or one set on the request;
        MAX_CONTENT_LENGTH in the app's config, if set, caps every route."""
        if self._max_content_length is not None:
            return self._max_content_length
        path = self.path
        limit = next((each for prefix, each in BODY_LIMITS if path.startswith(prefix)),
                     DEFAULT_BODY_LIMIT)
        # The app's setting read through one context proxy, not Flask's two.
        app = current_app._get_current_object() if has_app_context() else None
        configured = app.config["MAX_CONTENT_LENGTH"] if app is not None else None
        return limit if configured is None else min(limit, configured)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self):
        """The body, read at most to the limit. Werkzeug refuses a too long Content-Length,
        but cuts a chunked body at the limit silently: parsed, that is a truncated form or
        JSON. Here one byte past the limit is a 413."""
        environ = self.environ
        limit = self.max_content_length
        if (get_content_length(environ) is None and environ.get("wsgi.input_terminated")
                and limit is not None):
            return io.BufferedReader(_Capped(environ["wsgi.input"], limit))
        return get_input_stream(environ, max_content_length=limit)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        length = self._fast_form_length()
        if length is None:
            super()._load_form_data()
            return
        body = self.environ["wsgi.input"].read(length) if length else b""
        if len(body) < length:
            raise ClientDisconnected()  # what Werkzeug's limited stream says of a short body
        try:
            items = form_pairs(body.decode())
        except ValueError:  # not UTF-8: Werkzeug's parser is silent and gives an empty form
            items = []
        d = self.__dict__
        d["stream"] = BytesIO(b"")  # consumed, as after Werkzeug's parsing
        d["form"] = self.parameter_storage_class(items)
        d["files"] = self.parameter_storage_class()

    def _fast_form_length(self) -> int | None:
        """The body's length when it is a small urlencoded form read from the socket once."""
        environ = self.environ
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.partition(";")[0].strip().lower() != URLENCODED:
            return None
        if "_cached_data" in self.__dict__:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        limit = self.max_content_length
        if not 0 <= length <= FAST_FORM_BYTES or (limit is not None and length > limit):
            return None
        return length


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a urlencoded form: what Werkzeug's parse_qsl call
    (keep_blank_values=True, errors="werkzeug.url_quote") gives, with less work per field
    (measured: 25,000 instructions, 0.8% of a webhook request, whose form has six
    fields; Twilio's real ones have about twenty)."""
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unquote(name), _unquote(value)))
    return pairs


def _unquote(text: str) -> str:
    text = text.replace("+", " ")
    return unquote(text, errors="werkzeug.url_quote") if "%" in text else text


class _Capped(io.RawIOBase):
    """A chunked body, readable up to `limit` bytes: reading one byte more raises 413."""

    def __init__(self, raw, limit: int):
        self._raw = raw
        self._left = limit + 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            raise RequestEntityTooLarge()
        view = memoryview(buffer)[: self._left]
        data = self._raw.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        if self._left <= 0:
            raise RequestEntityTooLarge()
        return len(data)


# ------------------------------------------------------------------------ webhook fields


def clean(value: str, limit: int) -> str:
    """A form field as text we can keep: no control characters, at most `limit` long."""
    return CONTROL_CHARS.sub(" ", value[: limit * 2])[:limit].strip()


def call_sid(form) -> str | None:
    """The webhook's CallSid, if it is one."""
    sid = form.get("CallSid", "")
    return sid if CALL_SID.match(sid) else None


def said(form) -> tuple[str, float | None, str]:
    """What the caller said (with the recogniser's confidence) and pressed."""
    speech = clean(form.get("SpeechResult", ""), MAX_SPEECH_CHARS)
    digits = NOT_A_KEY.sub("", form.get("Digits", ""))[:MAX_DIGITS].rstrip("#")
    try:
        confidence = float(form.get("Confidence", ""))
        if not 0.0 <= confidence <= 1.0:
            confidence = None
    except ValueError:
        confidence = None
    return speech, confidence if speech else None, digits
