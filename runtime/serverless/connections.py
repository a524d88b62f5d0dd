"""The local gateway's open connections: each one's socket, state and activity, found by connection id."""

from __future__ import annotations

import asyncio
import contextlib
import enum
from typing import Any

from litestar import WebSocket

from runtime.serverless.apigw_events import Peer, epoch_ms


class State(enum.Enum):
    CONNECTING = "connecting"  # $connect is running: the management API answers 410, as API Gateway does
    OPEN = "open"
    CLOSING = "closing"  # a close frame is sent; the $disconnect invocation follows
    CLOSED = "closed"


class Connection:
    """One client socket. `send` and `close` may be called from any task on the loop (the management API does)."""

    def __init__(self, peer: Peer, socket: WebSocket[Any, Any, Any]) -> None:
        self.peer = peer
        self.socket = socket
        self.state = State.CONNECTING
        self.last_active_ms = peer.connected_at_ms
        self.closed_by: tuple[int, str] | None = None  # (code, reason) when the gateway closed it
        self._send_lock = asyncio.Lock()  # frames posted concurrently go out whole, one after another

    @property
    def connection_id(self) -> str:
        return self.peer.connection_id

    def touch(self) -> None:
        self.last_active_ms = epoch_ms()

    async def send(self, data: str | bytes) -> bool:
        """Send one frame (text for str, binary for bytes); False if the connection is not open."""
        async with self._send_lock:
            if self.state is not State.OPEN:
                return False
            try:
                if isinstance(data, str):
                    await self.socket.send_text(data)
                else:
                    await self.socket.send_bytes(data)
            except Exception:  # the peer went away under us: the receive loop sees the disconnect and cleans up
                return False
        self.touch()
        return True

    async def close(self, code: int, reason: str) -> bool:
        """Send a close frame; the receive loop then gets the disconnect. False if it was not open."""
        if self.state is not State.OPEN:
            return False
        self.state = State.CLOSING
        self.closed_by = (code, reason)
        async with self._send_lock:
            with contextlib.suppress(Exception):
                await self.socket.close(code, reason)
        return True


class ConnectionTable:
    """Connections by id; the management API sees only the open ones."""

    def __init__(self) -> None:
        self._by_id: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._by_id[connection.connection_id] = connection

    def remove(self, connection: Connection) -> None:
        if self._by_id.get(connection.connection_id) is connection:
            del self._by_id[connection.connection_id]

    def open_connection(self, connection_id: str) -> Connection | None:
        connection = self._by_id.get(connection_id)
        return connection if connection is not None and connection.state is State.OPEN else None

    def all(self) -> list[Connection]:
        return list(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
