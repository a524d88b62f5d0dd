"""Evaluation reports: JSON data, baseline deltas, the terminal text, the HTML page (escaped), and progress output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tools.evaluation.labelled_data import LabelledUtterance
from tools.evaluation.metrics import compute_metrics
from tools.evaluation.progress import Progress
from tools.evaluation.recognition import Prediction
from tools.evaluation.report_data import BaselineError, build_report, f1_deltas, load_baseline, write_report
from tools.evaluation.report_html import render_html
from tools.evaluation.report_text import render_text

HOSTILE = '<script>alert("x")</script>'


def _predictions() -> list[Prediction]:
    def p(text: str, want: str, got: str, slots: dict[str, str] | None = None, found: dict[str, str | None] | None = None) -> Prediction:
        return Prediction(LabelledUtterance(text, want, slots or {}, f"data:{text}"), got, found or {}, [(got, 0.9), (want, 0.1)])

    return [
        p("hello", "Greeting", "Greeting"),
        p("hi there", "Greeting", "Help"),
        p("help", "Help", "Help"),
        p("where is my order", "Status", "Status", {"StatusType": "order"}, {"StatusType": "order"}),
        p(HOSTILE, HOSTILE, "Status", {"S": "v"}, {"S": None}),
    ]


def _report() -> dict[str, object]:
    preds = _predictions()
    metrics = compute_metrics([x.utterance.intent for x in preds], [x.intent for x in preds], [(x.utterance.slots, x.slots) for x in preds])
    return build_report(metrics, preds, target="engine", data="data.yaml")


def test_json_report_has_summary_intents_confusion_and_misclassified(tmp_path: Path) -> None:
    report = _report()
    path = tmp_path / "out" / "r.json"
    write_report(report, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["utterances"] == 5
    assert data["intents"]["Greeting"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3, abs=1e-6), "support": 2}
    assert [m["text"] for m in data["misclassified"]] == ["hi there", HOSTILE]
    assert data["misclassified"][0]["top"] == [{"intent": "Help", "score": 0.9}, {"intent": "Greeting", "score": 0.1}]
    assert data["slots"]["correct"] == 1 and data["slots"]["total"] == 2
    assert data["slot_errors"] == [{"text": HOSTILE, "source": f"data:{HOSTILE}", "slot": "S", "expected": "v", "predicted": None}]
    labels = data["confusion"]["labels"]
    assert data["confusion"]["matrix"][labels.index("Greeting")][labels.index("Help")] == 1


def test_baseline_deltas_per_intent_and_macro(tmp_path: Path) -> None:
    report = _report()
    old = {"summary": {"macro": {"f1": 0.5}}, "intents": {"Greeting": {"f1": 1.0}, "Help": {"f1": 0.5}, "Retired": {"f1": 0.9}}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    deltas = {d.intent: d for d in f1_deltas(report, load_baseline(path))}
    assert deltas["Greeting"].delta == pytest.approx(2 / 3 - 1.0, abs=1e-6)
    assert deltas["Help"].delta == pytest.approx(2 / 3 - 0.5, abs=1e-6)  # Help: P = 1/2, R = 1 -> F1 = 2/3
    assert deltas["Retired"].after is None and deltas["Status"].before is None
    assert deltas["(macro)"].before == 0.5
    text = render_text(report, list(deltas.values()))
    assert "F1 against the baseline:" in text and "gone" in text and "new" in text and "-0.333" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a chat-lex evaluate report"),
        ('{"summary": {}, "intents": {"A": {"f1": 2}}}', "intents.A: f1 must be a number between 0 and 1"),
        ('{"summary": {"macro": {"f1": "high"}}, "intents": {}}', "summary.macro: f1 must be a number"),
        ('{"summary": {"macro": {"f1": NaN}}, "intents": {}}', "summary.macro: f1 must be a number"),
    ],
)
def test_bad_baselines_are_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "old.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
    with pytest.raises(BaselineError, match="no such file"):
        load_baseline(tmp_path / "missing.json")


def test_terminal_text_has_the_table_confusion_and_misclassified_with_top_interpretations() -> None:
    text = render_text(_report())
    assert "macro avg" in text and "micro avg" in text and "accuracy 0.600 over 5 utterances" in text
    assert "confusion matrix (rows: expected, columns: predicted)" in text
    assert "'hi there': expected Greeting, got Help   [Help 0.90, Greeting 0.10]" in text
    assert "slot values: 1/2 correct" in text
    assert "macro avg of labelled intents" not in text  # every predicted intent was also labelled


def test_an_intent_only_predicted_gets_the_macro_of_labelled_intents_beside_the_macro() -> None:
    preds = [
        Prediction(LabelledUtterance("hello", "Greeting", {}, "d:1"), "Greeting", {}, []),
        Prediction(LabelledUtterance("yo", "Greeting", {}, "d:2"), "FallbackIntent", {}, []),
        Prediction(LabelledUtterance("help", "Help", {}, "d:3"), "Help", {}, []),
    ]
    metrics = compute_metrics([x.utterance.intent for x in preds], [x.intent for x in preds])
    report = build_report(metrics, preds, target="engine", data="cv")
    summary = report["summary"]
    assert isinstance(summary, dict)
    # Greeting F1 2/3, Help 1, FallbackIntent 0 (support 0): macro 5/9, labelled intents 5/6.
    assert summary["macro"]["f1"] == pytest.approx(5 / 9, abs=1e-6)
    assert summary["macro_labelled"]["f1"] == pytest.approx(5 / 6, abs=1e-6)
    assert "macro avg of labelled intents: P 1.000  R 0.750  F1 0.833" in render_text(report)


def test_html_is_self_contained_and_escapes_everything() -> None:
    page = render_html(_report())
    assert page.startswith("<!DOCTYPE html>")
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page and "<link" not in page
    assert "rgba(2,122,72" in page and "rgba(180,35,24" in page  # right answers green, confusions red


def test_progress_prints_periodic_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(100, "evaluating", stream)
    for _ in range(100):
        progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "evaluating: 10/100" and lines[-1] == "evaluating: 100/100" and len(lines) == 10


def test_progress_draws_a_bar_on_a_terminal_and_stays_quiet_for_short_runs() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = Progress(60, "cv", stream)
    for _ in range(60):
        progress.advance()
    assert stream.getvalue().count("\r") == 60 and stream.getvalue().endswith("] 60/60\n")
    quiet = io.StringIO()
    short = Progress(5, "x", quiet)
    short.advance(5)
    assert quiet.getvalue() == ""
