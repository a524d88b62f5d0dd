"""The server's garbage-collector settings: startup objects frozen, young collections spaced out."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from runtime.web.gc_tuning import GEN0_THRESHOLD, tune_for_serving


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_tuning_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    gc.unfreeze()
    survivor = [object(), {"kept": True}]  # a container alive at startup ends up frozen
    assert any(o is survivor for o in gc.get_objects())

    tune_for_serving()

    assert gc.get_freeze_count() > 0
    # Frozen objects sit in the permanent generation, which collections (and get_objects) skip.
    assert not any(o is survivor for o in gc.get_objects())
    assert gc.get_threshold()[0] == GEN0_THRESHOLD
    assert GEN0_THRESHOLD > 700  # CPython's default; the point is to collect young objects less often


@pytest.mark.usefixtures("restore_gc")
def test_tuning_keeps_the_older_generation_thresholds() -> None:
    gc.set_threshold(700, 11, 12)
    tune_for_serving(gen0_threshold=1234)
    assert gc.get_threshold() == (1234, 11, 12)


@pytest.mark.usefixtures("restore_gc")
def test_cyclic_garbage_made_after_tuning_is_still_collected() -> None:
    tune_for_serving()

    class Node:
        def __init__(self) -> None:
            self.me = self

    node = Node()
    del node
    assert gc.collect() >= 1
