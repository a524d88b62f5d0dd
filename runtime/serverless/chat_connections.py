"""The chat's connections behind API Gateway: events go out through the management API (`PostToConnection`), and a
conversation's audience is read from the store (members, then their open connections), since a Lambda keeps no
sockets and no subscriptions between invocations.

`ManagementPoster` sends frames: in order per connection, bounded in parallel, and a connection API Gateway calls
gone (`GoneException`) is deleted from the connections table, unless it was recorded less than
CONNECTING_GRACE_SECONDS ago (its $connect may still be running). `ApiGatewayConnection` is the chat layer's Subscriber
for the connection an invocation serves; `ConnectionsRouter` is the ChatService's Router over the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from runtime.chat.protocol import Envelope, encode, presence_event
from runtime.chat.subscriber import Subscriber
from runtime.store.base import ChatStore, ConnectionStore

log = logging.getLogger("chat_lex.apigw")

MAX_PARALLEL_POSTS = 16  # PostToConnection calls in flight per invocation
MAX_POST_BYTES = 128 * 1024  # API Gateway's message payload quota; a bigger frame is not sent (it could not arrive)
CONNECTING_GRACE_SECONDS = 30.0  # API Gateway's integration timeout (29 s) bounds how long a $connect can run


class GoneError(Exception):
    """The connection is gone (API Gateway answered 410 GoneException)."""


class ManagementApi(Protocol):
    """API Gateway's @connections API for one stage (blocking calls; they run in worker threads)."""

    def post(self, connection_id: str, data: bytes) -> None:
        """PostToConnection; GoneError when the connection is gone."""
        ...

    def delete(self, connection_id: str) -> None:
        """DeleteConnection; a connection already gone is no error."""
        ...


class Boto3ManagementApi:
    """ManagementApi over a boto3 `apigatewaymanagementapi` client (its endpoint is the stage's URL)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def post(self, connection_id: str, data: bytes) -> None:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except self._client.exceptions.GoneException:
            raise GoneError(connection_id) from None

    def delete(self, connection_id: str) -> None:
        with contextlib.suppress(self._client.exceptions.GoneException):
            self._client.delete_connection(ConnectionId=connection_id)


class ManagementPoster:
    """Posts frames to connections from a worker thread each (boto3 blocks): per connection one after another, in the
    order offered; across connections at most MAX_PARALLEL_POSTS at once. `drain` waits for all of them."""

    def __init__(self, api: ManagementApi, connections: ConnectionStore, *, max_parallel: int = MAX_PARALLEL_POSTS) -> None:
        self.api = api
        self._connections = connections
        self._slots = asyncio.Semaphore(max_parallel)
        self._last: dict[str, asyncio.Task[bool]] = {}  # connection id -> its latest post, which the next one waits for
        self._pending: set[asyncio.Task[bool]] = set()
        self.gone: set[str] = set()
        self.failed = 0

    def post(self, connection_id: str, text: str) -> asyncio.Task[bool]:
        """Queue one frame for one connection; the task ends True once API Gateway took it."""
        task = asyncio.get_running_loop().create_task(self._send(connection_id, text, self._last.get(connection_id)))
        self._last[connection_id] = task
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    async def _send(self, connection_id: str, text: str, previous: asyncio.Task[bool] | None) -> bool:
        if previous is not None:
            with contextlib.suppress(Exception):
                await previous
        if connection_id in self.gone:
            return False
        data = text.encode("utf-8")
        if len(data) > MAX_POST_BYTES:
            log.warning("frame too big for API Gateway; not sent", extra={"connection_id": connection_id, "count": len(data)})
            return False
        async with self._slots:
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.api.post, connection_id, data)
                return True
            except GoneError:
                self.gone.add(connection_id)
            except Exception as exc:
                self.failed += 1
                log.warning("PostToConnection failed", extra={"connection_id": connection_id, "reason": repr(exc)[:200]})
                return False
        # Gone: the client left without $disconnect reaching us yet, or long ago (TTL not swept); forget it now. But API
        # Gateway also answers Gone while a connection's $connect, which recorded it, has not returned yet: a record that
        # young is kept, else a room-mate's event in that window would leave the new socket unknown (no WELCOME, ever).
        with contextlib.suppress(Exception):
            record = await self._connections.get_connection(connection_id)
            if record is not None and time.time() - record.connected_at < CONNECTING_GRACE_SECONDS:
                return False
            await self._connections.delete_connection(connection_id)
        return False

    async def drain(self) -> None:
        """Wait until every queued post has been sent or given up."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        self._last.clear()

    async def close(self, connection_id: str) -> None:
        """Close a connection from the server side (DeleteConnection) once its posts are out, and forget it."""
        await self.drain()
        await self._connections.delete_connection(connection_id)  # first: nothing is sent to it from now on
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.api.delete, connection_id)
        except Exception as exc:  # it closes when API Gateway next finds it idle or its client goes
            log.warning("DeleteConnection failed", extra={"connection_id": connection_id, "reason": repr(exc)[:200]})


