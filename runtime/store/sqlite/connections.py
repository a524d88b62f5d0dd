"""WebSocket connections in SQLite, so the local serverless gateway runs on the default store."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import Any

from runtime.store.base import (
    ConnectionRecord,
    check_connection_attributes,
    check_id,
    check_user_ids,
    merge_attributes,
    new_connection_record,
)
from runtime.store.sqlite.database import SqliteDatabase

_COLUMNS = "connection_id, user_id, display_name, connected_at, expires_at, attributes"
_LIVE_BY_ID = f"SELECT {_COLUMNS} FROM connections WHERE connection_id = ? AND expires_at > ?"
_CHUNK = 500  # ids per IN (...) query: below SQLite's bound-parameter limit


def _record(row: tuple[Any, ...]) -> ConnectionRecord:
    return ConnectionRecord(
        connection_id=row[0], user_id=row[1], display_name=row[2], connected_at=row[3], expires_at=row[4], attributes=json.loads(row[5])
    )


def _encode(attributes: dict[str, str]) -> str:
    return json.dumps(attributes, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def purge_expired_connections(conn: sqlite3.Connection, now: float) -> None:
    conn.execute("DELETE FROM connections WHERE expires_at <= ?", (now,))


class SqliteConnections:
    """``ConnectionStore`` on the shared SQLite database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._clock = db.clock

    async def put_connection(
        self,
        connection_id: str,
        user_id: str,
        display_name: str,
        *,
        connected_at: float,
        ttl_seconds: int = 86400,
        attributes: dict[str, str] | None = None,
    ) -> ConnectionRecord:
        record = new_connection_record(connection_id, user_id, display_name, connected_at, ttl_seconds, attributes)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO connections ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.connection_id,
                    record.user_id,
                    record.display_name,
                    record.connected_at,
                    record.expires_at,
                    _encode(record.attributes),
                ),
            )

        await self._db.write(run)
        return record

    async def get_connection(self, connection_id: str) -> ConnectionRecord | None:
        check_id(connection_id, "connection_id")
        now = self._clock()

        def run(conn: sqlite3.Connection) -> ConnectionRecord | None:
            row = conn.execute(_LIVE_BY_ID, (connection_id, now)).fetchone()
            return None if row is None else _record(row)

        return await self._db.read(run)

    async def delete_connection(self, connection_id: str) -> bool:
        check_id(connection_id, "connection_id")
        now = self._clock()

        def run(conn: sqlite3.Connection) -> bool:
            row = conn.execute("DELETE FROM connections WHERE connection_id = ? RETURNING expires_at", (connection_id,)).fetchone()
            return row is not None and row[0] > now

        return await self._db.write(run)

    async def connections_of_user(self, user_id: str) -> list[ConnectionRecord]:
        return await self.connections_of_users([check_id(user_id, "user_id")])

    async def connections_of_users(self, user_ids: list[str]) -> list[ConnectionRecord]:
        wanted = check_user_ids(user_ids)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> list[ConnectionRecord]:
            found: list[ConnectionRecord] = []
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(f"SELECT {_COLUMNS} FROM connections WHERE expires_at > ? AND user_id IN ({marks})", (now, *chunk))
                found.extend(_record(r) for r in rows)
            return sorted(found, key=lambda c: (c.connected_at, c.connection_id))

        return await self._db.read(run) if wanted else []

    async def touch_connection(self, connection_id: str, attributes: dict[str, str]) -> ConnectionRecord | None:
        check_id(connection_id, "connection_id")
        changes = check_connection_attributes(attributes)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> ConnectionRecord | None:
            # Read, merge and write in one transaction on the one writer: no other touch interleaves.
            row = conn.execute(_LIVE_BY_ID, (connection_id, now)).fetchone()
            if row is None:
                return None
            current = _record(row)
            merged = merge_attributes(current.attributes, changes)
            conn.execute("UPDATE connections SET attributes = ? WHERE connection_id = ?", (_encode(merged), connection_id))
            return dataclasses.replace(current, attributes=merged)

        return await self._db.write(run)
