"""Appending a benchmark's results to docs/benchmarks.md, stamped with the commit they were measured at."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def short_commit() -> str:
    """The checkout's HEAD as a short hash ('' outside git)."""
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def append_section(section: str) -> Path:
    """Add ``section`` at the end of docs/benchmarks.md (made, with its title, if missing); the file's path."""
    DOCS.parent.mkdir(exist_ok=True)
    existing = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    DOCS.write_text(existing.rstrip("\n") + "\n" + section, encoding="utf-8")
    return DOCS
