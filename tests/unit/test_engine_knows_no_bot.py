"""The engine knows no bot: nothing under runtime/lex imports the fulfillment package."""

from __future__ import annotations

import ast
from pathlib import Path

RUNTIME_LEX = Path(__file__).resolve().parents[2] / "runtime" / "lex"


def fulfillment_imports(source: str) -> list[int]:
    """Line numbers of every ``import fulfillment...`` / ``from fulfillment... import`` in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Import) and any(a.name == "fulfillment" or a.name.startswith("fulfillment.") for a in node.names)) or (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "fulfillment"
        ):
            lines.append(node.lineno)
    return lines


def test_the_checker_finds_imports_anywhere() -> None:
    source = "import os\ndef f():\n    from fulfillment import create_dispatcher\n    import fulfillment.events as e\n"
    assert fulfillment_imports(source) == [3, 4]
    assert fulfillment_imports("import fulfillments\nfrom runtime.fulfillment import x\n") == []


def test_no_module_of_runtime_lex_imports_fulfillment() -> None:
    files = sorted(RUNTIME_LEX.rglob("*.py"))
    assert len(files) > 20
    offenders = {str(p.relative_to(RUNTIME_LEX)): lines for p in files if (lines := fulfillment_imports(p.read_text(encoding="utf-8")))}
    assert offenders == {}
