"""The WebSocket protocol pauses a socket's reads only once READ_AHEAD_MESSAGES messages wait for the app."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import Mock

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