class ApiGatewayConnection:
    """The connection an invocation serves, as the chat layer's Subscriber: what is offered is posted to it.

    Live events reach it from any invocation through the router's posts, so there is nothing to hold during a resume:
    the replay may repeat what a concurrent invocation posted, and clients de-duplicate by messageId (docs/protocol.md).
    """

    def __init__(self, connection_id: str, user_id: str, display_name: str, poster: ManagementPoster) -> None:
        self.connection_id = connection_id
        self.user_id = user_id
        self.display_name = display_name
        self.subscriptions: set[str] = set()
        self.closed = False
        self.on_overflow: Callable[[Subscriber, int], None] | None = None
        self._poster = poster
        self.close_requested: tuple[int, str] | None = None

    def offer(self, text: str) -> bool:
        if self.closed:
            return False
        self._poster.post(self.connection_id, text)
        return True

    def deliver(self, envelope: Envelope) -> bool:
        return self.offer(envelope.text)

    def first_live(self, conversation_id: str) -> str | None:
        return None

    def hold(self, conversation_id: str) -> None:
        return None

    def release(self, conversation_id: str, replayed_ids: set[str]) -> None:
        return None

    def close_soon(self, code: int, reason: str) -> None:
        """Asked to close (token expired, too many bad frames): the handler deletes the connection after its posts."""
        if not self.closed:
            self.closed = True
            self.close_requested = (code, reason)

    async def drain_and_close(self, code: int, reason: str, *, timeout: float = 2.0) -> None:
        self.close_soon(code, reason)

    async def stop(self) -> None:
        self.closed = True


class ConnectionsRouter:
    """The ChatService's Router behind API Gateway: a conversation's audience is its members' open connections.

    Membership is the store's, read fresh for each event (another invocation may have just joined or left), so
    `subscribe` and `change_membership` have nothing to route; membership listeners still hear of changes made here.
    """

    def __init__(self, store: ChatStore, connections: ConnectionStore, poster: ManagementPoster) -> None:
        self._store = store
        self._connections = connections
        self._poster = poster
        self._local: dict[str, Subscriber] = {}
        self.membership_listeners: list[Callable[[str], None]] = []

    def register(self, connection: Subscriber) -> None:
        self._local[connection.connection_id] = connection

    async def unregister(self, connection: Subscriber) -> None:
        self._local.pop(connection.connection_id, None)

    def subscribe(self, connection: Subscriber, conversation_id: str) -> None:
        connection.subscriptions.add(conversation_id)

    def local_connections_of(self, user_id: str) -> list[Subscriber]:
        return [c for c in self._local.values() if c.user_id == user_id]

    async def audience(self, conversation_id: str) -> list[str]:
        """The open connection ids of the conversation's members."""
        conversation = await self._store.get_conversation(conversation_id)
        if conversation is None:
            return []
        records = await self._connections.connections_of_users(list(conversation.members))
        return [r.connection_id for r in records]

    async def publish(self, envelope: Envelope) -> None:
        """Post the event to every open connection of the conversation's members, and wait until they are sent."""
        posts = [self._poster.post(connection_id, envelope.text) for connection_id in await self.audience(envelope.conversation_id)]
        if posts:
            await asyncio.gather(*posts, return_exceptions=True)

    async def change_membership(self, user_id: str, conversation_id: str, *, member: bool) -> None:
        for listener in self.membership_listeners:
            listener(conversation_id)

    async def ask_presence(self, user_id: str, conversation_id: str) -> None:
        """Tell `user_id`'s connections who else in the room has a connection open."""
        conversation = await self._store.get_conversation(conversation_id)
        if conversation is None:
            return
        records = await self._connections.connections_of_users(list(conversation.members))
        online = {r.user_id: r.display_name for r in records if r.user_id != user_id}
        mine = [r.connection_id for r in records if r.user_id == user_id]
        for other, name in sorted(online.items()):
            text = encode(presence_event(conversation_id, other, name, "online"))
            for connection_id in mine:
                self._poster.post(connection_id, text)
