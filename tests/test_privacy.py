"""Callers' personal data (issue 16): masked where it is shown, escaped where it is exported,
and gone after `purge`."""

import csv
import io
import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.security import generate_password_hash

import keyed
from conftest import NOW, TOKEN, Caller, with_demo_cases
from routing import store as routing_store

PASSWORD = "leitung-passwort-1"
WHOLE_PERIOD = "from=2026-01-01&to=2027-12-31"


def logged_in(app, db, login_name="leitung", role="supervisor"):
    routing_store.add_agent(db, login=login_name, name=login_name.title(), role=role,
                            password_hash=generate_password_hash(PASSWORD),
                            sites=("waiblingen",), now=NOW)
    client = app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/agent/login", data={"login": login_name, "password": PASSWORD,
                                                  "csrf_token": token})
    assert response.status_code == 302
    return client


def not_understood_call(app, *lines):
    caller = Caller(app)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


# ---------------------------------------------------------------- 13: CSV for spreadsheets


def test_callers_words_that_look_like_formulas_are_exported_as_text(app, db):
    attack = '+SUM(1+1)*cmd|" /C calc"!A0'
    not_understood_call(app, attack, "=HYPERLINK(blubb)", "@irgendwas")
    supervisor = logged_in(app, db)
    text = supervisor.get(f"/supervisor/export/utterances.csv?{WHOLE_PERIOD}").get_data(
        as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    examples = [cell for cell in cells if "SUM" in cell or "HYPERLINK" in cell
                or "irgendwas" in cell]
    assert examples, text
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert any(cell.startswith("'+SUM(") for cell in cells), cells


# ---------------------------------------------------------------- 1-3: purge leaves nothing

ERIKA = "eins zwei drei D wie Dora vier fünf sechs sieben acht neun"
ERIKA_BORN = "dritter Mai neunzehnhundertachtzig"
MOBILE, OTHER_MOBILE, LANDLINE = "+491701234567", "+491709876543", "+4971511234567"
CHATTY, AFTER_HOURS, ABSENT = "+491705550199", "+491705550123", "+491705550177"
REMINDED = "+491705550188"
REMINDER_DUE = datetime(2026, 11, 30, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
SUNDAY = datetime(2026, 11, 29, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))

# Everything the calls below leave somewhere: numbers (as dialled, and without +49), the
# customer number (as said, read back, typed), dates of birth (as said and typed), the
# case's words and a caller's own words.
PERSONAL = [
    MOBILE, "1701234567", OTHER_MOBILE, "1709876543", LANDLINE, "71511234567", CHATTY,
    "1705550199", AFTER_HOURS, "1705550123", "0171234567",
    "123D456789", "123d456789", "123?456789", "123 – D – 456", "eins zwei drei D", "Dora",
    "03051980", "02051980", "1980-05-03", "neunzehnhundertachtzig", "neunzehnhundertsiebzig",
    "erster Januar", "vierter Mai", "dritter Mai",
    "563 Euro", "Mustermann", "Erika", "Quaxelbrunn", "Xaver", "Ruf mich an",
    # Why a caller could not come (health data), in the note for the team.
    ABSENT, "1705550177", "Grund: krank", "aus einem Brief nicht kommen",
    REMINDED, "1705550188",
    # The name a caller gave for a booking, as said and as kept on it.
    "Oberhuber-Zängerle", "Oberhuber",
    # Written conversations (issue 26): the sender's number, what was written.
    "+491705550166", "1705550166", "03.05.1980", "Zwetschgenbaum",
    # Words said with words of worry, kept in the call's state until the answer.
    "Zipfelhuber",
    # The kind of crisis a message was heard to be (health data), and the written
    # words it was heard in. (The turns' events name a kind, "worry:violence", and stay:
    # without the words and the number they say nothing of a person.)
    "self_harm", "Mein Mann schl",
]
# The keyed pseudonyms of the callers' numbers (repeat callers, issue 23) go too.
CALLER_KEYS = {number: keyed.digest("caller", number, os.environ["HOTLINE_HASH_KEY"])
               for number in (MOBILE, OTHER_MOBILE, LANDLINE, CHATTY, AFTER_HOURS, ABSENT,
                              REMINDED)}
PERSONAL += list(CALLER_KEYS.values())
# ... and the keyed hash a written conversation by SMS is found by.
PERSONAL.append(keyed.digest("written-sms", "+491705550166", os.environ["HOTLINE_HASH_KEY"]))


class SqliteFiles:
    """The database file, its WAL and its other companions."""

    TABLES, LOG = "hotline.sqlite3", "hotline.sqlite3-wal"

    def __init__(self, path: str):
        self.path = path

    def checkpoint(self) -> None:
        from db import connect

        database = connect(self.path)
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.conn.close()

    def read(self) -> dict[str, bytes]:
        files = {}
        for suffix in ("", "-wal", "-shm", "-journal"):
            file = Path(self.path + suffix)
            if file.exists():
                files[file.name] = file.read_bytes()
        return files


class PostgresFiles:
    """Every file of a PostgreSQL server's data directory (its own server: the WAL is the
    whole server's), as the tables' files, the WAL, and the rest."""

    TABLES, LOG, REST = "tables and indexes", "WAL", "the rest"

    def __init__(self, server):
        self.server = server
        self.data = server.folder / "data"

    def checkpoint(self) -> None:
        import psycopg

        with psycopg.connect(self.server.url(), autocommit=True) as admin:
            admin.execute("CHECKPOINT")

    def read(self) -> dict[str, bytes]:

        # What the server holds in memory, written out: every page, and the WAL (the tests'
        # server commits without waiting for it).
        self.checkpoint()
        files: dict[str, list[bytes]] = {self.TABLES: [], self.LOG: [], self.REST: []}
        for file in sorted(self.data.rglob("*")):
            if file.is_file():
                part = file.relative_to(self.data).parts[0]
                group = {"base": self.TABLES, "global": self.TABLES, "pg_wal": self.LOG}
                data = file.read_bytes()
                if WAL_SEGMENT.fullmatch(file.name):
                    data = wal_records(data)
                files[group.get(part, self.REST)].append(data)
        return {group: b"".join(data) for group, data in files.items()}


# A WAL segment is a run of 8 KB pages, each with a header of its own (40 bytes on the
# segment's first page, else 24); a record that goes on past a page's end goes on after
# the next header. Without the headers a text split by one is whole again.
WAL_SEGMENT = re.compile(r"[0-9A-F]{24}")
WAL_PAGE, WAL_FIRST_HEADER, WAL_HEADER = 8192, 40, 24


def wal_records(segment: bytes) -> bytes:
    return b"".join(segment[start + (WAL_FIRST_HEADER if start == 0 else WAL_HEADER):
                            start + WAL_PAGE] for start in range(0, len(segment), WAL_PAGE))


def found_in(files: dict[str, bytes]) -> dict[str, list[str]]:
    found = {}
    for name, data in files.items():
        hits = [text for text in PERSONAL
                if text.encode() in data or text.encode("utf-16-le") in data]
        if hits:
            found[name] = hits
    return found


seed_cases = with_demo_cases


@pytest.fixture
def with_cases(app):
    return seed_cases(app)


def call(app, *lines, from_number):
    caller = Caller(app, from_number=from_number)
    caller.dial()
    for line in lines:
        caller.say(line)
    return caller


@pytest.mark.sqlite_only
def test_purge_leaves_no_personal_data_in_the_database_files_or_at_twilio(with_cases, runner):
    app = with_cases
    purge_everything_personal(app, runner, SqliteFiles(app.config["HOTLINE_DATABASE"]))


@pytest.mark.postgres
def test_purge_leaves_no_personal_data_in_postgresqls_data_directory_or_at_twilio():
    import psycopg

    import clock
    from app import create_app
    from devtools.pg_server import TEST_SETTINGS, PostgresServer

    # The WAL is the whole server's: a server of this test's own, whose old WAL segments
    # are deleted, not kept for reuse (as README asks of a deployment).
    server = PostgresServer([*TEST_SETTINGS, "wal_recycle=off"])
    try:
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE hotline")
        app = create_app({"TESTING": True, "HOTLINE_ENV": "test",
                          "HOTLINE_DATABASE": server.url("hotline"), "TWILIO_AUTH_TOKEN": TOKEN,
                          "HOTLINE_PUBLIC_URL": "", "HOTLINE_LANGUAGES": ["de", "en"]})
        clock.install(app, clock.Clock.at(NOW))
        seed_cases(app)
        purge_everything_personal(app, app.test_cli_runner(), PostgresFiles(server))
    finally:
        import db_postgres

        db_postgres.close_pools(server.url("hotline"))
        server.stop()


def purge_everything_personal(app, runner, files):
    """Every kind of personal data the hotline keeps, in the database's files; then the
    purge, two months on; then none of it in those files nor at Twilio."""
    import outbox
    from db import connect, transaction

    path = app.config["HOTLINE_DATABASE"]
    gateway = app.extensions["hotline.gateway"]
    # Status told after both checks, the documents by SMS (outbox, audit log, state).
    told = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN, "ja",
                from_number=MOBILE)
    assert "per SMS" in told.hears()
    told.hang_up()
    outbox.deliver_due(app)
    assert gateway.messages and gateway.messages[0]["body"]
    # The status told again, then an appointment booked with the customer number.
    booked = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN, "Termin",
                  "Waiblingen", "so bald wie möglich", "ja", from_number=LANDLINE)
    assert "Ihr Termin ist gebucht" in booked.hears()
    booked.hang_up()
    # A booking from a mobile whose caller gives a name for the booking (who is coming)
    # and wants a reminder by SMS (consent on the booking).
    reminded = call(app, "Termin in Backnang wegen Arbeitsvermittlung nächste Woche Dienstag",
                    "ja", "auf den Namen Oberhuber-Zängerle", "nein", "ja",
                    from_number=REMINDED)
    assert "Namen eingetragen" in " ".join(reminded.exchanges[-3].hotline)
    assert "am Werktag vorher eine SMS" in reminded.hears()
    reminded.hang_up()
    # Three wrong birth dates (failed checks), then one typed after the lockout.
    locked = call(app, "Wie ist der Stand meines Antrags?", ERIKA, "ja",
                  "erster Januar neunzehnhundertsiebzig", "#02051980",
                  "vierter Mai neunzehnhundertachtzig", from_number=OTHER_MOBILE)
    assert "Aus Sicherheitsgründen" in locked.hears()
    locked.say("#03051980")
    locked.hang_up()
    # As on a server that ran for a while: the calls so far were copied into the database
    # file itself (the purge must overwrite them there); the next ones are in the WAL.
    files.checkpoint()
    # Words the hotline did not understand, then a person asked for.
    chatty = call(app, "mein Nachbar Xaver Quaxelbrunn hat gesagt ich soll anrufen",
                  "Mitarbeiter", from_number=CHATTY)
    chatty.hang_up()
    # A supervisor marked those words as noise in the review inbox: a keyed hash of them.
    with app.app_context():
        from clock import utc_text
        from stats.inbox import normalise
        from teaching import marks

        reviewed = connect(path)
        marks.mark(reviewed, [marks.key("de", normalise(
            "mein Nachbar Xaver Quaxelbrunn hat gesagt ich soll anrufen"))], marks.NOISE,
            "leitung", utc_text(NOW))
        reviewed.conn.close()
    # Words of worry with a request: the words wait in the call's state for the answer to
    # "Sind Sie in Gefahr?", which never comes (the caller hangs up).
    worried = call(app, "einen Termin wegen Geld, Frau Zipfelhuber macht mir solche Angst",
                   from_number=CHATTY)
    assert "Sind Sie gerade in Gefahr?" in worried.hears()
    worried.hang_up()
    # Ill on the day of an appointment from a letter: a note for the team.
    absent = call(app, "ich bin krankgeschrieben und kann nicht kommen", "Brief",
                  "am vierten Dezember", from_number=ABSENT)
    assert "für Ihr Team notiert" in absent.hears()
    absent.hang_up()
    # After hours: a message (recording kept at Twilio) and callbacks, one on a spoken number.
    app.config["HOTLINE_VOICEMAIL_KEEP_AUDIO"] = True
    app.extensions["hotline.clock"] = lambda: SUNDAY
    message = call(app, "#0", "#2", from_number=AFTER_HOURS)
    assert message.finished
    spoken = call(app, "#0", "rückruf", "null eins sieben eins zwei drei vier fünf sechs sieben",
                  "ja", "vormittags", from_number="anonymous")
    assert "Vormittag" in spoken.hears()
    # The reminder goes out on Monday at 17:00, and its answer comes back by SMS.
    app.extensions["hotline.clock"] = lambda: REMINDER_DUE
    outbox.deliver_due(app)
    assert gateway.messages[-1]["to"] == REMINDED
    answer = Caller(app, from_number=REMINDED).post(
        "/sms/incoming", MessageSid="SM" + "c" * 32, From=REMINDED, Body="JA")
    assert "bestätigt" in answer.body
    # ... and a wish to move it: the next free slots, offered to choose by number.
    answer = Caller(app, from_number=REMINDED).post(
        "/sms/incoming", MessageSid="SM" + "d" * 32, From=REMINDED, Body="VERSCHIEBEN")
    assert "Freie Termine" in answer.body
    # A caller's text message to the hotline's number, kept at Twilio.
    gateway.received.append({"sid": "SM" + "r" * 32, "from": MOBILE, "at": NOW,
                             "body": "Ruf mich an, Quaxelbrunn"})

    # In writing (issue 26): the status by SMS after both checks, and words in the chat.
    from written_people import Chatter, Texter

    writer = Texter(app, "+491705550166")
    for line in ("Wie ist der Stand meines Antrags?", "123D456789", "ja", "03.05.1980"):
        said = writer.send(line)
    assert "Es fehlt noch" in said
    Chatter(app).send("Mein Nachbar Zwetschgenbaum sagt, ich soll schreiben")
    # Out of hours, a message left in the chat that is a crisis: its kind marks the
    # conversation; and the after-hours voicemail's callback, marked as the transcriber
    # marks one in Vosk mode (tests/test_media_voicemail.py hears it through the model).
    app.extensions["hotline.clock"] = lambda: SUNDAY
    in_crisis = Chatter(app)
    in_crisis.send("Ich möchte mit einem Mitarbeiter sprechen")
    in_crisis.send("2")
    assert "Polizei: 110" in in_crisis.send("Mein Mann schlägt mich, ich habe Angst")
    from routing import callbacks as callback_store

    marking = connect(path)
    with transaction(marking):
        callback_store.mark_concern(marking, message.call_sid, "self_harm")
    marking.conn.close()

    database = connect(path)
    for table in ("case_disclosures", "case_check_failures", "callbacks", "bookings",
                  "voicemails", "outbox", "written_conversations", "written_messages"):
        assert database.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
    assert "Quaxelbrunn" in str(database.execute("SELECT speech FROM turns").fetchall())
    assert database.execute("SELECT count(*) FROM review_marks").fetchone()[0] == 1
    assert database.execute("SELECT count(*) FROM bookings WHERE reminder_consent = 1"
                            " AND reminder_reply = 'confirmed'").fetchone()[0] == 1
    assert database.execute("SELECT caller_name FROM bookings WHERE caller_name IS NOT NULL"
                            ).fetchall() == [("Oberhuber-Zängerle",)]
    assert database.execute("SELECT count(*) FROM reminder_offers").fetchone()[0] == 1
    # The customers' own case file is closed upstream: gone with it (not the purge's job).
    with transaction(database):
        database.execute("DELETE FROM case_customers")
    database.conn.close()
    before_purge = found_in(files.read())
    # The search finds what is there. Whether a word still sits in the log or was
    # checkpointed into the tables depends on when the checkpoint thread last ran.
    assert "Quaxelbrunn" in before_purge.get(files.LOG, []) + before_purge.get(files.TABLES, [])
    assert "123D456789" in before_purge[files.TABLES]
    assert CALLER_KEYS[MOBILE] in before_purge[files.TABLES]
    assert "Zwetschgenbaum" in str(before_purge)
    assert "Zipfelhuber" in str(before_purge)
    assert "self_harm" in before_purge[files.TABLES] + before_purge.get(files.LOG, [])

    # Two months on, everything is due.
    app.extensions["hotline.clock"] = lambda: NOW + timedelta(days=60)
    result = runner.invoke(args=["purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    assert "0 left for the next purge" in result.output

    assert found_in(files.read()) == {}
    assert gateway.messages[0]["body"] == "" and gateway.received[0]["body"] == ""
    assert gateway.deleted_recordings  # the voicemail's audio at Twilio
    # What statistics need is still there.
    database = connect(path)
    assert database.execute("SELECT count(*) FROM calls").fetchone()[0] == 9
    # The person's answers about reminders are theirs: gone with the appointment.
    assert database.execute("SELECT count(*) FROM bookings WHERE reminder_consent IS NOT NULL"
                            " OR reminder_reply IS NOT NULL OR reminder_reply_at IS NOT NULL"
                            " OR reminder_channel IS NOT NULL").fetchone()[0] == 0
    assert database.execute("SELECT count(*) FROM reminder_offers").fetchone()[0] == 0
    assert database.execute("SELECT count(*) FROM turns WHERE intent IS NOT NULL"
                            ).fetchone()[0] > 10
    # Which crisis a caller spoke or wrote of is gone; that there was one is counted.
    assert database.execute("SELECT concern FROM callbacks WHERE concern IS NOT NULL"
                            ).fetchall() == [("crisis",)]
    assert database.execute("SELECT concern FROM written_conversations WHERE concern"
                            " IS NOT NULL").fetchall() == [("crisis",)]
    # The inbox's marks stood for words now gone: gone with them.
    assert database.execute("SELECT count(*) FROM review_marks").fetchone()[0] == 0
    database.conn.close()


def plain_digests(texts, length=None):
    import hashlib

    return {hashlib.sha256(t.encode()).hexdigest()[:length]: t for t in texts}


def test_failed_check_keys_do_not_give_numbers_back_to_whoever_tries_them_all(with_cases, db):
    caller = call(with_cases, "Wie ist der Stand meines Antrags?", ERIKA, "ja",
                  "erster Januar neunzehnhundertsiebzig", from_number=MOBILE)
    assert "passen leider nicht zusammen" in caller.hears()
    keys = {row[0] for row in db.execute("SELECT key FROM case_check_failures")}
    assert len(keys) == 3  # the call, the customer, the caller id
    # Everything an attacker with the file would try: every number around the caller's,
    # every customer number like it, in every way the key could be written.
    numbers = [f"+4917012345{n:02d}" for n in range(100)]
    customers = ["123D456789", "123?456789", "123456789", "123d456789"]
    guesses = [f"{kind}:{value}" for kind in ("phone", "customer", "")
               for value in numbers + customers] + numbers + customers
    tried = {**plain_digests(guesses, 32), **plain_digests(guesses)}
    assert not keys & set(tried)


def test_the_reply_key_does_not_give_a_typed_birth_date_back(with_cases, db):
    from datetime import date

    from devtools.softphone import ACCOUNT_SID

    caller = call(with_cases, "Wie ist der Stand meines Antrags?", ERIKA, "ja",
                  from_number=MOBILE)
    reply = caller.post("/voice/turn?t=3", Digits="03051980")
    assert "Weiterbewilligungsantrag" in reply.body
    keys = {row[0] for row in db.execute("SELECT reply_key FROM turns")} - {None}
    # How the key was made before (a length-prefixed SHA-256 of path and form), for every
    # day from 1900 to today, with the form exactly as the softphone sent it.
    form = {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": caller.call_sid,
            "CallStatus": "in-progress", "Called": caller.to_number, "Caller": MOBILE,
            "Direction": "inbound", "From": MOBILE, "To": caller.to_number}
    day, guesses = date(1900, 1, 1), []
    while day <= date(2026, 11, 25):
        fields = {**form, "Digits": day.strftime("%d%m%Y")}
        parts = ["/voice/turn?t=3", *(p for item in sorted(fields.items()) for p in item)]
        guesses.append("".join(f"{len(p)}:{p}" for p in parts))
        day += timedelta(days=1)
    assert not keys & set(plain_digests(guesses))


# ---------------------------------------------------------------- 4-5: numbers said in words

SPOKEN_NUMBERS = ["eins zwei drei D vier fünf sechs sieben acht neun",
                  "dritter mai neunzehnhundertachtzig",
                  "meine Nummer ist null eins sieben null eins zwei drei vier fünf"]
NUMBER_WORDS = ("zwei drei", "vier fünf", "neunzehnhundertachtzig", "dritter mai", "null eins")


def test_numbers_said_in_words_are_masked_in_the_not_understood_list_and_csv(app, db):
    not_understood_call(app, *SPOKEN_NUMBERS)
    not_understood_call(app, "mein Nachbar hat zwei Hunde")
    supervisor = logged_in(app, db)
    listed = supervisor.get(f"/supervisor/utterances.json?{WHOLE_PERIOD}").get_data(
        as_text=True)
    exported = supervisor.get(f"/supervisor/export/utterances.csv?{WHOLE_PERIOD}").get_data(
        as_text=True)
    listed = " ".join(u["example"] for u in json.loads(listed))
    for text in (listed, exported):
        assert "Nachbar hat zwei Hunde" in text  # words that say nothing about anyone stay
        assert "meine Nummer ist …" in text
        for words in NUMBER_WORDS:
            assert words not in text.casefold(), (words, text)


def test_a_birth_date_typed_after_a_lockout_is_not_kept_as_a_menu_key(with_cases, db):
    with_cases.extensions["hotline.clock"] = lambda: SUNDAY  # nobody to hand over to
    caller = call(with_cases, "Wie ist der Stand meines Antrags?", ERIKA, "ja",
                  "erster Januar neunzehnhundertsiebzig", "#02051980",
                  "vierter Mai neunzehnhundertachtzig", from_number=MOBILE)
    assert "Aus Sicherheitsgründen" in caller.hears()
    # The birth date typed once more, as Twilio posts it to the menu's question.
    assert caller.post(caller.next_url, Digits="03051980").status == 200
    kept = " ".join(str(row) for row in db.execute("SELECT speech, digits FROM turns"))
    assert "03051980" not in kept and "0305" not in kept
    assert caller.summary()["turns"]  # the turn is still there, only the keys are not


def test_the_agent_console_masks_the_identity_answers_in_the_transcript(with_cases, db):
    from routing.context import call_context

    caller = call(with_cases, "Wie ist der Stand meines Antrags?", ERIKA, "ja", ERIKA_BORN,
                  from_number=LANDLINE)
    caller.say("#0")
    assert "[Warteschleife" in caller.hears()
    context = call_context(db, caller.call_sid, now=NOW)
    transcript = " ".join(f"{t.caller} | {t.hotline}" for t in context.turns)
    assert "Ich wiederhole: …" in transcript  # the read-back, without the number
    # ("D wie Dora" alone is the prompt's example of how to spell.)
    for shown in ("123 –", "456", "zwei drei", "Dora vier", "neunzehnhundertachtzig",
                  "dritter Mai"):
        assert shown not in transcript, (shown, transcript)
    assert "Wie ist der Stand meines Antrags?" in transcript
    assert context.customer_number_masked == "123D****89"
    # And so on the console's page data, as the agent's browser gets it.
    agent = logged_in(with_cases, db, "anna", "agent")
    state = agent.get("/agent/state.json").get_data(as_text=True)
    assert "Dora vier" not in state and "123 – D" not in state


# About SQLite itself: the bytes of the .sqlite3 file and its WAL. PostgreSQL's files can
# be read only on a server of its own (its WAL is the whole server's; see the test above),
# started for the one test that purges everything.
@pytest.mark.sqlite_only
def test_purge_leaves_no_transcript_of_vosk_mode_in_the_database_files(tmp_path):
    """Vosk mode's own places: what a media stream heard (`vosk_turns`, `turns`) and a
    voicemail's transcript, through a real server, websocket and model."""
    import threading

    from test_media_stream import Caller as StreamCaller
    from test_media_stream import Server as StreamServer
    from test_media_stream import free_port, open_stream
    from test_media_voicemail import RECORDING_URL
    from werkzeug.serving import make_server

    from app import create_app
    from conftest import TOKEN
    from db import connect
    from ivr import media
    from speech import vosk_samples

    try:
        model = vosk_samples.model_path()
        voice, sentence, _ = vosk_samples.voice_for(model)
        audio = vosk_samples.phone_speech(sentence, voice)
        recording = vosk_samples.to_recording(vosk_samples.synthesise_wav(sentence, voice))
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = str(tmp_path / "hotline.sqlite3")
    app = create_app({"TESTING": True, "HOTLINE_ENV": "test", "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_DATABASE": path, "HOTLINE_PUBLIC_URL": base,
                      "HOTLINE_SPEECH_ENGINE": "vosk", "VOSK_MODEL_PATH": model,
                      "HOTLINE_VOSK_IDLE_S": 2})
    app.extensions["hotline.clock"] = lambda: NOW
    media.init_app(app)
    http = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        server = StreamServer(app, base)
        caller = StreamCaller(server)
        caller.dial()
        stream = open_stream(caller).start()
        stream.audio(audio + vosk_samples.silence(3))
        caller.follow(server.redirect_for(caller.call_sid, "/voice/turn?t=0&heard=vosk"))
        app.extensions["hotline.gateway"].recordings[RECORDING_URL] = recording
        message = StreamCaller(server)
        message.dial()
        fields = {"RecordingSid": "RE" + "3" * 32, "RecordingUrl": RECORDING_URL,
                  "RecordingDuration": "3"}
        assert message._post("/voice/voicemail", fields).status == 200
        assert message._post("/voice/recording-status",
                             {**fields, "RecordingStatus": "completed"}).status == 204
        # One transcription worker: once this no-op has run, the message's has too.
        app.extensions["hotline.voicemail"].submit(lambda: None).result(timeout=120)
    finally:
        http.shutdown()
    database = connect(path)
    heard = [row[0] for row in database.execute(
        "SELECT transcript FROM vosk_turns WHERE transcript != '' UNION ALL"
        " SELECT transcript FROM voicemails WHERE transcript != ''")]
    database.conn.close()
    assert len(heard) == 2, heard  # the stream's words and the message's
    words = {w for text in heard for w in text.split() if len(w.encode()) >= 4}
    assert words
    before = b"".join(SqliteFiles(path).read().values())
    assert all(w.encode() in before for w in words)

    app.extensions["hotline.clock"] = lambda: NOW + timedelta(days=60)
    result = app.test_cli_runner().invoke(args=["purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    after = SqliteFiles(path).read()
    assert {name: [w for w in words if w.encode() in data]
            for name, data in after.items()} == {name: [] for name in after}
