"""Conversations on DynamoDB: a ``meta`` item and one item per member; GSI ``byMember`` lists a user's."""

from __future__ import annotations

import time
import uuid

from botocore.exceptions import ClientError

from runtime.store.base import (
    Conversation,
    check_bot_mode,
    check_id,
    check_membership,
    existing_conversation,
    joinable_conversation,
    private_conversation_id,
)
from runtime.store.dynamodb.database import DynamoDbDatabase
from runtime.store.dynamodb_items import Item, conversation_from_items, n, s


def _member_item(conversation_id: str, user_id: str) -> Item:
    return {
        "conversationId": s(conversation_id),
        "sk": s(f"member#{user_id}"),
        "memberId": s(user_id),
        "joinedAt": n(time.time()),
    }


def _meta_item(conversation_id: str, kind: str, title: str, owner_id: str, bot_mode: str, created_at: float) -> Item:
    return {
        "conversationId": s(conversation_id),
        "sk": s("meta"),
        "kind": s(kind),
        "title": s(title),
        "ownerId": s(owner_id),
        "botMode": s(bot_mode),
        "createdAt": n(created_at),
    }


class DynamoDbConversations:
    """Create, read and change conversations (``ChatStore``'s conversation half)."""

    def __init__(self, db: DynamoDbDatabase) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["conversations"]
        self._clock = db.clock

    def _conversation(self, conversation_id: str) -> Conversation | None:
        items, _ = self._db.query_all(
            limit=100_000,
            keep=lambda item: True,
            TableName=self._table,
            KeyConditionExpression="conversationId = :c",
            ExpressionAttributeValues={":c": s(conversation_id)},
            ConsistentRead=True,
        )
        return conversation_from_items(items)

    async def ensure_private_conversation(self, user_id: str, display_name: str) -> Conversation:
        check_id(user_id, "user_id")
        conversation_id = private_conversation_id(user_id)
        now = self._clock()
        table = self._table

        def run() -> Conversation:
            existing = self._conversation(conversation_id)
            if existing is not None:
                return existing
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": table,
                                "Item": _meta_item(conversation_id, "private", display_name, user_id, "always", now),
                                "ConditionExpression": "attribute_not_exists(conversationId)",
                            }
                        },
                        {"Put": {"TableName": table, "Item": _member_item(conversation_id, user_id)}},
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise  # otherwise another request created it first, which is what we wanted
            created = self._conversation(conversation_id)
            assert created is not None
            return created

        return await self._db.call(run)

    async def create_room(self, title: str, owner_id: str, *, bot_mode: str = "mention") -> Conversation:
        check_id(owner_id, "owner_id")
        check_id(title, "title")
        check_bot_mode(bot_mode)
        conversation_id = f"room-{uuid.uuid4()}"
        now = self._clock()
        table = self._table

        def run() -> Conversation:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": _meta_item(conversation_id, "room", title, owner_id, bot_mode, now)}},
                    {"Put": {"TableName": table, "Item": _member_item(conversation_id, owner_id)}},
                ]
            )
            created = self._conversation(conversation_id)
            assert created is not None
            return created

        return await self._db.call(run)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        check_id(conversation_id, "conversation_id")
        return await self._db.call(lambda: self._conversation(conversation_id))

    async def list_conversations(self, user_id: str) -> list[Conversation]:
        check_id(user_id, "user_id")

        def run() -> list[Conversation]:
            items, _ = self._db.query_all(
                limit=100_000,
                keep=lambda item: True,
                TableName=self._table,
                IndexName="byMember",
                KeyConditionExpression="memberId = :u",
                ExpressionAttributeValues={":u": s(user_id)},
            )
            found = [self._conversation(i["conversationId"]["S"]) for i in items]
            return sorted((c for c in found if c is not None), key=lambda c: (c.created_at, c.conversation_id))

        return await self._db.call(run)

    async def add_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_membership(conversation_id, user_id)

        def run() -> Conversation:
            conversation = joinable_conversation(self._conversation(conversation_id), conversation_id, user_id)
            if user_id in conversation.members:
                return conversation
            self._client.put_item(TableName=self._table, Item=_member_item(conversation_id, user_id))
            updated = self._conversation(conversation_id)
            assert updated is not None
            return updated

        return await self._db.call(run)

    async def remove_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_membership(conversation_id, user_id)

        def run() -> Conversation:
            existing_conversation(self._conversation(conversation_id), conversation_id)
            self._client.delete_item(TableName=self._table, Key={"conversationId": s(conversation_id), "sk": s(f"member#{user_id}")})
            updated = self._conversation(conversation_id)
            assert updated is not None
            return updated

        return await self._db.call(run)
