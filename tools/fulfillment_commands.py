"""``chat-lex package-fulfillment``: the code hook as a Lambda deployment zip (python3.11).

The zip holds the ``fulfillment`` package, ``runtime/contracts/`` (the code-hook response
rules it checks its answers with), ``fulfillment/replies.json`` rendered from the validated
spec, and the pure-Python sources of Jinja2, MarkupSafe, PyYAML and tzdata copied from the
installed distributions. Compiled extensions are left out on purpose:
they are built for this machine, not for Lambda's, and each library has a pure-Python
fallback. ``tools/lambda_zip.py`` writes it deterministically: equal inputs give equal bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import fulfillment
import runtime.contracts
from bot_spec import SEED_BOT_DIR
from bot_spec.diagnostics import SpecError
from bot_spec.formats.yaml_spec import load_spec
from fulfillment.replies import Replies, Templates, replies_document
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE
from tools.lambda_zip import FIXED_TIME, MAX_UNZIPPED_BYTES, MAX_ZIP_BYTES, PackagingError, distribution_files, read_files, write_zip

__all__ = ["FIXED_TIME", "HANDLER", "MAX_UNZIPPED_BYTES", "MAX_ZIP_BYTES", "PackagingError", "build_fulfillment_zip", "register"]

HANDLER = "fulfillment.handler"
RUNTIME = "python3.11"
DEFAULT_BOT_DIR = SEED_BOT_DIR
DEFAULT_OUTPUT = Path("dist/fulfillment.zip")
# Distribution -> the top-level packages of it that the Lambda needs.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "Jinja2": ("jinja2",),
    "MarkupSafe": ("markupsafe",),
    "PyYAML": ("yaml",),
    "tzdata": ("tzdata",),  # Lambda images need not ship /usr/share/zoneinfo
}


def _package_files() -> Iterator[tuple[str, Path]]:
    """(name in zip, file) for the fulfillment package's own sources and the runtime contracts it imports.

    ``fulfillment`` checks its answers with ``runtime.contracts.codehook_response``, so the zip carries
    ``runtime/__init__.py`` (a docstring only) and ``runtime/contracts/`` with its schemas: standard library
    only, and nothing else of ``runtime``.
    """
    root = Path(fulfillment.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield f"fulfillment/{path.relative_to(root).as_posix()}", path
    contracts = Path(runtime.contracts.__file__).resolve().parent
    project = contracts.parent.parent
    yield "runtime/__init__.py", contracts.parent / "__init__.py"
    for path in sorted(contracts.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            yield path.relative_to(project).as_posix(), path


def _dependency_files() -> Iterator[tuple[str, Path]]:
    """(name in zip, file) for each dependency's packages, from its installed file list."""
    for dist_name, packages in DEPENDENCIES.items():
        yield from distribution_files(dist_name, packages, native=False)


def _replies_templates(bot_dir: Path) -> Templates:
    """The replies of the validated spec, per intent and locale; compiled once to catch broken templates."""
    definition = load_spec(bot_dir)
    templates: Templates = {}
    for locale in definition.locales:
        for intent in locale.intents:
            if intent.replies:
                templates.setdefault(intent.name, {})[locale.locale_id] = dict(intent.replies)
    Replies(templates, str(bot_dir))
    return templates


def bot_hook_module(bot_dir: Path) -> tuple[str, dict[str, Path]] | None:
    """The bot's own Python code hook, when bot.yaml names one outside ``fulfillment``: its Lambda handler and files.

    The module (a file or a package beside the bot folder, as ``chat-lex init`` lays it out)
    goes into the zip, and its ``handler`` function is the Lambda's entry point.
    """
    definition = load_spec(bot_dir)
    modules = {loc.code_hook.target.partition(":")[0] for loc in definition.locales if loc.code_hook and loc.code_hook.kind == "python"}
    modules = {m for m in modules if m.split(".")[0] != "fulfillment"}
    if not modules:
        return None
    if len(modules) > 1:
        raise PackagingError(f"the locales name different Python hooks ({', '.join(sorted(modules))}); one Lambda serves one module")
    (module,) = modules
    root = bot_dir.resolve().parent
    top = module.split(".")[0]
    files: dict[str, Path] = {}
    if (root / f"{top}.py").is_file():
        files[f"{top}.py"] = root / f"{top}.py"
    elif (root / top / "__init__.py").is_file():
        for path in sorted((root / top).rglob("*.py")):
            if "__pycache__" not in path.parts:
                files[path.relative_to(root).as_posix()] = path
    else:
        raise PackagingError(f"bot.yaml names the code hook module {module}, but {root} holds no {top}.py or {top}/ package")
    return f"{module}.handler", files


def build_fulfillment_zip(bot_dir: Path, output: Path) -> tuple[int, int]:
    """Write the Lambda zip; returns (zip bytes, number of files)."""
    replies_json = json.dumps(replies_document(_replies_templates(bot_dir)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    own = bot_hook_module(bot_dir)
    contents = read_files([*_package_files(), *_dependency_files(), *(own[1].items() if own else ())])
    contents["fulfillment/replies.json"] = replies_json.encode("utf-8")
    size = write_zip(contents, output, label="fulfillment")
    return size, len(contents)


def _human_size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.2f} MiB"


def run_package_fulfillment(args: argparse.Namespace) -> int:
    """The ``package-fulfillment`` command."""
    bot_dir = Path(args.bot_dir)
    output = Path(args.output)
    if output.is_dir():
        print(f"error: {output} is a folder; give the zip's file name, e.g. -o {output / 'fulfillment.zip'}", file=sys.stderr)
        return EXIT_USAGE
    try:
        size, count = build_fulfillment_zip(bot_dir, output)
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except (PackagingError, fulfillment.ReplyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    print(f"wrote {output}: {_human_size(size)} ({size} bytes, {count} files)")
    try:
        own = bot_hook_module(bot_dir)
    except PackagingError:
        own = None
    print(f"runtime {RUNTIME}, handler {own[0] if own else HANDLER}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``package-fulfillment`` to the ``chat-lex`` command."""
    parser = subparsers.add_parser(
        "package-fulfillment",
        help="build the code-hook Lambda zip",
        description=f"Build the fulfillment Lambda deployment zip ({RUNTIME}, handler {HANDLER}) with the spec's replies.",
    )
    parser.add_argument("bot_dir", nargs="?", default=str(DEFAULT_BOT_DIR), help=f"bot folder (default {DEFAULT_BOT_DIR})")
    parser.add_argument("-o", "--output", default=str(DEFAULT_OUTPUT), help=f"zip to write (default {DEFAULT_OUTPUT})")
    parser.set_defaults(func=run_package_fulfillment)
