"""Typed, validated view of a Lex V2 code-hook input event (messageVersion 1.0).

``parse_event`` checks every field it reads, with the limits Lex itself documents, and
raises ``InvalidEvent`` naming the field; fields it does not model stay in ``raw``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from fulfillment.errors import InvalidEvent

InvocationSource = Literal["DialogCodeHook", "FulfillmentCodeHook"]
INVOCATION_SOURCES: frozenset[str] = frozenset({"DialogCodeHook", "FulfillmentCodeHook"})
INTENT_STATES: frozenset[str] = frozenset({"InProgress", "ReadyForFulfillment", "Fulfilled", "Failed", "FulfillmentInProgress", "Waiting"})
CONFIRMATION_STATES: frozenset[str] = frozenset({"Confirmed", "Denied", "None"})
SLOT_SHAPES: frozenset[str] = frozenset({"Scalar", "List", "Composite"})

# Limits. Lex never sends more than these; anything bigger is a forged or broken event,
# and refusing it early keeps a hostile caller from making the handler do unbounded work.
MAX_NAME_LENGTH = 100  # intent, slot and bot names: 1-100 characters
MAX_TEXT_LENGTH = 12 * 1024  # any free text (Lambda input is at most 12 KB in all)
MAX_ATTRIBUTES_SIZE = 12 * 1024  # characters of keys plus values in one attribute map
MAX_INTERPRETATIONS = 5
MAX_SLOTS = 100  # slots per intent
MAX_SLOT_VALUES = 100  # list items or resolved values of one slot
MAX_SLOT_DEPTH = 4  # composite slot -> sub-slots -> list values

TIME_ZONE_ATTRIBUTE = "x-amz-lex:time-zone"


@dataclass(frozen=True)
class SlotValue:
    """``value`` of a slot: what the user said and what Lex made of it."""

    original_value: str | None
    interpreted_value: str | None  # null when Lex cannot decide (e.g. an ambiguous time)
    resolved_values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The Lex wire shape."""
        out: dict[str, Any] = {}
        if self.original_value is not None:
            out["originalValue"] = self.original_value
        if self.interpreted_value is not None:
            out["interpretedValue"] = self.interpreted_value
        out["resolvedValues"] = list(self.resolved_values)
        return out


@dataclass(frozen=True)
class Slot:
    """A filled slot: scalar ``value``, list ``values`` or composite ``sub_slots``."""

    shape: str | None = None
    value: SlotValue | None = None
    values: tuple[Slot, ...] = ()
    sub_slots: Mapping[str, Slot | None] = field(default_factory=dict)

    @property
    def interpreted_value(self) -> str | None:
        """The scalar value Lex resolved, or None."""
        return None if self.value is None else self.value.interpreted_value

    @property
    def original_value(self) -> str | None:
        """The user's own words for the scalar value, or None."""
        return None if self.value is None else self.value.original_value

    def to_dict(self) -> dict[str, Any]:
        """The Lex wire shape, holding only the fields Lex accepts back."""
        out: dict[str, Any] = {}
        if self.shape is not None:
            out["shape"] = self.shape
        if self.value is not None:
            out["value"] = self.value.to_dict()
        if self.values:
            out["values"] = [v.to_dict() for v in self.values]
        if self.sub_slots:
            out["subSlots"] = {k: None if v is None else v.to_dict() for k, v in self.sub_slots.items()}
        return out


@dataclass(frozen=True)
class Intent:
    """The intent in ``sessionState`` (or in an interpretation)."""

    name: str
    slots: Mapping[str, Slot | None] = field(default_factory=dict)
    state: str | None = None
    confirmation_state: str | None = None

    def slot(self, name: str) -> Slot | None:
        """The slot called ``name`` when it holds a value, else None."""
        return self.slots.get(name)

    def interpreted_value(self, slot_name: str) -> str | None:
        """The interpreted value of a scalar slot, or None when it is empty."""
        slot = self.slots.get(slot_name)
        return None if slot is None else slot.interpreted_value

    def original_value(self, slot_name: str) -> str | None:
        """What the user said for a scalar slot, or None when it is empty."""
        slot = self.slots.get(slot_name)
        return None if slot is None else slot.original_value

    def slots_dict(self) -> dict[str, Any]:
        """Every slot in the Lex wire shape, with ``None`` for an empty one."""
        return {k: None if v is None else v.to_dict() for k, v in self.slots.items()}


