"""The ConnectionStore and RateCounterStore contract: SQLite and DynamoDB (on moto) pass the same tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from runtime.store import open_store
from runtime.store.base import (
    MAX_CONNECTION_ATTRIBUTES,
    MAX_CONNECTION_TTL_SECONDS,
    MAX_ID_LENGTH,
    MAX_RATE_WINDOW_SECONDS,
    MAX_USER_IDS,
    ConnectionRecord,
)
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.store.errors import InvalidArgument
from runtime.store.sqlite_store import SqliteStore
from tests.integration.moto_serialized import SerializedClient
from tests.integration.store_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.25)  # a fraction of a second: expiry rounds up


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        opened = open_store(f"sqlite:{tmp_path / 'chat.db'}", clock=clock)
        assert isinstance(opened, SqliteStore)
        yield opened
        await opened.close()
        return
    with mock_aws():
        client = SerializedClient(boto3.client("dynamodb", region_name="us-east-1"))
        dynamo = DynamoDbStore(table_prefix="test-", clock=clock, client=client)  # type: ignore[arg-type]
        dynamo.create_tables()
        yield dynamo
        await dynamo.close()


async def put(store: Any, clock: FakeClock, connection_id: str, user_id: str, **kwargs: Any) -> ConnectionRecord:
    record: ConnectionRecord = await store.put_connection(connection_id, user_id, f"name of {user_id}", connected_at=clock.now, **kwargs)
    return record


# ---------------------------------------------------------------- connections


async def test_put_get_delete_and_delete_again(store: Any, clock: FakeClock) -> None:
    record = await store.put_connection("c-1", "u-1", "Alice", connected_at=clock.now, attributes={"timeZone": "Europe/Paris"})
    assert record == ConnectionRecord("c-1", "u-1", "Alice", clock.now, clock.now + 86400, {"timeZone": "Europe/Paris"})
    assert await store.get_connection("c-1") == record
    assert await store.get_connection("c-2") is None
    assert await store.delete_connection("c-1") is True
    assert await store.get_connection("c-1") is None
    assert await store.delete_connection("c-1") is False  # idempotent: no error the second time
    assert await store.delete_connection("never-was") is False


async def test_put_again_replaces_the_connection(store: Any, clock: FakeClock) -> None:
    await put(store, clock, "c-1", "u-1", attributes={"locale": "en_US"})
    clock.now += 10
    again = await put(store, clock, "c-1", "u-2", ttl_seconds=60)
    assert await store.get_connection("c-1") == again
    assert again.attributes == {} and again.expires_at == clock.now + 60
    assert await store.connections_of_user("u-1") == []
    assert await store.connections_of_user("u-2") == [again]


async def test_connections_of_a_user_oldest_first(store: Any, clock: FakeClock) -> None:
    first = await put(store, clock, "c-b", "u-1")
    clock.now += 1
    second = await put(store, clock, "c-a", "u-1")
    await put(store, clock, "c-x", "u-2")
    assert await store.connections_of_user("u-1") == [first, second]
    assert await store.connections_of_user("nobody") == []


async def test_connections_of_many_users_beyond_every_batch_limit(store: Any, clock: FakeClock) -> None:
    # 150 users (BatchGetItem takes 100 keys), one of them with 120 connections: 270 connections in all.
    expected = []
    for i in range(150):
        expected.append(await put(store, clock, f"c-{i:03d}", f"u-{i:03d}"))
    for k in range(120):
        expected.append(await put(store, clock, f"c-many-{k:03d}", "u-000"))
    await put(store, clock, "c-other", "not-asked")
    asked = [f"u-{i:03d}" for i in range(150)] + ["u-000", "u-077", "unknown"]  # repeats and strangers are fine
    found = await store.connections_of_users(asked)
    assert sorted(c.connection_id for c in found) == sorted(c.connection_id for c in expected)
    assert found == sorted(expected, key=lambda c: (c.connected_at, c.connection_id))
    assert await store.connections_of_users([]) == []


async def test_expired_connections_are_never_returned(store: Any, clock: FakeClock) -> None:
    short = await put(store, clock, "c-short", "u-1", ttl_seconds=60)
    long = await put(store, clock, "c-long", "u-1", ttl_seconds=3600)
    await store.put_connection("c-stale", "u-1", "Alice", connected_at=clock.now - 90_000)  # its 24 h ran out already
    assert await store.connections_of_user("u-1") == [long, short]  # same time: by connection id
    assert await store.get_connection("c-stale") is None
    clock.now += 60  # expires_at itself is past
    assert await store.get_connection("c-short") is None
    assert await store.connections_of_user("u-1") == [long]
    assert await store.connections_of_users(["u-1", "u-2"]) == [long]
    assert await store.touch_connection("c-short", {"timeZone": "UTC"}) is None
    assert await store.delete_connection("c-short") is False  # nothing live was removed
    assert await store.get_connection("c-long") == long


async def test_touch_merges_attributes_and_keeps_them_few(store: Any, clock: FakeClock) -> None:
    record = await put(store, clock, "c-1", "u-1", attributes={"timeZone": "UTC", "locale": "en_US"})
    touched = await store.touch_connection("c-1", {"timeZone": "Asia/Tokyo"})
    assert touched == ConnectionRecord(
        "c-1", "u-1", "name of u-1", record.connected_at, record.expires_at, {"timeZone": "Asia/Tokyo", "locale": "en_US"}
    )
    assert await store.get_connection("c-1") == touched
    assert await store.touch_connection("c-unknown", {"timeZone": "UTC"}) is None
    many = {f"k{i}": "v" for i in range(MAX_CONNECTION_ATTRIBUTES - 1)}  # with timeZone and locale: one too many
    with pytest.raises(InvalidArgument, match="would have"):
        await store.touch_connection("c-1", many)
    assert await store.get_connection("c-1") == touched  # the refused touch changed nothing


async def test_concurrent_touches_all_land(store: Any, clock: FakeClock) -> None:
    await put(store, clock, "c-1", "u-1")
    await asyncio.gather(*(store.touch_connection("c-1", {f"k{i}": str(i)}) for i in range(8)))
    record = await store.get_connection("c-1")
    assert record is not None and record.attributes == {f"k{i}": str(i) for i in range(8)}


async def test_hostile_but_valid_ids_are_stored_literally(store: Any, clock: FakeClock) -> None:
    odd = ["'; DROP TABLE connections; --", "user#1:2", "ünïcødé 👋", "a" * MAX_ID_LENGTH, "%s %d {0}"]
    for i, value in enumerate(odd):
        record = await store.put_connection(value, value, value, connected_at=clock.now, attributes={value[:64]: value})
        assert await store.get_connection(value) == record, i
        assert await store.connections_of_user(value) == [record]
    assert len(await store.connections_of_users(odd)) == len(odd)


BAD_IDS = ["", "x" * (MAX_ID_LENGTH + 1), "a\x00b", "line\nbreak", 123, None]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_bad_ids_are_refused(store: Any, clock: FakeClock, bad: Any) -> None:
    with pytest.raises(InvalidArgument):
        await store.put_connection(bad, "u", "Alice", connected_at=clock.now)
    with pytest.raises(InvalidArgument):
        await store.put_connection("c", bad, "Alice", connected_at=clock.now)
    with pytest.raises(InvalidArgument):
        await store.put_connection("c", "u", bad, connected_at=clock.now)
    for call in (store.get_connection, store.delete_connection, store.connections_of_user):
        with pytest.raises(InvalidArgument):
            await call(bad)
    with pytest.raises(InvalidArgument):
        await store.connections_of_users(["u", bad])
    with pytest.raises(InvalidArgument):
        await store.touch_connection(bad, {})
    with pytest.raises(InvalidArgument):
        await store.count(bad, 60, clock.now)
    assert await store.get_connection("c") is None  # nothing was stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ttl_seconds", 0),
        ("ttl_seconds", -5),
        ("ttl_seconds", MAX_CONNECTION_TTL_SECONDS + 1),
        ("ttl_seconds", 1.5),
        ("ttl_seconds", True),
        ("connected_at", float("nan")),
        ("connected_at", float("inf")),
        ("connected_at", -1.0),
        ("connected_at", "now"),
        ("attributes", ["timeZone"]),
        ("attributes", {"timeZone": 3}),
        ("attributes", {"": "x"}),
        ("attributes", {"k" * 65: "x"}),
        ("attributes", {"k": "v" * (MAX_ID_LENGTH + 1)}),
        ("attributes", {"k": "a\x1bb"}),
        ("attributes", {f"k{i}": "v" for i in range(MAX_CONNECTION_ATTRIBUTES + 1)}),
    ],
    ids=lambda v: repr(v)[:40],
)
async def test_bad_connection_values_are_refused(store: Any, clock: FakeClock, field: str, value: Any) -> None:
    kwargs: dict[str, Any] = {"connected_at": clock.now, field: value}
    with pytest.raises(InvalidArgument):
        await store.put_connection("c", "u", "Alice", **kwargs)
    if field == "attributes":
        await put(store, clock, "c", "u")
        with pytest.raises(InvalidArgument):
            await store.touch_connection("c", value)


async def test_user_id_lists_are_bounded(store: Any) -> None:
    with pytest.raises(InvalidArgument):
        await store.connections_of_users("u-1")
    with pytest.raises(InvalidArgument):
        await store.connections_of_users([f"u{i}" for i in range(MAX_USER_IDS + 1)])


# ---------------------------------------------------------------- rate counters


async def test_concurrent_counts_are_exact(store: Any, clock: FakeClock) -> None:
    counts = await asyncio.gather(*(store.count("sendmessage:u-1", 60, clock.now) for _ in range(200)))
    assert sorted(counts) == list(range(1, 201))  # each call saw its own count: none lost, none repeated
    assert await store.count("sendmessage:u-1", 60, clock.now) == 201
    assert await store.count("sendmessage:u-2", 60, clock.now) == 1  # another key
    assert await store.count("sendmessage:u-1", 3600, clock.now) == 1  # another window size


async def test_a_new_window_restarts_the_count(store: Any) -> None:
    start = 1_800_000_000.0  # a multiple of 60
    assert [await store.count("k", 60, start + t) for t in (0, 10, 59.999)] == [1, 2, 3]
    assert await store.count("k", 60, start + 60) == 1
    assert await store.count("k", 60, start + 119) == 2
    assert await store.count("k", 60, start - 0.001) == 1  # the window before is its own


@pytest.mark.parametrize(
    ("window", "now"),
    [(0, 1.0), (-1, 1.0), (1.5, 1.0), (True, 1.0), (MAX_RATE_WINDOW_SECONDS + 1, 1.0), (60, float("nan")), (60, -1.0), (60, "1")],
    ids=repr,
)
async def test_bad_counter_arguments_are_refused(store: Any, window: Any, now: Any) -> None:
    with pytest.raises(InvalidArgument):
        await store.count("k", window, now)
