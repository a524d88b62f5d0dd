"""UUIDv7 message ids: layout per RFC 9562, monotonic, and ordered as text."""

from __future__ import annotations

import threading
import time
import uuid

from runtime.store.ids import MessageIdGenerator, id_floor, is_message_id, message_id_ms, message_id_time, new_message_id


def test_layout_is_uuid_version_7_rfc_variant() -> None:
    text = new_message_id()
    parsed = uuid.UUID(text)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert str(parsed) == text and is_message_id(text)
    assert abs(message_id_time(text) - time.time()) < 5


def test_ids_increase_strictly_even_within_one_millisecond() -> None:
    ids = [new_message_id() for _ in range(20_000)]  # far more than one per ms
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_after_forces_a_larger_id_even_from_the_future() -> None:
    generator = MessageIdGenerator()
    future = "7fffffff-ffff-7ffe-bfff-ffffffffffff"
    later = generator.new(after=future)
    assert later > future and is_message_id(later)
    assert generator.new() > later  # and the generator remembers


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    generator = MessageIdGenerator()
    edge = "7fffffff-ffff-7fff-bfff-ffffffffffff"
    nxt = generator.new(after=edge)
    assert nxt > edge and message_id_time(nxt) > message_id_time(edge)


def test_threads_share_one_monotonic_sequence() -> None:
    out: list[list[str]] = [[] for _ in range(4)]

    def make(slot: list[str]) -> None:
        slot.extend(new_message_id() for _ in range(2000))

    threads = [threading.Thread(target=make, args=(slot,)) for slot in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for slot in out for i in slot]
    assert len(set(every)) == len(every)
    assert all(slot == sorted(slot) for slot in out)


def test_is_message_id_refuses_other_text() -> None:
    assert not is_message_id(str(uuid.uuid4()))
    assert not is_message_id("' OR 1=1 --")
    assert not is_message_id(new_message_id().upper())
    assert not is_message_id("")


def test_id_floor_sorts_before_every_id_of_its_millisecond_and_after_every_earlier_one() -> None:
    ids = [new_message_id() for _ in range(200)]
    for message_id in ids:
        ms = message_id_ms(message_id)
        assert message_id_time(message_id) == ms / 1000.0
        floor = id_floor(ms)
        assert is_message_id(floor) and message_id_ms(floor) == ms
        assert id_floor(ms - 1) < floor <= message_id < id_floor(ms + 1)
    assert id_floor(-5) == id_floor(0)  # clamped, still a valid id
