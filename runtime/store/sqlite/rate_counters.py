"""Fixed-window rate counters in SQLite: one UPSERT ... RETURNING per count, group-committed like appends."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from runtime.store.base import check_rate_count, window_start
from runtime.store.sqlite.database import SharedWrite, SqliteDatabase


@dataclass(frozen=True)
class _Increment(SharedWrite):
    key: str
    window_seconds: int
    window_start: int

    @classmethod
    def write_batch(cls, conn: sqlite3.Connection, jobs: list[Any]) -> list[Any]:
        # Every count queued meanwhile shares one transaction: a burst costs one commit, not one each.
        return [_increment(conn, job) for job in jobs]


def _increment(conn: sqlite3.Connection, job: _Increment) -> int:
    row = conn.execute(
        "INSERT INTO rate_counters (counter_key, window_seconds, window_start, count, expires_at) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (counter_key, window_seconds, window_start) DO UPDATE SET count = count + 1 RETURNING count",
        (job.key, job.window_seconds, job.window_start, job.window_start + job.window_seconds),
    ).fetchone()
    return int(row[0])


def purge_expired_rate_counters(conn: sqlite3.Connection, now: float) -> None:
    conn.execute("DELETE FROM rate_counters WHERE expires_at <= ?", (now,))


class SqliteRateCounters:
    """``RateCounterStore`` on the shared SQLite database; the single writer makes each increment atomic."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def count(self, key: str, window_seconds: int, now: float) -> int:
        key, window_seconds, now = check_rate_count(key, window_seconds, now)
        result: int = await self._db.writer.submit(_Increment(key, window_seconds, window_start(window_seconds, now)))
        return result
