"""The ``intent`` command as a supervisor or catalogue editor uses it."""

import json
from pathlib import Path

from click.testing import CliRunner

from speech.cli import intent_command

HELD_OUT = Path(__file__).parent / "data" / "intents_heldout_de.tsv"


def run(args, stdin=""):
    result = CliRunner().invoke(intent_command, args, input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_one_json_object_per_input_line():
    said = "ich hätt gern en termin in backnang am dritten dezember um halb zehn"
    out = run(["--now", "2025-11-25T10:00"], f"{said}\n\nEnglish please\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3
    first = lines[0]
    assert set(first) >= {"text", "intent", "score", "alternatives", "entities"}
    assert first["intent"] == "book_appointment"
    assert first["entities"] == {"site": "backnang", "date": "2025-12-03", "time": "09:30"}
    assert lines[1]["intent"] == "out_of_scope"
    assert lines[2]["entities"]["command"] == "english"


def test_english_switch():
    out = run(["--lang", "en"], "I want to cancel my appointment\n")
    assert json.loads(out)["intent"] == "cancel_appointment"


def test_eval_reports_accuracy_per_intent_errors_and_latency(tmp_path):
    tsv = tmp_path / "mini.tsv"
    tsv.write_text("agent\tMitarbeiter bitte\npayment_status\two bleibt mein geld\n"
                   "documents\twie wird das wetter\n", encoding="utf-8")
    out = run(["--eval", str(tsv)])
    assert "accuracy: 66.7% (3 utterances)" in out
    assert "documents -> out_of_scope: 1" in out
    assert "'wie wird das wetter'" in out
    assert "p99" in out


def test_eval_on_the_held_out_set():
    out = run(["--eval", str(HELD_OUT)])
    accuracy = float(out.splitlines()[0].split()[1].rstrip("%"))
    assert accuracy >= 95.0


def test_a_malformed_eval_file_is_a_clear_error(tmp_path):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("no tab here\n", encoding="utf-8")
    result = CliRunner().invoke(intent_command, ["--eval", str(tsv)])
    assert result.exit_code != 0
    assert "expected intent<TAB>utterance" in result.output


def test_a_bad_reference_moment_is_rejected():
    result = CliRunner().invoke(intent_command, ["--now", "next tuesday"], input="x\n")
    assert result.exit_code != 0
    assert "ISO" in result.output
