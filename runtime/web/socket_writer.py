"""Writing chat events to WebSockets: the Subscriber the chat layer delivers to, over a socket of this process.

A frame is written at once when the socket is idle: the ASGI send runs inline and, unless the transport is paused
by flow control, finishes without suspending, so no task is scheduled. When a send does suspend, the rest of it and
any frames queued meanwhile (the backlog, bounded) are written by one task for this socket. An event fanned out to
many sockets is serialized as a WebSocket frame once (`frame_of`) and written straight to each transport that is
plainly open (runtime/web/server.py's `write_frame`). A connection whose backlog overflows is closed with 1008, so
that it reconnects and resumes from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Protocol, cast

from litestar import WebSocket
from litestar.types.asgi_types import WebSocketSendEvent

from runtime.chat.protocol import Envelope
from runtime.chat.subscriber import CLOSE_SLOW_CONSUMER, Subscriber

SendText = Callable[[str], Coroutine[Any, Any, None]]
CloseSocket = Callable[[int, str], Awaitable[None]]
# Writes an already serialized WebSocket text frame at once and returns True, or returns False (nothing written)
# when the socket is not plainly open and writable; the frame then goes through SendText as usual.
WriteFrame = Callable[[bytes], bool]
# Scope extension under which the server may offer its socket (runtime.web.server.ReadAheadWebSocketProtocol).
SOCKET_EXTENSION = "chat-lex.ws.socket"
# A close handshake not finished by then is cut short (the TCP connection aborted): a peer that stopped reading
# would otherwise hold the connection, and its unsent data, open for good.
CLOSE_HANDSHAKE_SECONDS = 5.0


class ServerSocket(Protocol):
    """What runtime.web.server's WebSocket protocol offers the app under SOCKET_EXTENSION (one per socket)."""

    def send(self, message: WebSocketSendEvent) -> Coroutine[Any, Any, None]: ...  # its ASGI send

    def write_frame(self, frame: bytes) -> bool: ...  # an already serialized text frame, if the socket is plainly open

    def abort_after(self, seconds: float) -> None: ...  # abort the TCP connection unless it is gone by then


