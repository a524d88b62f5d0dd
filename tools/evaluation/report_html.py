"""The evaluation report as one self-contained HTML page: tables, a confusion heat map, no scripts or external assets."""

from __future__ import annotations

from html import escape
from typing import Any

from tools.evaluation.report_data import F1Delta

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2933;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d2d6dc;padding:.25rem .5rem;text-align:right}
th{background:#f4f5f7}td.name,th.name{text-align:left}
.heat td{width:2.6rem;text-align:center}
.heat th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
.low{color:#b42318;font-weight:600}.ok{color:#027a48}
.summary span{display:inline-block;margin-right:1.5rem}
"""


def _num(value: float) -> str:
    return f"{value:.3f}"


def _heat_colour(count: int, row_total: int, diagonal: bool) -> str:
    if not count:
        return "#ffffff"
    share = count / row_total if row_total else 0.0
    # Green for right answers, red for confusions; the stronger the share, the deeper the colour.
    alpha = 0.15 + 0.85 * share
    return f"rgba(2,122,72,{alpha:.2f})" if diagonal else f"rgba(180,35,24,{alpha:.2f})"


def _metrics_table(report: dict[str, Any]) -> str:
    rows = []
    for name, s in report["intents"].items():
        css = "low" if s["f1"] < 0.5 and s["support"] else ""
        rows.append(
            f'<tr><td class="name">{escape(name)}</td><td>{_num(s["precision"])}</td><td>{_num(s["recall"])}</td>'
            f'<td class="{css}">{_num(s["f1"])}</td><td>{s["support"]}</td></tr>'
        )
    for kind in ("micro", "macro"):
        s = report["summary"][kind]
        rows.append(
            f'<tr><th class="name">{kind} avg</th><td>{_num(s["precision"])}</td><td>{_num(s["recall"])}</td>'
            f"<td>{_num(s['f1'])}</td><td>{s['support']}</td></tr>"
        )
    head = '<tr><th class="name">intent</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>'
    return f"<table>{head}{''.join(rows)}</table>"


def _heat_map(report: dict[str, Any]) -> str:
    labels: list[str] = report["confusion"]["labels"]
    matrix: list[list[int]] = report["confusion"]["matrix"]
    head = (
        '<tr><th class="name">expected \\ predicted</th>' + "".join(f'<th class="col">{escape(label)}</th>' for label in labels) + "</tr>"
    )
    rows = []
    for i, row in enumerate(matrix):
        total = sum(row)
        cells = "".join(
            f'<td style="background:{_heat_colour(v, total, i == j)}" title="{escape(labels[i])} → {escape(labels[j])}: {v}">{v or ""}</td>'
            for j, v in enumerate(row)
        )
        rows.append(f'<tr><th class="name">{escape(labels[i])}</th>{cells}</tr>')
    return f'<table class="heat">{head}{"".join(rows)}</table>'


def _misclassified(report: dict[str, Any]) -> str:
    wrong = report["misclassified"]
    if not wrong:
        return "<p class=ok>No utterance was misclassified.</p>"
    rows = []
    for item in wrong:
        top = "<br>".join(f"{escape(t['intent'])} {'n/a' if t['score'] is None else _num(t['score'])}" for t in item["top"]) or escape(
            item.get("error") or "no interpretations"
        )
        rows.append(
            f'<tr><td class="name">{escape(item["text"])}</td><td class="name">{escape(item["expected"])}</td>'
            f'<td class="name">{escape(item["predicted"])}</td><td class="name">{top}</td>'
            f'<td class="name">{escape(item["source"])}</td></tr>'
        )
    head = '<tr><th class="name">utterance</th><th class="name">expected</th><th class="name">predicted</th>'
    head += '<th class="name">top 3 interpretations</th><th class="name">source</th></tr>'
    return f"<table>{head}{''.join(rows)}</table>"


def _slots(report: dict[str, Any]) -> str:
    slots = report["slots"]
    if not slots["total"]:
        return "<p>No slot values were labelled.</p>"
    rows = "".join(
        f'<tr><td class="name">{escape(n)}</td><td>{s["correct"]}</td><td>{s["total"]}</td><td>{_num(s["accuracy"])}</td></tr>'
        for n, s in slots["per_slot"].items()
    )
    head = '<tr><th class="name">slot</th><th>correct</th><th>total</th><th>accuracy</th></tr>'
    return f"<p>Slot value accuracy: {_num(slots['accuracy'])} ({slots['correct']}/{slots['total']})</p><table>{head}{rows}</table>"


def _deltas(deltas: list[F1Delta]) -> str:
    rows = []
    for d in deltas:
        change = "new" if d.before is None else "gone" if d.after is None else f"{d.delta:+.3f}"
        css = "low" if d.delta is not None and d.delta < 0 else "ok" if d.delta else ""
        before = "-" if d.before is None else _num(d.before)
        after = "-" if d.after is None else _num(d.after)
        rows.append(f'<tr><td class="name">{escape(d.intent)}</td><td>{before}</td><td>{after}</td><td class="{css}">{change}</td></tr>')
    head = '<tr><th class="name">intent</th><th>baseline F1</th><th>F1</th><th>change</th></tr>'
    return f"<h2>Against the baseline</h2><table>{head}{''.join(rows)}</table>"


def render_html(report: dict[str, Any], deltas: list[F1Delta] | None = None) -> str:
    """The complete page."""
    summary = report["summary"]
    title = f"NLU evaluation: {report['target']}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Data: {escape(report['data'])}; {report['utterances']} utterances.</p>"
        f'<p class="summary"><span>accuracy {_num(summary["accuracy"])}</span>'
        f"<span>micro F1 {_num(summary['micro']['f1'])}</span><span>macro F1 {_num(summary['macro']['f1'])}</span></p>"
        f"<h2>Per intent</h2>{_metrics_table(report)}"
        f"<h2>Slots</h2>{_slots(report)}"
        f"<h2>Confusion matrix</h2>{_heat_map(report)}"
        f"<h2>Misclassified utterances</h2>{_misclassified(report)}"
        f"{_deltas(deltas) if deltas is not None else ''}"
        "</body></html>\n"
    )
