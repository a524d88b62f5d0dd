"""Lex V2's rules for a code-hook response, checked before the response leaves the handler.

Lex answers a response that breaks them with DependencyFailedException; checking here
turns a handler bug into a logged error and a polite message instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DIALOG_ACTIONS = frozenset({"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"})
CLOSE_STATES = frozenset({"Failed", "Fulfilled", "InProgress"})
INTENT_STATES = frozenset({"Failed", "Fulfilled", "InProgress", "ReadyForFulfillment"})
CONTENT_TYPES = frozenset({"PlainText", "SSML", "CustomPayload", "ImageResponseCard"})
MAX_RESPONSE_BYTES = 25 * 1024  # Lambda output quota
MAX_SESSION_ATTRIBUTES_BYTES = 12 * 1024
MAX_MESSAGES = 10
MAX_CONTENT_LENGTH = 1024


def _check_messages(messages: object, problems: list[str]) -> int:
    if messages is None:
        return 0
    if not isinstance(messages, list):
        problems.append("messages must be a list")
        return 0
    if len(messages) > MAX_MESSAGES:
        problems.append(f"messages holds {len(messages)} entries; Lex allows {MAX_MESSAGES}")
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            problems.append(f"messages[{i}] must be an object")
            continue
        kind = msg.get("contentType")
        if kind not in CONTENT_TYPES:
            problems.append(f"messages[{i}].contentType must be one of {', '.join(sorted(CONTENT_TYPES))}")
        elif kind == "ImageResponseCard":
            card = msg.get("imageResponseCard")
            if not isinstance(card, Mapping) or not isinstance(card.get("title"), str) or not card["title"]:
                problems.append(f"messages[{i}].imageResponseCard needs a title")
        else:
            content = msg.get("content")
            if not isinstance(content, str) or not 1 <= len(content) <= MAX_CONTENT_LENGTH:
                problems.append(f"messages[{i}].content must be a string of 1-{MAX_CONTENT_LENGTH} characters")
    return len(messages)


def _check_attributes(attributes: object, where: str, problems: list[str]) -> None:
    if attributes is None:
        return
    if not isinstance(attributes, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
        problems.append(f"{where} must map strings to strings")
        return
    size = len(json.dumps(attributes, ensure_ascii=False).encode("utf-8"))
    if size > MAX_SESSION_ATTRIBUTES_BYTES:
        problems.append(f"{where} is {size} bytes; Lex allows {MAX_SESSION_ATTRIBUTES_BYTES}")


def _check_intent(intent: object, action: object, problems: list[str]) -> None:
    if intent is None:
        if action in {"Close", "ElicitSlot", "ConfirmIntent"}:
            problems.append(f"sessionState.intent is required with {action}")
        return
    if not isinstance(intent, Mapping):
        problems.append("sessionState.intent must be an object")
        return
    if not isinstance(intent.get("name"), str) or not intent["name"]:
        problems.append("sessionState.intent.name must be a non-empty string")
    state = intent.get("state")
    if action == "Close" and state not in CLOSE_STATES:
        problems.append(f"Close needs sessionState.intent.state Failed, Fulfilled or InProgress, got {state!r}")
    elif state is not None and state not in INTENT_STATES:
        problems.append(f"sessionState.intent.state {state!r} is not a Lex intent state")
    slots = intent.get("slots")
    if slots is not None and not (isinstance(slots, Mapping) and all(v is None or isinstance(v, Mapping) for v in slots.values())):
        problems.append("sessionState.intent.slots must map slot names to slot objects or null")


def check_response(response: object) -> list[str]:
    """Every rule the response breaks; an empty list means Lex accepts it."""
    if not isinstance(response, Mapping):
        return [f"the response must be an object, got {type(response).__name__}"]
    problems: list[str] = []
    state = response.get("sessionState")
    if not isinstance(state, Mapping):
        return ["sessionState (an object) is required"]
    action_node = state.get("dialogAction")
    action: Any = action_node.get("type") if isinstance(action_node, Mapping) else None
    if action not in DIALOG_ACTIONS:
        problems.append(f"sessionState.dialogAction.type must be one of {', '.join(sorted(DIALOG_ACTIONS))}")
    elif action == "ElicitSlot":
        slot = action_node.get("slotToElicit") if isinstance(action_node, Mapping) else None
        if not isinstance(slot, str) or not slot:
            problems.append("ElicitSlot needs sessionState.dialogAction.slotToElicit")
    _check_intent(state.get("intent"), action, problems)
    _check_attributes(state.get("sessionAttributes"), "sessionState.sessionAttributes", problems)
    _check_attributes(response.get("requestAttributes"), "requestAttributes", problems)
    count = _check_messages(response.get("messages"), problems)
    if action in {"ElicitIntent", "ConfirmIntent"} and count == 0:
        problems.append(f"{action} needs at least one message")
    if not problems:
        try:
            size = len(json.dumps(response, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError, RecursionError) as exc:
            return [f"the response is not JSON-serialisable: {exc}"]
        if size > MAX_RESPONSE_BYTES:
            problems.append(f"the response is {size} bytes; Lex accepts at most {MAX_RESPONSE_BYTES}")
    return problems
