"""Lex V2's rules for a code-hook (dialog or fulfillment Lambda) response: the shape and the quotas, one checker.

The fulfillment dispatcher checks a handler's answer before it leaves the Lambda, and the local engine checks a
hook's answer as Lex would; both call `response_problems`, so both refuse the same responses with the same words.
What depends on the bot (the intent and slot exist) stays with the engine. Standard library only: the fulfillment
Lambda zip carries this module. Sources: docs/lexv2-semantics.md sections 4 and 7, the decisions in docs/fulfillment.md.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from runtime.contracts.json_schema import Path, SchemaValidator

MAX_RESPONSE_BYTES = 25 * 1024  # Lex quota: Lambda output at most 25 KB
MAX_SESSION_ATTRIBUTES_BYTES = 12 * 1024  # Lex quota: session attributes in the output at most 12 KB
MAX_MESSAGES = 10  # lexv2-runtime model: Messages
MAX_CONTENT_LENGTH = 1024  # lexv2-runtime model: Message.content
MAX_CARD_TEXT_LENGTH = 250  # card title, subtitle and image URL
MAX_BUTTONS = 5  # the runtime model's limit (the guide says 3: the model is what Lex enforces)
MAX_BUTTON_TEXT_LENGTH = 50  # button text and value
CLOSE_STATES = ("Failed", "Fulfilled", "InProgress")
MESSAGE_REQUIRED = ("ConfirmIntent", "ElicitIntent")  # the guide: "messages is required if dialogAction.type is ..."
_SCHEMA = "schemas/lex-codehook-response.schema.json"


@lru_cache(maxsize=1)
def _validator() -> SchemaValidator:
    schema = json.loads(resources.files("runtime.contracts").joinpath(_SCHEMA).read_text(encoding="utf-8"))
    # The aws-samples schema requires sessionAttributes; Lex does not (omitting them keeps
    # the stored ones, fact sheet section 2), so that one requirement is dropped.
    state = schema["definitions"]["LambdaCodeHookSessionState"]
    state["required"] = [name for name in state["required"] if name != "sessionAttributes"]
    return SchemaValidator(schema)


def response_schema() -> dict[str, Any]:
    """The response schema as the checker applies it (for tests comparing validators)."""
    return copy.deepcopy(dict(_validator().schema))


def where(path: Path) -> str:
    """A field's place, as a handler's author writes it: ``messages[0].content``; the empty path is the response."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the response"


def attributes_bytes(attributes: Mapping[str, str]) -> int:
    """Session attributes' size as Lex's quota counts it here: the UTF-8 bytes of every key and value.

    The same measure as the engine's request check (runtime/lex/request_checks.py), so one map is
    never accepted by one and refused by the other.
    """
    return sum(len(k.encode("utf-8", "replace")) + len(v.encode("utf-8", "replace")) for k, v in attributes.items())


def response_problems(response: object) -> list[str]:
    """Every rule of Lex's the response breaks, each naming the field and what to do; empty when Lex accepts it.

    The hand-written rules (actions, quotas) come first, as their words are the clearer; the schema's first
    problem is reported only when they find none. A response over 25 KB, not JSON or nested past
    Python's recursion limit is refused before anything else reads it.
    """
    if not isinstance(response, dict):
        return [f"the response must be a JSON object, got {type(response).__name__}"]
    try:
        size = len(json.dumps(response, ensure_ascii=False).encode("utf-8"))
    except RecursionError:
        return ["the response is nested too deeply to be JSON; return plain dicts, lists and strings"]
    except (TypeError, ValueError) as exc:  # a set, an object, a circular reference
        return [f"the response is not JSON-serialisable ({exc}); return plain dicts, lists and strings"]
    if size > MAX_RESPONSE_BYTES:
        return [f"the response is {size} bytes; Lex accepts at most {MAX_RESPONSE_BYTES}: send fewer or shorter messages or attributes"]
    problems = _action_problems(response) + _quota_problems(response)
    if problems:
        return problems
    problem = _validator().first_problem(response)
    if problem is not None:
        message, path = problem
        return [f"{message} at {where(path)}"]
    return []


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _action_problems(response: Mapping[str, Any]) -> list[str]:
    """What each dialogAction type needs (fact sheet section 4); a wrong type of field is left to the schema."""
    state = _object(response.get("sessionState"))
    kind = _object(state.get("dialogAction")).get("type")
    intent = state.get("intent")
    problems: list[str] = []
    if kind == "None":
        problems.append("sessionState.dialogAction.type None is not a step a code hook may return: use Delegate to let Lex choose")
    if kind in ("Close", "ConfirmIntent", "ElicitSlot") and intent is None:
        problems.append(f"{kind} needs sessionState.intent (at least its name)")
    if isinstance(intent, dict):
        name = intent.get("name")
        if not isinstance(name, str) or not name:
            problems.append("sessionState.intent.name must be the intent's name (a non-empty string)")
        if kind == "Close" and intent.get("state") not in CLOSE_STATES:
            problems.append(f"Close needs sessionState.intent.state Failed, Fulfilled or InProgress, got {intent.get('state')!r}")
        if kind == "ConfirmIntent" and "slots" not in intent:
            problems.append("ConfirmIntent needs sessionState.intent.slots (the slots the question is about)")
    if kind == "ElicitSlot":
        slot = _object(state.get("dialogAction")).get("slotToElicit")
        if not isinstance(slot, str) or not slot:
            problems.append("ElicitSlot needs sessionState.dialogAction.slotToElicit, the name of the slot to ask for")
    if kind in MESSAGE_REQUIRED and not response.get("messages"):
        said = "the yes/no question" if kind == "ConfirmIntent" else "what the bot says while it waits for a new intent"
        problems.append(f"{kind} needs at least one message in messages ({said}), even when the bot has a prompt for it")
    return problems


