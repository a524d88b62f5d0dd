"""The ``--code-hook SPEC`` option every command that runs a bot shares."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot_spec.code_hook import CLI_HELP, CodeHookSpec, CodeHookSpecError, node_parts, parse_cli


def code_hook_arg(text: str) -> CodeHookSpec:
    """argparse type: a bad value is a usage error naming the accepted forms."""
    try:
        spec = parse_cli(text)
    except CodeHookSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return _from_working_directory(spec)


def _from_working_directory(spec: CodeHookSpec) -> CodeHookSpec:
    """A node file typed on the command line that exists from here is taken from here.

    In bot.yaml a node path is relative to the bot's project (the folder above the spec); on the command line
    people type paths relative to where they stand, so one that names an existing file is made absolute.
    """
    if spec.kind != "node":
        return spec
    file, export = node_parts(spec)
    path = Path(file)
    if path.is_absolute() or not path.is_file():
        return spec
    return replace(spec, target=f"{path.resolve()}:{export}")


def add_code_hook_option(parser: Any) -> None:
    """Add ``--code-hook``; ``args.code_hook`` is a CodeHookSpec, or None to use the spec's per-locale choice."""
    parser.add_argument(
        "--code-hook",
        type=code_hook_arg,
        default=None,
        metavar="SPEC",
        help=f"run this code hook instead of the one bot.yaml names for each locale: {CLI_HELP}",
    )
