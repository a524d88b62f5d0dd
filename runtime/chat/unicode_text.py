"""Text that cannot be stored or sent: lone UTF-16 surrogates, checked once where JSON enters.

JSON may spell a lone surrogate as ``"\\ud800"`` (and Python's ``json.loads`` of bytes lets
raw surrogate bytes through), giving a ``str`` that UTF-8 cannot encode. Such a value fails
later, deep in a store, a password hash or a log line. Every client frame and REST body is
JSON, so one check right after parsing covers every text field, keys included.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(path: list[str | int]) -> str:
    return "/".join(str(p) for p in path) or "(the value)"


def find_unencodable(value: Any) -> str | None:
    """Where in a parsed JSON value (``message``, ``a/0/b``) a string holds a lone surrogate; None when all is well."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return _where(path)
        elif isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    return _where([*path, key.encode("utf-8", "backslashreplace").decode("ascii")])
                stack.append((child, [*path, key]))
        elif isinstance(node, list):
            stack.extend((child, [*path, i]) for i, child in enumerate(node))
    return None


def may_hold_surrogates(raw: str | bytes) -> bool:
    """False when ``raw`` JSON text cannot decode to a lone surrogate, so the walk can be skipped.

    A text frame arrives as valid UTF-8, so a surrogate can only come from a ``\\u`` escape;
    bytes may also carry surrogates encoded directly (``json.loads`` decodes with surrogatepass).
    """
    if isinstance(raw, bytes):
        return b"\\u" in raw or not raw.isascii()
    return "\\u" in raw or _SURROGATE.search(raw) is not None


def unencodable_message(where: str) -> str:
    """The message a client gets: which field, what is wrong, what to do."""
    return f"{where}: the text holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a Unicode character; send valid UTF-8 text"
