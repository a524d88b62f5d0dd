"""RedisOutage and FallbackRateLimiter: fall back at once, stop waiting on Redis for a while, recover, log twice."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.redis_outage import FallbackRateLimiter, RedisOutage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyBucket:
    """A RedisTokenBucket stand-in: allows everything while up, raises Redis's ConnectionError while down."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    async def wait_for(self, key: str) -> float:
        self.calls += 1
        if not self.up:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")
        return 0.0


def limiter(clock: Clock, rate: int = 3) -> tuple[FallbackRateLimiter, FlakyBucket, RedisOutage]:
    shared = FlakyBucket()
    outage = RedisOutage(retry_after=2.0, clock=clock)
    return FallbackRateLimiter(shared, LocalTokenBucket(rate, clock=clock), outage), shared, outage  # type: ignore[arg-type]


async def test_while_redis_is_down_the_local_bucket_limits_and_redis_is_retried_every_few_seconds(caplog: Any) -> None:
    caplog.set_level("WARNING", logger="chat_lex.redis")
    clock = Clock()
    rate_limiter, shared, outage = limiter(clock)
    assert await rate_limiter.allow("u")
    shared.up = False
    results = [await rate_limiter.allow("u") for _ in range(5)]
    assert results == [True, True, True, False, False]  # the local bucket's three, then refused: not an error
    assert outage.down and shared.calls == 2  # one failed try, then Redis is left alone for retry_after
    clock.now += 2.0
    await rate_limiter.allow("u")
    assert shared.calls == 3  # tried again, still down
    shared.up = True
    clock.now += 2.0
    assert await rate_limiter.allow("u")
    assert not outage.down and shared.calls == 4
    assert [r.getMessage() for r in caplog.records] == [
        "redis unavailable; this process falls back to local delivery and rate limits",
        "redis is back; events and rate limits are shared again",
    ]


@pytest.mark.parametrize("error", [OSError("unreachable"), TimeoutError()])
async def test_socket_errors_and_timeouts_count_as_redis_down(error: Exception) -> None:
    clock = Clock()
    rate_limiter, shared, outage = limiter(clock)

    async def fail(key: str) -> float:
        raise error

    shared.wait_for = fail  # type: ignore[method-assign]
    assert await rate_limiter.allow("u")
    assert outage.down


async def test_the_auth_limiter_falls_back_too_and_says_how_long_to_wait() -> None:
    # /auth/* refusals carry Retry-After, so the fallback answers wait_for as the Redis bucket does.
    clock = Clock()
    auth_limiter, shared, outage = limiter(clock, rate=2)
    shared.up = False
    waits = [await auth_limiter.wait_for("203.0.113.9") for _ in range(3)]
    assert waits[:2] == [0.0, 0.0] and waits[2] == pytest.approx(30.0)  # 2 a minute: the next token in 30 s
    assert outage.down
