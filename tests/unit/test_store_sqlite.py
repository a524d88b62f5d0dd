"""What only the SQLite store has: schema versions, WAL and FULL sync, group commit, purge, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from runtime.store import open_store
from runtime.store.base import NewMessage
from runtime.store.errors import InvalidStoreUrl, StoreUnavailable
from runtime.store.sqlite_schema import MIGRATIONS
from runtime.store.sqlite_store import SqliteStore


def msg(text: str, client: str | None = None) -> NewMessage:
    return NewMessage("room-1", "u1", "Alice", "user", text, client)


async def test_schema_version_and_pragmas(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a" / "b" / "chat.db")
    await store.close()
    conn = sqlite3.connect(tmp_path / "a" / "b" / "chat.db")
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    # Reopening applies nothing twice.
    again = SqliteStore(tmp_path / "a" / "b" / "chat.db")
    assert again.database.writer_conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert again.database.writer_conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    await again.close()


async def test_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    await SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (999, 0)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable, match="upgrade chat-lex"):
        SqliteStore(path)


async def test_messages_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    first = SqliteStore(path)
    stored, _ = await first.append_message(msg("still here", client="c1"))
    await first.close()
    second = SqliteStore(path)
    try:
        assert await second.get_message("room-1", stored.message_id) == stored
        again, created = await second.append_message(msg("retry", client="c1"))
        assert not created and again.message_id == stored.message_id
        later, _ = await second.append_message(msg("after restart"))
        assert later.message_id > stored.message_id
    finally:
        await second.close()


async def test_appends_queued_during_a_commit_share_the_next_one(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "chat.db", max_batch=64)
    try:
        busy, release = threading.Event(), threading.Event()

        def slow_commit(conn: sqlite3.Connection) -> None:
            busy.set()
            release.wait(10)  # the writer is inside a commit while the appends queue up

        blocker = asyncio.ensure_future(store.database.write(slow_commit))
        await asyncio.to_thread(busy.wait, 10)
        before = store.writer.batches
        # While the writer is busy, reads still answer: they have their own connections and threads.
        assert (await asyncio.wait_for(store.history("room-1"), timeout=10)).messages == []
        appends = asyncio.gather(*(store.append_message(msg(f"m{i}")) for i in range(200)))
        await asyncio.sleep(0.05)  # let every append reach the queue
        release.set()
        results = await appends
        await blocker
        assert len({m.message_id for m, _ in results}) == 200
        assert store.writer.batches - before == 4  # ceil(200 / 64): one transaction per full batch
    finally:
        await store.close()


async def test_purge_removes_expired_rows(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = SqliteStore(tmp_path / "chat.db", message_ttl_days=1, clock=lambda: now[0])
    try:
        await store.append_message(msg("old"))
        await store.save_refresh_token("h", "u", now[0] + 10, "f")
        now[0] += 2 * 86400
        await store.append_message(msg("new"))
        assert await store.purge_expired() == 1
        rows = store.database.writer_conn.execute("SELECT content FROM messages").fetchall()
        assert rows == [("new",)]
        assert await store.refresh_token_owner("h") is None
    finally:
        await store.close()


async def test_a_second_process_writer_keeps_ids_ordered(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    one, two = SqliteStore(path), SqliteStore(path)
    try:
        sent = []
        for i in range(20):
            stored, _ = await (one if i % 2 else two).append_message(msg(f"m{i}"))
            sent.append(stored.message_id)
        assert sent == sorted(sent)
        assert [m.message_id for m in await one.messages_after("room-1", None)] == sent
    finally:
        await one.close()
        await two.close()


async def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "chat.db")
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(StoreUnavailable, match="closed"):
        await store.append_message(msg("late"))
    with pytest.raises(StoreUnavailable, match="closed"):
        await store.history("room-1")


def test_bad_store_urls_say_what_to_use(tmp_path: Path) -> None:
    for url in ("postgres://x", "sqlite:", "", "SQLITE:x", "sqlite::memory:", "sqlite:file:x?mode=memory"):
        with pytest.raises(InvalidStoreUrl, match="sqlite:PATH"):
            open_store(url)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="cannot open the SQLite store"):
        open_store(f"sqlite:{blocker / 'chat.db'}")
    with pytest.raises(InvalidStoreUrl, match="days"):
        open_store(f"sqlite:{tmp_path / 'x.db'}", message_ttl_days=-1)


async def test_not_a_database_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreUnavailable, match="cannot open the SQLite store"):
        SqliteStore(path)


async def test_a_version_2_database_gains_connections_and_rate_counters(tmp_path: Path) -> None:
    from runtime.store.sqlite_schema import _statements

    path = tmp_path / "chat.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at REAL NOT NULL)")
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?, 0)", (number,))
    conn.execute("INSERT INTO revoked_tokens VALUES ('jti-1', 9e12)")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        assert store.database.writer_conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 3 == len(MIGRATIONS)
        assert await store.revoked_token_ids(["jti-1"]) == {"jti-1"}  # what was there stays
        record = await store.put_connection("c1", "u1", "Alice", connected_at=time.time())
        assert await store.connections_of_users(["u1"]) == [record]
        assert await store.count("k", 60, time.time()) == 1
    finally:
        await store.close()


async def test_purge_removes_expired_connections_and_counter_windows(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = SqliteStore(tmp_path / "chat.db", clock=lambda: now[0])
    try:
        await store.put_connection("old", "u", "U", connected_at=now[0], ttl_seconds=60)
        await store.put_connection("new", "u", "U", connected_at=now[0], ttl_seconds=3600)
        await store.count("k", 60, now[0])
        now[0] += 120
        await store.purge_expired()
        rows = store.database.writer_conn.execute("SELECT connection_id FROM connections").fetchall()
        assert rows == [("new",)]
        assert store.database.writer_conn.execute("SELECT count(*) FROM rate_counters").fetchone()[0] == 0
    finally:
        await store.close()
