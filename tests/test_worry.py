"""Words that give cause for worry: the caller is asked once whether they are in danger.

The crisis expressions hear about 60% of the crises in the sealed sets, which nobody tuned
on (README, "Callers in crisis"). Many of the others still name death, a bridge, tablets,
fear, the police, cold or hunger: words too common to act on alone, enough to ask
(speech/worry.py, speech/catalogue/worry.toml). Yes gets the help and a person at
emergency priority, no goes back to the question the caller was at.
"""

from pathlib import Path

import pytest
from test_languages_speech import labelled, set_language
from written_people import Texter

from conftest import Caller
from ivr import prompts
from speech import detect_crisis, detect_worry

DATA = Path(__file__).parent / "data"
EVALUATION = Path(__file__).resolve().parent.parent / "speech" / "evaluation"
ASKED_DE = "Sind Sie gerade in Gefahr?"
BACK_DE = "Danke, dass Sie es mir sagen. Dann machen wir weiter."
SITE_QUESTION = "In welcher Geschäftsstelle möchten Sie den Termin"


@pytest.mark.parametrize("lang, words, kind", [
    ("de", "ich bin so verzweifelt", "self_harm"),
    ("de", "ich habe solche angst, er ist wieder betrunken", "violence"),
    ("de", "wir frieren, die kinder auch", "emergency"),
    # A stranger on the softphone found these heard by nothing (30 November 2026).
    ("de", "ich weiß nicht mehr weiter, ich mach Schluss", "self_harm"),
    ("de", "ich kann nicht mehr weitermachen", "self_harm"),
    ("en", "everything feels hopeless", "self_harm"),
    ("en", "i'm scared, he's drunk again", "violence"),
    ("tr", "çok çaresizim", "self_harm"),
    ("uk", "мені дуже страшно", "violence"),
    ("uk", "мій чоловік знову п'яний прийшов", "violence"),
    ("uk", "п'яний чоловік не пускає мене додому", "violence"),
    ("uk", "я живу з п'яним чоловіком", "violence"),
    ("ru", "я больше не могу", "self_harm"),
    ("ru", "муж опять пьяный", "violence"),
    ("ru", "я живу с пьяным мужем", "violence"),
    ("ru", "у меня паника", "violence"),
    ("uk", "у мене паніка", "violence"),
    ("ar", "انا خايفه كتير", "violence"),
])
def test_words_of_worry_are_heard_in_each_language(lang, words, kind):
    assert detect_crisis(words, lang) is None  # no crisis the expressions hear ...
    assert detect_worry(words, lang) == kind   # ... but cause to ask


@pytest.mark.parametrize("lang, words", [
    ("de", "ich sterbe vor langeweile in der warteschleife"),
    ("de", "mein handy ist gleich tot"),
    ("de", "mein vater ist tot, ich brauche einen termin wegen der miete"),
    ("de", "nach dem tod meiner mutter muss ich umziehen"),
    ("de", "ich nehme tabletten gegen bluthochdruck"),
    ("de", "ich habe angst vor dem vorstellungsgespräch"),
    ("en", "i'm dying to know if my application went through"),
    ("en", "i'm afraid i can't make that appointment"),
    ("en", "my phone is dead, can you call my landline"),
    ("en", "i need a copy of the death certificate for the application"),
    # "пані" and "пана" (Mrs, Mr) are keyed as "п'яний" and "п'яна" (drunk) are.
    ("uk", "Я хочу поговорити з пані Шефер"),
    ("uk", "Пані Шефер, будь ласка"),
    ("uk", "мені потрібна пані Шефер"),
    ("uk", "Я записана до пана Вагнера"),
    ("ru", "Я хочу поговорить с паном Мюллером"),
    ("ru", "из-за пандемии я потерял работу"),
])
def test_idioms_and_someone_else_s_death_are_not_asked_about(lang, words):
    assert detect_worry(words, lang) is None


@pytest.mark.parametrize("path", sorted(EVALUATION.glob("intents_*.tsv"))
                         + sorted(DATA.glob("intents_*.tsv")) + sorted(DATA.glob("topics_*.tsv")),
                         ids=lambda path: path.name)
def test_no_ordinary_request_gives_cause_to_ask(path):
    lang = set_language(path.name)
    asked = [text for intent, text in labelled(path)
             if intent != "emergency" and detect_worry(text, lang) is not None]
    assert asked == []


def worry34_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "worry34_dev.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, expected, text = line.split("\t")
            rows.append((lang, expected, text))
    return rows


