"""Event channels between processes: `memory` (this process only) or Redis pub/sub (every process).

Each event is published once; every process, the publisher included, receives it once and fans it out
to its own sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

from runtime.chat.protocol import Envelope
from runtime.chat.redis_outage import REDIS_FAILURES, RedisOutage, RedisUnavailable

log = logging.getLogger("chat_lex.channels")
# Pauses of the pub/sub listener between attempts while Redis is down (seconds): doubled from the first to the last.
RETRY_FIRST = 0.25
RETRY_MAX = 4.0

Deliver = Callable[[Envelope], None]


class EventChannel(Protocol):
    name: str
    # True when this process is the only one: the fan-out then delivers in place instead of through `publish`.
    in_process: bool

    async def start(self, deliver: Deliver) -> None: ...
    async def publish(self, envelope: Envelope) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryChannel:
    """Delivers in process, synchronously, at publish time."""

    name = "memory"
    in_process = True

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, envelope: Envelope) -> None:
        if self._deliver is not None:
            self._deliver(envelope)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._deliver = None


def pack(envelope: Envelope) -> bytes:
    """Wire form on Redis: conversation id, message id (may be empty), then the frame text, newline-separated."""
    return f"{envelope.conversation_id}\n{envelope.message_id or ''}\n{envelope.text}".encode()


def unpack(data: bytes) -> Envelope:
    conversation_id, message_id, text = data.decode("utf-8").split("\n", 2)
    return Envelope(conversation_id, text, message_id or None)


class RedisChannel:
    """One Redis pub/sub channel per deployment (`<prefix>events`); each process filters by conversation.

    Redis may be down at start or go away later: the listener (re)subscribes when it is back, and `publish` fails
    fast with RedisUnavailable meanwhile (the fan-out then delivers to this process's sockets only).
    """

    name = "redis"
    in_process = False

    def __init__(self, client: aioredis.Redis, *, prefix: str = "chat-lex:", outage: RedisOutage | None = None) -> None:
        self._redis = client
        self._topic = f"{prefix}events"
        self._listener: asyncio.Task[None] | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._subscribed = False
        self._listening = False  # the listener's last read went through (false while it waits to retry)
        self.outage = outage if outage is not None else RedisOutage()

    @property
    def topic(self) -> str:
        return self._topic

    async def start(self, deliver: Deliver) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
        try:
            await self._subscribe()
        except REDIS_FAILURES as exc:  # serve anyway, locally; the listener subscribes once Redis answers
            self.outage.failed("subscribe", exc)
        self._listener = asyncio.create_task(self._listen(deliver), name="redis-fanout-listener")

    async def _subscribe(self) -> None:
        assert self._pubsub is not None
        await self._pubsub.subscribe(self._topic)
        # Wait for the subscription to be confirmed so nothing published after start() is missed.
        async with asyncio.timeout(5):
            while True:
                message = await self._pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "subscribe":
                    break
        self._subscribed = True

    async def _listen(self, deliver: Deliver) -> None:
        assert self._pubsub is not None
        pause = RETRY_FIRST
        while True:
            try:
                if not self._subscribed:
                    await self._subscribe()
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except REDIS_FAILURES as exc:  # Redis went away: logged once per outage; retried with a growing pause
                self._listening = False
                self.outage.failed("pub/sub", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            except Exception:
                log.exception("redis pub/sub read failed; retrying")
                await asyncio.sleep(RETRY_MAX)
                continue
            pause = RETRY_FIRST
            self._listening = True
            if message is None or message.get("type") != "message":
                continue
            try:
                deliver(unpack(message["data"]))
            except Exception:
                log.exception("dropping an undeliverable event from redis")

    async def publish(self, envelope: Envelope) -> None:
        if not self.outage.should_try():
            raise RedisUnavailable("redis is down; not retried yet")
        try:
            await self._redis.publish(self._topic, pack(envelope))
        except REDIS_FAILURES as exc:
            self.outage.failed("publish", exc)
            raise RedisUnavailable(f"publishing to redis failed: {exc}") from exc
        self.outage.succeeded()

    async def ping(self) -> None:
        """Ready only when Redis answers and this process listens to the channel."""
        try:
            await self._redis.ping()
        except REDIS_FAILURES as exc:
            self.outage.failed("ping", exc)
            raise
        if not (self._subscribed and self._listening):
            raise RedisUnavailable("not listening to the event channel yet")
        self.outage.succeeded()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self._redis.aclose()
