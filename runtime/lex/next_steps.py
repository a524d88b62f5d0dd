"""Explicit next steps and conditional branches of the conversation flow (fact sheet 3.2).

A step setting holds an optional ``ConditionalSpecification`` (up to 4 branches and a default)
and a ``DialogState`` next step. ``choose`` picks what runs: the first branch whose condition is
true, else the default branch, else the plain next step. The dialog then plays the branch's
response and performs the step (``dialogAction.type``), after applying its slot values and
session attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.lex.conditions import ConditionContext, ConditionError, parse_condition

STEP_TYPES = frozenset(
    {
        "ElicitIntent",
        "StartIntent",
        "ElicitSlot",
        "ConfirmIntent",
        "EvaluateConditional",
        "InvokeDialogCodeHook",
        "FulfillIntent",
        "CloseIntent",
        "EndConversation",
    }
)
MAX_STEPS_PER_TURN = 20  # next steps may chain (StartIntent -> ...); a cycle stops here


@dataclass
class Choice:
    """What a step setting says to do now: a response to play and a next step (either may be None)."""

    response: dict[str, Any] | None
    step: dict[str, Any] | None
    branch: str  # the branch's name, "default" or "nextStep"
    problems: list[str] = field(default_factory=list)  # branches skipped for a bad expression


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def choose(conditional: Any, next_step: Any, context: ConditionContext) -> Choice | None:
    """The branch or next step to follow; None when the setting has neither (Lex's default path)."""
    cond = _dict(conditional)
    problems: list[str] = []
    if cond is not None and cond.get("isActive", cond.get("active", True)) is not False:
        for n, branch in enumerate(cond.get("conditionalBranches") or []):
            if not isinstance(branch, dict):
                continue
            expression = str((_dict(branch.get("condition")) or {}).get("expressionString") or "")
            name = str(branch.get("name") or f"branch{n + 1}")
            try:
                taken = parse_condition(expression).evaluate(context)
            except ConditionError as exc:
                # A bad expression never matches; the explanation says why (Lex rejects it at build).
                problems.append(f"{name}: {exc}")
                continue
            if taken:
                return Choice(_dict(branch.get("response")), _dict(branch.get("nextStep")), name, problems)
        default = _dict(cond.get("defaultBranch"))
        if default is not None:
            return Choice(_dict(default.get("response")), _dict(default.get("nextStep")), "default", problems)
    step = _dict(next_step)
    if step is not None and step_type(step) is not None:
        return Choice(None, step, "nextStep", problems)
    return None


def step_type(step: dict[str, Any] | None) -> str | None:
    """The step's ``dialogAction.type`` when it is one Lex defines, else None."""
    action = _dict((step or {}).get("dialogAction"))
    kind = action.get("type") if action is not None else None
    return kind if kind in STEP_TYPES else None


def step_slot_values(step: dict[str, Any]) -> dict[str, str]:
    """Slot values a step sets (``intent.slots.X.value.interpretedValue``)."""
    slots = _dict((_dict(step.get("intent")) or {}).get("slots")) or {}
    out: dict[str, str] = {}
    for name, slot in slots.items():
        value = _dict((_dict(slot) or {}).get("value")) or {}
        text = value.get("interpretedValue")
        if isinstance(text, str) and text:
            out[str(name)] = text
    return out


def step_session_attributes(step: dict[str, Any]) -> dict[str, str]:
    """Session attributes a step sets (merged into the session's)."""
    attrs = _dict(step.get("sessionAttributes")) or {}
    return {str(k): str(v) for k, v in attrs.items() if v is not None}
