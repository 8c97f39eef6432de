"""Voicemail in Vosk mode: fetch the caller's message, transcribe it here, delete the audio.

The /voice/voicemail webhook stores the recording's row; when Twilio says the audio is
ready (its recordingStatusCallback, /voice/recording-status) the message goes to
`submit`, which transcribes in one background thread (never inside a webhook: two
minutes of audio take a minute of CPU). A transcript that is a crisis, or gives cause
for worry (speech.message_concern, in the call's language), marks the call's callback
(routing.callbacks.mark_concern): it goes first in the agents' list, not in the order
it came; `mark_callback` does the same when the callback is made after the transcript.
A fetch that fails for a reason that can pass (Twilio unreachable, slow, 5xx, 429) is
tried again in the background with growing pauses; nothing ever waits a fixed time for
the file. The transcript goes into `voicemails.transcript`, next to the callback request
agents work; then the audio is deleted at Twilio unless HOTLINE_VOICEMAIL_KEEP_AUDIO is
set. `flask --app app voicemail-transcribe` does the same for messages a restart or a
long outage left behind.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

import db as database
from gateway import GatewayError
from routing import callbacks
from speech import message_concern
from speech.vosk_engine import CapacityError, ModelError
from speech.vosk_files import AudioFormatError, read_wav

from . import store
from .media import is_vosk

log = logging.getLogger(__name__)

# A fetch that failed for a reason that can pass is tried again after 10, 20, 40, 80 s
# (or Twilio's Retry-After); after that the catch-up command takes over.
RETRY_FIRST_S = 10.0
RETRY_TRIES = 5
SLOT_WAIT_S = 60  # a message waits this long for a recogniser the live calls are using
NOTHING_HEARD = ""  # transcribed, but no words: not NULL, which means "not yet"


def init_app(app: Flask) -> None:
    """One transcription worker per process, and the catch-up command. Idempotent."""
    if "hotline.voicemail" in app.extensions:
        return
    app.extensions["hotline.voicemail"] = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="voicemail")
    app.cli.add_command(transcribe_command)


def submit(app: Flask, recording_sid: str, attempt: int = 1) -> Future | None:
    """Transcribe this message in the background (Vosk mode only); tests wait on the Future."""
    if not recording_sid or not is_vosk(app.config) or "hotline.voicemail" not in app.extensions:
        return None
    return app.extensions["hotline.voicemail"].submit(_safely, app, recording_sid, attempt)


def _safely(app: Flask, recording_sid: str, attempt: int = 1) -> bool:
    try:
        return transcribe(app, recording_sid)
    except GatewayError as error:
        if error.retryable and attempt < RETRY_TRIES:
            delay = error.retry_after_s or RETRY_FIRST_S * 2 ** (attempt - 1)
            later = threading.Timer(delay, submit, args=(app, recording_sid, attempt + 1))
            later.daemon = True
            later.start()
            log.info("Voicemail %s: recording not fetched (%s), next try in %.0f s",
                     recording_sid, error.reason, delay)
        else:
            log.warning("Voicemail %s: recording not fetched (%s); left for "
                        "voicemail-transcribe", recording_sid, error.reason)
        return False
    except Exception:
        log.exception("Voicemail %s could not be transcribed", recording_sid)
        return False


def transcribe(app: Flask, recording_sid: str) -> bool:
    """Fetch, transcribe, store and (unless kept) delete one message; True when done."""
    engine = app.extensions["hotline.media"].engine
    gateway = app.extensions["hotline.gateway"]
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        row = db.execute("SELECT id, recording_url, transcript, call_sid FROM voicemails"
                         " WHERE recording_sid = ?", [recording_sid]).fetchone()
        if row is None or row[2] is not None or not row[1]:
            return row is not None and row[2] is not None  # unknown, or done already
        voicemail_id, url, call_sid = row[0], row[1], row[3]
        audio = gateway.fetch_recording(url)
        try:
            sound = read_wav(audio)
        except AudioFormatError as error:
            log.warning("Voicemail %s is not audio we can read: %s", recording_sid, error)
            return False
        started = time.perf_counter()
        try:
            heard = engine.transcribe_pcm(sound.pcm, sound.sample_rate, wait_s=SLOT_WAIT_S)
        except CapacityError:
            log.warning("Voicemail %s: no free recogniser; left for voicemail-transcribe",
                        recording_sid)
            return False
        log.info("Voicemail %s: %.0f s transcribed in %.1f s, %d words", recording_sid,
                 sound.seconds, time.perf_counter() - started, len(heard.text.split()))
        keep = app.config.get("HOTLINE_VOICEMAIL_KEEP_AUDIO", False)
        with database.transaction(db):
            db.execute("UPDATE voicemails SET transcript = ? WHERE id = ?",
                       [heard.text or NOTHING_HEARD, voicemail_id])
            # In the same write: a crisis is never shown as an ordinary message. (Never
            # logged: which crisis a caller spoke of is theirs.)
            callbacks.mark_concern(db, call_sid, _concern(db, call_sid, heard.text))
        if not keep:
            try:
                gateway.delete_recording(recording_sid)
            except GatewayError as error:
                log.warning("Voicemail %s: audio not deleted at Twilio: %s", recording_sid,
                            error)
                return True
            with database.transaction(db):
                db.execute("UPDATE voicemails SET recording_url = NULL WHERE id = ?",
                           [voicemail_id])
        return True
    finally:
        db.conn.close()


def _concern(db, call_sid: str | None, text: str | None) -> str | None:
    """What the message says, heard in the language the call was in."""
    if not text or not call_sid:
        return None
    state = store.load_state(db, call_sid)
    return message_concern(text, state.lang if state is not None else "de")


def mark_callback(db, call_sid: str) -> None:
    """The call's callback was just made: marked if its message, transcribed already
    (Twilio's recording status came first), is a crisis or gives cause for worry."""
    for (text,) in db.execute("SELECT transcript FROM voicemails WHERE call_sid = ?"
                              " AND transcript != '' ORDER BY id", [call_sid]).fetchall():
        callbacks.mark_concern(db, call_sid, _concern(db, call_sid, text))


def pending(db) -> list[str]:
    """Messages not yet transcribed whose audio is still at Twilio."""
    return [sid for (sid,) in db.execute(
        "SELECT recording_sid FROM voicemails WHERE transcript IS NULL"
        " AND recording_url IS NOT NULL AND recording_sid IS NOT NULL ORDER BY id").fetchall()]


def for_call(db, call_sid: str) -> list[dict]:
    """The call's messages as agents see them next to its callback request."""
    return [{"at": at, "duration_s": seconds, "transcript": text}
            for at, seconds, text in db.execute(
                "SELECT at, duration_s, transcript FROM voicemails WHERE call_sid = ?"
                " ORDER BY id", [call_sid]).fetchall()]


@click.command("voicemail-transcribe")
@with_appcontext
def transcribe_command():
    """Transcribe voicemail left untranscribed (after a restart); Vosk mode only."""
    app = current_app._get_current_object()
    if not is_vosk(app.config):
        raise click.ClickException("HOTLINE_SPEECH_ENGINE is not vosk")
    db = database.connect(app.config["HOTLINE_DATABASE"])
    try:
        sids = pending(db)
    finally:
        db.conn.close()
    done = 0
    for sid in sids:
        try:
            done += transcribe(app, sid)
        except (GatewayError, ModelError) as error:
            click.echo(f"{sid}: {error}", err=True)
    click.echo(f"Transcribed {done} of {len(sids)} waiting messages.")
