"""Incoming WebSocket frames: size check, JSON parse and JSON Schema validation (validators compiled once)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from runtime.chat import errors
from runtime.chat.errors import ChatError

SCHEMA_DIR = Path(__file__).parent / "schemas"
MAX_FRAME_BYTES = 16 * 1024
ACTIONS = ("sendmessage", "history", "resume", "join", "leave", "ping")


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


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    """A valid client frame as a dict, or a ChatError saying what is wrong with it."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8"))
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
    action = frame.get("action")
    client_message_id = frame.get("clientMessageId") if isinstance(frame.get("clientMessageId"), str) else None
    if not isinstance(action, str):
        raise ChatError(errors.BAD_FRAME, "the frame has no 'action' string; use one of: " + ", ".join(ACTIONS))
    if action not in ACTIONS:
        shown = action if len(action) <= 40 else action[:40] + "..."
        raise ChatError(errors.UNKNOWN_ACTION, f"unknown action {shown!r}; use one of: " + ", ".join(ACTIONS))
    error = next(iter(sorted(validator(f"in.{action}").iter_errors(frame), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(the frame)"
        detail = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise ChatError(errors.BAD_FRAME, f"{action}: {where}: {detail}", client_message_id=client_message_id)
    return frame
