"""Run the app under uvicorn (sans-I/O websockets with read-ahead, no per-message deflate) with a draining shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

import uvicorn
from litestar import Litestar
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from runtime.web.app import drain
from runtime.web.context import ChatContext
from runtime.web.gc_tuning import tune_for_serving
from runtime.web.json_logging import install_redaction
from runtime.web.settings import Settings
from runtime.web.socket_state import ReceiveQueue, WritableFlag
from runtime.web.socket_writer import SOCKET_EXTENSION

MAX_WS_MESSAGE_BYTES = 1024 * 1024  # frames above the 16 KB protocol limit get an ERROR; far bigger ones a 1009 close
# Messages a socket may have queued for the app before its reads are paused.
READ_AHEAD_MESSAGES = 4
# After a keepalive ping timeout, how long the connection may take to close before it is aborted.
CLOSE_GRACE_SECONDS = 5.0


class ReadAheadWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, pausing reads only when READ_AHEAD_MESSAGES messages wait for the app.

    The base class pauses reading after every received message and resumes it when the app takes that message:
    two epoll_ctl system calls per frame. A client that waits for each ACK never has more than one message
    queued, so here it never pauses; a client that floods is still paused, a few messages later.

    It also offers itself in the scope's extensions (SOCKET_EXTENSION, see socket_writer.ServerSocket): its ASGI
    `send`, so the fan-out can write frames without the framework's per-call send wrappers, and `write_frame`, so
    an event fanned out to many sockets is serialized as a WebSocket frame once, not once per socket.

    A connection whose peer stopped reading never closes by itself: the close frame (and uvicorn's own
    `transport.close()`) wait behind the unsent data. `abort_after` bounds that wait; the keepalive timeout uses it too.

    Memory per idle socket (benchmarks/idle_connection_memory.py): its receive queue and writable flag are the lean
    ones of runtime.web.socket_state, and the handshake's request and response are let go once the 101 is sent.
    """

    _abort_timer: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue: Any = ReceiveQueue()  # instead of an asyncio.Queue: about 3.3 KB less per socket
        self.writable: Any = WritableFlag()  # instead of an asyncio.Event: about 0.9 KB less

    def start_keepalive(self) -> None:
        # Called once, right after the 101 response is written: nothing reads the handshake's request (its path
        # and headers, a token in its query string) or response again. The scope keeps what the app needs.
        request: Request | None = self.__dict__.pop("request", None)
        self.__dict__.pop("response", None)
        if request is not None:
            # websockets' parser generator (ServerProtocol.parse) keeps the request in a local for the whole
            # connection: empty it instead (about 2.9 KB per socket with a token in the query).
            request.path = ""
            request.headers.clear()
        super().start_keepalive()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        if scope is not None:  # the app task has not started yet: it sees this in its scope
            scope.setdefault("extensions", {})[SOCKET_EXTENSION] = self

    def write_frame(self, frame: bytes) -> bool:
        """Write an unmasked text frame serialized by the caller, if the socket is plainly open; else False.

        "Plainly open" is every condition under which `send` would serialize and write a text frame at once: the
        handshake done, no close sent or received, the transport not paused for flow control, no fragmented
        message or unsent bytes pending, and no extension (such as permessage-deflate) that would change the frame.
        """
        conn = self.conn
        if (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.disconnected
            and self.writable.is_set()
            and conn.state is State.OPEN
            and not conn.expect_continuation_frame
            and not conn.extensions
            and not conn.writes
            and not conn.debug
        ):
            self.transport.write(frame)
            return True
        return False

    def abort_after(self, seconds: float) -> None:
        """Abort the TCP connection unless it is gone within `seconds` (the app then receives a disconnect)."""
        if self._abort_timer is None and not self.disconnected:
            self._abort_timer = self.loop.call_later(seconds, self._abort_if_open)

    def _abort_if_open(self) -> None:
        self._abort_timer = None
        if self.disconnected or self.transport is None:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: the kernel resets the connection at once. A plain close would leave it (and its unsent data)
            # to the kernel, still open while the peer's window stays shut.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()  # drops the unsent data; connection_lost follows and tells the app

    def connection_lost(self, exc: Exception | None) -> None:
        if self._abort_timer is not None:
            self._abort_timer.cancel()
            self._abort_timer = None
        super().connection_lost(exc)

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.abort_after(CLOSE_GRACE_SECONDS)

    def send_receive_event_to_app(self) -> None:
        if self.read_paused:
            super().send_receive_event_to_app()
            return
        self.read_paused = True  # the base class pauses whenever this is False; decide here instead
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = False
        # Once the close is sent, frames are dropped and reads must go on until the peer's close reply arrives: the
        # messages still queued (and the disconnect event) would otherwise pause them again for good.
        if self.queue.qsize() >= READ_AHEAD_MESSAGES and not self.close_sent:
            self.read_paused = True
            self.transport.pause_reading()


def uvicorn_config(app: Litestar, settings: Settings) -> uvicorn.Config:
    install_redaction()  # access lines and "WebSocket /ws?..." lines lose their query strings
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws=ReadAheadWebSocketProtocol,
        ws_per_message_deflate=False,
        ws_max_size=MAX_WS_MESSAGE_BYTES,
        log_level=settings.log_level.lower(),
        access_log=settings.debug,
        lifespan="on",
        log_config=None,  # create_app configured JSON-lines logging for uvicorn's loggers too
        timeout_graceful_shutdown=5,
    )


class DrainingServer(uvicorn.Server):
    """On shutdown, close every chat socket with 1001 (after flushing its backlog) before uvicorn's own shutdown."""

    def __init__(self, config: uvicorn.Config, context: ChatContext) -> None:
        super().__init__(config)
        self.context = context

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        await drain(self.context)
        await super().shutdown(sockets)


def serve(app: Litestar, settings: Settings) -> None:
    """Block serving `app` until SIGINT/SIGTERM."""
    context: ChatContext = app.state.chat
    tune_for_serving()
    DrainingServer(uvicorn_config(app, settings), context).run()
