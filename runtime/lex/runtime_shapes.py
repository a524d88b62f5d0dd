"""Lex V2 runtime shapes built from the definition: intents with their slot maps, interpretations."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot_spec.definition import BotLocale, Intent
from runtime.lex.understanding import IntentScoreLike, NluResultLike

LexIntent = dict[str, Any]
FALLBACK_NAME = "FallbackIntent"


def clone(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts, lists, scalars); several times faster than deepcopy."""
    kind = type(value)
    if kind is dict:
        return {k: clone(v) for k, v in value.items()}
    if kind is list:
        return [clone(v) for v in value]
    return value


@dataclass
class _LocaleIndex:
    locale: weakref.ref[BotLocale]
    intents: dict[str, Intent]
    fallback: Intent | None


_INDEXES: dict[int, _LocaleIndex] = {}


def _index(locale: BotLocale) -> _LocaleIndex:
    # Lookups by name run several times a turn; a 150-intent locale made the linear scans
    # of BotLocale.intent() a large share of a turn. Definitions are not edited once served.
    entry = _INDEXES.get(id(locale))
    if entry is None or entry.locale() is not locale:
        entry = _LocaleIndex(weakref.ref(locale), {i.name: i for i in locale.intents}, locale.fallback_intent())
        _INDEXES[id(locale)] = entry
    return entry


def find_intent(locale: BotLocale, name: str) -> Intent | None:
    """The locale's intent called ``name``, or None (a dict lookup)."""
    return _index(locale).intents.get(name)


def fallback_intent(locale: BotLocale) -> Intent | None:
    """The locale's FallbackIntent, or None."""
    return _index(locale).fallback


def fallback_name(locale: BotLocale) -> str:
    """The name of the locale's FallbackIntent (Lex's default name when it defines none)."""
    intent = _index(locale).fallback
    return intent.name if intent is not None else FALLBACK_NAME


def slot_map(intent: Intent | None, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every slot the intent defines as a key, None when unfilled, as Lex sends them."""
    given = given or {}
    if intent is None:
        return {name: clone(value) for name, value in given.items()}
    return {slot.name: clone(given.get(slot.name)) for slot in intent.slots}


def new_intent(intent: Intent | None, name: str, slots: Mapping[str, Any] | None = None) -> LexIntent:
    """A fresh intent in progress, nothing confirmed."""
    return {"name": name, "slots": slot_map(intent, slots), "state": "InProgress", "confirmationState": "None"}


def is_filled(slot: Any) -> bool:
    """Whether a Lex slot holds a value (scalar or list)."""
    if not isinstance(slot, Mapping):
        return False
    return isinstance(slot.get("value"), Mapping) or bool(slot.get("values"))


def scalar_slot(original: str, interpreted: str | None, resolved: list[str]) -> dict[str, Any]:
    """A Lex scalar slot value."""
    value: dict[str, Any] = {"originalValue": original, "resolvedValues": list(resolved)}
    if interpreted is not None:
        value["interpretedValue"] = interpreted
    return {"shape": "Scalar", "value": value}


def score_slots(locale: BotLocale, score: IntentScoreLike) -> dict[str, Any]:
    """The Lex slot map of one NLU interpretation."""
    found = {name: match.to_lex() for name, match in score.slots.items()}
    return slot_map(find_intent(locale, score.intent_name), found)


def interpretation(locale: BotLocale, score: IntentScoreLike) -> dict[str, Any]:
    """One RecognizeText interpretation: FallbackIntent carries no confidence and no slots."""
    entry: dict[str, Any] = {"intent": {"name": score.intent_name, "slots": score_slots(locale, score)}}
    if score.score is not None and score.intent_name != fallback_name(locale):
        entry["nluConfidence"] = {"score": round(float(score.score), 2)}
    entry["interpretationSource"] = "Lex"
    return entry


def interpretations_for(
    locale: BotLocale, result: NluResultLike | None, active: LexIntent | None, *, captured: bool
) -> list[dict[str, Any]]:
    """The turn's interpretations, the intent the dialog ended on first and carrying its state.

    When the input was consumed by the active intent (a slot value or a yes/no), that
    intent leads with confidence 1.0, as Lex reports a continued intent.
    """
    ranked = [interpretation(locale, s) for s in result.interpretations] if result is not None else []
    fallback = fallback_name(locale)
    if result is not None and fallback_intent(locale) is not None and all(e["intent"]["name"] != fallback for e in ranked):
        # Lex always lists FallbackIntent; when every intent clears the threshold it comes last.
        ranked.append({"intent": {"name": fallback, "slots": {}}, "interpretationSource": "Lex"})
    if active is None:
        return ranked[:5]
    name = active["name"]
    lead = next((e for e in ranked if e["intent"]["name"] == name), None)
    rest = [e for e in ranked if e is not lead]
    head: dict[str, Any] = {"intent": clone(active)}
    if captured and name != fallback_name(locale):
        head["nluConfidence"] = {"score": 1.0}
    elif lead is not None and "nluConfidence" in lead:
        head["nluConfidence"] = lead["nluConfidence"]
    head["interpretationSource"] = "Lex"
    return [head, *rest][:5]
