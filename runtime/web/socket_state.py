"""Lean per-socket state for the WebSocket protocol: a receive queue and a writable flag that cost nothing while idle.

uvicorn gives every connection an `asyncio.Queue` (three deques and an `asyncio.Event`, itself a deque: about
3.3 KB) and an `asyncio.Event` for flow control (a deque: about 0.9 KB). A deque allocates a 64-slot block at
once. An idle socket never has more than a waiting reader, so these hold a list that is made only when needed.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


def _wake(waiters: list[asyncio.Future[None]] | None) -> None:
    for waiter in waiters or ():
        if not waiter.done():
            waiter.set_result(None)


async def _wait(waiters: list[asyncio.Future[None]]) -> None:
    """Wait on a new future in `waiters`; on cancellation (or any exit) it leaves the list."""
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await waiter
    finally:
        if waiter in waiters:
            waiters.remove(waiter)


class ReceiveQueue(Generic[T]):
    """What uvicorn's WebSocket protocol uses of `asyncio.Queue` (unbounded): put_nowait, get, qsize, empty.

    The queue is bounded by the protocol itself (it pauses reading), so a list is enough; a `put_nowait` wakes
    every waiting reader and each takes an item or waits again, so a reader that is cancelled loses nothing.
    """

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._waiters: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        self._items.append(item)
        waiters, self._waiters = self._waiters, None
        _wake(waiters)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)

    async def get(self) -> T:
        while not self._items:
            if self._waiters is None:
                self._waiters = []
            await _wait(self._waiters)
        return self._items.pop(0)


class WritableFlag:
    """What uvicorn's WebSocket protocol uses of `asyncio.Event` for flow control: set, clear, is_set, wait.

    Starts set. `wait` returns at once, without suspending, while it is set: the fan-out relies on a send that
    finishes inline (runtime.chat.fanout.LocalConnection._write_now).
    """

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        _wake(waiters)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        while not self._set:
            if self._waiters is None:
                self._waiters = []
            await _wait(self._waiters)
        return True
