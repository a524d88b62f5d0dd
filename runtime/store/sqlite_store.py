"""The SQLite store (the default): one class per aggregate under ``runtime/store/sqlite/``, composed over one database.

``SqliteStore`` owns the shared ``SqliteDatabase`` (WAL, ``synchronous=FULL``, the group-commit writer,
the reader pool) and exposes each aggregate's methods as its own, so it is a ``Store``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from runtime.store.composed import ComposedStore
from runtime.store.group_commit import GroupCommitWriter
from runtime.store.sqlite.connections import SqliteConnections, purge_expired_connections
from runtime.store.sqlite.conversations import SqliteConversations
from runtime.store.sqlite.database import Call, SharedWrite, SqliteDatabase
from runtime.store.sqlite.messages import SqliteMessages, purge_expired_messages
from runtime.store.sqlite.rate_counters import SqliteRateCounters, purge_expired_rate_counters
from runtime.store.sqlite.tokens import SqliteTokens, purge_expired_tokens
from runtime.store.sqlite.users import SqliteUsers


def _purge_expired(conn: sqlite3.Connection, now: float) -> int:
    removed = purge_expired_messages(conn, now)
    purge_expired_tokens(conn, now)
    purge_expired_connections(conn, now)
    purge_expired_rate_counters(conn, now)
    return removed


class SqliteStore(ComposedStore[SqliteMessages, SqliteConversations, SqliteUsers, SqliteTokens, SqliteConnections, SqliteRateCounters]):
    """``Store`` (chat, users, revocations), ``ConnectionStore`` and ``RateCounterStore`` in one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        message_ttl_days: int = 30,
        clock: Callable[[], float] | None = None,
        readers: int = 4,
        commit_window: float = 0.0,
        max_batch: int = 256,
        purge_every: float = 300.0,
    ) -> None:
        self.path = Path(path)
        self.description = f"sqlite:{self.path}"
        self.database = SqliteDatabase(
            self.path,
            clock=clock or time.time,
            purge=_purge_expired,
            readers=readers,
            commit_window=commit_window,
            max_batch=max_batch,
            purge_every=purge_every,
        )
        db = self.database
        super().__init__(
            messages=SqliteMessages(db, message_ttl_days=message_ttl_days),
            conversations=SqliteConversations(db),
            users=SqliteUsers(db),
            tokens=SqliteTokens(db),
            connections=SqliteConnections(db),
            rate_counters=SqliteRateCounters(db),
        )

    @property
    def writer(self) -> GroupCommitWriter[SharedWrite | Call]:
        """The group-commit writer (its counters show how well appends batch)."""
        return self.database.writer

    async def purge_expired(self) -> int:
        """Delete expired rows now; returns the number of messages removed."""
        return await self.database.purge_expired()

    async def ping(self) -> None:
        await self.database.ping()

    async def close(self) -> None:
        await self.database.close()
