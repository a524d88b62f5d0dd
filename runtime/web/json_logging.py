"""Structured logs: one JSON object per line, with the ids passed in `extra=` (never message text unless debug)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

# Fields our code passes through `extra=`; anything else on a LogRecord is logging's own.
CONTEXT_FIELDS = (
    "connection_id",
    "user_id",
    "conversation_id",
    "message_id",
    "client_message_id",
    "action",
    "code",
    "reason",
    "count",
    "suppressed",
    "close_code",
    "path",
    "status",
    "content",
)


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, *, include_content: bool = False) -> None:
        super().__init__()
        self.include_content = include_content

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            if name == "content" and not self.include_content:
                continue
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "info", *, debug: bool = False, stream: TextIO | None = None) -> None:
    """Send our loggers (`chat_lex.*`) and uvicorn's to `stream` (stderr) as JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter(include_content=debug))
    for name in ("chat_lex", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        if name in ("chat_lex", "uvicorn"):
            logger.addHandler(handler)
        logger.setLevel(level.upper())
        # uvicorn.error and uvicorn.access reach the handler through "uvicorn"; chat_lex stays out of the root logger.
        logger.propagate = name.startswith("uvicorn.")
    logging.getLogger("uvicorn").propagate = False
