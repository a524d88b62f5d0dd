"""The chat over API Gateway WebSockets: what the $connect, $disconnect and message routes do, on the same
ChatService, ChatSession, protocol, store, identity provider and bot as the WebSocket server.

One `ServerlessChat` lives per Lambda instance (runtime/serverless/lambda_entry.py builds it from the
environment) and serves one invocation at a time. Everything an invocation needs from earlier ones is in the store:
the connection (who holds it, its time zone, its token's expiry and revocation ids, whether it was welcomed),
conversations and members, the rate counters. Each invocation answers through the management API and returns
only once its frames are posted and its bot turns are done: a Lambda is frozen as soon as it returns.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.auth.base import AuthError, IdentityProvider
from runtime.auth.revocation import revocation_ids
from runtime.chat.bot_participant import BotParticipant
from runtime.chat.metrics import ChatMetrics
from runtime.chat.rate_limit import CounterRateLimiter
from runtime.chat.service import ChatService, Sender
from runtime.chat.session import BAD_FRAMES_PER_MINUTE, ChatSession
from runtime.serverless.chat_connections import ApiGatewayConnection, ConnectionsRouter, ManagementApi, ManagementPoster
from runtime.store.base import ConnectionRecord, ConnectionStore, RateCounterStore, Store

log = logging.getLogger("chat_lex.apigw")

CONNECTION_TTL_SECONDS = 24 * 3600  # as the seed's connections table: API Gateway closes a connection after 2 h anyway
MAX_CONNECTIONS_PER_USER = 20


class ServerlessStore(Store, ConnectionStore, RateCounterStore, Protocol):
    """What the serverless handlers keep: the chat store plus the connections table and the rate counters."""


@dataclass(frozen=True)
class ServerlessSettings:
    max_message_chars: int = 1000
    rate_per_minute: int = 100
    max_connections_per_user: int = MAX_CONNECTIONS_PER_USER
    debug: bool = False


def response(status: int, body: str = "", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A Lambda proxy integration's answer."""
    answer: dict[str, Any] = {"statusCode": status, "body": body}
    if headers:
        answer["headers"] = headers
    return answer


def _context(event: dict[str, Any]) -> dict[str, Any]:
    context = event.get("requestContext")
    if not isinstance(context, dict) or not isinstance(context.get("connectionId"), str):
        raise ValueError("not an API Gateway WebSocket event: requestContext.connectionId is missing")
    return context


def _header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return ""


