"""Callers in Ukrainian, Russian, Turkish and Arabic are understood, a crisis is never
missed in any of them, and a caller's request for a language is heard in any language.

The utterance sets (speech/evaluation/*_<lang>.tsv, tests/data/crisis_dev_<lang>.tsv)
were written before the catalogues; the held-out ones after, and never used to tune.
Before these catalogues every utterance fell through to German and failed (the dev sets'
only "hits" were the out-of-scope rows: 8-14%). Measured on 2026-11-29:

    dev        uk 100%  ru 100%  tr 100%  ar 100%   (48-50 utterances each)
    held-out   uk 88.9% ru 83.3% tr 94.4% ar 94.4%  (18 each), emergency recall 100%
    language   dev 48/48, held-out 13/16

On 30 November 2026 (lang33) the dev sets grew by 19-21 utterances each (the way there,
the address, child benefit, a cut, a letter, an appointment, ill, a person: before that
day's change 65-66 of 69 right) and a second held-out set of 16 each was written before
the change and scored once at its end: ar 12 -> 15, ru 12 -> 14, tr 12 -> 15, uk 13 -> 15.
The first held-out sets, not read: ru 15 -> 18, tr 17 -> 18, uk 16 -> 17, ar 18 of 18.
What the callers of those sets get (the way, the Familienkasse, ...): tests/test_languages_way.py.
"""

from pathlib import Path

import pytest

from speech import detect_crisis, detect_language_request, recognise
from speech.cli import evaluate, read_labelled

EVALUATION = Path(__file__).parent.parent / "speech" / "evaluation"
DATA = Path(__file__).parent / "data"
OFFERED = ("de", "en", "uk", "ru", "tr", "ar", "de-simple")

# Floors a little under the measured figures: a change that loses a caller fails here.
HELD_OUT_FLOORS = {"uk": 0.85, "ru": 0.9, "tr": 0.9, "ar": 0.9}
# The second held-out sets (16 each, no emergencies): right answers, one under the measured.
HELD_OUT2_FLOORS = {"uk": 14, "ru": 13, "tr": 14, "ar": 14}


def labelled(path):
    return [row.split("\t", 1) for row in path.read_text(encoding="utf-8").splitlines()
            if row.strip() and not row.startswith("#")]


@pytest.mark.parametrize("lang", ["uk", "ru", "tr", "ar"])
def test_dev_callers_are_understood(lang):
    rows = read_labelled(EVALUATION / f"intents_dev_{lang}.tsv")
    assert len(rows) >= 40
    report = evaluate(rows, lang)
    assert report["accuracy"] >= 0.95, report["errors"]
    assert report["per_intent"]["emergency"]["recall"] == 1.0


@pytest.mark.parametrize("lang", ["uk", "ru", "tr", "ar"])
def test_held_out_callers_are_understood(lang):
    rows = read_labelled(EVALUATION / f"intents_heldout_{lang}.tsv")
    assert len(rows) >= 15
    report = evaluate(rows, lang)
    assert report["accuracy"] >= HELD_OUT_FLOORS[lang], report["errors"]
    assert report["per_intent"]["emergency"]["recall"] == 1.0


@pytest.mark.parametrize("lang", ["uk", "ru", "tr", "ar"])
def test_second_held_out_callers_are_understood(lang):
    rows = read_labelled(EVALUATION / f"intents_heldout2_{lang}.tsv")
    assert len(rows) == 16
    report = evaluate(rows, lang)
    assert round(report["accuracy"] * len(rows)) >= HELD_OUT2_FLOORS[lang]  # counts only


@pytest.mark.parametrize("lang, text, intent", [
    ("ru", "zapisatsya na priyom", "book_appointment"),       # Cyrillic keywords, Latin words
    ("ru", "ЗАПИСАТЬСЯ НА ПРИЁМ!!!", "book_appointment"),
    ("uk", "hroshi ne pryishly", "payment_status"),
    ("tr", "randevumu iptal etmek istiyorum", "cancel_appointment"),
    ("tr", "RANDEVUMU IPTAL ETMEK ISTIYORUM", "cancel_appointment"),  # no Turkish letters
    ("ar", "badi maw3ed", "book_appointment"),                # Arabizi
    ("ar", "أريد إلغاء الموعد", "cancel_appointment"),         # hamza on the alef, article
    ("ar", "اريد الغاء الموعد", "cancel_appointment"),
])
def test_spellings_and_scripts_meet(lang, text, intent):
    assert recognise(text, lang).intent == intent


def test_not_urgent_is_not_an_emergency():
    assert recognise("randevu almak istiyorum acil değil", "tr").intent == "book_appointment"


