"""What only the DynamoDB store has: the 25-item batch limit, item sizes, tables and errors (on moto)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from runtime.store.base import NewMessage
from runtime.store.dynamodb import messages as dynamodb_messages
from runtime.store.dynamodb.connections import DynamoDbConnections
from runtime.store.dynamodb_items import attribute_size, item_size
from runtime.store.dynamodb_store import BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, DynamoDbStore
from runtime.store.dynamodb_tables import table_names
from runtime.store.errors import StoreUnavailable


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


class RecordingClient:
    """The real (moto-backed) client, with every BatchWriteItem request size recorded and checked."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batch_sizes: list[int] = []

    def batch_write_item(self, **kwargs: Any) -> Any:
        size = sum(len(v) for v in kwargs["RequestItems"].values())
        self.batch_sizes.append(size)
        assert size <= BATCH_WRITE_LIMIT, "DynamoDB refuses more than 25 requests in one BatchWriteItem"
        return self._client.batch_write_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


async def test_batches_never_exceed_25_items(aws: None) -> None:
    client = RecordingClient(boto3.client("dynamodb", region_name="us-east-1"))
    store = DynamoDbStore(table_prefix="t-", client=client, commit_window=0.02)  # type: ignore[arg-type]
    store.create_tables()
    try:
        await asyncio.gather(*(store.append_message(NewMessage("room", "u", "U", "user", f"m{i}", None)) for i in range(60)))
        assert len((await store.history("room", limit=100)).messages) == 60
        assert max(client.batch_sizes) == BATCH_WRITE_LIMIT  # batching happened, and was split
        assert sum(client.batch_sizes) == 60
    finally:
        await store.close()


async def test_idempotent_batch_beyond_one_transaction(aws: None) -> None:
    store = DynamoDbStore(table_prefix="t-", commit_window=0.02, transact_actions=10)  # 5 messages a transaction
    store.create_tables()
    try:
        first = await asyncio.gather(*(store.append_message(NewMessage("room", "u", "U", "user", f"m{i}", f"c{i}")) for i in range(23)))
        again = await asyncio.gather(*(store.append_message(NewMessage("room", "u", "U", "user", "x", f"c{i}")) for i in range(23)))
        assert [m.message_id for m, _ in first] == [m.message_id for m, _ in again]
        assert all(created for _, created in first) and not any(created for _, created in again)
        assert len(await store.messages_after("room", None, limit=1000)) == 23
        # new and duplicate messages in the same transactions: the duplicates cancel, the rest is retried
        mixed = await asyncio.gather(*(store.append_message(NewMessage("room", "u", "U", "user", "y", f"c{i}")) for i in range(15, 35)))
        assert [created for _, created in mixed] == [i >= 23 for i in range(15, 35)]
        assert [m.message_id for m, _ in mixed[:8]] == [m.message_id for m, _ in first[15:]]
        assert len(await store.messages_after("room", None, limit=1000)) == 35
    finally:
        await store.close()


def test_item_size_follows_dynamodb_rules() -> None:
    assert attribute_size({"S": "héllo"}) == 6
    assert attribute_size({"BOOL": True}) == 1
    assert item_size({"ab": {"S": "xyz"}}) == 5
    assert attribute_size({"N": "12345"}) == 4


async def test_missing_tables_are_a_clear_error(aws: None) -> None:
    store = DynamoDbStore(table_prefix="absent-")
    try:
        with pytest.raises(StoreUnavailable, match="table"):
            await store.ping()
        with pytest.raises(StoreUnavailable, match="create the tables"):
            await store.history("room")
    finally:
        await store.close()


def test_create_tables_makes_every_table_with_ttl(aws: None) -> None:
    store = DynamoDbStore(table_prefix="p-")
    store.create_tables()
    store.create_tables()  # twice is harmless
    client = boto3.client("dynamodb", region_name="us-east-1")
    assert set(client.list_tables()["TableNames"]) == set(table_names("p-").values())
    ttl = client.describe_time_to_live(TableName="p-messages")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "ttl"
    indexes = client.describe_table(TableName="p-messages")["Table"]["GlobalSecondaryIndexes"]
    assert [i["IndexName"] for i in indexes] == ["bySender"]
    asyncio.run(store.close())


class SlowClient(RecordingClient):
    """Writes that take `delay` seconds more, as under throttling."""

    delay = 0.0

    def transact_write_items(self, **kwargs: Any) -> Any:
        time.sleep(self.delay)
        return self._client.transact_write_items(**kwargs)


