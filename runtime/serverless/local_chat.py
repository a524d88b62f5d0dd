"""`chat-lex serve --transport apigw`: the chat's Lambda handlers behind a local API Gateway WebSocket API, mounted
at `/ws` of the runtime's app, so the web UI, REST and sign-in stay where they are and only the socket changes.

Each gateway worker thread is one Lambda instance with its own ServerlessChat (runtime/serverless/lambda_entry.py),
built from the same settings as the app; the handlers post back through the gateway's own @connections API.
"""

from __future__ import annotations

from litestar.handlers import BaseRouteHandler

from runtime.serverless import lambda_entry
from runtime.serverless.lambda_runtime import LambdaRoutes
from runtime.serverless.local_gateway import GatewaySettings, LocalGateway, local_gateway_routes
from runtime.web.settings import Settings

ACTION_ROUTES = ("sendmessage", "history", "resume", "join", "leave", "greet", "ping", "hello")
HANDLER_TIMEOUT_SECONDS = 29.0  # API Gateway's integration timeout


def chat_gateway(settings: Settings, *, max_concurrency: int = 10) -> tuple[LocalGateway, list[BaseRouteHandler]]:
    """The gateway (close it on shutdown: its lifespan does) and the routes to mount in place of the chat socket."""
    lambda_entry.use_settings(lambda: settings)
    handlers = {
        "$connect": lambda_entry.on_connect,
        "$disconnect": lambda_entry.on_disconnect,
        "$default": lambda_entry.on_message,
        **{action: lambda_entry.on_message for action in ACTION_ROUTES},
    }
    routes = LambdaRoutes(handlers, default_timeout=HANDLER_TIMEOUT_SECONDS)
    gateway = LocalGateway(routes, GatewaySettings(path="/ws", max_concurrency=max_concurrency, region=settings.aws_region))
    return gateway, local_gateway_routes(gateway)
