"""``chat-lex evaluate``: NLU metrics of a labelled set (or K-fold cross-validation) on any target, and target comparison."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot_spec import SEED_BOT_DIR
from runtime.lex.endpoints import DEFAULT_LOCALE, DEFAULT_REGION, EndpointError, EndpointOptions, open_endpoint
from tools.code_hook_option import add_code_hook_option
from tools.evaluation.cross_validation import (
    MAX_FOLDS,
    MIN_FOLDS,
    CrossValidationError,
    cross_validate,
    cross_validation_size,
    spec_examples,
)
from tools.evaluation.labelled_data import LabelledDataError, LabelledUtterance, load_labelled
from tools.evaluation.metrics import compute_metrics
from tools.evaluation.progress import Progress
from tools.evaluation.recognition import Prediction, endpoint_recognizer, recognize_all
from tools.evaluation.report_data import BaselineError, build_report, f1_deltas, load_baseline, write_report
from tools.evaluation.report_html import render_html
from tools.evaluation.report_text import render_text
from tools.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE

PROJECT_BOT_DIR = SEED_BOT_DIR
BOT_DIR_ENV = "CHAT_LEX_BOT_DIR"


def add_target_arguments(parser: argparse.ArgumentParser, *, env_var: str) -> None:
    """--lex-target and the options of every target (shared by ``test`` and ``evaluate``)."""
    parser.add_argument(
        "--lex-target",
        "--target",
        dest="target",
        default=os.environ.get(env_var) or "engine",
        help=f"engine (in process, default), http (the engine's HTTP façade via boto3) or aws (a real alias); {env_var}",
    )
    parser.add_argument("--bot-dir", type=Path, default=None, help=f"bot spec folder for local targets ({BOT_DIR_ENV}; default: seed bot)")
    parser.add_argument("--bot-id", default=None, help="aws: the bot id")
    parser.add_argument("--bot-alias-id", default=None, help="aws: the bot alias id")
    parser.add_argument("--locale", default=None, help=f"locale id (default {DEFAULT_LOCALE})")
    parser.add_argument("--region", default=None, help=f"aws: the region (default AWS_REGION, AWS_DEFAULT_REGION or {DEFAULT_REGION})")
    add_code_hook_option(parser)


def register_evaluate(subparsers: Any) -> None:
    """Add ``evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="measure intent and slot recognition: precision, recall, F1, confusion matrix, HTML/JSON reports",
        description="Evaluate the NLU on labelled utterances (--data) or by K-fold cross-validation of the spec (--cross-validate). "
        "See docs/evaluate.md.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--data", type=Path, default=None, help="labelled utterances: YAML [{text, intent, slots}] or CSV text,intent[,slots]"
    )
    source.add_argument("--cross-validate", type=int, default=None, metavar="K", help="K-fold cross-validation of the spec's utterances")
    add_target_arguments(parser, env_var="CHAT_LEX_EVALUATE_TARGET")
    parser.add_argument("--compare-targets", default=None, metavar="A,B", help="run the data on two targets and list every disagreement")
    parser.add_argument("--html", type=Path, default=None, metavar="PATH", help="write a self-contained HTML report")
    parser.add_argument("--report", type=Path, default=None, metavar="PATH", help="write the JSON report")
    parser.add_argument("--baseline", type=Path, default=None, metavar="OLD.json", help="an earlier JSON report: show F1 deltas")
    parser.add_argument("--fail-under", type=float, default=None, metavar="F1", help="exit 1 when the macro F1 is below this (0-1)")
    parser.set_defaults(func=run_evaluate)


def endpoint_options(args: argparse.Namespace) -> EndpointOptions:
    """The endpoint options from the command line and environment."""
    bot_dir = args.bot_dir or (Path(os.environ[BOT_DIR_ENV]) if os.environ.get(BOT_DIR_ENV) else PROJECT_BOT_DIR)
    return EndpointOptions(
        bot_dir=bot_dir,
        bot_id=args.bot_id,
        bot_alias_id=args.bot_alias_id,
        locale_id=args.locale or DEFAULT_LOCALE,
        region=args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        code_hook=args.code_hook,
    )


def _on_target(name: str, options: EndpointOptions, utterances: list[LabelledUtterance]) -> list[Prediction]:
    endpoint = open_endpoint(name, options)
    try:
        return recognize_all(endpoint_recognizer(endpoint), utterances, Progress(len(utterances), f"evaluating on {name}"))
    finally:
        endpoint.close()


def _spec_utterances(options: EndpointOptions) -> list[LabelledUtterance]:
    from bot_spec.formats.yaml_spec import load_spec

    if not (options.bot_dir / "bot.yaml").is_file():
        raise EndpointError(f"bot folder {options.bot_dir} has no bot.yaml; give --bot-dir a bot spec folder")
    locale = next((loc for loc in load_spec(options.bot_dir).locales if loc.locale_id == options.locale_id), None)
    if locale is None:
        raise EndpointError(f"the bot in {options.bot_dir} has no locale {options.locale_id}; give --locale")
    return [e.labelled for e in spec_examples(locale)]


