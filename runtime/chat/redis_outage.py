"""What the runtime does while Redis is down: notice it once, stop waiting on it, fall back to this process.

Redis carries two things between processes: the event channel and the rate-limit buckets. Without it a process
still stores messages and delivers them to its own sockets (other processes' clients get them when they resume),
and limits each user with an in-process bucket. `RedisOutage` is the shared view of Redis's health: after a
failure, callers skip Redis for `retry_after` seconds instead of each waiting on it (a black-holed Redis costs
the connect timeout per call); the first call after that tries it again. It logs the start and the end of an
outage, once each.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from redis.exceptions import RedisError

from runtime.chat.rate_limit import LocalTokenBucket, RedisTokenBucket

log = logging.getLogger("chat_lex.redis")

Clock = Callable[[], float]
# What a call to an unreachable or failing Redis raises.
REDIS_FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError)


class RedisUnavailable(Exception):
    """Redis is down (or was a moment ago): the caller falls back to this process."""


class RedisOutage:
    """Whether Redis answered lately; shared by the event channel and the rate limiter of one process."""

    def __init__(self, *, retry_after: float = 2.0, clock: Clock = time.monotonic) -> None:
        self._retry_after = retry_after
        self._clock = clock
        self._retry_at = 0.0
        self.down = False
        self.since: float | None = None  # when the outage began (clock time), while down

    def should_try(self) -> bool:
        """True unless Redis failed less than `retry_after` seconds ago."""
        return not self.down or self._clock() >= self._retry_at

    def failed(self, what: str, exc: BaseException) -> None:
        now = self._clock()
        self._retry_at = now + self._retry_after
        if not self.down:
            self.down, self.since = True, now
            log.warning(
                "redis unavailable; this process falls back to local delivery and rate limits", extra={"reason": f"{what}: {exc!r}"[:300]}
            )

    def succeeded(self) -> None:
        if self.down:
            seconds = self._clock() - (self.since or self._clock())
            self.down, self.since = False, None
            log.warning("redis is back; events and rate limits are shared again", extra={"reason": f"down {seconds:.1f} s"})


class FallbackRateLimiter:
    """The Redis bucket shared by every process, or an in-process bucket while Redis is down."""

    def __init__(self, shared: RedisTokenBucket, local: LocalTokenBucket, outage: RedisOutage) -> None:
        self._shared = shared
        self._local = local
        self._outage = outage

    async def allow(self, user_id: str) -> bool:
        return await self.wait_for(user_id) == 0.0

    async def wait_for(self, key: str) -> float:
        if self._outage.should_try():
            try:
                wait = await self._shared.wait_for(key)
            except REDIS_FAILURES as exc:
                self._outage.failed("rate limit", exc)
            else:
                self._outage.succeeded()
                return wait
        return await self._local.wait_for(key)
