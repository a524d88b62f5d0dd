"""HTTP/1.1 and cleartext HTTP/2 (h2c, prior knowledge) on one uvicorn port.

The AWS SDK for JavaScript v3 talks HTTP/2 by default (NodeHttp2Handler) and opens a
cleartext connection with the HTTP/2 preface straight away; uvicorn speaks only HTTP/1.1.
``SniffingProtocol`` (given to ``uvicorn.Config(http=...)``) reads the first bytes of each
connection: the preface ``PRI * HTTP/2.0`` hands the connection to ``h2_server.H2Protocol``
(frames and HPACK by the ``h2`` package, requests run on the same ASGI app), anything else
to uvicorn's own HTTP/1.1 protocol, so boto3 and curl are served exactly as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_log = logging.getLogger("chat_lex.lex_http")


def _h2_protocol(config: Config, server_state: ServerState, app_state: dict[str, Any], loop: Any) -> asyncio.Protocol | None:
    """The HTTP/2 connection, or None (logged) when the ``h2`` package is not installed."""
    try:
        from runtime.lex.h2_server import H2Protocol
    except ImportError as exc:  # HTTP/1.1 clients are still served; HTTP/2 ones get a closed connection and a log line
        _log.error('{"event": "lex_http2_unavailable", "reason": %r}', f"HTTP/2 needs the h2 package ({exc})")
        return None
    return H2Protocol(config, server_state, app_state, loop)


class SniffingProtocol(asyncio.Protocol):
    """Choose HTTP/2 or HTTP/1.1 for a connection from its first bytes, then step aside."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._args = (config, server_state, app_state, _loop)
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._inner: asyncio.Protocol | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)
            return
        self._buffer += data
        if len(self._buffer) < len(PREFACE) and PREFACE.startswith(self._buffer):
            return  # could still be the preface: wait for more
        config, server_state, app_state, loop = self._args
        inner: asyncio.Protocol
        if self._buffer.startswith(PREFACE):
            h2_inner = _h2_protocol(config, server_state, app_state, loop)
            if h2_inner is None:
                assert self._transport is not None
                self._transport.close()
                return
            inner = h2_inner
        else:
            inner = AutoHTTPProtocol(config=config, server_state=server_state, app_state=app_state, _loop=loop)  # type: ignore[call-arg]
        self._inner = inner
        assert self._transport is not None
        inner.connection_made(self._transport)
        buffered, self._buffer = self._buffer, b""
        inner.data_received(buffered)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()