def test_everyday_words_found_in_round_34_are_not_asked_about():
    """A number corrected at its end ("nein, am Ende eine sieben"), a child crying in the
    background, "mir ist alles egal welcher Tag", a cold, the money at the end of the
    month: each was asked "Sind Sie gerade in Gefahr?" (30 November 2026)."""
    rows = [(lang, text) for lang, expected, text in worry34_rows() if expected == "none"]
    assert len(rows) >= 30
    asked = [(lang, text) for lang, text in rows
             if detect_crisis(text, lang) or detect_worry(text, lang)]
    assert asked == []


def test_the_worries_near_round_34_s_everyday_words_are_still_asked_about():
    rows = [(lang, text) for lang, expected, text in worry34_rows() if expected == "ask"]
    assert len(rows) >= 25
    missed = [(lang, text) for lang, text in rows
              if not (detect_crisis(text, lang) or detect_worry(text, lang))]
    assert missed == []


# The sealed sets (never read while the words were chosen; counts only): crises that get
# help (any kind the expressions hear) or the question, and near misses that are asked,
# as measured on 30 November 2026. Before the question existed: 248 of 420 crises got help;
# with it 301 get help or the question, and 8 of 124 near misses are asked (9 before the
# everyday words a stranger found were left out).
SEALED = {  # name: (crises that get help or the question, at least; near misses asked, at most)
    "crisis_sealed_ar.tsv": (18, 0), "crisis_sealed_en.tsv": (17, 1),
    "crisis_sealed_ru.tsv": (22, 1), "crisis_sealed_tr.tsv": (18, 0),
    "crisis_sealed_uk.tsv": (18, 1), "crisis_sealed2_ar.tsv": (11, 0),
    "crisis_sealed2_en.tsv": (17, 1), "crisis_sealed2_ru.tsv": (15, 2),
    "crisis_sealed2_tr.tsv": (22, 0), "crisis_sealed2_uk.tsv": (13, 2),
    "crisis_sealed3_de.tsv": (20, 0), "crisis_sealed_written_ar.tsv": (19, 0),
    "crisis_sealed_written_de.tsv": (18, 0), "crisis_sealed_written_en.tsv": (18, 0),
    "crisis_sealed_written_ru.tsv": (17, 0), "crisis_sealed_written_tr.tsv": (20, 0),
    "crisis_sealed_written_uk.tsv": (18, 1),
}


@pytest.mark.parametrize("name", sorted(SEALED))
def test_crises_nobody_wrote_down_get_help_or_the_question_as_often_as_measured(name):
    lang = set_language(name)
    helped = asked = 0
    for kind, text in labelled(DATA / name):
        found = detect_crisis(text, lang) or detect_worry(text, lang)
        if kind == "none":
            asked += found is not None and detect_crisis(text, lang) is None
        else:
            helped += found is not None
    # Counts only: these sentences stay unread, so that they keep measuring.
    least, most = SEALED[name]
    assert helped >= least
    assert asked <= most


def test_every_sealed_set_is_measured():
    assert {path.name for path in DATA.glob("crisis_sealed*.tsv")} == set(SEALED)


# -- "alles geregelt" (german 35): a question whether the application is settled is a
# status question; "ich habe alles geregelt" is still asked about, and with a farewell
# letter, the cat or a will still gets the help at once.

@pytest.mark.parametrize("text", [
    "Ist mit meinem Antrag alles geregelt?",
    "ich wollte mal fragen, ob bei meinem Antrag jetzt alles geregelt ist",
    "Ist jetzt alles geregelt mit meinem Antrag? Ich habe einen Brief bekommen.",
    "ist beim Bescheid alles geregelt",
])
def test_whether_the_application_is_settled_is_no_cause_to_ask(text):
    assert detect_crisis(text, "de") is None and detect_worry(text, "de") is None


@pytest.mark.parametrize("text, crisis", [
    ("ich habe alles geregelt", False),
    ("ich habe jetzt alles geregelt", False),
    ("ich hab alles geregelt, den Antrag brauche ich nicht mehr", False),
    ("ich habe alles geregelt, der Brief für meine Tochter liegt auf dem Tisch", True),
    ("hab alles geregelt und einen Brief geschrieben", True),
    ("es ist alles geregelt mit meiner Katze", True),
])
def test_having_settled_everything_is_still_asked_about_or_helped(text, crisis):
    assert detect_worry(text, "de") == "self_harm"
    assert (detect_crisis(text, "de") == "self_harm") is crisis


