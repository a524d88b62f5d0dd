"""iso_utc_ms formats exactly as datetime.isoformat(timespec="milliseconds") does, rounding included."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from runtime.chat.protocol import iso_utc_ms


def _reference(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_iso_utc_ms_matches_datetime_at_the_edges_and_at_random() -> None:
    rng = random.Random(7)
    values = [0.0, 1.0, 0.9999995, 0.9999994999, 1.0000005, 1764282245.9999996, 1764282245.0004995, -0.5, -1.0000004, 253402300799.999]
    values += [rng.uniform(0, 4e9) for _ in range(20_000)]
    values += [rng.randrange(2 * 10**9) + rng.randrange(10**6) / 1e6 + rng.choice([0.0, 5e-7, -5e-7]) for _ in range(20_000)]
    assert [iso_utc_ms(v) for v in values] == [_reference(v) for v in values]


def test_iso_utc_ms_shape() -> None:
    assert iso_utc_ms(1767323045.678) == "2026-01-02T03:04:05.678Z"
