"""LogSampler: the first lines, then one per interval carrying the suppressed count."""

from __future__ import annotations

import pytest

from runtime.chat.log_sampling import LogSampler


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_first_lines_pass_then_one_per_interval_with_what_was_suppressed() -> None:
    clock = Clock()
    sampler = LogSampler(burst=3, interval=10.0, clock=clock)
    assert [sampler.admit() for _ in range(3)] == [0, 0, 0]
    assert [sampler.admit() for _ in range(297)] == [None] * 297
    clock.now += 10.0
    assert sampler.admit() == 297
    assert sampler.admit() is None
    clock.now += 9.9
    assert sampler.admit() is None
    clock.now += 0.1
    assert sampler.admit() == 2


def test_a_quiet_peer_is_never_sampled_away() -> None:
    clock = Clock()
    sampler = LogSampler(burst=2, interval=10.0, clock=clock)
    for _ in range(50):
        clock.now += 10.0
        assert sampler.admit() == 0


@pytest.mark.parametrize(("burst", "interval"), [(0, 1.0), (1, 0.0), (1, -5.0)])
def test_nonsense_settings_are_refused(burst: int, interval: float) -> None:
    with pytest.raises(ValueError):
        LogSampler(burst=burst, interval=interval)
