"""Refresh tokens and revoked token ids on DynamoDB: items of the users table (``refresh#...``, ``revoked#...``)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from runtime.store.base import check_token_ids
from runtime.store.dynamodb.database import BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, DynamoDbDatabase
from runtime.store.dynamodb_items import Item, n, s
from runtime.store.errors import StoreError


class DynamoDbTokens:
    """``UserStore``'s refresh tokens and ``RevocationStore``."""

    def __init__(self, db: DynamoDbDatabase) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["users"]
        self._clock = db.clock

    async def save_refresh_token(self, token_hash: str, user_id: str, expires_at: float, family: str) -> None:
        item: Item = {
            "pk": s(f"refresh#{token_hash}"),
            "tokenUser": s(user_id),
            "tokenFamily": s(family),
            "expiresAt": n(expires_at),
            "consumed": {"BOOL": False},
            "ttl": n(int(expires_at) + 1),
        }
        await self._db.call(lambda: self._client.put_item(TableName=self._table, Item=item))

    async def take_refresh_token(self, token_hash: str) -> tuple[str, float, str] | None:
        def run() -> tuple[str, float, str] | None:
            try:
                attrs = self._client.update_item(
                    TableName=self._table,
                    Key={"pk": s(f"refresh#{token_hash}")},
                    UpdateExpression="SET #used = :t",
                    ConditionExpression="attribute_exists(pk) AND #used = :f",
                    ExpressionAttributeNames={"#used": "consumed"},  # CONSUMED is a reserved word
                    ExpressionAttributeValues={":t": {"BOOL": True}, ":f": {"BOOL": False}},
                    ReturnValues="ALL_NEW",
                )["Attributes"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    return None
                raise
            return attrs["tokenUser"]["S"], float(attrs["expiresAt"]["N"]), attrs["tokenFamily"]["S"]

        return await self._db.call(run)

    async def refresh_token_owner(self, token_hash: str) -> tuple[str, str] | None:
        def run() -> tuple[str, str] | None:
            item = self._client.get_item(TableName=self._table, Key={"pk": s(f"refresh#{token_hash}")}, ConsistentRead=True).get("Item")
            return None if item is None else (item["tokenUser"]["S"], item["tokenFamily"]["S"])

        return await self._db.call(run)

    def revoke(self, index: str, attribute: str, value: str) -> int:
        """Delete every refresh token whose ``attribute`` (``tokenUser``, ``tokenFamily``) is ``value``, found on ``index``."""
        items, _ = self._db.query_all(
            limit=100_000,
            keep=lambda item: True,
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=f"{attribute} = :v",
            ExpressionAttributeValues={":v": s(value)},
        )
        keys = [{"DeleteRequest": {"Key": {"pk": i["pk"]}}} for i in items]
        for start in range(0, len(keys), BATCH_WRITE_LIMIT):
            self._db.batch_write(self._table, keys[start : start + BATCH_WRITE_LIMIT])
        return len(keys)

    async def revoke_refresh_family(self, family: str) -> int:
        return await self._db.call(lambda: self.revoke("refreshByFamily", "tokenFamily", family))

    async def revoke_refresh_tokens(self, user_id: str) -> int:
        return await self._db.call(lambda: self.revoke("refreshByUser", "tokenUser", user_id))

    async def revoke_token_ids(self, token_ids: list[str], expires_at: float) -> None:
        check_token_ids(token_ids)
        table = self._table

        def run() -> None:
            requests: list[Any] = [
                {"PutRequest": {"Item": {"pk": s(f"revoked#{t}"), "expiresAt": n(expires_at), "ttl": n(int(expires_at) + 1)}}}
                for t in sorted(set(token_ids))
            ]
            for start in range(0, len(requests), BATCH_WRITE_LIMIT):
                if self._db.batch_write(table, requests[start : start + BATCH_WRITE_LIMIT]):
                    raise StoreError("DynamoDB did not take every revocation; sign out again")

        await self._db.call(run)

    async def revoked_token_ids(self, token_ids: list[str], *, consistent: bool = True) -> set[str]:
        check_token_ids(token_ids)
        table = self._table
        now = self._clock()

        def run() -> set[str]:
            found: set[str] = set()
            wanted = sorted(set(token_ids))
            for start in range(0, len(wanted), BATCH_GET_LIMIT):
                keys: list[Any] = [{"pk": s(f"revoked#{t}")} for t in wanted[start : start + BATCH_GET_LIMIT]]
                # A strongly consistent read costs twice an eventually consistent one (one RCU per item).
                items, unanswered = self._db.batch_get(table, keys, consistent=consistent)
                if unanswered:
                    raise StoreError("DynamoDB did not answer every revocation look-up; try again")
                for item in items:
                    if float(item["expiresAt"]["N"]) > now:  # TTL deletes lag by up to days
                        found.add(item["pk"]["S"][len("revoked#") :])
            return found

        return await self._db.call(run) if token_ids else set()
