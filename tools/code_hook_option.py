"""The ``--code-hook SPEC`` option every command that runs a bot shares."""

from __future__ import annotations

import argparse
from typing import Any

from bot_spec.code_hook import CLI_HELP, CodeHookSpec, CodeHookSpecError, parse_cli


def code_hook_arg(text: str) -> CodeHookSpec:
    """argparse type: a bad value is a usage error naming the accepted forms."""
    try:
        return parse_cli(text)
    except CodeHookSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_code_hook_option(parser: Any) -> None:
    """Add ``--code-hook``; ``args.code_hook`` is a CodeHookSpec, or None to use the spec's per-locale choice."""
    parser.add_argument(
        "--code-hook",
        type=code_hook_arg,
        default=None,
        metavar="SPEC",
        help=f"run this code hook instead of the one bot.yaml names for each locale: {CLI_HELP}",
    )
