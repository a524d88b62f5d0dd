"""``/auth/*`` is rate limited per client address and per username: 429 ``TooManyRequests`` with ``Retry-After``.

The buckets are the messages' token buckets: in process, or in Redis (shared by every process) when channels are Redis.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from runtime.chat.rate_limit import LocalTokenBucket, RedisTokenBucket
from runtime.web.auth_limits import AuthLimits
from runtime.web.rest_bodies import ApiError
from runtime.web.settings import Settings
from tests.integration.test_web_harness import RunningServer

RATE = 3  # per minute: one token every 20 s
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


def settings(tmp_path: Path, key_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "bot": "none",
        "store": f"sqlite:{tmp_path / 'chat.db'}",
        "auth_key_dir": str(key_dir),
        "static_dir": tmp_path,
        "auth_rate_per_minute": RATE,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def server(tmp_path: Path, key_dir: Path) -> Iterator[RunningServer]:
    running = RunningServer(settings(tmp_path, key_dir)).start()
    yield running
    running.stop()


def client(url: str, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (any 127.x.y.z reaches a loopback server on Linux)."""
    return httpx.AsyncClient(base_url=url, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=address))


async def login(http: httpx.AsyncClient, username: str) -> httpx.Response:
    return await http.post("/auth/login", json={"username": username, "password": "Wrong-pass1"})


def assert_refused(answer: httpx.Response, what: str) -> int:
    assert answer.status_code == 429, answer.text
    body = answer.json()
    assert body["error"] == "TooManyRequests" and what in body["message"]
    retry_after = int(answer.headers["retry-after"])
    assert 1 <= retry_after <= 60 // RATE
    assert f"{retry_after} seconds" in body["message"]
    return retry_after


async def test_one_address_is_limited_across_usernames_and_routes(server: RunningServer) -> None:
    async with client(server.url) as http:
        answers = [await login(http, f"user{i}") for i in range(RATE)]
        assert [a.status_code for a in answers] == [401] * RATE  # unknown users: counted all the same
        retry_after = assert_refused(await login(http, "someone-else"), "this address")
        assert retry_after >= 60 // RATE - 1  # the bucket is empty: a whole token's wait (20 s), less what passed
        # Every /auth/* route draws on the address's bucket, and so do malformed bodies: a flood costs no parsing.
        assert_refused(await http.post("/auth/signup", json={"username": "x"}), "this address")
        assert_refused(await http.post("/auth/refresh", content=b"{not json"), "this address")
        assert_refused(await http.post("/auth/confirm", content=b"x" * 100_000), "this address")
        assert_refused(await http.post("/auth/logout"), "this address")
    async with client(server.url, "127.0.0.2") as other:  # another address has its own bucket
        assert (await login(other, "user0")).status_code == 401


async def test_one_username_is_limited_across_addresses(server: RunningServer) -> None:
    for i in range(RATE):
        async with client(server.url, f"127.0.1.{i + 1}") as http:
            assert (await login(http, "Victim")).status_code == 401
    async with client(server.url, "127.0.1.200") as http:
        assert_refused(await login(http, "victim"), "this username")  # usernames are case-insensitive: one bucket
        assert (await login(http, "someone-else")).status_code == 401  # the address itself still had tokens


async def test_parallel_requests_get_no_more_than_the_budget(server: RunningServer) -> None:
    async with client(server.url, "127.0.2.1") as http:
        answers = await asyncio.gather(*(login(http, f"p{i}") for i in range(20)))
    assert sorted(a.status_code for a in answers) == [401] * RATE + [429] * (20 - RATE)