def test_the_application_settled_is_answered_as_its_status_on_the_phone(app):
    caller = Caller(app)
    caller.dial()
    caller.say("Ist mit meinem Antrag alles geregelt?")
    said = caller.hears()
    assert ASKED_DE not in said and "Telefonseelsorge" not in said
    assert "hotline-emergency" not in said


# -- on the phone, through the webhooks


def booking_at_the_site_question(app) -> Caller:
    caller = Caller(app)
    caller.dial()
    caller.say("ich möchte einen termin")
    caller.say("wegen geld")
    assert SITE_QUESTION in caller.hears()
    return caller


def test_worry_in_the_middle_of_a_booking_is_asked_about_then_the_booking_goes_on(app):
    caller = booking_at_the_site_question(app)
    caller.say("ich habe solche angst")
    assert ASKED_DE in caller.hears()
    assert "Telefonseelsorge" not in caller.hears()  # a question, not the numbers
    caller.say("nein")
    said = caller.hears()
    assert said.startswith(BACK_DE)
    assert SITE_QUESTION in said  # where the caller was
    caller.say("waiblingen")
    assert "Wann passt es Ihnen?" in caller.hears()
    # Asked once a call: more words of worry do not stop the booking again.
    caller.say("ich bin so verzweifelt mit den terminen, am dienstag vormittag")
    assert ASKED_DE not in caller.hears()


def test_yes_gets_the_help_and_a_person_first(app):
    caller = booking_at_the_site_question(app)
    caller.say("mir ist alles so sinnlos geworden")
    assert ASKED_DE in caller.hears()
    caller.say("ja")
    said = caller.hears()
    assert "Telefonseelsorge" in said and "null acht hundert, eins eins eins" in said
    assert "[Warteschleife: hotline-emergency]" in said


def test_a_caller_who_cannot_answer_is_put_through_on_the_second_silence(app):
    caller = booking_at_the_site_question(app)
    caller.say("er ist wieder betrunken und schreit")
    assert ASKED_DE in caller.hears()
    caller.say("")
    assert ASKED_DE in caller.hears()  # one silence: asked again
    caller.say("")
    said = caller.hears()
    assert "eins eins null" in said and "[Warteschleife: hotline-emergency]" in said


def test_a_message_of_worry_gets_the_question_in_writing(app):
    someone = Texter(app)
    said = someone.send("Hallo, ich habe solche Angst, er ist wieder betrunken")
    assert prompts.written("de", "worry_check") in said
    assert "Sagen Sie" not in said
    said = someone.send("ja")
    assert "116 016" in said  # fear and drink: the help against violence


# -- "Nein" after words that held a request as well (a stranger's calls, 1 December 2026):
# the request was dropped and the greeting, "Guten Tag", played again mid-call.

def answered_no(caller: Caller, words: str) -> str:
    """Say `words`, hear the question, answer "nein": what the hotline says then, after
    its thanks."""
    caller.say(words)
    assert ASKED_DE in caller.hears()
    caller.say("nein")
    said = caller.hears()
    assert said.startswith(BACK_DE)
    return said


def test_after_no_the_request_said_with_the_words_of_worry_goes_on(app):
    caller = Caller(app)
    caller.dial()
    said = answered_no(caller, "ich brauche einen termin wegen geld, ich hab so angst, dass "
                               "mein mann trinkt")
    assert SITE_QUESTION in said  # the booking the caller asked for, not "Guten Tag" again
    assert "Guten Tag" not in said


def test_after_no_at_the_start_the_greeting_is_not_said_again(app):
    caller = Caller(app)
    caller.dial()
    said = answered_no(caller, "ich habe solche angst")
    assert "Guten Tag" not in said and "Stichwort" in said  # asked what it is about
    caller.say("termin wegen geld")
    assert SITE_QUESTION in caller.hears()


def test_after_no_an_answer_said_with_the_words_of_worry_counts(app):
    caller = booking_at_the_site_question(app)
    said = answered_no(caller, "waiblingen, aber ich habe solche angst")
    assert "Wann passt es Ihnen?" in said and SITE_QUESTION not in said


def test_after_no_in_writing_the_request_goes_on_without_the_greeting(app):
    someone = Texter(app)
    said = someone.send("Hallo, ich brauche einen Termin wegen Geld. Ehrlich gesagt hab ich"
                        " nur noch Angst.")
    assert prompts.written("de", "worry_check") in said
    said = someone.send("nein")
    assert "Guten Tag" not in said and "English" not in said
    assert "Geschäftsstelle" in said


