"""The import arrows of docs/architecture.md hold: each room imports only the rooms its row names.

The table is read from the document itself, so the document and the code cannot drift apart silently.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
TOP_LEVEL = ("bot_spec", "fulfillment", "runtime", "conversation_tests", "tools", "benchmarks", "tests")
_ROW = re.compile(r"^\| `(?P<room>[a-z_.]+)` \| (?P<allowed>[^|]+) \|$")


def allowed_imports(text: str) -> dict[str, set[str]]:
    """The 'What may import what' table: room -> the rooms (or `runtime.*` patterns, or 'everything') it may import."""
    section = text.split("## What may import what", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        row = _ROW.match(line.strip())
        if row is None:
            continue
        cell = row["allowed"].strip()
        table[row["room"]] = {"*"} if cell == "everything" else set(re.findall(r"`([a-z_.*]+)`", cell))
    return table


def room_of(module: str) -> str:
    """`runtime.chat.service` -> `runtime.chat`; `tools.publish.plan` -> `tools`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "runtime" and len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every project module `path` imports (at any depth: imports inside functions and TYPE_CHECKING count)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names = [".".join(base + ([node.module] if node.module else []))]
            elif node.module:
                names = [node.module]
        found.extend((node.lineno, name) for name in names if name.split(".")[0] in TOP_LEVEL)
    return found


def may_import(allowed: set[str], target: str) -> bool:
    return "*" in allowed or target in allowed or any(p.endswith(".*") and target.startswith(p[:-1]) for p in allowed)


def violations(table: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    for top in TOP_LEVEL:
        for path in sorted((ROOT / top).rglob("*.py")):
            source = module_name(path)
            if source == "runtime":  # the package marker of the runtime rooms: it must import nothing of ours
                problems.extend(f"{path.relative_to(ROOT)}:{line}: imports {name}" for line, name in imported_modules(path))
                continue
            room = room_of(source)
            if room not in table:
                problems.append(f"{path.relative_to(ROOT)}: room {room} has no row in docs/architecture.md")
                continue
            for line, name in imported_modules(path):
                target = room_of(name)
                if target != room and not may_import(table[room], target):
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {room} imports {name}, which its row does not allow")
    return problems


def test_the_table_names_every_room() -> None:
    table = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    rooms = {"bot_spec", "fulfillment", "conversation_tests", "tools", "benchmarks", "tests"}
    rooms |= {f"runtime.{p.name}" for p in (ROOT / "runtime").iterdir() if (p / "__init__.py").is_file()}
    assert set(table) == rooms


def test_every_import_follows_an_arrow_of_the_document() -> None:
    problems = violations(allowed_imports(ARCHITECTURE.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("row", "forbidden"),
    [
        ("bot_spec", "runtime.lex"),  # bot_spec -> runtime would invert the main arrow
        ("fulfillment", "bot_spec"),
        ("fulfillment", "runtime.lex"),  # fulfillment reaches runtime.contracts only: the Lambda zip carries nothing else
        ("runtime.chat", "runtime.auth"),
        ("runtime.lex", "runtime.chat"),
        ("tools", "tests"),
        ("conversation_tests", "runtime.web"),
    ],
)
def test_the_document_forbids_the_upward_arrows(row: str, forbidden: str) -> None:
    table = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    assert not may_import(table[row], forbidden)


def test_an_import_the_document_does_not_allow_is_reported() -> None:
    table = allowed_imports(ARCHITECTURE.read_text(encoding="utf-8"))
    narrowed = {**table, "runtime.lex": table["runtime.lex"] - {"bot_spec"}}
    assert any(": runtime.lex imports bot_spec." in problem for problem in violations(narrowed))
