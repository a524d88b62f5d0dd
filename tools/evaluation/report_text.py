"""The evaluation report for the terminal: metrics table, confusion matrix, misclassified utterances, deltas."""

from __future__ import annotations

from typing import Any

from tools.evaluation.report_data import F1Delta

MAX_MISCLASSIFIED_SHOWN = 50
MAX_LABEL_WIDTH = 24


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def metrics_table(report: dict[str, Any]) -> list[str]:
    """Per-intent precision, recall, F1 and support, then micro and macro averages."""
    width = max([len("intent"), *(len(_cut(n, MAX_LABEL_WIDTH)) for n in report["intents"])]) + 2
    lines = [f"{'intent':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    for name, s in report["intents"].items():
        lines.append(f"{_cut(name, MAX_LABEL_WIDTH):<{width}}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>10.3f}{s['support']:>9}")
    lines.append("-" * len(lines[0]))
    for kind in ("micro", "macro"):
        s = report["summary"][kind]
        lines.append(f"{kind + ' avg':<{width}}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>10.3f}{s['support']:>9}")
    labelled = report["summary"].get("macro_labelled")
    if labelled is not None and labelled != report["summary"]["macro"]:
        # Only when an intent was predicted but never labelled (FallbackIntent in a cross-validation).
        lines.append(f"macro avg of labelled intents: P {labelled['precision']:.3f}  R {labelled['recall']:.3f}  F1 {labelled['f1']:.3f}")
    lines.append(f"accuracy {report['summary']['accuracy']:.3f} over {report['utterances']} utterances")
    slots = report["slots"]
    if slots["total"]:
        lines.append(f"slot values: {slots['correct']}/{slots['total']} correct (accuracy {slots['accuracy']:.3f})")
        for name, s in slots["per_slot"].items():
            lines.append(f"  {name}: {s['correct']}/{s['total']} ({s['accuracy']:.3f})")
    else:
        lines.append("slot values: none labelled")
    return lines


def confusion_lines(report: dict[str, Any]) -> list[str]:
    """Rows are expected intents, columns predicted ones (numbered, with a legend)."""
    labels: list[str] = report["confusion"]["labels"]
    matrix: list[list[int]] = report["confusion"]["matrix"]
    cell = max(4, *(len(str(v)) + 1 for row in matrix for v in row)) if matrix else 4
    lines = ["confusion matrix (rows: expected, columns: predicted)"]
    lines.append(" " * 6 + "".join(f"{f'[{j + 1}]':>{cell + 1}}" for j in range(len(labels))))
    for i, row in enumerate(matrix):
        lines.append(f"{f'[{i + 1}]':>5} " + "".join(f"{(str(v) if v else '.'):>{cell + 1}}" for v in row))
    lines.extend(f"  [{i + 1}] {label}" for i, label in enumerate(labels))
    return lines


def misclassified_lines(report: dict[str, Any], limit: int = MAX_MISCLASSIFIED_SHOWN) -> list[str]:
    """Each wrong utterance with its top interpretations."""
    wrong = report["misclassified"]
    if not wrong:
        return ["misclassified: none"]
    lines = [f"misclassified ({len(wrong)}):"]
    for item in wrong[:limit]:
        top = ", ".join(f"{t['intent']} {'n/a' if t['score'] is None else format(t['score'], '.2f')}" for t in item["top"])
        lines.append(f"  {item['text']!r}: expected {item['expected']}, got {item['predicted']}   [{top or 'no interpretations'}]")
        if item.get("error"):
            lines.append(f"      error: {item['error']}")
    if len(wrong) > limit:
        lines.append(f"  … and {len(wrong) - limit} more (see the JSON or HTML report)")
    return lines


def delta_lines(deltas: list[F1Delta]) -> list[str]:
    """F1 changes against the baseline."""
    lines = ["F1 against the baseline:"]
    for d in deltas:
        before = "-" if d.before is None else f"{d.before:.3f}"
        after = "-" if d.after is None else f"{d.after:.3f}"
        change = "new" if d.before is None else "gone" if d.after is None else f"{d.delta:+.3f}"
        lines.append(f"  {_cut(d.intent, MAX_LABEL_WIDTH):<{MAX_LABEL_WIDTH + 2}}{before:>8} -> {after:<8}{change:>8}")
    return lines


def render_text(report: dict[str, Any], deltas: list[F1Delta] | None = None) -> str:
    """Everything, for stdout."""
    lines = [f"NLU evaluation on {report['target']} ({report['data']})", ""]
    lines += [*metrics_table(report), "", *confusion_lines(report), "", *misclassified_lines(report)]
    if deltas is not None:
        lines += ["", *delta_lines(deltas)]
    return "\n".join(lines)
