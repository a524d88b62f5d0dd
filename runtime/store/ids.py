"""Message ids: UUIDv7 strings (RFC 9562), so that sorting ids as text sorts them by time."""

from __future__ import annotations

import os
import re
import threading
import time

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_COUNTER_MAX = 0xFFF  # rand_a holds a 12-bit counter (RFC 9562 §6.2, method 1)


def _format(ms: int, counter: int, rand_b: int) -> str:
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def is_message_id(text: str) -> bool:
    """True when ``text`` is a lowercase UUIDv7 string as ``new_message_id`` makes them."""
    return len(text) == 36 and _UUID_RE.match(text) is not None


# How long after its id is made a message may still be committed (and published): commit latency, retries and
# the clock skew between processes. A resume re-reads this far back from the client's last id, so a message
# committed or delivered late, by another process, is not skipped (runtime/chat/service.py).
RESUME_WINDOW_SECONDS = 5.0


def message_id_time(message_id: str) -> float:
    """The epoch seconds (ms precision) encoded in a message id."""
    return message_id_ms(message_id) / 1000.0


def message_id_ms(message_id: str) -> int:
    """The epoch milliseconds encoded in a message id."""
    return int(message_id[:8] + message_id[9:13], 16)


def id_floor(epoch_ms: int) -> str:
    """The smallest message id of that millisecond: every id made then or later sorts after it (or is it)."""
    return _format(max(0, epoch_ms), 0, 0)


class MessageIdGenerator:
    """Monotonic UUIDv7 source: within one millisecond a counter in rand_a keeps ids increasing.

    The counter starts at a random value below 2048 so two processes in the same
    millisecond rarely share a prefix, and rand_b (62 random bits) makes collisions
    negligible anyway. When the counter overflows, the timestamp borrows the next ms.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def _now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def new(self, after: str | None = None) -> str:
        """A fresh id, strictly greater than every id made before and than ``after`` when given."""
        with self._lock:
            ms = self._now_ms()
            floor_ms, floor_counter = self._last_ms, self._counter
            if after is not None and is_message_id(after):
                raw = after.replace("-", "")
                after_ms, after_counter = int(raw[:12], 16), int(raw[13:16], 16)
                if (after_ms, after_counter) > (floor_ms, floor_counter):
                    floor_ms, floor_counter = after_ms, after_counter
            if ms > floor_ms:
                counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
            else:
                ms, counter = floor_ms, floor_counter + 1
                if counter > _COUNTER_MAX:
                    ms, counter = ms + 1, 0
            self._last_ms, self._counter = ms, counter
            rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
            return _format(ms, counter, rand_b)


_GENERATOR = MessageIdGenerator()


def new_message_id(after: str | None = None) -> str:
    """A new time-ordered message id (process-wide monotonic); greater than ``after`` when given."""
    return _GENERATOR.new(after)
