"""A coverage report: items per target and the scenarios that covered them; its JSON file, written and read back.

Built by ``conversation_tests.coverage_model`` during ``chat-lex test --coverage``; read by
``chat-lex coverage``. docs/coverage.md defines the items and the percentage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "chat-lex-coverage"
VERSION = 1
MAX_COVERAGE_BYTES = 50 * 1024 * 1024  # a coverage file of the largest bots stays far below this

# The kinds of item, in the order a report lists them within an intent.
KINDS: tuple[str, ...] = (
    "intent",
    "slot-elicited",
    "slot-filled",
    "prompt",
    "re-prompt",
    "retries-exhausted",
    "slot-value",
    "synonym",
    "confirmation-prompt",
    "confirmation-accepted",
    "confirmation-declined",
    "code-hook",
    "closing",
    "reply",
    "card",
    "button",
)


class CoverageFileError(Exception):
    """A coverage file cannot be read; the message says why."""


@dataclass
class CoverageItem:
    """One thing the bot can do that a scenario may exercise."""

    id: str
    intent: str
    kind: str
    label: str
    covered_by: list[int] = field(default_factory=list)  # indexes into the target's scenario list
    detail: tuple[str, ...] = ()  # what marking compares (text, card title, button...); not written out

    @property
    def covered(self) -> bool:
        return bool(self.covered_by)


@dataclass
class TargetCoverage:
    """The items of the bot and the scenarios that ran on one target."""

    scenarios: list[str]
    items: list[CoverageItem]

    @property
    def percent(self) -> float:
        """Covered items over all items, times 100 (100 when the bot has no item at all)."""
        if not self.items:
            return 100.0
        return 100.0 * sum(1 for i in self.items if i.covered) / len(self.items)


@dataclass
class CoverageReport:
    """Coverage per target, for one bot and locale."""

    bot: str
    locale: str
    targets: dict[str, TargetCoverage]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "bot": self.bot,
            "locale": self.locale,
            "targets": {
                name: {
                    "percent": round(target.percent, 2),
                    "scenarios": target.scenarios,
                    "items": [
                        {"id": i.id, "intent": i.intent, "kind": i.kind, "label": i.label, "covered_by": i.covered_by} for i in target.items
                    ],
                }
                for name, target in self.targets.items()
            },
        }


# ---------------------------------------------------------------- reading the JSON back


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CoverageFileError(message)


def read_report(path: Path) -> CoverageReport:
    """Read a coverage file written by ``chat-lex test --coverage``; CoverageFileError when it is not one."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CoverageFileError(f"{path}: cannot read it ({exc.strerror})") from None
    _require(size <= MAX_COVERAGE_BYTES, f"{path}: {size} bytes, more than a coverage file may hold ({MAX_COVERAGE_BYTES})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoverageFileError(f"{path}: not JSON ({exc})") from None
    _require(isinstance(data, dict) and data.get("format") == FORMAT, f"{path}: not a chat-lex coverage file")
    _require(data.get("version") == VERSION, f"{path}: coverage format version {data.get('version')!r}, expected {VERSION}")
    targets_data = data.get("targets")
    _require(isinstance(targets_data, dict), f"{path}: 'targets' is not an object")
    targets: dict[str, TargetCoverage] = {}
    for name, target in targets_data.items():
        _require(isinstance(target, dict), f"{path}: target {name!r} is not an object")
        scenarios = target.get("scenarios")
        raw_items = target.get("items")
        _require(isinstance(scenarios, list) and all(isinstance(s, str) for s in scenarios), f"{path}: target {name!r}: bad scenarios")
        _require(isinstance(raw_items, list), f"{path}: target {name!r}: 'items' is not a list")
        items: list[CoverageItem] = []
        for raw in raw_items:
            _require(isinstance(raw, dict), f"{path}: target {name!r}: an item is not an object")
            fields = [raw.get(k) for k in ("id", "intent", "kind", "label")]
            covered_by = raw.get("covered_by")
            _require(all(isinstance(f, str) for f in fields), f"{path}: target {name!r}: an item lacks id, intent, kind or label")
            _require(
                isinstance(covered_by, list) and all(isinstance(i, int) and 0 <= i < len(scenarios) for i in covered_by),
                f"{path}: target {name!r}: item {raw.get('id')!r} has a bad covered_by",
            )
            items.append(CoverageItem(str(fields[0]), str(fields[1]), str(fields[2]), str(fields[3]), list(covered_by)))
        targets[str(name)] = TargetCoverage(list(scenarios), items)
    return CoverageReport(str(data.get("bot", "")), str(data.get("locale", "")), targets)
