"""The store interfaces: messages, conversations, users and refresh tokens, connections and rate counters."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from runtime.store.errors import ConversationNotFound, InvalidArgument, MessageTooLarge
from runtime.store.ids import is_message_id

ROLES = frozenset({"user", "bot", "system"})
BOT_MODES = frozenset({"always", "mention", "never"})
MAX_ITEM_BYTES = 400_000  # DynamoDB's "400 KB" item limit, taken as 400,000 bytes (the stricter reading); both stores keep to it
MAX_ID_LENGTH = 256  # conversation, sender and client message ids
MAX_PAGE = 1000
DEFAULT_STORE_URL = "sqlite:var/chat.db"

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored: its id orders it in time within its conversation."""

    message_id: str
    conversation_id: str
    sender_id: str
    sender_name: str
    role: str
    content: str
    client_message_id: str | None
    created_at: float
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewMessage:
    """A message to append; the store gives it an id and a time."""

    conversation_id: str
    sender_id: str
    sender_name: str
    role: str
    content: str
    client_message_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    """A private conversation (one user and the bot) or a room."""

    conversation_id: str
    kind: str
    title: str
    owner_id: str
    members: tuple[str, ...]
    bot_mode: str
    created_at: float


@dataclass(frozen=True)
class Page:
    """One page of history, oldest first; ``next_before`` fetches the next older page."""

    messages: list[StoredMessage]
    next_before: str | None


@dataclass(frozen=True)
class UserRecord:
    """A user of the local identity provider."""

    user_id: str
    username: str
    email: str
    display_name: str
    password_hash: str
    confirmed: bool
    created_at: float
    failed_logins: int = 0
    locked_until: float | None = None


@dataclass(frozen=True)
class LoginAttempt:
    """One sign-in attempt, counted before its password is checked.

    ``count`` is the attempts since the last success (this one included); ``allowed`` is False when the
    account was locked already, and then the password must not be checked at all.
    """

    allowed: bool
    count: int
    locked_until: float | None


class MessageStore(Protocol):
    """Appending and reading messages (``ChatStore``'s message half; one aggregate in each backend)."""

    async def append_message(self, message: NewMessage) -> tuple[StoredMessage, bool]:
        """Store `message` once per (conversation, sender, clientMessageId); returns it and whether it is new.

        Order: on one process, appends to a conversation get increasing ids in the order the calls started
        (the append is queued before the call first suspends). ChatService relies on it to publish in store
        order while appends of one room overlap (runtime/chat/turns.py).
        """
        ...

    async def history(self, conversation_id: str, *, before: str | None = None, limit: int = 50) -> Page: ...
    async def messages_after(self, conversation_id: str, after_message_id: str | None, *, limit: int = 500) -> list[StoredMessage]: ...
    async def get_message(self, conversation_id: str, message_id: str) -> StoredMessage | None: ...
    async def history_by_sender(self, sender_id: str, *, before: str | None = None, limit: int = 50) -> Page: ...


class ConversationStore(Protocol):
    """Conversations and their members (``ChatStore``'s conversation half)."""

    async def ensure_private_conversation(self, user_id: str, display_name: str) -> Conversation: ...
    async def create_room(self, title: str, owner_id: str, *, bot_mode: str = "mention") -> Conversation: ...
    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...
    async def list_conversations(self, user_id: str) -> list[Conversation]: ...
    async def add_member(self, conversation_id: str, user_id: str) -> Conversation: ...
    async def remove_member(self, conversation_id: str, user_id: str) -> Conversation: ...


class ChatStore(MessageStore, ConversationStore, Protocol):
    """Messages and conversations. Every call is async; blocking drivers run in worker threads."""

    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class UserAccountStore(Protocol):
    """The local identity provider's users and their sign-in attempt counts (``UserStore``'s user half)."""

    async def create_user(self, user: UserRecord) -> None: ...
    async def get_user_by_username(self, username: str) -> UserRecord | None: ...
    async def get_user(self, user_id: str) -> UserRecord | None: ...
    async def update_user(self, user: UserRecord) -> None: ...
    async def delete_user(self, username: str) -> bool: ...
    async def list_users(self) -> list[UserRecord]: ...

    async def count_login_attempt(self, user_id: str, *, now: float, max_attempts: int, lockout_seconds: float) -> LoginAttempt | None:
        """Atomically count one attempt (None: no such user); the attempt that reaches ``max_attempts`` locks the account."""
        ...

    async def reset_login_attempts(self, user_id: str) -> None: ...


