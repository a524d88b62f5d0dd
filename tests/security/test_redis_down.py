"""Redis down: frames keep working on each process (store, local delivery, in-process rate limits), /ready says
`ready: false`, and everything is shared again once Redis is back.

Before: the Redis rate limiter failed first, so every frame but ping got ERROR INTERNAL.
Each test runs its own redis-server on a free port, to stop and restart it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from runtime.lex.endpoints import free_port
from runtime.web.backends import open_channels
from runtime.web.settings import Settings
from tests.integration.test_web_harness import Client, RunningServer, fake_backends


class RedisServer:
    """redis-server on a free loopback port, without persistence; can be stopped and started again on that port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed; `make redis` installs it")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*args, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def serve(tmp_path: Path, redis_url: str, prefix: str) -> RunningServer:
    settings = Settings(static_dir=tmp_path / "static", channels=redis_url, channel_prefix=prefix, rate_per_minute=1000)
    channel, limiter, _auth_limiter = open_channels(settings)
    backends = replace(fake_backends(tmp_path, None), channel=channel, rate_limiter=limiter)
    return RunningServer(settings, backends).start()


@pytest.fixture
def prefix() -> str:
    return f"chat-lex-test-{uuid.uuid4().hex[:12]}:"


async def ready(server: RunningServer) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        answer = await http.get("/ready")
    body: dict[str, Any] = answer.json()
    assert (answer.status_code == 200) is body["ready"]
    return body


async def until_ready(server: RunningServer, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not (await ready(server))["ready"]:
        assert time.monotonic() < deadline, "the server did not become ready again after Redis came back"
        await asyncio.sleep(0.2)


def message(text: str, cmid: str, conversation: str = "private-alice") -> dict[str, Any]:
    return {"action": "sendmessage", "conversationId": conversation, "message": text, "clientMessageId": cmid}


async def content_of_next_message(client: Client) -> str:
    frame = await client.until_type("USER_MESSAGE")
    content: str = frame["message"]["content"]
    return content


@pytest.fixture
async def two_processes(tmp_path: Path, redis_server: RedisServer, prefix: str) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    redis_server.start()
    a = serve(tmp_path, redis_server.url, prefix)
    b = serve(tmp_path, redis_server.url, prefix)
    yield a, b
    a.stop()
    b.stop()


async def test_with_redis_down_each_process_stores_and_delivers_locally_then_recovers(
    two_processes: tuple[RunningServer, RunningServer], redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    a, b = two_processes
    sender = await Client.open(a.ws_url("t.alice"))
    same_process = await Client.open(a.ws_url("t.alice"))
    other_process = await Client.open(b.ws_url("t.alice"))
    await sender.send(message("before", "c0"))
    first = (await sender.until_type("ACK"))["messageId"]
    assert await content_of_next_message(other_process) == "before"  # through Redis
    assert await content_of_next_message(same_process) == "before"
    assert (await ready(a))["ready"]

    redis_server.stop()
    for i in range(20):
        await sender.send(message(f"down {i}", f"d{i}"))
        ack = await sender.until_type("ACK", timeout=10)  # not ERROR INTERNAL
        assert ack["clientMessageId"] == f"d{i}"
        assert await content_of_next_message(same_process) == f"down {i}"
    await sender.send({"action": "history", "conversationId": "private-alice", "limit": 50})
    history = await sender.until_type("HISTORY")
    assert [m["content"] for m in history["messages"]][-3:] == ["down 17", "down 18", "down 19"]
    body = await ready(a)
    assert body["ready"] is False and body["checks"]["channels"].startswith("failing")

    redis_server.start()
    await until_ready(a)
    await until_ready(b)
    await sender.send(message("after", "c1"))
    await sender.until_type("ACK")
    assert await content_of_next_message(other_process) == "after"  # shared again: B's listener subscribed anew
    # B's client missed what A delivered locally meanwhile: reconnecting and resuming brings it, in order.
    reconnected = await Client.open(b.ws_url("t.alice"))
    await reconnected.send({"action": "resume", "conversationId": "private-alice", "afterMessageId": first})
    replayed = await reconnected.until_type("RESUMED")
    # (the resume window also repeats "before", which this client had)
    assert [m["content"] for m in replayed["messages"]] == ["before", *(f"down {i}" for i in range(20)), "after"]
    await reconnected.close()
    # The shared bucket is in use again.
    assert redis.Redis(port=redis_server.port).exists(f"{a.settings.channel_prefix}rate:alice")
    for client in (sender, same_process, other_process):
        await client.close()

    outage_lines = [r.getMessage() for r in caplog.records if r.name == "chat_lex.redis"]
    publish_lines = [r for r in caplog.records if r.name == "chat_lex.fanout"]
    # Per process: one line when Redis went away and one when it came back; one sampled line of failed publishes.
    assert sorted(outage_lines) == sorted(
        ["redis unavailable; this process falls back to local delivery and rate limits"] * 2
        + ["redis is back; events and rate limits are shared again"] * 2
    )
    assert len(publish_lines) <= 2
    assert a.context.metrics.channel_failures.value >= 20


async def test_a_process_started_while_redis_is_down_serves_locally_and_joins_when_redis_comes_up(
    tmp_path: Path, redis_server: RedisServer, prefix: str
) -> None:
    server = serve(tmp_path, redis_server.url, prefix)  # nothing listens on that port yet
    try:
        alice = await Client.open(server.ws_url("t.alice"))
        await alice.send(message("alone", "c0"))
        await alice.until_type("ACK")
        assert await content_of_next_message(alice) == "alone"
        assert (await ready(server))["ready"] is False

        redis_server.start()
        await until_ready(server)
        await alice.send(message("together", "c1"))
        assert await content_of_next_message(alice) == "together"  # published to Redis and heard back from it
        assert server.context.metrics.channel_failures.value == 1
        await alice.close()
    finally:
        server.stop()
