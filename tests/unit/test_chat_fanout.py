"""Fan-out: one encoded text for every recipient, bounded backlogs, slow consumers closed with 1008."""

from __future__ import annotations

import asyncio
from typing import Any

from runtime.chat.channels import MemoryChannel, pack, unpack
from runtime.chat.fanout import MEMBERSHIP_CHANNEL, Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import Envelope
from runtime.chat.subscriber import CLOSE_SLOW_CONSUMER
from runtime.web.socket_writer import SocketWriter


class Sink:
    def __init__(self, block: asyncio.Event | None = None) -> None:
        self.texts: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.block = block

    async def send(self, text: str) -> None:
        if self.block is not None:
            await self.block.wait()
        self.texts.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def connect(fanout: Fanout, name: str, sink: Sink, conversation: str, backlog: int = 8) -> SocketWriter:
    connection = SocketWriter(name, name, name, sink.send, sink.close, max_backlog=backlog)
    fanout.register(connection)
    fanout.subscribe(connection, conversation)
    return connection


async def flush() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_same_text_object_goes_to_every_subscriber_and_no_one_else() -> None:
    metrics = ChatMetrics()
    fanout = Fanout(MemoryChannel(), metrics)
    await fanout.start()
    sinks = [Sink() for _ in range(5)]
    for i, sink in enumerate(sinks):
        connect(fanout, f"u{i}", sink, "room" if i < 4 else "elsewhere")
    text = '{"type":"USER_MESSAGE"}'
    await fanout.publish(Envelope("room", text, "m1"))
    await flush()
    for sink in sinks[:4]:
        assert sink.texts == [text]
        assert sink.texts[0] is text  # encoded once, shared
    assert sinks[4].texts == []
    assert metrics.deliveries.value == 4
    tasks_before = len(asyncio.all_tasks())
    await fanout.publish(Envelope("room", "second", "m2"))
    assert len(asyncio.all_tasks()) == tasks_before  # no task per recipient
    await fanout.close()


async def test_a_slow_consumer_is_closed_with_1008_and_others_keep_receiving() -> None:
    metrics = ChatMetrics()
    fanout = Fanout(MemoryChannel(), metrics)
    await fanout.start()
    stuck = Sink(block=asyncio.Event())
    fast = Sink()
    slow_connection = connect(fanout, "slow", stuck, "room", backlog=3)
    connect(fanout, "fast", fast, "room", backlog=100)
    for i in range(10):
        await fanout.publish(Envelope("room", f"e{i}", None))
    await flush()
    assert stuck.closed is not None and stuck.closed[0] == CLOSE_SLOW_CONSUMER
    assert slow_connection.closed
    assert fast.texts == [f"e{i}" for i in range(10)]
    assert metrics.dropped.value == 1  # counted when it overflowed, not again for each later event
    await fanout.unregister(slow_connection)
    assert fanout.connection_count == 1


async def test_unsubscribe_and_unregister_stop_delivery() -> None:
    fanout = Fanout(MemoryChannel(), ChatMetrics())
    await fanout.start()
    sink = Sink()
    connection = connect(fanout, "a", sink, "room")
    fanout.unsubscribe(connection, "room")
    await fanout.publish(Envelope("room", "x", None))
    await flush()
    assert sink.texts == []
    fanout.subscribe(connection, "room")
    await fanout.unregister(connection)
    await fanout.publish(Envelope("room", "y", None))
    await flush()
    assert sink.texts == []


async def test_close_drains_backlog_then_closes_with_1001() -> None:
    fanout = Fanout(MemoryChannel(), ChatMetrics())
    await fanout.start()
    sink = Sink()
    connect(fanout, "a", sink, "room")
    await fanout.publish(Envelope("room", "last words", None))
    await fanout.close()
    assert sink.texts == ["last words"]
    assert sink.closed is not None and sink.closed[0] == 1001


def test_redis_wire_form_round_trips_newlines_in_the_text() -> None:
    envelope = Envelope("room-1", '{"content":"a\\nb"}\n', "0190-id")
    assert unpack(pack(envelope)) == envelope
    bare = Envelope("room-1", "x", None)
    assert unpack(pack(bare)) == bare


def test_held_events_are_released_minus_replayed(tmp_path: Any) -> None:
    async def run() -> list[str]:
        sink = Sink()
        connection = SocketWriter("a", "a", "a", sink.send, sink.close)
        connection.hold("room")
        connection.deliver(Envelope("room", "m1", "m1"))
        connection.deliver(Envelope("room", "m2", "m2"))
        connection.deliver(Envelope("other", "o1", "o1"))
        connection.release("room", {"m1"})
        await flush()
        await connection.stop()
        return sink.texts

    assert asyncio.run(run()) == ["o1", "m2"]


