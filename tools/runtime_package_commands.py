"""``chat-lex package-runtime``: the chat runtime as one Lambda deployment zip (python3.11) for the WebSocket API.

The zip holds the ``runtime`` package (without the browser UI under ``runtime/web/static``),
``bot_spec`` (``runtime.lex`` and the settings import it), and the third-party libraries the
runtime imports that the python3.11 Lambda runtime lacks, copied from the installed
distributions (``make setup``), never downloaded. The Lambda runtime provides boto3 and its
dependencies (``LAMBDA_PROVIDED``), so they are left out.

Some of those libraries are compiled (``NATIVE``). Their installed wheels are vendored only when
their platform tag loads on the Lambda: python3.11 runs on Amazon Linux 2 (glibc 2.26), so a
``manylinux_2_34`` wheel does not, whatever this machine runs. Those left out are reported; they
must come from a Lambda layer (``DependencyLayerArns`` of infrastructure/websocket-api.yaml),
and ``chat-lex deploy --architecture serverless`` refuses to deploy without one.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE
from tools.lambda_zip import PackagingError, distribution_files, lambda_compatible, read_files, tree_files, write_zip

RUNTIME = "python3.11"
ENTRY_MODULE = "runtime.serverless.lambda_entry"
HANDLERS = {
    "$connect": f"{ENTRY_MODULE}.on_connect",
    "$disconnect": f"{ENTRY_MODULE}.on_disconnect",
    "$default and action routes": f"{ENTRY_MODULE}.on_message",
}
# The modules the handlers are built on; the tests import each of them from the zip.
LAMBDA_MODULES = (
    "runtime.web.settings",
    "runtime.chat.protocol",
    "runtime.chat.session",
    "runtime.auth.cognito",
    "runtime.auth.jwt_verify",
    "runtime.chat.service",
    "runtime.store.dynamodb_store",
    "runtime.lex.client",
)
DEFAULT_OUTPUT = Path("dist/runtime-lambda.zip")
ARCHITECTURES = ("x86_64", "arm64")
# What the python3.11 Lambda runtime already has (AWS docs, "Lambda runtimes": the SDK for Python).
LAMBDA_PROVIDED = ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3")
# Distribution -> its top-level packages or modules the runtime needs, and who imports it.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "PyJWT": ("jwt",),  # runtime/auth/jwt_verify.py: Cognito token verification
    "cryptography": ("cryptography",),  # PyJWT's RSAAlgorithm (RS256)
    "cffi": ("cffi", "_cffi_backend"),  # cryptography's declared dependency
    "msgspec": ("msgspec",),  # runtime/chat/protocol.py: event encoding
    "redis": ("redis",),  # runtime/chat/channels.py and rate_limit.py import it at module level
    "jsonschema": ("jsonschema",),  # runtime/chat/protocol.py: frame validation
    "jsonschema-specifications": ("jsonschema_specifications",),
    "referencing": ("referencing",),
    "rpds-py": ("rpds",),
    "attrs": ("attr", "attrs"),
    "typing_extensions": ("typing_extensions",),  # referencing on Python < 3.13
    "tzdata": ("tzdata",),  # zoneinfo for users' time zones, whatever the image ships
}
NATIVE = ("cryptography", "cffi", "msgspec", "rpds-py")
EXCLUDED = ("web/static",)  # the browser UI is not served by the Lambda functions


@dataclass(frozen=True)
class RuntimeZip:
    """What ``build_runtime_zip`` wrote."""

    path: Path
    size: int
    unzipped: int
    files: int
    architecture: str
    vendored_native: tuple[str, ...]
    needs_layer: tuple[str, ...]  # compiled distributions that do not load on the Lambda; a layer must supply them
    has_entry: bool  # runtime/serverless/lambda_entry.py is in the zip


def host_architecture() -> str:
    """This machine's architecture in Lambda's words (x86_64 | arm64)."""
    machine = platform.machine().lower()
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def native_plan(architecture: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(compiled distributions to vendor, compiled distributions a layer must supply) for ``architecture``."""
    if architecture not in ARCHITECTURES:
        raise PackagingError(f"unknown architecture {architecture!r}; use {' or '.join(ARCHITECTURES)}")
    fits = tuple(d for d in NATIVE if lambda_compatible(d, architecture))
    return fits, tuple(d for d in NATIVE if d not in fits)


