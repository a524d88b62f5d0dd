"""Classification metrics of an evaluation: per-intent precision/recall/F1, micro and macro, confusion, slots.

Conventions follow scikit-learn's ``classification_report``: the labels are every intent
that is expected or predicted; a ratio with a zero denominator is 0; macro averages weigh
each label equally, micro averages pool the counts (for single-label data micro P = R = F1
= accuracy). ``macro_labelled`` is the macro average over the labels that have labelled
utterances only (scikit-learn with ``labels=`` the expected set): an intent that was only ever
predicted, such as FallbackIntent in a cross-validation of a bot's own utterances, has F1 0 by
construction there, and its wrong predictions already count as missed recall of the right intents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

NO_PREDICTION = "(no answer)"  # what an utterance the target refused counts as


@dataclass(frozen=True)
class LabelScores:
    """Precision, recall and F1 of one intent, and how many utterances expected it."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class SlotScores:
    """Expected slot values and how many the target got exactly (case-insensitive)."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Metrics:
    """Everything computed from (expected, predicted) pairs."""

    labels: list[str]
    per_label: dict[str, LabelScores]
    micro: LabelScores
    macro: LabelScores
    accuracy: float
    confusion: dict[str, dict[str, int]]  # expected -> predicted -> count
    slots: SlotScores
    per_slot: dict[str, SlotScores] = field(default_factory=dict)
    macro_labelled: LabelScores | None = None  # macro over labels with support > 0 (None: no utterances)


def _ratio(numerator: int | float, denominator: int | float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def compute_metrics(
    expected: Sequence[str],
    predicted: Sequence[str],
    slot_pairs: Sequence[tuple[dict[str, str], dict[str, str | None]]] = (),
) -> Metrics:
    """Metrics of parallel lists of expected and predicted intents, plus (expected slots, predicted slots) pairs."""
    if len(expected) != len(predicted):
        raise ValueError(f"{len(expected)} expected labels but {len(predicted)} predictions")
    labels = sorted(set(expected) | set(predicted))
    true_pos: Counter[str] = Counter()
    pred_count: Counter[str] = Counter(predicted)
    support: Counter[str] = Counter(expected)
    confusion: dict[str, dict[str, int]] = {e: {p: 0 for p in labels} for e in labels}
    for want, got in zip(expected, predicted, strict=True):
        confusion[want][got] += 1
        if want == got:
            true_pos[want] += 1
    per_label: dict[str, LabelScores] = {}
    for label in labels:
        precision = _ratio(true_pos[label], pred_count[label])
        recall = _ratio(true_pos[label], support[label])
        per_label[label] = LabelScores(precision, recall, _f1(precision, recall), support[label])
    n = len(expected)
    total_tp = sum(true_pos.values())
    micro_p = _ratio(total_tp, n)  # every utterance has exactly one prediction
    micro = LabelScores(micro_p, _ratio(total_tp, n), _f1(micro_p, _ratio(total_tp, n)), n)
    count = len(labels)
    macro = LabelScores(
        _ratio(sum(s.precision for s in per_label.values()), count),
        _ratio(sum(s.recall for s in per_label.values()), count),
        _ratio(sum(s.f1 for s in per_label.values()), count),
        n,
    )
    slot_totals, per_slot = _slot_scores(slot_pairs)
    labelled = [s for s in per_label.values() if s.support > 0]
    macro_labelled = (
        LabelScores(
            _ratio(sum(s.precision for s in labelled), len(labelled)),
            _ratio(sum(s.recall for s in labelled), len(labelled)),
            _ratio(sum(s.f1 for s in labelled), len(labelled)),
            n,
        )
        if labelled
        else None
    )
    return Metrics(labels, per_label, micro, macro, _ratio(total_tp, n), confusion, slot_totals, per_slot, macro_labelled)


def _slot_scores(pairs: Sequence[tuple[dict[str, str], dict[str, str | None]]]) -> tuple[SlotScores, dict[str, SlotScores]]:
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for want, got in pairs:
        for name, value in want.items():
            total[name] += 1
            found = got.get(name)
            if found is not None and found.casefold() == value.casefold():
                correct[name] += 1
    per_slot = {name: SlotScores(correct[name], total[name]) for name in sorted(total)}
    return SlotScores(sum(correct.values()), sum(total.values())), per_slot
