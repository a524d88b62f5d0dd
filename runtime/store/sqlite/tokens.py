"""Refresh tokens (single use, in families) and revoked token ids in SQLite."""

from __future__ import annotations

import sqlite3

from runtime.store.base import check_token_ids
from runtime.store.sqlite.database import SqliteDatabase


def delete_refresh_tokens_of(conn: sqlite3.Connection, user_id: str) -> int:
    """Delete a user's refresh tokens inside the caller's transaction (deleting the user does)."""
    return int(conn.execute("DELETE FROM refresh_tokens WHERE user_id = ?", (user_id,)).rowcount)


def purge_expired_tokens(conn: sqlite3.Connection, now: float) -> None:
    conn.execute("DELETE FROM refresh_tokens WHERE expires_at <= ?", (now,))
    conn.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?", (now,))


class SqliteTokens:
    """``UserStore``'s refresh tokens and ``RevocationStore``."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._clock = db.clock

    async def save_refresh_token(self, token_hash: str, user_id: str, expires_at: float, family: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO refresh_tokens (token_hash, user_id, expires_at, family) VALUES (?, ?, ?, ?)",
                (token_hash, user_id, expires_at, family),
            )

        await self._db.write(run)

    async def take_refresh_token(self, token_hash: str) -> tuple[str, float, str] | None:
        def run(conn: sqlite3.Connection) -> tuple[str, float, str] | None:
            row = conn.execute(
                "UPDATE refresh_tokens SET consumed = 1 WHERE token_hash = ? AND consumed = 0 RETURNING user_id, expires_at, family",
                (token_hash,),
            ).fetchone()
            return None if row is None else (row[0], row[1], row[2])

        return await self._db.write(run)

    async def refresh_token_owner(self, token_hash: str) -> tuple[str, str] | None:
        """(user id, family) of a refresh token whether or not it was used: reuse detection needs it."""

        def run(conn: sqlite3.Connection) -> tuple[str, str] | None:
            row = conn.execute("SELECT user_id, family FROM refresh_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
            return None if row is None else (row[0], row[1])

        return await self._db.read(run)

    async def revoke_refresh_family(self, family: str) -> int:
        return await self._db.write(lambda conn: int(conn.execute("DELETE FROM refresh_tokens WHERE family = ?", (family,)).rowcount))

    async def revoke_refresh_tokens(self, user_id: str) -> int:
        return await self._db.write(lambda conn: delete_refresh_tokens_of(conn, user_id))

    async def revoke_token_ids(self, token_ids: list[str], expires_at: float) -> None:
        check_token_ids(token_ids)

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) "
                "ON CONFLICT (token_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
                [(token_id, expires_at) for token_id in token_ids],
            )

        await self._db.write(run)

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

        return await self._db.read(run) if wanted else set()
