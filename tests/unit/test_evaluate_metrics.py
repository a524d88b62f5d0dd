"""Evaluation metrics against hand-computed values (the arithmetic is written out)."""

from __future__ import annotations

import pytest

from tools.evaluation.metrics import compute_metrics

EXPECTED = ["A", "A", "A", "B", "B", "C"]
PREDICTED = ["A", "A", "B", "B", "C", "C"]


def test_per_intent_precision_recall_f1_and_support() -> None:
    m = compute_metrics(EXPECTED, PREDICTED)
    # A: predicted 2 times, both right -> P = 2/2 = 1; expected 3 times, 2 found -> R = 2/3;
    #    F1 = 2*1*(2/3) / (1 + 2/3) = (4/3) / (5/3) = 0.8
    a = m.per_label["A"]
    assert (a.precision, a.recall, a.f1, a.support) == pytest.approx((1.0, 2 / 3, 0.8, 3))
    # B: predicted at rows 2 and 3, right at row 3 -> P = 1/2; expected at rows 3, 4, found at 3 -> R = 1/2; F1 = 0.5
    b = m.per_label["B"]
    assert (b.precision, b.recall, b.f1, b.support) == pytest.approx((0.5, 0.5, 0.5, 2))
    # C: predicted at rows 4 and 5, right at 5 -> P = 1/2; expected once, found -> R = 1; F1 = 2*0.5*1/1.5 = 2/3
    c = m.per_label["C"]
    assert (c.precision, c.recall, c.f1, c.support) == pytest.approx((0.5, 1.0, 2 / 3, 1))


def test_micro_and_macro_averages() -> None:
    m = compute_metrics(EXPECTED, PREDICTED)
    # micro: 4 of 6 right; with one label per utterance micro P = R = F1 = accuracy = 4/6
    assert (m.micro.precision, m.micro.recall, m.micro.f1, m.accuracy) == pytest.approx((4 / 6,) * 4)
    # macro P = (1 + 0.5 + 0.5) / 3 = 2/3; macro R = (2/3 + 1/2 + 1) / 3 = 13/18
    # macro F1 = (4/5 + 1/2 + 2/3) / 3 = (24 + 15 + 20) / 30 / 3 = 59/90
    assert (m.macro.precision, m.macro.recall, m.macro.f1) == pytest.approx((2 / 3, 13 / 18, 59 / 90))
    assert m.macro.support == 6


def test_confusion_matrix_rows_are_expected_columns_predicted() -> None:
    m = compute_metrics(EXPECTED, PREDICTED)
    assert m.labels == ["A", "B", "C"]
    assert [[m.confusion[e][p] for p in m.labels] for e in m.labels] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_a_label_only_predicted_counts_with_zero_scores_as_scikit_learn_does() -> None:
    m = compute_metrics(["A", "A"], ["A", "D"])
    # A: P = 1/1, R = 1/2, F1 = 2/3; D: never right -> 0, 0, 0 with support 0; macro F1 = (2/3 + 0) / 2 = 1/3
    assert m.per_label["D"].support == 0 and m.per_label["D"].f1 == 0.0
    assert m.macro.f1 == pytest.approx(1 / 3)


def test_macro_of_labelled_intents_leaves_out_a_label_only_predicted() -> None:
    m = compute_metrics(["A", "A", "B"], ["A", "D", "B"])
    # Labelled: A (P 1, R 1/2, F1 2/3) and B (1, 1, 1); D (only predicted) is left out of this average.
    assert m.macro_labelled is not None
    assert m.macro_labelled.f1 == pytest.approx((2 / 3 + 1) / 2)
    assert m.macro_labelled.recall == pytest.approx((1 / 2 + 1) / 2)
    assert m.macro.f1 == pytest.approx((2 / 3 + 1 + 0) / 3)
    # Without a label that is only predicted, the two macro averages are the same.
    same = compute_metrics(["A", "B"], ["A", "A"])
    assert same.macro_labelled == same.macro
    assert compute_metrics([], []).macro_labelled is None


def test_slot_value_accuracy_is_case_insensitive_and_per_slot() -> None:
    pairs: list[tuple[dict[str, str], dict[str, str | None]]] = [
        ({"Type": "order"}, {"Type": "Order"}),  # right (case ignored)
        ({"Type": "delivery"}, {"Type": None}),  # missed
        ({"Type": "account", "When": "today"}, {"Type": "account", "When": "tomorrow"}),  # 1 of 2
        ({}, {"Type": "order"}),  # an unlabelled slot is not scored
    ]
    m = compute_metrics(["S"] * 4, ["S"] * 4, pairs)
    # Type: 2 right of 3; When: 0 of 1; overall 2 of 4
    assert (m.slots.correct, m.slots.total, m.slots.accuracy) == (2, 4, 0.5)
    assert (m.per_slot["Type"].correct, m.per_slot["Type"].total) == (2, 3)
    assert m.per_slot["When"].accuracy == 0.0


def test_mismatched_lengths_and_empty_input() -> None:
    with pytest.raises(ValueError, match="2 expected labels but 1 predictions"):
        compute_metrics(["A", "B"], ["A"])
    empty = compute_metrics([], [])
    assert (empty.accuracy, empty.macro.f1, empty.labels) == (0.0, 0.0, [])
