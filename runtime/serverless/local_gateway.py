"""A local API Gateway WebSocket API: Lambda handlers run in process behind real sockets and the @connections API.

`LocalGateway(routes, settings)` owns the connections and the invoker; `local_gateway_routes(gateway)` gives the
Litestar route handlers to mount in an app, so the socket and the management API share the app's port:

    gateway = LocalGateway(LambdaRoutes({"$connect": on_connect, "$default": on_message}))
    app = Litestar(route_handlers=[*local_gateway_routes(gateway), ...], lifespan=[gateway.lifespan])

Handlers reach the management API with boto3's `apigatewaymanagementapi` and `endpoint_url="http://HOST:PORT/STAGE"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from litestar import Litestar, WebSocket, websocket
from litestar.handlers import BaseRouteHandler

from runtime.serverless import apigw_events as events
from runtime.serverless.connections import Connection, ConnectionTable, State
from runtime.serverless.lambda_runtime import Invocation, Invoker, LambdaRoutes
from runtime.serverless.management_api import management_routes

log = logging.getLogger("chat_lex.apigw")

CLOSE_GOING_AWAY = (1001, "Going away")  # idle timeout, maximum duration, gateway shutdown
CLOSE_TOO_BIG = (1009, "Message too big")
SHUTDOWN_GRACE_SECONDS = 10.0  # how long close() waits for the $disconnect invocations


@dataclass(frozen=True)
class GatewaySettings:
    """The API's shape and API Gateway's limits (defaults are the real quotas)."""

    path: str = "/ws"
    stage: str = "local"
    api_id: str = "localapigw"
    region: str = "us-east-1"
    account_id: str = "000000000000"
    max_concurrency: int = 10
    max_message_bytes: int = 128 * 1024  # message payload quota; a bigger message closes the socket with 1009
    idle_timeout_seconds: float = 600.0  # no message either way for this long: closed with 1001
    max_connection_seconds: float = 7200.0
    allow_remote_management: bool = False  # the @connections API answers loopback callers only unless this is set

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or "{" in self.path:
            raise ValueError(f"path {self.path!r}: give an absolute path without parameters, such as /ws")
        if not self.stage or not self.stage.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"stage {self.stage!r}: give letters, digits, '-' or '_' (API Gateway's stage names)")
        if not 1 <= self.max_concurrency <= 1000:
            raise ValueError(f"max_concurrency {self.max_concurrency}: give 1 to 1000")
        if not 1 <= self.max_message_bytes <= 128 * 1024:
            raise ValueError(f"max_message_bytes {self.max_message_bytes}: give 1 to 131072 (API Gateway's 128 KB)")
        if self.idle_timeout_seconds <= 0 or self.max_connection_seconds <= 0:
            raise ValueError("idle_timeout_seconds and max_connection_seconds must be positive")


class LocalGateway:
    """The connections, the invoker and the socket loop of one local WebSocket API."""

    def __init__(self, routes: LambdaRoutes, settings: GatewaySettings | None = None) -> None:
        self.routes = routes
        self.settings = settings or GatewaySettings()
        self.api = events.ApiStage(self.settings.api_id, self.settings.stage)
        self.table = ConnectionTable()
        self.invoker = Invoker(routes, self.settings.max_concurrency, region=self.settings.region, account_id=self.settings.account_id)
        self.closing = False
        self._sessions: set[asyncio.Future[None]] = set()  # one per socket, done once its $disconnect has run
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle -------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        """Refuse new sockets, close the open ones with 1001, wait for their $disconnect, then stop the invoker.

        Call it before the server's own shutdown to give clients 1001 (uvicorn's shutdown closes sockets with 1012;
        $disconnect is invoked either way).
        """
        if self.closing:
            return
        self.closing = True
        for connection in self.table.all():
            await connection.close(*CLOSE_GOING_AWAY)
        if self._sessions:
            await asyncio.wait(set(self._sessions), timeout=SHUTDOWN_GRACE_SECONDS)
        self.invoker.close()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.close()

    # -- one socket ------------------------------------------------------------------------------------------------

    async def serve(self, socket: WebSocket[Any, Any, Any]) -> None:
        """The whole life of one client socket: $connect, its messages in order, $disconnect once."""
        if self.closing:
            await _refuse(socket, 503, '{"message": "Service Unavailable"}')
            return
        peer = events.Peer(
            connection_id=events.new_id(),
            connected_at_ms=events.epoch_ms(),
            source_ip=socket.client.host if socket.client else "127.0.0.1",
            user_agent=socket.headers.get("user-agent", ""),
            domain_name=socket.headers.get("host", "localhost"),
        )
        connection = Connection(peer, socket)
        self.table.add(connection)
        # Registered before $connect runs, so close() also waits for a socket that is still being let in.
        session: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sessions.add(session)
        try:
            try:
                subprotocol, refusal = await self._connect(socket, peer)
            except BaseException:
                self.table.remove(connection)
                raise
            if refusal is not None:
                self.table.remove(connection)
                await _refuse(socket, *refusal)
                return
            try:
                await socket.accept(subprotocols=subprotocol)
                connection.state = State.OPEN
                await self._receive_loop(connection)
            finally:
                await self._disconnect(connection)
        finally:
            session.set_result(None)
            self._sessions.discard(session)

    async def _connect(self, socket: WebSocket[Any, Any, Any], peer: events.Peer) -> tuple[str | None, tuple[int, str] | None]:
        """(subprotocol to accept, None) when $connect allows the socket, else (None, (HTTP status, body))."""
        if events.CONNECT not in self.routes.handlers:
            return None, None  # no $connect route: API Gateway lets every client in
        scheme = "https" if socket.scope.get("scheme") == "wss" else "http"
        server = socket.scope.get("server")
        port = server[1] if server and server[1] else 80
        request_id = events.new_id()
        event = events.connect_event(
            self.api,
            peer,
            request_id,
            events.header_maps(socket.scope.get("headers", []), peer, scheme, port),
            events.query_maps(socket.scope.get("query_string", b"")),
        )
        outcome = await self.invoker.invoke(events.CONNECT, event)
        return _connect_verdict(outcome, peer.connection_id, request_id)

    async def _receive_loop(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        settings = self.settings
        timers: dict[str, asyncio.TimerHandle] = {}

        def check_idle() -> None:
            remaining = self._check_idle(connection)
            if remaining is not None:
                timers["idle"] = loop.call_later(remaining, check_idle)

        timers["idle"] = loop.call_later(settings.idle_timeout_seconds, check_idle)
        timers["lifetime"] = loop.call_later(settings.max_connection_seconds, self._close_soon, connection, CLOSE_GOING_AWAY)
        if self.closing:  # close() ran while $connect did
            await connection.close(*CLOSE_GOING_AWAY)
        try:
            while True:
                message = await connection.socket.receive()
                if message["type"] != "websocket.receive":
                    code = message.get("code")
                    code = code if isinstance(code, int) else 1005
                    if connection.closed_by is None:
                        connection.closed_by = (code, _client_close_reason(code, str(message.get("reason") or "")))
                    return
                text = message.get("text")
                data: str | bytes = text if text is not None else (message.get("bytes") or b"")
                size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
                if size > settings.max_message_bytes:
                    log.info(
                        "message too big",
                        extra={"connection_id": connection.connection_id, "reason": f"{size} bytes > {settings.max_message_bytes}"},
                    )
                    await connection.close(*CLOSE_TOO_BIG)
                    continue  # the disconnect event follows
                if connection.state is not State.OPEN:
                    continue  # frames after the close frame are dropped, as API Gateway drops them
                connection.touch()
                await self._message(connection, data)  # one at a time: a connection's frames are never reordered
        except Exception:  # the socket failed under us (Litestar raises once it saw a disconnect)
            log.debug("receive ended", extra={"connection_id": connection.connection_id}, exc_info=True)
            if connection.closed_by is None:
                connection.closed_by = (1006, "Connection closed abnormally")
        finally:
            for timer in timers.values():
                timer.cancel()

    async def _message(self, connection: Connection, data: str | bytes) -> None:
        route = events.select_route(data, self.routes.handlers)
        request_id = events.new_id()
        if route is None:
            await connection.send(events.error_frame(events.FORBIDDEN, connection.connection_id, request_id))
            return
        outcome = await self.invoker.invoke(route, events.message_event(self.api, connection.peer, route, request_id, data))
        if not outcome.ok:
            await connection.send(events.error_frame(events.INTERNAL_SERVER_ERROR, connection.connection_id, request_id))
            return
        if route in self.routes.route_responses and isinstance(outcome.result, dict):
            body = outcome.result.get("body")
            if isinstance(body, str):
                await connection.send(body)

    async def _disconnect(self, connection: Connection) -> None:
        """Forget the connection and invoke $disconnect for it, once."""
        if connection.state is State.CLOSED:
            return
        connection.state = State.CLOSED
        self.table.remove(connection)
        code, reason = connection.closed_by or (1006, "Connection closed abnormally")
        if events.DISCONNECT in self.routes.handlers:
            event = events.disconnect_event(self.api, connection.peer, events.new_id(), code, reason)
            await self.invoker.invoke(events.DISCONNECT, event)  # its failure is logged; nobody is left to tell

    # -- timers ----------------------------------------------------------------------------------------------------

    def _check_idle(self, connection: Connection) -> float | None:
        """Close an idle connection (None), or return the seconds left before it would be idle."""
        idle_ms = events.epoch_ms() - connection.last_active_ms
        remaining = self.settings.idle_timeout_seconds - idle_ms / 1000
        if remaining > 0:
            return remaining
        self._close_soon(connection, CLOSE_GOING_AWAY)
        return None

    def _close_soon(self, connection: Connection, close: tuple[int, str]) -> None:
        task = asyncio.ensure_future(connection.close(*close))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _connect_verdict(outcome: Invocation, connection_id: str, request_id: str) -> tuple[str | None, tuple[int, str] | None]:
    """$connect's result as API Gateway reads it: 2xx lets the socket in (with the echoed subprotocol), else refused.

    A missing statusCode counts as 200. A failed invocation is 502 (504 for a timeout) with API Gateway's
    "Internal server error" body.
    """
    if not outcome.ok:
        status = 504 if outcome.timed_out else 502
        return None, (status, events.error_frame(events.INTERNAL_SERVER_ERROR, connection_id, request_id))
    result = outcome.result
    if not isinstance(result, dict):
        return None, None
    status = result.get("statusCode", 200)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None, (502, events.error_frame(events.INTERNAL_SERVER_ERROR, connection_id, request_id))
    if not 200 <= status <= 299:
        body = result.get("body")
        return None, (status, body if isinstance(body, str) else "")
    headers = result.get("headers")
    subprotocol = None
    if isinstance(headers, dict):
        subprotocol = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == "sec-websocket-protocol"), None)
    return (subprotocol if isinstance(subprotocol, str) and subprotocol else None), None


async def _refuse(socket: WebSocket[Any, Any, Any], status: int, body: str) -> None:
    """Answer the upgrade request with an HTTP error, through the ASGI `websocket.http.response` extension.

    uvicorn offers the extension, so the client sees the status itself (401, 403, 502, ...) and the body. A server
    without it gets a close before accept, which servers answer with 403.
    """
    extensions = socket.scope.get("extensions") or {}
    send = cast(Any, socket.send)
    if "websocket.http.response" in extensions:
        await send({"type": "websocket.http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "websocket.http.response.body", "body": body.encode("utf-8"), "more_body": False})
    else:
        await socket.close(1008, "refused by $connect")


def _client_close_reason(code: int, reason: str) -> str:
    """The disconnectReason of a close the client started (this gateway's wording; API Gateway's is similar)."""
    text = f"Client-side close frame status code '{code}'"
    return f"{text} and reason '{reason}'" if reason else text


def local_gateway_routes(gateway: LocalGateway) -> list[BaseRouteHandler]:
    """The gateway's Litestar route handlers: the WebSocket at `settings.path` and the `@connections` API."""

    @websocket(gateway.settings.path, name="apigw-websocket")
    async def gateway_socket(socket: WebSocket[Any, Any, Any]) -> None:
        await gateway.serve(socket)

    return [gateway_socket, *management_routes(gateway.table, allow_remote=gateway.settings.allow_remote_management)]
