"""The evaluation report as plain data (what ``--report`` writes as JSON), and deltas against a baseline report."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.evaluation.metrics import LabelScores, Metrics
from tools.evaluation.recognition import Prediction

REPORT_FORMAT = "chat-lex-evaluate/1"
MAX_BASELINE_BYTES = 50 * 1024 * 1024


class BaselineError(Exception):
    """The baseline report cannot be read; the message says why."""


def _scores(s: LabelScores) -> dict[str, Any]:
    return {"precision": round(s.precision, 6), "recall": round(s.recall, 6), "f1": round(s.f1, 6), "support": s.support}


def build_report(metrics: Metrics, predictions: list[Prediction], *, target: str, data: str) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    misclassified = [
        {
            "text": p.utterance.text,
            "expected": p.utterance.intent,
            "predicted": p.intent,
            "source": p.utterance.source,
            "top": [{"intent": name, "score": None if score is None else round(score, 6)} for name, score in p.top],
            **({"error": p.error} if p.error else {}),
        }
        for p in predictions
        if not p.correct
    ]
    slot_errors = [
        {"text": p.utterance.text, "source": p.utterance.source, "slot": name, "expected": value, "predicted": p.slots.get(name)}
        for p in predictions
        for name, value in p.utterance.slots.items()
        if (p.slots.get(name) or "").casefold() != value.casefold()
    ]
    return {
        "format": REPORT_FORMAT,
        "target": target,
        "data": data,
        "utterances": len(predictions),
        "summary": {
            "accuracy": round(metrics.accuracy, 6),
            "micro": _scores(metrics.micro),
            "macro": _scores(metrics.macro),
            **({"macro_labelled": _scores(metrics.macro_labelled)} if metrics.macro_labelled is not None else {}),
        },
        "intents": {label: _scores(metrics.per_label[label]) for label in metrics.labels},
        "slots": {
            "accuracy": round(metrics.slots.accuracy, 6),
            "correct": metrics.slots.correct,
            "total": metrics.slots.total,
            "per_slot": {
                n: {"accuracy": round(s.accuracy, 6), "correct": s.correct, "total": s.total} for n, s in metrics.per_slot.items()
            },
        },
        "confusion": {
            "labels": metrics.labels,
            "matrix": [[metrics.confusion[e][p] for p in metrics.labels] for e in metrics.labels],
        },
        "misclassified": misclassified,
        "slot_errors": slot_errors,
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write the report as indented JSON (creating the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _f1_of(entry: Any, where: str) -> float:
    f1 = entry.get("f1") if isinstance(entry, dict) else None
    if isinstance(f1, bool) or not isinstance(f1, int | float) or not math.isfinite(f1) or not 0 <= f1 <= 1:
        raise BaselineError(f"{where}: f1 must be a number between 0 and 1")
    return float(f1)


@dataclass(frozen=True)
class F1Delta:
    """An intent's F1 before and after (None where the intent was absent)."""

    intent: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def load_baseline(path: Path) -> dict[str, float]:
    """Per-intent F1 of an earlier ``--report`` file, plus the macro F1 under the key ``"(macro)"``."""
    if not path.is_file():
        raise BaselineError(f"{path}: no such file; give --baseline a JSON report written by `chat-lex evaluate --report`")
    if path.stat().st_size > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: larger than {MAX_BASELINE_BYTES} bytes; that is not an evaluation report")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict) or not isinstance(data.get("summary"), dict):
        raise BaselineError(f"{path}: not a chat-lex evaluate report (it needs 'summary' and 'intents')")
    out = {str(name): _f1_of(entry, f"{path}: intents.{name}") for name, entry in data["intents"].items()}
    out["(macro)"] = _f1_of(data["summary"].get("macro"), f"{path}: summary.macro")
    return out


def f1_deltas(report: dict[str, Any], baseline: dict[str, float]) -> list[F1Delta]:
    """Per-intent F1 changes (every intent of either report), then the macro F1 change."""
    now = {name: float(entry["f1"]) for name, entry in report["intents"].items()}
    names = sorted((set(now) | set(baseline)) - {"(macro)"})
    deltas = [F1Delta(name, baseline.get(name), now.get(name)) for name in names]
    deltas.append(F1Delta("(macro)", baseline.get("(macro)"), float(report["summary"]["macro"]["f1"])))
    return deltas