@dataclass(frozen=True)
class Interpretation:
    """One ranked guess of Lex's NLU; FallbackIntent carries no confidence."""

    intent: Intent
    nlu_confidence: float | None
    interpretation_source: str | None = None


@dataclass(frozen=True)
class Bot:
    """The bot, alias and locale the event comes from."""

    id: str | None
    name: str | None
    locale_id: str | None
    version: str | None
    alias_id: str | None
    alias_name: str | None


@dataclass(frozen=True)
class ProposedNextState:
    """Lex's planned next step; sent only to DialogCodeHook when it will elicit a slot."""

    dialog_action_type: str | None
    slot_to_elicit: str | None
    intent: Intent | None
    prompt_attempt: str | None


@dataclass(frozen=True)
class CodeHookEvent:
    """A parsed code-hook event. ``raw`` keeps the original dict for unmodelled fields."""

    intent: Intent
    invocation_source: InvocationSource | None
    session_id: str | None
    input_transcript: str
    input_mode: str | None
    message_version: str | None
    invocation_label: str | None
    bot: Bot | None
    session_attributes: Mapping[str, str]
    request_attributes: Mapping[str, str]
    interpretations: tuple[Interpretation, ...]
    proposed_next_state: ProposedNextState | None
    originating_request_id: str | None
    raw: Mapping[str, Any]

    @property
    def locale_id(self) -> str:
        """The bot locale (``en_US`` when the event does not say)."""
        return (self.bot.locale_id if self.bot else None) or "en_US"

    @property
    def time_zone(self) -> str | None:
        """The IANA zone the client sent in ``x-amz-lex:time-zone``, if any."""
        return self.request_attributes.get(TIME_ZONE_ATTRIBUTE)

    def interpreted_value(self, slot_name: str) -> str | None:
        """Shortcut: the current intent's interpreted value of ``slot_name``."""
        return self.intent.interpreted_value(slot_name)

    def original_value(self, slot_name: str) -> str | None:
        """Shortcut: what the user said for ``slot_name``."""
        return self.intent.original_value(slot_name)


# ---------------------------------------------------------------- reading


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _mapping(node: object, path: str) -> Mapping[str, Any]:
    if type(node) is dict:  # the usual case; the ABC check below is several times slower
        return node
    if not isinstance(node, Mapping):
        raise InvalidEvent(path, f"expected an object, got {_type_name(node)}")
    return cast(Mapping[str, Any], node)


