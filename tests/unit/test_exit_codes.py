"""Every command takes its exit codes from tools/exit_codes.py: no module under tools/ numbers its own."""

from __future__ import annotations

import ast
from pathlib import Path

from tools import exit_codes

ROOT = Path(__file__).resolve().parents[2]


def test_the_table() -> None:
    assert (exit_codes.EXIT_OK, exit_codes.EXIT_INPUT_ERROR, exit_codes.EXIT_USAGE, exit_codes.EXIT_SERVICE_ERROR) == (0, 1, 2, 3)
    assert exit_codes.EXIT_FAILED == exit_codes.EXIT_INPUT_ERROR


def test_no_tools_module_defines_a_numeric_exit_code() -> None:
    own: list[str] = []
    for path in sorted((ROOT / "tools").rglob("*.py")):
        if path.name == "exit_codes.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
                names = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.startswith("EXIT_")]
                own += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names]
    assert not own, own
