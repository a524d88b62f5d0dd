"""One exchange with the bot (what the user sent, what came back) and the transcript of a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conversation_tests.turn_details import MessageDetail, active_contexts, message_details


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; ends are trimmed (how ``the bot says`` compares)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Button:
    """A button of a response card: what it shows and what choosing it sends."""

    text: str
    value: str


@dataclass(frozen=True)
class Interpretation:
    """One ranked intent of the turn; ``score`` is None when Lex gives none (FallbackIntent)."""

    intent: str
    score: float | None


@dataclass
class ObservedTurn:
    """The user's text, the bot's answer and the session state after it."""

    user_text: str
    messages: list[str] = field(default_factory=list)  # text of each message; a card shows as its title
    buttons: list[Button] = field(default_factory=list)
    intent: str | None = None
    intent_state: str | None = None
    confirmation_state: str | None = None
    dialog_action: str | None = None
    slot_to_elicit: str | None = None
    slots: dict[str, str | None] = field(default_factory=dict)
    session_attributes: dict[str, str] = field(default_factory=dict)
    interpretations: list[Interpretation] = field(default_factory=list)
    sent_session_attributes: dict[str, str] | None = None
    sent_request_attributes: dict[str, str] | None = None
    error: str | None = None  # the service refused the turn (e.g. DependencyFailedException)
    note: str | None = None  # something that happened between turns (idle time, a clock change)
    hook_logs: list[str] = field(default_factory=list)  # what the code hook logged (local targets)
    response: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # the raw RecognizeText response, when there is one
    details: list[MessageDetail] = field(default_factory=list)  # content type, card title and subtitle of each message
    contexts: dict[str, dict[str, str]] | None = None  # active contexts and their attributes; None when the target does not say

    @property
    def confidence(self) -> float | None:
        """The NLU confidence of the turn's intent, when Lex reported one."""
        for interpretation in self.interpretations:
            if interpretation.intent == self.intent:
                return interpretation.score
        return None

    @classmethod
    def from_lex_response(cls, user_text: str, response: dict[str, Any]) -> ObservedTurn:
        """Read a RecognizeText response (boto3's dict shape)."""
        turn = cls(user_text=user_text, response=response)
        turn.details = message_details(response)
        turn.contexts = active_contexts(response)
        for message in response.get("messages") or []:
            card = message.get("imageResponseCard")
            if card:
                turn.messages.append(str(card.get("title", "")))
                turn.buttons.extend(Button(str(b.get("text", "")), str(b.get("value", ""))) for b in card.get("buttons") or [])
            elif message.get("content") is not None:
                turn.messages.append(str(message["content"]))
        state = response.get("sessionState") or {}
        intent = state.get("intent") or {}
        turn.intent = intent.get("name")
        turn.intent_state = intent.get("state")
        turn.confirmation_state = intent.get("confirmationState")
        for name, slot in (intent.get("slots") or {}).items():
            turn.slots[name] = slot_interpreted_value(slot)
        action = state.get("dialogAction") or {}
        turn.dialog_action = action.get("type")
        turn.slot_to_elicit = action.get("slotToElicit")
        turn.session_attributes = dict(state.get("sessionAttributes") or {})
        for item in response.get("interpretations") or []:
            name = (item.get("intent") or {}).get("name")
            if name:
                score = (item.get("nluConfidence") or {}).get("score")
                turn.interpretations.append(Interpretation(name, None if score is None else float(score)))
        return turn


def slot_interpreted_value(slot: Any) -> str | None:
    """A Lex slot's interpretedValue (or its values joined, for a list slot); None when empty."""
    if not isinstance(slot, dict):
        return None
    value = slot.get("value") or {}
    if value.get("interpretedValue") is not None:
        return str(value["interpretedValue"])
    values = [slot_interpreted_value(v) for v in slot.get("values") or []]
    present = [v for v in values if v is not None]
    return ", ".join(present) if present else None


def _format_confidence(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"


def render_turn(number: int, turn: ObservedTurn) -> list[str]:
    """The lines of one turn in a transcript."""
    if turn.note is not None and not turn.user_text:
        return [f"  -- {turn.note}"]
    lines = [f"  Turn {number}", f"    user: {turn.user_text}"]
    if turn.sent_session_attributes is not None:
        lines.append(f"    (sent session attributes: {turn.sent_session_attributes})")
    if turn.sent_request_attributes:
        lines.append(f"    (sent request attributes: {turn.sent_request_attributes})")
    if turn.error is not None:
        lines.append(f"    error: {turn.error}")
        return lines
    if turn.messages:
        lines.extend(f"    bot:  {text}" for text in turn.messages)
    else:
        lines.append("    bot:  (no message)")
    if turn.buttons:
        lines.append("    choices: " + ", ".join(f"{b.text!r} -> {b.value!r}" for b in turn.buttons))
    confidence = _format_confidence(turn.confidence)
    lines.append(f"    intent: {turn.intent or '(none)'} (confidence {confidence}), state {turn.intent_state or '(none)'}")
    action = turn.dialog_action or "(none)"
    if turn.slot_to_elicit:
        action += f" {turn.slot_to_elicit}"
    lines.append(f"    dialog action: {action}")
    slots = ", ".join(f"{name}={value!r}" for name, value in turn.slots.items()) or "(none)"
    lines.append(f"    slots: {slots}")
    if turn.session_attributes:
        lines.append(f"    session attributes: {turn.session_attributes}")
    if turn.interpretations:
        ranked = ", ".join(f"{i.intent} {_format_confidence(i.score)}" for i in turn.interpretations)
        lines.append(f"    interpretations: {ranked}")
    lines.extend(f"    code hook log: {line}" for line in turn.hook_logs)
    return lines


def render_transcript(turns: list[ObservedTurn], header: str) -> str:
    """The whole conversation so far, readable without a debugger."""
    lines = [header]
    if not turns:
        lines.append("  (nothing said yet)")
    number = 0
    for turn in turns:
        if turn.user_text or turn.note is None:
            number += 1
        lines.extend(render_turn(number, turn))
    return "\n".join(lines)
