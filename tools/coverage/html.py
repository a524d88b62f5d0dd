"""The coverage report as one self-contained HTML page: a table per intent, untested items in red.

Every text on the page comes from the bot spec or feature files, which are untrusted: all of it
goes through ``html.escape``; the page has inline CSS and no script.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from tools.coverage.report import KINDS, CoverageReport, TargetCoverage

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0 0 1.5em;min-width:40em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
tr.untested td{background:#fde2e2;color:#a40000}
tr.tested td{background:#e6f4ea}
.pct{font-weight:bold}
"""


def _anchor(target: str, index: int) -> str:
    return f"s-{escape(target)}-{index}"


def _target_section(name: str, target: TargetCoverage) -> list[str]:
    covered = sum(1 for i in target.items if i.covered)
    out = [
        f"<h2>Target {escape(name)}: <span class=pct>{target.percent:.1f} %</span> ({covered} of {len(target.items)} items)</h2>",
    ]
    intents: dict[str, list[int]] = {}
    for index, item in enumerate(target.items):
        intents.setdefault(item.intent, []).append(index)
    order = {kind: n for n, kind in enumerate(KINDS)}
    for intent, indexes in intents.items():
        items = sorted((target.items[i] for i in indexes), key=lambda it: order.get(it.kind, len(order)))
        done = sum(1 for i in items if i.covered)
        out.append(f"<h3>{escape(intent)} ({done} of {len(items)})</h3>")
        out.append("<table><tr><th>Kind</th><th>Item</th><th>Covered by</th></tr>")
        for item in items:
            links = ", ".join(
                f'<a href="#{_anchor(name, s)}">{escape(target.scenarios[s])}</a>'
                for s in item.covered_by
                if 0 <= s < len(target.scenarios)
            )
            state = "tested" if item.covered else "untested"
            out.append(f"<tr class={state}><td>{escape(item.kind)}</td><td>{escape(item.label)}</td><td>{links or 'not tested'}</td></tr>")
        out.append("</table>")
    out.append(f"<h3>Scenarios run on {escape(name)}</h3><ol start=0>")
    out.extend(f'<li id="{_anchor(name, n)}">{escape(title)}</li>' for n, title in enumerate(target.scenarios))
    out.append("</ol>")
    return out


def render_html(report: CoverageReport) -> str:
    """The whole page."""
    body = [f"<h1>Conversation-test coverage of {escape(report.bot)} ({escape(report.locale)})</h1>"]
    for name, target in report.targets.items():
        body.extend(_target_section(name, target))
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>Coverage of {escape(report.bot)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_html(report: CoverageReport, folder: Path) -> Path:
    """Write ``index.html`` into ``folder`` (created when missing); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path
