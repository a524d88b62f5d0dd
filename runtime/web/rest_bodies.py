"""JSON request bodies for the REST routes: size-capped, an object, known string fields of bounded length."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from runtime.chat.unicode_text import find_unencodable, may_hold_surrogates, unencodable_message

MAX_BODY_BYTES = 16 * 1024


class ApiError(Exception):
    """An HTTP error with a stable code and a message a person can act on."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


async def read_body(request: Request[Any, Any, Any], *, required: dict[str, int], optional: dict[str, int] | None = None) -> dict[str, str]:
    """Field name -> string value. `required` and `optional` map each allowed field to its maximum length."""
    optional = optional or {}
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "BodyTooLarge", f"the body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    if not raw.strip():
        raise ApiError(400, "InvalidParameter", "the body is empty; send a JSON object with: " + ", ".join(required))
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "InvalidParameter", "the body is not valid JSON; send a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidParameter", f"the body must be a JSON object, not a JSON {type(body).__name__}")
    bad = find_unencodable(body) if may_hold_surrogates(raw) else None
    if bad is not None:  # before any field reaches a password hash, a store or a log line
        raise ApiError(400, "InvalidParameter", unencodable_message(bad))
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        shown = ", ".join(repr(u[:40]) for u in unknown[:5])
        raise ApiError(400, "InvalidParameter", f"unknown field(s) {shown}; allowed: " + ", ".join([*required, *optional]))
    values: dict[str, str] = {}
    for name, limit in {**required, **optional}.items():
        if name not in body or body[name] is None:
            if name in required:
                raise ApiError(400, "InvalidParameter", f"field {name!r} is required")
            continue
        value = body[name]
        if not isinstance(value, str):
            raise ApiError(400, "InvalidParameter", f"field {name!r} must be a string, not {type(value).__name__}")
        if len(value) > limit:
            raise ApiError(400, "InvalidParameter", f"field {name!r} is {len(value)} characters long; the limit is {limit}")
        if any(ord(ch) < 32 and ch not in "\t" for ch in value):
            raise ApiError(400, "InvalidParameter", f"field {name!r} contains control characters")
        values[name] = value
    return values


def bearer_token(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "NotAuthorized", "send the access token as 'Authorization: Bearer <token>'")
    return token.strip()
