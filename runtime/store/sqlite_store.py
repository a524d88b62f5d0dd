"""The SQLite store (the default): WAL, one group-commit writer thread, a small reader pool.

``synchronous=FULL``: an appended message is acknowledged to its sender and fanned
out only after it is stored, so the commit must survive power loss, which WAL with
NORMAL does not promise. Group commit pays the fsync once per batch, not per message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from runtime.store.base import (
    MAX_ITEM_BYTES,
    Conversation,
    LoginAttempt,
    NewMessage,
    Page,
    StoredMessage,
    UserRecord,
    check_bot_mode,
    check_cursor,
    check_id,
    check_limit,
    check_new_message,
    check_token_ids,
    private_conversation_id,
    too_large_text,
    username_key,
)
from runtime.store.errors import (
    ConversationNotFound,
    InvalidArgument,
    MessageTooLarge,
    StoreError,
    StoreUnavailable,
    UserExists,
    UserNotFound,
)
from runtime.store.group_commit import GroupCommitWriter
from runtime.store.ids import new_message_id
from runtime.store.sqlite_schema import migrate

T = TypeVar("T")

_MESSAGE_COLUMNS = "message_id, conversation_id, sender_id, sender_name, role, content, client_message_id, created_at, metadata"
_USER_COLUMNS = "user_id, username, email, display_name, password_hash, confirmed, created_at, failed_logins, locked_until"
_NOT_EXPIRED = "(expires_at = 0 OR expires_at > ?)"


@dataclass(frozen=True)
class _Append:
    message: NewMessage
    metadata_json: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class _Call:
    fn: Callable[[sqlite3.Connection], Any]


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


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


def _user(row: tuple[Any, ...]) -> UserRecord:
    return UserRecord(
        user_id=row[0],
        username=row[1],
        email=row[2],
        display_name=row[3],
        password_hash=row[4],
        confirmed=bool(row[5]),
        created_at=row[6],
        failed_logins=row[7],
        locked_until=row[8],
    )


class SqliteStore:
    """``ChatStore`` and ``UserStore`` in one SQLite file."""

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
        self._clock = clock or time.time
        self._ttl_seconds = message_ttl_days * 86400.0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer_conn = _connect(self.path)
            migrate(self._writer_conn, self._clock())
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the SQLite store at {self.path}: {exc}; check the path and its permissions") from exc
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._local = threading.local()
        self._readers = concurrent.futures.ThreadPoolExecutor(max_workers=readers, thread_name_prefix="chat-store-read")
        self._writer: GroupCommitWriter[_Append | _Call] = GroupCommitWriter(
            self._commit, name="chat-store-write", max_batch=max_batch, window=commit_window, idle=self._purge_now, idle_every=purge_every
        )
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def writer(self) -> GroupCommitWriter[_Append | _Call]:
        """The group-commit writer (its counters show how well appends batch)."""
        return self._writer

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._reader_lock:
                self._reader_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))
        except sqlite3.Error as exc:
            raise StoreError(f"reading the SQLite store {self.path} failed: {exc}") from exc

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        result: T = await self._writer.submit(_Call(fn))
        return result

    def _commit(self, jobs: list[_Append | _Call]) -> list[Any]:
        outcomes: list[Any] = [None] * len(jobs)
        appends = [(i, job) for i, job in enumerate(jobs) if isinstance(job, _Append)]
        conn = self._writer_conn
        if appends:
            conn.execute("BEGIN IMMEDIATE")
            try:
                last_ids: dict[str, str | None] = {}
                for i, append in appends:
                    outcomes[i] = self._insert(conn, append, last_ids)
                conn.execute("COMMIT")
            except Exception as exc:  # the transaction is all or nothing: every append in it fails alike
                conn.execute("ROLLBACK")
                error = StoreError(f"writing to the SQLite store {self.path} failed: {exc}")
                for i, _ in appends:
                    outcomes[i] = error
        for i, call in enumerate(jobs):
            if isinstance(call, _Call):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    outcomes[i] = call.fn(conn)
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    conn.execute("ROLLBACK")
                    outcomes[i] = StoreError(f"writing to the SQLite store {self.path} failed: {exc}")
                except Exception as exc:
                    conn.execute("ROLLBACK")
                    outcomes[i] = exc
        return outcomes

    def _insert(self, conn: sqlite3.Connection, job: _Append, last_ids: dict[str, str | None]) -> tuple[StoredMessage, bool]:
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
        stored = StoredMessage(
            message_id=message_id,
            conversation_id=m.conversation_id,
            sender_id=m.sender_id,
            sender_name=m.sender_name,
            role=m.role,
            content=m.content,
            client_message_id=m.client_message_id,
            created_at=job.created_at,
            metadata=json.loads(job.metadata_json),
        )
        return stored, True

    def _purge_now(self) -> None:
        # Runs on the writer thread when it is idle, so it needs no queue slot.
        conn = self._writer_conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._purge_in(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def purge_expired(self) -> int:
        """Delete expired messages and refresh tokens now; returns the number of messages removed."""
        return await self._write(lambda conn: self._purge_in(conn))

    def _purge_in(self, conn: sqlite3.Connection) -> int:
        now = self._clock()
        removed = conn.execute("DELETE FROM messages WHERE expires_at > 0 AND expires_at <= ?", (now,)).rowcount
        conn.execute("DELETE FROM refresh_tokens WHERE expires_at <= ?", (now,))
        conn.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?", (now,))
        return int(removed)

    # -- messages ---------------------------------------------------------------------------

    async def append_message(self, message: NewMessage) -> tuple[StoredMessage, bool]:
        check_new_message(message)
        try:
            metadata_json = json.dumps(message.metadata, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(f"metadata must be plain JSON (objects, lists, strings, numbers): {exc}") from exc
        texts = (message.conversation_id, message.sender_id, message.sender_name, message.role, message.content)
        size = sum(len(t.encode("utf-8")) for t in texts) + len((message.client_message_id or "").encode("utf-8"))
        size += len(metadata_json.encode("utf-8")) + 64  # the id and the times
        if size > MAX_ITEM_BYTES:
            raise MessageTooLarge(too_large_text(size))
        created_at = self._clock()
        expires_at = created_at + self._ttl_seconds if self._ttl_seconds else 0.0
        result: tuple[StoredMessage, bool] = await self._writer.submit(_Append(message, metadata_json, created_at, expires_at))
        return result

    async def history(self, conversation_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        check_id(conversation_id, "conversation_id")
        check_cursor(before, "before")
        check_limit(limit)
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
            more = len(rows) > limit
            messages = [_message(r) for r in reversed(rows[:limit])]
            return Page(messages=messages, next_before=messages[0].message_id if more and messages else None)

        return await self._read(run)

    async def messages_after(self, conversation_id: str, after_message_id: str | None, *, limit: int = 500) -> list[StoredMessage]:
        check_id(conversation_id, "conversation_id")
        check_cursor(after_message_id, "after_message_id")
        check_limit(limit)
        now = self._clock()
        after = after_message_id or ""

        def run(conn: sqlite3.Connection) -> list[StoredMessage]:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND message_id > ? AND {_NOT_EXPIRED} "
                "ORDER BY message_id ASC LIMIT ?",
                (conversation_id, after, now, limit),
            ).fetchall()
            return [_message(r) for r in rows]

        return await self._read(run)

    async def history_by_sender(self, sender_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        """One user's messages across conversations, newest page first (oldest first within it)."""
        check_id(sender_id, "sender_id")
        check_cursor(before, "before")
        check_limit(limit)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Page:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND message_id < ? AND {_NOT_EXPIRED} "
                "ORDER BY message_id DESC LIMIT ?",
                (sender_id, before or "~", now, limit + 1),
            ).fetchall()
            more = len(rows) > limit
            messages = [_message(r) for r in reversed(rows[:limit])]
            return Page(messages=messages, next_before=messages[0].message_id if more and messages else None)

        return await self._read(run)

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

        return await self._read(run)

    # -- conversations ------------------------------------------------------------------------

    @staticmethod
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
            conversation = self._conversation(conn, conversation_id)
            assert conversation is not None  # inserted just above, in this transaction
            return conversation

        existing = await self.get_conversation(conversation_id)
        return existing if existing is not None else await self._write(run)

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
            conversation = self._conversation(conn, conversation_id)
            assert conversation is not None
            return conversation

        return await self._write(run)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        check_id(conversation_id, "conversation_id")
        return await self._read(lambda conn: self._conversation(conn, conversation_id))

    async def list_conversations(self, user_id: str) -> list[Conversation]:
        check_id(user_id, "user_id")

        def run(conn: sqlite3.Connection) -> list[Conversation]:
            ids = conn.execute(
                "SELECT c.conversation_id FROM members m JOIN conversations c USING (conversation_id) "
                "WHERE m.user_id = ? ORDER BY c.created_at, c.conversation_id",
                (user_id,),
            ).fetchall()
            found = [self._conversation(conn, r[0]) for r in ids]
            return [c for c in found if c is not None]

        return await self._read(run)

    async def add_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_id(conversation_id, "conversation_id")
        check_id(user_id, "user_id")

        def run(conn: sqlite3.Connection) -> Conversation:
            conversation = self._conversation(conn, conversation_id)
            if conversation is None:
                raise ConversationNotFound(f"no conversation {conversation_id!r}")
            if conversation.kind == "private" and user_id not in conversation.members:
                raise InvalidArgument("a private conversation is between one user and the bot; create a room to talk with others")
            conn.execute("INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)", (conversation_id, user_id))
            updated = self._conversation(conn, conversation_id)
            assert updated is not None
            return updated

        return await self._write(run)

    async def remove_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_id(conversation_id, "conversation_id")
        check_id(user_id, "user_id")

        def run(conn: sqlite3.Connection) -> Conversation:
            if self._conversation(conn, conversation_id) is None:
                raise ConversationNotFound(f"no conversation {conversation_id!r}")
            conn.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, user_id))
            updated = self._conversation(conn, conversation_id)
            assert updated is not None
            return updated

        return await self._write(run)

    # -- users and refresh tokens ---------------------------------------------------------------

    async def create_user(self, user: UserRecord) -> None:
        check_id(user.user_id, "user_id")
        check_id(user.username, "username")

        def run(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO users ({_USER_COLUMNS}, username_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        user.user_id,
                        user.username,
                        user.email,
                        user.display_name,
                        user.password_hash,
                        int(user.confirmed),
                        user.created_at,
                        user.failed_logins,
                        user.locked_until,
                        username_key(user.username),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise UserExists(f"a user named {user.username!r} already exists; choose another username") from exc

        await self._write(run)

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        key = username_key(username)

        def run(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE username_key = ?", (key,)).fetchone()
            return None if row is None else _user(row)

        return await self._read(run)

    async def get_user(self, user_id: str) -> UserRecord | None:
        def run(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)).fetchone()
            return None if row is None else _user(row)

        return await self._read(run)

    async def update_user(self, user: UserRecord) -> None:
        def run(conn: sqlite3.Connection) -> None:
            try:
                changed = conn.execute(
                    "UPDATE users SET username = ?, username_key = ?, email = ?, display_name = ?, password_hash = ?, confirmed = ?, "
                    "failed_logins = ?, locked_until = ? WHERE user_id = ?",
                    (
                        user.username,
                        username_key(user.username),
                        user.email,
                        user.display_name,
                        user.password_hash,
                        int(user.confirmed),
                        user.failed_logins,
                        user.locked_until,
                        user.user_id,
                    ),
                ).rowcount
            except sqlite3.IntegrityError as exc:
                raise UserExists(f"a user named {user.username!r} already exists") from exc
            if changed == 0:
                raise UserNotFound(f"no user with id {user.user_id!r}")

        await self._write(run)

    async def delete_user(self, username: str) -> bool:
        key = username_key(username)

        def run(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT user_id FROM users WHERE username_key = ?", (key,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM refresh_tokens WHERE user_id = ?", (row[0],))
            conn.execute("DELETE FROM users WHERE user_id = ?", (row[0],))
            return True

        return await self._write(run)

    async def list_users(self) -> list[UserRecord]:
        return await self._read(
            lambda conn: [_user(r) for r in conn.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username_key").fetchall()]
        )

    async def save_refresh_token(self, token_hash: str, user_id: str, expires_at: float, family: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO refresh_tokens (token_hash, user_id, expires_at, family) VALUES (?, ?, ?, ?)",
                (token_hash, user_id, expires_at, family),
            )

        await self._write(run)

    async def take_refresh_token(self, token_hash: str) -> tuple[str, float, str] | None:
        def run(conn: sqlite3.Connection) -> tuple[str, float, str] | None:
            row = conn.execute(
                "UPDATE refresh_tokens SET consumed = 1 WHERE token_hash = ? AND consumed = 0 RETURNING user_id, expires_at, family",
                (token_hash,),
            ).fetchone()
            return None if row is None else (row[0], row[1], row[2])

        return await self._write(run)

    async def refresh_token_owner(self, token_hash: str) -> tuple[str, str] | None:
        """(user id, family) of a refresh token whether or not it was used: reuse detection needs it."""

        def run(conn: sqlite3.Connection) -> tuple[str, str] | None:
            row = conn.execute("SELECT user_id, family FROM refresh_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
            return None if row is None else (row[0], row[1])

        return await self._read(run)

    async def revoke_refresh_family(self, family: str) -> int:
        return await self._write(lambda conn: int(conn.execute("DELETE FROM refresh_tokens WHERE family = ?", (family,)).rowcount))

    async def revoke_refresh_tokens(self, user_id: str) -> int:
        return await self._write(lambda conn: int(conn.execute("DELETE FROM refresh_tokens WHERE user_id = ?", (user_id,)).rowcount))

    async def count_login_attempt(self, user_id: str, *, now: float, max_attempts: int, lockout_seconds: float) -> LoginAttempt | None:
        # One statement on the single writer connection: parallel attempts are counted one after another, and the
        # attempt that reaches the limit sets the lock in the same step, so no guess slips between read and write.
        restart = "(locked_until IS NOT NULL AND locked_until <= :now)"
        counted = f"(CASE WHEN {restart} THEN 1 ELSE failed_logins + 1 END)"

        def run(conn: sqlite3.Connection) -> LoginAttempt | None:
            row = conn.execute(
                f"UPDATE users SET failed_logins = {counted}, "
                f"locked_until = CASE WHEN {counted} >= :max THEN :now + :lockout ELSE NULL END "
                "WHERE user_id = :id AND (locked_until IS NULL OR locked_until <= :now) RETURNING failed_logins, locked_until",
                {"now": now, "max": max_attempts, "lockout": lockout_seconds, "id": user_id},
            ).fetchone()
            if row is not None:
                return LoginAttempt(True, int(row[0]), row[1])
            locked = conn.execute("SELECT failed_logins, locked_until FROM users WHERE user_id = ?", (user_id,)).fetchone()
            return None if locked is None else LoginAttempt(False, int(locked[0]), locked[1])

        return await self._write(run)

    async def reset_login_attempts(self, user_id: str) -> None:
        reset = "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE user_id = ?"
        await self._write(lambda conn: conn.execute(reset, (user_id,)))

    async def revoke_token_ids(self, token_ids: list[str], expires_at: float) -> None:
        check_token_ids(token_ids)

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) "
                "ON CONFLICT (token_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
                [(token_id, expires_at) for token_id in token_ids],
            )

        await self._write(run)

    async def revoked_token_ids(self, token_ids: list[str], *, consistent: bool = True) -> set[str]:
        check_token_ids(token_ids)
        wanted = sorted(set(token_ids))
        now = self._clock()

        def run(conn: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), 500):  # below SQLite's bound-parameter limit
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(f"SELECT token_id FROM revoked_tokens WHERE expires_at > ? AND token_id IN ({marks})", (now, *chunk))
                found.update(r[0] for r in rows)
            return found

        return await self._read(run) if wanted else set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def ping(self) -> None:
        if not self._writer.alive:
            raise StoreUnavailable("the SQLite writer thread has stopped")
        await self._read(lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._close_sync)

    def _close_sync(self) -> None:
        self._writer.close()
        self._readers.shutdown(wait=True)
        with self._reader_lock:
            for conn in self._reader_conns:
                conn.close()
        self._writer_conn.close()
