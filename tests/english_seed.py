"""The seed bot without its es_ES locale, for tests written against its English-only files.

The files are edited as text, not re-dumped, so tests that patch lines of them still find
their lines: each ``es_ES:`` key is removed with the lines indented under it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

LOCALE = "es_ES"


def without_locale(text: str, locale_id: str = LOCALE) -> str:
    """YAML text without the ``locale_id:`` keys and their blocks (and the comments on them)."""
    out: list[str] = []
    skip_deeper_than: int | None = None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if skip_deeper_than is not None:
            if not line.strip() or indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        if line.lstrip().startswith(f"{locale_id}:"):
            skip_deeper_than = indent
            continue
        out.append(line)
    return "".join(out)


def english_only(bot_dir: Path) -> None:
    """Rewrite a copy of the seed bot in place with en_US only."""
    for path in [bot_dir / "bot.yaml", *sorted((bot_dir / "intents").glob("*.yaml")), *sorted((bot_dir / "slot_types").glob("*.yaml"))]:
        path.write_text(without_locale(path.read_text(encoding="utf-8")), encoding="utf-8")


def english_seed_copy(seed_bot_dir: Path, dest: Path) -> Path:
    """``dest``: a copy of the seed bot with en_US only."""
    shutil.copytree(seed_bot_dir, dest)
    english_only(dest)
    return dest
