"""`chat-lex serve --transport apigw`: the chat's Lambda handlers behind a local API Gateway WebSocket API, mounted
at `/ws` of the runtime's app, so the web UI, REST and sign-in stay where they are and only the socket changes.

Each gateway worker thread is one Lambda instance with its own ServerlessChat (runtime/serverless/lambda_entry.py),
built from the same settings as the app; the handlers post back through the gateway's own @connections API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar
from litestar.handlers import BaseRouteHandler

from runtime.serverless import lambda_entry
from runtime.serverless.lambda_runtime import LambdaRoutes
from runtime.serverless.local_gateway import GatewaySettings, LocalGateway, local_gateway_routes
from runtime.web.settings import Settings

ACTION_ROUTES = ("sendmessage", "history", "resume", "join", "leave", "greet", "ping", "hello")
HANDLER_TIMEOUT_SECONDS = 29.0  # API Gateway's integration timeout
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


def chat_gateway(
    settings: Settings, *, max_concurrency: int = 10, opener: lambda_entry.BackendsOpener = lambda_entry.open_instance_backends
) -> tuple[Lifespan, list[BaseRouteHandler]]:
    """The app lifespan that closes the gateway and its Lambda instances, and the routes to mount in place of the
    chat socket. `opener` opens each instance's backends (default: from the settings, as a deployed instance does)."""
    lambda_entry.use_settings(lambda: settings, opener)
    handlers = {
        "$connect": lambda_entry.on_connect,
        "$disconnect": lambda_entry.on_disconnect,
        "$default": lambda_entry.on_message,
        **{action: lambda_entry.on_message for action in ACTION_ROUTES},
    }
    routes = LambdaRoutes(handlers, default_timeout=HANDLER_TIMEOUT_SECONDS)
    gateway = LocalGateway(routes, GatewaySettings(path="/ws", max_concurrency=max_concurrency, region=settings.aws_region))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            async with gateway.lifespan(app):
                yield
        finally:
            await asyncio.get_running_loop().run_in_executor(None, lambda_entry.close_instances)

    return lifespan, local_gateway_routes(gateway)
