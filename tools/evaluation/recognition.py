"""Run labelled utterances through a recogniser: a Lex endpoint (fresh session per utterance) or an NLU model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from runtime.lex.endpoints import LexEndpoint
from runtime.lex.understanding import NluModelLike
from tools.evaluation.labelled_data import LabelledUtterance
from tools.evaluation.metrics import NO_PREDICTION
from tools.evaluation.progress import Progress

TOP_K = 3


@dataclass
class Prediction:
    """What the recogniser made of one labelled utterance."""

    utterance: LabelledUtterance
    intent: str
    slots: dict[str, str | None] = field(default_factory=dict)
    top: list[tuple[str, float | None]] = field(default_factory=list)  # best first, at most TOP_K
    error: str | None = None

    @property
    def correct(self) -> bool:
        return self.intent == self.utterance.intent


Recognizer = Callable[[LabelledUtterance, int], Prediction]


def _slot_value(slot: Any) -> str | None:
    if not isinstance(slot, dict):
        return None
    value = (slot.get("value") or {}).get("interpretedValue")
    return None if value is None else str(value)


def prediction_from_response(utterance: LabelledUtterance, response: dict[str, Any]) -> Prediction:
    """Read a RecognizeText response: the top interpretation is the prediction."""
    interpretations = response.get("interpretations") or []
    top: list[tuple[str, float | None]] = []
    for item in interpretations[:TOP_K]:
        intent = item.get("intent") or {}
        score = (item.get("nluConfidence") or {}).get("score")
        top.append((str(intent.get("name")), None if score is None else float(score)))
    if interpretations:
        first = interpretations[0].get("intent") or {}
        name = str(first.get("name") or NO_PREDICTION)
        slots = {k: _slot_value(v) for k, v in (first.get("slots") or {}).items()}
    else:
        state_intent = (response.get("sessionState") or {}).get("intent") or {}
        name = str(state_intent.get("name") or NO_PREDICTION)
        slots = {k: _slot_value(v) for k, v in (state_intent.get("slots") or {}).items()}
    return Prediction(utterance, name, slots, top)


def endpoint_recognizer(endpoint: LexEndpoint) -> Recognizer:
    """RecognizeText on ``endpoint`` with a fresh session per utterance."""

    def recognize(utterance: LabelledUtterance, index: int) -> Prediction:
        digest = hashlib.sha256(utterance.text.encode("utf-8")).hexdigest()[:12]
        session_id = f"evaluate-{index}-{digest}"
        try:
            response = endpoint.client.recognize_text(
                botId=endpoint.bot_id,
                botAliasId=endpoint.bot_alias_id,
                localeId=endpoint.locale_id,
                sessionId=session_id,
                text=utterance.text,
            )
        except Exception as exc:
            code = ((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code") or getattr(exc, "code", None)
            if not code:
                raise
            return Prediction(utterance, NO_PREDICTION, error=f"{code}: {exc}")
        return prediction_from_response(utterance, dict(response))

    return recognize


def nlu_recognizer(model: NluModelLike, now: datetime | None = None) -> Recognizer:
    """The NLU model alone (cross-validation builds one per fold)."""
    moment = now or datetime.fromtimestamp(1_800_000_000, tz=UTC)

    def recognize(utterance: LabelledUtterance, index: int) -> Prediction:
        result = model.interpret(utterance.text, now=moment)
        ranked = list(result.interpretations)
        top = [(i.intent_name, i.score) for i in ranked[:TOP_K]]
        best = ranked[0] if ranked else None
        if best is None:
            return Prediction(utterance, NO_PREDICTION, top=top)
        slots = {name: match.interpreted_value for name, match in best.slots.items()}
        return Prediction(utterance, best.intent_name, slots, top)

    return recognize


def recognize_all(recognizer: Recognizer, utterances: Sequence[LabelledUtterance], progress: Progress | None = None) -> list[Prediction]:
    """Every utterance through ``recognizer``, in order."""
    out: list[Prediction] = []
    for index, utterance in enumerate(utterances):
        out.append(recognizer(utterance, index))
        if progress is not None:
            progress.advance()
    return out
