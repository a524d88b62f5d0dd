"""`create_app(settings)`: the Litestar application with the WebSocket, REST, operations and static routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.openapi import OpenAPIConfig

from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import ChatService
from runtime.chat.session import BAD_FRAMES_PER_MINUTE
from runtime.web import api_routes, auth_routes, ops_routes
from runtime.web.auth_limits import AuthLimits
from runtime.web.backends import Backends, open_backends
from runtime.web.context import ChatContext
from runtime.web.json_logging import configure_logging, install_redaction
from runtime.web.rest_bodies import MAX_BODY_BYTES, ApiError
from runtime.web.security_headers import add_security_headers
from runtime.web.session_watch import SessionWatch
from runtime.web.settings import Settings
from runtime.web.static_routes import static_router
from runtime.web.ws_endpoint import chat_socket

log = logging.getLogger("chat_lex.app")


def build_context(settings: Settings, backends: Backends) -> ChatContext:
    metrics = ChatMetrics()
    fanout = Fanout(backends.channel, metrics)
    service = ChatService(
        backends.store, fanout, backends.bot, metrics, backends.rate_limiter, max_message_chars=settings.max_message_chars
    )
    limiter = backends.auth_rate_limiter or LocalTokenBucket(settings.auth_rate_per_minute)
    watch = SessionWatch(backends.store, settings.revocation_check_seconds)
    bad_frames = LocalTokenBucket(BAD_FRAMES_PER_MINUTE)
    return ChatContext(settings, backends, metrics, fanout, service, AuthLimits(limiter), watch, bad_frames)


def create_app(
    settings: Settings,
    *,
    backends: Backends | None = None,
    configure_logs: bool = True,
    socket_routes: Sequence[BaseRouteHandler] | None = None,
    lifespans: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = (),
) -> Litestar:
    """The app; `backends` lets tests hand in fakes (a failing bot), otherwise the settings open them.

    `socket_routes` replace the chat socket (`/ws`): `chat-lex serve --transport apigw` mounts a local API Gateway
    there instead, with its `lifespans`; the web UI, REST and auth routes stay the same."""
    install_redaction()  # even when the embedding program configures logging: no token may reach a log line
    if configure_logs:
        configure_logging(settings.log_level, debug=settings.debug)
    ready_backends = backends if backends is not None else open_backends(settings)
    context = build_context(settings, ready_backends)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.chat = context
        await context.fanout.start()
        await context.session_watch.start()
        log.info("started", extra={"reason": ", ".join(f"{k}={v}" for k, v in ready_backends.descriptions.items())})
        try:
            yield
        finally:
            await drain(context)

    app = Litestar(
        route_handlers=[
            *(socket_routes if socket_routes is not None else [chat_socket]),
            auth_routes.signup,
            auth_routes.confirm,
            auth_routes.login,
            auth_routes.refresh,
            auth_routes.logout,
            auth_routes.jwks,
            api_routes.list_conversations,
            api_routes.conversation_messages,
            api_routes.create_room,
            api_routes.join_room,
            ops_routes.health,
            ops_routes.ready,
            ops_routes.metrics,
            static_router,
        ],
        lifespan=[lifespan, *lifespans],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected_error},
        openapi_config=OpenAPIConfig(title="chat-lex runtime", version="0.1.0", path="/schema"),
        request_max_body_size=MAX_BODY_BYTES * 4,
        before_send=[add_security_headers],
        debug=False,
    )
    app.state.chat = context
    return app


async def drain(context: ChatContext) -> None:
    """Graceful shutdown: refuse new sockets, flush and close open ones with 1001, then close the backends."""
    if context.draining:
        return
    context.draining = True
    await context.session_watch.close()
    await context.fanout.close()
    await context.service.close()
    with contextlib.suppress(Exception):
        await context.backends.store.close()
    log.info("stopped")


def _api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[dict[str, str]]:
    return Response({"error": exc.code, "message": exc.message}, status_code=exc.status, headers=exc.headers)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, str]]:
    names = {400: "InvalidParameter", 404: "NotFound", 405: "MethodNotAllowed", 413: "BodyTooLarge"}
    return Response({"error": names.get(exc.status_code, "HttpError"), "message": str(exc.detail)}, status_code=exc.status_code)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    log.error("request failed", exc_info=exc, extra={"path": request.url.path})
    return Response(
        {"error": "Internal", "message": "the server failed on this request; retry, and report it if it persists"}, status_code=500
    )
