"""Multi-value slots (``multipleValuesSetting.allowMultipleValues``, en_US only; fact sheet 2).

A reply such as "roses and tulips" or "roses, lilies and tulips" fills the slot with
``shape: List``: ``values`` holds one Scalar slot per item, and ``value`` the reply as said.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ITEMS = 20
_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)


def split_items(text: str) -> list[str]:
    """The items of a list reply ("a, b and c" -> [a, b, c]); one item when there is no list."""
    parts = [p.strip() for p in _SEPARATOR.split(text.strip())]
    return [p for p in parts if p][: MAX_ITEMS + 1]


def list_slot(original: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A List-shaped Lex slot from Scalar item slots *(the outer ``value`` layout is inferred)*."""
    return {
        "shape": "List",
        "value": {"originalValue": original, "interpretedValue": original, "resolvedValues": []},
        "values": items,
    }
