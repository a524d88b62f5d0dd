"""Log sampling for lines a hostile or broken peer can trigger at will: the first few, then one per interval."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class LogSampler:
    """Admits the first `burst` lines, then at most one per `interval` seconds; each admitted line learns how
    many were suppressed since the one before, so the logs still say how much happened."""

    def __init__(self, *, burst: int = 5, interval: float = 10.0, clock: Clock = time.monotonic) -> None:
        if burst < 1 or interval <= 0:
            raise ValueError("burst must be at least 1 and interval positive")
        self._burst = burst
        self._interval = interval
        self._clock = clock
        self._seen = 0
        self._suppressed = 0
        self._next_at = 0.0

    def admit(self) -> int | None:
        """None: drop this line. Else log it, with the returned number of lines suppressed before it."""
        self._seen += 1
        now = self._clock()
        if self._seen <= self._burst or now >= self._next_at:
            if self._seen >= self._burst:
                self._next_at = now + self._interval
            suppressed, self._suppressed = self._suppressed, 0
            return suppressed
        self._suppressed += 1
        return None