def test_german_and_english_are_unchanged_by_the_new_languages():
    assert recognise("ich brauche einen termin").intent == "book_appointment"
    assert recognise("my money has not arrived yet", "en").intent == "payment_status"


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "tr", "ar"])
def test_every_crisis_is_heard_and_nothing_else_is_one(lang):
    rows = labelled(DATA / f"crisis_dev_{lang}.tsv")
    assert {kind for kind, _ in rows} == {"self_harm", "violence", "emergency", "none"}
    for kind, text in rows:
        assert (detect_crisis(text, lang) or "none") == kind, text


def test_english_crises_never_tuned_on_are_mostly_heard_and_nothing_else_is_one():
    """Measured on 2026-11-30: 9 of 14 (5 of the 10 crises, all 4 that are none); before
    that day's phrases, 8 of 14. Later that day 12 of 14, no longer blind: its misses had
    been read, and the phrases widened after them ("i wish i was dead")."""
    rows = labelled(DATA / "crisis_heldout_en.tsv")
    found = [(kind, detect_crisis(text, "en") or "none") for kind, text in rows]
    assert all(heard == "none" for kind, heard in found if kind == "none")
    assert sum(kind == heard for kind, heard in found) / len(found) >= 0.6


def set_language(name: str) -> str:
    """"crisis_round2_uk.tsv" -> "uk"."""
    return name.rsplit("_", 1)[1].removesuffix(".tsv")


# Sets helpers wrote without seeing the phrases (30 November 2026), then tuned on; the
# lines they may still miss are spelled as a German ear might hear a foreign language
# ("ai wont tu dai", "meni nema sarady tschoho shyty"): a recogniser set to that language
# writes real words.
TUNED_SETS = {"crisis_blind_en.tsv": 2, "crisis_blind_tr.tsv": 0, "crisis_blind_uk.tsv": 0,
              "crisis_blind_ru.tsv": 0, "crisis_blind_ar.tsv": 0,
              "crisis_round2_de.tsv": 0, "crisis_seen2_de.tsv": 0, "crisis_round2_en.tsv": 2,
              "crisis_round2_tr.tsv": 0, "crisis_round2_uk.tsv": 2, "crisis_round2_ru.tsv": 0,
              "crisis_round2_ar.tsv": 0,
              # Written messages (SMS, web chat), 30 November 2026.
              "crisis_written_de.tsv": 0, "crisis_written_en.tsv": 0,
              "crisis_written_tr.tsv": 0, "crisis_written_uk.tsv": 0,
              "crisis_written_ru.tsv": 0, "crisis_written_ar.tsv": 0,
              # Round 3 (indirect, elderly, dialect, non-native), 30 November 2026: one
              # English line is left to the people ("i'm not gonna be around for that
              # appointment": said of a holiday too).
              "crisis_round3_de.tsv": 0, "crisis_round3_en.tsv": 1,
              "crisis_round3_tr.tsv": 0, "crisis_round3_uk.tsv": 0,
              "crisis_round3_ru.tsv": 0, "crisis_round3_ar.tsv": 0}


@pytest.mark.parametrize("name", sorted(TUNED_SETS))
def test_every_crisis_of_the_tuned_blind_sets_is_heard_and_no_near_miss_is_one(name):
    lang = set_language(name)
    rows = labelled(DATA / name)
    assert len(rows) == 32
    wrong = [(kind, text) for kind, text in rows if (detect_crisis(text, lang) or "none") != kind]
    assert not [text for kind, text in wrong if kind == "none"], wrong
    assert len(wrong) <= TUNED_SETS[name], wrong


# Crises heard in the sealed sets (24 crises and 8 near misses each, the written ones 26 and 6;
# never read while the phrases were written), as measured on 30 November 2026 after tuning.
# They show how little expressions carry over to phrasings nobody wrote down: tuning on
# round 2 moved sealed set 2 from 55 to 57 of 120, the written round (SMS and chat) the
# spoken sealed sets from 149 to 157 of 264, round 3 from 157 to 168 (the written ones
# from 84 to 89 of 156). See README, "Callers in crisis".
SEALED_CRISES_HEARD = {"crisis_sealed_en.tsv": 19, "crisis_sealed_tr.tsv": 17,
                       "crisis_sealed_uk.tsv": 17, "crisis_sealed_ru.tsv": 20,
                       "crisis_sealed_ar.tsv": 14, "crisis_sealed2_en.tsv": 15,
                       "crisis_sealed2_tr.tsv": 18, "crisis_sealed2_uk.tsv": 10,
                       "crisis_sealed2_ru.tsv": 13, "crisis_sealed2_ar.tsv": 7,
                       "crisis_sealed3_de.tsv": 18,
                       # Written messages, 26 crises each: before the written round 16, 11,
                       # 14, 11, 13, 17 (82 of 156).
                       "crisis_sealed_written_de.tsv": 16, "crisis_sealed_written_en.tsv": 14,
                       "crisis_sealed_written_tr.tsv": 16, "crisis_sealed_written_uk.tsv": 12,
                       "crisis_sealed_written_ru.tsv": 14, "crisis_sealed_written_ar.tsv": 17}


