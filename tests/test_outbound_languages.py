"""What the hotline sends after the call comes in the caller's language (issue 31).

A caller books in Turkish or Ukrainian through the webhooks; the confirmation SMS, the
reminder SMS (Twilio's REST API is the stand-in on 127.0.0.1), the calendar file behind
the link, the answers to replies and the reminder call are in that language, and replies
written in it ("İPTAL", "СКАСУВАТИ") act as German ones do. German and English reply
words keep working. What was sent before: tests/data/outbound_before_tr_uk.txt.

The clock stands at Wednesday, 25 November 2026, 10:00; "gelecek salı" and "наступного
вівторка" are Tuesday, 1 December.
"""

import re
from datetime import datetime

import icalendar
import pytest
from test_reminders import (
    LANDLINE,
    MOBILE,
    at,
    berlin,
    booking_rows,
    live_app,
    reminded,
    reply,
    send_at,
)
from test_reminders_answered import ReminderCall, query, words

from conftest import Caller
from ivr import after_call, prompts, sms_replies
from schedules.config import BERLIN, DEMO_FOLDER, load_schedule
from schedules.store import Booking

LANGUAGES = ["de", "en", "tr", "uk", "ru", "ar"]
BOOK = {
    "tr": ["#8", "randevu almak istiyorum", "Backnang", "iş arama", "gelecek salı sabah",
           "evet", "hayır"],
    "uk": ["#6", "мені потрібен запис на прийом", "Бакнанг", "пошук роботи",
           "наступного вівторка вранці", "так", "ні"],
}
YES = {"tr": "evet", "uk": "так"}
GERMAN_WORDS = re.compile(r"\b(Termin|Uhr|Geschäftsstelle|Antworten|Bitte|Ihr|Dezember)\b")


def book_in(app, lang, from_number=MOBILE, confirmation=True):
    """A booking in `lang`: the offer taken, no name, the SMS and a reminder wanted."""
    caller = Caller(app, from_number=from_number)
    caller.dial()
    for line in BOOK[lang]:
        caller.say(line)
    if confirmation:
        caller.say(YES[lang])  # the confirmation by SMS
    caller.say(YES[lang])  # the reminder
    assert query(app, "SELECT language, status FROM bookings") == [(lang, "booked")]
    return caller


def sent(app, purpose):
    return [body for (body,) in query(app, "SELECT body FROM outbox WHERE purpose = ?"
                                           " ORDER BY id", purpose)]


def reminded_in(lang, database_target, standin):
    """A booking in `lang` whose reminder SMS went out on Monday at 17:00."""
    app = live_app(database_target, standin, HOTLINE_LANGUAGES=LANGUAGES)
    book_in(app, lang)
    send_at(app, berlin(2026, 11, 30, 17, 0))
    at(app, berlin(2026, 11, 30, 17, 20))
    return app


# ----------------------------------------------------------------------------- SMS length

# GSM 03.38: what fits 7 bits (the extension table's characters count twice); one
# character outside it (ş, ı, Cyrillic, Arabic) sends the whole text as UCS-2.
GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
       "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = "^{}\\[~]|€\f"


