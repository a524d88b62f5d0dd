"""Fan-out: which local subscribers hear which conversation, and the event channel between processes.

An event is published once to the channel; every process (this one included) delivers it to its own subscribers
of the conversation, in one synchronous loop, so one event reaches every local subscriber atomically. Subscribers
are the chat layer's `Subscriber` protocol: a subscriber that cannot keep up is closed by its transport and counted
here once. The fan-out knows no transport.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Protocol

from runtime.chat.channels import EventChannel
from runtime.chat.log_sampling import LogSampler
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import Envelope, encode, presence_event
from runtime.chat.subscriber import CLOSE_GOING_AWAY, Subscriber

log = logging.getLogger("chat_lex.fanout")

# Envelopes on this pseudo-conversation carry membership changes to every process, not frames for clients.
MEMBERSHIP_CHANNEL = "\x00membership"
# Presence is symmetric: whoever comes online in a room asks (on this pseudo-conversation) who is there already;
# every process answers with PRESENCE frames of its own online members, addressed (on DIRECT_CHANNEL) to the asker's
# sockets only, so a join costs one frame per member online, not one per member pair.
PRESENCE_QUERY_CHANNEL = "\x00presence-query"
DIRECT_CHANNEL = "\x00direct"


class Router(Protocol):
    """What the ChatService needs to reach connections: `Fanout` on a long-lived server, the API Gateway
    connections table in a Lambda (runtime/serverless)."""

    membership_listeners: list[Callable[[str], None]]

    def register(self, connection: Subscriber) -> None: ...
    async def unregister(self, connection: Subscriber) -> None: ...
    def subscribe(self, connection: Subscriber, conversation_id: str) -> None: ...
    def local_connections_of(self, user_id: str) -> list[Subscriber]: ...
    async def publish(self, envelope: Envelope) -> None: ...
    async def change_membership(self, user_id: str, conversation_id: str, *, member: bool) -> None: ...
    async def ask_presence(self, user_id: str, conversation_id: str) -> None: ...


class Fanout:
    """Routes envelopes from the event channel to the local subscribers of their conversation."""

    def __init__(self, channel: EventChannel, metrics: ChatMetrics) -> None:
        self._channel = channel
        self._metrics = metrics
        self._by_conversation: dict[str, set[Subscriber]] = {}
        self._connections: dict[str, Subscriber] = {}
        self._by_user: dict[str, set[Subscriber]] = {}
        # Called with a conversation id whenever its membership changes on any process.
        self.membership_listeners: list[Callable[[str], None]] = []
        self._channel_log = LogSampler(burst=1, interval=60.0)
        self._answers: set[asyncio.Task[None]] = set()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def connections(self) -> list[Subscriber]:
        return list(self._connections.values())

    async def start(self) -> None:
        await self._channel.start(self.deliver_local)

    async def close(self, *, code: int = CLOSE_GOING_AWAY, reason: str = "server shutting down") -> None:
        """Drain and close every local connection, then stop listening."""
        await asyncio.gather(*(c.drain_and_close(code, reason) for c in self.connections()), return_exceptions=True)
        await self._channel.close()

    def register(self, connection: Subscriber) -> None:
        connection.on_overflow = self._slow_consumer
        self._connections[connection.connection_id] = connection
        self._by_user.setdefault(connection.user_id, set()).add(connection)
        self._metrics.connections.set(len(self._connections))

    async def unregister(self, connection: Subscriber) -> None:
        self._connections.pop(connection.connection_id, None)
        mine = self._by_user.get(connection.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self._by_user[connection.user_id]
        for conversation_id in list(connection.subscriptions):
            self.unsubscribe(connection, conversation_id)
        self._metrics.connections.set(len(self._connections))
        await connection.stop()

    def subscribe(self, connection: Subscriber, conversation_id: str) -> None:
        connection.subscriptions.add(conversation_id)
        self._by_conversation.setdefault(conversation_id, set()).add(connection)

    def unsubscribe(self, connection: Subscriber, conversation_id: str) -> None:
        connection.subscriptions.discard(conversation_id)
        members = self._by_conversation.get(conversation_id)
        if members is not None:
            members.discard(connection)
            if not members:
                del self._by_conversation[conversation_id]

    async def change_membership(self, user_id: str, conversation_id: str, *, member: bool) -> None:
        """(Un)subscribe every socket of `user_id`: here at once, on other processes through the channel."""
        self._apply_membership(user_id, conversation_id, member)
        text = json.dumps({"userId": user_id, "conversationId": conversation_id, "member": member})
        try:
            await self._channel.publish(Envelope(MEMBERSHIP_CHANNEL, text))
        except Exception as exc:  # applied here; other processes see it when the user's sockets there reconnect
            self._channel_failed("membership change", exc)

    def _channel_failed(self, what: str, exc: Exception) -> None:
        """Log a failed publish, sampled: while Redis is down every event fails the same way."""
        self._metrics.channel_failures.inc()
        suppressed = self._channel_log.admit()
        if suppressed is not None:
            log.warning(
                f"event channel publish failed; {what} applied locally only", extra={"reason": repr(exc)[:200], "suppressed": suppressed}
            )

    def _apply_membership(self, user_id: str, conversation_id: str, member: bool) -> None:
        for listener in self.membership_listeners:
            listener(conversation_id)
        for connection in self.local_connections_of(user_id):
            if member:
                self.subscribe(connection, conversation_id)
            else:
                self.unsubscribe(connection, conversation_id)

    def local_connections_of(self, user_id: str) -> list[Subscriber]:
        return list(self._by_user.get(user_id, ()))

    async def publish(self, envelope: Envelope) -> None:
        """Hand an event to every process (including this one) through the channel.

        If the channel fails (Redis down), the event is still delivered to this process's sockets; the others
        get it when their clients resume. The message itself is already stored. With an in-process channel
        there is no other process: the event is delivered here at once.
        """
        if self._channel.in_process:
            self.deliver_local(envelope)
            return
        try:
            await self._channel.publish(envelope)
        except Exception as exc:
            self._channel_failed("event", exc)
            self.deliver_local(envelope)

    async def ask_presence(self, user_id: str, conversation_id: str) -> None:
        """Ask every process to tell `user_id`'s sockets who else is online in the room `conversation_id`."""
        text = json.dumps({"userId": user_id, "conversationId": conversation_id})
        await self.publish(Envelope(PRESENCE_QUERY_CHANNEL, text))

    def _answer_presence(self, asker: str, conversation_id: str) -> None:
        online = {c.user_id: c.display_name for c in self._by_conversation.get(conversation_id, ()) if c.user_id != asker and not c.closed}
        if not online:
            return
        frames = [encode(presence_event(conversation_id, user_id, name, "online")) for user_id, name in sorted(online.items())]
        text = json.dumps({"userId": asker, "conversationId": conversation_id, "frames": frames})
        task = asyncio.get_running_loop().create_task(self.publish(Envelope(DIRECT_CHANNEL, text)))
        self._answers.add(task)  # a reference, so the task is not collected before it runs
        task.add_done_callback(self._answers.discard)

    def _deliver_direct(self, text: str) -> None:
        addressed = json.loads(text)
        conversation_id = str(addressed["conversationId"])
        for connection in self.local_connections_of(str(addressed["userId"])):
            if conversation_id in connection.subscriptions and not connection.closed:
                for frame in addressed["frames"]:
                    connection.offer(str(frame))

    def deliver_local(self, envelope: Envelope) -> None:
        """Write the envelope's text to every local subscriber; synchronous, so one event is delivered atomically."""
        if envelope.conversation_id == MEMBERSHIP_CHANNEL:
            change = json.loads(envelope.text)
            self._apply_membership(str(change["userId"]), str(change["conversationId"]), bool(change["member"]))
            return
        if envelope.conversation_id == PRESENCE_QUERY_CHANNEL:
            query = json.loads(envelope.text)
            self._answer_presence(str(query["userId"]), str(query["conversationId"]))
            return
        if envelope.conversation_id == DIRECT_CHANNEL:
            self._deliver_direct(envelope.text)
            return
        subscribers = self._by_conversation.get(envelope.conversation_id)
        if not subscribers:
            return
        delivered = 0
        for connection in tuple(subscribers):
            # A closed socket stays subscribed until its reader unregisters it; it was counted when it overflowed.
            if not connection.closed and connection.deliver(envelope):
                delivered += 1
        self._metrics.deliveries.inc(delivered)

    def _slow_consumer(self, connection: Subscriber, backlog: int) -> None:
        """Once per connection: its backlog overflowed and it is being closed with 1008."""
        self._metrics.dropped.inc()
        log.warning(
            "slow consumer closed",
            extra={"connection_id": connection.connection_id, "user_id": connection.user_id, "count": backlog},
        )