@pytest.mark.parametrize("name", sorted(SEALED_CRISES_HEARD))
def test_crises_nobody_tuned_on_are_heard_as_often_as_measured(name):
    lang = set_language(name)
    rows = labelled(DATA / name)
    found = [(kind, detect_crisis(text, lang) or "none") for kind, text in rows]
    # Counts only: these sentences stay unread, so that they keep measuring.
    assert sum(heard != "none" for kind, heard in found if kind == "none") == 0
    assert sum(heard == kind for kind, heard in found if kind != "none") >= \
        SEALED_CRISES_HEARD[name]


# Round 3's held-out sets (15 crises, 5 near misses each), written with round 3 by the same
# helper and never tuned on: (crises heard, near misses taken for a crisis) after round 3.
# Before it: 4, 4, 5, 5, 3 and 4 crises heard (25 of 90, now 28); the near misses were
# taken for crises before too (words the tables had long before, such as "голодна").
HELD_OUT_3 = {"crisis_heldout3_de.tsv": (6, 0), "crisis_heldout3_en.tsv": (5, 0),
              "crisis_heldout3_tr.tsv": (5, 1), "crisis_heldout3_uk.tsv": (5, 1),
              "crisis_heldout3_ru.tsv": (3, 1), "crisis_heldout3_ar.tsv": (4, 2)}


@pytest.mark.parametrize("name", sorted(HELD_OUT_3))
def test_round_3_held_out_crises_are_heard_as_often_as_measured(name):
    lang = set_language(name)
    rows = labelled(DATA / name)
    found = [(kind, detect_crisis(text, lang) or "none") for kind, text in rows]
    heard, flagged = HELD_OUT_3[name]
    assert sum(heard_as == kind for kind, heard_as in found if kind != "none") >= heard
    assert sum(heard_as != "none" for kind, heard_as in found if kind == "none") <= flagged


def test_a_crisis_is_heard_before_the_caller_chose_the_language():
    """A Turkish caller in crisis still in the German greeting."""
    assert detect_crisis("kendimi öldüreceğim", "de") == "self_harm"
    assert detect_crisis("муж меня бьёт", "de") == "violence"
    assert detect_crisis("ما عنا شي ناكله", "de") == "emergency"


@pytest.mark.parametrize("name", ["languages_dev.tsv", "languages_heldout.tsv"])
def test_a_language_is_asked_for_in_any_language(name):
    rows = labelled(EVALUATION / name)
    wrong = [(answer, text, detect_language_request(text, OFFERED)) for answer, text in rows
             if (detect_language_request(text, OFFERED) or "none") != answer]
    floor = 1.0 if name == "languages_dev.tsv" else 0.8
    assert 1 - len(wrong) / len(rows) >= floor, wrong


def test_a_language_the_job_centre_does_not_offer_means_an_interpreter():
    assert detect_language_request("auf Türkisch bitte", ("de", "en")) == "interpreter"
    assert detect_language_request("auf Türkisch bitte", ("de", "tr")) == "tr"
    assert detect_language_request("Dolmetscher", OFFERED) == "interpreter"


def test_a_name_in_passing_is_no_request():
    assert detect_language_request("ich habe einen türkischen Pass", OFFERED) is None
    assert detect_language_request("mein Deutschkurs fängt an", OFFERED) is None
    assert detect_language_request("ich spreche kein Deutsch, Türkisch bitte", OFFERED) == "tr"


@pytest.mark.parametrize("lang", ["ru", "uk", "tr", "ar", "de"])
def test_a_turn_keyed_at_once_reads_as_keyed_word_by_word(lang):
    """speech.scripts.keyed_words keys Latin-letter turns in one go; what the crisis
    expressions read must be what keying each word gives."""
    from speech.normalise import prepared, unmapped
    from speech.scripts import key, keyed_words

    # Not the sealed sets: a failure would print their lines.
    texts = [text for path in sorted(DATA.glob("*.tsv")) if "sealed" not in path.name
             for _, text in labelled(path)]
    texts += ["zapisatsya na priyom", "maw3ed ya akhi", "shchi kashcha yozh", "x w yj",
              "Ich brauche einen Termin", "a1x 2026 bb", "", "   ", "çalışma calisma"]
    for text in texts:
        tokens = unmapped(prepared(text))
        assert keyed_words(tokens, lang) == " ".join(key(t, lang) for t in tokens), text
