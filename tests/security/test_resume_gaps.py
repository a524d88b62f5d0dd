"""Resume without gaps when messages commit, or arrive, out of id order across processes.

Two app instances ("processes": each its own event loop, uvicorn server, store client and fan-out) share one store.
(a) DynamoDB (moto in server mode): ids are made at commit time, so a process whose write is slow commits an id
    older than one already delivered; resuming from that newer id used to skip it.
(b) Redis: one process publishes late, so a client sees a newer message before an older one; resuming from its
    newest id used to skip the older one.
Both now pass because resume re-reads RESUME_WINDOW_SECONDS back and clients de-duplicate by messageId.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis

from runtime.chat.channels import EventChannel, MemoryChannel
from runtime.chat.protocol import Envelope
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.web.backends import Backends, open_channels
from runtime.web.settings import Settings
from tests.fakes.moto_cognito import moto_endpoint
from tests.integration.test_scaleout_redis import REDIS_URL, require_redis
from tests.integration.test_web_harness import Client, RunningServer, TokenTable, fake_backends

REGION = "us-east-1"
LATE = 1.5  # seconds the slow process takes to commit (a) or to publish (b): well inside the resume window


class SlowWrites:
    """A boto3 DynamoDB client whose writes of messages take `delay` seconds longer (a slow or throttled process)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.delay = 0.0

    def transact_write_items(self, **kwargs: Any) -> Any:
        time.sleep(self.delay)  # in the store's worker thread, after the ids were made
        return self._client.transact_write_items(**kwargs)

    def batch_write_item(self, **kwargs: Any) -> Any:
        time.sleep(self.delay)
        return self._client.batch_write_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def dynamodb() -> Iterator[str]:
    with moto_endpoint() as endpoint:
        yield endpoint


def dynamodb_process(tmp_path: Path, store: DynamoDbStore) -> RunningServer:
    backends = Backends(store, TokenTable(), None, MemoryChannel(), LocalTokenBucket(1000), {"store": "dynamodb"})
    return RunningServer(Settings(static_dir=tmp_path / "static", store="dynamodb"), backends).start()


def message(conversation: str, text: str, cmid: str) -> dict[str, Any]:
    return {"action": "sendmessage", "conversationId": conversation, "message": text, "clientMessageId": cmid}


async def resumed_contents(server: RunningServer, token: str, conversation: str, after: str) -> list[str]:
    """A fresh socket resumes after `after`: the contents replayed, de-duplicated by messageId as clients do."""
    client = await Client.open(server.ws_url(token))
    await client.send({"action": "resume", "conversationId": conversation, "afterMessageId": after})
    replayed = await client.until_type("RESUMED")
    assert replayed["done"] is True
    await client.close()
    by_id = {m["messageId"]: m["content"] for m in replayed["messages"]}
    return [by_id[i] for i in sorted(by_id)]


async def test_dynamodb_a_late_commit_on_another_process_is_not_skipped_by_resume(tmp_path: Path, dynamodb: str) -> None:
    prefix = f"gap-{uuid.uuid4().hex[:8]}-"
    slow_client = SlowWrites(boto3.client("dynamodb", region_name=REGION, endpoint_url=dynamodb))
    slow_store = DynamoDbStore(table_prefix=prefix, endpoint_url=dynamodb, region=REGION, client=slow_client)  # type: ignore[arg-type]
    fast_store = DynamoDbStore(table_prefix=prefix, endpoint_url=dynamodb, region=REGION)
    fast_store.create_tables()
    setup = DynamoDbStore(table_prefix=prefix, endpoint_url=dynamodb, region=REGION)
    room = await setup.create_room("Shared", "alice", bot_mode="never")
    for member in ("bob", "carol"):
        await setup.add_member(room.conversation_id, member)
    await setup.close()
    a, b = dynamodb_process(tmp_path, slow_store), dynamodb_process(tmp_path, fast_store)
    try:
        alice = await Client.open(a.ws_url("t.alice"))
        bob = await Client.open(b.ws_url("t.bob"))
        carol = await Client.open(b.ws_url("t.carol"))
        slow_client.delay = LATE
        await alice.send(message(room.conversation_id, "committed late", "a1"))  # id made now, written LATE s later
        await asyncio.sleep(0.3)
        await bob.send(message(room.conversation_id, "committed first", "b1"))
        newer = (await bob.until_type("ACK"))["messageId"]
        seen = await carol.until_type("USER_MESSAGE")
        assert seen["message"]["messageId"] == newer
        await carol.close()  # carol's newest id is bob's message
        older = (await alice.until_type("ACK", timeout=10))["messageId"]
        assert older < newer  # the gap: made before, committed after
        assert await resumed_contents(b, "t.carol", room.conversation_id, newer) == ["committed late", "committed first"]
        await alice.close()
        await bob.close()
    finally:
        a.stop()
        b.stop()


