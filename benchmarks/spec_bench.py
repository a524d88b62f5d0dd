"""Spec benchmark: CLINC150 as a 150-intent, 15,000-utterance bot, timed through every spec stage.

Run ``.venv/bin/python benchmarks/spec_bench.py``; it prints a table of seconds per stage
(load + validate, lint, each compile format that exists) and the total.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(PROJECT_ROOT))

from bot_spec.definition import BotDefinition  # noqa: E402
from bot_spec.formats.yaml_spec import definition_from_docs, write_spec  # noqa: E402
from bot_spec.lint import lint_spec  # noqa: E402
from bot_spec.spec_source import read_spec_folder  # noqa: E402

CLINC_FILE = PROJECT_ROOT / "external" / "datasets" / "clinc150" / "data_full.json"
TARGET_SECONDS = 3.0


def intent_name(label: str) -> str:
    """A CLINC label as a Lex intent name: ``credit_score`` -> ``CreditScore``."""
    return "".join(part.capitalize() for part in label.split("_"))


def write_clinc_spec(out_dir: Path, data_file: Path = CLINC_FILE, split: str = "train") -> dict[str, int]:
    """Write CLINC150's ``split`` as a spec folder (one intent per label, plus a fallback); returns counts."""
    rows: list[list[str]] = json.loads(data_file.read_text(encoding="utf-8"))[split]
    by_intent: dict[str, list[str]] = {}
    for text, label in rows:
        by_intent.setdefault(intent_name(label), []).append(text)
    (out_dir / "intents").mkdir(parents=True, exist_ok=True)
    bot = {
        "name": "Clinc150",
        "description": "CLINC150 (Larson et al., EMNLP 2019), train split, as a chat-lex spec.",
        "idle_session_ttl": 300,
        "child_directed": False,
        "locales": {"en_US": {"confidence_threshold": 0.4}},
    }
    (out_dir / "bot.yaml").write_text(yaml.safe_dump(bot, sort_keys=False), encoding="utf-8")
    for name, texts in by_intent.items():
        doc = {"name": name, "utterances": {"en_US": texts}, "closing": {"en_US": f"That was {name}."}}
        (out_dir / "intents" / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    fallback = {"name": "FallbackIntent", "parent": "AMAZON.FallbackIntent", "closing": {"en_US": "Sorry, I did not get that."}}
    (out_dir / "intents" / "FallbackIntent.yaml").write_text(yaml.safe_dump(fallback, sort_keys=False), encoding="utf-8")
    return {"intents": len(by_intent) + 1, "utterances": len(rows)}


def _compile_stages(defn: BotDefinition, out: Path) -> list[tuple[str, Callable[[], Any]]]:
    """The compile stages whose format modules exist in this checkout."""
    stages: list[tuple[str, Callable[[], Any]]] = []
    if importlib.util.find_spec("bot_spec.formats.cloudformation") is not None:
        from bot_spec.formats import cloudformation

        stages.append(
            (
                "compile cloudformation",
                lambda: (out / "bot.cfn.yaml").write_text(cloudformation.dump_template(cloudformation.to_template(defn))),
            )
        )
    if importlib.util.find_spec("bot_spec.formats.lexjson") is not None:
        from bot_spec.formats import lexjson

        stages.append(("compile lexjson", lambda: lexjson.write_zip(defn, out / "bot-LexJson.zip")))
    if importlib.util.find_spec("bot_spec.formats.api_plan") is not None:
        from bot_spec.formats import api_plan

        stages.append(
            ("compile api-plan", lambda: (out / "plan.json").write_text(json.dumps(api_plan.plan_to_json(api_plan.build_plan(defn)))))
        )
    stages.append(("compile yaml", lambda: write_spec(defn, out / "yaml")))
    return stages


Row = tuple[str, float, float]  # stage, wall seconds, CPU seconds of this process


def _timed(stage: str, action: Callable[[], Any], rows: list[Row]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    rows.append((stage, time.perf_counter() - wall, time.process_time() - cpu))
    return result


def run(data_file: Path = CLINC_FILE) -> list[Row]:
    """Time every stage once on a fresh CLINC spec; returns (stage, wall s, CPU s) rows."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="spec-bench-") as tmp:
        spec_dir = Path(tmp) / "clinc150"
        counts = write_clinc_spec(spec_dir, data_file)
        print(f"CLINC150 train as a spec: {counts['intents']} intents, {counts['utterances']:,} utterances")
        read_spec_folder(PROJECT_ROOT / "bot_spec" / "chatbot")  # warm up: imports, schema validators

        def load() -> tuple[Any, BotDefinition]:
            docs = read_spec_folder(spec_dir)
            return docs, definition_from_docs(docs.bot, docs.intents, docs.slot_types)

        docs, defn = _timed("load + validate", load, rows)
        diagnostics = _timed("lint", lambda: lint_spec(defn, docs), rows)
        found = Counter(d.code for d in diagnostics)
        print("lint found: " + ", ".join(f"{code} x{n}" for code, n in sorted(found.items())))
        out = Path(tmp) / "out"
        out.mkdir()
        for stage, action in _compile_stages(defn, out):
            _timed(stage, action, rows)
    return rows


def print_table(rows: list[Row]) -> float:
    """Print the stage table (wall and CPU seconds) with totals; returns the wall total."""
    total = sum(wall for _, wall, _ in rows)
    total_cpu = sum(cpu for _, _, cpu in rows)
    width = max(len(stage) for stage, _, _ in [*rows, ("total", 0.0, 0.0)])
    print(f"{'stage':<{width}}  seconds  cpu s")
    print(f"{'-' * width}  -------  -----")
    for stage, wall, cpu in rows:
        print(f"{stage:<{width}}  {wall:7.3f}  {cpu:5.2f}")
    print(f"{'total':<{width}}  {total:7.3f}  {total_cpu:5.2f}   (target < {TARGET_SECONDS:.0f} s)")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=CLINC_FILE, help="CLINC150 data_full.json")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"CLINC150 not found at {args.data}; pass --data PATH", file=sys.stderr)
        return 1
    print_table(run(args.data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
