"""Cross-validation folds: stratified per intent, deterministic, and each fold's NLU never sees its held-out utterances."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot_spec.definition import BotLocale
from bot_spec.formats.yaml_spec import load_spec
from tools.evaluation.cross_validation import (
    CrossValidationError,
    cross_validate,
    locale_without,
    spec_examples,
    stratified_folds,
)


@pytest.fixture(scope="module")
def locale(seed_bot_dir: Path) -> BotLocale:
    return load_spec(seed_bot_dir).locales[0]


def test_examples_fill_placeholders_with_slot_values_and_label_them(locale: BotLocale) -> None:
    examples = spec_examples(locale)
    assert {e.intent for e in examples} == {"Greeting", "Help", "Status"}  # FallbackIntent has no utterances
    templated = [e for e in examples if "{" in e.template]
    assert templated and all("{" not in e.labelled.text for e in templated)
    for example in templated:
        value = example.labelled.slots["StatusType"]
        assert value in ("order", "account", "delivery")  # TopResolution: a synonym is labelled with its value
    sayings = {e.labelled.text for e in templated}
    assert any(word in text for text in sayings for word in ("orders", "purchase", "shipment", "parcel", "profile"))  # synonyms said


def test_folds_are_stratified_and_deterministic(locale: BotLocale) -> None:
    examples = spec_examples(locale)
    folds = stratified_folds(examples, 4)
    assert folds == stratified_folds(list(reversed(examples)), 4)  # the same folds whatever the input order
    assert sorted(e.labelled.text for f in folds for e in f) == sorted(e.labelled.text for e in examples)
    for intent, total in Counter(e.intent for e in examples).items():
        per_fold = [sum(1 for e in f if e.intent == intent) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1, (intent, per_fold)  # spread evenly
        assert sum(per_fold) == total
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1


def test_fold_count_is_checked(locale: BotLocale) -> None:
    with pytest.raises(CrossValidationError, match="2 to 50 folds"):
        stratified_folds(spec_examples(locale), 1)
    with pytest.raises(CrossValidationError, match="2 to 50 folds"):
        stratified_folds(spec_examples(locale), 51)


def test_the_training_locale_lacks_exactly_the_held_out_utterances(locale: BotLocale) -> None:
    fold = stratified_folds(spec_examples(locale), 3)[0]
    trained = locale_without(locale, fold)
    held = {(e.intent, e.template) for e in fold}
    for before, after in zip(locale.intents, trained.intents, strict=True):
        assert after.sample_utterances == [u for u in before.sample_utterances if (before.name, u) not in held]
    assert locale.intents[1].sample_utterances  # the original is not modified


def test_cross_validation_predicts_every_held_out_utterance_with_models_that_never_saw_it(locale: BotLocale) -> None:
    seen_by_model: list[set[str]] = []

    def build(train: BotLocale):  # type: ignore[no-untyped-def]
        from runtime.lex.nlu import NluModel

        seen_by_model.append({u for i in train.intents for u in i.sample_utterances})
        return NluModel.build(train)

    predictions = cross_validate(locale, 5, build=build)
    assert len(seen_by_model) == 5
    assert len(predictions) == len(spec_examples(locale))
    folds = stratified_folds(spec_examples(locale), 5)
    for fold, seen in zip(folds, seen_by_model, strict=True):
        assert not {e.template for e in fold} & seen
    right = sum(p.correct for p in predictions)
    assert right / len(predictions) > 0.5  # far better than chance over three intents and a fallback
    assert all(len(p.top) <= 3 for p in predictions)


def test_a_locale_with_nothing_to_hold_out(locale: BotLocale) -> None:
    import dataclasses

    tiny = dataclasses.replace(locale, intents=[dataclasses.replace(i, sample_utterances=i.sample_utterances[:1]) for i in locale.intents])
    with pytest.raises(CrossValidationError, match="no intent with two or more sample utterances"):
        cross_validate(tiny, 3)
