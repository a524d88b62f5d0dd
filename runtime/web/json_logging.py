"""Structured logs: one JSON object per line, with the ids passed in `extra=` (never message text unless debug)."""

from __future__ import annotations

import json
import logging
import re
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


# A query string after a path ("/ws?token=..."): access lines log paths, and a query may carry a token.
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
# Anything shaped like a JWT (three base64url parts, the first a JSON header "eyJ..."), wherever it appears.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
REDACTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "chat_lex", "websockets")


def redact(text: str) -> str:
    """``text`` without query strings and without anything that looks like a JWT."""
    return _JWT.sub("[jwt]", _QUERY.sub(r"\1?[redacted]", text))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and string arguments through ``redact`` (it never drops a record).

    Installed on uvicorn's loggers, so its access lines (``"GET /ws?token=..."``) and WebSocket lines
    (``"WebSocket /ws?token=..." [accepted]``) lose their query strings whoever formats them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # Arguments first, keeping their number: uvicorn's own access formatter unpacks them.
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except Exception:  # a broken call: logging reports it itself
            return True
        clean = redact(message)
        if clean != message:  # the template itself holds the query ("/ws?token=%s"): keep the redacted text only
            record.msg, record.args = clean, ()
        return True


_FILTER = RedactingFilter()


def install_redaction() -> None:
    """Put the redacting filter on uvicorn's, websockets' and our loggers (idempotent; survives uvicorn's dictConfig)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, *, include_content: bool = False) -> None:
        super().__init__()
        self.include_content = include_content

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            if name == "content" and not self.include_content:
                continue
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = redact(value) if isinstance(value, str) and name != "content" else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "info", *, debug: bool = False, stream: TextIO | None = None) -> None:
    """Send our loggers (`chat_lex.*`) and uvicorn's to `stream` (stderr) as JSON lines."""
    install_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter(include_content=debug))
    handler.addFilter(_FILTER)  # records of child loggers (uvicorn.protocols...) reach the handler unfiltered
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
