"""Voicemail in Vosk mode: fetched, transcribed here, shown with the callback, then deleted."""

import pytest

from app import create_app
from conftest import NOW, TOKEN, Caller
from ivr import media, voicemail
from speech import vosk_samples

RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "1" * 32


@pytest.fixture(scope="module")
def recording():
    try:
        path = vosk_samples.model_path()
        voice, sentence, _ = vosk_samples.voice_for(path)
        wav = vosk_samples.synthesise_wav(sentence, voice)
        return path, vosk_samples.to_recording(wav)
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))


def vosk_app(target, model_path, **config):
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test", "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_DATABASE": target,
                      "HOTLINE_SPEECH_ENGINE": "vosk", "VOSK_MODEL_PATH": model_path,
                      **config})
    app.extensions["hotline.clock"] = lambda: NOW
    media.init_app(app)
    return app


def leave_message(app, recording_sid):
    caller = Caller(app)
    caller.dial()
    reply = caller.post("/voice/voicemail", RecordingSid=recording_sid,
                        RecordingUrl=RECORDING_URL, RecordingDuration="3")
    assert reply.status == 200 and "Hangup" in reply.body
    # Twilio's recordingStatusCallback: the audio is ready to fetch.
    ready = caller.post("/voice/recording-status", RecordingSid=recording_sid,
                        RecordingUrl=RECORDING_URL, RecordingDuration="3",
                        RecordingStatus="completed")
    assert ready.status == 204
    # One worker: once this no-op has run, the transcription before it has too.
    app.extensions["hotline.voicemail"].submit(lambda: None).result(timeout=120)
    return caller


def test_a_message_is_transcribed_shown_with_the_callback_and_deleted(database_target, recording):
    model_path, wav = recording
    app = vosk_app(database_target, model_path)
    gateway = app.extensions["hotline.gateway"]
    gateway.recordings[RECORDING_URL] = wav
    caller = leave_message(app, "RE" + "1" * 32)
    from db import connect

    database = connect(app.config["HOTLINE_DATABASE"])
    try:
        messages = voicemail.for_call(database, caller.call_sid)
        callback = database.execute("SELECT status, concern FROM callbacks WHERE call_sid = ?",
                                    [caller.call_sid]).fetchone()
        url = database.execute("SELECT recording_url FROM voicemails").fetchone()[0]
    finally:
        database.conn.close()
    assert len(messages) == 1 and messages[0]["transcript"].strip()  # the words, as heard
    # The agents' list has it, with the message beside it: an ordinary one, unmarked.
    assert callback == ("open", None)
    assert gateway.deleted_recordings == ["RE" + "1" * 32] and url is None


def test_the_audio_is_kept_when_configured(database_target, recording):
    model_path, wav = recording
    app = vosk_app(database_target, model_path, HOTLINE_VOICEMAIL_KEEP_AUDIO=True)
    app.extensions["hotline.gateway"].recordings[RECORDING_URL] = wav
    leave_message(app, "RE" + "2" * 32)
    assert app.extensions["hotline.gateway"].deleted_recordings == []


def test_a_recording_that_cannot_be_fetched_waits_for_the_command(database_target, recording):
    model_path, wav = recording
    app = vosk_app(database_target, model_path)
    sid = "RE" + "3" * 32
    app.extensions["hotline.gateway"].recordings.clear()  # Twilio answers 404
    leave_message(app, sid)
    app.extensions["hotline.gateway"].recordings[RECORDING_URL] = wav
    result = app.test_cli_runner().invoke(args=["voicemail-transcribe"])
    assert "Transcribed 1 of 1" in result.output, result.output
    assert app.extensions["hotline.gateway"].deleted_recordings == [sid]


def test_twilio_mode_leaves_voicemail_alone(database_target):
    app = create_app({"HOTLINE_DATABASE": database_target, "TWILIO_AUTH_TOKEN": TOKEN})
    media.init_app(app)
    assert voicemail.submit(app, "RE" + "4" * 32) is None