def _opt_mapping(node: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = node.get(key)
    return None if value is None else _mapping(value, f"{path}.{key}")


def _text(value: object, path: str, *, limit: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str):
        raise InvalidEvent(path, f"expected a string, got {_type_name(value)}")
    if len(value) > limit:
        raise InvalidEvent(path, f"is {len(value)} characters long; the limit is {limit}")
    return value


def _opt_text(node: Mapping[str, Any], key: str, path: str, *, limit: int = MAX_TEXT_LENGTH) -> str | None:
    value = node.get(key)
    return None if value is None else _text(value, f"{path}.{key}", limit=limit)


def _name(value: object, path: str) -> str:
    name = _text(value, path, limit=MAX_NAME_LENGTH)
    if not name:
        raise InvalidEvent(path, "must not be empty")
    return name


def _choice(node: Mapping[str, Any], key: str, path: str, allowed: frozenset[str]) -> str | None:
    value = _opt_text(node, key, path, limit=MAX_NAME_LENGTH)
    if value is not None and value not in allowed:
        raise InvalidEvent(f"{path}.{key}", f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _attributes(node: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
    """A string-to-string map; Lex sends ``null`` when there is none."""
    value = node.get(key)
    if value is None:
        return {}
    where = f"{path}.{key}"
    mapping = _mapping(value, where)
    out: dict[str, str] = {}
    size = 0
    for k, v in mapping.items():
        if not isinstance(k, str):
            raise InvalidEvent(where, f"keys must be strings, got {_type_name(k)}")
        out[k] = _text(v, f"{where}[{k[:40]!r}]")
        size += len(k) + len(out[k])
        if size > MAX_ATTRIBUTES_SIZE:
            raise InvalidEvent(where, f"holds more than {MAX_ATTRIBUTES_SIZE} characters; Lex allows 12 KB")
    return out


def _string_list(value: object, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidEvent(path, f"expected a list, got {_type_name(value)}")
    if len(value) > MAX_SLOT_VALUES:
        raise InvalidEvent(path, f"has {len(value)} entries; the limit is {MAX_SLOT_VALUES}")
    return tuple(_text(v, f"{path}[{i}]") for i, v in enumerate(value))


def _slot_value(node: Mapping[str, Any], path: str) -> SlotValue:
    return SlotValue(
        original_value=_opt_text(node, "originalValue", path),
        interpreted_value=_opt_text(node, "interpretedValue", path),
        resolved_values=_string_list(node.get("resolvedValues"), f"{path}.resolvedValues"),
    )


def _slot(value: object, path: str, depth: int = 0) -> Slot | None:
    if value is None:
        return None
    if depth >= MAX_SLOT_DEPTH:
        raise InvalidEvent(path, f"slots nest deeper than {MAX_SLOT_DEPTH} levels")
    node = _mapping(value, path)
    slot_value = _opt_mapping(node, "value", path)
    raw_values = node.get("values")
    if raw_values is not None and not isinstance(raw_values, list):
        raise InvalidEvent(f"{path}.values", f"expected a list, got {_type_name(raw_values)}")
    items = raw_values or []
    if len(items) > MAX_SLOT_VALUES:
        raise InvalidEvent(f"{path}.values", f"has {len(items)} entries; the limit is {MAX_SLOT_VALUES}")
    values = tuple(s for i, v in enumerate(items) if (s := _slot(v, f"{path}.values[{i}]", depth + 1)) is not None)
    return Slot(
        shape=_choice(node, "shape", path, SLOT_SHAPES),
        value=None if slot_value is None else _slot_value(slot_value, f"{path}.value"),
        values=values,
        sub_slots=_slots(node.get("subSlots"), f"{path}.subSlots", depth + 1),
    )


def _slots(value: object, path: str, depth: int = 0) -> dict[str, Slot | None]:
    if value is None:
        return {}
    mapping = _mapping(value, path)
    if len(mapping) > MAX_SLOTS:
        raise InvalidEvent(path, f"has {len(mapping)} slots; Lex allows {MAX_SLOTS} per intent")
    out: dict[str, Slot | None] = {}
    for k, v in mapping.items():
        key = _name(k, f"{path} (a slot name)")
        out[key] = _slot(v, f"{path}.{key}", depth)
    return out


def _intent(value: object, path: str) -> Intent:
    node = _mapping(value, path)
    if "name" not in node:
        raise InvalidEvent(f"{path}.name", "is missing; every intent has a name")
    return Intent(
        name=_name(node["name"], f"{path}.name"),
        slots=_slots(node.get("slots"), f"{path}.slots"),
        state=_choice(node, "state", path, INTENT_STATES),
        confirmation_state=_choice(node, "confirmationState", path, CONFIRMATION_STATES),
    )


def _confidence(value: object, path: str) -> float | None:
    """``nluConfidence`` is a bare number in Lambda events but ``{score}`` in RecognizeText."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if "score" not in value:
            raise InvalidEvent(path, "an object here must hold 'score'")
        return _confidence(value["score"], f"{path}.score")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(path, f"expected a number or {{score: number}}, got {_type_name(value)}")
    score = float(value)
    if not math.isfinite(score) or not 0.0 <= score <= 1.0:
        raise InvalidEvent(path, f"{value!r} is not a confidence between 0 and 1")
    return score


def _interpretations(value: object, path: str) -> tuple[Interpretation, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidEvent(path, f"expected a list, got {_type_name(value)}")
    if len(value) > MAX_INTERPRETATIONS:
        raise InvalidEvent(path, f"has {len(value)} entries; Lex sends at most {MAX_INTERPRETATIONS}")
    out = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        node = _mapping(item, where)
        if "intent" not in node:
            raise InvalidEvent(f"{where}.intent", "is missing")
        out.append(
            Interpretation(
                intent=_intent(node["intent"], f"{where}.intent"),
                nlu_confidence=_confidence(node.get("nluConfidence"), f"{where}.nluConfidence"),
                interpretation_source=_opt_text(node, "interpretationSource", where, limit=MAX_NAME_LENGTH),
            )
        )
    return tuple(out)


def _bot(node: Mapping[str, Any] | None, path: str) -> Bot | None:
    if node is None:
        return None
    return Bot(
        id=_opt_text(node, "id", path, limit=MAX_NAME_LENGTH),
        name=_opt_text(node, "name", path, limit=MAX_NAME_LENGTH),
        locale_id=_opt_text(node, "localeId", path, limit=MAX_NAME_LENGTH),
        version=_opt_text(node, "version", path, limit=MAX_NAME_LENGTH),
        alias_id=_opt_text(node, "aliasId", path, limit=MAX_NAME_LENGTH),
        alias_name=_opt_text(node, "aliasName", path, limit=MAX_NAME_LENGTH),
    )


def _proposed(node: Mapping[str, Any] | None, path: str) -> ProposedNextState | None:
    if node is None:
        return None
    action = _opt_mapping(node, "dialogAction", path) or {}
    prompt = _opt_mapping(node, "prompt", path) or {}
    intent = node.get("intent")
    return ProposedNextState(
        dialog_action_type=_opt_text(action, "type", f"{path}.dialogAction", limit=MAX_NAME_LENGTH),
        slot_to_elicit=_opt_text(action, "slotToElicit", f"{path}.dialogAction", limit=MAX_NAME_LENGTH),
        intent=None if intent is None else _intent(intent, f"{path}.intent"),
        prompt_attempt=_opt_text(prompt, "attempt", f"{path}.prompt", limit=MAX_NAME_LENGTH),
    )


def parse_event(event: object) -> CodeHookEvent:
    """Validate and type a code-hook event; raises ``InvalidEvent`` naming the bad field."""
    root = _mapping(event, "event")
    if "sessionState" not in root:
        raise InvalidEvent("event.sessionState", "is missing; this does not look like a Lex V2 code-hook event")
    state = _mapping(root["sessionState"], "event.sessionState")
    if "intent" not in state:
        raise InvalidEvent("event.sessionState.intent", "is missing; Lex always names the current intent")
    source = _choice(root, "invocationSource", "event", INVOCATION_SOURCES)
    return CodeHookEvent(
        intent=_intent(state["intent"], "event.sessionState.intent"),
        invocation_source=cast(InvocationSource | None, source),
        session_id=_opt_text(root, "sessionId", "event", limit=MAX_NAME_LENGTH),
        input_transcript=_opt_text(root, "inputTranscript", "event") or "",
        input_mode=_opt_text(root, "inputMode", "event", limit=MAX_NAME_LENGTH),
        message_version=_opt_text(root, "messageVersion", "event", limit=MAX_NAME_LENGTH),
        invocation_label=_opt_text(root, "invocationLabel", "event", limit=MAX_NAME_LENGTH),
        bot=_bot(_opt_mapping(root, "bot", "event"), "event.bot"),
        session_attributes=_attributes(state, "sessionAttributes", "event.sessionState"),
        request_attributes=_attributes(root, "requestAttributes", "event"),
        interpretations=_interpretations(root.get("interpretations"), "event.interpretations"),
        proposed_next_state=_proposed(_opt_mapping(root, "proposedNextState", "event"), "event.proposedNextState"),
        originating_request_id=_opt_text(state, "originatingRequestId", "event.sessionState", limit=MAX_NAME_LENGTH),
        raw=root,
    )
