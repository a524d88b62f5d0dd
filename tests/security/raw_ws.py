"""A WebSocket client on a plain blocking socket, for clients no library would be: one that never reads."""

from __future__ import annotations

import base64
import os
import socket
import struct

TCP_ESTABLISHED = 1  # tcpi_state, the first byte of struct tcp_info (linux/tcp.h)


def open_raw_ws(port: int, token: str, *, receive_buffer: int | None = None) -> socket.socket:
    """Connect to `/ws?token=…` on loopback and finish the opening handshake; the socket is then left to the caller."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # before connect, so the window offered to the server is this small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:  # read the response headers only, byte by byte, so no frame is consumed
        byte = sock.recv(1)
        if not byte:
            raise ConnectionError(f"the server closed the connection during the handshake: {head!r}")
        head += byte
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"the handshake was refused: {head!r}")
    return sock


def client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A masked client frame (RFC 6455 §5.2), FIN set."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 0x10000:
        header = bytes((0x80 | opcode, 0x80 | 126)) + struct.pack("!H", size)
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + struct.pack("!Q", size)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def tcp_state(sock: socket.socket) -> int:
    """The kernel's TCP state of `sock` (1 established, 7 closed: e.g. after the peer's RST)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
