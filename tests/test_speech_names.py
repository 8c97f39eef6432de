"""People in a caller's words (speech.names, through `Understanding`): the caseworker asked
for, "mein Arbeitsvermittler", and the caller's own name."""

import pytest

from conftest import NOW
from speech.understanding import Understanding, topic_from

NAMES = ("Frau Keller", "Herr Yılmaz", "Herr Wagner", "Frau Haddad", "Herr Müller", "Frau Lang",
         "Frau Braun")


def understood(text, lang="de", names=NAMES):
    return Understanding(text, lang, NOW, caseworkers=names)


@pytest.mark.parametrize("text, name", [
    ("Ich hätte gern einen Termin bei Frau Keller", "Frau Keller"),
    ("ich will termin bei frau haddad, backnang, für geld", "Frau Haddad"),
    ("bei Herrn Yilmaz bitte", "Herr Yılmaz"),  # the dotless i as a recogniser writes it
    ("bei Herrn Keler", "Frau Keller"),  # misheard a little, and the wrong title
    ("I want an appointment with Mr Müller in Backnang", "Herr Müller"),
    ("Termin bei Frau Lang", "Frau Lang"),
])
def test_a_caseworker_is_named_after_a_title(text, name):
    assert understood(text).caseworker == name


@pytest.mark.parametrize("text", [
    "Ich brauche einen langen Termin, mein Keller ist nass",  # no title: words, not names
    "Termin bei Frau Schmidt",  # nobody of that name works here
    "Ich brauche einen Termin in Backnang",
])
def test_no_caseworker_without_a_title_or_of_another_name(text):
    assert understood(text).caseworker is None


def test_without_the_list_of_names_nobody_is_recognised():
    assert understood("Termin bei Frau Keller", names=()).caseworker is None


@pytest.mark.parametrize("text, lang, own", [
    ("Ich brauche einen Termin bei meinem Arbeitsvermittler", "de", True),
    ("Termin bei meiner Sachbearbeiterin", "de", True),
    ("i will zu mei Sachbearbeiter", "de", True),
    ("with my caseworker please", "en", True),
    ("Termin bei einer Sachbearbeiterin", "de", False),
])
def test_the_callers_own_caseworker(text, lang, own):
    assert understood(text, lang).own_caseworker is own


def test_an_appointment_with_my_caseworker_is_no_call_for_a_person():
    assert understood("einen Termin bei meiner Sachbearbeiterin").command is None
    assert understood("Ich möchte mit meiner Sachbearbeiterin sprechen").command == "agent"
    assert understood("Sachbearbeiter").command == "agent"


def test_a_sachbearbeiterin_is_about_money_not_a_job_search():
    assert topic_from("ein Termin bei meiner Sachbearbeiterin") == "geldleistungen"
    assert topic_from("ein Termin bei meinem Arbeitsvermittler") == "arbeitsvermittlung"


@pytest.mark.parametrize("text, topic", [
    ("Ich brauche einen Termin in der Geschäftsstelle Waiblingen", None),
    ("ich möchte einen Antrag stellen", "geldleistungen"),
    ("ich muss mich nächste Woche bei einer Firma vorstellen", None),
    ("Ich suche eine neue Stelle", "arbeitsvermittlung"),
    ("Termin wegen einer Arbeitsstelle", "arbeitsvermittlung"),
])
def test_a_geschaeftsstelle_or_stellen_as_a_verb_is_no_job_search(text, topic):
    assert topic_from(text) == topic


@pytest.mark.parametrize("text, lang, name", [
    ("ja, auf den Namen Schmid bitte", "de", "Schmid"),
    ("Hallo, Petra Lehmann hier, ich brauch schnell einen Termin", "de", "Petra Lehmann"),
    ("Mein Name ist Frau Özdemir.", "de", "Özdemir"),
    ("ich heiße Anna Berg und brauche einen Termin", "de", "Anna Berg"),
    ("my name is John Smith", "en", "John Smith"),
    ("i will an termin in waiblinge", "de", None),  # "i ... a ..." is no spelling
    ("Ich brauche einen Termin in Backnang", "de", None),
    ("Schmid", "de", None),  # a word alone is a name only as the answer to "Auf welchen Namen?"
])
def test_a_name_the_caller_gives_for_themselves(text, lang, name):
    assert understood(text, lang).caller_name == name


@pytest.mark.parametrize("text, lang, name", [
    ("Schmid", "de", "Schmid"),
    ("gerne, Petra Lehmann", "de", "Petra Lehmann"),
    ("S C H M I D", "de", "Schmid"),
    ("s-c-h-m-i-d", "de", "Schmid"),
    ("Ja, Schmid, bitte", "de", "Schmid"),
    ("yes, Smith", "en", "Smith"),
    ("nein", "de", None),
    ("nein danke", "de", None),
    ("no thanks", "en", None),
    ("ja", "de", None),
    ("wie komme ich da hin", "de", None),  # a question, not "Wie Komme"
    ("Moment, wo ist das genau?", "de", None),
    ("how do I get there?", "en", None),
])
def test_the_answer_to_the_name_question(text, lang, name):
    assert understood(text, lang).name_answer == name


@pytest.mark.parametrize("text, lang, name", [
    ("this is urgent", "en", None),  # after a weak lead-in, only a capitalised word
    ("this is John Smith", "en", "John Smith"),
    ("hier ist das Jobcenter?", "de", None),
    ("mein name ist schmid", "de", "Schmid"),  # after a strong one, any word
])
def test_weak_lead_ins_need_a_capitalised_name(text, lang, name):
    assert understood(text, lang).caller_name == name


@pytest.mark.parametrize("text", [
    "Termin bei Herrn Wagner, nein falsch, bei Frau Haddad",
    "with Mr Wagner, no sorry, with Ms Haddad",
])
def test_a_caseworker_corrected_in_one_breath_is_the_last_one_named(text):
    assert understood(text).caseworker == "Frau Haddad"


@pytest.mark.parametrize("text, lang, name", [
    ("ja klar", "de", None),
    ("jo", "de", None),
    ("genau", "de", None),
    ("evet", "tr", None),
    ("так", "uk", None),
    ("نعم", "ar", None),
    ("yeah", "en", None),
    # The name after the yes is the name.
    ("ja, Müller", "de", "Müller"),
    ("evet, Yılmaz", "tr", "Yılmaz"),
    ("так, Бондаренко", "uk", "Бондаренко"),
    ("Klara Weiß", "de", "Klara Weiß"),
])
def test_a_yes_to_the_name_question_is_no_name(text, lang, name):
    # A stranger's "ja klar" was booked as "Klar", a Turkish "evet" as "Evet".
    assert understood(text, lang).name_answer == name
