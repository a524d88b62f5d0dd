"""The AWS Lambda entry point, ``fulfillment.handler``: the seed dispatcher, built once per container."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fulfillment.dispatcher import Dispatcher, log_event
from fulfillment.errors import InvalidEvent, ReplyError
from fulfillment.seed_handlers import create_dispatcher

_lock = threading.Lock()
_dispatcher: Dispatcher | None = None


def _seed_dispatcher() -> Dispatcher:
    global _dispatcher
    with _lock:
        if _dispatcher is None:
            _dispatcher = create_dispatcher()
        return _dispatcher


def handler(event: object, context: object = None) -> dict[str, Any]:
    """Answer one Lex V2 code-hook event.

    A malformed event or broken replies file yields an error result (``errorType`` and
    ``errorMessage``, no stack trace): Lex rejects it as an invalid Lambda response and
    reports DependencyFailedException, which is what a caller that sent garbage should see.
    """
    try:
        return _seed_dispatcher()(event, context)
    except (InvalidEvent, ReplyError) as exc:
        log_event(logging.ERROR, "event_rejected", error=type(exc).__name__, message=str(exc)[:2000])
        return {"errorType": type(exc).__name__, "errorMessage": str(exc)[:2000]}