async def test_a_send_that_suspends_finishes_and_frames_queued_meanwhile_follow_in_order() -> None:
    gate = asyncio.Event()
    sink = Sink(block=gate)
    connection = SocketWriter("a", "a", "a", sink.send, sink.close, max_backlog=10)
    assert connection.offer("one")  # suspends inside send: handed to the connection's writer task
    assert connection.offer("two") and connection.offer("three")
    assert connection.backlog == 2
    await flush()
    assert sink.texts == []
    gate.set()
    await flush()
    assert sink.texts == ["one", "two", "three"]
    assert connection.backlog == 0
    sink.block = None
    assert connection.offer("four")  # idle again: written inline
    assert sink.texts[-1] == "four"


async def test_a_send_that_fails_marks_the_connection_closed() -> None:
    async def broken(text: str) -> None:
        raise ConnectionResetError("peer gone")

    async def close(code: int, reason: str) -> None:
        return None

    connection = SocketWriter("a", "a", "a", broken, close)
    connection.offer("x")
    assert connection.closed
    assert not connection.offer("y")


async def test_membership_changes_published_by_another_process_subscribe_local_sockets() -> None:
    fanout = Fanout(MemoryChannel(), ChatMetrics())
    await fanout.start()
    sink = Sink()
    connection = SocketWriter("a", "carol", "Carol", sink.send, sink.close)
    fanout.register(connection)
    # What another process publishes when Carol joins there (see Fanout.change_membership).
    fanout.deliver_local(Envelope(MEMBERSHIP_CHANNEL, '{"userId": "carol", "conversationId": "room", "member": true}'))
    await fanout.publish(Envelope("room", "hello", "m1"))
    fanout.deliver_local(Envelope(MEMBERSHIP_CHANNEL, '{"userId": "carol", "conversationId": "room", "member": false}'))
    await fanout.publish(Envelope("room", "after leaving", "m2"))
    await flush()
    assert sink.texts == ["hello"]
    await fanout.change_membership("carol", "other", member=True)
    assert "other" in connection.subscriptions


class BrokenChannel(MemoryChannel):
    in_process = False  # as Redis: the fan-out goes through publish

    async def publish(self, envelope: Envelope) -> None:
        raise ConnectionError("redis is down")


async def test_when_the_channel_fails_local_sockets_still_get_the_event() -> None:
    fanout = Fanout(BrokenChannel(), ChatMetrics())
    await fanout.start()
    sink = Sink()
    connect(fanout, "a", sink, "room")
    await fanout.publish(Envelope("room", "stored and delivered here", "m1"))
    await flush()
    assert sink.texts == ["stored and delivered here"]


async def test_a_slow_consumer_is_counted_and_logged_once_however_many_events_follow(caplog: Any) -> None:
    caplog.set_level("WARNING", logger="chat_lex.fanout")
    metrics = ChatMetrics()
    fanout = Fanout(MemoryChannel(), metrics)
    await fanout.start()
    connect(fanout, "slow", Sink(block=asyncio.Event()), "room", backlog=3)
    for i in range(500):
        await fanout.publish(Envelope("room", f"e{i}", None))
    await flush()
    assert metrics.dropped.value == 1
    assert metrics.deliveries.value == 4  # the first write (suspended) and the three queued; nothing after the close
    lines = [r for r in caplog.records if r.name == "chat_lex.fanout"]
    assert [r.getMessage() for r in lines] == ["slow consumer closed"]
    assert lines[0].connection_id == "slow" and lines[0].count == 3


async def test_with_the_channel_down_membership_changes_apply_here_and_failures_are_logged_sampled(caplog: Any) -> None:
    caplog.set_level("WARNING", logger="chat_lex.fanout")
    metrics = ChatMetrics()
    fanout = Fanout(BrokenChannel(), metrics)
    await fanout.start()
    sink = Sink()
    connection = connect(fanout, "a", sink, "private")
    await fanout.change_membership("a", "room", member=True)  # does not raise
    assert "room" in connection.subscriptions
    for i in range(100):
        await fanout.publish(Envelope("room", f"e{i}", None))
    await flush()
    assert len(sink.texts) == 100
    assert metrics.channel_failures.value == 101
    assert len([r for r in caplog.records if r.name == "chat_lex.fanout"]) == 1  # then one a minute, with the count


async def test_an_idle_connection_holds_no_backlog_and_one_that_waited_lets_it_go_once_drained() -> None:
    block = asyncio.Event()
    sink = Sink(block)
    connection = SocketWriter("a", "a", "a", sink.send, sink.close, max_backlog=4)
    assert connection._backlog is None and connection.backlog == 0  # no deque while idle
    for n in range(3):
        assert connection.offer(f"f{n}")  # f0 suspends in the send; f1, f2 wait in the backlog
    assert connection.backlog == 2
    block.set()
    await flush()
    assert sink.texts == ["f0", "f1", "f2"]
    assert connection._backlog is None and connection.backlog == 0  # drained: the deque is gone again
    block.clear()
    for n in range(3, 9):  # a second stall: the backlog comes back, bounded as before
        connection.offer(f"f{n}")
    assert connection.closed and sink.texts == ["f0", "f1", "f2"]
    block.set()
    await flush()
    assert sink.closed is not None and sink.closed[0] == CLOSE_SLOW_CONSUMER
    with_slots = SocketWriter("b", "b", "b", sink.send, sink.close)
    assert not hasattr(with_slots, "__dict__")
