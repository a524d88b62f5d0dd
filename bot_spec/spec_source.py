"""Reading a spec folder from disk: files to parsed documents, with every problem reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot_spec.diagnostics import Diagnostic, SpecError


@dataclass
class SpecDocuments:
    """The parsed documents of one bot folder, with the file each came from."""

    root: Path
    bot: dict[str, Any]
    intents: list[dict[str, Any]] = field(default_factory=list)
    slot_types: list[dict[str, Any]] = field(default_factory=list)
    files: dict[int, Path] = field(default_factory=dict)  # id(document) -> file


def _read(path: Path, problems: list[Diagnostic]) -> dict[str, Any] | None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(
            Diagnostic(
                code="S001",
                severity="error",
                message=f"not valid YAML: {getattr(exc, 'problem', exc)}",
                file=str(path),
                line=None if mark is None else mark.line + 1,
                column=None if mark is None else mark.column + 1,
                fix="fix the YAML syntax at this position",
            )
        )
        return None
    if not isinstance(doc, dict):
        problems.append(
            Diagnostic(code="S002", severity="error", message="the file must hold a mapping", file=str(path), line=1, column=1)
        )
        return None
    return doc


def read_spec_folder(root: Path) -> SpecDocuments:
    """Parse bot.yaml, intents/*.yaml and slot_types/*.yaml under ``root``."""
    problems: list[Diagnostic] = []
    bot_file = root / "bot.yaml"
    if not bot_file.is_file():
        raise SpecError(
            [Diagnostic(code="S000", severity="error", message=f"no bot.yaml in {root}", file=str(root), fix="point at a bot folder holding bot.yaml")]
        )
    bot = _read(bot_file, problems)
    docs = SpecDocuments(root=root, bot=bot or {})
    for sub, target in (("intents", docs.intents), ("slot_types", docs.slot_types)):
        for path in sorted((root / sub).glob("*.yaml")):
            doc = _read(path, problems)
            if doc is not None:
                target.append(doc)
                docs.files[id(doc)] = path
    if problems:
        raise SpecError(problems)
    return docs
