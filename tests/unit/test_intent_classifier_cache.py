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


DENSE = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)


def test_dense_meaning_rows_are_part_of_what_training_reads() -> None:
    plain = IntentClassifier.fit(DOCS, LABELS, 2)
    with_dense = IntentClassifier.fit(DOCS, LABELS, 2, dense=DENSE)
    assert with_dense is not plain and with_dense.dense_dims == 2
    assert with_dense.weights.shape[0] == plain.weights.shape[0] + 2
    assert IntentClassifier.fit(DOCS, LABELS, 2, dense=DENSE.copy()) is with_dense
    assert IntentClassifier.fit(DOCS, LABELS, 2, dense=DENSE[::-1].copy()) is not with_dense


def test_the_dense_block_moves_the_classifier() -> None:
    """An utterance with no known word is classified by its meaning vector alone."""
    model = IntentClassifier.fit(DOCS, LABELS, 2, dense=DENSE)
    unknown = model.vector(Counter({"zzz": 1}))
    assert not unknown.indices.size
    toward_first = model.similarities(unknown, np.array([1.0, 0.0])).probabilities
    toward_second = model.similarities(unknown, np.array([0.0, 1.0])).probabilities
    assert toward_first[0] > 0.5 > toward_second[0]
    assert np.allclose(model.similarities(unknown).probabilities, model.similarities(unknown, None).probabilities)


def test_dense_rows_must_match_the_documents() -> None:
    with pytest.raises(ValueError, match="3 dense rows for 4 documents"):
        IntentClassifier.fit(DOCS, LABELS, 2, dense=DENSE[:3])
