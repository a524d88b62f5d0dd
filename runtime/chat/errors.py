"""The ERROR codes a client can receive, and the exception that carries one to the socket."""

from __future__ import annotations

from typing import Final

BAD_JSON: Final = "BAD_JSON"
BAD_FRAME: Final = "BAD_FRAME"
UNKNOWN_ACTION: Final = "UNKNOWN_ACTION"
FRAME_TOO_LARGE: Final = "FRAME_TOO_LARGE"
MESSAGE_TOO_LONG: Final = "MESSAGE_TOO_LONG"
MESSAGE_EMPTY: Final = "MESSAGE_EMPTY"
RATE_LIMITED: Final = "RATE_LIMITED"
NOT_A_MEMBER: Final = "NOT_A_MEMBER"
NOT_FOUND: Final = "NOT_FOUND"
BOT_UNAVAILABLE: Final = "BOT_UNAVAILABLE"
BAD_TIME_ZONE: Final = "BAD_TIME_ZONE"
INTERNAL: Final = "INTERNAL"

ERROR_CODES: Final = (
    BAD_JSON,
    BAD_FRAME,
    UNKNOWN_ACTION,
    FRAME_TOO_LARGE,
    MESSAGE_TOO_LONG,
    MESSAGE_EMPTY,
    RATE_LIMITED,
    NOT_A_MEMBER,
    NOT_FOUND,
    BOT_UNAVAILABLE,
    BAD_TIME_ZONE,
    INTERNAL,
)


class ChatError(Exception):
    """A refusal the client is told about in an ERROR frame; the connection stays open."""

    def __init__(self, code: str, message: str, *, client_message_id: str | None = None, conversation_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.client_message_id = client_message_id
        self.conversation_id = conversation_id
