"""The local identity provider's users on DynamoDB: ``user#`` profiles, ``username#`` claims, sign-in attempt counts."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from runtime.store.base import LoginAttempt, UserRecord, check_id, username_key
from runtime.store.dynamodb.database import DynamoDbDatabase
from runtime.store.dynamodb.tokens import DynamoDbTokens
from runtime.store.dynamodb_items import Item, n, s, user_from_item, user_item
from runtime.store.errors import StoreError, UserExists, UserNotFound


def _claim_item(user: UserRecord) -> Item:
    return {"pk": s(f"username#{username_key(user.username)}"), "userId": s(user.user_id)}


class DynamoDbUsers:
    """``UserStore``'s users and login attempts; deleting a user revokes their refresh tokens through ``tokens``."""

    def __init__(self, db: DynamoDbDatabase, tokens: DynamoDbTokens) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["users"]
        self._tokens = tokens

    async def create_user(self, user: UserRecord) -> None:
        check_id(user.user_id, "user_id")
        check_id(user.username, "username")
        table = self._table

        def run() -> None:
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": user_item(user), "ConditionExpression": "attribute_not_exists(pk)"}},
                        {"Put": {"TableName": table, "Item": _claim_item(user), "ConditionExpression": "attribute_not_exists(pk)"}},
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    raise UserExists(f"a user named {user.username!r} already exists; choose another username") from exc
                raise

        await self._db.call(run)

    def _user_by_id(self, user_id: str) -> UserRecord | None:
        item = self._client.get_item(TableName=self._table, Key={"pk": s(f"user#{user_id}")}, ConsistentRead=True).get("Item")
        return None if item is None else user_from_item(item)

    def _user_id_for(self, username: str) -> str | None:
        claim = self._client.get_item(TableName=self._table, Key={"pk": s(f"username#{username_key(username)}")}, ConsistentRead=True).get(
            "Item"
        )
        return None if claim is None else claim["userId"]["S"]

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        def run() -> UserRecord | None:
            user_id = self._user_id_for(username)
            return None if user_id is None else self._user_by_id(user_id)

        return await self._db.call(run)

    async def get_user(self, user_id: str) -> UserRecord | None:
        return await self._db.call(lambda: self._user_by_id(user_id))

    async def update_user(self, user: UserRecord) -> None:
        table = self._table

        def run() -> None:
            old = self._user_by_id(user.user_id)
            if old is None:
                raise UserNotFound(f"no user with id {user.user_id!r}")
            actions: list[Any] = [{"Put": {"TableName": table, "Item": user_item(user), "ConditionExpression": "attribute_exists(pk)"}}]
            if username_key(old.username) != username_key(user.username):
                actions.append({"Put": {"TableName": table, "Item": _claim_item(user), "ConditionExpression": "attribute_not_exists(pk)"}})
                actions.append({"Delete": {"TableName": table, "Key": {"pk": s(f"username#{username_key(old.username)}")}}})
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    raise UserExists(f"a user named {user.username!r} already exists") from exc
                raise

        await self._db.call(run)

    async def delete_user(self, username: str) -> bool:
        table = self._table

        def run() -> bool:
            user_id = self._user_id_for(username)
            if user_id is None:
                return False
            self._tokens.revoke("refreshByUser", "tokenUser", user_id)
            self._client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": table, "Key": {"pk": s(f"user#{user_id}")}}},
                    {"Delete": {"TableName": table, "Key": {"pk": s(f"username#{username_key(username)}")}}},
                ]
            )
            return True

        return await self._db.call(run)

    async def list_users(self) -> list[UserRecord]:
        def run() -> list[UserRecord]:
            users: list[UserRecord] = []
            start: Item | None = None
            while True:
                args: dict[str, Any] = {
                    "TableName": self._table,
                    "FilterExpression": "begins_with(pk, :p)",
                    "ExpressionAttributeValues": {":p": s("user#")},
                    "ConsistentRead": True,
                }
                if start:
                    args["ExclusiveStartKey"] = start
                response = self._client.scan(**args)
                users.extend(user_from_item(i) for i in response.get("Items", []))
                start = response.get("LastEvaluatedKey")
                if not start:
                    return sorted(users, key=lambda u: username_key(u.username))

        return await self._db.call(run)

    def _conditional(self, **kwargs: Any) -> Item | None:
        return self._db.conditional_update(self._table, **kwargs)

    async def count_login_attempt(self, user_id: str, *, now: float, max_attempts: int, lockout_seconds: float) -> LoginAttempt | None:
        key = {"pk": s(f"user#{user_id}")}

        def run() -> LoginAttempt | None:
            for _ in range(10):  # a retry only follows another attempt's change, so this ends quickly
                # ADD is atomic: parallel attempts get distinct counts, taken before any password is checked.
                attrs = self._conditional(
                    Key=key,
                    UpdateExpression="ADD failedLogins :one",
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(lockedUntil)",
                    ExpressionAttributeValues={":one": n(1)},
                )
                if attrs is not None:
                    return self._lock_if_reached(key, int(attrs["failedLogins"]["N"]), now + lockout_seconds, max_attempts)
                item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
                if item is None:
                    return None
                locked = item.get("lockedUntil")
                if locked is None:
                    continue  # unlocked meanwhile: count again
                if float(locked["N"]) > now:
                    return LoginAttempt(False, int(item["failedLogins"]["N"]), float(locked["N"]))
                # The lock has run out: this attempt starts a new count, unless another attempt just did.
                restarted = self._conditional(
                    Key=key,
                    UpdateExpression="SET failedLogins = :one REMOVE lockedUntil",
                    ConditionExpression="lockedUntil = :seen",
                    ExpressionAttributeValues={":one": n(1), ":seen": locked},
                )
                if restarted is not None:
                    return self._lock_if_reached(key, 1, now + lockout_seconds, max_attempts)
            raise StoreError("the sign-in attempt could not be counted (too much contention); try again")

        return await self._db.call(run)

    def _lock_if_reached(self, key: Item, count: int, until: float, max_attempts: int) -> LoginAttempt:
        if count < max_attempts:
            return LoginAttempt(True, count, None)
        # Reaching the limit locks; attempts counted past it (racing this lock) are refused unchecked.
        self._conditional(
            Key=key,
            UpdateExpression="SET lockedUntil = :until",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(lockedUntil)",
            ExpressionAttributeValues={":until": n(until)},
        )
        return LoginAttempt(count == max_attempts, count, until)

    async def reset_login_attempts(self, user_id: str) -> None:
        await self._db.call(
            lambda: self._conditional(
                Key={"pk": s(f"user#{user_id}")},
                UpdateExpression="SET failedLogins = :zero REMOVE lockedUntil",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":zero": n(0)},
            )
        )
