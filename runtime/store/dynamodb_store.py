"""The DynamoDB store: one class per aggregate under ``runtime/store/dynamodb/``, composed over one client.

Tables and keys are described in ``runtime.store.dynamodb_tables``; how appends are group-committed
(BatchWriteItem and transactions) and why resume re-reads a window, in ``runtime.store.dynamodb.messages``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from runtime.store.composed import ComposedStore
from runtime.store.dynamodb.connections import DynamoDbConnections
from runtime.store.dynamodb.conversations import DynamoDbConversations
from runtime.store.dynamodb.database import BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, DynamoDbDatabase
from runtime.store.dynamodb.messages import TRANSACT_LIMIT, DynamoDbMessages
from runtime.store.dynamodb.rate_counters import DynamoDbRateCounters
from runtime.store.dynamodb.tokens import DynamoDbTokens
from runtime.store.dynamodb.users import DynamoDbUsers
from runtime.store.group_commit import GroupCommitWriter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from runtime.store.dynamodb.messages import _Append

__all__ = ["BATCH_GET_LIMIT", "BATCH_WRITE_LIMIT", "TRANSACT_LIMIT", "DynamoDbStore"]


class DynamoDbStore(
    ComposedStore[DynamoDbMessages, DynamoDbConversations, DynamoDbUsers, DynamoDbTokens, DynamoDbConnections, DynamoDbRateCounters]
):
    """``Store`` (chat, users, revocations), ``ConnectionStore`` and ``RateCounterStore`` on DynamoDB."""

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
        self.database = DynamoDbDatabase(
            table_prefix=table_prefix, endpoint_url=endpoint_url, region=region, clock=clock or time.time, client=client
        )
        db = self.database
        tokens = DynamoDbTokens(db)  # the users aggregate revokes a deleted user's refresh tokens through it
        super().__init__(
            messages=DynamoDbMessages(
                db, message_ttl_days=message_ttl_days, commit_window=commit_window, max_batch=max_batch, transact_actions=transact_actions
            ),
            conversations=DynamoDbConversations(db),
            users=DynamoDbUsers(db, tokens),
            tokens=tokens,
            connections=DynamoDbConnections(db),
            rate_counters=DynamoDbRateCounters(db),
        )

    @property
    def writer(self) -> GroupCommitWriter[_Append]:
        """The messages' group-commit writer (its counters show how well appends batch)."""
        return self.messages.writer

    def create_tables(self) -> None:
        """Create the tables (tests and development; production uses the CloudFormation stack)."""
        self.database.create_tables()

    async def ping(self) -> None:
        await self.messages.ping()

    async def close(self) -> None:
        if self.database.closed:
            return
        self.database.closed = True
        await asyncio.to_thread(self.messages.writer.close)
        self.database.close_client()
