"""Builders for Lex V2 code-hook responses: plain dicts Lex (or the local engine) accepts.

Session attributes: Lex replaces the stored map wholesale with the one a response carries,
so every builder sends the event's map unless the handler passes its own (which it
should build from ``event.session_attributes``, adding or removing keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from fulfillment.errors import InvalidResponse
from fulfillment.events import CodeHookEvent
from runtime.contracts.codehook_response import MAX_BUTTON_TEXT_LENGTH, MAX_BUTTONS, MAX_CARD_TEXT_LENGTH, MAX_CONTENT_LENGTH, MAX_MESSAGES

Message = dict[str, Any]
MessageLike = str | Mapping[str, Any]
CloseState = Literal["Fulfilled", "Failed", "InProgress"]

# Lex V2's limits come from the one code-hook response checker (runtime.contracts.codehook_response);
# the builders apply them early, so a handler's author sees the problem where the message is made.


def plain_text(text: str) -> Message:
    """A PlainText message."""
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_CONTENT_LENGTH:
        raise InvalidResponse([f"a PlainText message must be 1-{MAX_CONTENT_LENGTH} characters"])
    return {"contentType": "PlainText", "content": text}


def image_card(
    title: str,
    buttons: Sequence[tuple[str, str]] = (),
    subtitle: str | None = None,
    image_url: str | None = None,
) -> Message:
    """An ImageResponseCard message; ``buttons`` are (text shown, value sent back) pairs."""
    problems: list[str] = []
    if not 1 <= len(title) <= MAX_CARD_TEXT_LENGTH:
        problems.append(f"a card title must be 1-{MAX_CARD_TEXT_LENGTH} characters")
    for label, value in (("subtitle", subtitle), ("image URL", image_url)):
        if value is not None and len(value) > MAX_CARD_TEXT_LENGTH:
            problems.append(f"a card {label} must be at most {MAX_CARD_TEXT_LENGTH} characters")
    if len(buttons) > MAX_BUTTONS:
        problems.append(f"a card holds at most {MAX_BUTTONS} buttons, got {len(buttons)}")
    for text, value in buttons:
        if not (1 <= len(text) <= MAX_BUTTON_TEXT_LENGTH and 1 <= len(value) <= MAX_BUTTON_TEXT_LENGTH):
            problems.append(f"button text and value must be 1-{MAX_BUTTON_TEXT_LENGTH} characters ({text[:20]!r})")
    if problems:
        raise InvalidResponse(problems)
    card: dict[str, Any] = {"title": title}
    if subtitle is not None:
        card["subtitle"] = subtitle
    if image_url is not None:
        card["imageUrl"] = image_url
    if buttons:
        card["buttons"] = [{"text": text, "value": value} for text, value in buttons]
    return {"contentType": "ImageResponseCard", "imageResponseCard": card}


def _messages(messages: Iterable[MessageLike] | str) -> list[Message]:
    if isinstance(messages, str):  # one text, not an iterable of one-character messages
        messages = [messages]
    out = [plain_text(m) if isinstance(m, str) else dict(m) for m in messages]
    if len(out) > MAX_MESSAGES:
        raise InvalidResponse([f"a response carries at most {MAX_MESSAGES} messages, got {len(out)}"])
    return out


def _intent(
    event: CodeHookEvent,
    *,
    name: str | None = None,
    state: str | None = None,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    intent: dict[str, Any] = {
        "name": name or event.intent.name,
        "slots": dict(slots) if slots is not None else event.intent.slots_dict(),
    }
    if state is not None:
        intent["state"] = state
    if event.intent.confirmation_state is not None:
        intent["confirmationState"] = event.intent.confirmation_state
    return intent


def _response(
    event: CodeHookEvent,
    dialog_action: dict[str, Any],
    intent: dict[str, Any] | None,
    messages: Iterable[MessageLike] | str,
    session_attributes: Mapping[str, str] | None,
) -> dict[str, Any]:
    attributes = dict(event.session_attributes if session_attributes is None else session_attributes)
    session_state: dict[str, Any] = {"dialogAction": dialog_action, "sessionAttributes": attributes}
    if intent is not None:
        session_state["intent"] = intent
    response: dict[str, Any] = {"sessionState": session_state}
    built = _messages(messages)
    if built:
        response["messages"] = built
    return response


def close(
    event: CodeHookEvent,
    state: CloseState,
    messages: Iterable[MessageLike] | str = (),
    *,
    session_attributes: Mapping[str, str] | None = None,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """End the intent with ``state``; no reply from the user is expected."""
    return _response(event, {"type": "Close"}, _intent(event, state=state, slots=slots), messages, session_attributes)


def elicit_slot(
    event: CodeHookEvent,
    slot: str,
    messages: Iterable[MessageLike] | str = (),
    *,
    session_attributes: Mapping[str, str] | None = None,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask for ``slot``; without messages Lex plays the slot's own prompt."""
    action = {"type": "ElicitSlot", "slotToElicit": slot}
    return _response(event, action, _intent(event, state="InProgress", slots=slots), messages, session_attributes)


def elicit_intent(
    event: CodeHookEvent,
    messages: Iterable[MessageLike] | str,
    *,
    session_attributes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """End the current intent and wait for a new one; Lex requires a message."""
    response = _response(event, {"type": "ElicitIntent"}, None, messages, session_attributes)
    if not response.get("messages"):
        raise InvalidResponse(["ElicitIntent needs at least one message"])
    return response


def confirm_intent(
    event: CodeHookEvent,
    messages: Iterable[MessageLike] | str,
    *,
    session_attributes: Mapping[str, str] | None = None,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask the user a yes/no question about the current intent."""
    response = _response(event, {"type": "ConfirmIntent"}, _intent(event, state="InProgress", slots=slots), messages, session_attributes)
    if not response.get("messages"):
        raise InvalidResponse(["ConfirmIntent needs at least one message (the question)"])
    return response


def delegate(
    event: CodeHookEvent,
    *,
    session_attributes: Mapping[str, str] | None = None,
    slots: Mapping[str, Any] | None = None,
    state: Literal["InProgress", "ReadyForFulfillment"] | None = None,
) -> dict[str, Any]:
    """Let Lex choose the next step from the (possibly updated) intent and slots."""
    return _response(event, {"type": "Delegate"}, _intent(event, state=state, slots=slots), (), session_attributes)
