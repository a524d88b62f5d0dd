"""Close open sockets whose session was signed out: a periodic check of their token ids against the revocation list.

Why a periodic check and not a pub/sub message: the revocation list already lives in the store every process
shares (SQLite file or DynamoDB), so each process finds revoked sessions by itself, with or without Redis, and
a message lost while a process was reconnecting to Redis cannot leave a socket open. The cost is one batched
store read per process per interval (the distinct ``origin_jti``/``jti`` of its open sockets), not one per
socket, and a sign-out handled by this process checks at once (``check_soon``). On DynamoDB that read is one
eventually consistent item read per distinct open session per interval (10,000 sessions at 2 s: 2,500 RCU/s), so
large deployments should raise ``revocation_check_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from runtime.chat.subscriber import Subscriber
from runtime.store.base import RevocationStore

log = logging.getLogger("chat_lex.sessions")

CLOSE_REVOKED = 4401
REVOKED_REASON = "TokenRevoked: this session signed out; sign in again"


class SessionWatch:
    """The token ids of this process's open sockets, checked every ``interval`` seconds."""

    def __init__(self, store: RevocationStore, interval: float) -> None:
        self._store = store
        self._interval = interval
        self._watched: dict[Subscriber, list[str]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.checks = 0

    def watch(self, connection: Subscriber, token_ids: list[str]) -> None:
        if token_ids:
            self._watched[connection] = token_ids

    def forget(self, connection: Subscriber) -> None:
        self._watched.pop(connection, None)

    def check_soon(self) -> None:
        """Check now rather than at the next tick (after a sign-out on this process)."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="session-watch")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self) -> int:
        """Close every watched socket whose token or session is revoked; returns how many were closed."""
        self.checks += 1
        watched = {c: ids for c, ids in self._watched.items() if not c.closed}
        self._watched = watched
        if not watched:
            return 0
        # Eventually consistent: a revocation missed by a lagging replica is found at the next tick, at half the cost.
        revoked = await self._store.revoked_token_ids(sorted({i for ids in watched.values() for i in ids}), consistent=False)
        closed = 0
        for connection, ids in watched.items():
            if revoked.intersection(ids):
                self.forget(connection)
                connection.close_soon(CLOSE_REVOKED, REVOKED_REASON)
                closed += 1
        if closed:
            log.info("revoked sessions closed", extra={"count": closed})
        return closed

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is down: try again next tick; verification fails closed meanwhile
                log.warning("revocation check failed; retrying", exc_info=True)
