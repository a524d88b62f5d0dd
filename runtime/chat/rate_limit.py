"""Per-user token buckets: in process, or shared by every process through Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

Clock = Callable[[], float]


class RateLimiter(Protocol):
    async def allow(self, user_id: str) -> bool: ...


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
        now = self._clock()
        tokens, last = self._buckets.get(user_id, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._per_second)
        if tokens < 1.0:
            self._buckets[user_id] = (tokens, now)
            return False
        self._buckets[user_id] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:  # forget full buckets so memory stays bounded
            self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self._capacity - 1}
        return True


# KEYS[1] bucket key; ARGV: capacity, tokens per second, now (seconds). Atomic in Redis.
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return allowed
"""


class RedisTokenBucket:
    """The same bucket kept in Redis, so a user's budget is shared by every runtime process."""

    def __init__(self, client: aioredis.Redis, rate_per_minute: int, *, prefix: str = "chat-lex:", clock: Clock = time.time) -> None:
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        self._redis = client
        self._capacity = rate_per_minute
        self._per_second = rate_per_minute / 60.0
        self._prefix = f"{prefix}rate:"
        self._clock = clock
        self._script = client.register_script(_BUCKET_SCRIPT)

    async def allow(self, user_id: str) -> bool:
        result = await self._script(keys=[self._prefix + user_id], args=[self._capacity, self._per_second, self._clock()])
        return bool(int(result))
