"""Scale-out: two `chat-lex serve` processes sharing Redis (127.0.0.1:6379) and one SQLite file.

A member connected to each process sees the other's messages exactly once and in the same order; rate-limit
budgets are shared through Redis; SIGTERM drains sockets with close code 1001.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import redis.asyncio as aioredis
from websockets.exceptions import ConnectionClosed

from runtime.auth.signing_keys import load_or_create_signing_key
from runtime.chat.rate_limit import RedisTokenBucket
from runtime.lex.endpoints import free_port
from runtime.store import open_store
from tests.integration.test_web_harness import Client, log_in, sign_up

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); start one with `make redis` (make test does it)")


class ServeProcess:
    """`chat-lex serve` in a subprocess on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?token={token}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"chat-lex serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"chat-lex serve did not become ready:\n{self.log.read_text()}")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


@pytest.fixture
def prefix() -> Iterator[str]:
    require_redis()
    value = f"chat-lex-test-{uuid.uuid4().hex[:12]}:"
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=value + "*"):
        client.delete(key)


@pytest.fixture
def pair(tmp_path: Path, prefix: str) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    env = {
        **os.environ,
        "CHAT_LEX_BOT": "none",
        "CHAT_LEX_STORE": f"sqlite:{tmp_path / 'chat.db'}",
        "CHAT_LEX_AUTH_KEY_DIR": str(tmp_path / "keys"),
        "CHAT_LEX_CHANNELS": REDIS_URL,
        "CHAT_LEX_CHANNEL_PREFIX": prefix,
        "CHAT_LEX_RATE_PER_MINUTE": "1000",
    }
    # Create the signing key and the database schema once, so the two processes can start side by side.
    load_or_create_signing_key(tmp_path / "keys")
    asyncio.run(open_store(env["CHAT_LEX_STORE"]).close())
    first = ServeProcess(env, tmp_path / "a.log")
    second = ServeProcess(env, tmp_path / "b.log")
    first.wait_ready()
    second.wait_ready()
    yield first, second
    first.stop()
    second.stop()


async def tokens_for(http: httpx.AsyncClient, username: str) -> str:
    await sign_up(http, username)
    token: str = (await log_in(http, username))["accessToken"]
    return token


@pytest.fixture
async def room(pair: tuple[ServeProcess, ServeProcess]) -> AsyncIterator[tuple[str, str, str]]:
    a, b = pair
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as http_a, httpx.AsyncClient(base_url=b.url, timeout=10) as http_b:
        alice = await tokens_for(http_a, "alice")
        bob = await tokens_for(http_b, "bob")  # a token from one process is good on the other (shared key and issuer)
        created = await http_a.post(
            "/api/rooms", headers={"authorization": f"Bearer {alice}"}, json={"title": "Shared", "botMode": "never"}
        )
        assert created.status_code == 201, created.text
        room_id = created.json()["conversationId"]
        joined = await http_b.post(f"/api/rooms/{room_id}/members", headers={"authorization": f"Bearer {bob}"})
        assert joined.status_code == 200, joined.text
        yield room_id, alice, bob


async def test_members_on_two_processes_see_each_others_messages_once_and_in_order(
    pair: tuple[ServeProcess, ServeProcess], room: tuple[str, str, str]
) -> None:
    a, b = pair
    room_id, alice_token, bob_token = room
    alice = await Client.open(a.ws_url(alice_token))
    bob = await Client.open(b.ws_url(bob_token))

    async def burst(client: Client, who: str) -> None:
        for n in range(20):
            await client.send(
                {"action": "sendmessage", "conversationId": room_id, "message": f"{who}-{n}", "clientMessageId": f"{who}-{n}"}
            )

    await asyncio.gather(burst(alice, "alice"), burst(bob, "bob"))

    async def collect(client: Client) -> list[str]:
        seen: list[str] = []
        while len(seen) < 40:
            frame = await client.until_type("USER_MESSAGE", timeout=10)
            seen.append(frame["message"]["content"])
        return seen

    alice_seen, bob_seen = await asyncio.gather(collect(alice), collect(bob))
    assert alice_seen == bob_seen  # one order for everyone
    assert sorted(alice_seen) == sorted({f"{w}-{n}" for w in ("alice", "bob") for n in range(20)})  # each once
    for who in ("alice", "bob"):
        assert [c for c in alice_seen if c.startswith(who)] == [f"{who}-{n}" for n in range(20)]
    # Nothing extra arrives afterwards (no second delivery through the other process).
    await alice.send({"action": "ping"})
    await alice.until_type("PONG")
    assert sum(1 for f in alice.frames if f["type"] == "USER_MESSAGE") == 40
    # Both processes persisted into the one store: history from either has all 40.
    await bob.send({"action": "history", "conversationId": room_id, "limit": 100})
    page = await bob.until_type("HISTORY")
    assert len(page["messages"]) == 40
    # Carol is connected to process B, then joins the room through process A: her socket on B gets the room at once.
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as http_a:
        carol_token = await tokens_for(http_a, "carol")
        carol = await Client.open(b.ws_url(carol_token))
        joined = await http_a.post(f"/api/rooms/{room_id}/members", headers={"authorization": f"Bearer {carol_token}"})
        assert joined.status_code == 200, joined.text
    await alice.send({"action": "sendmessage", "conversationId": room_id, "message": "welcome carol", "clientMessageId": "w1"})
    greeting = await carol.until_type("USER_MESSAGE", timeout=10)
    assert greeting["message"]["content"] == "welcome carol"
    await carol.close()
    # Graceful shutdown: SIGTERM to one process closes its sockets with 1001; the other keeps serving.
    a.process.send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await alice.next(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert a.process.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a clean shutdown
    await bob.send({"action": "ping"})
    await bob.until_type("PONG")
    await bob.close()


async def test_rate_budget_is_shared_by_every_process(prefix: str) -> None:
    clients: list[Any] = [aioredis.from_url(REDIS_URL) for _ in range(2)]
    now = [1000.0]
    buckets = [RedisTokenBucket(c, 6, prefix=prefix, clock=lambda: now[0]) for c in clients]
    results = [await buckets[i % 2].allow("user-1") for i in range(8)]
    assert results == [True] * 6 + [False] * 2
    assert await buckets[0].allow("user-2")  # another user's budget is separate
    now[0] += 10.0  # 6 per minute refills one token per 10 s
    assert await buckets[1].allow("user-1")
    assert not await buckets[0].allow("user-1")
    for client in clients:
        await client.aclose()
