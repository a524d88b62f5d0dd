"""What a turn's messages and session state hold beyond their text: content types, cards, active contexts.

Read from the RecognizeText response (engine, http, aws targets) or from the chat runtime's
message metadata (chat target, which does not pass on active contexts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MessageDetail:
    """One message: its Lex content type, its text (a card's title), and a card's title and subtitle."""

    content_type: str
    text: str
    card_title: str | None = None
    card_subtitle: str | None = None


def message_details(response: dict[str, Any]) -> list[MessageDetail]:
    """Each message of a RecognizeText response, in order."""
    details: list[MessageDetail] = []
    for message in response.get("messages") or []:
        if not isinstance(message, dict):
            continue
        card = message.get("imageResponseCard")
        if isinstance(card, dict):
            title = str(card.get("title", ""))
            subtitle = card.get("subtitle")
            details.append(MessageDetail("ImageResponseCard", title, title, None if subtitle is None else str(subtitle)))
        else:
            details.append(MessageDetail(str(message.get("contentType", "PlainText")), str(message.get("content", ""))))
    return details


def chat_message_detail(content: str, metadata: dict[str, Any]) -> MessageDetail:
    """A chat runtime BOT_RESPONSE's message, from the metadata the runtime copies from Lex."""
    card = metadata.get("responseCard")
    if isinstance(card, dict):
        subtitle = card.get("subtitle")
        return MessageDetail("ImageResponseCard", content, str(card.get("title") or content), None if subtitle is None else str(subtitle))
    return MessageDetail(str(metadata.get("contentType") or "PlainText"), content)


def active_contexts(response: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each active context's name and attributes, from ``sessionState.activeContexts``."""
    contexts: dict[str, dict[str, str]] = {}
    for context in (response.get("sessionState") or {}).get("activeContexts") or []:
        if isinstance(context, dict) and isinstance(context.get("name"), str):
            attributes = context.get("contextAttributes") or {}
            contexts[context["name"]] = {str(k): str(v) for k, v in attributes.items()} if isinstance(attributes, dict) else {}
    return contexts
