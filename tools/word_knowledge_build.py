"""Build the NLU's word-knowledge table from the public intent corpora in external/datasets.

Run: ``.venv/bin/python -m tools.word_knowledge_build [--corpora clinc150 banking77] [--out PATH]``.
The shipped table (runtime/lex/word_knowledge.json) is learned from the train splits of
CLINC150 (CC BY 3.0) and BANKING77 (CC BY 4.0); benchmarks learn a table without the corpus they
evaluate on (see benchmarks/nlu_bench.py), so no test sentence's corpus informs its own score.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from runtime.lex.word_knowledge import DEFAULT_PATH, WordKnowledge

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "external" / "datasets"
CORPORA = ("clinc150", "banking77")
SOURCES = {
    "clinc150": "CLINC150 train split (Larson et al., 2019), CC BY 3.0",
    "banking77": "BANKING77 train split (Casanueva et al., 2020), CC BY 4.0",
}


def corpus_pairs(name: str, split: str = "train") -> list[tuple[str, str]]:
    """(utterance, intent label) pairs of one corpus split (clinc150: train/val/test; banking77: train/test)."""
    if name == "clinc150":
        data = json.loads((DATASETS / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        return [(str(t), str(label)) for t, label in data[split]]
    if name == "banking77":
        with (DATASETS / "banking77" / f"{split}.csv").open(newline="", encoding="utf-8") as handle:
            return [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    raise ValueError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}")


def learn(corpora: list[str]) -> WordKnowledge:
    """The table learned from the train splits of ``corpora``."""
    pairs = [(text, f"{name}:{label}") for name in corpora for text, label in corpus_pairs(name)]
    return WordKnowledge.learn(pairs, sources=[SOURCES[name] for name in corpora])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    table = learn(args.corpora)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table.to_json(), encoding="utf-8")
    print(f"wrote {len(table.index)} words x {table.dims} dims to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
