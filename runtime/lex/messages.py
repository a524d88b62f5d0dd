"""Bot messages as Lex plays them: one message per group, ``{Slot}`` and ``[attr]`` filled in.

Lex picks the primary message or one of its variations for each group (randomly by
default). Here "random" is a hash of (seed, session id, turn, group), so a
conversation replays identically; ``Ordered`` cycles through them by attempt.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot_spec.definition import Message, MessageGroup

LexMessage = dict[str, Any]

_SLOT_REF = re.compile(r"\{([0-9A-Za-z][0-9A-Za-z_-]*)\}")
_ATTR_REF = re.compile(r"\[([^\[\]\s]{1,100})\]")
ACCEPT_CONTENT_TYPES = "x-amz-lex:accept-content-types"


def slot_text(slot: Any) -> str | None:
    """The text a filled Lex slot shows in a message: interpreted value, else what was said."""
    if not isinstance(slot, Mapping):
        return None
    value = slot.get("value")
    if isinstance(value, Mapping):
        shown = value.get("interpretedValue") or value.get("originalValue")
        return shown if isinstance(shown, str) else None
    values = slot.get("values")
    if isinstance(values, list):
        parts = [slot_text(v) for v in values]
        return ", ".join(p for p in parts if p) or None
    return None


def substitute(text: str, slots: Mapping[str, Any], session_attributes: Mapping[str, str]) -> str:
    """Fill ``{SlotName}`` with the slot's value and ``[attr]`` with a session attribute.

    A reference to an unknown or empty slot, or to a missing attribute, stays as
    written, so an author sees the gap instead of a silently shortened sentence.
    """

    def slot_value(match: re.Match[str]) -> str:
        shown = slot_text(slots.get(match.group(1)))
        return shown if shown is not None else match.group(0)

    def attr_value(match: re.Match[str]) -> str:
        value = session_attributes.get(match.group(1))
        return value if isinstance(value, str) else match.group(0)

    return _ATTR_REF.sub(attr_value, _SLOT_REF.sub(slot_value, text))


def to_lex_message(message: Message, slots: Mapping[str, Any], session_attributes: Mapping[str, str]) -> LexMessage:
    """A definition message as the runtime ``Message`` shape, placeholders filled."""

    def fill(text: str) -> str:
        return substitute(text, slots, session_attributes)

    if message.plain_text is not None:
        return {"contentType": "PlainText", "content": fill(message.plain_text)}
    if message.ssml is not None:
        return {"contentType": "SSML", "content": fill(message.ssml)}
    if message.custom_payload is not None:
        return {"contentType": "CustomPayload", "content": fill(message.custom_payload)}
    card = message.image_response_card
    if card is None:
        raise ValueError("a message has none of plain_text, ssml, custom_payload or image_response_card")
    shaped: dict[str, Any] = {"title": fill(card.title)}
    if card.subtitle is not None:
        shaped["subtitle"] = fill(card.subtitle)
    if card.image_url is not None:
        shaped["imageUrl"] = card.image_url
    if card.buttons:
        shaped["buttons"] = [{"text": fill(b.text), "value": fill(b.value)} for b in card.buttons]
    return {"contentType": "ImageResponseCard", "imageResponseCard": shaped}


def variation_index(group: MessageGroup, *, strategy: str | None, seed_key: str, group_index: int, attempt: int) -> int:
    """Which message of the group plays: 0 is the primary, 1.. the variations."""
    choices = 1 + len(group.variations)
    if choices == 1:
        return 0
    if strategy == "Ordered":
        return attempt % choices
    digest = hashlib.sha256(f"{seed_key}|{group_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % choices


def select_messages(
    groups: Sequence[MessageGroup],
    *,
    slots: Mapping[str, Any],
    session_attributes: Mapping[str, str],
    seed_key: str,
    strategy: str | None = None,
    attempt: int = 0,
) -> list[LexMessage]:
    """One runtime message per group, chosen deterministically from ``seed_key``."""
    out: list[LexMessage] = []
    for index, group in enumerate(groups):
        pick = variation_index(group, strategy=strategy, seed_key=seed_key, group_index=index, attempt=attempt)
        chosen = group.message if pick == 0 else group.variations[pick - 1]
        out.append(to_lex_message(chosen, slots, session_attributes))
    return out


def accepted_messages(messages: list[LexMessage], request_attributes: Mapping[str, str] | None) -> list[LexMessage]:
    """Drop messages whose type the client excluded with ``x-amz-lex:accept-content-types``."""
    if not request_attributes or ACCEPT_CONTENT_TYPES not in request_attributes:
        return messages
    accepted = {part.strip() for part in request_attributes[ACCEPT_CONTENT_TYPES].split(",") if part.strip()}
    # Cards are rendered for text clients regardless; Lex filters only the three listed kinds.
    return [m for m in messages if m.get("contentType") == "ImageResponseCard" or m.get("contentType") in accepted]
