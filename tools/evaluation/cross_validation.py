"""K-fold cross-validation over a bot's own sample utterances: stratified, deterministic folds.

Each held-out sample utterance is made concrete (``{Slot}`` filled with a value of its slot
type) and labelled with its intent and the slot values it carries. The NLU of each fold is
built by ``NluModel.build`` on a copy of the locale holding only the other folds' utterances.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable

from bot_spec.definition import BotLocale, Intent
from runtime.lex.builtin_slots import TRAINING_SAMPLES, is_builtin
from runtime.lex.understanding import NluModelLike
from tools.evaluation.labelled_data import LabelledUtterance
from tools.evaluation.progress import Progress
from tools.evaluation.recognition import Prediction, nlu_recognizer, recognize_all

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_-]{1,100})\}")
MIN_FOLDS = 2
MAX_FOLDS = 50


class CrossValidationError(Exception):
    """Cross-validation cannot run on this bot as asked."""


@dataclasses.dataclass(frozen=True)
class SpecExample:
    """A sample utterance of the spec and its concrete, labelled form."""

    intent: str
    template: str
    labelled: LabelledUtterance


def _slot_fillers(intent: Intent, locale: BotLocale, slot_name: str) -> list[tuple[str, str | None]]:
    """(text to say, expected interpreted value or None when it is not checked) for a placeholder."""
    slot = intent.slot(slot_name)
    if slot is None:
        return [(slot_name.lower(), None)]
    if is_builtin(slot.slot_type_name):
        # A built-in's interpreted value is normalised (five -> 5); the text is said, the value not checked.
        return [(text, None) for text in TRAINING_SAMPLES.get(slot.slot_type_name, ("something",))]
    slot_type = locale.slot_type(slot.slot_type_name)
    if slot_type is None or not slot_type.values:
        return [(slot_name.lower(), None)]
    restricted = slot_type.resolution_strategy == "TopResolution"
    fillers: list[tuple[str, str | None]] = []
    for value in slot_type.values:
        fillers.append((value.value, value.value))
        fillers.extend((synonym, value.value if restricted else synonym) for synonym in value.synonyms)
    return fillers


def spec_examples(locale: BotLocale) -> list[SpecExample]:
    """Every sample utterance of every intent (not the fallback), made concrete and labelled."""
    out: list[SpecExample] = []
    for intent in locale.intents:
        if intent.is_fallback:
            continue
        for index, template in enumerate(intent.sample_utterances):
            slots: dict[str, str] = {}

            def fill(match: re.Match[str], intent: Intent = intent, index: int = index, slots: dict[str, str] = slots) -> str:
                fillers = _slot_fillers(intent, locale, match.group(1))
                text, value = fillers[index % len(fillers)]
                if value is not None:
                    slots[match.group(1)] = value
                return text

            text = _PLACEHOLDER.sub(fill, template)
            source = f"{intent.name} sample utterance {index + 1}"
            out.append(SpecExample(intent.name, template, LabelledUtterance(text, intent.name, dict(slots), source)))
    return out


def stratified_folds(examples: list[SpecExample], k: int) -> list[list[SpecExample]]:
    """Split into ``k`` folds so each intent's utterances spread evenly; the same input gives the same folds."""
    if not MIN_FOLDS <= k <= MAX_FOLDS:
        raise CrossValidationError(f"--cross-validate takes {MIN_FOLDS} to {MAX_FOLDS} folds; got {k}")
    by_intent: dict[str, list[SpecExample]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example)
    folds: list[list[SpecExample]] = [[] for _ in range(k)]
    offset = 0
    for intent in sorted(by_intent):
        # A hash order, not the file order, so neighbouring (similar) utterances land in different folds.
        ordered = sorted(by_intent[intent], key=lambda e: hashlib.sha256(e.template.encode("utf-8")).hexdigest())
        if len(ordered) < 2:
            continue  # one utterance cannot be both trained on and held out; it is always trained on
        for i, example in enumerate(ordered):
            folds[(i + offset) % k].append(example)
        offset += len(ordered)  # start the next intent where this one stopped, so folds stay balanced
    return folds


def locale_without(locale: BotLocale, held_out: list[SpecExample]) -> BotLocale:
    """A copy of ``locale`` whose intents lack the held-out sample utterances."""
    removed: dict[str, set[str]] = defaultdict(set)
    for example in held_out:
        removed[example.intent].add(example.template)
    intents = [
        dataclasses.replace(i, sample_utterances=[u for u in i.sample_utterances if u not in removed[i.name]]) for i in locale.intents
    ]
    return dataclasses.replace(locale, intents=intents)


def default_model_builder(locale: BotLocale) -> NluModelLike:
    """The engine's NLU, built for ``locale``."""
    from runtime.lex.nlu import NluModel

    model: NluModelLike = NluModel.build(locale)
    return model


def cross_validate(
    locale: BotLocale,
    k: int,
    *,
    build: Callable[[BotLocale], NluModelLike] = default_model_builder,
    progress: Progress | None = None,
) -> list[Prediction]:
    """Predictions for every held-out utterance over ``k`` folds."""
    examples = spec_examples(locale)
    folds = stratified_folds(examples, k)
    if sum(len(f) for f in folds) == 0:
        raise CrossValidationError(f"locale {locale.locale_id} has no intent with two or more sample utterances to hold out")
    predictions: list[Prediction] = []
    for fold in folds:
        if not fold:
            continue
        model = build(locale_without(locale, fold))
        predictions.extend(recognize_all(nlu_recognizer(model), [e.labelled for e in fold], progress))
    return predictions


def cross_validation_size(locale: BotLocale, k: int) -> int:
    """How many utterances ``cross_validate`` will predict (for a progress display)."""
    return sum(len(f) for f in stratified_folds(spec_examples(locale), k))
