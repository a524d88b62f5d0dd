"""The WebSocket protocol keeps no handshake request or response once the 101 is sent, and uses the lean queue/flag."""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any
from unittest.mock import Mock

from uvicorn.config import Config
from uvicorn.server import ServerState

from runtime.web.server import ReadAheadWebSocketProtocol
from runtime.web.socket_state import ReceiveQueue, WritableFlag

TOKEN = "header.payload-" + "x" * 600 + ".signature"


def _handshake() -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws?token={TOKEN}&tz=UTC HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat-lex.v1, bearer.{TOKEN}\r\n\r\n"
    ).encode()


def test_after_the_handshake_the_request_is_emptied_and_the_app_still_sees_its_scope() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["connect"] = await receive()
        await send({"type": "websocket.accept", "subprotocol": "chat-lex.v1"})
        seen["query"] = scope["query_string"]
        seen["headers"] = dict(scope["headers"])
        seen["frame"] = await receive()

    async def run() -> None:
        config = Config(app, ws_per_message_deflate=False, ws_ping_interval=None)
        config.load()
        protocol = ReadAheadWebSocketProtocol(config, ServerState(), {})
        assert isinstance(protocol.queue, ReceiveQueue) and isinstance(protocol.writable, WritableFlag)
        transport = Mock()
        transport.is_closing.return_value = False
        transport.get_extra_info.return_value = None
        protocol.connection_made(transport)
        protocol.data_received(_handshake())
        await asyncio.sleep(0.05)
        written = b"".join(call.args[0] for call in transport.write.call_args_list)
        assert written.startswith(b"HTTP/1.1 101") and b"Sec-WebSocket-Protocol: chat-lex.v1\r\n" in written
        assert TOKEN.encode() not in written
        assert "request" not in vars(protocol) and "response" not in vars(protocol)
        held = protocol.conn.parser.gi_frame.f_locals["request"]  # websockets' parser still refers to it: emptied
        assert held.path == "" and not list(held.headers.raw_items())
        assert seen["connect"] == {"type": "websocket.connect"}
        assert seen["query"] == f"token={TOKEN}&tz=UTC".encode()
        assert seen["headers"][b"Sec-WebSocket-Protocol"] == f"chat-lex.v1, bearer.{TOKEN}".encode()
        # Frames still parse after the handshake: a masked text frame "hi".
        mask = b"\x01\x02\x03\x04"
        protocol.data_received(b"\x81\x82" + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(b"hi")))
        await asyncio.sleep(0.05)
        assert seen["frame"] == {"type": "websocket.receive", "text": "hi"}
        protocol.connection_lost(None)

    asyncio.run(run())
