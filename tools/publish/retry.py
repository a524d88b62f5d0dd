"""Retrying AWS calls that fail for a moment: throttling and concurrent-modification errors.

Exponential backoff with full jitter (the AWS Architecture Blog's recommendation); the sleep
and the random source are injectable so tests run instantly and deterministically.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "Throttling",
        "RequestLimitExceeded",
        "ConflictException",
        "PreconditionFailedException",
        "PreconditionFailed",
    }
)


@dataclass
class RetryPolicy:
    """How often and how long to back off; ``sleep`` and ``rand`` are injectable."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    on_retry: Callable[[str, str, int, float], None] | None = None  # (operation, code, attempt, delay)

    def delay(self, attempt: int) -> float:
        """Full jitter: a random delay in [0, min(max_delay, base * 2**attempt)]."""
        return self.rand() * min(self.max_delay, self.base_delay * float(1 << min(attempt, 30)))

    def call(self, operation: str, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """Call ``fn(**kwargs)``, retrying retryable AWS errors; the last error propagates."""
        attempt = 0
        while True:
            try:
                return fn(**kwargs)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                attempt += 1
                if code not in RETRYABLE_CODES or attempt >= self.max_attempts:
                    raise
                pause = self.delay(attempt)
                if self.on_retry is not None:
                    self.on_retry(operation, code, attempt, pause)
                self.sleep(pause)


class RetryingClient:
    """Wraps a boto3 client (or a double) so every method call goes through a RetryPolicy."""

    def __init__(self, client: Any, policy: RetryPolicy) -> None:
        self._client = client
        self._policy = policy

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target) or name.startswith("_") or name in ("get_paginator", "get_waiter", "can_paginate"):
            return target

        def call(**kwargs: Any) -> Any:
            return self._policy.call(name, target, **kwargs)

        return call
