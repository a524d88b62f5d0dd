"""moto's DynamoDB client, one call at a time, for contract tests that race concurrent writes to one item."""

from __future__ import annotations

import threading
from typing import Any


class SerializedClient:
    """The moto client, one call at a time.

    DynamoDB applies the writes to one item one after another, so an UpdateItem ``ADD`` is atomic; moto 5
    reads, changes and stores the item in Python without a lock, and concurrent threads lose updates there.
    The lock stands in for the service's per-item order. It keeps the test able to fail: a count made of
    two calls (read, then write) still races between them.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def serialized(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return serialized