class SocketWriter:
    """One WebSocket of this process, as the chat layer's Subscriber.

    One per open socket, so it is kept small while idle: slots, and no backlog deque (a deque allocates 64 slots,
    about 0.6 KB) until a frame has to wait.

    A frame is written at once when the socket is idle: the ASGI send runs inline and, unless the transport is
    paused by flow control, finishes without suspending, so no task is scheduled. When a send does suspend, the
    rest of it and any frames queued meanwhile (the backlog, bounded) are written by one task for this socket.
    """

    __slots__ = (
        "_backlog",
        "_busy",
        "_close",
        "_closer",
        "_first_live",
        "_held",
        "_max_backlog",
        "_send",
        "_write_frame",
        "_writer",
        "closed",
        "connection_id",
        "display_name",
        "on_overflow",
        "subscriptions",
        "user_id",
    )

    def __init__(
        self,
        connection_id: str,
        user_id: str,
        display_name: str,
        send: SendText,
        close: CloseSocket,
        *,
        max_backlog: int = 256,
        write_frame: WriteFrame | None = None,
    ) -> None:
        self.connection_id = connection_id
        self.user_id = user_id
        self.display_name = display_name
        self.subscriptions: set[str] = set()
        self.closed = False
        self._send = send
        self._write_frame = write_frame
        self._close = close
        self._max_backlog = max_backlog
        self._backlog: deque[str] | None = None  # made when a frame first has to wait
        self._busy = False
        # conversation id -> live envelopes held back while a resume replays the store
        self._held: dict[str, list[Envelope]] = {}
        # conversation id -> the first message id delivered live; resume replays only what came before it
        self._first_live: dict[str, str] = {}
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        # Told once, when this connection's backlog overflows (the fan-out counts and logs it there).
        self.on_overflow: Callable[[Subscriber, int], None] | None = None

    @property
    def backlog(self) -> int:
        return len(self._backlog) if self._backlog is not None else 0

    def offer(self, text: str) -> bool:
        """Write or queue a frame; on backlog overflow, close the connection (1008) and return False."""
        if self.closed:
            return False
        if self._busy:
            if self._backlog is None:
                self._backlog = deque()
            if len(self._backlog) >= self._max_backlog:
                backlog = len(self._backlog)
                self.close_soon(CLOSE_SLOW_CONSUMER, "send backlog overflow: reconnect and resume")
                if self.on_overflow is not None:
                    self.on_overflow(self, backlog)
                return False
            self._backlog.append(text)
            return True
        if self._write_frame is not None and self._write_frame(ws_text_frame(text)):
            return True  # written whole at once (ACKs and other replies to this socket alone)
        self._write_now(text)
        return True

    def deliver(self, envelope: Envelope) -> bool:
        """Deliver an event: its frame bytes are serialized once for every socket it goes to (`frame_of`)."""
        held = self._held.get(envelope.conversation_id)
        if held is not None:
            held.append(envelope)
            return True
        if envelope.message_id is not None and envelope.conversation_id not in self._first_live:
            self._first_live[envelope.conversation_id] = envelope.message_id
        if self._write_frame is not None and not self._busy and not self.closed and self._write_frame(frame_of(envelope)):
            return True  # written whole, in order (nothing of this socket's is queued)
        return self.offer(envelope.text)

    def first_live(self, conversation_id: str) -> str | None:
        return self._first_live.get(conversation_id)

    def hold(self, conversation_id: str) -> None:
        """Start holding live events of a conversation while its history is replayed."""
        self._held.setdefault(conversation_id, [])

    def release(self, conversation_id: str, replayed_ids: set[str]) -> None:
        """Stop holding: send what arrived meanwhile, minus what the replay already sent."""
        for envelope in self._held.pop(conversation_id, []):
            if envelope.message_id is None or envelope.message_id not in replayed_ids:
                self.deliver(envelope)

    def close_soon(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._backlog = None
        self._closer = asyncio.create_task(self._close_quietly(code, reason))

    async def drain_and_close(self, code: int, reason: str, *, timeout: float = 2.0) -> None:
        """Flush what is queued (bounded by `timeout`), then close."""
        if self.closed:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self._busy:
                    await asyncio.sleep(0.005)
        self.closed = True
        await self._close_quietly(code, reason)

    async def stop(self) -> None:
        self.closed = True
        self._backlog = None
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        if self._closer is not None and not self._closer.done():
            # Let a close begun by close_soon get its frame out before the socket's handler returns (the server
            # aborts the connection if that takes too long).
            with contextlib.suppress(Exception):
                await self._closer

    def _write_now(self, text: str) -> None:
        coroutine = self._send(text)
        try:
            pending = coroutine.send(None)
        except StopIteration:
            return  # written without suspending: the common case
        except Exception:  # the peer went away; the reader side unregisters us
            self.closed = True
            return
        self._busy = True
        self._writer = asyncio.create_task(self._finish_then_drain(coroutine, pending), name=f"ws-writer-{self.connection_id}")

    async def _finish_then_drain(self, coroutine: Coroutine[Any, Any, None], pending: Any) -> None:
        try:
            await _Resumed(coroutine, pending)
            while self._backlog and not self.closed:
                await self._send(self._backlog.popleft())
            self._backlog = None  # drained: an idle socket holds no deque
        except asyncio.CancelledError:
            raise
        except Exception:
            self.closed = True
        finally:
            self._busy = False

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._close(code, reason)


def socket_writer(
    socket: WebSocket[Any, Any, Any], connection_id: str, user_id: str, display_name: str, *, max_backlog: int
) -> SocketWriter:
    """The writer of an accepted Litestar socket: through the server's own send and frame writer when it offers them."""
    extensions: dict[str, Any] = socket.scope.get("extensions") or {}
    server_socket: ServerSocket | None = extensions.get(SOCKET_EXTENSION)

    def send(text: str) -> Coroutine[Any, Any, None]:
        # The send coroutine itself, not one of ours around it: this runs once per delivered frame. The server's own
        # ASGI send when it offers it (runtime.web.server), else Litestar's; both are `async def`, so coroutines.
        # Litestar's wrappers only add the disconnect check, which is kept by going through them once disconnected.
        event = WebSocketSendEvent(type="websocket.send", bytes=None, text=text)
        if server_socket is None or socket.connection_state == "disconnect":
            return cast("Coroutine[Any, Any, None]", socket.send(event))
        return server_socket.send(event)

    async def close(code: int, reason: str) -> None:
        if server_socket is not None:
            server_socket.abort_after(CLOSE_HANDSHAKE_SECONDS)
        await socket.close(code, reason)

    return SocketWriter(
        connection_id,
        user_id,
        display_name,
        send,
        close,
        max_backlog=max_backlog,
        # Whenever Litestar would see a disconnect, the socket is no longer plainly open: write_frame declines.
        write_frame=server_socket.write_frame if server_socket is not None else None,
    )


_last_frame: tuple[Envelope | None, bytes] = (None, b"")


def frame_of(envelope: Envelope) -> bytes:
    """The WebSocket frame of an event's text, serialized once while it is delivered to every subscriber in turn."""
    global _last_frame
    last, frame = _last_frame
    if last is not envelope:
        frame = ws_text_frame(envelope.text)
        _last_frame = (envelope, frame)
    return frame


def ws_text_frame(text: str) -> bytes:
    """The RFC 6455 frame a server sends for a text message: FIN, opcode 1, unmasked, no extensions."""
    payload = text.encode("utf-8")
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 0x10000:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class _Resumed:
    """Awaitable that finishes a coroutine already started by hand: it yields to the running task exactly what
    the coroutine yields (the future it waits on), and resumes the coroutine when the task resumes it."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], pending: Any) -> None:
        self._coroutine = coroutine
        self._pending = pending

    def __await__(self) -> Generator[Any, None, None]:
        pending = self._pending
        while True:
            try:
                yield pending
            except BaseException as exc:  # cancellation and errors go into the coroutine, as a Task would send them
                try:
                    pending = self._coroutine.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                pending = self._coroutine.send(None)
            except StopIteration:
                return
