"""Settings: safe defaults, overridden by HOTLINE_* / TWILIO_* environment variables."""

import logging
import os
from datetime import datetime, time
from pathlib import Path

log = logging.getLogger(__name__)

# A public, well-known token: it lets the softphone sign requests against a development
# server. It is never used outside HOTLINE_ENV=development.
DEV_AUTH_TOKEN = "hotline-development-token-not-secret"  # noqa: S105 - public on purpose
# The same for HOTLINE_HASH_KEY in development and tests; production must set its own.
DEV_HASH_KEY = "hotline-development-hash-key-not-secret"

TRUE_WORDS = {"1", "true", "yes", "on"}


def _clock_time(value: str) -> time:
    """"17:00" -> 17:00."""
    return datetime.strptime(value.strip(), "%H:%M").time()


def _hours(value: str) -> tuple[time, time]:
    """"08:00-20:00" -> (8:00, 20:00), within one day."""
    first, _, last = value.partition("-")
    start, end = _clock_time(first), _clock_time(last)
    if not start < end:
        raise ValueError("the hours must start before they end, within one day")
    return start, end


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(value: str) -> frozenset[int]:
    """"Mon-Sat" or "Mon,Tue,Thu" or "Mon-Fri,Sat" -> the weekdays' numbers (Monday = 0)."""
    days: set[int] = set()
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"not a weekday or range of weekdays: {part!r} (e.g. Mon-Sat)")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if end < start:
            raise ValueError(f"a range of weekdays runs forward: {part!r}")
        days.update(range(start, end + 1))
    return frozenset(days)


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


