"""The chat protocol, as docs/protocol.md writes it: client frames and their validation, the server's events,
the payloads they carry, and how an event becomes text (once, whatever the number of recipients).

The JSON Schemas under `schemas/` are the source of truth for every frame. Client frames are checked by the
project's one validator (`runtime.contracts.json_schema`), compiled once per schema; `validator` gives jsonschema's
full validator of any schema here (the server frames refer to `message.json`), for tests and tools.
Transports (runtime/web's socket, runtime/serverless's API Gateway connections) carry the text as it is; every
event is built here, so the wire format is written in this module and nowhere else.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.unicode_text import find_unencodable, may_hold_surrogates, unencodable_message
from runtime.contracts.json_schema import SchemaValidator
from runtime.store.base import Conversation, StoredMessage

# Rooms list only their first members in a conversation payload, so WELCOME stays small for big rooms.
MEMBERS_LISTED = 100

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class Envelope:
    """One encoded event for one conversation; `message_id` lets resume drop what a replay already sent."""

    conversation_id: str
    text: str
    message_id: str | None = None


def encode(frame: dict[str, Any]) -> str:
    """JSON text of a frame; called once per event, never per recipient."""
    return _encoder.encode(frame).decode("utf-8")


@dataclass(frozen=True)
class CardReply:
    """A press on a response-card button: the bot's card message it answers, and the button's value."""

    message_id: str
    value: str


def iso_utc_ms(epoch_seconds: float) -> str:
    """``2026-01-02T03:04:05.678Z``: what ``datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")`` gives.

    Called for every event a message goes out in, so the date and time of day are formatted once per second:
    the fraction is rounded to microseconds half-to-even, as datetime does, then truncated to milliseconds.
    """
    fraction, whole = math.modf(epoch_seconds)
    micros = round(fraction * 1e6)
    seconds = int(whole)
    if micros >= 1_000_000:
        seconds += 1
        micros -= 1_000_000
    elif micros < 0:
        seconds -= 1
        micros += 1_000_000
    return f"{_iso_second(seconds)}.{micros // 1000:03d}Z"


@lru_cache(maxsize=64)
def _iso_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def message_payload(message: StoredMessage) -> dict[str, Any]:
    """A stored message as events carry it (camelCase)."""
    return {
        "messageId": message.message_id,
        "conversationId": message.conversation_id,
        "senderId": message.sender_id,
        "senderName": message.sender_name,
        "role": message.role,
        "content": message.content,
        "clientMessageId": message.client_message_id,
        "createdAt": iso_utc_ms(message.created_at),
        "metadata": message.metadata,
    }


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    """A conversation for clients; big rooms list only their first members, so WELCOME stays small."""
    return {
        "conversationId": conversation.conversation_id,
        "kind": conversation.kind,
        "title": conversation.title,
        "ownerId": conversation.owner_id,
        "members": list(conversation.members[:MEMBERS_LISTED]),
        "memberCount": len(conversation.members),
        "botMode": conversation.bot_mode,
    }


def message_event(event_type: str, message: StoredMessage) -> dict[str, Any]:
    """USER_MESSAGE or BOT_RESPONSE: the stored message as its payload."""
    return {"type": event_type, "conversationId": message.conversation_id, "message": message_payload(message)}


def ack_event(client_message_id: str | None, message_id: str, conversation_id: str, *, duplicate: bool) -> dict[str, Any]:
    return {
        "type": "ACK",
        "clientMessageId": client_message_id,
        "messageId": message_id,
        "conversationId": conversation_id,
        "duplicate": duplicate,
    }


def error_event(error: ChatError) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "ERROR", "code": error.code, "message": error.message}
    if error.client_message_id is not None:
        frame["clientMessageId"] = error.client_message_id
    if error.conversation_id is not None:
        frame["conversationId"] = error.conversation_id
    return frame


def typing_event(conversation_id: str, *, typing: bool) -> dict[str, Any]:
    return {"type": "BOT_TYPING", "conversationId": conversation_id, "typing": typing}


def presence_event(conversation_id: str, user_id: str, display_name: str, status: str) -> dict[str, Any]:
    return {"type": "PRESENCE", "conversationId": conversation_id, "userId": user_id, "displayName": display_name, "status": status}


def history_event(conversation_id: str, messages: list[StoredMessage], next_before: str | None) -> dict[str, Any]:
    return {
        "type": "HISTORY",
        "conversationId": conversation_id,
        "messages": [message_payload(m) for m in messages],
        "nextBefore": next_before,
    }


def resumed_event(conversation_id: str, messages: list[StoredMessage], *, done: bool) -> dict[str, Any]:
    return {"type": "RESUMED", "conversationId": conversation_id, "messages": [message_payload(m) for m in messages], "done": done}


def joined_event(conversation: Conversation) -> dict[str, Any]:
    return {"type": "JOINED", "conversationId": conversation.conversation_id, "conversation": conversation_payload(conversation)}


def left_event(conversation_id: str) -> dict[str, Any]:
    return {"type": "LEFT", "conversationId": conversation_id}


def pong_event() -> dict[str, Any]:
    return {"type": "PONG"}


def welcome_event(
    user_id: str,
    display_name: str,
    connection_id: str,
    conversations: list[Conversation],
    *,
    locales: list[dict[str, str]] | None = None,
    default_locale: str | None = None,
) -> dict[str, Any]:
    """The first frame after a successful handshake: who you are, where you can talk, and (with a bot) its languages."""
    event: dict[str, Any] = {
        "type": "WELCOME",
        "userId": user_id,
        "displayName": display_name,
        "connectionId": connection_id,
        "conversations": [conversation_payload(c) for c in conversations],
    }
    if locales is not None and default_locale is not None:
        event["locales"] = locales
        event["defaultLocale"] = default_locale
    return event


# -- client frames -----------------------------------------------------------------------------

SCHEMA_DIR = Path(__file__).parent / "schemas"
MAX_FRAME_BYTES = 16 * 1024
ACTIONS = ("sendmessage", "history", "resume", "join", "leave", "greet", "ping", "hello")


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
