"""Fan-out of pre-serialized WebSocket frames: the same bytes as websockets would write, in order, with fallbacks."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import Mock

from websockets.frames import Frame, Opcode
from websockets.protocol import State

from runtime.chat.channels import MemoryChannel
from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import Envelope
from runtime.web.server import ReadAheadWebSocketProtocol
from runtime.web.socket_writer import SocketWriter, ws_text_frame


def test_ws_text_frame_is_what_websockets_serializes() -> None:
    for text in ["", "x", "x" * 125, "x" * 126, "x" * 65535, "x" * 65536, "é€😀" * 30_000]:
        assert ws_text_frame(text) == Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class Socket:
    """A socket that takes pre-serialized frames while `open`, and texts through its send."""

    def __init__(self) -> None:
        self.wire: list[tuple[str, Any]] = []
        self.open = True
        self.block: asyncio.Event | None = None

    def write_frame(self, frame: bytes) -> bool:
        if not self.open:
            return False
        self.wire.append(("frame", frame))
        return True

    async def send(self, text: str) -> None:
        if self.block is not None:
            await self.block.wait()
        self.wire.append(("text", text))

    async def close(self, code: int, reason: str) -> None:
        pass


def test_frames_go_out_whole_when_the_socket_is_open_and_through_send_when_not() -> None:
    async def run() -> None:
        fanout = Fanout(MemoryChannel(), ChatMetrics())
        socket = Socket()
        connection = SocketWriter("a", "a", "a", socket.send, socket.close, write_frame=socket.write_frame)
        fanout.register(connection)
        fanout.subscribe(connection, "room")
        fanout.deliver_local(Envelope("room", "one", "m1"))
        socket.open = False
        fanout.deliver_local(Envelope("room", "two", "m2"))
        assert socket.wire == [("frame", ws_text_frame("one")), ("text", "two")]

    asyncio.run(run())


def test_replies_to_one_socket_go_out_as_frames_too() -> None:
    async def run() -> None:
        socket = Socket()
        connection = SocketWriter("a", "a", "a", socket.send, socket.close, write_frame=socket.write_frame)
        assert connection.offer('{"type":"ACK"}')
        socket.open = False
        assert connection.offer('{"type":"PONG"}')
        assert socket.wire == [("frame", ws_text_frame('{"type":"ACK"}')), ("text", '{"type":"PONG"}')]

    asyncio.run(run())


def test_a_socket_with_frames_queued_gets_the_next_ones_queued_too_in_order() -> None:
    async def run() -> None:
        fanout = Fanout(MemoryChannel(), ChatMetrics())
        socket = Socket()
        socket.block = asyncio.Event()
        connection = SocketWriter("a", "a", "a", socket.send, socket.close, write_frame=socket.write_frame)
        fanout.register(connection)
        fanout.subscribe(connection, "room")
        socket.open = False  # (paused for flow control, say) the frame goes through send, which suspends
        connection.offer("first")
        socket.open = True  # but the connection is busy until send finishes: the next one queues behind it
        fanout.deliver_local(Envelope("room", "second", "m2"))
        socket.block.set()
        for _ in range(10):
            await asyncio.sleep(0)
        assert socket.wire == [("text", "first"), ("text", "second")]
        fanout.deliver_local(Envelope("room", "third", "m3"))
        assert socket.wire[-1] == ("frame", ws_text_frame("third"))

    asyncio.run(run())


def _open_protocol() -> Any:
    protocol: Any = ReadAheadWebSocketProtocol.__new__(ReadAheadWebSocketProtocol)  # only write_frame's state
    protocol.handshake_complete = True
    protocol.initial_response = None
    protocol.close_sent = False
    protocol.disconnected = False
    protocol.writable = asyncio.Event()
    protocol.writable.set()
    protocol.conn = Mock(state=State.OPEN, expect_continuation_frame=False, extensions=[], writes=[], debug=False)
    protocol.transport = Mock()
    return protocol


def test_the_protocol_writes_a_frame_only_when_send_would_write_it_at_once() -> None:
    protocol = _open_protocol()
    assert protocol.write_frame(b"frame")
    protocol.transport.write.assert_called_once_with(b"frame")
    not_plainly_open: list[tuple[str, Any, Any]] = [
        ("", "handshake_complete", False),
        ("", "initial_response", object()),
        ("", "close_sent", True),
        ("", "disconnected", True),
        ("conn", "state", State.CLOSING),
        ("conn", "expect_continuation_frame", True),
        ("conn", "extensions", [object()]),
        ("conn", "writes", [b"pending"]),
        ("conn", "debug", True),
    ]
    for owner, name, value in not_plainly_open:
        protocol = _open_protocol()
        setattr(protocol.conn if owner else protocol, name, value)
        assert not protocol.write_frame(b"frame"), name
        protocol.transport.write.assert_not_called()
    protocol = _open_protocol()
    protocol.writable.clear()  # paused by flow control
    assert not protocol.write_frame(b"frame")
