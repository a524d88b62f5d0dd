"""What the chat layer needs of a connection it delivers events to; transports implement it (runtime/web's socket
writer over a WebSocket, runtime/serverless's API Gateway connection), so the chat layer knows no transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from runtime.chat.protocol import Envelope

CLOSE_SLOW_CONSUMER = 1008
CLOSE_GOING_AWAY = 1001


class Subscriber(Protocol):
    """One open connection of one user; it receives the events of the conversations it is subscribed to."""

    connection_id: str
    user_id: str
    display_name: str
    subscriptions: set[str]
    closed: bool
    # Told once, when the connection's backlog overflows and it is being closed (the fan-out counts and logs it).
    on_overflow: Callable[[Subscriber, int], None] | None

    def offer(self, text: str) -> bool:
        """Send or queue one event's text to this connection alone; False if it is closed or was just closed (overflow)."""
        ...

    def deliver(self, envelope: Envelope) -> bool:
        """Deliver a conversation's event, unless the conversation is held for a resume (then keep it for `release`)."""
        ...

    def first_live(self, conversation_id: str) -> str | None:
        """The id of the first message delivered live in this conversation on this connection, if any."""
        ...

    def hold(self, conversation_id: str) -> None:
        """Hold live events of the conversation back while its history is replayed."""
        ...

    def release(self, conversation_id: str, replayed_ids: set[str]) -> None:
        """Send what was held back, minus what the replay already sent."""
        ...

    def close_soon(self, code: int, reason: str) -> None:
        """Close in the background; nothing more is sent."""
        ...

    async def drain_and_close(self, code: int, reason: str, *, timeout: float = 2.0) -> None:
        """Send what is queued (bounded by `timeout`), then close."""
        ...

    async def stop(self) -> None:
        """Stop sending: the connection is gone or being unregistered."""
        ...
