"""Presence is symmetric: whoever joins a room (or connects) hears who is online already, in one process and
across processes through Redis; the answer goes to the newcomer's sockets only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from runtime.chat.channels import RedisChannel
from runtime.chat.fanout import DIRECT_CHANNEL, Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import Envelope
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import ChatService
from runtime.store import open_store
from tests.unit.test_chat_service import ALICE, BOB, CAROL, FakeLex, Harness, Socket, settle


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    await h.fanout.start()
    yield h
    await h.service.close()
    await store.close()


def online(sock: Socket, room: str) -> list[str]:
    return [p["userId"] for p in sock.of_type("PRESENCE") if p["conversationId"] == room and p["status"] == "online"]


async def test_the_newcomer_hears_who_is_online_and_the_others_hear_the_newcomer(harness: Harness) -> None:
    room = (await harness.store.create_room("r", ALICE.user_id)).conversation_id
    alice = harness.socket(ALICE, room)
    await harness.service.announce_presence(ALICE, room, "online")
    carol = Socket(harness.fanout, CAROL)  # online, but not in the room: not announced to it
    bob = Socket(harness.fanout, BOB)
    await harness.service.join(BOB, room)
    for _ in range(3):
        await settle()
    assert online(bob, room) == [BOB.user_id, ALICE.user_id]
    assert online(alice, room).count(BOB.user_id) == 1
    assert ALICE.user_id not in online(alice, room)[1:]  # alice's own echo is not repeated to her by the answer
    assert carol.of_type("PRESENCE") == []


async def test_an_answer_reaches_only_the_askers_sockets_in_that_room(harness: Harness) -> None:
    room = (await harness.store.create_room("r", ALICE.user_id)).conversation_id
    alice = harness.socket(ALICE, room)
    bob_elsewhere = Socket(harness.fanout, BOB)  # bob, not subscribed to the room
    for user in (BOB, ALICE):
        addressed = {"userId": user.user_id, "conversationId": room, "frames": ['{"type":"PRESENCE"}']}
        harness.fanout.deliver_local(Envelope(DIRECT_CHANNEL, json.dumps(addressed)))
    await settle()
    assert bob_elsewhere.frames == []
    assert alice.frames == [{"type": "PRESENCE"}]


REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_presence_is_symmetric_across_two_processes_through_redis(tmp_path: Path) -> None:
    prefix = f"test-presence-{uuid.uuid4().hex}:"
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    clients = [aioredis.Redis.from_url(REDIS_URL) for _ in range(2)]
    fanouts = [Fanout(RedisChannel(client, prefix=prefix), ChatMetrics()) for client in clients]
    services = [ChatService(store, f, None, ChatMetrics(), LocalTokenBucket(100)) for f in fanouts]
    try:
        for fanout in fanouts:
            await fanout.start()
        room = (await store.create_room("r", ALICE.user_id)).conversation_id
        alice = Socket(fanouts[0], ALICE)
        fanouts[0].subscribe(alice.connection, room)
        await services[0].announce_presence(ALICE, room, "online")
        bob = Socket(fanouts[1], BOB)
        await services[1].join(BOB, room)
        async with asyncio.timeout(5):
            while ALICE.user_id not in online(bob, room) or BOB.user_id not in online(alice, room):
                await asyncio.sleep(0.02)
        assert online(bob, room).count(ALICE.user_id) == 1
    finally:
        for fanout in fanouts:
            await fanout.close()
        for client in clients:
            await client.aclose()
        await store.close()