class RefreshTokenStore(Protocol):
    """Refresh tokens by hash, in families (``UserStore``'s token half)."""

    async def save_refresh_token(self, token_hash: str, user_id: str, expires_at: float, family: str) -> None: ...
    async def take_refresh_token(self, token_hash: str) -> tuple[str, float, str] | None: ...
    async def refresh_token_owner(self, token_hash: str) -> tuple[str, str] | None: ...
    async def revoke_refresh_family(self, family: str) -> int: ...
    async def revoke_refresh_tokens(self, user_id: str) -> int: ...


class UserStore(UserAccountStore, RefreshTokenStore, Protocol):
    """The local identity provider's users and refresh tokens."""


class RevocationStore(Protocol):
    """Revoked token ids (``jti`` or ``origin_jti``), kept until the tokens they name have expired."""

    async def revoke_token_ids(self, token_ids: list[str], expires_at: float) -> None: ...
    async def revoked_token_ids(self, token_ids: list[str], *, consistent: bool = True) -> set[str]:
        """The listed ids among ``token_ids``; ``consistent=False`` may miss a revocation made in the last second (cheaper)."""
        ...


@dataclass(frozen=True)
class ConnectionRecord:
    """One open WebSocket connection of the serverless transport (API Gateway), and who holds it."""

    connection_id: str
    user_id: str
    display_name: str
    connected_at: float
    expires_at: float
    attributes: dict[str, str] = field(default_factory=dict)


class ConnectionStore(Protocol):
    """Open connections, shared by every Lambda invocation; a record past ``expires_at`` is never returned."""

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
        """Record (or replace) a connection, kept ``ttl_seconds`` after ``connected_at``."""
        ...

    async def get_connection(self, connection_id: str) -> ConnectionRecord | None: ...

    async def delete_connection(self, connection_id: str) -> bool:
        """True when a live connection was removed; deleting an unknown or expired one is no error."""
        ...

    async def connections_of_user(self, user_id: str) -> list[ConnectionRecord]: ...

    async def connections_of_users(self, user_ids: list[str]) -> list[ConnectionRecord]:
        """Every live connection of any of ``user_ids`` (a room's members), looked up in batches."""
        ...

    async def touch_connection(self, connection_id: str, attributes: dict[str, str]) -> ConnectionRecord | None:
        """Merge ``attributes`` into the connection's (e.g. its time zone); None when there is no live connection."""
        ...


class RateCounterStore(Protocol):
    """Fixed-window counters shared by every process (concurrent Lambda invocations), without Redis."""

    async def count(self, key: str, window_seconds: int, now: float) -> int:
        """Atomically add one to ``key``'s count in the window holding ``now``; returns the count, this call included."""
        ...


class TokenStore(RefreshTokenStore, RevocationStore, Protocol):
    """Refresh tokens and revoked token ids (one aggregate in each backend)."""


class IdentityStore(UserStore, RevocationStore, Protocol):
    """What the local identity provider keeps: users, refresh tokens and the revocation list."""


class Store(ChatStore, IdentityStore, Protocol):
    """What ``open_store`` returns: both interfaces over one database."""

    description: str


def private_conversation_id(user_id: str) -> str:
    """The id of a user's one private conversation with the bot."""
    return f"private-{user_id}"


def username_key(username: str) -> str:
    """What makes two usernames the same one: usernames are case-insensitive (as in Cognito), so casefolded."""
    return username.casefold()


_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")