class LatePublisher:
    """An event channel whose message events go out `delay` seconds late (a process stalled between ACK and publish)."""

    def __init__(self, channel: EventChannel, delay: float) -> None:
        self._channel = channel
        self._delay = delay
        self.name = channel.name
        self.in_process = channel.in_process

    async def start(self, deliver: Any) -> None:
        await self._channel.start(deliver)

    async def publish(self, envelope: Envelope) -> None:
        if envelope.message_id is not None:
            await asyncio.sleep(self._delay)
        await self._channel.publish(envelope)

    async def ping(self) -> None:
        await self._channel.ping()

    async def close(self) -> None:
        await self._channel.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    require_redis()
    value = f"chat-lex-test-{uuid.uuid4().hex[:12]}:"
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=value + "*"):
        client.delete(key)


@pytest.fixture
async def redis_pair(tmp_path: Path, redis_prefix: str) -> AsyncIterator[tuple[RunningServer, RunningServer, str]]:
    settings = Settings(static_dir=tmp_path / "static", channels=REDIS_URL, channel_prefix=redis_prefix, rate_per_minute=1000)
    servers = []
    for late in (True, False):
        channel, limiter, _auth_limiter = open_channels(settings)
        backends = replace(fake_backends(tmp_path, None), channel=LatePublisher(channel, LATE) if late else channel, rate_limiter=limiter)
        servers.append(RunningServer(settings, backends).start())
    a, b = servers
    room = await a.call(a.context.backends.store.create_room("Shared", "alice", bot_mode="never"))
    for member in ("bob", "carol"):
        await a.call(a.context.backends.store.add_member(room.conversation_id, member))
    yield a, b, room.conversation_id
    a.stop()
    b.stop()


async def test_redis_an_older_message_arriving_after_a_newer_one_is_not_skipped_by_resume(
    redis_pair: tuple[RunningServer, RunningServer, str],
) -> None:
    a, b, room = redis_pair
    alice = await Client.open(a.ws_url("t.alice"))
    bob = await Client.open(b.ws_url("t.bob"))
    carol = await Client.open(b.ws_url("t.carol"))
    await alice.send(message(room, "published late", "a1"))
    older = (await alice.until_type("ACK"))["messageId"]  # stored and acknowledged; its event is LATE s away
    await bob.send(message(room, "published first", "b1"))
    newer = (await bob.until_type("ACK"))["messageId"]
    assert older < newer
    assert (await carol.until_type("USER_MESSAGE"))["message"]["messageId"] == newer
    await carol.close()  # before the older message arrives: carol's newest id is the newer one
    arrivals = [(await bob.until_type("USER_MESSAGE", timeout=10))["message"]["messageId"] for _ in range(2)]
    assert arrivals == [newer, older]  # out of order on the wire
    assert await resumed_contents(b, "t.carol", room, newer) == ["published late", "published first"]
    await alice.close()
    await bob.close()