# name -> (default as it would be written in the environment, parser).
# Every variable here is documented in the README.
SETTINGS = {
    "HOTLINE_ENV": ("production", str),
    "HOTLINE_DATABASE": ("", str),
    "HOTLINE_PUBLIC_URL": ("", str),
    # Other sites that may embed the web chat (/chat) in a frame: CSP frame-ancestors.
    "HOTLINE_CHAT_EMBED_FROM": ("", str),
    "HOTLINE_LANGUAGES": ("de,en", lambda v: [x.strip() for x in v.split(",") if x.strip()]),
    "HOTLINE_VALIDATE_SIGNATURES": ("1", _flag),
    "HOTLINE_PROXY_HOPS": ("0", int),
    "HOTLINE_MIN_CONFIDENCE": ("0.3", float),
    # How often (seconds) each process looks for a new version of the supervisors'
    # catalogue layer (teaching.live).
    "HOTLINE_CATALOGUE_REFRESH_S": ("5", float),
    "HOTLINE_SPEECH_TIMEOUT": ("auto", str),
    "HOTLINE_GATHER_TIMEOUT": ("6", int),
    # <Say voice> per language, over ivr/languages.toml ("-" in a code as "_").
    "HOTLINE_VOICE_DE": ("", str),
    "HOTLINE_VOICE_EN": ("", str),
    "HOTLINE_VOICE_DE_SIMPLE": ("", str),
    "HOTLINE_VOICE_UK": ("", str),
    "HOTLINE_VOICE_RU": ("", str),
    "HOTLINE_VOICE_TR": ("", str),
    "HOTLINE_VOICE_AR": ("", str),
    "HOTLINE_AGENT_QUEUE": ("hotline", str),
    "HOTLINE_SECRET_KEY": ("", str),
    # The key of the keyed hashes (keyed.py) that stand in for phone numbers, customer
    # numbers and login names where a key must stay unique: the same on every worker.
    "HOTLINE_HASH_KEY": ("", str),
    "HOTLINE_RETENTION_DAYS": ("30", int),
    # The audit log of what was told about whose case (cases.store): kept longer.
    "HOTLINE_AUDIT_RETENTION_DAYS": ("365", int),
    "HOTLINE_SCHEDULES": ("", str),
    "HOTLINE_REFERRALS": ("", str),
    "HOTLINE_METRICS_TOKEN": ("", str),
    "HOTLINE_CASES_API_TOKEN": ("", str),
    # Self-hosted speech (ivr/media.py, speech/vosk_engine.py)
    "HOTLINE_SPEECH_ENGINE": ("twilio", str),
    "VOSK_MODEL_PATH": ("", str),
    "HOTLINE_VOSK_PRELOAD": ("1", _flag),
    "HOTLINE_VOSK_MAX_STREAMS": ("4", int),
    "HOTLINE_VOSK_OVERFLOW": ("keypad", str),
    "HOTLINE_VOSK_SILENCE_MS": ("1500", int),
    "HOTLINE_VOSK_MAX_UTTERANCE_S": ("15", int),
    "HOTLINE_VOSK_MAX_LISTEN_S": ("120", int),
    "HOTLINE_VOSK_IDLE_S": ("10", int),
    "HOTLINE_VOSK_BARGE_IN": ("1", _flag),
    "HOTLINE_VOSK_GRAMMARS": ("", str),
    "HOTLINE_VOSK_STREAM_SECRET": ("", str),
    "HOTLINE_VOICEMAIL_KEEP_AUDIO": ("0", _flag),
    "HOTLINE_RING_TIMEOUT": ("20", int),
    # The telephone interpreter service an agent adds to a call, and its languages
    # (comma-separated codes; empty: every language).
    "HOTLINE_INTERPRETER_NUMBER": ("", str),
    "HOTLINE_INTERPRETER_LANGUAGES": ("", lambda v: [x.strip() for x in v.split(",")
                                                     if x.strip()]),
    # Supervisors' figures (issue 23): the site each hotline number belongs to
    # ("+497151000000=waiblingen,+497191000000=backnang"; also the number told to a
    # caller who asks for that site's), the longest hang-up in the queue that is a short
    # abandon, the longest wrap-up before the agent is available again on their own.
    "HOTLINE_SITE_NUMBERS": ("", lambda v: dict(
        (number.strip(), site.strip()) for number, _, site in
        (pair.partition("=") for pair in v.split(",") if pair.strip()))),
    "HOTLINE_SHORT_ABANDON": ("5", int),
    "HOTLINE_WRAP_UP_LIMIT": ("120", int),
    "HOTLINE_CALLBACK_OFFER_AFTER": ("120", int),
    "HOTLINE_SECURE_COOKIES": ("", lambda v: _flag(v) if v else None),
    "TWILIO_AUTH_TOKEN": ("", str),
    # Secrets of Twilio webhook SharedKeys (comma-separated while rotating); only for
    # webhooks a Webhook Setting signs (X-Twilio-Webhooks-Signature-Settings).
    "TWILIO_WEBHOOK_SHARED_KEYS": ("", lambda v: [x.strip() for x in v.split(",") if x.strip()]),
    "TWILIO_ACCOUNT_SID": ("", str),
    "TWILIO_REGION": ("", str),
    "TWILIO_EDGE": ("", str),
    "HOTLINE_TWILIO_GATEWAY": ("", str),
    # A testing setting: send Twilio REST requests to this base (a local stand-in server).
    "HOTLINE_TWILIO_API_BASE": ("", str),
    "HOTLINE_SMS": ("1", _flag),
    "HOTLINE_SMS_FROM": ("", str),
    "HOTLINE_SMS_SERVICE_SID": ("", str),
    # Outbox (outbox.py): the server sends it itself (gunicorn: a process of its own,
    # outbox_process.py; `flask run`: a thread); 0 when `flask outbox` runs instead.
    "HOTLINE_OUTBOX_THREAD": ("1", _flag),
    # The CPU priority of the sender process under gunicorn (os.nice: 0-19, higher gives
    # way more): it yields to the webhooks when the cores are busy.
    "HOTLINE_OUTBOX_NICE": ("10", int),
    # Requests a second the sender makes at most (the Twilio number's rate); 0: no limit.
    "HOTLINE_OUTBOX_RATE": ("10", float),
    # Requests to Twilio the sender keeps in flight at once (a thread each, in the sender
    # only); 0: as the rate needs at Twilio's slower answers (rate x 0.3 s, outbox.py).
    "HOTLINE_OUTBOX_PARALLEL": ("0", int),
    # The number outbound calls come from (voice reminders, callbacks); default: SMS_FROM.
    "HOTLINE_CALL_FROM": ("", str),
    # Appointment reminders (schedules/reminders.py): when on the working day before, and
    # the hours of a day within which an SMS may be sent at all.
    "HOTLINE_REMINDER_TIME": ("17:00", _clock_time),
    "HOTLINE_REMINDER_HOURS": ("08:00-20:00", _hours),
    # The days of the week on which a reminder may go out (never on a public holiday).
    "HOTLINE_REMINDER_DAYS": ("Mon-Sat", _weekdays),
    # A second reminder on the morning of the day, at this time; empty: none.
    "HOTLINE_REMINDER_MORNING": ("", lambda v: _clock_time(v) if v.strip() else None),
    # Callbacks that dial themselves (routing/autodial.py): agent-first, caller-first or
    # off (agents dial by hand); attempts and the wait between them.
    "HOTLINE_CALLBACK_DIAL": ("agent-first", str),
    "HOTLINE_CALLBACK_ATTEMPTS": ("3", int),
    "HOTLINE_CALLBACK_RETRY_DELAY": ("900", int),
}


