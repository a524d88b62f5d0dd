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
from runtime.store.dynamodb_items import attribute_size, item_size
from runtime.store.dynamodb_store import BATCH_WRITE_LIMIT, DynamoDbStore
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
