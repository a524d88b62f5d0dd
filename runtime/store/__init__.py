"""Chat persistence behind one interface: sqlite (default) and dynamodb."""

from runtime.store.base import (
    DEFAULT_STORE_URL,
    ChatStore,
    Conversation,
    NewMessage,
    Page,
    Store,
    StoredMessage,
    UserRecord,
    UserStore,
    open_store,
)
from runtime.store.errors import StoreError, UserExists

__all__ = [
    "DEFAULT_STORE_URL",
    "ChatStore",
    "Conversation",
    "NewMessage",
    "Page",
    "Store",
    "StoreError",
    "StoredMessage",
    "UserExists",
    "UserRecord",
    "UserStore",
    "open_store",
]
