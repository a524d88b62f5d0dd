"""Clocks the engine reads time from: the real one, and a manual one for tests."""

from __future__ import annotations

import threading
import time


class ManualClock:
    """A clock that only moves when told: ``clock()`` gives epoch seconds.

    Session TTLs, context TTLs and relative dates all read the injected clock, so a
    test that advances this one sees expiry without sleeping.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (never backwards); returns the new time."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward; got advance({seconds})")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, epoch: float) -> None:
        """Jump to ``epoch`` seconds."""
        with self._lock:
            self._now = float(epoch)
