"""A lean WebSocket client for load tests: raw asyncio streams and minimal RFC 6455 framing.

The `websockets` client costs more CPU per frame than the server we measure, so the load generator would saturate
first. This one does only what the benchmark needs: a handshake (with optional subprotocols), masked text frames
out, unmasked text/close frames in. Loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct

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


class LeanWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, subprotocol: str | None) -> None:
        self.reader = reader
        self.writer = writer
        self.subprotocol = subprotocol

    @classmethod
    async def connect(cls, host: str, port: int, path: str, subprotocols: list[str] | None = None) -> LeanWebSocket:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
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
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            writer.close()
            raise HandshakeError(status.decode(errors="replace"))
        chosen = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-protocol":
                chosen = value.strip().decode()
        return cls(reader, writer, chosen)

    def send_text(self, text: str) -> None:
        """Queue a text frame (the caller awaits `drain()` when it needs backpressure)."""
        self.writer.write(encode_frame(OP_TEXT, text.encode()))

    async def drain(self) -> None:
        await self.writer.drain()

    async def recv(self) -> str:
        """The next text frame; answers pings; raises ClosedError on a close frame."""
        while True:
            b1, b2 = await self.reader.readexactly(2)
            opcode = b1 & 0x0F
            n = b2 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = await self.reader.readexactly(n) if n else b""
            if opcode == OP_TEXT:
                return payload.decode()
            if opcode == OP_PING:
                self.writer.write(encode_frame(OP_PONG, payload))
                continue
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise ClosedError(code, payload[2:].decode(errors="replace"))

    async def close(self) -> None:
        try:
            self.writer.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000)))
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        self.writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError, OSError):
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)
