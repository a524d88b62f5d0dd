"""Per-conversation turns: publish in store order without holding a lock through the store write.

Delivery order within a conversation must be store order, so that a client resuming after the last message it
saw misses nothing. A lock held from the append to the publication gives that, but it lets only one message
per conversation into the store at a time: in a busy room every message waits for the previous one's commit
(an fsync, or a DynamoDB round trip), and messages of one room can never share a group commit.

Instead, a message takes a turn just before its append starts; ``ChatStore`` gives ids in the order appends
were started on one process. After the append, the message waits until every earlier turn of its conversation
has finished, then it is acknowledged and published, then it finishes its turn. Appends of one conversation
overlap in the store; their publications still come out in id order.
"""

from __future__ import annotations

import asyncio


class PublicationTurn:
    """One message's place in its conversation's publication order."""

    __slots__ = ("_conversation_id", "_done", "_previous", "_turns")

    def __init__(self, turns: Turns, conversation_id: str, previous: asyncio.Future[None] | None, done: asyncio.Future[None]) -> None:
        self._turns = turns
        self._conversation_id = conversation_id
        self._previous = previous
        self._done = done

    async def wait(self) -> None:
        """Return once every earlier turn of this conversation has finished."""
        previous = self._previous
        if previous is not None and not previous.done():
            # asyncio.wait, not await: if this task is cancelled, the earlier turn must not be cancelled with it.
            await asyncio.wait((previous,))

    def finish(self) -> None:
        """End this turn; the next one may publish once every earlier turn has finished too.

        Safe to call more than once, and from a turn that never waited (its append failed, or it was
        cancelled): a turn that ends early still passes the baton only after its predecessors.
        """
        previous = self._previous
        if previous is not None and not previous.done():
            previous.add_done_callback(lambda _: self._release())
        else:
            self._release()

    def _release(self) -> None:
        if not self._done.done():
            self._done.set_result(None)
        self._turns._forget(self._conversation_id, self._done)


class Turns:
    """Hands out turns per conversation; keeps state only for conversations with turns in progress."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    def take(self, conversation_id: str) -> PublicationTurn:
        """The next turn of `conversation_id`. Take it right before starting the append, with no await between."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        previous = self._tails.get(conversation_id)
        self._tails[conversation_id] = done
        return PublicationTurn(self, conversation_id, previous, done)

    @property
    def active(self) -> int:
        """Conversations with a turn not yet finished."""
        return len(self._tails)

    def _forget(self, conversation_id: str, done: asyncio.Future[None]) -> None:
        if self._tails.get(conversation_id) is done:  # the last turn taken has finished: nothing is left to order
            del self._tails[conversation_id]
