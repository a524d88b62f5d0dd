"""A Python code hook in its own process (``isolate: true``): JSON Lines over stdin/stdout.

Usage: ``python -m runtime.lex.workers.python_worker module:function [BOT_DIR]``. The
handler's ``print`` and logging become ``{"log": ...}`` frames, never protocol lines.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

FACTORY_ATTRIBUTE = "chat_lex_hook_factory"


@dataclass(frozen=True)
class _Setup:
    bot_dir: Path | None
    clock: Any = field(default=time.time)


class _LogStream(io.TextIOBase):
    """A text stream whose every line is sent as a log frame."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            _send(self._out, {"log": line})
        return len(text)


def _send(out: TextIO, frame: dict[str, Any]) -> None:
    out.write(json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
    out.flush()


def _load(target: str, bot_dir: Path | None) -> Any:
    module_name, _, attr = target.partition(":")
    if bot_dir is not None:
        sys.path.insert(0, str(bot_dir.resolve().parent))
    handler = getattr(importlib.import_module(module_name), attr)
    if getattr(handler, FACTORY_ATTRIBUTE, False):
        handler = handler(_Setup(bot_dir))
    return handler


def main(argv: list[str]) -> int:
    """Serve events until stdin closes."""
    protocol = sys.stdout
    sys.stdout = _LogStream(protocol)  # print() in a handler is a log, not a protocol line
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not argv:
        print("usage: python -m runtime.lex.workers.python_worker module:function [BOT_DIR]", file=sys.stderr)
        return 2
    handler = _load(argv[0], Path(argv[1]) if len(argv) > 1 else None)
    for line in sys.stdin:
        try:
            event = json.loads(line)
            response = handler(event, None)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            _send(protocol, {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)[:1000]}})
            continue
        _send(protocol, {"response": response})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
