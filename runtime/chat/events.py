"""Server events as frames: build the JSON object for each event type and encode it once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from runtime.chat.errors import ChatError

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


def message_event(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """USER_MESSAGE or BOT_RESPONSE: the stored message as its camelCase payload."""
    return {"type": event_type, "conversationId": payload["conversationId"], "message": payload}


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


def history_event(conversation_id: str, messages: list[dict[str, Any]], next_before: str | None) -> dict[str, Any]:
    return {"type": "HISTORY", "conversationId": conversation_id, "messages": messages, "nextBefore": next_before}


def resumed_event(conversation_id: str, messages: list[dict[str, Any]], *, done: bool) -> dict[str, Any]:
    return {"type": "RESUMED", "conversationId": conversation_id, "messages": messages, "done": done}


def joined_event(conversation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "JOINED", "conversationId": conversation["conversationId"], "conversation": conversation}


def left_event(conversation_id: str) -> dict[str, Any]:
    return {"type": "LEFT", "conversationId": conversation_id}


def pong_event() -> dict[str, Any]:
    return {"type": "PONG"}


def welcome_event(
    user_id: str,
    display_name: str,
    connection_id: str,
    conversations: list[dict[str, Any]],
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
        "conversations": conversations,
    }
    if locales is not None and default_locale is not None:
        event["locales"] = locales
        event["defaultLocale"] = default_locale
    return event
