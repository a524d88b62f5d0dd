"""NLU quality and speed of the local engine on CLINC150 (full) and Banking77.

CLINC150: 150 intents are built from the train split (+ FallbackIntent). The confidence
threshold is chosen on the val split (maximising the mean of in-scope accuracy and
out-of-scope recall), then fixed and reported on the test split beside the published
figures. ``--calibrate`` refits the size-aware score calibration on CLINC150 val (bots of 3 to 100
utterances per intent) and prints the constants for ``runtime/lex/nlu.py``. ``--few-shot`` measures
bots of 5 and 10 utterances per intent (5 draws each; ``--quick``: one draw on a val subset, for
iterating). Word knowledge is always learned from the other corpus than the one evaluated.
``--append-docs`` adds a section to docs/benchmarks.md.

Run: .venv/bin/python benchmarks/nlu_bench.py [--calibrate | --few-shot [--quick]] [--append-docs] [--skip-banking]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny products: threads only add contention

import argparse
import csv
import json
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docs_section import append_section, short_commit  # noqa: E402
from bot_spec.definition import FALLBACK_SIGNATURE, BotLocale, Intent  # noqa: E402
from runtime.lex.nlu import NluModel, calibrated  # noqa: E402
from runtime.lex.word_knowledge import WordKnowledge  # noqa: E402
from tools.word_knowledge_build import corpus_pairs, learn  # noqa: E402

DATA = ROOT / "external" / "datasets"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PUBLISHED = [
    ("DialogFlow", 91.7, 14.0),
    ("Rasa", 91.5, 45.3),
    ("BERT", 96.9, 40.3),
    ("MLP", 93.5, 47.4),
    ("SVM", 91.0, 14.5),
    ("FastText", 89.0, 9.7),
    ("CNN", 91.2, 18.9),
]


def locale_from(pairs: list[tuple[str, str]], threshold: float) -> BotLocale:
    """A BotLocale with one intent per label (utterances in data order) and a FallbackIntent."""
    by_label: dict[str, list[str]] = {}
    for text, label in pairs:
        by_label.setdefault(label, []).append(text.replace("{", "(").replace("}", ")"))
    intents = [Intent(name=_intent_name(label), sample_utterances=utts) for label, utts in sorted(by_label.items())]
    intents.append(Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE))
    return BotLocale(locale_id="en_US", nlu_intent_confidence_threshold=threshold, intents=intents)


def _intent_name(label: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in label).strip("_") or "intent"


def timed_build(locale: BotLocale, knowledge: WordKnowledge) -> tuple[NluModel, float, float, float]:
    """The model, wall and CPU seconds to build it, and the tracemalloc peak (MiB) of a second build."""
    start, cpu = time.perf_counter(), time.process_time()
    model = NluModel.build(locale, knowledge=knowledge)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()
    NluModel.build(locale, knowledge=knowledge)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return model, seconds, cpu_seconds, peak / 2**20


def rss_mib() -> float:
    """Resident set size of this process now (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


CPU_MS: list[float] = []  # thread CPU time of every interpret call since the last reset


def top_predictions(model: NluModel, texts: list[str]) -> tuple[list[str], list[float], list[float]]:
    """For each text: the best non-fallback intent, its score, and the latency in ms (wall; CPU into CPU_MS)."""
    names: list[str] = []
    scores: list[float] = []
    latencies: list[float] = []
    for text in texts:
        start, cpu = time.perf_counter(), time.thread_time()
        result = model.interpret(text, now=NOW)
        latencies.append((time.perf_counter() - start) * 1000)
        CPU_MS.append((time.thread_time() - cpu) * 1000)
        best = next((i for i in result.interpretations if i.score is not None), None)
        names.append(best.intent_name if best else "FallbackIntent")
        scores.append(best.score if best and best.score is not None else 0.0)
    return names, scores, latencies


def choose_threshold(val_ok: np.ndarray, val_scores: np.ndarray, oos_scores: np.ndarray) -> tuple[float, float, float]:
    """The threshold (2 decimals) maximising mean(in-scope accuracy with fallback wrong, oos recall)."""
    best = (0.0, -1.0, 0.0)
    for t in np.round(np.arange(0.0, 1.0001, 0.01), 2):
        accuracy = float(np.mean(val_ok & (val_scores >= t)))
        recall = float(np.mean(oos_scores < t))
        if (accuracy + recall) / 2 > best[1]:
            best = (float(t), (accuracy + recall) / 2, accuracy)
    return best


CALIBRATION_SIZES = (3, 5, 10, 30, 100)
OOS_RECALL_TARGET = 0.65  # on val; issue 17 asks for at least 60 % on test (a 5-point margin)
FEW_INTENT_BOTS = ((3, 5), (3, 20), (3, 10), (5, 10), (5, 20), (10, 5), (10, 20), (20, 10))  # (intents, shots)


def draw(pairs: list[tuple[str, str]], shots: int, seed: int) -> list[tuple[str, str]]:
    """``shots`` utterances per label drawn at random (fixed seed); all of a label's when it has fewer."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for text, label in pairs:
        by_label.setdefault(label, []).append(text)
    out: list[tuple[str, str]] = []
    for label in sorted(by_label):
        texts = by_label[label]
        out.extend((t, label) for t in (rng.sample(texts, shots) if shots < len(texts) else texts))
    return out


def _candidates(model: NluModel, text: str, label: str, weights: np.ndarray) -> list[tuple[np.ndarray, float, str]]:
    """Training rows for the calibration: the right intent (1) and the best wrong one (0); oos: the best (0)."""
    components = model.similarity_components(text, now=NOW)
    names = list(components)
    feats = np.array([components[n] for n in names])
    logits = calibrated(feats, model.size, weights, breadth=model.breadth)
    order = np.argsort(-logits)
    rows: list[tuple[np.ndarray, float, str]] = []
    target = _intent_name(label) if label else ""
    wrong = next(int(i) for i in order if names[int(i)] != target)
    rows.append((feats[wrong], 0.0, "wrong" if label else "oos"))
    if label and target in components:
        rows.append((feats[names.index(target)], 1.0, "right"))
    return rows


def calibrate(*, meaning: bool = True) -> None:
    """Fit the calibration weights on CLINC150 val, bots of 3-100 train utterances per intent.

    With ``meaning`` (the default) the bots carry the shipped static meaning vectors (distilled from
    an encoder trained on neither corpus) and the fit gives ``CALIBRATION_WITH_MEANING`` (11 weights);
    without, ``CALIBRATION`` (9 weights) for locales the vectors do not cover.

    Knowledge comes from BANKING77 alone, as in the CLINC150 few-shot benchmark. Each in-scope val
    utterance gives its right intent (target 1) and the best wrong intent (0); each oos one its best
    intent (0). Weighted: right 0.5, wrong 0.25, oos 0.25 (three rounds: the best wrong intent depends
    on the weights). Then the bias terms are moved so that 0.40 refuses OOS_RECALL_TARGET of out-of-scope
    text on every bot size and number of intents (``_shift_to_oos_recall``).
    """
    data = json.loads((DATA / "clinc150" / "data_full.json").read_text())
    # Two knowledge tables: BANKING77 alone (the corpus knows little of CLINC's topics, as for a bot
    # in a new domain) and CLINC150 train + BANKING77 (the corpus knows the topics, as for the
    # shipped table on a bot like the seed or BookTrip). Val sentences are never in either.
    tables = [learn(["banking77"]), learn(["clinc150", "banking77"])]
    val = [(t, label) for t, label in data["val"]][::2]
    oos = [(t, "") for t, _ in data["oos_val"]]
    models = []
    for number, shots in enumerate(CALIBRATION_SIZES):
        for table in tables:
            model = NluModel.build(locale_from(draw(data["train"], shots, seed=7 + number), 0.40), knowledge=table, vectors=meaning)
            models.append(model)
        print(f"built {shots}-shot bot (size factor {model.size:.2f})", file=sys.stderr)
    n_components = (len(models[0].calibration) - 3) // 2  # 3, or 4 with the meaning cosine
    theta = np.array(models[0].calibration[: 2 * n_components + 2], dtype=np.float64)
    for round_ in range(3):
        xs: list[np.ndarray] = []
        ys: list[float] = []
        kinds: list[str] = []
        for model in models:
            for text, label in [*val, *oos]:
                for feats, y, kind in _candidates(model, text, label, theta):
                    u = model.size
                    xs.append(np.concatenate([feats, [1.0], u * feats, [u]]))
                    ys.append(y)
                    kinds.append(kind)
        x, y, k = np.array(xs), np.array(ys), np.array(kinds)
        share = {"right": 0.5, "wrong": 0.25, "oos": 0.25}
        w = np.array([share[kind] / max(int(np.sum(k == kind)), 1) for kind in k])
        theta = np.zeros(x.shape[1])
        for _ in range(4000):
            p = 1 / (1 + np.exp(-x @ theta))
            theta -= 4.0 * (x.T @ (w * (p - y)) + 1e-4 * theta)
        theta[n_components] += float(np.log(0.40 / 0.60))
        print(f"round {round_}: weights ({', '.join(f'{v:.2f}' for v in theta)})", file=sys.stderr)
    # The operating point is set on oos_val and oos_train together: on oos_val's 100 sentences alone,
    # 70 % for the full-size bot became 59.6 % on test.
    oos_more = oos + [(t, "") for t, _ in data["oos_train"]]
    bots = [(model, oos_more) for model in models] + _few_intent_bots(data, tables[1], meaning)
    theta = _shift_to_oos_recall(bots, theta)
    name = "CALIBRATION_WITH_MEANING" if meaning else "CALIBRATION"
    print(f"{name} = ({', '.join(f'{v:.2f}' for v in theta)})")


def _few_intent_bots(data: dict[str, list[list[str]]], table: WordKnowledge, meaning: bool) -> list[tuple[NluModel, list[tuple[str, str]]]]:
    """Bots of 3 to 20 CLINC150 intents (train utterances), each with its out-of-scope val text: oos_val
    and val utterances of intents the bot lacks (a small bot's out-of-scope is mostly other topics)."""
    labels = sorted({label for _, label in data["train"]})
    bots: list[tuple[NluModel, list[tuple[str, str]]]] = []
    for number, (intents, shots) in enumerate(FEW_INTENT_BOTS):
        chosen = set(random.Random(100 + number).sample(labels, intents))
        pairs = draw([(t, label) for t, label in data["train"] if label in chosen], shots, seed=number)
        others = [(t, "") for t, label in data["val"][number::10] if label not in chosen]
        model = NluModel.build(locale_from(pairs, 0.40), knowledge=table, vectors=meaning)
        bots.append((model, [(t, "") for t, _ in data["oos_val"]] + others))
    return bots


def _shift_to_oos_recall(bots: list[tuple[NluModel, list[tuple[str, str]]]], theta: np.ndarray) -> np.ndarray:
    """Move the bias terms so that 0.40 refuses OOS_RECALL_TARGET of each bot's out-of-scope val text.

    The balanced fit refused about 88 % of out-of-scope text and lost 9 points of in-scope accuracy for it;
    issue 17 asks for 60 % at least, so the operating point is moved to OOS_RECALL_TARGET (a margin kept).
    Per bot, the logit offset that puts that quantile of its out-of-scope top scores on 0.40; then
    a + b * size + c * breadth fitted over the bots by least squares, so bots of every size and
    number of intents get about the same recall. Returns the weights with the breadth term (2k + 3).
    """
    at_threshold = float(np.log(0.40 / 0.60))
    rows: list[list[float]] = []
    offsets: list[float] = []
    for model, oos in bots:
        tops = []
        for text, _ in oos:
            components = model.similarity_components(text, now=NOW)
            best = float(calibrated(np.array(list(components.values())), model.size, theta.tolist()).max())
            tops.append(float(np.log(best / max(1.0 - best, 1e-12))))
        offsets.append(at_threshold - float(np.quantile(tops, OOS_RECALL_TARGET)))
        rows.append([1.0, model.size, model.breadth])
    design, target = np.array(rows), np.array(offsets)
    (intercept, slope, per_breadth), *_ = np.linalg.lstsq(design, target, rcond=None)
    for (_, size, breadth), offset, fitted in zip(rows, offsets, design @ np.array([intercept, slope, per_breadth]), strict=True):
        print(f"size {size:.2f} breadth {breadth:.2f}: offset {offset:+.2f}, fitted {fitted:+.2f}", file=sys.stderr)
    k = (theta.size - 2) // 2
    shifted = np.concatenate([theta[: 2 * k + 2], [0.0]])
    shifted[k] += float(intercept)
    shifted[2 * k + 1] += float(slope)
    shifted[2 * k + 2] = float(per_breadth)
    return shifted


def clinc(args: argparse.Namespace) -> dict[str, float]:
    data = json.loads((DATA / "clinc150" / "data_full.json").read_text())
    train = [(t, label) for t, label in data["train"]]
    locale = locale_from(train, threshold=0.40)
    model, build_s, build_cpu_s, peak_mib = timed_build(locale, learn(["banking77"]))
    val_names, val_scores, _ = top_predictions(model, [t for t, _ in data["val"]])
    val_ok = np.array([n == _intent_name(label) for n, (_, label) in zip(val_names, data["val"], strict=True)])
    _, oos_val_scores, _ = top_predictions(model, [t for t, _ in data["oos_val"]])
    threshold, balanced, _ = choose_threshold(val_ok, np.array(val_scores), np.array(oos_val_scores))
    # A second operating point, also chosen on val: the highest in-scope accuracy whose oos recall
    # still matches the best published one (MLP, 47.4 %), to compare like with like.
    matched = max(
        (t for t in np.round(np.arange(0.0, 1.0001, 0.01), 2) if np.mean(np.array(oos_val_scores) < t) >= 0.474),
        key=lambda t: (float(np.mean(val_ok & (np.array(val_scores) >= t))), -t),
        default=threshold,
    )
    test_names, test_scores, lat_in = top_predictions(model, [t for t, _ in data["test"]])
    test_ok = np.array([n == _intent_name(label) for n, (_, label) in zip(test_names, data["test"], strict=True)])
    _, oos_test_scores, lat_oos = top_predictions(model, [t for t, _ in data["oos_test"]])
    latencies = sorted(lat_in + lat_oos)
    scores = np.array(test_scores)
    oos_scores = np.array(oos_test_scores)
    return {
        "threshold": threshold,
        "val_balanced": balanced * 100,
        "raw_top1": float(test_ok.mean()) * 100,
        "in_scope_acc": float(np.mean(test_ok & (scores >= threshold))) * 100,
        "oos_recall": float(np.mean(oos_scores < threshold)) * 100,
        "oos_recall_default_040": float(np.mean(oos_scores < 0.40)) * 100,
        "matched_threshold": float(matched),
        "in_scope_acc_matched": float(np.mean(test_ok & (scores >= matched))) * 100,
        "oos_recall_matched": float(np.mean(oos_scores < matched)) * 100,
        "build_cpu_s": build_cpu_s,
        "load_average": os.getloadavg()[0],
        "in_scope_acc_default_040": float(np.mean(test_ok & (scores >= 0.40))) * 100,
        "build_s": build_s,
        "peak_mib": peak_mib,
        "rss_mib": rss_mib(),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "utterances": float(len(train)),
    }


def banking() -> dict[str, float]:
    def read(name: str) -> list[tuple[str, str]]:
        with (DATA / "banking77" / name).open(newline="", encoding="utf-8") as handle:
            return [(row["text"], row["category"]) for row in csv.DictReader(handle)]

    train, test = read("train.csv"), read("test.csv")
    start = time.perf_counter()
    model = NluModel.build(locale_from(train, threshold=0.0), knowledge=learn(["clinc150"]))
    build_s = time.perf_counter() - start
    names, _, latencies = top_predictions(model, [t for t, _ in test])
    accuracy = np.mean([n == _intent_name(label) for n, (_, label) in zip(names, test, strict=True)])
    latencies.sort()
    return {"accuracy": float(accuracy) * 100, "build_s": build_s, "p50_ms": statistics.median(latencies), "intents": 77.0}


FEW_SHOT_SEEDS = (0, 1, 2, 3, 4)
ANCHORS = {("clinc150", 10): "CPFT 94.18", ("banking77", 10): "CPFT 87.2"}


def few_shot(corpus: str, shots: int, seed: int, *, quick: bool) -> dict[str, float]:
    """One draw: a ``shots``-per-intent bot at threshold 0.40, knowledge learned without ``corpus``.

    Full: the test split (CLINC150: test + oos_test). Quick (for iterating): every 3rd val
    utterance and oos_val for CLINC150; every 3rd test utterance for BANKING77, which has no val.
    """
    other = "banking77" if corpus == "clinc150" else "clinc150"
    model = NluModel.build(locale_from(draw(corpus_pairs(corpus, "train"), shots, seed), 0.40), knowledge=_knowledge(other))
    if corpus == "clinc150":
        data = json.loads((DATA / "clinc150" / "data_full.json").read_text())
        inside = [(t, label) for t, label in data["val" if quick else "test"]]
        outside = [t for t, _ in data["oos_val" if quick else "oos_test"]]
    else:
        inside, outside = corpus_pairs("banking77", "test"), []
    if quick:
        inside = inside[::3]
    CPU_MS.clear()
    names, scores, lat_in = top_predictions(model, [t for t, _ in inside])
    ok = np.array([n == _intent_name(label) for n, (_, label) in zip(names, inside, strict=True)])
    _, oos_scores, lat_oos = top_predictions(model, outside)
    latencies = sorted(lat_in + lat_oos)
    cpu = sorted(CPU_MS)
    out = {
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p99_ms": cpu[int(len(cpu) * 0.99) - 1],
        "raw": float(ok.mean()) * 100,
        "at_threshold": float(np.mean(ok & (np.array(scores) >= 0.40))) * 100,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }
    if outside:
        out["oos_recall"] = float(np.mean(np.array(oos_scores) < 0.40)) * 100
    return out


_KNOWLEDGE: dict[str, WordKnowledge] = {}


def _knowledge(corpus: str) -> WordKnowledge:
    if corpus not in _KNOWLEDGE:
        _KNOWLEDGE[corpus] = learn([corpus])
    return _KNOWLEDGE[corpus]


def few_shot_table(quick: bool, seeds: tuple[int, ...]) -> str:
    """The few-shot table: mean ± standard deviation over the draws, per corpus and shot count."""
    lines = [
        "| corpus | shots/intent | draws | raw top-1 % | in-scope acc. at 0.40 % | OOS recall at 0.40 % "
        "| CPU p50 / p99 ms | wall p50 / p99 ms | anchor |",
        "|---|---:|---:|---|---|---|---|---|---|",
    ]
    for corpus in ("clinc150", "banking77"):
        for shots in (5, 10):
            runs = [few_shot(corpus, shots, seed, quick=quick) for seed in seeds]

            def cell(key: str, runs: list[dict[str, float]] = runs) -> str:
                values = [r[key] for r in runs if key in r]
                if not values:
                    return "-"
                spread = statistics.stdev(values) if len(values) > 1 else 0.0
                return f"{statistics.mean(values):.1f} ± {spread:.1f}"

            p50 = statistics.mean(r["p50_ms"] for r in runs)
            p99 = max(r["p99_ms"] for r in runs)
            cpu50 = statistics.mean(r["cpu_p50_ms"] for r in runs)
            cpu99 = max(r["cpu_p99_ms"] for r in runs)
            anchor = ANCHORS.get((corpus, shots), "")
            lines.append(
                f"| {corpus} | {shots} | {len(runs)} | {cell('raw')} | {cell('at_threshold')} | {cell('oos_recall')} "
                f"| {cpu50:.2f} / {cpu99:.2f} | {p50:.2f} / {p99:.2f} | {anchor} |"
            )
            print(lines[-1], file=sys.stderr)
    return "\n".join(lines)


def render(c: dict[str, float], b: dict[str, float] | None) -> str:
    lines = [
        "| system | in-scope accuracy % | out-of-scope recall % |",
        "|---|---|---|",
        f"| **chat-lex local engine** (threshold {c['threshold']:.2f}, chosen on val) "
        f"| **{c['in_scope_acc']:.1f}** | **{c['oos_recall']:.1f}** |",
        f"| chat-lex at Lex's default threshold 0.40 | {c['in_scope_acc_default_040']:.1f} | {c['oos_recall_default_040']:.1f} |",
        f"| chat-lex at threshold {c['matched_threshold']:.2f} (val: oos recall >= MLP's 47.4) "
        f"| {c['in_scope_acc_matched']:.1f} | {c['oos_recall_matched']:.1f} |",
    ]
    lines += [f"| {name} (published) | {acc:.1f} | {rec:.1f} |" for name, acc, rec in PUBLISHED]
    lines += [
        "",
        "| measure | value |",
        "|---|---|",
        f"| CLINC150 raw top-1 in-scope accuracy (fallback ignored) | {c['raw_top1']:.1f} % |",
        f"| CLINC150 in-scope accuracy, below threshold counted wrong | {c['in_scope_acc']:.1f} % |",
        f"| CLINC150 out-of-scope recall (oos_test -> FallbackIntent) | {c['oos_recall']:.1f} % |",
        f"| val balanced score at the chosen threshold | {c['val_balanced']:.1f} % |",
        f"| model build, 150 intents / {int(c['utterances'])} utterances (wall / CPU) | {c['build_s']:.2f} s / {c['build_cpu_s']:.2f} s |",
        f"| build memory (tracemalloc peak) | {c['peak_mib']:.0f} MiB |",
        f"| process RSS after the runs | {c['rss_mib']:.0f} MiB |",
        f"| latency per utterance p50 / p99 (wall) | {c['p50_ms']:.2f} / {c['p99_ms']:.2f} ms |",
        f"| 1-minute load average after the CLINC150 runs (2 cores, shared) | {c['load_average']:.1f} |",
    ]
    if b is not None:
        lines.append(
            f"| Banking77 test accuracy (77 intents, top-1) | {b['accuracy']:.1f} % "
            + f"(build {b['build_s']:.2f} s, p50 {b['p50_ms']:.2f} ms) |"
        )
    return "\n".join(lines)


def append_docs(table: str) -> None:
    commit = short_commit()
    section = (
        f"\n## NLU\n\nLocal engine NLU on CLINC150 (full, test split) and Banking77, measured at commit `{commit or 'unknown'}` "
        f"on {datetime.now(UTC):%Y-%m-%d} with `benchmarks/nlu_bench.py` (2-core CI-class machine, shared).\n\n{table}\n"
    )
    path = append_section(section)
    print(f"appended the NLU section to {path}")


def append_few_shot_docs(table: str) -> None:
    commit = short_commit()
    section = (
        f"\n## NLU few-shot\n\nSmall bots (5 and 10 utterances per intent, 5 random draws each, seeds 0-4), measured at commit "
        f"`{commit or 'unknown'}` on {datetime.now(UTC):%Y-%m-%d} with `benchmarks/nlu_bench.py --few-shot`. Test splits; threshold 0.40 "
        f"(Lex's default); word knowledge learned from the other corpus only.\n\n{table}\n"
    )
    print(f"appended the few-shot section to {append_section(section)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="refit the score calibration on CLINC150 val and print it")
    parser.add_argument("--skip-banking", action="store_true", help="only run CLINC150")
    parser.add_argument("--append-docs", action="store_true", help="append the results to docs/benchmarks.md")
    parser.add_argument("--few-shot", action="store_true", help="the few-shot table (5 and 10 per intent, 5 draws) instead")
    parser.add_argument("--quick", action="store_true", help="few-shot on a val subset, 1 draw: for iterating")
    parser.add_argument(
        "--no-meaning", action="store_true", help="with --calibrate: fit the calibration for locales without meaning vectors"
    )
    args = parser.parse_args()
    if args.few_shot:
        table = few_shot_table(args.quick, (0,) if args.quick else FEW_SHOT_SEEDS)
        print(table)
        if args.append_docs and not args.quick:
            append_few_shot_docs(table)
        return 0
    if args.calibrate:
        calibrate(meaning=not args.no_meaning)
        return 0
    results = clinc(args)
    bank = None if args.skip_banking else banking()
    table = render(results, bank)
    print(table)
    if args.append_docs:
        append_docs(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
