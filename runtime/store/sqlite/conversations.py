"""Conversations and their members in SQLite: private conversations (one user and the bot) and rooms."""

from __future__ import annotations

import sqlite3
import uuid

from runtime.store.base import (
    Conversation,
    check_bot_mode,
    check_id,
    check_membership,
    existing_conversation,
    joinable_conversation,
    private_conversation_id,
)
from runtime.store.sqlite.database import SqliteDatabase


def _conversation(conn: sqlite3.Connection, conversation_id: str) -> Conversation | None:
    row = conn.execute(
        "SELECT conversation_id, kind, title, owner_id, bot_mode, created_at FROM conversations WHERE conversation_id = ?",
        (conversation_id,),
    ).fetchone()
    if row is None:
        return None
    members = conn.execute("SELECT user_id FROM members WHERE conversation_id = ? ORDER BY rowid", (conversation_id,)).fetchall()
    return Conversation(
        conversation_id=row[0],
        kind=row[1],
        title=row[2],
        owner_id=row[3],
        members=tuple(m[0] for m in members),
        bot_mode=row[4],
        created_at=row[5],
    )


class SqliteConversations:
    """Create, read and change conversations (``ChatStore``'s conversation half)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._clock = db.clock

    async def ensure_private_conversation(self, user_id: str, display_name: str) -> Conversation:
        check_id(user_id, "user_id")
        conversation_id = private_conversation_id(user_id)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Conversation:
            conn.execute(
                "INSERT OR IGNORE INTO conversations (conversation_id, kind, title, owner_id, bot_mode, created_at) "
                "VALUES (?, 'private', ?, ?, 'always', ?)",
                (conversation_id, display_name, user_id, now),
            )
            conn.execute("INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)", (conversation_id, user_id))
            conversation = _conversation(conn, conversation_id)
            assert conversation is not None  # inserted just above, in this transaction
            return conversation

        existing = await self.get_conversation(conversation_id)
        return existing if existing is not None else await self._db.write(run)

    async def create_room(self, title: str, owner_id: str, *, bot_mode: str = "mention") -> Conversation:
        check_id(owner_id, "owner_id")
        check_id(title, "title")
        check_bot_mode(bot_mode)
        conversation_id = f"room-{uuid.uuid4()}"
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Conversation:
            conn.execute(
                "INSERT INTO conversations (conversation_id, kind, title, owner_id, bot_mode, created_at) VALUES (?, 'room', ?, ?, ?, ?)",
                (conversation_id, title, owner_id, bot_mode, now),
            )
            conn.execute("INSERT INTO members (conversation_id, user_id) VALUES (?, ?)", (conversation_id, owner_id))
            conversation = _conversation(conn, conversation_id)
            assert conversation is not None
            return conversation

        return await self._db.write(run)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        check_id(conversation_id, "conversation_id")
        return await self._db.read(lambda conn: _conversation(conn, conversation_id))

    async def list_conversations(self, user_id: str) -> list[Conversation]:
        check_id(user_id, "user_id")

        def run(conn: sqlite3.Connection) -> list[Conversation]:
            ids = conn.execute(
                "SELECT c.conversation_id FROM members m JOIN conversations c USING (conversation_id) "
                "WHERE m.user_id = ? ORDER BY c.created_at, c.conversation_id",
                (user_id,),
            ).fetchall()
            found = [_conversation(conn, r[0]) for r in ids]
            return [c for c in found if c is not None]

        return await self._db.read(run)

    async def add_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_membership(conversation_id, user_id)

        def run(conn: sqlite3.Connection) -> Conversation:
            joinable_conversation(_conversation(conn, conversation_id), conversation_id, user_id)
            conn.execute("INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)", (conversation_id, user_id))
            updated = _conversation(conn, conversation_id)
            assert updated is not None
            return updated

        return await self._db.write(run)

    async def remove_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_membership(conversation_id, user_id)

        def run(conn: sqlite3.Connection) -> Conversation:
            existing_conversation(_conversation(conn, conversation_id), conversation_id)
            conn.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, user_id))
            updated = _conversation(conn, conversation_id)
            assert updated is not None
            return updated

        return await self._db.write(run)
