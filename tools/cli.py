"""The ``chat-lex`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` (taking the parsed args, returning the exit code). Exit codes: 0 success,
1 the input has errors (spec errors, failed tests), 2 bad usage (argparse), 3 an
external service failed (AWS, network).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib import metadata

from bot_spec.diagnostics import SpecError
from tools.exit_codes import EXIT_INPUT_ERROR

# Subcommand modules, in the order `chat-lex --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "tools.spec_commands",
    "tools.init_command",
    "tools.lex_commands",
    "tools.test_commands",
    "tools.coverage_commands",
    "tools.record_commands",
    "tools.import_test_commands",
    "tools.fulfillment_commands",
    "tools.runtime_package_commands",
    "tools.publish",
    "tools.serve_commands",
    "tools.user_commands",
)


def package_version() -> str:
    """The installed chat-lex distribution's version (pyproject.toml's, through the package metadata)."""
    try:
        return metadata.version("chat-lex")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed; run `make setup`)"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="chat-lex",
        description="Author, test and serve Amazon Lex V2 chat bots.",
        epilog="Exit codes: 0 ok, 1 errors in the input, 2 bad usage, 3 an external service failed.",
    )
    parser.add_argument("--version", action="version", version=f"chat-lex {package_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except SpecError as exc:
        for diag in exc.diagnostics:
            print(diag.render(), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
