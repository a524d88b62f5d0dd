"""Incoming WebSocket frames: size check, JSON parse and JSON Schema validation (validators compiled once).

The JSON Schemas under `schemas/` are the source of truth. From each client-frame schema a plain-Python
acceptor is compiled once (`fast_acceptor`): it understands only the few keywords those schemas use and is
deliberately strict, so a frame it accepts is one the schema accepts. A frame it does not accept goes through
the full JSON Schema validator, which either finds it valid after all or produces the error message, so
exactly the frames the schemas reject are rejected, with the same messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.protocol import CardReply
from runtime.web.unicode_text import find_unencodable, may_hold_surrogates, unencodable_message

SCHEMA_DIR = Path(__file__).parent / "schemas"
MAX_FRAME_BYTES = 16 * 1024
ACTIONS = ("sendmessage", "history", "resume", "join", "leave", "greet", "ping")


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator of `schemas/<name>.json` ("in.sendmessage", "out.ACK", ...)."""
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry())


Accept = Callable[[Any], bool]

# Keywords that only annotate: they never make an instance invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$comment", "examples", "default"})


class _Unsupported(Exception):
    """The schema uses a keyword the fast path does not model: only the full validator is used."""


_TYPE_CHECKS: dict[str, Accept] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,  # strict: 3.0 and True are left to the full validator
    "null": lambda v: v is None,
}


def _equals(constant: str) -> Accept:
    return lambda v: type(v) is str and v == constant


def _at_least(bound: int, measure: Callable[[Any], int]) -> Accept:
    return lambda v: measure(v) >= bound


def _at_most(bound: int, measure: Callable[[Any], int]) -> Accept:
    return lambda v: measure(v) <= bound


def _searches(pattern: re.Pattern[str]) -> Accept:
    search = pattern.search  # jsonschema checks `pattern` with re.search too
    return lambda v: search(v) is not None


def _any_of(branches: list[Accept]) -> Accept:
    return lambda v: any(branch(v) for branch in branches)


def _all_of(checks: list[Accept]) -> Accept:
    return lambda v: all(check(v) for check in checks)


def _compile_value(schema: dict[str, Any]) -> Accept:
    """An acceptor for one property's schema: string/integer/null types, const, lengths, pattern, bounds, anyOf,
    and closed objects of those (sendmessage's `replyTo`)."""
    kind = schema.get("type")
    if kind == "object":
        return _compile_frame(schema)
    if kind is not None and kind not in _TYPE_CHECKS:
        raise _Unsupported(f"type {kind!r}")
    checks: list[Accept] = [_TYPE_CHECKS[kind]] if kind is not None else []  # first: the checks below rely on it
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword == "type":
            continue
        if keyword == "const":
            if type(value) is not str:
                raise _Unsupported("a const that is not a string")
            checks.append(_equals(value))
        elif keyword in ("minLength", "maxLength", "minimum", "maximum"):
            if kind != ("string" if keyword.endswith("Length") else "integer") or type(value) is not int:
                raise _Unsupported(f"{keyword} {value!r} with type {kind!r}")
            if keyword == "minLength":
                checks.append(_at_least(value, len))
            elif keyword == "maxLength":
                checks.append(_at_most(value, len))
            else:
                checks.append(_at_least(value, int) if keyword == "minimum" else _at_most(value, int))
        elif keyword == "pattern":
            if kind != "string":
                raise _Unsupported("pattern without type string")
            checks.append(_searches(re.compile(value)))
        elif keyword == "anyOf":
            checks.append(_any_of([_compile_value(branch) for branch in value]))
        else:
            raise _Unsupported(keyword)
    return checks[0] if len(checks) == 1 else _all_of(checks)


def _compile_frame(schema: dict[str, Any]) -> Accept:
    """An acceptor for a client-frame schema (or a nested object): known properties, required ones, nothing else."""
    extra = set(schema) - _ANNOTATIONS - {"type", "additionalProperties", "properties", "required"}
    if extra or schema.get("type") != "object" or schema.get("additionalProperties") is not False:
        raise _Unsupported(", ".join(sorted(extra)) or "not a closed object schema")
    properties = {name: _compile_value(sub) for name, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))

    def accept(frame: Any) -> bool:
        if type(frame) is not dict:
            return False
        for name in required:
            if name not in frame:
                return False
        for name, value in frame.items():
            check = properties.get(name)
            if check is None or not check(value):
                return False
        return True

    return accept


@cache
def fast_acceptor(name: str) -> Accept | None:
    """The compiled acceptor of `schemas/<name>.json`, or None when the schema uses more than it models."""
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    try:
        return _compile_frame(schema)
    except _Unsupported:
        return None


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    """A valid client frame as a dict, or a ChatError saying what is wrong with it."""
    # An ASCII str has as many UTF-8 bytes as characters; only other text needs encoding to be measured.
    size = len(raw) if isinstance(raw, bytes) or raw.isascii() else len(raw.encode("utf-8"))
    if size > MAX_FRAME_BYTES:
        raise ChatError(errors.FRAME_TOO_LARGE, f"the frame is {size} bytes; the limit is {MAX_FRAME_BYTES} bytes (16 KB)")
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ChatError(
            errors.BAD_JSON, f"the frame is not valid JSON ({exc.__class__.__name__}); send one JSON object per frame"
        ) from None
    if not isinstance(frame, dict):
        raise ChatError(errors.BAD_FRAME, f"a frame must be a JSON object with an 'action', not a JSON {type(frame).__name__}")
    # Every text field of every frame, before anything stores, sends or logs it.
    bad = find_unencodable(frame) if may_hold_surrogates(raw) else None
    if bad is not None:
        raise ChatError(errors.BAD_FRAME, unencodable_message(bad))
    action = frame.get("action")
    client_message_id = frame.get("clientMessageId") if isinstance(frame.get("clientMessageId"), str) else None
    if not isinstance(action, str):
        raise ChatError(errors.BAD_FRAME, "the frame has no 'action' string; use one of: " + ", ".join(ACTIONS))
    if action not in ACTIONS:
        shown = action if len(action) <= 40 else action[:40] + "..."
        raise ChatError(errors.UNKNOWN_ACTION, f"unknown action {shown!r}; use one of: " + ", ".join(ACTIONS))
    accept = fast_acceptor(f"in.{action}")
    if accept is not None and accept(frame):
        return frame
    error = next(iter(sorted(validator(f"in.{action}").iter_errors(frame), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(the frame)"
        detail = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise ChatError(errors.BAD_FRAME, f"{action}: {where}: {detail}", client_message_id=client_message_id)
    return frame


def card_reply_of(frame: dict[str, Any]) -> CardReply | None:
    """The card button a valid sendmessage frame answers (its `replyTo`), if any."""
    reply_to = frame.get("replyTo")
    if not isinstance(reply_to, dict):
        return None
    return CardReply(message_id=str(reply_to["messageId"]), value=str(reply_to["value"]))
