"""WebSocket connections on DynamoDB (the serverless transport): PK connectionId, GSI ``UserIdIndex``, TTL ``ttl``.

A user's connections are found on the GSI, then read back from the table with BatchGetItem: the index is
eventually consistent and may still list a connection that just closed, and a fan-out to it would fail.
DynamoDB deletes expired items up to days late (and moto never does), so every read checks ``expiresAt``.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runtime.store.base import (
    ConnectionRecord,
    check_connection_attributes,
    check_id,
    check_user_ids,
    merge_attributes,
    new_connection_record,
)
from runtime.store.dynamodb.database import BATCH_GET_LIMIT, DynamoDbDatabase
from runtime.store.dynamodb_items import Item, n, s
from runtime.store.errors import StoreError

USER_INDEX = "UserIdIndex"
QUERY_THREADS = 8  # one GSI query per user: a room's members are looked up a few at a time
TOUCH_RETRIES = 10


def _item(record: ConnectionRecord, version: int) -> Item:
    return {
        "connectionId": s(record.connection_id),
        "userId": s(record.user_id),
        "displayName": s(record.display_name),
        "connectedAt": n(record.connected_at),
        "expiresAt": n(record.expires_at),
        "attributes": _attributes(record.attributes),
        "attributesVersion": n(version),
        "ttl": n(math.ceil(record.expires_at)),  # never before expiresAt: the sweeper may run as soon as ttl passes
    }


def _attributes(attributes: dict[str, str]) -> dict[str, Any]:
    return {"M": {name: s(value) for name, value in attributes.items()}}


def _record(item: Item) -> ConnectionRecord:
    return ConnectionRecord(
        connection_id=item["connectionId"]["S"],
        user_id=item["userId"]["S"],
        display_name=item["displayName"]["S"],
        connected_at=float(item["connectedAt"]["N"]),
        expires_at=float(item["expiresAt"]["N"]),
        attributes={name: value["S"] for name, value in item.get("attributes", {}).get("M", {}).items()},
    )


def _live(item: Item | None, now: float) -> bool:
    return item is not None and float(item["expiresAt"]["N"]) > now


class DynamoDbConnections:
    """``ConnectionStore`` on the ``connections`` table. ``query_page`` bounds each GSI query page."""

    def __init__(self, db: DynamoDbDatabase, *, query_page: int = 1000) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["connections"]
        self._clock = db.clock
        self._query_page = query_page

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
        await self._db.call(lambda: self._client.put_item(TableName=self._table, Item=_item(record, 0)))
        return record

    def _get(self, connection_id: str) -> Item | None:
        return self._client.get_item(TableName=self._table, Key={"connectionId": s(connection_id)}, ConsistentRead=True).get("Item")

    async def get_connection(self, connection_id: str) -> ConnectionRecord | None:
        check_id(connection_id, "connection_id")
        now = self._clock()

        def run() -> ConnectionRecord | None:
            item = self._get(connection_id)
            return _record(item) if item is not None and _live(item, now) else None

        return await self._db.call(run)

    async def delete_connection(self, connection_id: str) -> bool:
        check_id(connection_id, "connection_id")
        now = self._clock()

        def run() -> bool:
            old = self._client.delete_item(TableName=self._table, Key={"connectionId": s(connection_id)}, ReturnValues="ALL_OLD")
            return _live(old.get("Attributes"), now)

        return await self._db.call(run)

    async def connections_of_user(self, user_id: str) -> list[ConnectionRecord]:
        return await self.connections_of_users([check_id(user_id, "user_id")])

    async def connections_of_users(self, user_ids: list[str]) -> list[ConnectionRecord]:
        wanted = check_user_ids(user_ids)
        now = self._clock()

        def run() -> list[ConnectionRecord]:
            with ThreadPoolExecutor(max_workers=min(QUERY_THREADS, len(wanted)), thread_name_prefix="chat-store-connections") as pool:
                ids = sorted({cid for found in pool.map(self._connection_ids_of, wanted) for cid in found})
            records: list[ConnectionRecord] = []
            for start in range(0, len(ids), BATCH_GET_LIMIT):
                keys: list[Any] = [{"connectionId": s(cid)} for cid in ids[start : start + BATCH_GET_LIMIT]]
                items, unanswered = self._db.batch_get(self._table, keys, consistent=True)
                if unanswered:
                    raise StoreError("DynamoDB did not answer every connection look-up; try again")
                records.extend(_record(item) for item in items if _live(item, now))
            return sorted(records, key=lambda c: (c.connected_at, c.connection_id))

        return await self._db.call(run) if wanted else []

    def _connection_ids_of(self, user_id: str) -> list[str]:
        """Every connection id the GSI lists for ``user_id``, page after page."""
        found: list[str] = []
        start: Item | None = None
        while True:
            args: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": USER_INDEX,
                "KeyConditionExpression": "userId = :u",
                "ExpressionAttributeValues": {":u": s(user_id)},
                "ProjectionExpression": "connectionId",
                "Limit": self._query_page,
            }
            if start is not None:
                args["ExclusiveStartKey"] = start
            response = self._client.query(**args)
            found.extend(item["connectionId"]["S"] for item in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if not start:
                return found

    async def touch_connection(self, connection_id: str, attributes: dict[str, str]) -> ConnectionRecord | None:
        check_id(connection_id, "connection_id")
        changes = check_connection_attributes(attributes)
        now = self._clock()

        def run() -> ConnectionRecord | None:
            for _ in range(TOUCH_RETRIES):  # a retry only follows another touch's change, so this ends quickly
                item = self._get(connection_id)
                if item is None or not _live(item, now):
                    return None
                merged = merge_attributes(_record(item).attributes, changes)
                values: dict[str, Any] = {":attrs": _attributes(merged), ":now": n(now)}
                seen = item.get("attributesVersion")  # absent on an item another writer put: version 0
                if seen is None:
                    unchanged = "attribute_not_exists(attributesVersion)"
                    values[":next"] = n(1)
                else:
                    unchanged = "attributesVersion = :seen"
                    values.update({":seen": seen, ":next": n(int(seen["N"]) + 1)})
                # Optimistic: written only if no other touch changed the attributes since they were read.
                updated = self._db.conditional_update(
                    self._table,
                    Key={"connectionId": s(connection_id)},
                    UpdateExpression="SET #attrs = :attrs, attributesVersion = :next",
                    ConditionExpression=f"{unchanged} AND expiresAt > :now",
                    ExpressionAttributeNames={"#attrs": "attributes"},  # ATTRIBUTES is a reserved word
                    ExpressionAttributeValues=values,
                )
                if updated is not None:
                    return _record(updated)
            raise StoreError("the connection's attributes could not be updated (too much contention); try again")

        return await self._db.call(run)
