"""What the dialog needs from the NLU: the shapes it reads, as protocols.

The NLU (``runtime.lex.nlu`` and ``runtime.lex.slot_values``) satisfies these; the
dialog depends only on them, so either side can change inside without the other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot_spec.definition import BotLocale, Slot


class SlotMatchLike(Protocol):
    """A slot value found in text."""

    @property
    def interpreted_value(self) -> str | None: ...

    def to_lex(self) -> dict[str, Any]: ...


class IntentScoreLike(Protocol):
    """One ranked intent; ``score`` None marks the FallbackIntent the threshold inserted."""

    @property
    def intent_name(self) -> str: ...

    @property
    def score(self) -> float | None: ...

    @property
    def slots(self) -> Mapping[str, SlotMatchLike]: ...


class NluResultLike(Protocol):
    """The ranked interpretations of one utterance (at most 5)."""

    @property
    def interpretations(self) -> Sequence[IntentScoreLike]: ...

    def top(self) -> IntentScoreLike: ...

    def explain(self) -> dict[str, Any]: ...


class NluModelLike(Protocol):
    """A locale's trained classifier."""

    def interpret(self, text: str, *, now: datetime, active_contexts: Collection[str] = (), max_results: int = 5) -> NluResultLike: ...


NluFactory = Callable[[BotLocale], NluModelLike]
SlotResolver = Callable[..., SlotMatchLike | None]  # (text, slot, locale, *, now, whole_utterance) -> match


def default_nlu_factory(locale: BotLocale) -> NluModelLike:
    """The engine's own NLU model for ``locale``."""
    from runtime.lex.nlu import NluModel  # imported late: the NLU is heavy and optional for tests of other parts

    model: NluModelLike = NluModel.build(locale)
    return model


def default_slot_resolver(text: str, slot: Slot, locale: BotLocale, *, now: datetime, whole_utterance: bool = True) -> SlotMatchLike | None:
    """The engine's own slot-value resolver."""
    from runtime.lex.slot_values import resolve_slot_value

    match: SlotMatchLike | None = resolve_slot_value(text, slot, locale, now=now, whole_utterance=whole_utterance)
    return match
