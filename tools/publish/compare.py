"""Whether a resource on AWS already says what the spec says, field by field.

The fields compared are the members of the resource's ``Update*`` request in botocore's
``lexv2-models`` model, minus identifiers. Empty values (None, [], {}) count as absent.
AWS fills in defaults we did not send (``dialogCodeHook: {enabled: false}``); a field the
spec leaves out is therefore equal when AWS holds nothing but false/empty leaves there.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session

_IDENTIFIERS = frozenset(
    {"botId", "botVersion", "localeId", "intentId", "slotId", "slotTypeId", "botAliasId", "slotPriorities", "botName", "roleArn"}
)


@functools.cache
def content_fields(update_operation: str) -> tuple[str, ...]:
    """The content members of an Update* operation (e.g. ``UpdateIntent``)."""
    model = botocore.session.get_session().get_service_model("lexv2-models")
    shape = model.operation_model(update_operation).input_shape
    assert shape is not None  # every Update* operation has a request body
    return tuple(m for m in shape.members if m not in _IDENTIFIERS)


def cleaned(value: Any) -> Any:
    """``value`` with None and empty containers removed, recursively (None when nothing is left)."""
    if isinstance(value, dict):
        out = {k: c for k, v in value.items() if (c := cleaned(v)) is not None}
        return out or None
    if isinstance(value, list):
        items = [c for v in value if (c := cleaned(v)) is not None]
        return items or None
    return value


def _only_defaults(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_only_defaults(v) for v in value.values())
    if isinstance(value, list):
        return all(_only_defaults(v) for v in value)
    return value is None or value is False


def differing_fields(update_operation: str, desired: dict[str, Any], live: dict[str, Any], *, extra: tuple[str, ...] = ()) -> list[str]:
    """Names of the content fields (plus ``extra``) where ``live`` differs from ``desired``."""
    out: list[str] = []
    for name in (*content_fields(update_operation), *extra):
        want = cleaned(desired.get(name))
        have = cleaned(live.get(name))
        if want is None:
            if not _only_defaults(have):
                out.append(name)
        elif want != have:
            out.append(name)
    return out
