"""Writing imported tests as Gherkin with the existing step vocabulary; what cannot be mapped is kept as a warning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.recording import one_line

MAX_INPUT_BYTES = 20 * 1024 * 1024  # test files are text; 20 MB is far past any real test set


class ImportFormatError(Exception):
    """A file cannot be read as the format it claims to be; the message names file and line."""


def name_value(text: str) -> str | None:
    """A value for a ``"<name>"`` placeholder (one line, no quote, not empty), or None."""
    value = one_line(text)
    return value if value and '"' not in value else None


def quoted(text: str) -> str:
    """A ``"<text>"`` step value (the vocabulary's text values may hold quotes; line breaks become spaces)."""
    return '"' + one_line(text) + '"'


@dataclass
class ImportedScenario:
    """One scenario: its name, its step lines (keyword included) and where it came from."""

    name: str
    steps: list[str] = field(default_factory=list)
    source: str = ""


@dataclass
class ImportResult:
    """Scenarios read from one file, and every item that could not be mapped (``file:line: what``)."""

    feature: str
    scenarios: list[ImportedScenario] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def feature_text(result: ImportResult) -> str:
    """The feature file of ``result``; unmapped items are listed in its description too."""
    lines = [f"Feature: {one_line(result.feature) or 'Imported tests'}"]
    if result.warnings:
        lines.append("  Imported with items that could not be mapped (see chat-lex import-tests' warnings):")
        lines.extend(f"    - {one_line(w)}" for w in result.warnings[:50])
    used: set[str] = set()
    for scenario in result.scenarios:
        title = one_line(scenario.name) or "Imported scenario"
        unique, n = title, 2
        while unique in used:  # pytest-bdd needs distinct scenario names in a feature
            unique, n = f"{title} ({n})", n + 1
        used.add(unique)
        lines += ["", f"  Scenario: {unique}"]
        if scenario.source:
            lines.insert(len(lines) - 1, f"  # from {one_line(scenario.source)}")
        lines.extend(f"    {step}" for step in scenario.steps)
    return "\n".join(lines) + "\n"


def regex_any(texts: list[str], *, wildcard: bool = False, whole: bool = True) -> str:
    """A regex matching any of ``texts`` (case-insensitive; ``*`` as anything when ``wildcard``; whitespace runs as one)."""
    parts = []
    for text in texts:
        words = one_line(text)
        if wildcard:
            body = ".*".join(r"\s+".join(re.escape(w) for w in piece.split(" ")) for piece in words.split("*"))
        else:
            body = r"\s+".join(re.escape(w) for w in words.split(" "))
        parts.append(body)
    joined = "|".join(f"(?:{p})" for p in parts)
    return f"(?is)^\\s*(?:{joined})\\s*$" if whole else f"(?is)(?:{joined})"
