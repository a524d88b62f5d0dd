"""Chat persistence behind one interface: sqlite (default) and dynamodb; ``open_store`` picks one by URL.

``open_store`` lives here, not in ``base.py``: the stores import ``base``, so ``base`` opening them
was an import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
)
from runtime.store.errors import InvalidStoreUrl, StoreError, UserExists

if TYPE_CHECKING:
    from runtime.store.base import ConnectionStore, RateCounterStore
    from runtime.store.dynamodb_store import DynamoDbStore
    from runtime.store.sqlite_store import SqliteStore

    def _backends_keep_every_protocol(
        sqlite: SqliteStore, dynamodb: DynamoDbStore
    ) -> tuple[Store, Store, ConnectionStore, ConnectionStore, RateCounterStore, RateCounterStore]:
        # Never called: mypy checks here that both composed stores still offer every store protocol.
        return sqlite, dynamodb, sqlite, dynamodb, sqlite, dynamodb


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


def open_store(
    url: str,
    *,
    message_ttl_days: int = 30,
    table_prefix: str = "chat-lex-",
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    clock: Callable[[], float] | None = None,
) -> Store:
    """Open the store ``url`` names: ``sqlite:PATH`` (the default ``sqlite:var/chat.db``) or ``dynamodb``."""
    if not isinstance(message_ttl_days, int) or message_ttl_days < 0:
        raise InvalidStoreUrl("message_ttl_days must be a whole number of days, 0 to keep messages forever")
    if url.startswith("sqlite:"):
        from runtime.store.sqlite_store import SqliteStore

        path = url[len("sqlite:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise InvalidStoreUrl(f"store URL {url!r} names no file; use sqlite:PATH, e.g. {DEFAULT_STORE_URL}")
        if path == ":memory:" or path.startswith("file:"):
            # Each connection would get its own empty database: the writer's rows would be invisible to readers.
            raise InvalidStoreUrl(f"store URL {url!r}: the store needs a file (sqlite:PATH); use a temporary file for throwaway data")
        return SqliteStore(path, message_ttl_days=message_ttl_days, clock=clock)
    if url == "dynamodb" or url.startswith("dynamodb:"):
        from runtime.store.dynamodb_store import DynamoDbStore

        return DynamoDbStore(
            table_prefix=table_prefix, endpoint_url=endpoint_url, region=region, message_ttl_days=message_ttl_days, clock=clock
        )
    raise InvalidStoreUrl(f"store URL {url!r} is not understood; use sqlite:PATH (e.g. {DEFAULT_STORE_URL}) or dynamodb")
