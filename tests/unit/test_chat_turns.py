"""Per-conversation turns: publications come out in the order turns were taken, whatever order appends finish in."""

from __future__ import annotations

import asyncio

from runtime.chat.turns import Turns


async def test_publications_follow_the_order_turns_were_taken() -> None:
    turns = Turns()
    published: list[int] = []

    async def message(n: int, store_delay: float) -> None:
        turn = turns.take("room")
        try:
            await asyncio.sleep(store_delay)  # the append: later turns may finish it first
            await turn.wait()
            published.append(n)
        finally:
            turn.finish()

    await asyncio.gather(*(message(n, delay) for n, delay in enumerate([0.03, 0.0, 0.02, 0.0, 0.01])))
    assert published == [0, 1, 2, 3, 4]
    assert turns.active == 0


async def test_conversations_do_not_wait_for_each_other() -> None:
    turns = Turns()
    first = turns.take("a")
    other = turns.take("b")
    await asyncio.wait_for(other.wait(), 0.5)  # "a" is still in progress; "b" does not care
    other.finish()
    first.finish()
    assert turns.active == 0


async def test_a_turn_that_ends_early_passes_on_only_after_its_predecessors() -> None:
    turns = Turns()
    first = turns.take("room")
    failed = turns.take("room")  # its append failed: it finishes without waiting
    third = turns.take("room")
    failed.finish()
    waiting = asyncio.ensure_future(third.wait())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # the first turn has not finished yet
    first.finish()
    await asyncio.wait_for(waiting, 0.5)
    third.finish()
    assert turns.active == 0


async def test_a_cancelled_waiter_neither_cancels_its_predecessor_nor_lets_its_successor_jump_ahead() -> None:
    turns = Turns()
    first = turns.take("room")
    second = turns.take("room")
    third = turns.take("room")

    async def publish_second() -> None:
        try:
            await second.wait()
        finally:
            second.finish()

    task = asyncio.ensure_future(publish_second())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    waiting = asyncio.ensure_future(third.wait())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    first.finish()  # still usable: the cancellation did not reach the first turn
    await asyncio.wait_for(waiting, 0.5)
    third.finish()
    assert turns.active == 0


async def test_finishing_twice_is_harmless_and_state_is_dropped() -> None:
    turns = Turns()
    turn = turns.take("room")
    await turn.wait()
    turn.finish()
    turn.finish()
    assert turns.active == 0
    again = turns.take("room")
    await asyncio.wait_for(again.wait(), 0.5)  # a fresh turn after everything finished does not wait
    again.finish()