def _quota_problems(response: Mapping[str, Any]) -> list[str]:
    """Lex's size limits on messages, cards and session attributes (fact sheet section 7)."""
    problems: list[str] = []
    messages = response.get("messages")
    if isinstance(messages, list):
        if len(messages) > MAX_MESSAGES:
            problems.append(f"messages holds {len(messages)} entries; Lex allows at most {MAX_MESSAGES}: merge or drop some")
        for index, message in enumerate(messages[: MAX_MESSAGES + 1]):
            problems.extend(_message_problems(message, f"messages[{index}]"))
    attributes = _object(response.get("sessionState")).get("sessionAttributes")
    if isinstance(attributes, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
        size = attributes_bytes(attributes)
        if size > MAX_SESSION_ATTRIBUTES_BYTES:
            problems.append(
                f"sessionState.sessionAttributes hold {size} bytes; Lex accepts at most {MAX_SESSION_ATTRIBUTES_BYTES}: "
                "keep large data outside the session"
            )
    return problems


def _message_problems(message: object, at: str) -> list[str]:
    if not isinstance(message, dict):
        return []  # the schema says what a message must be
    if message.get("contentType") == "ImageResponseCard":
        return _card_problems(message.get("imageResponseCard"), f"{at}.imageResponseCard")
    content = message.get("content")
    if isinstance(content, str) and not 1 <= len(content) <= MAX_CONTENT_LENGTH:
        return [f"{at}.content must be 1-{MAX_CONTENT_LENGTH} characters, got {len(content)}"]
    return []


def _card_problems(card: object, at: str) -> list[str]:
    if not isinstance(card, dict):
        return []
    problems: list[str] = []
    title = card.get("title")
    if isinstance(title, str) and not 1 <= len(title) <= MAX_CARD_TEXT_LENGTH:
        problems.append(f"{at}.title must be 1-{MAX_CARD_TEXT_LENGTH} characters, got {len(title)}")
    for field in ("subtitle", "imageUrl"):
        value = card.get(field)
        if isinstance(value, str) and len(value) > MAX_CARD_TEXT_LENGTH:
            problems.append(f"{at}.{field} must be at most {MAX_CARD_TEXT_LENGTH} characters, got {len(value)}")
    buttons = card.get("buttons")
    if isinstance(buttons, list):
        if len(buttons) > MAX_BUTTONS:
            problems.append(f"{at}.buttons holds {len(buttons)} buttons; Lex allows at most {MAX_BUTTONS}")
        for index, button in enumerate(buttons[: MAX_BUTTONS + 1]):
            if not isinstance(button, dict):
                continue
            for field in ("text", "value"):  # both required in the runtime model, though the schema leaves them optional
                value = button.get(field)
                if value is None:
                    problems.append(f"{at}.buttons[{index}] needs a {field} of 1-{MAX_BUTTON_TEXT_LENGTH} characters")
                elif isinstance(value, str) and not 1 <= len(value) <= MAX_BUTTON_TEXT_LENGTH:
                    problems.append(f"{at}.buttons[{index}].{field} must be 1-{MAX_BUTTON_TEXT_LENGTH} characters, got {len(value)}")
    return problems
