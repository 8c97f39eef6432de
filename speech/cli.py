"""The ``intent`` command: recognise utterances from stdin, or evaluate a labelled TSV file.

Registered by the app with ``app.cli.add_command(intent_command)``; it needs no app
context, so ``flask --app app intent`` works without a database.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import click

from speech.catalogue import LANGUAGES
from speech.entities import BERLIN, extract_entities
from speech.intents import INTENTS, recognise


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date-time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)


def analyse(text: str, lang: str, now: datetime | None) -> dict:
    """The JSON object the command prints for one utterance."""
    result = recognise(text, lang).as_dict()
    result["entities"] = extract_entities(text, lang, now)
    return result


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """``intent<TAB>utterance`` lines; blank lines and ``#`` comments are skipped."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise click.ClickException(f"{path}:{number}: expected intent<TAB>utterance")
        intent, text = line.split("\t", 1)
        rows.append((intent.strip(), text.strip()))
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def evaluate(rows: list[tuple[str, str]], lang: str) -> dict:
    """Accuracy, per-intent precision/recall, confusions, errors and latency (ms)."""
    recognise("", lang)  # load the catalogue outside the timed loop
    latencies, errors = [], []
    predicted_count, gold_count, correct_count = Counter(), Counter(), Counter()
    confusions: Counter = Counter()
    for gold, text in rows:
        start = time.perf_counter()
        result = recognise(text, lang)
        latencies.append((time.perf_counter() - start) * 1000)
        gold_count[gold] += 1
        predicted_count[result.intent] += 1
        if result.intent == gold:
            correct_count[gold] += 1
        else:
            confusions[(gold, result.intent)] += 1
            errors.append((gold, result.intent, result.score, text, result.evidence))
    per_intent = {}
    for intent in sorted(set(gold_count) | set(predicted_count), key=_intent_order):
        tp = correct_count[intent]
        per_intent[intent] = {
            "precision": tp / predicted_count[intent] if predicted_count[intent] else 0.0,
            "recall": tp / gold_count[intent] if gold_count[intent] else 0.0,
            "support": gold_count[intent],
        }
    return {
        "accuracy": sum(correct_count.values()) / len(rows) if rows else 0.0,
        "total": len(rows),
        "per_intent": per_intent,
        "confusions": confusions.most_common(),
        "errors": errors,
        "latency_ms": {p: percentile(latencies, q) for p, q in
                       (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))},
    }


def _intent_order(intent: str) -> int:
    return INTENTS.index(intent) if intent in INTENTS else len(INTENTS)


def print_report(report: dict, echo=click.echo) -> None:
    echo(f"accuracy: {report['accuracy']:.1%} ({report['total']} utterances)")
    echo(f"{'intent':<24}{'precision':>10}{'recall':>10}{'n':>5}")
    for intent, row in report["per_intent"].items():
        echo(f"{intent:<24}{row['precision']:>10.2f}{row['recall']:>10.2f}{row['support']:>5}")
    if report["confusions"]:
        echo("confusions (expected -> got):")
        for (gold, got), count in report["confusions"]:
            echo(f"  {gold} -> {got}: {count}")
    if report["errors"]:
        echo("misclassified:")
        for gold, got, score, text, evidence in report["errors"]:
            echo(f"  {gold} -> {got} ({score:.2f}) {text!r}  [{evidence}]")
    lat = report["latency_ms"]
    echo("latency ms: " + ", ".join(f"{k} {v:.3f}" for k, v in lat.items()))


@click.command("intent")
@click.option("--lang", type=click.Choice(list(LANGUAGES)), default="de", show_default=True,
              help="Language of the utterances.")
@click.option("--now", "now_text", metavar="ISO-DATETIME",
              help="Reference moment for relative dates (default: now, Europe/Berlin).")
@click.option("--eval", "eval_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluate a TSV file of intent<TAB>utterance lines instead of reading stdin.")
def intent_command(lang: str, now_text: str | None, eval_file: Path | None) -> None:
    """Recognise caller utterances (one per line on stdin) and print one JSON object per line.

    With --eval FILE.tsv, print accuracy, per-intent precision and recall, the confusion
    pairs, the misclassified lines and latency percentiles instead.
    """
    now = _parse_now(now_text)
    if eval_file is not None:
        print_report(evaluate(read_labelled(eval_file), lang))
        return
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        click.echo(json.dumps(analyse(text, lang, now), ensure_ascii=False))
