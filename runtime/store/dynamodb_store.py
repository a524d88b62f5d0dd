"""The DynamoDB store: one class per aggregate under ``runtime/store/dynamodb/``, composed over one client.

Tables and keys are described in ``runtime.store.dynamodb_tables``; how appends are group-committed
(BatchWriteItem and transactions) and why resume re-reads a window, in ``runtime.store.dynamodb.messages``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

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


class DynamoDbStore:
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
        self.messages = DynamoDbMessages(
            self.database,
            message_ttl_days=message_ttl_days,
            commit_window=commit_window,
            max_batch=max_batch,
            transact_actions=transact_actions,
        )
        self.conversations = DynamoDbConversations(self.database)
        self.tokens = DynamoDbTokens(self.database)
        self.users = DynamoDbUsers(self.database, self.tokens)
        self.connections = DynamoDbConnections(self.database)
        self.rate_counters = DynamoDbRateCounters(self.database)

        # Each aggregate's methods are the store's: bound once here, so a call costs no extra frame.
        self.append_message = self.messages.append_message
        self.history = self.messages.history
        self.messages_after = self.messages.messages_after
        self.get_message = self.messages.get_message
        self.history_by_sender = self.messages.history_by_sender

        self.ensure_private_conversation = self.conversations.ensure_private_conversation
        self.create_room = self.conversations.create_room
        self.get_conversation = self.conversations.get_conversation
        self.list_conversations = self.conversations.list_conversations
        self.add_member = self.conversations.add_member
        self.remove_member = self.conversations.remove_member

        self.create_user = self.users.create_user
        self.get_user_by_username = self.users.get_user_by_username
        self.get_user = self.users.get_user
        self.update_user = self.users.update_user
        self.delete_user = self.users.delete_user
        self.list_users = self.users.list_users
        self.count_login_attempt = self.users.count_login_attempt
        self.reset_login_attempts = self.users.reset_login_attempts

        self.save_refresh_token = self.tokens.save_refresh_token
        self.take_refresh_token = self.tokens.take_refresh_token
        self.refresh_token_owner = self.tokens.refresh_token_owner
        self.revoke_refresh_family = self.tokens.revoke_refresh_family
        self.revoke_refresh_tokens = self.tokens.revoke_refresh_tokens
        self.revoke_token_ids = self.tokens.revoke_token_ids
        self.revoked_token_ids = self.tokens.revoked_token_ids

        self.put_connection = self.connections.put_connection
        self.get_connection = self.connections.get_connection
        self.delete_connection = self.connections.delete_connection
        self.connections_of_user = self.connections.connections_of_user
        self.connections_of_users = self.connections.connections_of_users
        self.touch_connection = self.connections.touch_connection

        self.count = self.rate_counters.count

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
