"""The SQLite database every aggregate shares: WAL, one group-commit writer thread, a small reader pool.

``synchronous=FULL``: an appended message is acknowledged to its sender and fanned
out only after it is stored, so the commit must survive power loss, which WAL with
NORMAL does not promise. Group commit pays the fsync once per batch, not per message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from runtime.store.errors import StoreError, StoreUnavailable
from runtime.store.group_commit import GroupCommitWriter
from runtime.store.sqlite_schema import migrate

T = TypeVar("T")


class SharedWrite(ABC):
    """A queued write that commits in one transaction with the other shared writes of its batch: all or none.

    Appends are shared writes (many messages, one fsync); each kind says how to write a batch of its own.
    """

    @classmethod
    @abstractmethod
    def write_batch(cls, conn: sqlite3.Connection, jobs: list[Any]) -> list[Any]:
        """One outcome per job, in order: a value, or an exception for that job alone."""


@dataclass(frozen=True)
class Call:
    """A write that runs alone in its own transaction (its error fails it alone)."""

    fn: Callable[[sqlite3.Connection], Any]


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteDatabase:
    """One SQLite file: the writer connection behind a ``GroupCommitWriter``, and per-thread reader connections.

    ``purge(conn, now)`` runs on the writer thread whenever it has been idle ``purge_every`` seconds.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float],
        purge: Callable[[sqlite3.Connection, float], int],
        readers: int = 4,
        commit_window: float = 0.0,
        max_batch: int = 256,
        purge_every: float = 300.0,
    ) -> None:
        self.path = path
        self.clock = clock
        self._purge = purge
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer_conn = connect(self.path)
            migrate(self.writer_conn, self.clock())
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the SQLite store at {self.path}: {exc}; check the path and its permissions") from exc
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._local = threading.local()
        self._readers = concurrent.futures.ThreadPoolExecutor(max_workers=readers, thread_name_prefix="chat-store-read")
        self.writer: GroupCommitWriter[SharedWrite | Call] = GroupCommitWriter(
            self._commit, name="chat-store-write", max_batch=max_batch, window=commit_window, idle=self._purge_now, idle_every=purge_every
        )
        self.closed = False

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._reader_lock:
                self._reader_conns.append(conn)
        return conn

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on a reader connection in the reader pool."""
        if self.closed:
            raise StoreUnavailable("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))
        except sqlite3.Error as exc:
            raise StoreError(f"reading the SQLite store {self.path} failed: {exc}") from exc

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in its own transaction on the writer thread; returns once it is committed."""
        result: T = await self.writer.submit(Call(fn))
        return result

    def _commit(self, jobs: list[SharedWrite | Call]) -> list[Any]:
        outcomes: list[Any] = [None] * len(jobs)
        by_kind: dict[type[SharedWrite], list[int]] = {}
        for i, job in enumerate(jobs):
            if isinstance(job, SharedWrite):
                by_kind.setdefault(type(job), []).append(i)
        conn = self.writer_conn
        if by_kind:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for kind, indexes in by_kind.items():
                    for i, outcome in zip(indexes, kind.write_batch(conn, [jobs[i] for i in indexes]), strict=True):
                        outcomes[i] = outcome
                conn.execute("COMMIT")
            except Exception as exc:  # the transaction is all or nothing: every shared write in it fails alike
                conn.execute("ROLLBACK")
                error = StoreError(f"writing to the SQLite store {self.path} failed: {exc}")
                for indexes in by_kind.values():
                    for i in indexes:
                        outcomes[i] = error
        for i, call in enumerate(jobs):
            if isinstance(call, Call):
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

    def _purge_now(self) -> None:
        # Runs on the writer thread when it is idle, so it needs no queue slot.
        conn = self.writer_conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._purge(conn, self.clock())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def purge_expired(self) -> int:
        """Run the purge now, in a write transaction; returns what ``purge`` returns."""
        return await self.write(lambda conn: self._purge(conn, self.clock()))

    async def ping(self) -> None:
        if not self.writer.alive:
            raise StoreUnavailable("the SQLite writer thread has stopped")
        await self.read(lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await asyncio.to_thread(self._close_sync)

    def _close_sync(self) -> None:
        self.writer.close()
        self._readers.shutdown(wait=True)
        with self._reader_lock:
            for conn in self._reader_conns:
                conn.close()
        self.writer_conn.close()
