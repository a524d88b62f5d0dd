"""CLINC150 (150 intents, 15,000 real utterances) as a spec: it loads, and the linter reports
its repeated and look-alike utterances instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.spec_bench import intent_name, write_clinc_spec
from bot_spec.formats.yaml_spec import definition_from_docs
from bot_spec.lint import lint_spec
from bot_spec.spec_source import read_spec_folder


@pytest.fixture(scope="module")
def clinc_dir(tmp_path_factory: pytest.TempPathFactory, external_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("clinc") / "clinc150"
    counts = write_clinc_spec(root, external_dir / "datasets" / "clinc150" / "data_full.json")
    assert counts == {"intents": 151, "utterances": 15_000}
    return root


def test_intent_names_are_lex_names() -> None:
    assert intent_name("credit_score") == "CreditScore"


def test_clinc_spec_loads_and_lints(clinc_dir: Path) -> None:
    docs = read_spec_folder(clinc_dir)
    defn = definition_from_docs(docs.bot, docs.intents, docs.slot_types)
    assert sum(len(i.sample_utterances) for i in defn.locales[0].intents) == 15_000
    diagnostics = lint_spec(defn, docs)
    by_code: dict[str, list[str]] = {}
    for diag in diagnostics:
        by_code.setdefault(diag.code, []).append(diag.message)
        assert diag.file is not None and diag.line is not None
    assert set(by_code) == {"L102", "L103"}
    # CLINC repeats utterances that differ only in punctuation or case within an intent...
    assert any("“yes, that is right” repeats utterance" in m for m in by_code["L102"])
    # ...and has look-alikes across intents, which Lex would confuse.
    assert any("of intent HowOldAreYou" in m and "WhereAreYouFrom" in m for m in by_code["L103"])
