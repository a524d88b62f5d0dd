"""A clock the store tests move by hand, so expiry needs no sleeping."""

from __future__ import annotations


class FakeClock:
    """Time the test moves by hand, so expiry needs no sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
