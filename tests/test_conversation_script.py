"""The conversation runner (tests/conversation_script.py): plays written calls, says what failed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import conversation_script as script
import pytest

PASSES_TODAY = """
# file defaults
at: 2026-12-21 10:00
never: Traceback

## documents, then goodbye
tags: documents
H~ Jobcenter Rems-Murr                   # the greeting
C: welche unterlagen brauche ich
H~ Kontoauszüge | bank statements
H! nicht verstanden
C? sonst noch => nein danke
H~ Auf Wiederhören
end: answered
booking: none

## a booking said in one breath
from: +4915112345678
C: Termin in Waiblingen wegen Geld am 23. Dezember um halb zehn
H~ /um 9 Uhr 30/
C: ja
H~ gebucht
C? Namen => nein                          # who is coming: optional
C? SMS => ja
C? erinnern => nein
end: booked | rescheduled
booking: site = waiblingen
booking: day = 2026-12-23
booking: time = 09:30
booking: topic ~ geld
booking: caseworker !~ Schäfer
sms~ Waiblingen
"""


def test_a_file_is_read_into_conversations_with_their_settings():
    first, second = script.parse(PASSES_TODAY, "x.txt")
    assert first.title == "documents, then goodbye"
    assert first.moment == datetime(2026, 12, 21, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert first.tags == ("documents",)
    assert first.from_number == script.DEFAULT_FROM
    assert second.from_number == "+4915112345678"
    assert [s.kind for s in first.steps][:3] == ["never", "heard", "say"]
    keys = script.parse("## keys\nC: #12\nC:\nC: #0  # a comment\n")[0].steps
    assert [(s.kind, s.words) for s in keys] == [("say", "#12"), ("say", ""), ("say", "#0")]
    assert script.parse("## alts\nH~ heute | morgen | /um \\d+ Uhr/\n")[0].steps[0]\
        .alternatives == ("heute", "morgen", "/um \\d+ Uhr/")


@pytest.mark.parametrize("text, message", [
    ("C: hallo\n", "before the first '## title'"),
    ("## t\nC: hallo\nat: 2026-12-01 10:00\n", "before the first caller line"),
    ("## t\nat: 1.12.2026\n", "YYYY-MM-DD HH:MM"),
    ("## t\nH: hallo\n", "not a line of a conversation"),
    ("## t\nC? ja\n", "C? PATTERN => "),
    ("## t\nend: booked\nC: noch was\n", "speaks after a check of the finished call"),
    ("## t\nH~ /[/\n", "bad regular expression"),
    ("## t\nbooking: site Waiblingen\n", "booking: FIELD = VALUE"),
])
def test_a_broken_file_names_its_line(text, message):
    with pytest.raises(script.ScriptError, match="x.txt:") as error:
        script.parse(text, "x.txt")
    assert message in str(error.value)


def test_matching_ignores_case_spaces_and_dash_kinds():
    assert script.matches("Ihre Buchungsnummer ist 438 – 581.", "438 - 581")
    assert script.matches("Am  MITTWOCH\nnachmittag", "mittwoch nachmittag")
    assert script.matches("um 9:30 Uhr", r"/um 9[:.]30/")
    assert not script.matches("um 9:30 Uhr", "halb zehn")


def test_conversations_that_work_today_pass(tmp_path):
    results = [script.run(c, tmp_path) for c in script.parse(PASSES_TODAY, "x.txt")]
    assert [r.failure for r in results] == [None, None]
    assert results[1].outcome == "booked"
    assert results[0].exchanges[1][0] == "welche unterlagen brauche ich"


def test_a_failing_check_says_what_was_said_expected_and_heard(tmp_path):
    (conversation,) = script.parse(
        "## wrong on purpose\n"
        "C: welche unterlagen brauche ich\n"
        "H~ Kontoauszüge\n"
        "C? sonst noch => Gibt es das auch auf Klingonisch?\n"
        "H~ Klingonisch | Klingon\n", "x.txt")
    result = script.run(conversation, tmp_path)
    assert not result.passed
    failure = result.failure
    assert failure.line == 5
    assert failure.said == "Gibt es das auch auf Klingonisch?"
    assert failure.check == "to hear: Klingonisch | Klingon"
    assert failure.heard == result.exchanges[-1][1] and failure.heard
    report = failure.describe()
    assert report.startswith('line 5: after "Gibt es das auch auf Klingonisch?" expected '
                             "to hear: Klingonisch | Klingon")
    assert f"heard: {failure.heard}" in report


def test_never_outcome_booking_and_an_ended_call_fail_clearly(tmp_path):
    never, outcome, booking, ended = (script.run(c, tmp_path) for c in script.parse(
        "## never\nnever: Rems-Murr\nC: hallo\n"
        "## outcome\nC: welche unterlagen brauche ich\nend: booked\n"
        "## booking\nC: welche unterlagen brauche ich\nbooking: site = waiblingen\n"
        "## ended\nC: welche unterlagen brauche ich\nC? sonst noch => nein\nC: und noch was\n",
        "x.txt"))
    assert never.failure.check == 'never to hear "Rems-Murr"'
    assert never.failure.said is None  # the greeting broke it, before the caller spoke
    assert never.failure.describe().startswith("line 2: after (greeting) expected never")
    assert outcome.failure.check == "the call to end booked"
    assert outcome.failure.heard.startswith("outcome answered")
    assert booking.failure.heard.startswith("no booking")
    assert ended.failure.line == 13  # lines count from the top of the file
    assert "the call had ended" in ended.failure.heard
    assert "Auf Wiederhören" in ended.failure.heard


def test_score_command_prints_each_conversation_and_the_totals(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tools" / "score_conversations.py"
    spec = importlib.util.spec_from_file_location("score_conversations", path)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    file = tmp_path / "two.txt"
    file.write_text("## good\nC: welche unterlagen brauche ich\nH~ Kontoauszüge\n"
                    "## bad\ntags: demo\nC: welche unterlagen brauche ich\nH~ Klingonisch\n",
                    encoding="utf-8")

    status = score.main([str(file)])

    out = capsys.readouterr().out
    assert status == 1
    assert "  PASS  good" in out
    assert "  FAIL  bad" in out
    assert 'line 7: after "welche unterlagen brauche ich" expected to hear: Klingonisch' in out
    assert "two.txt: 1 of 2 pass" in out
    assert "demo" in out and "0/1" in out
    assert "Total: 1 of 2 conversations pass" in out
