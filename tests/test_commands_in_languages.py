""""Please repeat" and "goodbye" in Turkish, Ukrainian, Russian and Arabic: at a yes/no
question (here: whether to send another office's number by SMS) the caller hears the
answer again, or the call ends with thanks, as a German "Wie bitte?" or "danke, tschüss"
does. Before, both were "not understood", and then the caller was asked for a topic."""

from __future__ import annotations

import pytest

from conftest import Caller, every_language_app

KEYS = {"tr": "#8", "uk": "#6", "ru": "#7", "ar": "#4"}
CHILD_MONEY = {"tr": "çocuk parası ne zaman yatacak", "uk": "коли прийдуть гроші на дитину",
               "ru": "когда придут деньги на ребёнка", "ar": "متى تصل فلوس الأطفال"}
SMS_QUESTION = {"tr": "SMS ile göndereyim mi", "uk": "Надіслати вам цей номер у СМС",
                "ru": "Прислать вам этот номер по СМС", "ar": "هل أرسل لكم الرقم برسالة نصية"}
THANKS = {"tr": "Aradığınız için teşekkür ederiz", "uk": "Дякуємо за ваш дзвінок",
          "ru": "Спасибо за ваш звонок", "ar": "شكرًا لاتصالكم"}


@pytest.fixture
def app(database_target):
    return every_language_app(database_target)


def at_the_sms_question(app, lang: str) -> Caller:
    caller = Caller(app)
    caller.dial()
    caller.say(KEYS[lang])
    assert SMS_QUESTION[lang] in " ".join(caller.say(CHILD_MONEY[lang]))
    return caller


@pytest.mark.parametrize("lang, again", [
    ("tr", "tekrar eder misiniz"), ("tr", "duyamadım"),
    ("uk", "повторіть, будь ласка"), ("uk", "не почула"),
    ("ru", "повторите пожалуйста"), ("ru", "не расслышал, что вы сказали"),
    ("ar", "ممكن تعيد"), ("ar", "ما سمعت"),
])
def test_please_repeat_says_it_again(app, lang, again):
    caller = at_the_sms_question(app, lang)
    heard = " ".join(caller.say(again))
    assert "Familienkasse" in heard
    assert SMS_QUESTION[lang] in heard


@pytest.mark.parametrize("lang, bye", [
    ("tr", "teşekkürler, hoşça kalın"), ("tr", "güle güle"),
    ("uk", "дякую, до побачення"), ("uk", "всього доброго"),
    ("ru", "спасибо, до свидания"), ("ru", "всего хорошего"),
    ("ar", "شكرا مع السلامة"), ("ar", "في أمان الله"),
])
def test_goodbye_ends_the_call_with_thanks(app, lang, bye):
    caller = at_the_sms_question(app, lang)
    heard = " ".join(caller.say(bye))
    assert THANKS[lang] in heard
    assert caller.finished


@pytest.mark.parametrize("lang, said", [
    ("ru", "повторная заявка на бюргергельд"),  # a repeated application, no "repeat"
    ("uk", "я ще раз дзвоню щодо заяви"),  # calling once more, no "repeat"
])
def test_words_near_the_commands_are_no_command(app, lang, said):
    caller = Caller(app)
    caller.dial()
    caller.say(KEYS[lang])
    assert not caller.finished
    heard = " ".join(caller.say(said))
    assert THANKS[lang] not in heard and not caller.finished


def test_a_crisis_said_with_goodbye_is_heard_first(app):
    """Safety first: "до свидания, я больше не хочу жить" is no goodbye."""
    caller = at_the_sms_question(app, "ru")
    heard = " ".join(caller.say("до свидания, я больше не хочу жить"))
    assert "в первую очередь" in heard
    assert THANKS["ru"] not in heard
