"""Session-attribute helpers: Lex replaces the whole map with the one a response carries.

So a handler builds the new map from the event's, adding and removing keys; these helpers
do that, and keep JSON values (a reservation, a cart) in one string attribute, as Lex only
stores strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fulfillment.errors import InvalidResponse
from fulfillment.events import MAX_ATTRIBUTES_SIZE, CodeHookEvent


def updated_attributes(event: CodeHookEvent, set: Mapping[str, str] | None = None, remove: Iterable[str] = ()) -> dict[str, str]:
    """The event's session attributes with ``set`` applied and ``remove`` dropped (to pass to a builder)."""
    out = {k: v for k, v in event.session_attributes.items() if k not in set_of(remove)}
    for key, value in (set or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidResponse([f"session attribute {str(key)[:40]!r}: keys and values must be strings (Lex stores strings)"])
        out[key] = value
    size = sum(len(k) + len(v) for k, v in out.items())
    if size > MAX_ATTRIBUTES_SIZE:
        raise InvalidResponse([f"session attributes would hold {size} characters; Lex allows {MAX_ATTRIBUTES_SIZE}"])
    return out


def set_of(keys: Iterable[str]) -> frozenset[str]:
    """``keys`` as a set (a lone string is one key, not its characters)."""
    return frozenset([keys]) if isinstance(keys, str) else frozenset(keys)


def json_attribute(event: CodeHookEvent, key: str, default: Any = None) -> Any:
    """The JSON value kept in attribute ``key``; ``default`` when absent or not valid JSON."""
    raw = event.session_attributes.get(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return default  # a client may overwrite session attributes with anything


def with_json_attribute(event: CodeHookEvent, key: str, value: Any) -> dict[str, str]:
    """The event's session attributes with ``value`` stored as JSON under ``key``."""
    return updated_attributes(event, {key: json.dumps(value, sort_keys=True, separators=(",", ":"))})
