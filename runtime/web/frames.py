"""Incoming WebSocket frames: size check, JSON parse and JSON Schema validation (validators compiled once).

The JSON Schemas under `schemas/` are the source of truth. Client frames are checked by the project's one
validator (`runtime.contracts.json_schema`), compiled once per schema; `validator` gives jsonschema's full
validator of any schema here (the server frames refer to `message.json`), for tests and tools.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.protocol import CardReply
from runtime.contracts.json_schema import SchemaValidator
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


@cache
def compiled(name: str) -> SchemaValidator:
    """`schemas/<name>.json` compiled by the shared validator (client frames: the hot path of every message)."""
    return SchemaValidator(json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8")))


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
    problem = compiled(f"in.{action}").first_problem(frame)
    if problem is not None:
        detail, path = problem
        where = "/".join(str(p) for p in path) or "(the frame)"
        raise ChatError(errors.BAD_FRAME, f"{action}: {where}: {detail}", client_message_id=client_message_id)
    return frame


def card_reply_of(frame: dict[str, Any]) -> CardReply | None:
    """The card button a valid sendmessage frame answers (its `replyTo`), if any."""
    reply_to = frame.get("replyTo")
    if not isinstance(reply_to, dict):
        return None
    return CardReply(message_id=str(reply_to["messageId"]), value=str(reply_to["value"]))