def segments(text: str) -> int:
    """How many SMS a text is sent as (and billed for)."""
    if all(ch in GSM or ch in GSM_EXTENSION for ch in text):
        units = sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
        return 1 if units <= 160 else -(-units // 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)  # UTF-16 code units
    return 1 if units <= 70 else -(-units // 67)


def test_the_segment_count_knows_ucs2():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("ş" + "a" * 69) == 1 and segments("ş" + "a" * 70) == 2
    assert segments("я" * 134) == 2 and segments("я" * 135) == 3


@pytest.mark.parametrize("lang", prompts.available_languages())
def test_every_reminder_sms_is_at_most_three_segments_on_the_longest_day(lang):
    schedule = load_schedule(DEMO_FOLDER)
    # Wednesday (Çarşamba, середа, الأربعاء), 30 September, 10:45, the longest town names.
    longest = max(
        (prompts.text(lang, "sms_reminder", schedule=schedule,
                      at_start=datetime(2026, 9, 30, 10, 45, tzinfo=BERLIN).isoformat(),
                      place_site=site) for site in schedule.sites), key=len)
    assert segments(longest) <= 3, (segments(longest), longest)


@pytest.mark.parametrize("lang", prompts.available_languages())
def test_a_reminder_names_the_site_as_the_confirmation_did_and_every_reply_word(lang):
    schedule = load_schedule(DEMO_FOLDER)
    start = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    booking = Booking(id=1, code="438581", token="t", call_sid=None, site_id="backnang",
                      topic_id="arbeitsvermittlung", caseworker_id="c", caseworker_name="",
                      start=start, end=start, status="booked", phone=MOBILE,
                      customer_number=None, language=lang, created_at="", cancelled_at=None,
                      replaces=None)
    reminder = after_call.reminder_sms(booking, schedule)
    confirmation = prompts.text(lang, "sms_confirmation", schedule=schedule,
                                at_start=start.isoformat(), place_site="backnang",
                                street_site="backnang", code="438581", link="L")
    site = {"de": "in der Geschäftsstelle Backnang",
            "de-simple": "in der Geschäftsstelle Backnang", "en": "at the Backnang office",
            "tr": "Backnang şubesinde",
            "uk": "у відділенні Бакнанг", "ru": "в отделении Бакнанг",
            "ar": "في فرع باكنانغ"}[lang]
    assert site in confirmation and site in reminder
    # JA, ABSAGEN, VERSCHIEBEN (or the language's own words): what a reply may say.
    words = sms_replies.WORDS.get(lang, sms_replies.WORDS["de"])
    for wish in ("CONFIRM", "CANCEL", "MOVE"):
        assert any(word in reminder for word in words[wish]), wish


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("lang, written", [
    ("de", "Dienstag, 1. Dezember, 9:30 Uhr"),
    ("en", "Tuesday, 1 December, 9:30 am"),
    ("tr", "1 Aralık Salı, saat 09:30"),
    ("uk", "вівторок, 1 грудня, о 09:30"),
    ("ru", "вторник, 1 декабря, в 09:30"),
    ("ar", "الثلاثاء، 1 ديسمبر، الساعة 09:30"),
])
def test_an_appointment_is_written_with_the_months_name_and_24_hour_figures(lang, written):
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    assert prompts.written_moment(moment, lang) == written
    # Arabic keeps the digits 0-9 that the address and the booking code use as well.
    assert re.findall(r"\d+", prompts.written_moment(moment, lang)) in (
        ["1", "9", "30"], ["1", "09", "30"])


def test_an_afternoon_is_written_in_24_hours():
    moment = datetime(2026, 12, 1, 14, 15, tzinfo=BERLIN)
    assert prompts.written_moment(moment, "uk").endswith("о 14:15")
    assert prompts.written_moment(moment, "tr").endswith("saat 14:15")


# ----------------------------------------------------------------------------- Turkish


def test_a_booking_in_turkish_is_confirmed_by_sms_in_turkish(database_target, standin):
    app = live_app(database_target, standin, HOTLINE_LANGUAGES=LANGUAGES)
    book_in(app, "tr")
    (body,) = sent(app, "booking_confirmation")
    assert body.startswith("Jobcenter Rems-Murr: Randevunuz 1 Aralık Salı, saat 08:00, "
                           "Backnang şubesinde. Adres: Am Obstmarkt 3, 71522 Backnang. "
                           "Randevu numarası: ")
    assert "sekiz" not in body  # figures for the eye, not words for the ear
    assert not GERMAN_WORDS.search(body)
    assert segments(body) <= 4


def test_the_reminder_sms_of_a_turkish_booking_is_turkish(database_target, standin):
    app = reminded_in("tr", database_target, standin)
    (reminder,) = sent(app, "reminder")
    assert reminder in [m["body"] for m in standin.messages]  # handed to Twilio
    assert reminder == ("Jobcenter Rems-Murr: Randevunuz 1 Aralık Salı, saat 08:00, Backnang "
                        "şubesinde. Onay için EVET, iptal için İPTAL, başka gün için ERTELE "
                        "yazın.")
    assert segments(reminder) <= 3
    assert booking_rows(app) == [("booked", None)]


def test_a_turkish_reply_cancels_after_asking_once(database_target, standin):
    app = reminded_in("tr", database_target, standin)
    assert reply(app, "İptal") == "Gerçekten iptal edilsin mi? O zaman İPTAL EVET yazın."
    assert booking_rows(app) == [("booked", None)]
    # Written without the dot on the I, as a phone without Turkish letters writes it.
    assert reply(app, "iptal evet") == (
        "Randevunuz iptal edildi. Yeni bir randevu için lütfen bizi arayın.")
    assert booking_rows(app) == [("cancelled", "cancelled")]


def test_german_and_english_words_keep_working_on_a_turkish_reminder(database_target, standin):
    app = reminded_in("tr", database_target, standin)
    assert reply(app, "JA") == "Teşekkürler, randevunuz onaylandı."  # answered in Turkish
    assert reply(app, "cancel") == "Really cancel? Reply CANCEL YES"  # English asked English
    assert booking_rows(app) == [("booked", "confirmed")]


def test_erteleme_offers_slots_written_in_turkish(database_target, standin):
    app = reminded_in("tr", database_target, standin)
    offer = reply(app, "ERTELE")
    assert offer.startswith("Boş randevular: 1: ")
    assert "şubesinde; 2: " in offer and " Aralık " in offer and "saat " in offer
    assert not GERMAN_WORDS.search(offer)
    moved = reply(app, "2")
    assert moved.startswith("Randevunuz ertelendi: ") and "Backnang şubesinde" in moved
    assert [status for status, _ in booking_rows(app)] == ["cancelled", "booked"]


def test_the_calendar_file_of_a_turkish_booking_is_turkish(database_target, standin):
    app = live_app(database_target, standin, HOTLINE_LANGUAGES=LANGUAGES)
    book_in(app, "tr")
    (body,) = sent(app, "booking_confirmation")
    link = re.search(r"(/appointments/[\w-]+\.ics)", body).group(1)
    answer = app.test_client().get(link)
    assert answer.status_code == 200
    [event] = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")
    assert str(event["summary"]) == "Jobcenter randevusu: iş arama"
    description = str(event["description"])
    assert "Lütfen yanınızda getirin:\n- kimlik kartı veya pasaport\n- özgeçmiş" in description
    assert "Yol tarifi: Backnang tren istasyonundan 380 numaralı otobüsle" in description
    assert "Randevu numarası: " in description
    assert not GERMAN_WORDS.search(description) and "Bitte bringen" not in description
    # Where: the office's name as its door says it, and the address, for the street.
    assert str(event["location"]) == "Geschäftsstelle Backnang, Am Obstmarkt 3, 71522 Backnang"


def test_the_reminder_call_of_a_turkish_booking_speaks_turkish(database_target, standin):
    app = live_app(database_target, standin, HOTLINE_LANGUAGES=LANGUAGES)
    book_in(app, "tr", from_number=LANDLINE, confirmation=False)
    assert query(app, "SELECT reminder_channel FROM bookings") == [("call",)]
    send_at(app, berlin(2026, 11, 30, 17, 0))
    (placed,) = standin.calls
    at(app, berlin(2026, 11, 30, 17, 0, 20))
    call = ReminderCall(app, placed)
    first = call.answer("human")
    assert {say.get("language") for say in first.iter("Say")} == {"tr-TR"}
    assert words(first).startswith("İyi günler, burası Jobcenter Rems-Murr.")
    details = words(call.press("1"))
    assert details.startswith("Burası Jobcenter Rems-Murr, yarın, bir Aralık Salı, saat sekiz "
                              "Backnang şubesinde randevunuzu hatırlatıyoruz.")
    assert words(call.press("2")).startswith("Gerçekten iptal edilsin mi?")
    assert words(call.press("1")) == "Randevunuz iptal edildi. İyi günler."
    assert booking_rows(app) == [("cancelled", "cancelled")]


# ----------------------------------------------------------------------------- Ukrainian


def test_a_booking_in_ukrainian_gets_its_sms_and_reminder_in_ukrainian(database_target,
                                                                      standin):
    app = reminded_in("uk", database_target, standin)
    (confirmation,), (reminder,) = sent(app, "booking_confirmation"), sent(app, "reminder")
    assert {confirmation, reminder} == {m["body"] for m in standin.messages}
    assert confirmation.startswith("Джобцентр Ремс-Мурр: ваш запис: вівторок, 1 грудня, о "
                                   "08:00, у відділенні Бакнанг. Адреса: Am Obstmarkt 3")
    assert reminder == ("Джобцентр Ремс-Мурр: ваш запис: вівторок, 1 грудня, о 08:00, у "
                        "відділенні Бакнанг. Відповідайте ТАК для підтвердження, СКАСУВАТИ "
                        "для скасування, ПЕРЕНЕСТИ для іншого часу.")
    assert segments(reminder) <= 3
    assert not GERMAN_WORDS.search(confirmation + reminder)


def test_a_ukrainian_reply_cancels_and_stop_in_cyrillic_ends_reminders(database_target,
                                                                       standin):
    app = reminded_in("uk", database_target, standin)
    assert reply(app, "Скасувати") == "Справді скасувати? Тоді відповідайте СКАСУВАТИ ТАК."
    assert reply(app, "СКАСУВАТИ ТАК") == (
        "Ваш запис скасовано. Щоб записатися знову, зателефонуйте нам, будь ласка.")
    assert booking_rows(app) == [("cancelled", "cancelled")]
    assert reply(app, "стоп") == "Ви більше не отримуватимете від нас нагадувань у СМС."


def test_a_ukrainian_reply_in_words_is_understood(database_target, standin):
    app = reminded_in("uk", database_target, standin)
    assert reply(app, "Я хочу скасувати запис") == (
        "Справді скасувати? Тоді відповідайте СКАСУВАТИ ТАК.")
    assert reply(app, "так") == "Дякуємо, ваш запис підтверджено."
    assert booking_rows(app) == [("booked", "confirmed")]


def test_a_cyrillic_word_of_two_languages_is_answered_in_the_bookings_language(
        database_target, standin):
    # ПЕРЕНЕСТИ and СТОП are Ukrainian and Russian alike: which one wrote is not known,
    # so a Russian writer on a German booking is not answered in Ukrainian.
    app = reminded(database_target, standin)
    assert reply(app, "ПЕРЕНЕСТИ").startswith("Freie Termine: 1: ")
    assert reply(app, "Скасувати") == "Справді скасувати? Тоді відповідайте СКАСУВАТИ ТАК."
    assert reply(app, "СТОП", from_number="+491705550100") == (
        "Sie bekommen von uns keine Erinnerungen per SMS mehr.")  # no booking: German


def test_the_calendar_file_of_a_ukrainian_booking_is_ukrainian(database_target, standin):
    app = live_app(database_target, standin, HOTLINE_LANGUAGES=LANGUAGES)
    book_in(app, "uk")
    (body,) = sent(app, "booking_confirmation")
    link = re.search(r"(/appointments/[\w-]+\.ics)", body).group(1)
    [event] = icalendar.Calendar.from_ical(app.test_client().get(link).data).walk("VEVENT")
    assert str(event["summary"]) == "Прийом у джобцентрі: пошук роботи"
    assert "Будь ласка, візьміть із собою:\n- посвідчення особи або паспорт" in str(
        event["description"])
    assert "Як дістатися: Від вокзалу Бакнанг" in str(event["description"])
