"""The Lambda entry points of the chat behind API Gateway WebSockets (infrastructure/websocket-api.yaml):
`on_connect` ($connect), `on_disconnect` ($disconnect) and `on_message` ($default and the action routes).

Each Lambda instance builds one ServerlessChat from the runtime's settings (the `CHAT_LEX_*` environment variables
of `chat-lex serve`, read by runtime.web.settings) on its first invocation, with its own event loop, and keeps it
for the invocations that follow, one at a time. The management API is the event's own stage
(`https://{domainName}/{stage}`), or `CHAT_LEX_APIGW_ENDPOINT`. `chat-lex serve --transport apigw` runs these same
functions in process behind a local gateway (runtime/serverless/local_gateway.py), one instance per worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, cast

from runtime.auth.base import IdentityProvider
from runtime.chat.bot_participant import BotParticipant
from runtime.serverless.chat_connections import Boto3ManagementApi, ManagementApi
from runtime.serverless.chat_handlers import ServerlessChat, ServerlessSettings, ServerlessStore, response
from runtime.web.backends import open_bot, open_identity, open_settings_store
from runtime.web.handshake import token_and_subprotocol
from runtime.web.settings import Settings

ENDPOINT_VARIABLE = "CHAT_LEX_APIGW_ENDPOINT"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

SettingsSource = Callable[[], Settings]
# A Lambda instance's store, identity provider and bot, opened from the settings on the instance's own loop.
BackendsOpener = Callable[[Settings], tuple[ServerlessStore, IdentityProvider, BotParticipant | None]]
_instances = threading.local()
_opened: list[_Instance] = []  # every instance of this process, for close_instances
_opened_lock = threading.Lock()


def open_instance_backends(settings: Settings) -> tuple[ServerlessStore, IdentityProvider, BotParticipant | None]:
    """What a deployed instance uses: the backends the settings name (the same ones `chat-lex serve` opens)."""
    bot = open_bot(settings)  # first: a wrong bot folder fails before anything is opened
    store = open_settings_store(settings)
    return cast(ServerlessStore, store), open_identity(settings, store), bot


_settings_source: SettingsSource = Settings.from_env
_backends_opener: BackendsOpener = open_instance_backends


def use_settings(source: SettingsSource, opener: BackendsOpener = open_instance_backends) -> None:
    """Where new instances read their settings and open their backends (the local gateway hands in the serve command's,
    tests a scripted bot); default: the environment."""
    global _settings_source, _backends_opener
    _settings_source, _backends_opener = source, opener


class _Instance:
    """One Lambda instance: its loop, its chat, and a management API client per endpoint."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._apis: dict[str, ManagementApi] = {}
        asyncio.set_event_loop(self.loop)  # stores made below bind to this instance's loop
        store, identity, bot = _backends_opener(settings)
        self.store = store
        self.chat = ServerlessChat(
            store,
            identity,
            bot,
            self.api_for,
            token_and_subprotocol,
            ServerlessSettings(
                max_message_chars=settings.max_message_chars,
                rate_per_minute=settings.rate_per_minute,
                max_connections_per_user=settings.max_connections_per_user,
                debug=settings.debug,
            ),
        )

    def api_for(self, event: dict[str, Any]) -> ManagementApi:
        endpoint = os.environ.get(ENDPOINT_VARIABLE) or endpoint_of(event)
        api = self._apis.get(endpoint)
        if api is None:
            api = self._apis[endpoint] = Boto3ManagementApi(management_client(endpoint, self.settings.aws_region))
        return api

    def run(self, work: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
        return self.loop.run_until_complete(work)


def endpoint_of(event: dict[str, Any]) -> str:
    """The management API of the stage the event came through: https on AWS, http on a loopback gateway."""
    context = event.get("requestContext") or {}
    domain, stage = str(context.get("domainName", "")), str(context.get("stage", ""))
    if not domain or not stage:
        raise ValueError(f"the event names no domainName/stage; set {ENDPOINT_VARIABLE}")
    scheme = "http" if domain.split(":")[0] in LOOPBACK_HOSTS or domain.startswith("[::1]") else "https"
    return f"{scheme}://{domain}/{stage}"


def management_client(endpoint: str, region: str) -> Any:
    """A boto3 `apigatewaymanagementapi` client for the stage's endpoint; a loopback gateway takes any signature."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=10)
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    if host in LOOPBACK_HOSTS and not os.environ.get("AWS_ACCESS_KEY_ID"):
        return boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name=region, config=config)


def _instance() -> _Instance:
    instance: _Instance | None = getattr(_instances, "instance", None)
    if instance is None:
        instance = _instances.instance = _Instance(_settings_source())
        with _opened_lock:
            _opened.append(instance)
    return instance


def close_instances() -> None:
    """Close every instance's store and loop (a local gateway shutting down; its worker threads are done)."""
    with _opened_lock:
        closing = list(_opened)
        _opened.clear()
    for instance in closing:
        with contextlib.suppress(Exception):
            instance.loop.run_until_complete(instance.store.close())
        instance.loop.close()


def _handle(
    route: Callable[[ServerlessChat], Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]], event: Any
) -> dict[str, Any]:
    if not isinstance(event, dict):
        return response(400, "not an API Gateway WebSocket event")
    instance = _instance()
    return instance.run(route(instance.chat)(event))


def on_connect(event: Any, context: Any) -> dict[str, Any]:
    """$connect: 200 with the answered subprotocol, or 401/429 before anything is recorded."""
    return _handle(lambda chat: chat.connect, event)


def on_disconnect(event: Any, context: Any) -> dict[str, Any]:
    """$disconnect: forget the connection (and announce the user offline where it was their last)."""
    return _handle(lambda chat: chat.disconnect, event)


def on_message(event: Any, context: Any) -> dict[str, Any]:
    """$default and the action routes: one client frame."""
    return _handle(lambda chat: chat.message, event)
