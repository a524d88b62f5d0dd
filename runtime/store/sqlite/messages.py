"""Messages in SQLite: appends share group-committed transactions; reads skip expired rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from runtime.store.base import (
    MAX_ITEM_BYTES,
    NewMessage,
    Page,
    StoredMessage,
    check_cursor,
    check_id,
    check_new_message,
    check_page_query,
    message_expiry,
    metadata_not_json,
    newest_first_page,
    stored_message,
    too_large_text,
)
from runtime.store.errors import MessageTooLarge
from runtime.store.ids import new_message_id
from runtime.store.sqlite.database import SharedWrite, SqliteDatabase

_MESSAGE_COLUMNS = "message_id, conversation_id, sender_id, sender_name, role, content, client_message_id, created_at, metadata"
_NOT_EXPIRED = "(expires_at = 0 OR expires_at > ?)"


def _message(row: sqlite3.Row | tuple[Any, ...]) -> StoredMessage:
    return StoredMessage(
        message_id=row[0],
        conversation_id=row[1],
        sender_id=row[2],
        sender_name=row[3],
        role=row[4],
        content=row[5],
        client_message_id=row[6],
        created_at=row[7],
        metadata=json.loads(row[8]),
    )


@dataclass(frozen=True)
class _Append(SharedWrite):
    message: NewMessage
    metadata_json: str
    created_at: float
    expires_at: float

    @classmethod
    def write_batch(cls, conn: sqlite3.Connection, jobs: list[Any]) -> list[Any]:
        last_ids: dict[str, str | None] = {}
        return [_insert(conn, job, last_ids) for job in jobs]


def _insert(conn: sqlite3.Connection, job: _Append, last_ids: dict[str, str | None]) -> tuple[StoredMessage, bool]:
    m = job.message
    if m.conversation_id not in last_ids:
        row = conn.execute("SELECT max(message_id) FROM messages WHERE conversation_id = ?", (m.conversation_id,)).fetchone()
        last_ids[m.conversation_id] = row[0]
    # The id is made inside the write transaction and above the newest stored one, so
    # commit order is id order even with several processes: resume never skips a message.
    message_id = new_message_id(after=last_ids[m.conversation_id])
    cursor = conn.execute(
        f"INSERT INTO messages ({_MESSAGE_COLUMNS}, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (conversation_id, sender_id, client_message_id) DO NOTHING",
        (
            message_id,
            m.conversation_id,
            m.sender_id,
            m.sender_name,
            m.role,
            m.content,
            m.client_message_id,
            job.created_at,
            job.metadata_json,
            job.expires_at,
        ),
    )
    if cursor.rowcount == 0:
        row = conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND sender_id = ? AND client_message_id = ?",
            (m.conversation_id, m.sender_id, m.client_message_id),
        ).fetchone()
        return _message(row), False
    last_ids[m.conversation_id] = message_id
    return stored_message(m, message_id, job.created_at, json.loads(job.metadata_json)), True


def purge_expired_messages(conn: sqlite3.Connection, now: float) -> int:
    """Delete the messages whose time is up; returns how many."""
    return int(conn.execute("DELETE FROM messages WHERE expires_at > 0 AND expires_at <= ?", (now,)).rowcount)


class SqliteMessages:
    """Append and read messages (``ChatStore``'s message half)."""

    def __init__(self, db: SqliteDatabase, *, message_ttl_days: int) -> None:
        self._db = db
        self._clock = db.clock
        self._ttl_seconds = message_ttl_days * 86400.0

    async def append_message(self, message: NewMessage) -> tuple[StoredMessage, bool]:
        check_new_message(message)
        try:
            metadata_json = json.dumps(message.metadata, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise metadata_not_json(exc) from exc
        texts = (message.conversation_id, message.sender_id, message.sender_name, message.role, message.content)
        size = sum(len(t.encode("utf-8")) for t in texts) + len((message.client_message_id or "").encode("utf-8"))
        size += len(metadata_json.encode("utf-8")) + 64  # the id and the times
        if size > MAX_ITEM_BYTES:
            raise MessageTooLarge(too_large_text(size))
        created_at = self._clock()
        expires_at = message_expiry(created_at, self._ttl_seconds)
        # Queued before this call first suspends: the append-order contract of ChatStore.append_message.
        result: tuple[StoredMessage, bool] = await self._db.writer.submit(_Append(message, metadata_json, created_at, expires_at))
        return result

    async def history(self, conversation_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        check_page_query(conversation_id, "conversation_id", before, "before", limit)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Page:
            if before is None:
                rows = conn.execute(
                    f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND {_NOT_EXPIRED} "
                    "ORDER BY message_id DESC LIMIT ?",
                    (conversation_id, now, limit + 1),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND message_id < ? AND {_NOT_EXPIRED} "
                    "ORDER BY message_id DESC LIMIT ?",
                    (conversation_id, before, now, limit + 1),
                ).fetchall()
            return newest_first_page(rows, limit, _message)

        return await self._db.read(run)

    async def messages_after(self, conversation_id: str, after_message_id: str | None, *, limit: int = 500) -> list[StoredMessage]:
        check_page_query(conversation_id, "conversation_id", after_message_id, "after_message_id", limit)
        now = self._clock()
        after = after_message_id or ""

        def run(conn: sqlite3.Connection) -> list[StoredMessage]:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND message_id > ? AND {_NOT_EXPIRED} "
                "ORDER BY message_id ASC LIMIT ?",
                (conversation_id, after, now, limit),
            ).fetchall()
            return [_message(r) for r in rows]

        return await self._db.read(run)

    async def history_by_sender(self, sender_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        """One user's messages across conversations, newest page first (oldest first within it)."""
        check_page_query(sender_id, "sender_id", before, "before", limit)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Page:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND message_id < ? AND {_NOT_EXPIRED} "
                "ORDER BY message_id DESC LIMIT ?",
                (sender_id, before or "~", now, limit + 1),
            ).fetchall()
            return newest_first_page(rows, limit, _message)

        return await self._db.read(run)

    async def get_message(self, conversation_id: str, message_id: str) -> StoredMessage | None:
        check_id(conversation_id, "conversation_id")
        check_cursor(message_id, "message_id")
        now = self._clock()

        def run(conn: sqlite3.Connection) -> StoredMessage | None:
            row = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND message_id = ? AND {_NOT_EXPIRED}",
                (conversation_id, message_id, now),
            ).fetchone()
            return None if row is None else _message(row)

        return await self._db.read(run)
