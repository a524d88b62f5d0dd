"""The lean receive queue and writable flag behave as the asyncio.Queue and asyncio.Event uvicorn's protocol used."""

from __future__ import annotations

import asyncio
import sys

import pytest

from runtime.web.socket_state import ReceiveQueue, WritableFlag


def test_queue_is_first_in_first_out_and_a_waiting_reader_gets_the_next_item() -> None:
    async def run() -> None:
        queue: ReceiveQueue[str] = ReceiveQueue()
        assert queue.empty() and queue.qsize() == 0
        queue.put_nowait("a")
        queue.put_nowait("b")
        assert queue.qsize() == 2 and not queue.empty()
        assert await queue.get() == "a"
        assert queue.get_nowait() == "b"
        with pytest.raises(asyncio.QueueEmpty):
            queue.get_nowait()
        reader = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        assert not reader.done()
        queue.put_nowait("c")
        assert await asyncio.wait_for(reader, 1) == "c"
        assert queue.empty()

    asyncio.run(run())


def test_a_cancelled_or_timed_out_reader_loses_no_item() -> None:
    async def run() -> None:
        queue: ReceiveQueue[str] = ReceiveQueue()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await queue.get()
        assert queue._waiters == []  # the timed-out reader's future left the list
        reader = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        queue.put_nowait("kept")
        reader.cancel()  # woken and cancelled in the same turn: the item stays
        with pytest.raises(asyncio.CancelledError):
            await reader
        assert await asyncio.wait_for(queue.get(), 1) == "kept"

    asyncio.run(run())


def test_two_readers_each_get_one_item() -> None:
    async def run() -> None:
        queue: ReceiveQueue[int] = ReceiveQueue()
        readers = [asyncio.create_task(queue.get()) for _ in range(2)]
        await asyncio.sleep(0)
        queue.put_nowait(1)
        await asyncio.sleep(0)
        queue.put_nowait(2)
        assert sorted(await asyncio.wait_for(asyncio.gather(*readers), 1)) == [1, 2]

    asyncio.run(run())


def test_flag_starts_set_and_wait_does_not_suspend_while_set() -> None:
    async def run() -> None:
        flag = WritableFlag()
        assert flag.is_set()
        waiting = flag.wait()
        with pytest.raises(StopIteration):  # finished inline: the fan-out writes a frame without a task
            waiting.send(None)

    asyncio.run(run())


def test_flag_wait_blocks_while_cleared_until_set_and_cancellation_is_clean() -> None:
    async def run() -> None:
        flag = WritableFlag()
        flag.clear()
        assert not flag.is_set()
        waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
        await asyncio.sleep(0)
        assert not any(w.done() for w in waiters)
        waiters[0].cancel()
        await asyncio.sleep(0)
        flag.set()
        assert await asyncio.wait_for(asyncio.gather(*waiters[1:]), 1) == [True, True]
        assert waiters[0].cancelled()

    asyncio.run(run())


def test_idle_state_is_far_smaller_than_asyncio_queue_and_event() -> None:
    # Why these classes exist: an idle socket's queue and flag hold no deque (a deque allocates 64 slots at once).
    queue, flag = ReceiveQueue[str](), WritableFlag()
    lean = sys.getsizeof(queue) + sys.getsizeof(queue._items) + sys.getsizeof(flag)
    stock_queue: asyncio.Queue[str] = asyncio.Queue()
    stock = sys.getsizeof(stock_queue._queue) + sys.getsizeof(asyncio.Event()._waiters)  # type: ignore[attr-defined]
    assert lean * 4 < stock
