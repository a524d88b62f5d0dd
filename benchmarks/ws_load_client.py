"""A lean WebSocket client for load tests: an asyncio Protocol and minimal RFC 6455 framing.

The `websockets` client costs more CPU per frame than the server we measure, so the load generator would saturate
first. This one does only what the benchmark needs: a handshake (with optional subprotocols), masked text frames
out, unmasked text/close frames in. Incoming frames are parsed in `data_received`, every whole frame in the
buffer in one pass with no await per frame, and handed to a callback (`on_text`) or queued for `recv()`.
Loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
from collections import deque
from collections.abc import Callable

OP_TEXT = 0x1
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


class HandshakeError(Exception):
    pass


class ClosedError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


def _mask(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    if n == 0:
        return payload
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + key + _mask(payload, key)


class _ClientProtocol(asyncio.Protocol):
    """Reads the handshake response, then server frames; writes go straight to the transport."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.socket: LeanWebSocket | None = None
        self._buffer = bytearray()
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self.handshake.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[: end + 4])
            del buffer[: end + 4]
            self.handshake.set_result(head)
            if not buffer:
                return
        socket = self.socket
        if socket is not None:
            socket._frames_from(buffer)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError("connection closed during the handshake"))
        if self.socket is not None:
            self.socket._lost(-1)
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    async def drain(self) -> None:
        if self._writable is not None:
            await asyncio.shield(self._writable)


class LeanWebSocket:
    def __init__(self, protocol: _ClientProtocol, subprotocol: str | None) -> None:
        self._protocol = protocol
        assert protocol.transport is not None
        self._transport = protocol.transport
        self.subprotocol = subprotocol
        # A callback that takes every text frame as it is parsed; while None, frames queue for recv().
        self.on_text: Callable[[str], None] | None = None
        self.closed: int | None = None  # the close code (-1: the connection dropped) once closed
        self._reason = ""
        self._queue: deque[str] = deque()
        self._waiter: asyncio.Future[None] | None = None

    @classmethod
    async def connect(cls, host: str, port: int, path: str, subprotocols: list[str] | None = None) -> LeanWebSocket:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(_ClientProtocol, host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if subprotocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(subprotocols))
        assert protocol.transport is not None
        protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await protocol.handshake
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            protocol.transport.close()
            raise HandshakeError(status.decode(errors="replace"))
        chosen = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-protocol":
                chosen = value.strip().decode()
        socket = cls(protocol, chosen)
        protocol.socket = socket
        socket._frames_from(protocol._buffer)  # frames that came with the handshake response
        return socket

    def send_text(self, text: str) -> None:
        """Queue a text frame (the caller awaits `drain()` when it needs backpressure)."""
        self._transport.write(encode_frame(OP_TEXT, text.encode()))

    async def drain(self) -> None:
        await self._protocol.drain()

    async def recv(self) -> str:
        """The next text frame (when no `on_text` callback takes them); raises ClosedError once closed."""
        while not self._queue:
            if self.closed is not None:
                raise ClosedError(self.closed, self._reason)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    async def close(self) -> None:
        if not self._transport.is_closing():
            with contextlib.suppress(ConnectionError, RuntimeError):
                self._transport.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self._transport.close()
        self._lost(1000)

    # -- incoming frames ------------------------------------------------------------------------

    def _frames_from(self, buffer: bytearray) -> None:
        """Parse every whole frame at the front of `buffer` and consume it."""
        offset = 0
        size = len(buffer)
        while size - offset >= 2:
            b1 = buffer[offset]
            n = buffer[offset + 1] & 0x7F
            start = offset + 2
            if n == 126:
                if size - start < 2:
                    break
                n = (buffer[start] << 8) | buffer[start + 1]
                start += 2
            elif n == 127:
                if size - start < 8:
                    break
                (n,) = struct.unpack_from("!Q", buffer, start)
                start += 8
            end = start + n
            if end > size:
                break
            offset = end
            opcode = b1 & 0x0F
            if opcode == OP_TEXT:
                text = buffer[start:end].decode()
                if self.on_text is not None:
                    self.on_text(text)
                else:
                    self._queue.append(text)
                    self._wake()
            elif opcode == OP_PING:
                self._transport.write(encode_frame(OP_PONG, bytes(buffer[start:end])))
            elif opcode == OP_CLOSE:
                payload = bytes(buffer[start:end])
                self._reason = payload[2:].decode(errors="replace")
                self._lost(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005)
        if offset:
            del buffer[:offset]

    def _lost(self, code: int) -> None:
        if self.closed is None:
            self.closed = code
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
