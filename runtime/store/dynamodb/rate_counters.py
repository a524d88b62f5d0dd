"""Fixed-window rate counters on DynamoDB: one UpdateItem ADD per count, atomic across processes; TTL ends each window."""

from __future__ import annotations

from runtime.store.base import check_rate_count, window_start
from runtime.store.dynamodb.database import DynamoDbDatabase
from runtime.store.dynamodb_items import n, s


class DynamoDbRateCounters:
    """``RateCounterStore`` on the ``rate_limits`` table: an item per (key, window), deleted by TTL after it ends."""

    def __init__(self, db: DynamoDbDatabase) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["rate_limits"]

    async def count(self, key: str, window_seconds: int, now: float) -> int:
        key, window_seconds, now = check_rate_count(key, window_seconds, now)
        start = window_start(window_seconds, now)

        def run() -> int:
            attrs = self._client.update_item(
                TableName=self._table,
                Key={"counterKey": s(f"{window_seconds}:{start}:{key}")},
                UpdateExpression="SET #ttl = if_not_exists(#ttl, :end) ADD #count :one",
                ExpressionAttributeNames={"#count": "count", "#ttl": "ttl"},  # both are reserved words
                ExpressionAttributeValues={":one": n(1), ":end": n(start + window_seconds)},
                ReturnValues="UPDATED_NEW",
            )["Attributes"]
            return int(attrs["count"]["N"])

        return await self._db.call(run)
