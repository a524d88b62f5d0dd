"""``chat-lex coverage``: read a coverage file written by ``chat-lex test --coverage``, print it, gate on a percentage."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from tools.coverage.report import CoverageFileError, CoverageReport, read_report
from tools.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE

EXIT_UNDER = EXIT_FAILED  # coverage under the threshold


def _percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a percentage from 0 to 100")
    return value


def register(subparsers: Any) -> None:
    """Add ``coverage``."""
    parser = subparsers.add_parser(
        "coverage",
        help="report what conversation tests covered of the bot; fail under a percentage",
        description="Read FILE (from `chat-lex test --coverage FILE`), print each target's coverage and the untested items. "
        "See docs/coverage.md for how the percentage is counted.",
    )
    parser.add_argument("file", type=Path, help="the coverage JSON file")
    parser.add_argument("--fail-under", type=_percentage, default=None, metavar="PCT", help="exit 1 when a target is under PCT %%")
    parser.add_argument("--html", type=Path, default=None, metavar="DIR", help="also write the HTML page (index.html) here")
    parser.set_defaults(func=run_coverage)


def summary_lines(report: CoverageReport) -> list[str]:
    """One line per target, then its untested items."""
    lines: list[str] = []
    for name, target in report.targets.items():
        covered = sum(1 for i in target.items if i.covered)
        lines.append(f"{name}: {target.percent:.1f} % ({covered} of {len(target.items)} items, {len(target.scenarios)} scenarios)")
        lines.extend(f"  untested: {item.intent} {item.kind} {item.label!r}" for item in target.items if not item.covered)
    return lines


def run_coverage(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when any target is under --fail-under."""
    try:
        report = read_report(args.file)
    except CoverageFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not report.targets:
        print(f"error: {args.file} holds no target (did any scenario run?)", file=sys.stderr)
        return EXIT_UNDER
    print("\n".join(summary_lines(report)))
    if args.html is not None:
        from tools.coverage.html import write_html

        print(f"HTML report: {write_html(report, args.html)}")
    if args.fail_under is not None:
        # The exact figure is compared, not the rounded one printed: 99.96 % does not pass a 100 % gate.
        under = [name for name, target in report.targets.items() if target.percent < args.fail_under]
        if under:
            print(f"coverage under {args.fail_under:g} % on: {', '.join(under)}", file=sys.stderr)
            return EXIT_UNDER
    return EXIT_OK