def from_environment(instance_path: str) -> dict:
    """Read every setting from the environment, falling back to its default."""
    config = {}
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(name, "").strip() or default
        try:
            config[name] = parse(raw)
        except ValueError as error:
            raise ValueError(f"{name}={raw!r} is not valid: {error}") from error
    if not config["HOTLINE_DATABASE"]:
        config["HOTLINE_DATABASE"] = str(Path(instance_path) / "hotline.sqlite3")
    return config


def finish(config: dict) -> None:
    """Derive what depends on other settings and say loudly what is unsafe."""
    development = config["HOTLINE_ENV"] == "development"
    if not config["TWILIO_AUTH_TOKEN"] and development:
        config["TWILIO_AUTH_TOKEN"] = DEV_AUTH_TOKEN
        log.warning("TWILIO_AUTH_TOKEN is not set: using the public development token.")
    if not config["HOTLINE_SECRET_KEY"]:
        # A per-process random key: sessions do not survive a restart, which is the
        # safe failure until an operator sets HOTLINE_SECRET_KEY.
        config["HOTLINE_SECRET_KEY"] = os.urandom(32).hex()
        if not development and config["HOTLINE_ENV"] != "test":
            log.warning("HOTLINE_SECRET_KEY is not set: each worker signs its own sessions, so "
                        "console logins break under several workers. Set it for make serve.")
    config["SECRET_KEY"] = config["HOTLINE_SECRET_KEY"]
    if not config["HOTLINE_HASH_KEY"]:
        if not development and config["HOTLINE_ENV"] != "test":
            # A per-process random key would make the lockouts count per worker; a known
            # one would let the hashes be reversed by trying every phone number.
            raise ValueError("HOTLINE_HASH_KEY is not set: production needs its own secret "
                             "(the same on every worker), e.g. from `openssl rand -hex 32`.")
        config["HOTLINE_HASH_KEY"] = DEV_HASH_KEY
    if not config["HOTLINE_TWILIO_GATEWAY"]:
        # Talk to Twilio's REST API only where an account is configured.
        config["HOTLINE_TWILIO_GATEWAY"] = "twilio" if config["TWILIO_ACCOUNT_SID"] else "fake"
    if not config["HOTLINE_VALIDATE_SIGNATURES"]:
        log.critical(
            "HOTLINE_VALIDATE_SIGNATURES is off: ANYONE can post to the voice webhooks. "
            "Never run like this where the hotline is reachable from outside."
        )
    elif not config["TWILIO_AUTH_TOKEN"]:
        log.error("TWILIO_AUTH_TOKEN is not set: Twilio's webhooks will be refused with 403.")
