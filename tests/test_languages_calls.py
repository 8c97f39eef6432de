"""The callers' languages in whole calls through the webhooks (issue 20, second part):
choosing a language by key or by name, the language menu, plain German, keypad-only
languages, people who speak the language or an interpreter, bookings in the language,
the interpreter conference and the figures per language."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.security import generate_password_hash

import clock
from app import create_app
from conftest import NOW, TOKEN, Caller, twiml, with_demo_cases
from db import connect, transaction
from ivr import languages
from routing import interpreters
from routing.store import AVAILABLE, add_agent, set_status
from stats import figures

ALL = ["de", "en", "uk", "ru", "tr", "ar", "de-simple"]
ACCOUNT = "AC" + "0" * 32
INTERPRETER_NUMBER = "+498001234567"


class Caller(Caller):
    """The tests' caller, who also keeps the TwiML of the hotline's last answer."""

    body = ""

    def _post(self, url, fields):
        reply = super()._post(url, fields)
        if "/voice/incoming" in url or "/voice/turn" in url:
            self.body = reply.body
        return reply


def make_app(target, languages_=ALL, **extra):
    """The hotline on `target` (HOTLINE_DATABASE) offering `languages_`."""
    app = create_app({
        "TESTING": True, "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE": target,
        "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_LANGUAGES": list(languages_), "HOTLINE_VALIDATE_SIGNATURES": True, **extra})
    clock.install(app, clock.Clock.at(NOW))
    return app


@pytest.fixture
def app(database_target):
    return make_app(database_target)


def says(body: str) -> list[tuple[str, str, str]]:
    """(language, voice, words) of every <Say> in a TwiML answer."""
    return [(s.get("language"), s.get("voice"), "".join(s.itertext()))
            for s in twiml(body).iter("Say")]


def rows(app, query, params=()):
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        return db.execute(query, list(params)).fetchall()
    finally:
        db.conn.close()


def agent(app, login, languages_, reach="client"):
    """An agent logged in and available."""
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        with transaction(db):
            made = add_agent(db, login=login, name=login.title(),
                             password_hash=generate_password_hash("passwort-1234"),
                             topics=("allgemein",), languages=languages_,
                             sites=("waiblingen", "backnang", "schorndorf"), reach_kind=reach,
                             reach_address=f"agent-{login}", now=NOW)
            set_status(db, made.id, AVAILABLE, now=NOW, reason="test")
        return made.id
    finally:
        db.conn.close()


# ----------------------------------------------------------------- choosing a language


def test_the_greeting_offers_each_language_in_its_own_language_and_voice(app):
    caller = Caller(app)
    caller.dial()
    spoken = says(caller.body)
    assert spoken[0][0] == "de-DE" and "Jobcenter" in spoken[0][2]
    offers = {language: (voice, words) for language, voice, words in spoken[1:]}
    assert "шість" in offers["uk-UA"][1] and offers["uk-UA"][0] == "Google.uk-UA-Standard-A"
    assert "семь" in offers["ru-RU"][1] and offers["ru-RU"][0] == "Polly.Tatyana"
    assert "sekize" in offers["tr-TR"][1] and offers["tr-TR"][0] == "Polly.Filiz"
    assert "أربعة" in offers["arb"][1] and offers["arb"][0] == "Polly.Zeina"
    assert "nine" in offers["en-GB"][1]


@pytest.mark.parametrize("again", ["wiederholen", "wie bitte"])
def test_the_greeting_said_again_offers_each_language_in_its_own_language_again(app, again):
    caller = Caller(app)
    caller.dial()
    first = says(caller.body)
    caller.say(again)
    assert says(caller.body)[-len(first) + 1:] == first[1:]  # the offers, as the first time
    assert "Für Deutsch" not in caller.hears()


def test_a_job_centre_offers_only_the_languages_it_configures(database_target):
    caller = Caller(make_app(database_target, ["de", "tr"]))
    caller.dial()
    assert [language for language, _, _ in says(caller.body)] == ["de-DE", "tr-TR"]
    caller.say("#6")  # Ukrainian is not offered here
    assert "Taste ist hier nicht belegt" in caller.hears()


@pytest.mark.parametrize("key, lang, gather_language, question, answer", [
    ("6", "uk", "uk-UA", "коли ви працюєте", "працюють"),
    ("7", "ru", "ru-RU", "когда вы открыты", "работают"),
    ("8", "tr", "tr-TR", "saat kaçta açıksınız", "tüm şubeler"),
    ("4", "ar", "ar-JO", "متى تفتحون", "تفتح"),
])
def test_a_key_chooses_the_language_and_opening_hours_are_answered_in_it(
        app, key, lang, gather_language, question, answer):
    caller = Caller(app)
    caller.dial()
    caller.say(f"#{key}")
    assert twiml(caller.body).find("./Gather").get("language") == gather_language
    caller.say(question)
    body = caller.body
    assert answer in caller.hears()
    assert "Uhr" not in caller.hears() and "Geschäftsstelle" not in caller.hears()
    voice = languages.language(lang)
    assert {(language, v) for language, v, _ in says(body)} == {(voice.say_language, voice.voice)}


@pytest.mark.parametrize("said, heard", [
    ("auf Türkisch bitte", "Türkçe konuşalım"),
    ("Ukrainisch", "українською"),
    ("по-русски можно", "по-русски"),
    ("Arabic please", "بالعربية"),
    ("einfache Sprache bitte", "einfach und langsam"),
])
def test_saying_the_language_switches_to_it(app, said, heard):
    caller = Caller(app)
    caller.dial()
    caller.say(said)
    assert heard in caller.hears()


def test_a_language_the_hotline_does_not_speak_goes_to_a_person_with_an_interpreter(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Farsi bitte")
    assert "Dolmetscher" in caller.hears()
    assert rows(app, "SELECT language, interpreter FROM queue_entries") == [("de", "fa")]


def test_not_understood_twice_at_the_start_offers_the_languages_where_4_is_arabic(app):
    caller = Caller(app)
    caller.dial()
    caller.say("добрий день")
    caller.say("я не розумію")
    heard = says(caller.body)
    assert {language for language, _, _ in heard} >= {"uk-UA", "ru-RU", "tr-TR", "arb"}
    assert "Tastenmenü auf Deutsch" in caller.hears()
    assert "Für Unterlagen" not in caller.hears()  # the topic menu is not in this question
    caller.say("#4")
    assert "بالعربية" in caller.hears()


def test_in_the_language_menu_1_leads_on_to_the_topic_menu_in_german(app):
    caller = Caller(app)
    caller.dial()
    caller.say("")
    caller.say("")
    caller.say("#1")
    assert "Für Termine die Eins" in caller.hears()
    caller.say("#4")  # now the documents
    assert "Ausweis" in caller.hears()


def test_with_german_and_english_only_the_topic_menu_keeps_its_keys_and_offers_english(
        database_target):
    caller = Caller(make_app(database_target, ["de", "en"]))
    caller.dial()
    caller.say("")
    caller.say("")
    assert "Für Termine die Eins" in caller.hears() and "For English" in caller.hears()
    caller.say("#4")
    assert "Ausweis" in caller.hears()


def test_a_german_caller_understood_once_keeps_the_topic_menu(app):
    caller = Caller(app)
    caller.dial()
    caller.say("welche Unterlagen brauche ich")
    caller.say("ja")
    caller.say("blubb")
    caller.say("blubb")
    assert "Für Termine die Eins" in caller.hears()
    assert "Tastenmenü auf Deutsch" not in caller.hears()


# ----------------------------------------------------------------- plain German, keypad only


def test_plain_german_asks_the_same_question_once_more_then_moves_on(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#5")
    body = caller.body
    assert twiml(body).find("./Gather/Say/prosody").get("rate") == "85%"
    caller.say("")
    assert caller.hears() == "Ich habe Sie nicht gehört. Gut. Was möchten Sie?"
    caller.say("")
    assert "Termin: die Eins" in caller.hears()  # then the keys


def test_a_language_nobody_can_hear_works_by_keypad_and_says_so(database_target, monkeypatch):
    turkish = languages.language("tr")
    table = {**languages._all(), "tr": languages.Language(**{
        **turkish.__dict__, "gather_language": "", "speech_model": ""})}
    monkeypatch.setattr(languages, "_all", lambda: table)
    caller = Caller(make_app(database_target))
    caller.dial()
    caller.say("#8")
    assert "tuşları kullanın" in caller.hears() and "Randevu için bir" in caller.hears()
    gather = twiml(caller.body).find("./Gather")
    assert gather.get("input") == "dtmf" and gather.get("language") is None
    caller.say("#4")
    assert "Kimlik" in caller.hears() or "belge" in caller.hears().lower()


# ----------------------------------------------------------------- people and interpreters


def test_nobody_on_duty_speaks_turkish_a_callback_is_marked_with_the_language(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("bir görevliyle konuşmak istiyorum")
    assert "dilinizi konuşan bir görevlimiz yok" in caller.hears()
    caller.say("#1")
    caller.say("evet")
    caller.say("#1")
    assert rows(app, "SELECT language FROM callbacks") == [("tr",)]
    assert rows(app, "SELECT count(*) FROM queue_entries") == [(0,)]


def test_or_a_german_speaking_agent_with_an_interpreter_and_the_whisper_says_so(app):
    german = agent(app, "anna", ("de",))
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("bir görevliyle konuşmak istiyorum")
    caller.say("#2")
    assert "tercüman" in caller.hears()
    assert rows(app, "SELECT language, interpreter FROM queue_entries") == [("de", "tr")]
    assert ("Anruf zum Thema Allgemeine Fragen, Sprache Türkisch, bitte Dolmetscher dazuholen,"
            " Identität nicht geprüft.") in caller.hears()  # the whisper, to the agent
    assert rows(app, "SELECT agent_id FROM dial_attempts") == [(german,)]


def test_an_agent_who_speaks_the_language_is_rung_and_the_whisper_names_it(app):
    agent(app, "anna", ("de",))
    murat = agent(app, "murat", ("de", "tr"))
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("bir görevliyle konuşmak istiyorum")
    assert "Sprache Türkisch, Identität" in caller.hears()  # the agent's whisper
    assert rows(app, "SELECT agent_id FROM dial_attempts") == [(murat,)]


def test_an_emergency_in_a_language_nobody_on_duty_speaks_goes_through_with_an_interpreter(app):
    agent(app, "anna", ("de",))
    caller = Caller(app)
    caller.dial()
    caller.say("#7")
    caller.say("у меня нет денег на еду")
    assert rows(app, "SELECT language, interpreter, priority FROM queue_entries") == [
        ("de", "ru", "emergency")]


# ----------------------------------------------------------------- appointments


def book_in(app, key, *lines):
    caller = Caller(app)
    caller.dial()
    caller.say(f"#{key}")
    for line in lines:
        caller.say(line)
    for _ in range(3):  # SMS, reminder, anything else: no
        caller.say("#2")
    return caller


def test_an_appointment_in_ukrainian_by_voice_with_a_caseworker_who_speaks_it(app):
    caller = book_in(app, "6", "мені потрібно записатися на прийом", "пошук роботи",
                     "Вайблінген", "у четвер зранку", "так")
    booked = " ".join(" ".join(e.hotline) for e in caller.exchanges)
    assert "Вас записано: завтра, четвер" in booked  # Thursday is tomorrow
    assert rows(app, "SELECT caseworker_name, language, interpreter FROM bookings") == [
        ("Herr Novak", "uk", None)]


def test_without_a_caseworker_who_speaks_it_an_interpreter_is_noted_on_the_booking(app):
    caller = book_in(app, "6", "мені потрібно записатися на прийом", "гроші", "Вайблінген",
                     "завтра", "так")
    booked = " ".join(" ".join(e.hotline) for e in caller.exchanges)
    assert "На ваш прийом прийде перекладач" in booked
    (row,) = rows(app, "SELECT caseworker_name, interpreter FROM bookings")
    assert row[1] == "uk" and row[0] in ("Frau Keller", "Herr Yılmaz")


def test_an_appointment_in_turkish_by_voice(app):
    book_in(app, "8", "randevu almak istiyorum", "para", "Waiblingen", "salı sabah", "evet")
    assert rows(app, "SELECT caseworker_name, date(start_utc) FROM bookings") == [
        ("Herr Yılmaz", "2026-12-01")]


# Strangers' calls (1 December 2026): a day corrected in one breath was booked on the first
# day, and Turkish days after Tuesday were heard one day late ("çarşamba" as Thursday).
# NOW is Wednesday 25 November: next Wednesday is 2 December, Thursday is the 26th.
@pytest.mark.parametrize("key, lines, day", [
    ("7", ["мне нужно записаться на приём", "поиск работы", "Вайблинген",
           "во вторник, нет, в среду", "да"], "2026-12-02"),
    ("4", ["أريد حجز موعد", "البحث عن عمل", "شورندورف", "يوم الثلاثاء، لا، يوم الأربعاء",
           "نعم"], "2026-12-02"),
    ("6", ["мені потрібно записатися на прийом", "гроші", "Вайблінген",
           "у вівторок, ні, в середу", "так"], "2026-12-02"),
    ("8", ["randevu almak istiyorum", "para", "Waiblingen", "salı, hayır, çarşamba", "evet"],
     "2026-12-02"),
    ("8", ["randevu almak istiyorum", "para", "Waiblingen", "perşembe günü", "evet"],
     "2026-11-26"),
])
def test_a_day_corrected_in_one_breath_is_booked_on_the_corrected_day(app, key, lines, day):
    book_in(app, key, *lines)
    assert rows(app, "SELECT date(start_utc) FROM bookings") == [(day,)]


@pytest.mark.parametrize("key, lines", [
    ("7", ["я хочу узнать статус моего заявления", "да", "123D456789", "да", "3 мая 1980"]),
    ("4", ["أريد أن أعرف حالة طلبي", "نعم", "123D456789", "نعم", "3 أيار 1980"]),
])
def test_a_date_of_birth_with_the_month_named_in_the_language_is_understood(app, key, lines):
    with_demo_cases(app)
    caller = Caller(app)
    caller.dial()
    caller.say(f"#{key}")
    for line in lines:
        caller.say(line)
    said = caller.hears()
    assert rows(app, "SELECT count(*) FROM case_disclosures") == [(1,)], said


# Said in German inside another language, these are what a booking read out before the
# sites and topics had texts of their own (a stranger's call, 30 November 2026).
GERMAN_IN_A_BOOKING = ("in der Geschäftsstelle", "Bitte klingeln", "Sie werden", "Vom Bahnhof",
                       "Gegenüber vom", "Personalausweis", "Kontoauszüge", "Bescheide")


@pytest.mark.parametrize("key, lines, heard", [
    ("8", ["randevu almak istiyorum", "para", "Backnang", "salı sabah", "evet"],
     ["Backnang şubesinde", "Obstmarkt durağına", "kimlik kartı veya pasaport"]),
    ("6", ["мені потрібно записатися на прийом", "гроші", "Шорндорф", "у вівторок зранку",
           "так"],
     ["у відділенні Шорндорф", "Навпроти автовокзалу Шорндорф", "посвідчення особи"]),
    ("7", ["мне нужно записаться на приём", "деньги", "Вайблинген", "во вторник утром", "да"],
     ["в отделении Вайблинген", "Пять минут пешком", "удостоверение личности"]),
    ("4", ["أريد موعدا", "مال", "باكنانغ", "يوم الثلاثاء صباحا", "نعم"],
     ["في فرع باكنانغ", "موقف أوبستماركت", "جواز السفر"]),
])
def test_a_booking_in_another_language_is_read_out_in_it_not_in_german(app, key, lines, heard):
    caller = book_in(app, key, *lines)
    booked = " ".join(" ".join(e.hotline) for e in caller.exchanges)
    assert rows(app, "SELECT count(*) FROM bookings") == [(1,)], booked
    for words in heard:
        assert words in booked
    assert [german for german in GERMAN_IN_A_BOOKING if german in booked] == []


@pytest.mark.parametrize("key, asked, heard, not_heard", [
    ("8", "çalışma saatleriniz nedir",
     ["Backnang şubesinde", "saat on iki otuza kadar"], ["şubeler: Backnang", "otuz kadar"]),
    ("6", "коли ви працюєте", ["У відділенні Бакнанг", "до дванадцятої тридцять"],
     ["Backnang"]),
])
def test_where_one_site_s_hours_differ_it_is_named_as_the_language_says_it(
        app, key, asked, heard, not_heard):
    caller = Caller(app)
    caller.dial()
    caller.say(f"#{key}")
    caller.say(asked)
    said = caller.hears()
    for words in heard:
        assert words in said
    for words in not_heard:
        assert words not in said


# ----------------------------------------------------------------- the interpreter conference


def test_the_agent_adds_an_interpreter_and_removes_them_again(database_target, standin):
    app = make_app(database_target, TWILIO_ACCOUNT_SID=ACCOUNT, HOTLINE_SMS_FROM="+4971519999999",
                   HOTLINE_TWILIO_API_BASE=standin.url, HOTLINE_OUTBOX_THREAD=False,
                   HOTLINE_INTERPRETER_NUMBER=INTERPRETER_NUMBER,
                   HOTLINE_INTERPRETER_LANGUAGES=["tr", "ar"])
    app.extensions["hotline.gateway"].http.default_timeout = (0.5, 0.5)
    agent(app, "anna", ("de",))
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("bir görevliyle konuşmak istiyorum")
    caller.say("#2")  # a German-speaking agent with an interpreter: Anna's phone rings
    assert "bitte Dolmetscher dazuholen" in caller.hears()

    console = app.test_client()
    page = console.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    console.post("/agent/login", data={"login": "anna", "password": "passwort-1234",
                                       "csrf_token": token})
    state = console.get("/agent/state.json").get_json()
    assert state["current"]["interpreter"] == {"language": "Türkisch", "status": None,
                                               "can_add": True, "can_remove": False}
    added = console.post("/agent/interpreter", headers={"X-CSRFToken": state["csrf"]})
    assert added.status_code == 200, added.get_json()["message"]

    # Through Twilio's REST API: the agent's leg and the caller into the conference, and
    # the interpreter service called.
    moved = {u["call_sid"]: parse_qs(urlsplit(u["Url"]).query) for u in standin.call_updates}
    assert moved[caller.agent_leg]["role"] == ["agent"]
    assert moved[caller.call_sid]["role"] == ["caller"]
    (placed,) = standin.calls_created
    assert placed["To"] == INTERPRETER_NUMBER and placed["From"] == caller.to_number
    assert parse_qs(urlsplit(placed["Url"]).query)["role"] == ["interpreter"]

    # The caller's <Dial> to the agent ends: the caller follows into the conference.
    ended = caller.post(caller.dial_action, DialCallStatus="completed")
    room = twiml(ended.body).find("./Dial/Conference")
    assert room.text == f"interpreter-{caller.call_sid}"
    assert room.get("endConferenceOnExit") == "true"
    # The interpreter answers: told in German what for, then into the same conference.
    joined = caller.post(placed["Url"].split("localhost", 1)[-1], CallSid=placed["sid"])
    assert "Dolmetscher für Türkisch" in " ".join(w for _, _, w in says(joined.body))
    room = twiml(joined.body).find("./Dial/Conference")
    assert room.text == f"interpreter-{caller.call_sid}"
    assert room.get("endConferenceOnExit") == "false"
    caller.post("/voice/interpreter-status", CallSid=placed["sid"], CallStatus="in-progress")
    state = console.get("/agent/state.json").get_json()
    assert state["current"]["interpreter"]["status"] == "joined"
    assert state["current"]["interpreter"]["can_remove"]

    removed = console.post("/agent/interpreter/remove", headers={"X-CSRFToken": state["csrf"]})
    assert removed.status_code == 200
    assert {"call_sid": placed["sid"], "Status": "completed"} in [
        {k: u[k] for k in ("call_sid", "Status") if k in u} for u in standin.call_updates]
    assert rows(app, "SELECT status FROM interpreter_sessions") == [(interpreters.REMOVED,)]


def test_a_language_the_service_does_not_offer_cannot_be_added(database_target):
    app = make_app(database_target, HOTLINE_INTERPRETER_NUMBER=INTERPRETER_NUMBER,
                   HOTLINE_INTERPRETER_LANGUAGES=["ar"])
    agent(app, "anna", ("de",))
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("bir görevliyle konuşmak istiyorum")
    caller.say("#2")
    console = app.test_client()
    page = console.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    console.post("/agent/login", data={"login": "anna", "password": "passwort-1234",
                                       "csrf_token": token})
    state = console.get("/agent/state.json").get_json()
    assert state["current"]["interpreter"]["can_add"] is False
    refused = console.post("/agent/interpreter", headers={"X-CSRFToken": state["csrf"]})
    assert refused.status_code == 409
    assert app.extensions["hotline.gateway"].calls == []


# ----------------------------------------------------------------- figures per language


def test_the_dashboard_counts_calls_containment_and_waits_per_language(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("saat kaçta açıksınız")
    caller.say("hayır")
    caller.hang_up()
    db = connect(app.config["HOTLINE_DATABASE"])
    try:
        with transaction(db):
            period = figures.Period(NOW.date(), NOW.date())
            found = {row["lang"]: row for row in figures.figures(
                db, period, now=NOW + timedelta(hours=1))["languages"]}
    finally:
        db.conn.close()
    assert found["tr"]["calls"] == 1 and found["tr"]["contained"] == 1
    assert found["tr"]["label"] == "Türkisch"
    assert {"transferred", "wait_mean_s", "service_level"} <= set(found["tr"])


# -- a stranger's calls (stranger 31) --------------------------------------------------------

def test_turkish_callers_asking_for_child_benefit_hear_the_familienkasse_in_turkish(app):
    # "çocuk parası ne zaman gelecek" started an identity check.
    caller = Caller(app)
    caller.dial()
    caller.say("#8")
    caller.say("çocuk parası ne zaman gelecek")
    said = caller.hears()
    assert "Familienkasse" in said and "çocuk parası" in said
    assert "sıfır sekiz yüz, dört, beş beş beş beş, üç sıfır" in said
    assert "erreichbar" not in said and "null acht" not in said


def test_ukrainian_callers_hear_the_agentur_fuer_arbeit_in_ukrainian(app):
    # The referral's matter and hours were German sentences inside the Ukrainian ones.
    caller = Caller(app)
    caller.dial()
    caller.say("#6")
    caller.say("Добрий день, я з України, хочу зареєструватися як безробітна")
    said = caller.hears()
    assert "Agentur für Arbeit" in said and "з понеділка по п'ятницю" in said
    assert "erreichbar" not in said and "die Arbeitslosmeldung" not in said


def test_arabic_callers_asking_when_the_hotline_opens_on_friday_hear_the_hours(app):
    caller = Caller(app)
    caller.dial()
    caller.say("#4")
    caller.say("متى تفتحون يوم الجمعة")
    said = caller.hears()
    assert "الجمعة" in said and "لم أفهم" not in said


def test_a_turkish_word_in_german_goes_on_in_turkish_with_the_request(app):
    # "Merhaba, ich brauche randevu" was "nicht verstanden"; German words alone are German.
    caller = Caller(app)
    caller.dial()
    caller.say("Merhaba, ich brauche randevu")
    assert "Konu şu: yeni bir randevu" in caller.hears()
    caller.say("evet")
    assert "Randevu hangi konuda" in caller.hears()
    german = Caller(app)
    german.dial()
    german.say("ich brauche was")
    assert "nicht verstanden" in german.hears()
