"""The DynamoDB store: boto3 in worker threads, group commit through BatchWriteItem and transactions.

Tables and keys are described in ``runtime.store.dynamodb_tables``. Appends that carry a
client message id are written in TransactWriteItems together with a conditional put of
their idempotency item (a duplicate cancels only itself: it is read back and the rest is
retried); appends without one go through BatchWriteItem, 25 items a call.

Message ids are made by each process at commit time, so with several processes writing one
conversation, a message committed late can carry an id older than one already read, and
``messages_after`` from that later id skips it. Resume therefore re-reads
``RESUME_WINDOW_SECONDS`` back (runtime/chat/service.py); a commit that takes longer than
that after its ids were made is logged ("late commit"), since a resume may still miss it.
The SQLite store makes ids inside the write transaction, in commit order.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from runtime.store.base import (
    MAX_ITEM_BYTES,
    Conversation,
    LoginAttempt,
    NewMessage,
    Page,
    StoredMessage,
    UserRecord,
    check_bot_mode,
    check_cursor,
    check_id,
    check_limit,
    check_new_message,
    check_token_ids,
    private_conversation_id,
    too_large_text,
    username_key,
)
from runtime.store.dynamodb_items import (
    MAX_UUID,
    Item,
    conversation_from_items,
    idempotency_key,
    is_expired,
    item_size,
    message_from_item,
    message_item,
    n,
    s,
    user_from_item,
    user_item,
)
from runtime.store.dynamodb_tables import create_tables, table_names
from runtime.store.errors import (
    ConversationNotFound,
    InvalidArgument,
    MessageTooLarge,
    StoreError,
    StoreUnavailable,
    UserExists,
    UserNotFound,
)
from runtime.store.group_commit import GroupCommitWriter
from runtime.store.ids import RESUME_WINDOW_SECONDS, new_message_id

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

T = TypeVar("T")
log = logging.getLogger("chat_lex.store")

BATCH_GET_LIMIT = 100  # BatchGetItem's limit on keys
BATCH_WRITE_LIMIT = 25  # BatchWriteItem's limit; moto does not enforce it, so we do
TRANSACT_LIMIT = 100  # TransactWriteItems' limit on actions
UNPROCESSED_RETRIES = 5


@dataclass(frozen=True)
class _Append:
    message: NewMessage
    created_at: float
    expires_at: float


class DynamoDbStore:
    """``ChatStore`` and ``UserStore`` on DynamoDB."""

    def __init__(
        self,
        *,
        table_prefix: str = "chat-lex-",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        message_ttl_days: int = 30,
        clock: Callable[[], float] | None = None,
        client: DynamoDBClient | None = None,
        commit_window: float = 0.0,
        max_batch: int = 100,
        transact_actions: int = TRANSACT_LIMIT,
    ) -> None:
        self.description = f"dynamodb ({region}{', ' + endpoint_url if endpoint_url else ''}, tables {table_prefix}*)"
        self._prefix = table_prefix
        self._per_transaction = max(1, min(transact_actions, TRANSACT_LIMIT) // 2)  # two actions per message
        self._tables = table_names(table_prefix)
        self._clock = clock or time.time
        self._ttl_seconds = message_ttl_days * 86400.0
        self._client: DynamoDBClient = client or boto3.client(
            "dynamodb", region_name=region, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 5, "mode": "standard"})
        )
        self._writer: GroupCommitWriter[_Append] = GroupCommitWriter(
            self._commit, name="chat-store-dynamodb-write", max_batch=max_batch, window=commit_window
        )
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def writer(self) -> GroupCommitWriter[_Append]:
        return self._writer

    def create_tables(self) -> None:
        """Create the tables (tests and development; production uses the CloudFormation stack)."""
        create_tables(self._client, self._prefix)

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        try:
            return await asyncio.to_thread(fn)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            if code == "ResourceNotFoundException":
                raise StoreUnavailable(
                    f"a DynamoDB table with prefix {self._prefix!r} is missing ({error.get('Message', '')}); "
                    "deploy the infrastructure stack or create the tables"
                ) from exc
            raise StoreError(f"DynamoDB refused the request: {code}: {error.get('Message', '')}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"cannot reach DynamoDB: {exc}") from exc

    def _query_all(self, *, limit: int, keep: Callable[[Item], bool], **kwargs: Any) -> tuple[list[Item], bool]:
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

    # -- group commit ---------------------------------------------------------------------------

    def _commit(self, jobs: list[_Append]) -> list[Any]:
        ids_made = time.monotonic()
        outcomes = self._write(jobs)
        late = time.monotonic() - ids_made
        if late > RESUME_WINDOW_SECONDS:
            log.warning(
                "late commit: a resume from a newer id may miss these messages", extra={"count": len(jobs), "reason": f"{late:.1f} s"}
            )
        return outcomes

    def _write(self, jobs: list[_Append]) -> list[Any]:
        outcomes: list[Any] = [None] * len(jobs)
        first_by_key: dict[tuple[str, str], int] = {}
        duplicates: list[tuple[int, int]] = []
        idempotent: list[tuple[int, StoredMessage, float]] = []
        plain: list[tuple[int, StoredMessage, float]] = []
        for i, job in enumerate(jobs):
            m = job.message
            if m.client_message_id is not None:
                key = (m.conversation_id, idempotency_key(m.sender_id, m.client_message_id))
                if key in first_by_key:  # the same message twice in one batch: one write, two answers
                    duplicates.append((i, first_by_key[key]))
                    continue
                first_by_key[key] = i
            stored = StoredMessage(
                message_id=new_message_id(),
                conversation_id=m.conversation_id,
                sender_id=m.sender_id,
                sender_name=m.sender_name,
                role=m.role,
                content=m.content,
                client_message_id=m.client_message_id,
                created_at=job.created_at,
                metadata=m.metadata,
            )
            (idempotent if m.client_message_id is not None else plain).append((i, stored, job.expires_at))
        for start in range(0, len(plain), BATCH_WRITE_LIMIT):
            self._batch_write(plain[start : start + BATCH_WRITE_LIMIT], outcomes)
        for start in range(0, len(idempotent), self._per_transaction):
            self._transact(idempotent[start : start + self._per_transaction], outcomes)
        for i, original in duplicates:
            first = outcomes[original]
            outcomes[i] = first if isinstance(first, BaseException) else (first[0], False)
        return outcomes

    def _batch_write(self, group: list[tuple[int, StoredMessage, float]], outcomes: list[Any]) -> None:
        table = self._tables["messages"]
        requests: list[Any] = [{"PutRequest": {"Item": message_item(m, exp)}} for _, m, exp in group]
        try:
            for attempt in range(UNPROCESSED_RETRIES + 1):
                response = self._client.batch_write_item(RequestItems={table: requests})
                requests = list(response.get("UnprocessedItems", {}).get(table, []))
                if not requests:
                    break
                time.sleep(0.05 * 2**attempt)  # throttled: back off before resending what was not written
        except (ClientError, BotoCoreError) as exc:
            for i, _, _ in group:
                outcomes[i] = StoreError(f"writing messages to DynamoDB failed: {exc}")
            return
        unwritten = {r["PutRequest"]["Item"]["messageId"]["S"] for r in requests}
        for i, m, _ in group:
            if m.message_id in unwritten:
                outcomes[i] = StoreError("DynamoDB kept throttling the write; try again")
            else:
                outcomes[i] = (m, True)

    def _transact(self, group: list[tuple[int, StoredMessage, float]], outcomes: list[Any]) -> None:
        table = self._tables["messages"]
        pending = list(group)
        while pending:
            actions: list[Any] = []
            for _, m, exp in pending:
                assert m.client_message_id is not None
                guard: Item = {
                    "conversationId": s(m.conversation_id),
                    "messageId": s(idempotency_key(m.sender_id, m.client_message_id)),
                    "originalId": s(m.message_id),
                }
                if exp:
                    guard["ttl"] = n(int(exp))
                actions.append({"Put": {"TableName": table, "Item": guard, "ConditionExpression": "attribute_not_exists(conversationId)"}})
                actions.append({"Put": {"TableName": table, "Item": message_item(m, exp)}})
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons") or []
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException" or not reasons:
                    for i, _, _ in pending:
                        outcomes[i] = StoreError(f"writing messages to DynamoDB failed: {exc}")
                    return
                retry = []
                for k, (i, m, exp) in enumerate(pending):
                    if reasons[2 * k].get("Code") == "ConditionalCheckFailed":
                        outcomes[i] = self._read_back(m)
                    else:
                        retry.append((i, m, exp))
                if len(retry) == len(pending):  # cancelled for another reason (conflict, throttling): fail, do not spin
                    for i, _, _ in pending:
                        outcomes[i] = StoreError(f"writing messages to DynamoDB failed: {exc}")
                    return
                pending = retry
                continue
            except BotoCoreError as exc:
                for i, _, _ in pending:
                    outcomes[i] = StoreError(f"cannot reach DynamoDB: {exc}")
                return
            for i, m, _ in pending:
                outcomes[i] = (m, True)
            return

    def _read_back(self, m: StoredMessage) -> Any:
        assert m.client_message_id is not None
        table = self._tables["messages"]
        guard = self._client.get_item(
            TableName=table,
            Key={"conversationId": s(m.conversation_id), "messageId": s(idempotency_key(m.sender_id, m.client_message_id))},
            ConsistentRead=True,
        ).get("Item")
        if guard is None:
            return StoreError("a duplicate message vanished while it was read back; send it again")
        original = self._client.get_item(
            TableName=table, Key={"conversationId": s(m.conversation_id), "messageId": guard["originalId"]}, ConsistentRead=True
        ).get("Item")
        if original is None:
            return StoreError("a duplicate message's original is missing; send it again")
        return message_from_item(original), False

    # -- messages ---------------------------------------------------------------------------

    async def append_message(self, message: NewMessage) -> tuple[StoredMessage, bool]:
        check_new_message(message)
        created_at = self._clock()
        expires_at = created_at + self._ttl_seconds if self._ttl_seconds else 0.0
        try:
            probe = StoredMessage(new_message_id(), **{k: getattr(message, k) for k in _NEW_FIELDS}, created_at=created_at)
            size = item_size(message_item(probe, expires_at))
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(f"metadata must be plain JSON (objects, lists, strings, numbers): {exc}") from exc
        if size > MAX_ITEM_BYTES:
            raise MessageTooLarge(too_large_text(size))
        result: tuple[StoredMessage, bool] = await self._writer.submit(_Append(message, created_at, expires_at))
        return result

    async def history(self, conversation_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        check_id(conversation_id, "conversation_id")
        check_cursor(before, "before")
        check_limit(limit)
        now = self._clock()

        def run() -> Page:
            if before is None:
                condition, values = "conversationId = :c AND messageId <= :hi", {":c": s(conversation_id), ":hi": s(MAX_UUID)}
            else:
                condition, values = "conversationId = :c AND messageId < :b", {":c": s(conversation_id), ":b": s(before)}
            items, _ = self._query_all(
                limit=limit + 1,
                keep=lambda item: not is_expired(item, now),
                TableName=self._tables["messages"],
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                ScanIndexForward=False,
                ConsistentRead=True,
            )
            more = len(items) > limit
            messages = [message_from_item(i) for i in reversed(items[:limit])]
            return Page(messages=messages, next_before=messages[0].message_id if more and messages else None)

        return await self._call(run)

    async def messages_after(self, conversation_id: str, after_message_id: str | None, *, limit: int = 500) -> list[StoredMessage]:
        check_id(conversation_id, "conversation_id")
        check_cursor(after_message_id, "after_message_id")
        check_limit(limit)
        now = self._clock()
        after = after_message_id

        def run() -> list[StoredMessage]:
            items, _ = self._query_all(
                limit=limit,
                keep=lambda item: not is_expired(item, now) and item["messageId"]["S"] != after,
                TableName=self._tables["messages"],
                KeyConditionExpression="conversationId = :c AND messageId BETWEEN :lo AND :hi",
                ExpressionAttributeValues={":c": s(conversation_id), ":lo": s(after or "0"), ":hi": s(MAX_UUID)},
                ScanIndexForward=True,
                ConsistentRead=True,
            )
            return [message_from_item(i) for i in items]

        return await self._call(run)

    async def history_by_sender(self, sender_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        """One user's messages across conversations (GSI ``bySender``), newest page first (oldest first within it)."""
        check_id(sender_id, "sender_id")
        check_cursor(before, "before")
        check_limit(limit)
        now = self._clock()

        def run() -> Page:
            items, _ = self._query_all(
                limit=limit + 1,
                keep=lambda item: not is_expired(item, now),
                TableName=self._tables["messages"],
                IndexName="bySender",
                KeyConditionExpression="senderId = :s AND messageId < :b",
                ExpressionAttributeValues={":s": s(sender_id), ":b": s(before or "~")},
                ScanIndexForward=False,
            )
            more = len(items) > limit
            messages = [message_from_item(i) for i in reversed(items[:limit])]
            return Page(messages=messages, next_before=messages[0].message_id if more and messages else None)

        return await self._call(run)

    async def get_message(self, conversation_id: str, message_id: str) -> StoredMessage | None:
        check_id(conversation_id, "conversation_id")
        check_cursor(message_id, "message_id")
        now = self._clock()

        def run() -> StoredMessage | None:
            item = self._client.get_item(
                TableName=self._tables["messages"],
                Key={"conversationId": s(conversation_id), "messageId": s(message_id)},
                ConsistentRead=True,
            ).get("Item")
            return None if item is None or is_expired(item, now) else message_from_item(item)

        return await self._call(run)

    # -- conversations ------------------------------------------------------------------------

    def _conversation(self, conversation_id: str) -> Conversation | None:
        items, _ = self._query_all(
            limit=100_000,
            keep=lambda item: True,
            TableName=self._tables["conversations"],
            KeyConditionExpression="conversationId = :c",
            ExpressionAttributeValues={":c": s(conversation_id)},
            ConsistentRead=True,
        )
        return conversation_from_items(items)

    def _member_item(self, conversation_id: str, user_id: str) -> Item:
        return {
            "conversationId": s(conversation_id),
            "sk": s(f"member#{user_id}"),
            "memberId": s(user_id),
            "joinedAt": n(time.time()),
        }

    def _meta_item(self, conversation_id: str, kind: str, title: str, owner_id: str, bot_mode: str, created_at: float) -> Item:
        return {
            "conversationId": s(conversation_id),
            "sk": s("meta"),
            "kind": s(kind),
            "title": s(title),
            "ownerId": s(owner_id),
            "botMode": s(bot_mode),
            "createdAt": n(created_at),
        }

    async def ensure_private_conversation(self, user_id: str, display_name: str) -> Conversation:
        check_id(user_id, "user_id")
        conversation_id = private_conversation_id(user_id)
        now = self._clock()
        table = self._tables["conversations"]

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
                                "Item": self._meta_item(conversation_id, "private", display_name, user_id, "always", now),
                                "ConditionExpression": "attribute_not_exists(conversationId)",
                            }
                        },
                        {"Put": {"TableName": table, "Item": self._member_item(conversation_id, user_id)}},
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise  # otherwise another request created it first, which is what we wanted
            created = self._conversation(conversation_id)
            assert created is not None
            return created

        return await self._call(run)

    async def create_room(self, title: str, owner_id: str, *, bot_mode: str = "mention") -> Conversation:
        check_id(owner_id, "owner_id")
        check_id(title, "title")
        check_bot_mode(bot_mode)
        conversation_id = f"room-{uuid.uuid4()}"
        now = self._clock()
        table = self._tables["conversations"]

        def run() -> Conversation:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": self._meta_item(conversation_id, "room", title, owner_id, bot_mode, now)}},
                    {"Put": {"TableName": table, "Item": self._member_item(conversation_id, owner_id)}},
                ]
            )
            created = self._conversation(conversation_id)
            assert created is not None
            return created

        return await self._call(run)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        check_id(conversation_id, "conversation_id")
        return await self._call(lambda: self._conversation(conversation_id))

    async def list_conversations(self, user_id: str) -> list[Conversation]:
        check_id(user_id, "user_id")

        def run() -> list[Conversation]:
            items, _ = self._query_all(
                limit=100_000,
                keep=lambda item: True,
                TableName=self._tables["conversations"],
                IndexName="byMember",
                KeyConditionExpression="memberId = :u",
                ExpressionAttributeValues={":u": s(user_id)},
            )
            found = [self._conversation(i["conversationId"]["S"]) for i in items]
            return sorted((c for c in found if c is not None), key=lambda c: (c.created_at, c.conversation_id))

        return await self._call(run)

    async def add_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_id(conversation_id, "conversation_id")
        check_id(user_id, "user_id")

        def run() -> Conversation:
            conversation = self._conversation(conversation_id)
            if conversation is None:
                raise ConversationNotFound(f"no conversation {conversation_id!r}")
            if user_id in conversation.members:
                return conversation
            if conversation.kind == "private":
                raise InvalidArgument("a private conversation is between one user and the bot; create a room to talk with others")
            self._client.put_item(TableName=self._tables["conversations"], Item=self._member_item(conversation_id, user_id))
            updated = self._conversation(conversation_id)
            assert updated is not None
            return updated

        return await self._call(run)

    async def remove_member(self, conversation_id: str, user_id: str) -> Conversation:
        check_id(conversation_id, "conversation_id")
        check_id(user_id, "user_id")

        def run() -> Conversation:
            if self._conversation(conversation_id) is None:
                raise ConversationNotFound(f"no conversation {conversation_id!r}")
            self._client.delete_item(
                TableName=self._tables["conversations"], Key={"conversationId": s(conversation_id), "sk": s(f"member#{user_id}")}
            )
            updated = self._conversation(conversation_id)
            assert updated is not None
            return updated

        return await self._call(run)

    # -- users and refresh tokens ---------------------------------------------------------------

    def _claim_item(self, user: UserRecord) -> Item:
        return {"pk": s(f"username#{username_key(user.username)}"), "userId": s(user.user_id)}

    async def create_user(self, user: UserRecord) -> None:
        check_id(user.user_id, "user_id")
        check_id(user.username, "username")
        table = self._tables["users"]

        def run() -> None:
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": user_item(user), "ConditionExpression": "attribute_not_exists(pk)"}},
                        {"Put": {"TableName": table, "Item": self._claim_item(user), "ConditionExpression": "attribute_not_exists(pk)"}},
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    raise UserExists(f"a user named {user.username!r} already exists; choose another username") from exc
                raise

        await self._call(run)

    def _user_by_id(self, user_id: str) -> UserRecord | None:
        item = self._client.get_item(TableName=self._tables["users"], Key={"pk": s(f"user#{user_id}")}, ConsistentRead=True).get("Item")
        return None if item is None else user_from_item(item)

    def _user_id_for(self, username: str) -> str | None:
        claim = self._client.get_item(
            TableName=self._tables["users"], Key={"pk": s(f"username#{username_key(username)}")}, ConsistentRead=True
        ).get("Item")
        return None if claim is None else claim["userId"]["S"]

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        def run() -> UserRecord | None:
            user_id = self._user_id_for(username)
            return None if user_id is None else self._user_by_id(user_id)

        return await self._call(run)

    async def get_user(self, user_id: str) -> UserRecord | None:
        return await self._call(lambda: self._user_by_id(user_id))

    async def update_user(self, user: UserRecord) -> None:
        table = self._tables["users"]

        def run() -> None:
            old = self._user_by_id(user.user_id)
            if old is None:
                raise UserNotFound(f"no user with id {user.user_id!r}")
            actions: list[Any] = [{"Put": {"TableName": table, "Item": user_item(user), "ConditionExpression": "attribute_exists(pk)"}}]
            if username_key(old.username) != username_key(user.username):
                actions.append(
                    {"Put": {"TableName": table, "Item": self._claim_item(user), "ConditionExpression": "attribute_not_exists(pk)"}}
                )
                actions.append({"Delete": {"TableName": table, "Key": {"pk": s(f"username#{username_key(old.username)}")}}})
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    raise UserExists(f"a user named {user.username!r} already exists") from exc
                raise

        await self._call(run)

    async def delete_user(self, username: str) -> bool:
        table = self._tables["users"]

        def run() -> bool:
            user_id = self._user_id_for(username)
            if user_id is None:
                return False
            self._revoke("refreshByUser", "tokenUser", user_id)
            self._client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": table, "Key": {"pk": s(f"user#{user_id}")}}},
                    {"Delete": {"TableName": table, "Key": {"pk": s(f"username#{username_key(username)}")}}},
                ]
            )
            return True

        return await self._call(run)

    async def list_users(self) -> list[UserRecord]:
        def run() -> list[UserRecord]:
            users: list[UserRecord] = []
            start: Item | None = None
            while True:
                args: dict[str, Any] = {
                    "TableName": self._tables["users"],
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

        return await self._call(run)

    async def save_refresh_token(self, token_hash: str, user_id: str, expires_at: float, family: str) -> None:
        item: Item = {
            "pk": s(f"refresh#{token_hash}"),
            "tokenUser": s(user_id),
            "tokenFamily": s(family),
            "expiresAt": n(expires_at),
            "consumed": {"BOOL": False},
            "ttl": n(int(expires_at) + 1),
        }
        await self._call(lambda: self._client.put_item(TableName=self._tables["users"], Item=item))

    async def take_refresh_token(self, token_hash: str) -> tuple[str, float, str] | None:
        def run() -> tuple[str, float, str] | None:
            try:
                attrs = self._client.update_item(
                    TableName=self._tables["users"],
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

        return await self._call(run)

    async def refresh_token_owner(self, token_hash: str) -> tuple[str, str] | None:
        def run() -> tuple[str, str] | None:
            item = self._client.get_item(TableName=self._tables["users"], Key={"pk": s(f"refresh#{token_hash}")}, ConsistentRead=True).get(
                "Item"
            )
            return None if item is None else (item["tokenUser"]["S"], item["tokenFamily"]["S"])

        return await self._call(run)

    def _revoke(self, index: str, attribute: str, value: str) -> int:
        items, _ = self._query_all(
            limit=100_000,
            keep=lambda item: True,
            TableName=self._tables["users"],
            IndexName=index,
            KeyConditionExpression=f"{attribute} = :v",
            ExpressionAttributeValues={":v": s(value)},
        )
        keys = [{"DeleteRequest": {"Key": {"pk": i["pk"]}}} for i in items]
        for start in range(0, len(keys), BATCH_WRITE_LIMIT):
            requests: list[Any] = keys[start : start + BATCH_WRITE_LIMIT]
            for attempt in range(UNPROCESSED_RETRIES + 1):
                response = self._client.batch_write_item(RequestItems={self._tables["users"]: requests})
                requests = list(response.get("UnprocessedItems", {}).get(self._tables["users"], []))
                if not requests:
                    break
                time.sleep(0.05 * 2**attempt)
        return len(keys)

    async def revoke_refresh_family(self, family: str) -> int:
        return await self._call(lambda: self._revoke("refreshByFamily", "tokenFamily", family))

    async def revoke_refresh_tokens(self, user_id: str) -> int:
        return await self._call(lambda: self._revoke("refreshByUser", "tokenUser", user_id))

    def _conditional(self, **kwargs: Any) -> Item | None:
        """``update_item`` returning the new attributes, or None when its condition does not hold."""
        try:
            return self._client.update_item(TableName=self._tables["users"], ReturnValues="ALL_NEW", **kwargs)["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise

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
                item = self._client.get_item(TableName=self._tables["users"], Key=key, ConsistentRead=True).get("Item")
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

        return await self._call(run)

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
        await self._call(
            lambda: self._conditional(
                Key={"pk": s(f"user#{user_id}")},
                UpdateExpression="SET failedLogins = :zero REMOVE lockedUntil",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":zero": n(0)},
            )
        )

    async def revoke_token_ids(self, token_ids: list[str], expires_at: float) -> None:
        check_token_ids(token_ids)
        table = self._tables["users"]

        def run() -> None:
            requests: list[Any] = [
                {"PutRequest": {"Item": {"pk": s(f"revoked#{t}"), "expiresAt": n(expires_at), "ttl": n(int(expires_at) + 1)}}}
                for t in sorted(set(token_ids))
            ]
            for start in range(0, len(requests), BATCH_WRITE_LIMIT):
                pending = requests[start : start + BATCH_WRITE_LIMIT]
                for attempt in range(UNPROCESSED_RETRIES + 1):
                    response = self._client.batch_write_item(RequestItems={table: pending})
                    pending = list(response.get("UnprocessedItems", {}).get(table, []))
                    if not pending:
                        break
                    time.sleep(0.05 * 2**attempt)
                if pending:
                    raise StoreError("DynamoDB did not take every revocation; sign out again")

        await self._call(run)

    async def revoked_token_ids(self, token_ids: list[str], *, consistent: bool = True) -> set[str]:
        check_token_ids(token_ids)
        table = self._tables["users"]
        now = self._clock()

        def run() -> set[str]:
            found: set[str] = set()
            wanted = sorted(set(token_ids))
            for start in range(0, len(wanted), BATCH_GET_LIMIT):
                keys: list[Any] = [{"pk": s(f"revoked#{t}")} for t in wanted[start : start + BATCH_GET_LIMIT]]
                for attempt in range(UNPROCESSED_RETRIES + 1):
                    # A strongly consistent read costs twice an eventually consistent one (one RCU per item).
                    response = self._client.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": consistent}})
                    for item in response.get("Responses", {}).get(table, []):
                        if float(item["expiresAt"]["N"]) > now:  # TTL deletes lag by up to days
                            found.add(item["pk"]["S"][len("revoked#") :])
                    unprocessed: dict[str, Any] = dict(response.get("UnprocessedKeys", {}))
                    keys = list(unprocessed.get(table, {}).get("Keys", []))
                    if not keys:
                        break
                    time.sleep(0.05 * 2**attempt)
                if keys:
                    raise StoreError("DynamoDB did not answer every revocation look-up; try again")
            return found

        return await self._call(run) if token_ids else set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def ping(self) -> None:
        if not self._writer.alive:
            raise StoreUnavailable("the DynamoDB writer thread has stopped")
        await self._call(lambda: self._client.describe_table(TableName=self._tables["messages"]))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._writer.close)
        self._client.close()


_NEW_FIELDS = ("conversation_id", "sender_id", "sender_name", "role", "content", "client_message_id", "metadata")