def _cross_validate(args: argparse.Namespace, options: EndpointOptions) -> list[Prediction]:
    from bot_spec.formats.yaml_spec import load_spec

    if args.target != "engine":
        raise EndpointError("--cross-validate builds the engine's own NLU per fold; it runs on the engine target only")
    if not (options.bot_dir / "bot.yaml").is_file():
        raise EndpointError(f"bot folder {options.bot_dir} has no bot.yaml; give --bot-dir a bot spec folder")
    locale = next((loc for loc in load_spec(options.bot_dir).locales if loc.locale_id == options.locale_id), None)
    if locale is None:
        raise EndpointError(f"the bot in {options.bot_dir} has no locale {options.locale_id}; give --locale")
    total = cross_validation_size(locale, args.cross_validate)
    return cross_validate(locale, args.cross_validate, progress=Progress(total, f"{args.cross_validate}-fold cross-validation"))


def compare_targets(names: list[str], options: EndpointOptions, utterances: list[LabelledUtterance]) -> tuple[dict[str, Any], list[str]]:
    """Run ``utterances`` on every target; the comparison as data and as lines for the terminal."""
    runs = {name: _on_target(name, options, utterances) for name in names}
    disagreements: list[dict[str, Any]] = []
    for index, utterance in enumerate(utterances):
        answers = {name: runs[name][index] for name in names}
        shapes = {(p.intent, tuple(sorted((k, v) for k, v in p.slots.items() if v is not None))) for p in answers.values()}
        if len(shapes) > 1:
            disagreements.append(
                {
                    "text": utterance.text,
                    "source": utterance.source,
                    "expected": utterance.intent,
                    "answers": {
                        name: {"intent": p.intent, "slots": {k: v for k, v in p.slots.items() if v is not None}, "top": p.top}
                        for name, p in answers.items()
                    },
                }
            )
    summaries: dict[str, dict[str, float]] = {}
    lines = [f"compared {len(utterances)} utterances on {', '.join(names)}"]
    for name, predictions in runs.items():
        metrics = compute_metrics([p.utterance.intent for p in predictions], [p.intent for p in predictions])
        summaries[name] = {"accuracy": metrics.accuracy, "macro_f1": metrics.macro.f1}
        lines.append(f"  {name}: accuracy {metrics.accuracy:.3f}, macro F1 {metrics.macro.f1:.3f}")
    if not disagreements:
        lines.append("the targets agree on every utterance")
    else:
        lines.append(f"the targets disagree on {len(disagreements)} utterance(s):")
        for item in disagreements:
            given: dict[str, Any] = item["answers"]
            shown = "; ".join(f"{name}: {a['intent']}" + (f" {a['slots']}" if a["slots"] else "") for name, a in given.items())
            lines.append(f"  {item['text']!r} (expected {item['expected']}) -> {shown}")
    return {"format": "chat-lex-compare/1", "targets": names, "summaries": summaries, "disagreements": disagreements}, lines


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate, print, write reports; exit 1 below --fail-under."""
    if args.fail_under is not None and not 0.0 <= args.fail_under <= 1.0:
        print(f"error: --fail-under takes a macro F1 between 0 and 1; got {args.fail_under}", file=sys.stderr)
        return EXIT_USAGE
    if args.cross_validate is not None and not MIN_FOLDS <= args.cross_validate <= MAX_FOLDS:
        print(f"error: --cross-validate takes {MIN_FOLDS} to {MAX_FOLDS} folds; got {args.cross_validate}", file=sys.stderr)
        return EXIT_USAGE
    options = endpoint_options(args)
    try:
        baseline = load_baseline(args.baseline) if args.baseline is not None else None
        utterances = load_labelled(args.data) if args.data is not None else None
        if args.compare_targets:
            names = [n.strip() for n in args.compare_targets.split(",") if n.strip()]
            if len(names) < 2 or len(set(names)) != len(names):
                print("error: --compare-targets takes two or more different targets, e.g. engine,http", file=sys.stderr)
                return EXIT_USAGE
            comparison, lines = compare_targets(names, options, utterances or _spec_utterances(options))
            print("\n".join(lines))
            if args.report is not None:
                write_report(comparison, args.report)
            return EXIT_FAILED if comparison["disagreements"] else EXIT_OK
        if args.cross_validate is not None:
            predictions = _cross_validate(args, options)
            target, data = "engine NLU", f"{args.cross_validate}-fold cross-validation of {options.bot_dir}"
        elif utterances is not None:
            predictions = _on_target(args.target, options, utterances)
            target, data = args.target, str(args.data)
        else:
            print("error: give --data FILE (labelled utterances) or --cross-validate K", file=sys.stderr)
            return EXIT_USAGE
    except (LabelledDataError, BaselineError, CrossValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except EndpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    metrics = compute_metrics(
        [p.utterance.intent for p in predictions],
        [p.intent for p in predictions],
        [(p.utterance.slots, p.slots) for p in predictions],
    )
    report = build_report(metrics, predictions, target=target, data=data)
    deltas = f1_deltas(report, baseline) if baseline is not None else None
    print(render_text(report, deltas))
    if args.report is not None:
        write_report(report, args.report)
        print(f"JSON report: {args.report}")
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_html(report, deltas), encoding="utf-8")
        print(f"HTML report: {args.html}")
    if args.fail_under is not None and metrics.macro.f1 < args.fail_under:
        print(f"macro F1 {metrics.macro.f1:.3f} is below --fail-under {args.fail_under:.3f}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
