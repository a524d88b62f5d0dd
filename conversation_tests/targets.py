"""Where a conversation test talks to the bot: the ``ConversationTarget`` interface and its registry.

A target lives for a whole test session (an HTTP server is started once); each scenario
opens a fresh session on it with ``new_session``. To add a target (say ``chat``, through the
chat runtime's WebSocket), write a class with these methods and add its factory to
``TARGET_FACTORIES``; the ``--lex-target`` option and ``chat-lex test`` pick it up by name.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from conversation_tests.target_errors import TargetCannotDo
from conversation_tests.turns import ObservedTurn
from runtime.lex.endpoints import ENDPOINT_OPENERS, EndpointError, EndpointOptions, LexEndpoint

_SESSION_ID_UNSAFE = re.compile(r"[^0-9a-zA-Z._:-]")
MAX_SESSION_ID = 100


class ConversationTarget(Protocol):
    """A bot to converse with; one instance per test session."""

    name: str

    def new_session(self, user_id: str | None, locale_id: str | None = None) -> str:
        """Start a fresh session (forgetting any earlier one of this user); returns the session id."""
        ...

    def say(self, text: str, session_attributes: dict[str, str] | None, request_attributes: dict[str, str] | None) -> ObservedTurn:
        """Send one utterance; ``session_attributes`` None keeps what the bot already holds."""
        ...

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (a ManualClock jump locally, a real wait on a real alias)."""
        ...

    def set_time(self, hour: int, minute: int, zone: ZoneInfo) -> None:
        """Make it ``hour:minute`` in ``zone`` today; TargetCannotDo where time is real."""
        ...

    def close(self) -> None:
        """Release the target's resources."""
        ...


def session_id_for(user_id: str | None) -> str:
    """A Lex-valid session id: the user id made safe, or a random one."""
    if user_id is None:
        return f"convtest-{uuid.uuid4().hex[:16]}"
    safe = _SESSION_ID_UNSAFE.sub("_", user_id)[:MAX_SESSION_ID]
    return safe if len(safe) >= 2 else (safe + "__")[:2]


class LexTarget:
    """A conversation over any boto3-shaped Lex V2 runtime client (engine, HTTP façade, AWS)."""

    def __init__(self, endpoint: LexEndpoint) -> None:
        self.endpoint = endpoint
        self.name = endpoint.name
        self.session_id = session_id_for(None)
        self.locale_id = endpoint.locale_id

    def new_session(self, user_id: str | None, locale_id: str | None = None) -> str:
        self.session_id = session_id_for(user_id)
        self.locale_id = locale_id or self.endpoint.locale_id
        if user_id is not None:
            self._forget_session()
        return self.session_id

    def _forget_session(self) -> None:
        # A named user may have talked in an earlier scenario; each scenario starts from nothing.
        try:
            self.endpoint.client.delete_session(**self._ids())
        except Exception as exc:
            if _error_code(exc) not in ("ResourceNotFoundException", "BadRequestException"):
                raise

    def _ids(self) -> dict[str, str]:
        return {
            "botId": self.endpoint.bot_id,
            "botAliasId": self.endpoint.bot_alias_id,
            "localeId": self.locale_id,
            "sessionId": self.session_id,
        }

    def say(self, text: str, session_attributes: dict[str, str] | None, request_attributes: dict[str, str] | None) -> ObservedTurn:
        params: dict[str, Any] = {**self._ids(), "text": text}
        if session_attributes is not None:
            params["sessionState"] = {"sessionAttributes": dict(session_attributes)}
        if request_attributes:
            params["requestAttributes"] = dict(request_attributes)
        try:
            response = self.endpoint.client.recognize_text(**params)
        except Exception as exc:
            code = _error_code(exc)
            if code is None:
                raise
            turn = ObservedTurn(user_text=text, error=f"{code}: {_error_message(exc)}")
        else:
            turn = ObservedTurn.from_lex_response(text, dict(response))
            turn.hook_logs = self._hook_logs()
        turn.sent_session_attributes = None if session_attributes is None else dict(session_attributes)
        turn.sent_request_attributes = dict(request_attributes) if request_attributes else None
        return turn

    def _hook_logs(self) -> list[str]:
        """What the code hook logged during the turn (local targets only: a real alias keeps logs in CloudWatch)."""
        if self.endpoint.explain is None:
            return []
        try:
            calls = self.endpoint.explain(self.locale_id, self.session_id).get("codeHooks") or []
        except Exception:  # the session may be gone (a Close with no session left): the logs are only a help
            return []
        return [f"{call.get('invocationSource')}: {line}" for call in calls for line in call.get("logs") or []]

    def advance(self, seconds: float) -> None:
        if self.endpoint.clock is not None:
            self.endpoint.clock.advance(seconds)
        else:
            time.sleep(seconds)  # a real alias keeps real time: the scenario should be tagged @slow

    def set_time(self, hour: int, minute: int, zone: ZoneInfo) -> None:
        clock = self.endpoint.clock
        if clock is None:
            raise TargetCannotDo(f"the {self.name} target runs on real time; the time cannot be set to {hour:02d}:{minute:02d}")
        now = datetime.fromtimestamp(clock(), tz=zone)
        wanted = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if wanted < now:
            wanted += timedelta(days=1)  # the clock only moves forward, as time does
        clock.set(wanted.timestamp())

    def close(self) -> None:
        self.endpoint.close()


def _error_code(exc: Exception) -> str | None:
    """The Lex error code of a botocore ClientError or a local engine LexError; None for other errors."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        return str(code) if code else type(exc).__name__
    code = getattr(exc, "code", None)
    return str(code) if isinstance(code, str) else None


def _error_message(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Message", exc))
    return str(getattr(exc, "message", exc))


TargetFactory = Callable[[EndpointOptions], ConversationTarget]


def _lex_target_factory(endpoint_name: str) -> TargetFactory:
    def factory(options: EndpointOptions) -> ConversationTarget:
        return LexTarget(ENDPOINT_OPENERS[endpoint_name](options))

    return factory


# The registry of targets by name: add an entry to add a target.
TARGET_FACTORIES: dict[str, TargetFactory] = {name: _lex_target_factory(name) for name in ("engine", "http", "aws")}


def _open_chat_target(options: EndpointOptions) -> ConversationTarget:
    from conversation_tests.targets_chat import open_chat_target  # imported late: only the chat target needs websockets

    return open_chat_target(options)


TARGET_FACTORIES["chat"] = _open_chat_target


def open_target(name: str, options: EndpointOptions) -> ConversationTarget:
    """Open the target called ``name``; EndpointError lists the known names when it is unknown."""
    factory = TARGET_FACTORIES.get(name)
    if factory is None:
        raise EndpointError(f"unknown target {name!r}; choose one of: {', '.join(sorted(TARGET_FACTORIES))}")
    return factory(options)
