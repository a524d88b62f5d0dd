"""One cleartext HTTP/2 server connection running each complete request on an ASGI app (``h2`` package).

``h2c.SniffingProtocol`` hands a connection here when it opens with the HTTP/2 preface.
Limits: 64 concurrent streams, 64 kB header lists (HPACK expansion bounded), request bodies
buffered up to 1 MB (then 413 and RST_STREAM NO_ERROR); a protocol error gets GOAWAY and a close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import unquote

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes
from uvicorn.config import Config
from uvicorn.server import ServerState

MAX_REQUEST_BODY = 1024 * 1024  # the façade's own cap is lower; this only bounds what a stream may buffer
MAX_HEADER_LIST_SIZE = 64 * 1024  # Lex's gzip+base64 state headers are a few kB; bounds HPACK expansion
MAX_CONCURRENT_STREAMS = 64
# Hop-by-hop headers are forbidden in HTTP/2 (RFC 9113 8.2.2); ASGI apps may still set them.
_CONNECTION_HEADERS = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"})
_log = logging.getLogger("chat_lex.lex_http")


class _Stream:
    """One HTTP/2 request: its headers, its buffered body, the task running it."""

    def __init__(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.body = bytearray()
        self.task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()


class H2Protocol(asyncio.Protocol):
    """An HTTP/2 server connection running each complete request on the ASGI app."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.app = config.loaded_app
        self.server_state = server_state
        self.app_state = app_state
        self.loop = loop or asyncio.get_event_loop()
        settings = {
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST_SIZE,
        }
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values=settings)
        self.streams: dict[int, _Stream] = {}
        self.transport: asyncio.Transport | None = None
        self.window_opened = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server_state.connections.add(self)  # type: ignore[arg-type]  # uvicorn only calls shutdown()
        self.server = _address(transport.get_extra_info("sockname"))
        self.client = _address(transport.get_extra_info("peername"))
        self.conn.initiate_connection()
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        for stream in self.streams.values():
            stream.closed.set()
            if stream.task is not None:
                stream.task.cancel()
        self.streams.clear()
        self.window_opened.set()
        self.writable.set()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def shutdown(self) -> None:
        """uvicorn's graceful stop: refuse new streams, let running ones end."""
        self.conn.close_connection()
        self._flush()
        if not self.streams and self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            # h2 has queued a GOAWAY naming the error; send it and hang up.
            _log.info('{"event": "lex_http2_protocol_error", "error": %r}', str(exc)[:200])
            self._flush()
            if self.transport is not None:
                self.transport.close()
            return
        for event in events:
            self._handle(event)
        self._flush()

    # ------------------------------------------------------------------ frames

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            assert event.stream_id is not None and event.headers is not None
            headers = [(bytes(k), bytes(v)) for k, v in event.headers]
            self.streams[event.stream_id] = _Stream(event.stream_id, headers)
            if event.stream_ended is not None:
                self._start(event.stream_id)
        elif isinstance(event, h2.events.DataReceived):
            assert event.stream_id is not None and event.data is not None
            stream = self.streams.get(event.stream_id)
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if stream is None:
                return
            stream.body += event.data
            if len(stream.body) > MAX_REQUEST_BODY:
                self._refuse(stream, 413, f"the request body is over {MAX_REQUEST_BODY} bytes")
            elif event.stream_ended is not None:
                self._start(event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            assert event.stream_id is not None
            stream = self.streams.get(event.stream_id)
            if stream is not None and stream.task is None:
                self._start(event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            assert event.stream_id is not None
            stream = self.streams.pop(event.stream_id, None)
            if stream is not None:
                stream.closed.set()
                if stream.task is not None:
                    stream.task.cancel()
        elif isinstance(event, h2.events.WindowUpdated):
            self.window_opened.set()
        elif isinstance(event, h2.events.ConnectionTerminated) and self.transport is not None:
            self.transport.close()

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _refuse(self, stream: _Stream, status: int, message: str) -> None:
        """Answer a stream the app never sees (too big), then forget it."""
        body = json.dumps({"message": message}).encode("utf-8")
        headers = [(b":status", str(status).encode()), (b"content-type", b"application/json")]
        headers.append((b"x-amzn-errortype", b"ValidationException"))
        try:
            self.conn.send_headers(stream.stream_id, headers)
            self.conn.send_data(stream.stream_id, body, end_stream=True)
            # RFC 9113 8.1: a complete early response, then ask the client to stop sending the rest.
            if self.conn.streams.get(stream.stream_id) is not None and not self.conn.streams[stream.stream_id].closed:
                self.conn.reset_stream(stream.stream_id, ErrorCodes.NO_ERROR)
        except h2.exceptions.H2Error:
            pass  # the stream is already closed (the client reset it): nothing more to say on it
        self.streams.pop(stream.stream_id, None)
        stream.closed.set()

    # ------------------------------------------------------------------ ASGI

    def _start(self, stream_id: int) -> None:
        stream = self.streams[stream_id]
        stream.task = self.loop.create_task(self._run(stream))

    def _scope(self, stream: _Stream) -> dict[str, Any]:
        pseudo = {k: v for k, v in stream.headers if k.startswith(b":")}
        headers = [(k.lower(), v) for k, v in stream.headers if not k.startswith(b":")]
        if b":authority" in pseudo and not any(k == b"host" for k, _ in headers):
            headers.insert(0, (b"host", pseudo[b":authority"]))
        raw_path, _, query = pseudo.get(b":path", b"/").partition(b"?")
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "2",
            "method": pseudo.get(b":method", b"GET").decode("ascii", "replace"),
            "scheme": pseudo.get(b":scheme", b"http").decode("ascii", "replace"),
            "path": unquote(raw_path.decode("ascii", "replace")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": self.client,
            "server": self.server,
            "state": self.app_state.copy(),
        }

    async def _run(self, stream: _Stream) -> None:
        sent_body = False
        started = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": bytes(stream.body), "more_body": False}
            await stream.closed.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal started
            if stream.closed.is_set():
                return
            if message["type"] == "http.response.start":
                headers = [(b":status", str(message["status"]).encode("ascii"))]
                for name, value in message.get("headers", []):
                    name = bytes(name).lower()
                    if name not in _CONNECTION_HEADERS:
                        headers.append((name, bytes(value)))
                self.conn.send_headers(stream.stream_id, headers)
                started = True
                self._flush()
            elif message["type"] == "http.response.body":
                await self._send_body(stream, bytes(message.get("body", b"")), end=not message.get("more_body", False))

        try:
            await self.app(self._scope(stream), receive, send)
        except asyncio.CancelledError:
            raise
        except Exception:  # the app's own handler turns errors into 500s; this is the last resort
            _log.exception('{"event": "lex_http2_app_error"}')
            if not started and not stream.closed.is_set():
                self.conn.send_headers(stream.stream_id, [(b":status", b"500")], end_stream=True)
        finally:
            if not stream.closed.is_set():
                with contextlib.suppress(h2.exceptions.H2Error):  # already ended by the last body frame
                    self.conn.end_stream(stream.stream_id)
            stream.closed.set()
            self.streams.pop(stream.stream_id, None)
            self._flush()
            if self.conn.state_machine.state == h2.connection.ConnectionState.CLOSED and not self.streams and self.transport:
                self.transport.close()

    async def _send_body(self, stream: _Stream, body: bytes, *, end: bool) -> None:
        """DATA frames within the peer's flow-control window and frame size."""
        if not body and end and not stream.closed.is_set():
            self.conn.end_stream(stream.stream_id)
        while body:
            await self.writable.wait()
            if stream.closed.is_set():
                return
            window = min(self.conn.local_flow_control_window(stream.stream_id), self.conn.max_outbound_frame_size)
            if window <= 0:
                self.window_opened.clear()
                await self.window_opened.wait()
                continue
            chunk, body = body[:window], body[window:]
            self.conn.send_data(stream.stream_id, chunk, end_stream=end and not body)
            self._flush()
        if end:
            stream.closed.set()
            self._flush()


def _address(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) >= 2:
        return (str(value[0]), int(value[1]))
    return None
