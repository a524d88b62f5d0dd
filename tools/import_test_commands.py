"""``chat-lex import-tests`` (Botium, Test Workbench CSV, Lex conversation logs -> features) and ``export-tests``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tools.test_import.gherkin import MAX_INPUT_BYTES, ImportFormatError, ImportResult, feature_text

FORMATS = ("botium", "workbench-csv", "lex-logs")
_PATTERNS = {"botium": "*.convo.txt", "workbench-csv": "*.csv", "lex-logs": "*.json*"}


def register(subparsers: Any) -> None:
    """Add ``import-tests`` and ``export-tests``."""
    imp = subparsers.add_parser(
        "import-tests",
        help="turn Botium scripts, Lex Test Workbench CSV test sets or Lex conversation logs into feature files",
        description="Write one .feature per input file into --output. Whatever cannot be mapped to a step is listed "
        "on stderr and in the feature's description (docs/conversation-tests.md, Importing tests).",
    )
    imp.add_argument("paths", nargs="+", type=Path, help="files, or folders searched for the format's files")
    imp.add_argument("--from", dest="source_format", choices=FORMATS, default=None, help="the format (default: from each file's name)")
    imp.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the .feature files (created)")
    imp.set_defaults(func=run_import)
    exp = subparsers.add_parser(
        "export-tests",
        help="write feature files as a Lex Test Workbench test set (CSV)",
        description="Each scenario's `When I say`, `the intent is`, `the slot ... is` and `the bot says` steps become "
        "Test Workbench rows; other steps are listed on stderr.",
    )
    exp.add_argument("paths", nargs="*", type=Path, help="feature files or folders (default conversation_tests/features)")
    exp.add_argument("--format", choices=["workbench-csv"], default="workbench-csv", help="the output format")
    exp.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.csv", help="the test set to write")
    exp.set_defaults(func=run_export)


def detect_format(path: Path) -> str | None:
    """The format a file's name says, or None."""
    name = path.name.lower()
    if name.endswith(".convo.txt"):
        return "botium"
    if name.endswith(".csv"):
        return "workbench-csv"
    if name.endswith((".json", ".jsonl", ".log", ".ndjson")):
        return "lex-logs"
    return None


def input_files(paths: list[Path], chosen: str | None) -> list[tuple[Path, str]]:
    """Each input file with its format; ImportFormatError for a missing path or an unknown format."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            # Log files are named freely (*.json, *.log): a folder is searched for them only with --from lex-logs.
            formats = [chosen] if chosen else ["botium", "workbench-csv"]
            for fmt in formats:
                found.extend((p, fmt) for p in sorted(path.rglob(_PATTERNS[fmt])) if p.is_file() and detect_format(p) == fmt)
        elif path.is_file():
            detected = chosen or detect_format(path)
            if detected is None:
                raise ImportFormatError(f"{path}: cannot tell its format from the name; give --from {'|'.join(FORMATS)}")
            found.append((path, detected))
        else:
            raise ImportFormatError(f"{path}: no such file or folder")
        for file, _ in found:
            size = file.stat().st_size
            if size > MAX_INPUT_BYTES:
                raise ImportFormatError(f"{file}: {size} bytes; an input may have at most {MAX_INPUT_BYTES}")
    if not found:
        raise ImportFormatError(f"no test files in {', '.join(str(p) for p in paths)}")
    return found


def _importer(fmt: str) -> Callable[[list[Path]], list[ImportResult]]:
    if fmt == "botium":
        from tools.test_import.botium import import_botium

        return import_botium
    if fmt == "workbench-csv":
        from tools.test_import.workbench import import_workbench

        return import_workbench
    from tools.test_import.lex_logs import import_lex_logs

    return import_lex_logs


def _feature_name(path: Path, taken: set[str]) -> str:
    stem = path.name.split(".")[0] or "imported"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:100] or "imported"
    name, n = f"{safe}.feature", 2
    while name in taken:
        name, n = f"{safe}_{n}.feature", n + 1
    taken.add(name)
    return name


def run_import(args: argparse.Namespace) -> int:
    """Import every input; write nothing when any input cannot be read."""
    try:
        inputs = input_files(list(args.paths), args.source_format)
        results = [(path, result) for path, fmt in inputs for result in _importer(fmt)([path])]
    except ImportFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    taken: set[str] = set()
    planned = [(args.output / _feature_name(path, taken), result) for path, result in results]
    clash = [str(target) for target, _ in planned if target.exists()]
    if clash:
        print(f"error: {clash[0]} exists; import into a new folder (nothing is overwritten)", file=sys.stderr)
        return EXIT_USAGE
    args.output.mkdir(parents=True, exist_ok=True)
    scenarios = warnings = 0
    for target, result in planned:
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if not result.scenarios:
            print(f"warning: {target.name}: nothing could be imported; no file written", file=sys.stderr)
            continue
        with target.open("x", encoding="utf-8") as out:
            out.write(feature_text(result))
        scenarios += len(result.scenarios)
        warnings += len(result.warnings)
    print(f"imported {scenarios} scenarios from {len(results)} files into {args.output}; {warnings} items could not be mapped")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the features' scenarios as one test set."""
    from pytest_bdd.exceptions import GherkinParseError
    from pytest_bdd.parser import FeatureParser

    from tools.test_commands import DEFAULT_FEATURES, FeatureFileError, check_feature_syntax, feature_files
    from tools.test_import.workbench import TestSetTurn, scenario_turns, test_set_csv

    if args.output.exists():
        print(f"error: {args.output} exists; export to a new file (nothing is overwritten)", file=sys.stderr)
        return EXIT_USAGE
    scenarios: list[list[TestSetTurn]] = []
    warnings: list[str] = []
    try:
        for path in feature_files(list(args.paths) or [DEFAULT_FEATURES]):
            check_feature_syntax(path)
            feature = FeatureParser(str(path.parent), path.name).parse()
            for template in feature.scenarios.values():
                contexts = [dict(zip(ex.example_params, row, strict=True)) for ex in template.examples for row in ex.examples]
                for context in contexts or [{}]:
                    rendered = template.render(context)
                    where = f"{path}:{template.line_number} ({template.name})"
                    steps = [(str(step.type), str(step.name)) for step in rendered.steps]
                    scenarios.append(scenario_turns(steps, where, warnings))
    except (FeatureFileError, GherkinParseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("x", encoding="utf-8", newline="") as out:
        out.write(test_set_csv(scenarios))
    rows = sum(1 + len(t.replies) for turns in scenarios for t in turns)
    print(f"wrote {rows} rows from {len(scenarios)} scenarios to {args.output}; {len(warnings)} steps have no Test Workbench column")
    return EXIT_OK