def check_id(value: object, what: str) -> str:
    """A non-empty id of at most ``MAX_ID_LENGTH`` characters without control characters."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what} must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidArgument(f"{what} is {len(value)} characters long; the limit is {MAX_ID_LENGTH}")
    if _CONTROL_CHARACTER.search(value) is not None:
        raise InvalidArgument(f"{what} contains control characters; use printable text")
    return value


MAX_CONNECTION_TTL_SECONDS = 7 * 86400  # API Gateway closes a WebSocket after 2 hours; a week bounds any other use
MAX_CONNECTION_ATTRIBUTES = 16
MAX_ATTRIBUTE_NAME_LENGTH = 64
MAX_USER_IDS = 10_000  # one fan-out's members
MAX_RATE_WINDOW_SECONDS = 7 * 86400


def window_start(window_seconds: int, now: float) -> int:
    """The start (epoch seconds) of the fixed window of ``window_seconds`` that holds ``now``."""
    return int(now // window_seconds) * window_seconds


def _check_time(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidArgument(f"{what} must be a finite, non-negative number of epoch seconds")
    return float(value)


def _check_whole_seconds(value: object, what: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidArgument(f"{what} must be a whole number of seconds from 1 to {limit}")
    return value


def check_connection_attributes(attributes: object) -> dict[str, str]:
    """A small map of short names to short printable strings (a time zone, a locale)."""
    if not isinstance(attributes, dict):
        raise InvalidArgument("attributes must be an object of names to strings")
    if len(attributes) > MAX_CONNECTION_ATTRIBUTES:
        raise InvalidArgument(f"a connection has at most {MAX_CONNECTION_ATTRIBUTES} attributes; {len(attributes)} were given")
    for name, value in attributes.items():
        check_id(name, "attribute name")
        if len(name) > MAX_ATTRIBUTE_NAME_LENGTH:
            raise InvalidArgument(f"attribute name is {len(name)} characters long; the limit is {MAX_ATTRIBUTE_NAME_LENGTH}")
        check_id(value, f"attribute {name!r}")
    return dict(attributes)


def merge_attributes(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """``current`` updated with ``changes``, still within ``MAX_CONNECTION_ATTRIBUTES``."""
    merged = {**current, **changes}
    if len(merged) > MAX_CONNECTION_ATTRIBUTES:
        raise InvalidArgument(
            f"the connection would have {len(merged)} attributes; the limit is {MAX_CONNECTION_ATTRIBUTES}: reuse the names it has"
        )
    return merged


def new_connection_record(
    connection_id: str, user_id: str, display_name: str, connected_at: object, ttl_seconds: object, attributes: object
) -> ConnectionRecord:
    """The checked record ``put_connection`` stores, expiring ``ttl_seconds`` after ``connected_at``."""
    check_id(connection_id, "connection_id")
    check_id(user_id, "user_id")
    check_id(display_name, "display_name")
    at = _check_time(connected_at, "connected_at")
    ttl = _check_whole_seconds(ttl_seconds, "ttl_seconds", MAX_CONNECTION_TTL_SECONDS)
    attrs = check_connection_attributes({} if attributes is None else attributes)
    return ConnectionRecord(connection_id, user_id, display_name, at, at + ttl, attrs)


def check_user_ids(user_ids: object) -> list[str]:
    """A bounded list of user ids, without repeats, in their first order."""
    if not isinstance(user_ids, list) or len(user_ids) > MAX_USER_IDS:
        raise InvalidArgument(f"user_ids must be a list of at most {MAX_USER_IDS} ids")
    return list(dict.fromkeys(check_id(user_id, "user_id") for user_id in user_ids))


def check_rate_count(key: object, window_seconds: object, now: object) -> tuple[str, int, float]:
    """The checked arguments of ``RateCounterStore.count``."""
    return (
        check_id(key, "rate counter key"),
        _check_whole_seconds(window_seconds, "window_seconds", MAX_RATE_WINDOW_SECONDS),
        _check_time(now, "now"),
    )


MAX_TOKEN_IDS = 100_000  # one sweep of a process's open sockets


def check_token_ids(token_ids: list[str]) -> None:
    """Token ids (jti, origin_jti) are short printable strings; a list of them is bounded."""
    if not isinstance(token_ids, list) or len(token_ids) > MAX_TOKEN_IDS:
        raise InvalidArgument(f"token_ids must be a list of at most {MAX_TOKEN_IDS} ids")
    for token_id in token_ids:
        check_id(token_id, "token id")


def check_new_message(message: NewMessage) -> None:
    """Refuse what no store should keep, before it is queued."""
    check_id(message.conversation_id, "conversation_id")
    check_id(message.sender_id, "sender_id")
    if message.client_message_id is not None:
        check_id(message.client_message_id, "client_message_id")
    if message.role not in ROLES:
        raise InvalidArgument(f"role {message.role!r} is not one of {sorted(ROLES)}")
    if not isinstance(message.content, str):
        raise InvalidArgument("content must be a string")
    if not isinstance(message.metadata, dict):
        raise InvalidArgument("metadata must be a JSON object")
    # Cheap early refusal; each store then measures its own encoding exactly.
    if len(message.content) > MAX_ITEM_BYTES:
        raise MessageTooLarge(too_large_text(len(message.content.encode("utf-8"))))


def message_expiry(created_at: float, ttl_seconds: float) -> float:
    """When a message made at ``created_at`` expires; 0.0 (no expiry) when ``ttl_seconds`` is 0."""
    return created_at + ttl_seconds if ttl_seconds else 0.0


def metadata_not_json(exc: Exception) -> InvalidArgument:
    """The error for metadata that does not encode as plain JSON (``exc``: the encoder's complaint)."""
    return InvalidArgument(f"metadata must be plain JSON (objects, lists, strings, numbers): {exc}")


def stored_message(message: NewMessage, message_id: str, created_at: float, metadata: dict[str, Any] | None = None) -> StoredMessage:
    """``message`` as stored under ``message_id``; ``metadata`` replaces the message's own (e.g. a decoded copy)."""
    return StoredMessage(
        message_id=message_id,
        conversation_id=message.conversation_id,
        sender_id=message.sender_id,
        sender_name=message.sender_name,
        role=message.role,
        content=message.content,
        client_message_id=message.client_message_id,
        created_at=created_at,
        metadata=message.metadata if metadata is None else metadata,
    )


def too_large_text(size: int) -> str:
    return (
        f"the message is {size} bytes once stored; the limit is {MAX_ITEM_BYTES} bytes (400 KB, DynamoDB's item size); "
        "shorten the content or move attachments out of the message"
    )


def check_cursor(cursor: str | None, what: str) -> None:
    if cursor is not None and not (isinstance(cursor, str) and is_message_id(cursor)):
        raise InvalidArgument(f"{what} must be a message id (a UUIDv7 string) from an earlier page")


def check_limit(limit: int) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise InvalidArgument(f"limit must be an integer from 1 to {MAX_PAGE}")


def check_bot_mode(bot_mode: str) -> None:
    if bot_mode not in BOT_MODES:
        raise InvalidArgument(f"bot_mode {bot_mode!r} is not one of {sorted(BOT_MODES)}")


def check_page_query(key: str, key_name: str, cursor: str | None, cursor_name: str, limit: int) -> None:
    """The arguments of a paged read: the id it reads by, its cursor (a message id or None) and its page size."""
    check_id(key, key_name)
    check_cursor(cursor, cursor_name)
    check_limit(limit)


def newest_first_page(rows: Sequence[_Row], limit: int, to_message: Callable[[_Row], StoredMessage]) -> Page:
    """A page from up to ``limit + 1`` rows read newest first: the extra row only says an older page exists."""
    more = len(rows) > limit
    messages = [to_message(row) for row in reversed(rows[:limit])]
    return Page(messages=messages, next_before=messages[0].message_id if more and messages else None)


def check_membership(conversation_id: str, user_id: str) -> None:
    """The arguments of ``add_member`` and ``remove_member``."""
    check_id(conversation_id, "conversation_id")
    check_id(user_id, "user_id")


def existing_conversation(conversation: Conversation | None, conversation_id: str) -> Conversation:
    """``conversation`` as read by ``conversation_id``; ``ConversationNotFound`` when there was none."""
    if conversation is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}")
    return conversation


def joinable_conversation(conversation: Conversation | None, conversation_id: str, user_id: str) -> Conversation:
    """``conversation`` if ``user_id`` may be a member: it exists, and a private one takes no one new."""
    found = existing_conversation(conversation, conversation_id)
    if found.kind == "private" and user_id not in found.members:
        raise InvalidArgument("a private conversation is between one user and the bot; create a room to talk with others")
    return found