async def test_a_commit_later_than_the_resume_window_is_logged(aws: None, monkeypatch: Any, caplog: Any) -> None:
    caplog.set_level("WARNING", logger="chat_lex.store")
    monkeypatch.setattr(dynamodb_messages, "RESUME_WINDOW_SECONDS", 0.05)
    client = SlowClient(boto3.client("dynamodb", region_name="us-east-1"))
    store = DynamoDbStore(table_prefix="t-", client=client)  # type: ignore[arg-type]
    store.create_tables()
    try:
        await store.append_message(NewMessage("room", "u", "U", "user", "quick", "c1"))
        assert not caplog.records
        client.delay = 0.1
        await store.append_message(NewMessage("room", "u", "U", "user", "slow", "c2"))
        assert [r.getMessage() for r in caplog.records] == ["late commit: a resume from a newer id may miss these messages"]
    finally:
        await store.close()


class LookupRecordingClient(RecordingClient):
    """Records every BatchGetItem key count and GSI query, and checks DynamoDB's 100-key limit."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.get_sizes: list[int] = []
        self.index_queries = 0

    def batch_get_item(self, **kwargs: Any) -> Any:
        size = sum(len(v["Keys"]) for v in kwargs["RequestItems"].values())
        self.get_sizes.append(size)
        assert size <= BATCH_GET_LIMIT, "DynamoDB refuses more than 100 keys in one BatchGetItem"
        return self._client.batch_get_item(**kwargs)

    def query(self, **kwargs: Any) -> Any:
        if kwargs.get("IndexName") == "UserIdIndex":
            self.index_queries += 1
        return self._client.query(**kwargs)


async def test_connections_are_read_in_batches_of_100_after_paged_index_queries(aws: None) -> None:
    client = LookupRecordingClient(boto3.client("dynamodb", region_name="us-east-1"))
    store = DynamoDbStore(table_prefix="t-", client=client)  # type: ignore[arg-type]
    store.create_tables()
    try:
        for i in range(230):
            await store.put_connection(f"c{i}", f"u{i % 115}", "U", connected_at=time.time())
        paged = DynamoDbConnections(store.database, query_page=1)  # every index page holds one connection
        found = await paged.connections_of_users([f"u{i}" for i in range(115)])
        assert sorted(c.connection_id for c in found) == sorted(f"c{i}" for i in range(230))
        assert client.get_sizes == [100, 100, 30]
        assert client.index_queries >= 230  # two connections a user, one a page: each user's query paged
    finally:
        await store.close()


async def test_connection_and_counter_items_carry_their_ttl(aws: None) -> None:
    store = DynamoDbStore(table_prefix="t-")
    store.create_tables()
    client = boto3.client("dynamodb", region_name="us-east-1")
    try:
        record = await store.put_connection("c1", "u1", "U", connected_at=1_800_000_000.5, ttl_seconds=86400)
        item = client.get_item(TableName="t-connections", Key={"connectionId": {"S": "c1"}})["Item"]
        assert item["ttl"] == {"N": str(1_800_086_401)}  # expires_at rounded up: never deleted before it expires
        assert record.expires_at == 1_800_086_400.5
        assert await store.count("k", 60, 1_800_000_030.0) == 1
        counter = client.get_item(TableName="t-rate_limits", Key={"counterKey": {"S": "60:1800000000:k"}})["Item"]
        assert counter["ttl"] == {"N": "1800000060"} and counter["count"] == {"N": "1"}
        ttl = client.describe_time_to_live(TableName="t-connections")["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "ttl"
        indexes = client.describe_table(TableName="t-connections")["Table"]["GlobalSecondaryIndexes"]
        assert [(i["IndexName"], i["KeySchema"]) for i in indexes] == [("UserIdIndex", [{"AttributeName": "userId", "KeyType": "HASH"}])]
    finally:
        await store.close()


async def test_touch_works_on_a_connection_item_without_a_version(aws: None) -> None:
    # An item another writer put (the seed's gateway) has no attributesVersion: the first touch starts one.
    store = DynamoDbStore(table_prefix="t-")
    store.create_tables()
    client = boto3.client("dynamodb", region_name="us-east-1")
    try:
        item = {
            "connectionId": {"S": "c1"},
            "userId": {"S": "u1"},
            "displayName": {"S": "U"},
            "connectedAt": {"N": "1"},
            "expiresAt": {"N": str(time.time() + 600)},
        }
        client.put_item(TableName="t-connections", Item=item)
        touched = await store.touch_connection("c1", {"timeZone": "UTC"})
        assert touched is not None and touched.attributes == {"timeZone": "UTC"}
        again = await store.touch_connection("c1", {"locale": "fr_FR"})
        assert again is not None and again.attributes == {"timeZone": "UTC", "locale": "fr_FR"}
    finally:
        await store.close()
