"""Training is deterministic, so a bot trained once in a process is shared: same inputs, same (read-only) model;
any change to what training reads trains a new one."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from runtime.lex.intent_classifier import IntentClassifier, TrainingConfig

DOCS = [Counter({"order": 1, "pizza": 1}), Counter({"track": 1, "order": 1}), Counter({"hello": 1}), Counter({"hi": 1, "there": 1})]
LABELS = [0, 0, 1, 1]


def test_the_same_training_gives_the_same_shared_model() -> None:
    first = IntentClassifier.fit(DOCS, LABELS, 2)
    again = IntentClassifier.fit([Counter(d) for d in DOCS], list(LABELS), 2)
    assert again is first
    with pytest.raises(ValueError):
        first.weights[0, 0] = 1.0  # shared, so read-only


@pytest.mark.parametrize(
    ("docs", "labels", "config"),
    [
        ([*DOCS[:3], Counter({"hi": 2, "there": 1})], LABELS, None),  # one count differs
        (DOCS, [0, 1, 0, 1], None),  # the labels differ
        (DOCS, LABELS, TrainingConfig(min_steps=10)),  # the config differs
    ],
)
def test_any_change_to_what_training_reads_trains_anew(docs: list[Counter[str]], labels: list[int], config: TrainingConfig | None) -> None:
    first = IntentClassifier.fit(DOCS, LABELS, 2)
    other = IntentClassifier.fit(docs, labels, 2, config)
    assert other is not first
    assert not (np.array_equal(other.weights, first.weights) and np.array_equal(other.labels, first.labels))