def _package_root(name: str) -> Path:
    """A top-level package's folder, found without importing it (importing ``runtime`` would load nothing we need)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise PackagingError(f"the {name} package is not importable here; run from a checkout after `make setup`")
    return Path(spec.origin).resolve().parent


def _source_files() -> Iterator[tuple[str, Path]]:
    yield from tree_files(_package_root("runtime"), "runtime", exclude=EXCLUDED)
    yield from tree_files(_package_root("bot_spec"), "bot_spec")


def entry_module_file() -> str:
    """The zip path of the handlers' module."""
    return ENTRY_MODULE.replace(".", "/") + ".py"


def build_runtime_zip(output: Path, architecture: str) -> RuntimeZip:
    """Write the runtime Lambda zip for ``architecture``."""
    vendored, needs_layer = native_plan(architecture)
    files = list(_source_files())
    for dist_name, packages in DEPENDENCIES.items():
        if dist_name in needs_layer:
            continue
        files += distribution_files(dist_name, packages, native=dist_name in vendored)
    contents = read_files(files)
    size = write_zip(contents, output, label="runtime-lambda")
    unzipped = sum(len(data) for data in contents.values())
    return RuntimeZip(output, size, unzipped, len(contents), architecture, vendored, needs_layer, entry_module_file() in contents)


def _human_size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.2f} MiB"


def describe(result: RuntimeZip) -> list[str]:
    """The lines the command prints about a built zip."""
    lines = [
        f"wrote {result.path}: {_human_size(result.size)} ({result.size} bytes, {result.files} files, "
        f"{_human_size(result.unzipped)} unzipped)",
        f"runtime {RUNTIME}, architecture {result.architecture}; handlers: "
        + ", ".join(f"{route} -> {handler}" for route, handler in HANDLERS.items()),
        f"left to the Lambda runtime: {', '.join(LAMBDA_PROVIDED)}",
    ]
    if result.vendored_native:
        lines.append(f"compiled libraries vendored for {result.architecture}: {', '.join(result.vendored_native)}")
    if result.needs_layer:
        lines.append(
            f"warning: {', '.join(result.needs_layer)} installed here cannot load on the {RUNTIME} Lambda "
            f"({result.architecture}, Amazon Linux 2, glibc 2.26); supply them in a layer (see docs/deploy.md)"
        )
    if not result.has_entry:
        lines.append(f"warning: {entry_module_file()} is not in this checkout; the functions would find no handler")
    return lines


def run_package_runtime(args: argparse.Namespace) -> int:
    """The ``package-runtime`` command."""
    output = Path(args.output)
    if output.is_dir():
        print(f"error: {output} is a folder; give the zip's file name, e.g. -o {output / 'runtime-lambda.zip'}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = build_runtime_zip(output, args.lambda_arch)
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    for line in describe(result):
        print(line)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``package-runtime`` to the ``chat-lex`` command."""
    parser = subparsers.add_parser(
        "package-runtime",
        help="build the runtime Lambda zip for the WebSocket API (serverless deployments)",
        description=f"Build the chat runtime's Lambda deployment zip ({RUNTIME}, handlers in {ENTRY_MODULE}).",
    )
    parser.add_argument("-o", "--output", default=str(DEFAULT_OUTPUT), help=f"zip to write (default {DEFAULT_OUTPUT})")
    parser.add_argument(
        "--lambda-arch",
        choices=ARCHITECTURES,
        default=host_architecture(),
        help="Lambda architecture the compiled libraries must fit (default: this machine's)",
    )
    parser.set_defaults(func=run_package_runtime)
