"""Messages on DynamoDB: group commit through BatchWriteItem and transactions; reads skip expired items.

Appends that carry a client message id are written in TransactWriteItems together with a conditional put of
their idempotency item (a duplicate cancels only itself: it is read back and the rest is retried); appends
without one go through BatchWriteItem, 25 items a call.

Message ids are made by each process at commit time, so with several processes writing one
conversation, a message committed late can carry an id older than one already read, and
``messages_after`` from that later id skips it. Resume therefore re-reads
``RESUME_WINDOW_SECONDS`` back (runtime/chat/service.py); a commit that takes longer than
that after its ids were made is logged ("late commit"), since a resume may still miss it.
The SQLite store makes ids inside the write transaction, in commit order.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.store.base import (
    MAX_ITEM_BYTES,
    NewMessage,
    Page,
    StoredMessage,
    check_cursor,
    check_id,
    check_new_message,
    check_page_query,
    message_expiry,
    metadata_not_json,
    newest_first_page,
    stored_message,
    too_large_text,
)
from runtime.store.dynamodb.database import BATCH_WRITE_LIMIT, DynamoDbDatabase
from runtime.store.dynamodb_items import MAX_UUID, Item, idempotency_key, is_expired, item_size, message_from_item, message_item, n, s
from runtime.store.errors import MessageTooLarge, StoreError, StoreUnavailable
from runtime.store.group_commit import GroupCommitWriter
from runtime.store.ids import RESUME_WINDOW_SECONDS, new_message_id

log = logging.getLogger("chat_lex.store")

TRANSACT_LIMIT = 100  # TransactWriteItems' limit on actions


@dataclass(frozen=True)
class _Append:
    message: NewMessage
    created_at: float
    expires_at: float


class DynamoDbMessages:
    """Append and read messages (``ChatStore``'s message half); owns the group-commit writer thread."""

    def __init__(
        self,
        db: DynamoDbDatabase,
        *,
        message_ttl_days: int,
        commit_window: float = 0.0,
        max_batch: int = 100,
        transact_actions: int = TRANSACT_LIMIT,
    ) -> None:
        self._db = db
        self._client = db.client
        self._table = db.tables["messages"]
        self._clock = db.clock
        self._ttl_seconds = message_ttl_days * 86400.0
        self._per_transaction = max(1, min(transact_actions, TRANSACT_LIMIT) // 2)  # two actions per message
        self.writer: GroupCommitWriter[_Append] = GroupCommitWriter(
            self._commit, name="chat-store-dynamodb-write", max_batch=max_batch, window=commit_window
        )

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
            stored = stored_message(m, new_message_id(), job.created_at)
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
        requests: list[Any] = [{"PutRequest": {"Item": message_item(m, exp)}} for _, m, exp in group]
        try:
            requests = self._db.batch_write(self._table, requests)
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
        table = self._table
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
        table = self._table
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
        expires_at = message_expiry(created_at, self._ttl_seconds)
        try:
            probe = stored_message(message, new_message_id(), created_at)
            size = item_size(message_item(probe, expires_at))
        except (TypeError, ValueError) as exc:
            raise metadata_not_json(exc) from exc
        if size > MAX_ITEM_BYTES:
            raise MessageTooLarge(too_large_text(size))
        # Queued before this call first suspends: the append-order contract of ChatStore.append_message.
        result: tuple[StoredMessage, bool] = await self.writer.submit(_Append(message, created_at, expires_at))
        return result

    async def history(self, conversation_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        check_page_query(conversation_id, "conversation_id", before, "before", limit)
        now = self._clock()

        def run() -> Page:
            if before is None:
                condition, values = "conversationId = :c AND messageId <= :hi", {":c": s(conversation_id), ":hi": s(MAX_UUID)}
            else:
                condition, values = "conversationId = :c AND messageId < :b", {":c": s(conversation_id), ":b": s(before)}
            items, _ = self._db.query_all(
                limit=limit + 1,
                keep=lambda item: not is_expired(item, now),
                TableName=self._table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                ScanIndexForward=False,
                ConsistentRead=True,
            )
            return newest_first_page(items, limit, message_from_item)

        return await self._db.call(run)

    async def messages_after(self, conversation_id: str, after_message_id: str | None, *, limit: int = 500) -> list[StoredMessage]:
        check_page_query(conversation_id, "conversation_id", after_message_id, "after_message_id", limit)
        now = self._clock()
        after = after_message_id

        def run() -> list[StoredMessage]:
            items, _ = self._db.query_all(
                limit=limit,
                keep=lambda item: not is_expired(item, now) and item["messageId"]["S"] != after,
                TableName=self._table,
                KeyConditionExpression="conversationId = :c AND messageId BETWEEN :lo AND :hi",
                ExpressionAttributeValues={":c": s(conversation_id), ":lo": s(after or "0"), ":hi": s(MAX_UUID)},
                ScanIndexForward=True,
                ConsistentRead=True,
            )
            return [message_from_item(i) for i in items]

        return await self._db.call(run)

    async def history_by_sender(self, sender_id: str, *, before: str | None = None, limit: int = 50) -> Page:
        """One user's messages across conversations (GSI ``bySender``), newest page first (oldest first within it)."""
        check_page_query(sender_id, "sender_id", before, "before", limit)
        now = self._clock()

        def run() -> Page:
            items, _ = self._db.query_all(
                limit=limit + 1,
                keep=lambda item: not is_expired(item, now),
                TableName=self._table,
                IndexName="bySender",
                KeyConditionExpression="senderId = :s AND messageId < :b",
                ExpressionAttributeValues={":s": s(sender_id), ":b": s(before or "~")},
                ScanIndexForward=False,
            )
            return newest_first_page(items, limit, message_from_item)

        return await self._db.call(run)

    async def get_message(self, conversation_id: str, message_id: str) -> StoredMessage | None:
        check_id(conversation_id, "conversation_id")
        check_cursor(message_id, "message_id")
        now = self._clock()

        def run() -> StoredMessage | None:
            item = self._client.get_item(
                TableName=self._table,
                Key={"conversationId": s(conversation_id), "messageId": s(message_id)},
                ConsistentRead=True,
            ).get("Item")
            return None if item is None or is_expired(item, now) else message_from_item(item)

        return await self._db.call(run)

    async def ping(self) -> None:
        """The writer thread runs and the messages table answers."""
        if not self.writer.alive:
            raise StoreUnavailable("the DynamoDB writer thread has stopped")
        await self._db.call(lambda: self._client.describe_table(TableName=self._table))
