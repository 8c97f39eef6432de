"""Arabic, Russian, Turkish and Ukrainian callers asking the way, the address, about child
benefit, a cut, or reporting a sick note, through the webhooks as they hear it; and what an
Arabic, Russian or Ukrainian writer reads (SMS): "write", never "say".

The utterances are the callers' own words of the kinds missed on 30 November 2026 (the
Russian ones are new wordings, not those of the held-out set that showed the misses).
Measured on the new utterances of speech/evaluation/intents_dev_<lang>.tsv (the part
headed "lang33") and on intents_heldout2_<lang>.tsv (written before the change, scored
once at its end), as what the caller gets (the way, Familienkasse, the cut explained, ...):

    PYTHONPATH=. .venv/bin/python tests/test_languages_way.py [dev|heldout2]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from written_people import Texter

from conftest import EVERY_LANGUAGE, Caller, every_language_app
from conversation import Dialogue, Heard

EVALUATION = Path(__file__).parent.parent / "speech" / "evaluation"
LANGUAGES = EVERY_LANGUAGE
KEYS = {"tr": "#8", "uk": "#6", "ru": "#7", "ar": "#4"}
DIALOGUE = Dialogue(languages=LANGUAGES)


@pytest.fixture
def app(database_target):
    return every_language_app(database_target)


def call_in(app, lang: str, *lines: str) -> Caller:
    caller = Caller(app)
    caller.dial()
    caller.say(KEYS[lang])
    for line in lines:
        caller.say(line)
    return caller


# ------------------------------------------------------------------ the way, the address

@pytest.mark.parametrize("lang, asked, heard", [
    ("ar", "كيف أصل إلى الفرع", "أي فرع تقصدون"),
    ("ru", "подскажите как к вам проехать", "Какое отделение"),
    ("tr", "size otobüsle nasıl ulaşırım", "Hangi şube"),
    ("uk", "як до вас доїхати", "Яке відділення"),
])
def test_asking_the_way_without_a_site_is_asked_which_site(app, lang, asked, heard):
    caller = call_in(app, lang, asked)
    assert heard in caller.hears()


@pytest.mark.parametrize("lang, number, heard", [
    ("ar", "تلاتة", "هكذا تجدون فرع شورندورف"),
    ("ar", "الفرع التاني", "هكذا تجدون فرع باكنانغ"),
    ("ru", "третье", "Как найти отделение Шорндорф"),
    ("tr", "üç", "Adres: Schorndorf şubesi"),
    ("uk", "два", "Як знайти відділення Бакнанг"),
])
def test_the_site_is_chosen_by_its_number_said_as_a_word(app, lang, number, heard):
    """"Or press one, two or three": the caller says the number instead."""
    asked = {"ar": "وين مكتبكم", "ru": "где вы находитесь", "tr": "adresiniz nedir",
             "uk": "де ви знаходитесь"}[lang]
    assert heard in call_in(app, lang, asked, number).hears()


@pytest.mark.parametrize("lang, asked, heard", [
    ("ar", "ما هو عنوان الفرع في باكنانغ", "هكذا تجدون فرع باكنانغ"),
    ("ar", "كيف بروح عالجوب سنتر في شورندورف", "هكذا تجدون فرع شورندورف"),
    ("ru", "по какому адресу ваше отделение в бакнанге", "Как найти отделение Бакнанг"),
    ("ru", "как мне лучше добираться до джобцентра в шорндорфе", "Как найти отделение Шорндорф"),
    ("tr", "backnang şubesinin adresi nedir", "Adres: Backnang şubesi"),
    ("uk", "де знаходиться відділення в шорндорфі", "Як знайти відділення Шорндорф"),
])
def test_the_address_or_the_way_is_the_address_not_the_opening_hours(app, lang, asked, heard):
    said = call_in(app, lang, asked).hears()
    assert heard in said
    assert "Backnang" in said or "Schorndorf" in said  # the street, as written on the signs
    assert not any(hours in said for hours in ("يفتح", "работает", "açık", "працює"))


@pytest.mark.parametrize("lang, asked, heard, not_heard", [
    ("ar", "متى تفتحون في باكنانغ", "يفتح فرع باكنانغ", "الفروع"),
    ("ru", "когда работает отделение в бакнанге", "Отделение Бакнанг работает", "отделения"),
])
def test_one_site_is_named_as_one_office(app, lang, asked, heard, not_heard):
    said = call_in(app, lang, asked).hears()
    assert heard in said and not_heard not in said


# ------------------------------------------------- child benefit, a cut, a sick note

@pytest.mark.parametrize("lang, asked", [
    ("ru", "нам не перечислили деньги на детей"),
    ("ru", "вопрос по детскому пособию"),
    ("uk", "дитячі гроші цього місяця не надійшли"),
    ("tr", "çocuklarımın parası yatmadı"),
    ("ar", "مصاري الأولاد ما نزلت"),
    ("ar", "بدي اسأل عن إعانة الأطفال"),
])
def test_child_benefit_in_the_callers_words_is_the_familienkasse(app, lang, asked):
    said = call_in(app, lang, asked).hears()
    assert "Familienkasse" in said
    assert "Kindergeld" in said


@pytest.mark.parametrize("lang, asked, heard", [
    ("ru", "зачем вы сократили мне бюргергельд", "объяснит отдел выплат"),
    ("uk", "ви скоротили мені бюргергельд", "пояснить"),
    ("ar", "المبلغ نقص كتير هالشهر", "يشرح لكم لماذا تحصلون على مال أقل"),
])
def test_a_cut_in_the_callers_words_is_explained_by_a_person(app, lang, asked, heard):
    assert heard in call_in(app, lang, asked).hears()


def test_an_arabic_letter_received_is_a_letter_not_a_wish_to_be_put_through():
    """"وصلني" is "connect me" and "I received": "وصلني مكتوب" is a letter."""
    assert outcome("ar", "وصلني مكتوب من الجوب سنتر وما فهمت شي") == "letter"
    assert outcome("ar", "وصلني بموظف لو سمحت") == "agent"


@pytest.mark.parametrize("lang, asked", [("tr", "param nerede"), ("tr", "bürgergeld nerede kaldı")])
def test_where_the_money_is_is_no_way_there(lang, asked):
    """"Where is my money?" asks about a payment, not for directions."""
    assert outcome(lang, asked) == "payment_status"


def test_made_redundant_is_not_a_cut_in_money():
    """"Меня сократили" (I was made redundant) is not "мне сократили" (they cut my money)."""
    assert outcome("ru", "меня сократили на работе") == "agentur"  # unemployment: the Agentur
    assert outcome("ru", "мне сократили пособие") == "cut"


@pytest.mark.parametrize("lang, said, heard", [
    ("ru", "у меня больничный до пятницы", "больничн"),
    ("uk", "у мене лікарняний", "лікарнян"),
])
def test_a_sick_note_is_no_hospital_and_asks_no_question_about_danger(app, lang, said, heard):
    """A sick note (больничный, лікарняний) keys like "hospital"; it is not a worry."""
    answer = call_in(app, lang, said).hears()
    assert heard in answer
    assert "опасност" not in answer and "небезпец" not in answer


# ------------------------------------------------------------------------ in writing

@pytest.mark.parametrize("first, yes, unsure, written, said", [
    ("مرحبا، شو صار بطلبي؟", "نعم", "ما بعرف", "يرجى كتابة اليوم والشهر والسنة", "قول"),
    ("Что с моим заявлением? Ответа всё нет", "да", "не знаю",
     "Напишите, пожалуйста, день, месяц и год", "Назовите"),
    ("Що з моєю заявою? Відповіді досі немає", "так", "не знаю",
     "Напишіть, будь ласка, день, місяць і рік", "Назвіть"),
])
def test_a_writer_is_asked_to_write_the_date_of_birth_not_to_say_it(app, first, yes, unsure,
                                                                     written, said):
    texter = Texter(app)
    texter.send(first)
    texter.send("123D456789")
    texter.send(yes)
    assert written in texter.send(unsure)
    assert not any(said in answer for answer in texter.answers), texter.answers


@pytest.mark.parametrize("first, heard", [
    ("сколько ещё ждать детские выплаты", "Вопросами о детских деньгах"),
    ("коли будуть дитячі виплати", "Familienkasse, сімейна каса"),
])
def test_a_first_message_about_child_benefit_is_answered_in_its_own_language(app, first, heard):
    """Both catalogues know "выплат" / "виплат" as one keyed word; ы or і tells them apart."""
    said = Texter(app).send(first)
    assert heard in said


# ------------------------------------------------------------------------ measured

EXPECTED = {"opening_hours": "way", "out_of_scope": "familienkasse", "payment_status": "cut",
            "letter": "letter", "book_appointment": "book_appointment",
            "report_sick": "report_sick", "agent": "agent"}


def outcome(lang: str, text: str) -> str:
    """What the hotline does with a first request in `lang`: way, cut, emergency, the
    office referred to, or the intent taken up."""
    state = DIALOGUE.start(caller_id=True, mobile=True).state
    state.lang, state.step = lang, "listen"
    turn = DIALOGUE.step(state, Heard(speech=text, confidence=0.9))
    if turn.state.emergency:
        return "emergency"
    if turn.event == "way:which_site" or "way_address" in repr(turn.actions):
        return "way"
    if turn.state.intent == "payment_cut":
        return "cut"
    if turn.event.startswith("referral:"):
        return turn.event.split(":")[1]
    if turn.event.startswith("worry:"):
        return "worry"
    return turn.state.intent or "none"


def labelled(name: str, since: str | None = None) -> list[tuple[str, str]]:
    """intent<TAB>utterance rows of an evaluation set; with `since`, only those after the
    comment line that contains it."""
    rows, on = [], since is None
    for line in (EVALUATION / name).read_text(encoding="utf-8").splitlines():
        if since and line.startswith("#") and since in line:
            on = True
        if on and line.strip() and not line.startswith("#"):
            rows.append(tuple(line.split("\t", 1)))
    return rows


def score(split: str, lang: str) -> tuple[int, int, list[tuple[str, str, str]]]:
    rows = (labelled(f"intents_dev_{lang}.tsv", since="lang33") if split == "dev"
            else labelled(f"intents_heldout2_{lang}.tsv"))
    wrong = [(EXPECTED[label], got, text) for label, text in rows
             if (got := outcome(lang, text)) != EXPECTED[label]]
    return len(rows) - len(wrong), len(rows), wrong


@pytest.mark.parametrize("lang", ["ar", "ru", "tr", "uk"])
def test_the_new_dev_callers_get_what_they_asked_for(lang):
    right, every, wrong = score("dev", lang)
    assert every >= 19 and not wrong, wrong


# Measured once, at the end of the change (30 November 2026): ar 13, ru 12, tr 15, uk 14
# of 16 (54 of 64); before it ar 6, ru 5, tr 10, uk 7 (28 of 64). The new dev utterances:
# 43 -> 76 of 76. Floors one under: a change that loses a caller fails here.
HELD_OUT2_FLOORS = {"ar": 12, "ru": 11, "tr": 14, "uk": 13}


@pytest.mark.parametrize("lang", ["ar", "ru", "tr", "uk"])
def test_held_out_callers_get_what_they_asked_for_as_often_as_measured(lang):
    right, every, _ = score("heldout2", lang)  # counts only: the misses stay unread
    assert every == 16 and right >= HELD_OUT2_FLOORS[lang]


if __name__ == "__main__":
    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    total = Counter()
    for lang in ("ar", "ru", "tr", "uk"):
        right, every, wrong = score(split, lang)
        total["right"] += right
        total["every"] += every
        print(f"{lang}: {right} of {every}")
        if split == "dev":
            for want, got, text in wrong:
                print(f"    want {want}, got {got}: {text}")
    print(f"Total: {total['right']} of {total['every']}")
