"""Routes a code-hook event to the handler registered for its intent and invocation source.

A handler takes the parsed ``CodeHookEvent`` and returns a response dict. The dispatcher
never lets a handler's failure reach Lex as an error: it logs one JSON line and answers
with a polite Close/Failed instead, as a user would rather read than a dead bot.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

from fulfillment.errors import InvalidResponse
from fulfillment.events import INVOCATION_SOURCES, CodeHookEvent, parse_event
from fulfillment.response_check import check_response
from fulfillment.responses import close, delegate

Handler = Callable[[CodeHookEvent], dict[str, Any]]

UNKNOWN_INTENT_MESSAGE = "Sorry, I can't help with that yet."
FAILURE_MESSAGE = "Sorry, something went wrong. Please try again."

logger = logging.getLogger("fulfillment")


def log_event(level: int, name: str, **fields: object) -> None:
    """Write one structured JSON log line."""
    logger.log(level, json.dumps({"event": name, **fields}, default=str, ensure_ascii=False))


class Dispatcher:
    """A registry of intent handlers, callable as ``dispatcher(event, context) -> response``."""

    def __init__(self, *, unknown_intent_message: str = UNKNOWN_INTENT_MESSAGE, failure_message: str = FAILURE_MESSAGE) -> None:
        self.unknown_intent_message = unknown_intent_message
        self.failure_message = failure_message
        self._handlers: dict[tuple[str, str | None], Handler] = {}

    def intent(self, name: str, *, source: str | None = None) -> Callable[[Handler], Handler]:
        """Decorator: handle intent ``name``, for one invocation source or (None) for both."""

        def register(handler: Handler) -> Handler:
            self.add(name, handler, source=source)
            return handler

        return register

    def add(self, name: str, handler: Handler, *, source: str | None = None) -> None:
        """Register ``handler`` for ``name`` and ``source``; each pair has one handler."""
        if source is not None and source not in INVOCATION_SOURCES:
            raise ValueError(f"source must be one of {', '.join(sorted(INVOCATION_SOURCES))} or None, got {source!r}")
        key = (name, source)
        if key in self._handlers:
            raise ValueError(f"intent {name!r} already has a handler for source {source or 'any'}")
        self._handlers[key] = handler

    @property
    def intents(self) -> frozenset[str]:
        """The intent names that have at least one handler."""
        return frozenset(name for name, _ in self._handlers)

    def route(self, event: CodeHookEvent) -> Handler | None:
        """The handler for this event: the source-specific one first, then the catch-all."""
        name = event.intent.name
        if event.invocation_source is not None and (name, event.invocation_source) in self._handlers:
            return self._handlers[(name, event.invocation_source)]
        return self._handlers.get((name, None))

    def __call__(self, event: object, context: object | None = None) -> dict[str, Any]:
        """Answer one event. Raises ``InvalidEvent`` when ``event`` is not a code-hook event."""
        parsed = parse_event(event)
        handler = self.route(parsed)
        if handler is None:
            if parsed.intent.name in self.intents:
                # Handled intent, but not at this step: let Lex carry on with its own flow.
                return delegate(parsed)
            log_event(logging.INFO, "unknown_intent", sessionId=parsed.session_id, intent=parsed.intent.name)
            return close(parsed, "Failed", [self.unknown_intent_message])
        try:
            response = handler(parsed)
            problems = check_response(response)
            if problems:
                raise InvalidResponse(problems)
        except Exception as exc:
            log_event(
                logging.ERROR,
                "handler_failed",
                sessionId=parsed.session_id,
                intent=parsed.intent.name,
                invocationSource=parsed.invocation_source,
                handler=getattr(handler, "__qualname__", repr(handler)),
                error=type(exc).__name__,
                message=str(exc)[:2000],
                traceback=traceback.format_exc(limit=20),
            )
            return close(parsed, "Failed", [self.failure_message])
        return response