async def test_retry_after_is_when_a_token_is_back() -> None:
    now = [1000.0]
    limits = AuthLimits(LocalTokenBucket(RATE, clock=lambda: now[0]))
    for _ in range(RATE):
        await limits.check_username("alice")
    with pytest.raises(ApiError) as refused:
        await limits.check_username("alice")
    assert (refused.value.status, refused.value.code, refused.value.headers) == (429, "TooManyRequests", {"retry-after": "20"})
    now[0] += 19.5
    with pytest.raises(ApiError) as refused:
        await limits.check_username("ALICE")
    assert refused.value.headers == {"retry-after": "1"}  # 0.5 s rounds up: a client never retries too early
    now[0] += 0.5
    await limits.check_username("alice")
    await limits.check_username(None)  # no username (refresh without one): only the address counts
    await limits.check_username("")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"test-secauth-{secrets.token_hex(6)}:"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_redis_buckets_are_shared_by_every_process(tmp_path: Path, key_dir: Path, redis_prefix: str) -> None:
    # Two servers (two processes' worth of app) on one store and one Redis: the budget is one, not one each.
    shared = {"channels": REDIS_URL, "channel_prefix": redis_prefix}
    first = RunningServer(settings(tmp_path, key_dir, **shared)).start()
    second = RunningServer(settings(tmp_path, key_dir, **shared)).start()
    try:
        async with client(first.url, "127.0.3.1") as a, client(second.url, "127.0.3.1") as b:
            statuses = [(await login(http, f"r{i}")).status_code for i, http in enumerate([a, b, a])]
            assert statuses == [401] * RATE
            assert_refused(await login(b, "r9"), "this address")
            assert_refused(await login(a, "r10"), "this address")
    finally:
        first.stop()
        second.stop()
    redis = aioredis.from_url(REDIS_URL)
    try:
        keys = {k.decode() async for k in redis.scan_iter(match=f"{redis_prefix}auth-rate:*")}
        assert f"{redis_prefix}auth-rate:addr:127.0.3.1" in keys
        ttl = await redis.pttl(f"{redis_prefix}auth-rate:addr:127.0.3.1")
        assert 0 < ttl <= (60 // RATE * RATE + 1) * 1000  # buckets expire once full again: Redis does not fill up
    finally:
        await redis.aclose()


async def test_redis_bucket_retry_after_matches_the_local_one(redis_prefix: str) -> None:
    now = [5000.0]
    redis = aioredis.from_url(REDIS_URL)
    try:
        bucket = RedisTokenBucket(redis, RATE, prefix=redis_prefix, clock=lambda: now[0], name="auth-rate")
        local = LocalTokenBucket(RATE, clock=lambda: now[0])
        for _ in range(RATE):
            assert await bucket.wait_for("k") == 0.0 == await local.wait_for("k")
        assert await bucket.wait_for("k") == pytest.approx(await local.wait_for("k"), abs=0.001) == pytest.approx(20.0)
        now[0] += 15
        assert await bucket.wait_for("k") == pytest.approx(5.0, abs=0.001)
        assert await bucket.allow("other")  # the messages' interface still answers
    finally:
        await redis.aclose()


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"auth_rate_per_minute": 0}, "CHAT_LEX_AUTH_RATE_PER_MINUTE"),
        ({"auth_rate_per_minute": 10_000_000}, "CHAT_LEX_AUTH_RATE_PER_MINUTE"),
        ({"revocation_check_seconds": 0.0}, "CHAT_LEX_REVOCATION_CHECK_SECONDS"),
        ({"auth_frame_seconds": 600.0}, "CHAT_LEX_AUTH_FRAME_SECONDS"),
    ],
)
def test_settings_refuse_unusable_limits(changes: dict[str, Any], variable: str) -> None:
    from runtime.web.settings import SettingsError

    with pytest.raises(SettingsError, match=variable):
        Settings(**changes)


def test_settings_come_from_the_environment() -> None:
    env = {"CHAT_LEX_AUTH_RATE_PER_MINUTE": "7", "CHAT_LEX_REVOCATION_CHECK_SECONDS": "0.5", "CHAT_LEX_AUTH_FRAME_SECONDS": "2"}
    loaded = Settings.from_env(env)
    assert (loaded.auth_rate_per_minute, loaded.revocation_check_seconds, loaded.auth_frame_seconds) == (7, 0.5, 2.0)
