"""Mutated seed-bot files (deterministic pseudo-random edits): every one either loads and lints,
or fails with a SpecError whose diagnostics all carry a file and a fix; never another exception."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot_spec.diagnostics import SpecError
from bot_spec.formats.yaml_spec import definition_from_docs
from bot_spec.lint import lint_spec
from bot_spec.spec_source import read_spec_folder

ODD_VALUES: list[Any] = [None, 0, -1, 10**9, 0.5, True, "", "x" * 600, "a b", "{Missing}", [], {}, ["x"], {"en_US": "x"}, {"k": {"k": 1}}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _mutate(doc: Any, rng: random.Random) -> Any:
    doc = yaml.safe_load(yaml.safe_dump(doc))  # a deep copy
    path = rng.choice(_paths(doc))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    action = rng.random()
    if action < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    elif action < 0.4 and isinstance(parent, dict):
        parent[str(path[-1]) + "x"] = parent.pop(path[-1])
    else:
        parent[path[-1]] = rng.choice(ODD_VALUES)
    return doc


@pytest.mark.parametrize("seed", range(6))
def test_mutated_specs_never_crash(tmp_path: Path, seed_bot_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = sorted(p.relative_to(seed_bot_dir) for p in seed_bot_dir.rglob("*.yaml"))
    for attempt in range(30):
        root = tmp_path / f"bot{attempt}"
        shutil.copytree(seed_bot_dir, root)
        for _ in range(rng.randint(1, 3)):
            rel = rng.choice(files)
            target = root / rel
            target.write_text(yaml.safe_dump(_mutate(yaml.safe_load(target.read_text()), rng), sort_keys=False))
        try:
            docs = read_spec_folder(root)
        except SpecError as exc:
            assert exc.diagnostics
            assert all(d.file and d.fix and d.severity == "error" for d in exc.diagnostics), [d.render() for d in exc.diagnostics]
            continue
        for diag in lint_spec(definition_from_docs(docs.bot, docs.intents, docs.slot_types), docs):
            assert diag.file is not None and diag.message
