"""What a store raises: one base class, and a subclass per thing a caller may handle."""

from __future__ import annotations


class StoreError(Exception):
    """The store failed or refused a request; the message says what and what to do."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened."""


class InvalidStoreUrl(StoreError):
    """``--store`` / ``CHAT_LEX_STORE`` is not a URL we understand."""


class InvalidArgument(StoreError):
    """A caller passed a value the store cannot use (a bad cursor, a limit out of range)."""


class MessageTooLarge(StoreError):
    """A message would exceed the largest item the store keeps (DynamoDB's 400 KB)."""


class ConversationNotFound(StoreError):
    """No conversation has this id."""


class UserExists(StoreError):
    """A user with this username (or id) already exists."""


class UserNotFound(StoreError):
    """No user has this id or username."""
