"""The local identity provider's users in SQLite, and their sign-in attempt counts."""

from __future__ import annotations

import sqlite3
from typing import Any

from runtime.store.base import LoginAttempt, UserRecord, check_id, username_key
from runtime.store.errors import UserExists, UserNotFound
from runtime.store.sqlite.database import SqliteDatabase
from runtime.store.sqlite.tokens import delete_refresh_tokens_of

_USER_COLUMNS = "user_id, username, email, display_name, password_hash, confirmed, created_at, failed_logins, locked_until"


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


class SqliteUsers:
    """``UserStore``'s users and login attempts."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

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

        await self._db.write(run)

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        key = username_key(username)

        def run(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE username_key = ?", (key,)).fetchone()
            return None if row is None else _user(row)

        return await self._db.read(run)

    async def get_user(self, user_id: str) -> UserRecord | None:
        def run(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)).fetchone()
            return None if row is None else _user(row)

        return await self._db.read(run)

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

        await self._db.write(run)

    async def delete_user(self, username: str) -> bool:
        """Delete the user and, in the same transaction, their refresh tokens."""
        key = username_key(username)

        def run(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT user_id FROM users WHERE username_key = ?", (key,)).fetchone()
            if row is None:
                return False
            delete_refresh_tokens_of(conn, row[0])
            conn.execute("DELETE FROM users WHERE user_id = ?", (row[0],))
            return True

        return await self._db.write(run)

    async def list_users(self) -> list[UserRecord]:
        return await self._db.read(
            lambda conn: [_user(r) for r in conn.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username_key").fetchall()]
        )

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

        return await self._db.write(run)

    async def reset_login_attempts(self, user_id: str) -> None:
        reset = "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE user_id = ?"
        await self._db.write(lambda conn: conn.execute(reset, (user_id,)))
