"""The WebSocket protocol pauses a socket's reads only once READ_AHEAD_MESSAGES messages wait for the app."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any
from unittest.mock import Mock

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from runtime.web import server
from runtime.web.server import READ_AHEAD_MESSAGES, ReadAheadWebSocketProtocol


def _protocol() -> Any:
    protocol: Any = ReadAheadWebSocketProtocol.__new__(ReadAheadWebSocketProtocol)  # only the receive path's state
    protocol.queue = asyncio.Queue()
    protocol.read_paused = False
    protocol.close_sent = False
    protocol.transport = Mock()
    return protocol


def _arrive(protocol: Any, text: str) -> None:
    protocol.curr_msg_data_type = "text"
    protocol.frames = [text.encode()]
    protocol.send_receive_event_to_app()


def test_a_client_waiting_for_each_reply_never_pauses_reads() -> None:
    async def run() -> None:
        protocol = _protocol()
        for n in range(20):
            _arrive(protocol, f"m{n}")
            assert await protocol.receive() == {"type": "websocket.receive", "text": f"m{n}"}
        protocol.transport.pause_reading.assert_not_called()
        protocol.transport.resume_reading.assert_not_called()

    asyncio.run(run())


def test_a_flooding_client_is_paused_then_resumed_when_the_app_catches_up() -> None:
    async def run() -> None:
        protocol = _protocol()
        for n in range(READ_AHEAD_MESSAGES):
            _arrive(protocol, f"m{n}")
        assert protocol.read_paused
        protocol.transport.pause_reading.assert_called_once()
        _arrive(protocol, "late")  # already in the same read: queued, no second pause
        protocol.transport.pause_reading.assert_called_once()
        texts = [(await protocol.receive())["text"] for _ in range(READ_AHEAD_MESSAGES + 1)]
        assert texts == [*(f"m{n}" for n in range(READ_AHEAD_MESSAGES)), "late"]
        protocol.transport.resume_reading.assert_called_once()
        assert not protocol.read_paused

    asyncio.run(run())


def test_after_the_close_is_sent_reads_go_on_until_the_peers_close_reply() -> None:
    async def run() -> None:
        protocol = _protocol()
        for n in range(READ_AHEAD_MESSAGES):
            _arrive(protocol, f"m{n}")
        protocol.transport.pause_reading.assert_called_once()
        protocol.close_sent = True  # the app closed (uvicorn resumes reading then) without taking the queued messages
        protocol.read_paused = False
        for n in range(10):
            _arrive(protocol, f"late{n}")
        protocol.transport.pause_reading.assert_called_once()  # not paused again: the close reply can arrive
        assert protocol.queue.qsize() == READ_AHEAD_MESSAGES  # the late frames were dropped

    asyncio.run(run())


def _open_protocol() -> Any:
    protocol: Any = ReadAheadWebSocketProtocol.__new__(ReadAheadWebSocketProtocol)
    protocol.loop = asyncio.get_running_loop()
    protocol.disconnected = False
    protocol.transport = Mock()
    protocol.sock = Mock()
    protocol.transport.get_extra_info.side_effect = lambda name: protocol.sock if name == "socket" else None
    return protocol


def test_abort_after_resets_a_connection_still_open_then() -> None:
    async def run() -> None:
        protocol = _open_protocol()
        protocol.abort_after(0.01)
        protocol.abort_after(5.0)  # a second request does not push the deadline back
        await asyncio.sleep(0.05)
        protocol.sock.setsockopt.assert_called_once_with(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        protocol.transport.abort.assert_called_once()

    asyncio.run(run())


def test_abort_after_leaves_a_connection_that_closed_in_time_alone() -> None:
    async def run() -> None:
        protocol = _open_protocol()
        protocol.abort_after(0.01)
        protocol.disconnected = True  # the close handshake finished (connection_lost ran)
        await asyncio.sleep(0.05)
        protocol.transport.abort.assert_not_called()

    asyncio.run(run())


def test_a_keepalive_timeout_aborts_if_the_close_does_not_get_through(monkeypatch: Any) -> None:
    async def run() -> None:
        protocol = _open_protocol()
        monkeypatch.setattr(server, "CLOSE_GRACE_SECONDS", 0.01)
        monkeypatch.setattr(WebSocketsSansIOProtocol, "keepalive_timeout", lambda self: self.transport.close())
        protocol.keepalive_timeout()
        protocol.transport.close.assert_called_once()  # uvicorn's close waits for unsent data to go out...
        await asyncio.sleep(0.05)
        protocol.transport.abort.assert_called_once()  # ...which a peer that stopped reading never takes

    asyncio.run(run())