def test_the_agent_calling_back_reads_the_message_others_see_that_there_is_one(database_target):
    from datetime import UTC, datetime

    from db import connect, transaction
    from routing import callbacks
    from routing.console import _message
    from routing.store import add_agent

    path = database_target
    from app import create_app
    create_app({"HOTLINE_DATABASE": path, "TWILIO_AUTH_TOKEN": "t"})
    db = connect(path)
    now = datetime.now(UTC)
    with transaction(db):
        db.execute("INSERT INTO voicemails (call_sid, at, recording_sid, duration_s, transcript)"
                   " VALUES ('CA1', 'x', 'RE1', 9, 'bitte rufen sie mich zurück')")
    add_agent(db, login="a", name="A", password_hash="x", topics=["allgemein"], now=now)
    callbacks.request_callback(db, "CA1", phone="+4971511111", confirmed_by="caller_id",
                               now=now)
    assert _message(db, "CA1", mine=True) == "bitte rufen sie mich zurück"
    assert _message(db, "CA1", mine=False) == "Nachricht hinterlassen"
    assert _message(db, "CA2", mine=True) == ""
    db.conn.close()


# ---------------------------------------------------------------- a crisis in the message


@pytest.fixture
def heard_as_crisis(recording, tmp_path):
    """What the test model hears in the recording stands in for a German crisis
    expression ("ich will nicht mehr leben"): the Korean model knows no German word, and
    decodes espeak's Korean freely into other words (not quite the same ones each time:
    "이어 영파 비교교육학 ...", "이어 영파 비록 역학 ..."), so each word it hears is added to
    the crisis check's [de] self-harm expressions, for this test only."""
    from speech.vosk_engine import VoskEngine
    from speech.vosk_files import read_wav

    model_path, wav = recording
    sound = read_wav(wav)
    heard = VoskEngine(model_path, max_streams=1).transcribe_pcm(sound.pcm, sound.sample_rate)
    words = heard.text.split()
    assert words
    before = vosk_samples.use_crisis_file(
        vosk_samples.korean_crisis_file(tmp_path, {"self_harm": words}))
    yield words
    vosk_samples.use_crisis_file(before)


def test_a_message_that_is_a_crisis_puts_its_callback_first_and_marked(
        database_target, recording, heard_as_crisis):
    from datetime import timedelta

    from werkzeug.security import generate_password_hash

    from db import connect, transaction
    from routing import callbacks
    from routing.store import add_agent

    model_path, wav = recording
    app = vosk_app(database_target, model_path)
    app.extensions["hotline.gateway"].recordings[RECORDING_URL] = wav
    database = connect(app.config["HOTLINE_DATABASE"])
    with transaction(database):
        # Someone asked for a callback an hour earlier, about a letter.
        callbacks.request_callback(database, "CA" + "e" * 32, phone="+4971519999999",
                                   confirmed_by="caller_id", now=NOW - timedelta(hours=1))
        add_agent(database, login="anna", name="Anna", password_hash=generate_password_hash(
            "geheim-genug-1"), topics=["allgemein"], languages=["de"], sites=["waiblingen"],
            now=NOW)
    database.conn.close()
    caller = leave_message(app, "RE" + "5" * 32)

    agent = app.test_client()
    page = agent.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    agent.post("/agent/login", data={"login": "anna", "password": "geheim-genug-1",
                                     "csrf_token": token})
    listed = agent.get("/agent/state.json").get_json()["callbacks"]
    assert [(cb["concern"], cb["urgent"]) for cb in listed] == [
        ("Krise: Selbstgefährdung", True), ("", False)]
    # Every agent sees why it is first; the words only the agent who calls back.
    assert listed[0]["message"] == "Nachricht hinterlassen"
    database = connect(app.config["HOTLINE_DATABASE"])
    try:
        marked = database.execute("SELECT concern FROM callbacks WHERE call_sid = ?",
                                  [caller.call_sid]).fetchone()
    finally:
        database.conn.close()
    assert marked == ("self_harm",)
    # Supervisors count it with the day's callbacks.
    from stats.figures import Period, callback_figures

    database = connect(app.config["HOTLINE_DATABASE"])
    try:
        kept = callback_figures(database, Period(NOW.date(), NOW.date()), now=NOW)
    finally:
        database.conn.close()
    assert (kept["requested"], kept["with_crisis"], kept["with_worry"]) == (2, 1, 0)
