"""Per-user token buckets: in process, or shared by every process through Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

from runtime.store.base import RateCounterStore

Clock = Callable[[], float]


class RateLimiter(Protocol):
    async def allow(self, user_id: str) -> bool: ...


class WaitingRateLimiter(RateLimiter, Protocol):
    async def wait_for(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when one was there, else the seconds until one will be (none taken)."""
        ...


class LocalTokenBucket:
    """`rate_per_minute` tokens per user, refilled continuously, burst up to the same number."""

    def __init__(self, rate_per_minute: int, *, clock: Clock = time.monotonic) -> None:
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        self._capacity = float(rate_per_minute)
        self._per_second = rate_per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def allow(self, user_id: str) -> bool:
        return await self.wait_for(user_id) == 0.0

    async def wait_for(self, key: str) -> float:
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self._per_second
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:  # forget full buckets so memory stays bounded
            self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self._capacity - 1}
        return 0.0


# KEYS[1] bucket key; ARGV: capacity, tokens per second, now (seconds). Atomic in Redis.
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
local wait_ms = 0
if tokens >= 1 then tokens = tokens - 1 else wait_ms = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait_ms
"""


class RedisTokenBucket:
    """The same bucket kept in Redis, so a user's budget is shared by every runtime process."""

    def __init__(
        self, client: aioredis.Redis, rate_per_minute: int, *, prefix: str = "chat-lex:", clock: Clock = time.time, name: str = "rate"
    ) -> None:
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        self._redis = client
        self._capacity = rate_per_minute
        self._per_second = rate_per_minute / 60.0
        self._prefix = f"{prefix}{name}:"
        self._clock = clock
        self._script = client.register_script(_BUCKET_SCRIPT)

    async def allow(self, user_id: str) -> bool:
        return await self.wait_for(user_id) == 0.0

    async def wait_for(self, key: str) -> float:
        # The script answers the wait in milliseconds (0: a token was taken), atomically for every process.
        result = await self._script(keys=[self._prefix + key], args=[self._capacity, self._per_second, self._clock()])
        return int(result) / 1000.0


class CounterRateLimiter:
    """`per_minute` frames a minute per key, counted in the store's fixed one-minute windows (RateCounterStore).

    For processes that share no memory and no Redis, such as concurrent Lambda invocations: every count is one atomic
    increment in the store. A fixed window lets a burst of up to twice the rate straddle a window's edge; the token
    buckets above are smoother where they can be used.
    """

    def __init__(self, counters: RateCounterStore, per_minute: int, *, prefix: str = "rate:", clock: Clock = time.time) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._counters = counters
        self._per_minute = per_minute
        self._prefix = prefix
        self._clock = clock

    async def allow(self, user_id: str) -> bool:
        return await self._counters.count(self._prefix + user_id, 60, self._clock()) <= self._per_minute
