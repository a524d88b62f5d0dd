"""A dialogue written down as a Gherkin scenario that passes when run again (``converse --record``, ``export-conversation``).

It uses the existing step vocabulary only (docs/conversation-tests.md), so a recorded scenario
reads like a hand-written one: each exchange becomes ``When I say`` followed by what the bot did
(the intent, every message, the slot asked for, the filled slots, the card's choices, the intent
state and the dialog action). It reads Lex V2 RecognizeText responses (boto3's dict shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


class RecordingError(Exception):
    """A dialogue cannot be written as a scenario."""


@dataclass(frozen=True)
class Exchange:
    """What the user said and the bot's RecognizeText response (None when the service refused the turn)."""

    text: str
    response: dict[str, Any] | None
    error: str | None = None


def one_line(text: str) -> str:
    """Text for a quoted step value: on one line, whitespace collapsed (how ``the bot says`` compares)."""
    return " ".join(_LINE_BREAKS.sub(" ", text).split())


def _name(text: Any) -> str | None:
    """A value for a ``"<name>"`` placeholder (a non-empty string without a quote), else None."""
    if not isinstance(text, str):
        return None
    value = one_line(text)
    return value if value and '"' not in value else None


def _slot_value(slot: Any) -> str | None:
    if not isinstance(slot, dict):
        return None
    value = slot.get("value") or {}
    if isinstance(value, dict) and value.get("interpretedValue") is not None:
        return str(value["interpretedValue"])
    values = [_slot_value(x) for x in slot.get("values") or []]
    present = [x for x in values if x is not None]
    return ", ".join(present) if present else None


def _messages(response: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The text of each message (a card by its title) and the button texts of the cards."""
    texts: list[str] = []
    buttons: list[str] = []
    for message in response.get("messages") or []:
        if not isinstance(message, dict):
            continue
        card = message.get("imageResponseCard")
        if isinstance(card, dict):
            texts.append(str(card.get("title", "")))
            buttons.extend(str(b.get("text", "")) for b in card.get("buttons") or [] if isinstance(b, dict))
        elif message.get("content") is not None:
            texts.append(str(message["content"]))
    return texts, buttons


def exchange_steps(exchange: Exchange) -> list[str]:
    """The steps of one exchange (comments where a fact cannot be written as a step)."""
    steps = [f'When I say "{one_line(exchange.text)}"']
    if exchange.response is None:
        return [*steps, f"# the bot refused this turn ({one_line(exchange.error or 'no response')}); no step checks a refusal"]
    state = exchange.response.get("sessionState") or {}
    intent = state.get("intent") or {}
    action = state.get("dialogAction") or {}
    checks: list[str] = []
    comments: list[str] = []
    if _name(intent.get("name")):
        checks.append(f'the intent is "{_name(intent.get("name"))}"')
    texts, buttons = _messages(exchange.response)
    shown = [one_line(t) for t in texts if one_line(t)]
    checks.extend(f'the bot says "{t}"' for t in shown)
    if not texts:
        checks.append("the bot says nothing")
    if action.get("type") == "ElicitSlot" and _name(action.get("slotToElicit")):
        checks.append(f'the bot asks for "{_name(action.get("slotToElicit"))}"')
    for slot, data in (intent.get("slots") or {}).items():
        value = _slot_value(data)
        if value is None:
            continue
        if _name(slot) is None:
            comments.append(f"# slot {slot!r} = {value!r}: the slot's name cannot be written in a step")
        else:
            checks.append(f'the slot "{_name(slot)}" is "{one_line(value)}"')
    if buttons:
        if all(_name(b) for b in buttons):
            checks.append("the bot offers the choices " + ", ".join(f'"{one_line(b)}"' for b in buttons))
        else:
            comments.append("# a choice is empty or holds a quote: the choices are not checked")
    if _name(intent.get("state")):
        checks.append(f'the intent state is "{_name(intent.get("state"))}"')
    if _name(action.get("type")):
        checks.append(f'the dialog action is "{_name(action.get("type"))}"')
    steps.extend(f"{'Then' if n == 0 else 'And'} {check}" for n, check in enumerate(checks))
    return steps + comments


def scenario_text(
    feature: str,
    scenario: str,
    exchanges: list[Exchange],
    started: datetime | None = None,
    session_attributes: dict[str, str] | None = None,
) -> str:
    """A feature file with one scenario of ``exchanges``.

    ``started`` (aware) sets the engine's clock to the recording's time; ``session_attributes`` are
    sent with the first turn (the chat runtime sends the user's display name as ``customer``).
    """
    spoken = [e for e in exchanges if one_line(e.text)]
    if not spoken:
        raise RecordingError("nothing was said: there is no dialogue to write as a scenario")
    lines = [f"Feature: {one_line(feature) or 'Recorded conversation'}", ""]
    if started is not None:
        lines.append("  @local-clock")  # the time step needs a clock it can set (engine, http)
    lines.append(f"  Scenario: {one_line(scenario) or 'Recorded conversation'}")
    lines.append("    Given a new conversation")
    if started is not None:
        lines.append(f'    And the time is "{started:%H:%M}" in "{started.tzinfo or "UTC"}"')
    for key, value in (session_attributes or {}).items():
        if _name(key) is None:
            raise RecordingError(f"session attribute {key!r} cannot be named in a step")
        lines.append(f'    And the session attribute "{_name(key)}" is "{one_line(value)}"')
    for exchange in spoken:
        lines.extend(f"    {step}" for step in exchange_steps(exchange))
    return "\n".join(lines) + "\n"
