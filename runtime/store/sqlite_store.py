"""The SQLite store (the default): one class per aggregate under ``runtime/store/sqlite/``, composed over one database.

``SqliteStore`` owns the shared ``SqliteDatabase`` (WAL, ``synchronous=FULL``, the group-commit writer,
the reader pool) and exposes each aggregate's methods as its own, so it is a ``Store``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

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


class SqliteStore:
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
        self.messages = SqliteMessages(self.database, message_ttl_days=message_ttl_days)
        self.conversations = SqliteConversations(self.database)
        self.users = SqliteUsers(self.database)
        self.tokens = SqliteTokens(self.database)
        self.connections = SqliteConnections(self.database)
        self.rate_counters = SqliteRateCounters(self.database)

        # Each aggregate's methods are the store's: bound once here, so a call costs no extra frame.
        self.append_message = self.messages.append_message
        self.history = self.messages.history
        self.messages_after = self.messages.messages_after
        self.get_message = self.messages.get_message
        self.history_by_sender = self.messages.history_by_sender

        self.ensure_private_conversation = self.conversations.ensure_private_conversation
        self.create_room = self.conversations.create_room
        self.get_conversation = self.conversations.get_conversation
        self.list_conversations = self.conversations.list_conversations
        self.add_member = self.conversations.add_member
        self.remove_member = self.conversations.remove_member

        self.create_user = self.users.create_user
        self.get_user_by_username = self.users.get_user_by_username
        self.get_user = self.users.get_user
        self.update_user = self.users.update_user
        self.delete_user = self.users.delete_user
        self.list_users = self.users.list_users
        self.count_login_attempt = self.users.count_login_attempt
        self.reset_login_attempts = self.users.reset_login_attempts

        self.save_refresh_token = self.tokens.save_refresh_token
        self.take_refresh_token = self.tokens.take_refresh_token
        self.refresh_token_owner = self.tokens.refresh_token_owner
        self.revoke_refresh_family = self.tokens.revoke_refresh_family
        self.revoke_refresh_tokens = self.tokens.revoke_refresh_tokens
        self.revoke_token_ids = self.tokens.revoke_token_ids
        self.revoked_token_ids = self.tokens.revoked_token_ids

        self.put_connection = self.connections.put_connection
        self.get_connection = self.connections.get_connection
        self.delete_connection = self.connections.delete_connection
        self.connections_of_user = self.connections.connections_of_user
        self.connections_of_users = self.connections.connections_of_users
        self.touch_connection = self.connections.touch_connection

        self.count = self.rate_counters.count

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