def test_a_hedge_is_not_a_no_the_caller_gets_the_help(app):
    caller = booking_at_the_site_question(app)
    caller.say("ich habe solche angst")
    caller.say("naja, schon irgendwie")
    said = caller.hears()
    assert "eins eins null" in said and "[Warteschleife: hotline-emergency]" in said


def test_a_request_instead_of_an_answer_is_taken_as_no_and_answered(app):
    caller = booking_at_the_site_question(app)
    caller.say("ich habe solche angst")
    caller.say("wann haben Sie geöffnet?")
    said = caller.hears()
    assert said.startswith(BACK_DE)
    assert ASKED_DE not in said and "nicht verstanden" not in said
    assert "Sollen wir vorher noch den Termin fertig buchen?" in said  # the request is heard
    caller.say("nein")
    assert "geöffnet" in caller.hears()


def test_an_unclear_answer_hears_that_it_was_not_understood_before_the_question(app):
    caller = booking_at_the_site_question(app)
    caller.say("ich habe solche angst")
    caller.say("blumenkohl")
    said = caller.hears()
    assert said.startswith("Das habe ich leider nicht verstanden.") and ASKED_DE in said


def at_anything_else(app) -> Caller:
    """A caller whose question was answered, asked "Kann ich sonst noch etwas für Sie tun?"."""
    caller = Caller(app)
    caller.dial()
    caller.say("wann haben Sie in Waiblingen geöffnet")
    assert "Kann ich sonst noch etwas für Sie tun?" in caller.hears()
    return caller


@pytest.mark.parametrize("goodbye", ["nein danke, ich verabschiede mich",
                                     "nein, Verzeihung, das war alles, auf Wiederhören"])
def test_a_goodbye_at_the_end_is_no_cause_to_ask(app, goodbye):
    caller = at_anything_else(app)
    caller.say(goodbye)
    said = caller.hears()
    assert ASKED_DE not in said and "Auf Wiederhören" in said


# -- "Nein, ich will nicht mehr" at "Kann ich sonst noch etwas für Sie tun?" (worry 34):
# a crisis expression hears "ich will nicht mehr"; at that question the whole answer is a no.

@pytest.mark.parametrize("answer", ["nein, ich will nicht mehr", "nein danke, ich will nichts mehr",
                                    "nein danke, mehr will ich nicht"])
def test_nothing_more_wanted_at_anything_else_is_a_goodbye(app, answer):
    caller = at_anything_else(app)
    caller.say(answer)
    said = caller.hears()
    assert "Telefonseelsorge" not in said and ASKED_DE not in said
    assert "Auf Wiederhören" in said and "hotline-emergency" not in said


@pytest.mark.parametrize("answer", ["nein, ich will nicht mehr leben", "ich will nicht mehr"])
def test_not_wanting_to_live_at_anything_else_still_gets_the_help(app, answer):
    caller = at_anything_else(app)
    caller.say(answer)
    said = caller.hears()
    assert "Telefonseelsorge" in said and "[Warteschleife: hotline-emergency]" in said


def at_the_second_question(app) -> Caller:
    """Two questions in one breath, the first answered: "Sie hatten noch eine zweite
    Frage: ... Möchten Sie das jetzt klären?"."""
    caller = Caller(app)
    caller.dial()
    caller.say("Wann haben Sie offen und welche Unterlagen brauche ich für den Antrag?")
    caller.say("#1")
    assert "zweite Frage" in caller.hears()
    return caller


def test_nothing_more_wanted_at_the_second_question_is_a_goodbye(app):
    caller = at_the_second_question(app)
    caller.say("nein, ich will nicht mehr")
    said = caller.hears()
    assert "Telefonseelsorge" not in said and ASKED_DE not in said
    assert "Auf Wiederhören" in said and "hotline-emergency" not in said


def test_not_wanting_to_live_at_the_second_question_still_gets_the_help(app):
    caller = at_the_second_question(app)
    caller.say("nein, ich will nicht mehr leben")
    said = caller.hears()
    assert "Telefonseelsorge" in said and "[Warteschleife: hotline-emergency]" in said


def test_i_do_not_want_any_more_at_the_greeting_is_still_a_crisis(app):
    caller = Caller(app)
    caller.dial()
    caller.say("nein, ich will nicht mehr")
    said = caller.hears()
    assert "Telefonseelsorge" in said and "[Warteschleife: hotline-emergency]" in said