class ServerlessChat:
    """The three routes over one ChatService; `api_for(event)` gives the management API of the event's stage."""

    def __init__(
        self,
        store: ServerlessStore,
        identity: IdentityProvider,
        bot: BotParticipant | None,
        api_for: Callable[[dict[str, Any]], ManagementApi],
        token_from: Callable[[str | None, str], tuple[str | None, str | None]],
        settings: ServerlessSettings | None = None,
    ) -> None:
        self.store = store
        self.identity = identity
        self.bot = bot
        self.settings = settings or ServerlessSettings()
        self.metrics = ChatMetrics()
        self._api_for = api_for
        self._token_from = token_from
        self._rate = CounterRateLimiter(store, self.settings.rate_per_minute, prefix="rate:")
        self._bad_frames = CounterRateLimiter(store, BAD_FRAMES_PER_MINUTE, prefix="bad-frames:")

    def _service(self, poster: ManagementPoster) -> tuple[ChatService, ConnectionsRouter]:
        router = ConnectionsRouter(self.store, self.store, poster)
        service = ChatService(self.store, router, self.bot, self.metrics, self._rate, max_message_chars=self.settings.max_message_chars)
        return service, router

    async def connect(self, event: dict[str, Any]) -> dict[str, Any]:
        """$connect: verify the token and record the connection; a refusal writes nothing."""
        connection_id = _context(event)["connectionId"]
        query = event.get("queryStringParameters") or {}
        token, subprotocol = self._token_from(query.get("token"), _header(event, "sec-websocket-protocol"))
        if not token:
            return response(401, "missing token: give ?token= or the subprotocols chat-lex.v1, bearer.<token>")
        try:
            identity = await self.identity.verify(token)
        except AuthError as exc:
            return response(401, f"{exc.code}: {exc.message}"[:200])
        except Exception:
            log.exception("token verification failed")
            return response(500, "could not verify the token; try again")
        open_now = await self.store.connections_of_user(identity.user_id)
        if len(open_now) >= self.settings.max_connections_per_user:
            limit = self.settings.max_connections_per_user
            return response(429, f"too many open connections for this user (limit {limit}); close another tab")
        attributes: dict[str, str] = {}
        revocable = ",".join(revocation_ids(identity.claims))
        if revocable:
            attributes["revocationIds"] = revocable
        exp = identity.claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            attributes["exp"] = str(math.ceil(exp))  # never sooner than the token says
        tz = query.get("tz")
        if isinstance(tz, str) and tz.strip():
            attributes["tz"] = tz[:64]  # a bad one is reported with WELCOME, as on the WebSocket server
        await self.store.put_connection(
            connection_id,
            identity.user_id,
            identity.display_name or identity.username,
            connected_at=time.time(),
            ttl_seconds=CONNECTION_TTL_SECONDS,
            attributes=attributes,
        )
        log.info("connected", extra={"connection_id": connection_id, "user_id": identity.user_id})
        return response(200, headers={"Sec-WebSocket-Protocol": subprotocol} if subprotocol else None)

    async def disconnect(self, event: dict[str, Any]) -> dict[str, Any]:
        """$disconnect: forget the connection; if it was the user's last, tell their rooms they went offline."""
        connection_id = _context(event)["connectionId"]
        record = await self.store.get_connection(connection_id)
        await self.store.delete_connection(connection_id)
        if record is None:
            return response(200)
        poster = ManagementPoster(self._api_for(event), self.store)
        service, _ = self._service(poster)
        sender = Sender(record.user_id, record.display_name)
        connection = ApiGatewayConnection(connection_id, record.user_id, record.display_name, poster)
        rooms: list[str] = []
        if record.attributes.get("welcomed") and not await self.store.connections_of_user(record.user_id):
            rooms = await service.presence_rooms(sender)
        await service.disconnect(sender, connection, rooms)
        await poster.drain()
        log.info("disconnected", extra={"connection_id": connection_id, "user_id": record.user_id})
        return response(200)

    async def message(self, event: dict[str, Any]) -> dict[str, Any]:
        """$default and the action routes: one frame, handled by a ChatSession as on the WebSocket server."""
        connection_id = _context(event)["connectionId"]
        body = event.get("body")
        if event.get("isBase64Encoded"):
            raw: str | bytes = b"\xff"  # a binary frame: the protocol takes JSON text only (BAD_JSON)
        else:
            raw = body if isinstance(body, str) else ""
        poster = ManagementPoster(self._api_for(event), self.store)
        record = await self.store.get_connection(connection_id)
        if record is None:  # closed, expired or never recorded: nobody to answer as
            return response(410, "unknown connection; reconnect")
        connection = ApiGatewayConnection(connection_id, record.user_id, record.display_name, poster)
        sender = Sender(record.user_id, record.display_name)
        service, router = self._service(poster)
        try:
            if not await self._expired_or_revoked(record, connection):
                router.register(connection)
                session = ChatSession(
                    service,
                    connection,
                    sender,
                    bad_frames=self._bad_frames,
                    time_zone=record.attributes.get("tz"),
                    log_content=self.settings.debug,
                )
                session.welcomed = bool(record.attributes.get("welcomed"))
                await session.handle(raw)
                if session.welcomed and not record.attributes.get("welcomed"):
                    await self.store.touch_connection(connection_id, {**record.attributes, "welcomed": "1"})
                await service.idle()  # the bot's turns: a returned Lambda is frozen, so they finish here
        finally:
            await poster.drain()
        if connection.close_requested is not None:
            await poster.close(connection_id)
        return response(200)

    async def _expired_or_revoked(self, record: ConnectionRecord, connection: ApiGatewayConnection) -> bool:
        """The socket lives no longer than its token, nor than its session: past either, say so and close it."""
        exp = record.attributes.get("exp")
        reason = None
        if exp is not None and exp.isdigit() and int(exp) <= time.time():
            reason = "TokenExpired: the token expired; refresh it, reconnect and resume"
        else:
            ids = [i for i in record.attributes.get("revocationIds", "").split(",") if i]
            if ids and await self.store.revoked_token_ids(ids):
                reason = "InvalidToken: this session was signed out; sign in again"
        if reason is None:
            return False
        log.info("closed: token no longer valid", extra={"connection_id": connection.connection_id, "reason": reason})
        connection.close_soon(4401, reason)  # API Gateway closes without a code: the client reconnects and signs in anew
        return True
