"""Rate limits on ``/auth/*``: per client address and per username, on the messages' token buckets.

Each key has its own bucket of ``auth_rate_per_minute`` requests, refilled continuously; with Redis the
buckets are shared by every process. A refused request gets HTTP 429 ``TooManyRequests`` and a
``Retry-After`` header (whole seconds until the bucket has a token again).
"""

from __future__ import annotations

import math
from typing import Any

from litestar import Request

from runtime.chat.rate_limit import WaitingRateLimiter
from runtime.store.base import username_key
from runtime.web.rest_bodies import ApiError


class AuthLimits:
    """Checks one ``/auth/*`` request against its client address's bucket, then its username's."""

    def __init__(self, bucket: WaitingRateLimiter) -> None:
        self._bucket = bucket

    async def check_address(self, request: Request[Any, Any, Any]) -> None:
        """Before the body is read: a flood from one address costs no parsing and no password hashing."""
        client = request.client
        await self._take("addr:" + (client.host if client is not None else "unknown"), "this address")

    async def check_username(self, username: str | None) -> None:
        """Guesses at one account from many addresses share its bucket."""
        if username:
            await self._take("user:" + username_key(username), "this username")

    async def _take(self, key: str, what: str) -> None:
        wait = await self._bucket.wait_for(key)
        if wait > 0.0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429,
                "TooManyRequests",
                f"too many sign-in requests for {what}; try again in {seconds} seconds",
                headers={"retry-after": str(seconds)},
            )
