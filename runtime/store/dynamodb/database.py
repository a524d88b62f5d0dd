"""What every DynamoDB aggregate shares: one boto3 client, the table names, error mapping, paging and batching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from runtime.store.dynamodb_items import Item
from runtime.store.dynamodb_tables import create_tables, table_names
from runtime.store.errors import StoreError, StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

T = TypeVar("T")

BATCH_GET_LIMIT = 100  # BatchGetItem's limit on keys
BATCH_WRITE_LIMIT = 25  # BatchWriteItem's limit; moto does not enforce it, so we do
UNPROCESSED_RETRIES = 5


class DynamoDbDatabase:
    """The client (boto3 calls run in worker threads), the tables of one prefix, and the store's clock."""

    def __init__(
        self,
        *,
        table_prefix: str,
        endpoint_url: str | None,
        region: str,
        clock: Callable[[], float],
        client: DynamoDBClient | None = None,
    ) -> None:
        self.prefix = table_prefix
        self.tables = table_names(table_prefix)
        self.clock = clock
        self._client: DynamoDBClient = client or boto3.client(
            "dynamodb", region_name=region, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 5, "mode": "standard"})
        )
        self.closed = False

    @property
    def client(self) -> DynamoDBClient:
        """The one boto3 client every aggregate calls through (it is thread-safe)."""
        return self._client

    def create_tables(self) -> None:
        create_tables(self._client, self.prefix)

    async def call(self, fn: Callable[[], T]) -> T:
        """Run blocking boto3 work in a worker thread; AWS errors become ``StoreError``s that say what to do."""
        if self.closed:
            raise StoreUnavailable("the store is closed")
        try:
            return await asyncio.to_thread(fn)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            if code == "ResourceNotFoundException":
                raise StoreUnavailable(
                    f"a DynamoDB table with prefix {self.prefix!r} is missing ({error.get('Message', '')}); "
                    "deploy the infrastructure stack or create the tables"
                ) from exc
            raise StoreError(f"DynamoDB refused the request: {code}: {error.get('Message', '')}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"cannot reach DynamoDB: {exc}") from exc

    def query_all(self, *, limit: int, keep: Callable[[Item], bool], **kwargs: Any) -> tuple[list[Item], bool]:
        """Query pages until ``limit`` items pass ``keep``; True when more may follow."""
        found: list[Item] = []
        start: Item | None = None
        while True:
            args = dict(kwargs, Limit=max(limit - len(found), 1))
            if start is not None:
                args["ExclusiveStartKey"] = start
            response = self._client.query(**args)
            for item in response.get("Items", []):
                if keep(item):
                    found.append(item)
                    if len(found) == limit:
                        return found, True
            start = response.get("LastEvaluatedKey")
            if not start:
                return found, False

    def batch_write(self, table: str, requests: list[Any]) -> list[Any]:
        """BatchWriteItem (at most ``BATCH_WRITE_LIMIT`` requests), resending what was not processed; returns what never was."""
        for attempt in range(UNPROCESSED_RETRIES + 1):
            response = self._client.batch_write_item(RequestItems={table: requests})
            requests = list(response.get("UnprocessedItems", {}).get(table, []))
            if not requests:
                break
            time.sleep(0.05 * 2**attempt)  # throttled: back off before resending what was not written
        return requests

    def batch_get(self, table: str, keys: list[Any], *, consistent: bool) -> tuple[list[Item], list[Any]]:
        """BatchGetItem (at most ``BATCH_GET_LIMIT`` keys), asking again for unprocessed keys; (items, keys never answered)."""
        found: list[Item] = []
        for attempt in range(UNPROCESSED_RETRIES + 1):
            response = self._client.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": consistent}})
            found.extend(response.get("Responses", {}).get(table, []))
            unprocessed: dict[str, Any] = dict(response.get("UnprocessedKeys", {}))
            keys = list(unprocessed.get(table, {}).get("Keys", []))
            if not keys:
                break
            time.sleep(0.05 * 2**attempt)
        return found, keys

    def conditional_update(self, table: str, **kwargs: Any) -> Item | None:
        """``update_item`` returning the new attributes, or None when its condition does not hold."""
        try:
            return self._client.update_item(TableName=table, ReturnValues="ALL_NEW", **kwargs)["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise

    def close_client(self) -> None:
        self._client.close()
