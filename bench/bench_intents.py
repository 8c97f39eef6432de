"""Benchmark: our recogniser against a TF-IDF + logistic-regression baseline, same catalogue.

Run from the project root: ``python bench/bench_intents.py``. Prints accuracy and
latency for both on the dev set (../shared/data/intents_dev.tsv) and on the held-out
sets in tests/data, the catalogue load time, memory, and a calibration table.
scikit-learn is needed only here (a benchmark dependency, not a runtime one).
"""

from __future__ import annotations

import gc
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from speech import catalogue as catalogue_module  # noqa: E402
from speech.catalogue import CATALOGUE_DIR  # noqa: E402
from speech.cli import percentile, read_labelled  # noqa: E402
from speech.intents import recognise  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "intents_dev.tsv"
SETS = [("dev (de)", DEV, "de"),
        ("held-out (de)", ROOT / "tests" / "data" / "intents_heldout_de.tsv", "de"),
        ("held-out (en)", ROOT / "tests" / "data" / "intents_heldout_en.tsv", "en")]
REPEATS = 20  # each utterance is timed this often; percentiles over all timings


def catalogue_training_data(lang: str) -> tuple[list[str], list[str]]:
    """Every catalogue phrase and keyword with its intent: what the baseline learns from."""
    import tomllib

    with (CATALOGUE_DIR / f"{lang}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    texts, labels = [], []
    for intent, spec in data["intents"].items():
        for key in ("phrases", "strong", "medium", "weak"):
            for text in spec.get(key, []):
                texts.append(text.replace("+", " "))
                labels.append(intent)
    return texts, labels


def time_calls(predict, texts: list[str]) -> tuple[list[str], list[float]]:
    predictions = [predict(t) for t in texts]  # warm-up and answers
    timings = []
    for _ in range(REPEATS):
        for text in texts:
            start = time.perf_counter()
            predict(text)
            timings.append((time.perf_counter() - start) * 1000)
    return predictions, timings


def cold_load_ms() -> float:
    """Import the package and compile the German catalogue in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); import speech.catalogue as c; c.load('de'); "
            "print((time.perf_counter() - t) * 1000)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


def warm_load_ms(lang: str) -> float:
    samples = []
    for _ in range(5):
        catalogue_module._cache.clear()
        start = time.perf_counter()
        catalogue_module.load(lang)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def catalogue_memory_kib() -> float:
    catalogue_module._cache.clear()
    gc.collect()
    tracemalloc.start()
    catalogue_module.load("de")
    catalogue_module.load("en")
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size / 1024


def calibration(rows, lang) -> list[tuple[str, int, float, float]]:
    buckets: dict[int, list[tuple[float, bool]]] = {}
    for gold, text in rows:
        result = recognise(text, lang)
        buckets.setdefault(min(int(result.score * 5), 4), []).append(
            (result.score, result.intent == gold))
    table = []
    for b in sorted(buckets):
        items = buckets[b]
        table.append((f"{b / 5:.1f}-{(b + 1) / 5:.1f}", len(items),
                      statistics.mean(s for s, _ in items),
                      sum(ok for _, ok in items) / len(items)))
    return table


def odd_inputs() -> None:
    """Odd input from the line (tests/test_speech_bad_input.py) against a usual sentence:
    recognition and entities together, the slowest input's median as a ratio."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_speech_bad_input import ODD_INPUTS

    from speech import extract_entities

    def median_ms(text: str) -> float:
        recognise(text)
        extract_entities(text)
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            recognise(text)
            extract_entities(text)
            timings.append((time.perf_counter() - start) * 1000)
        return statistics.median(timings)

    usual = median_ms("ich brauche einen Termin wegen meinem Geld am Dienstag")
    worst, text = max((median_ms(text), text) for text in ODD_INPUTS)
    print(f"\nodd input (recognition and entities): slowest {worst:.2f} ms ({len(text):,} "
          f"characters), a usual sentence {usual:.2f} ms: {worst / usual:.1f}x; "
          f"target under 100 ms: {'met' if worst < 100 else 'NOT met'}")


def main() -> int:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        print("scikit-learn is not installed: it is needed for the baseline only.\n"
              "Install it with:  pip install scikit-learn   (or the project's bench extra)",
              file=sys.stderr)
        return 2
    if not DEV.exists():
        print(f"dev set not found at {DEV}", file=sys.stderr)
        return 2

    print(f"catalogue load: cold (import + compile de) {cold_load_ms():.1f} ms, "
          f"warm compile de {warm_load_ms('de'):.1f} ms, en {warm_load_ms('en'):.1f} ms")
    print(f"catalogue memory (de + en, tracemalloc): {catalogue_memory_kib():.0f} KiB")

    baselines = {}
    for lang in ("de", "en"):
        texts, labels = catalogue_training_data(lang)
        model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            lowercase=True),
            LogisticRegression(max_iter=2000, C=10.0),
        )
        model.fit(texts, labels)
        baselines[lang] = model

    print()
    header = (f"{'set':<15}{'n':>5} | {'ours acc':>9}{'p50 ms':>8}{'p99 ms':>8} | "
              f"{'tfidf acc':>9}{'p50 ms':>8}{'p99 ms':>8} | {'speed-up p99':>12}")
    print(header)
    print("-" * len(header))
    for name, path, lang in SETS:
        rows = read_labelled(path)
        texts = [t for _, t in rows]
        gold = [g for g, _ in rows]
        ours, our_t = time_calls(lambda t, lang=lang: recognise(t, lang).intent, texts)
        model = baselines[lang]
        theirs, their_t = time_calls(lambda t, model=model: model.predict([t])[0], texts)
        acc_ours = sum(p == g for p, g in zip(ours, gold, strict=True)) / len(gold)
        acc_theirs = sum(p == g for p, g in zip(theirs, gold, strict=True)) / len(gold)
        p99_ours, p99_theirs = percentile(our_t, 0.99), percentile(their_t, 0.99)
        print(f"{name:<15}{len(rows):>5} | {acc_ours:>9.1%}{percentile(our_t, 0.5):>8.3f}"
              f"{p99_ours:>8.3f} | {acc_theirs:>9.1%}{percentile(their_t, 0.5):>8.3f}"
              f"{p99_theirs:>8.3f} | {p99_theirs / p99_ours:>11.0f}x")
        if name.startswith("dev"):
            dev_acc, dev_p99 = acc_ours, p99_ours
            dev_rows = rows

    print("\ncalibration on the dev set (score bucket: n, mean score, accuracy):")
    for bucket, n, mean_score, accuracy in calibration(dev_rows, "de"):
        print(f"  {bucket}: {n:>4}  {mean_score:.2f}  {accuracy:.0%}")

    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    odd_inputs()
    print(f"\nprocess peak RSS (incl. scikit-learn and numpy): {max_rss:.0f} MiB")
    ok = dev_acc >= 0.97 and dev_p99 < 1.0
    print(f"targets: dev accuracy >= 97% and p99 < 1 ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
