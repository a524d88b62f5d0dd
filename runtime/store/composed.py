"""What both composed stores share: they hold one object per aggregate and offer its methods as their own.

``SqliteStore`` and ``DynamoDbStore`` pass their aggregates to ``ComposedStore.__init__``, which keeps them
(typed as the backend's own classes, through the type parameters) and binds their methods onto the store
once. Each type parameter is bound by a per-aggregate protocol of ``runtime.store.base``, so mypy checks
every aggregate against its protocol, and the bound methods carry those protocols' signatures
(``runtime/store/__init__.py`` checks that both stores still offer every store protocol).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from runtime.store.base import (
    ConnectionStore,
    ConversationStore,
    MessageStore,
    RateCounterStore,
    TokenStore,
    UserAccountStore,
)

_Messages = TypeVar("_Messages", bound=MessageStore)
_Conversations = TypeVar("_Conversations", bound=ConversationStore)
_Users = TypeVar("_Users", bound=UserAccountStore)
_Tokens = TypeVar("_Tokens", bound=TokenStore)
_Connections = TypeVar("_Connections", bound=ConnectionStore)
_RateCounters = TypeVar("_RateCounters", bound=RateCounterStore)


class ComposedStore(Generic[_Messages, _Conversations, _Users, _Tokens, _Connections, _RateCounters]):
    """A store whose methods are its aggregates' methods, bound once here: a call costs no extra frame."""

    def __init__(
        self,
        *,
        messages: _Messages,
        conversations: _Conversations,
        users: _Users,
        tokens: _Tokens,
        connections: _Connections,
        rate_counters: _RateCounters,
    ) -> None:
        self.messages = messages
        self.conversations = conversations
        self.users = users
        self.tokens = tokens
        self.connections = connections
        self.rate_counters = rate_counters

        self.append_message = messages.append_message
        self.history = messages.history
        self.messages_after = messages.messages_after
        self.get_message = messages.get_message
        self.history_by_sender = messages.history_by_sender

        self.ensure_private_conversation = conversations.ensure_private_conversation
        self.create_room = conversations.create_room
        self.get_conversation = conversations.get_conversation
        self.list_conversations = conversations.list_conversations
        self.add_member = conversations.add_member
        self.remove_member = conversations.remove_member

        self.create_user = users.create_user
        self.get_user_by_username = users.get_user_by_username
        self.get_user = users.get_user
        self.update_user = users.update_user
        self.delete_user = users.delete_user
        self.list_users = users.list_users
        self.count_login_attempt = users.count_login_attempt
        self.reset_login_attempts = users.reset_login_attempts

        self.save_refresh_token = tokens.save_refresh_token
        self.take_refresh_token = tokens.take_refresh_token
        self.refresh_token_owner = tokens.refresh_token_owner
        self.revoke_refresh_family = tokens.revoke_refresh_family
        self.revoke_refresh_tokens = tokens.revoke_refresh_tokens
        self.revoke_token_ids = tokens.revoke_token_ids
        self.revoked_token_ids = tokens.revoked_token_ids

        self.put_connection = connections.put_connection
        self.get_connection = connections.get_connection
        self.delete_connection = connections.delete_connection
        self.connections_of_user = connections.connections_of_user
        self.connections_of_users = connections.connections_of_users
        self.touch_connection = connections.touch_connection

        self.count = rate_counters.count
