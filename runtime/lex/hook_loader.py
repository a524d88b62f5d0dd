"""Turn a spec's code-hook choice (bot_spec.code_hook.CodeHookSpec) into an engine Invoker.

python: imported and called in process (``isolate: true``: in a worker process);
node: the packaged bootstrap runs the handler under ``node``; command: any program
speaking the JSON Lines protocol; lambda: boto3 ``Invoke``; none: no hook at all.
The engine itself knows no bot: whoever opens it chooses here what it wires.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot_spec.code_hook import CodeHookSpec, node_parts
from bot_spec.definition import BotDefinition
from runtime.lex.codehooks import DEFAULT_HOOK_TIMEOUT, Invoker, in_process_invoker, lambda_invoker
from runtime.lex.hook_process import HookPool, HookProcess, pool_size

FACTORY_ATTRIBUTE = "chat_lex_hook_factory"  # set by fulfillment.hook_factory (read by name: no import)
NODE_ENV = "CHAT_LEX_NODE"  # the node binary to use; else `node` on PATH

logger = logging.getLogger("chat_lex.code_hooks")


class CodeHookError(Exception):
    """A code hook named in the spec (or on the command line) cannot be opened."""


@dataclass(frozen=True)
class Setup:
    """What a hook factory is given (fulfillment.hook_factory.HookSetup)."""

    bot_dir: Path | None
    clock: Callable[[], float] = field(default=time.time)


class LambdaContext:
    """The parts of the Lambda ``context`` object handlers commonly read."""

    def __init__(self, function_name: str, timeout: float | None) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the call times out."""
        if self._deadline is None:
            return 900_000
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_import_lock = threading.Lock()


def _import_target(target: str, bot_dir: Path | None) -> Any:
    """``module:function``, found on sys.path or next to the bot folder (a chat-lex project's root)."""
    module_name, _, attr = target.partition(":")
    with _import_lock:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            root = None if bot_dir is None else str(bot_dir.resolve().parent)
            if root is None or exc.name is None or not module_name.startswith(exc.name) or root in sys.path:
                raise CodeHookError(f"python code hook {target}: cannot import {module_name} ({exc})") from None
            sys.path.insert(0, root)
            try:
                module = importlib.import_module(module_name)
            except ImportError as again:
                raise CodeHookError(f"python code hook {target}: cannot import {module_name} from {root} or sys.path ({again})") from None
        except Exception as exc:  # the module itself failed while importing
            raise CodeHookError(f"python code hook {target}: importing {module_name} failed: {type(exc).__name__}: {exc}") from None
    found = getattr(module, attr, None)
    if not callable(found):
        raise CodeHookError(f"python code hook {target}: {module_name} has no function {attr}")
    return found


def _python_hook(spec: CodeHookSpec, bot_dir: Path | None, clock: Callable[[], float], timeout: float | None) -> Invoker:
    handler = _import_target(spec.target, bot_dir)
    if getattr(handler, FACTORY_ATTRIBUTE, False):
        try:
            handler = handler(Setup(bot_dir, clock))
        except Exception as exc:
            raise CodeHookError(f"python code hook {spec.target}: the factory failed: {type(exc).__name__}: {exc}") from None
    name = spec.target.rpartition(":")[2]

    def call(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = handler(event, LambdaContext(name, timeout))
        return result

    return in_process_invoker(call, timeout=timeout)


def node_binary() -> str:
    """The node executable; CodeHookError when there is none."""
    found = os.environ.get(NODE_ENV) or shutil.which("node")
    if not found:
        raise CodeHookError(f"a node code hook needs Node.js: install it or set {NODE_ENV} to the node binary")
    return found


def bootstrap_path() -> Path:
    """The packaged Node.js bootstrap (runtime/lex/workers/node_bootstrap.cjs)."""
    return Path(str(resources.files("runtime.lex.workers").joinpath("node_bootstrap.cjs")))


def _relative(path: str, bot_dir: Path | None) -> Path:
    """Paths in a spec are relative to the bot folder's parent (the project root), else to the bot folder."""
    given = Path(path)
    if given.is_absolute() or bot_dir is None:
        return given
    for base in (bot_dir.resolve().parent, bot_dir.resolve()):
        if (base / given).exists():
            return base / given
    return bot_dir.resolve().parent / given


def _node_hook(spec: CodeHookSpec, bot_dir: Path | None, timeout: float | None) -> HookProcess:
    file, export = node_parts(spec)
    script = _relative(file, bot_dir)
    if not script.is_file():
        raise CodeHookError(f"node code hook {spec.target}: no file {script}")
    argv = [node_binary(), str(bootstrap_path()), str(script), export]
    return HookProcess(argv, cwd=script.parent, timeout=timeout, name=f"node {script.name}")


def _command_hook(spec: CodeHookSpec, bot_dir: Path | None, timeout: float | None) -> HookProcess:
    cwd = None if bot_dir is None else bot_dir.resolve().parent
    return HookProcess(list(spec.argv), cwd=cwd, timeout=timeout, name=f"command {spec.argv[0]}")


def _isolated_python_hook(spec: CodeHookSpec, bot_dir: Path | None, timeout: float | None) -> HookProcess:
    argv = [sys.executable, "-m", "runtime.lex.workers.python_worker", spec.target]
    if bot_dir is not None:
        argv.append(str(bot_dir.resolve()))
    # The worker imports runtime.lex from wherever this process did.
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    return HookProcess(
        argv, cwd=None if bot_dir is None else bot_dir.resolve().parent, env=env, timeout=timeout, name=f"python {spec.target}"
    )


def _lambda_hook(spec: CodeHookSpec, lambda_client: Any) -> Invoker:
    if lambda_client is None:
        import boto3  # only when a Lambda is wanted

        parts = spec.target.split(":")
        region = parts[3] if spec.target.startswith("arn:") and len(parts) > 3 else None
        # AWS_ENDPOINT_URL_LAMBDA (boto3's own setting) points this at moto's server or LocalStack.
        lambda_client = boto3.client("lambda", region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    return lambda_invoker(lambda_client, spec.target)


def open_code_hook(
    spec: CodeHookSpec | None,
    *,
    bot_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
    timeout: float | None = DEFAULT_HOOK_TIMEOUT,
    lambda_client: Any = None,
) -> Invoker | None:
    """The Invoker for ``spec`` (None for ``none``); CodeHookError when it cannot be opened."""
    if spec is None or spec.kind == "none":
        return None
    if spec.kind == "python" and not spec.isolate:
        return _python_hook(spec, bot_dir, clock, timeout)
    if spec.kind == "lambda":
        return _lambda_hook(spec, lambda_client)
    if spec.kind == "node":
        first = _node_hook(spec, bot_dir, timeout)  # checked now: a missing file is found before the first turn
    elif spec.kind == "command":
        first = _command_hook(spec, bot_dir, timeout)
    else:
        first = _isolated_python_hook(spec, bot_dir, timeout)
    size = pool_size()
    if size == 1:
        return first
    made = [first]

    def make() -> HookProcess:
        return made.pop() if made else HookProcess(first.argv, cwd=first.cwd, env=first.env, timeout=timeout, name=first.name)

    return HookPool(make, size, timeout)


def hooked_intents(definition: BotDefinition, locale_id: str) -> list[str]:
    """The intents of a locale with a dialog or fulfillment code hook enabled."""
    locale = definition.locale(locale_id)
    if locale is None:
        return []
    return [i.name for i in locale.intents if i.dialog_code_hook or i.fulfillment_code_hook]


_warned: set[tuple[str, str]] = set()


def unnamed_hook_warning(definition: BotDefinition, locale_id: str) -> str | None:
    """The one-line warning for a locale that names no code hook but has intents that call one."""
    hooked = hooked_intents(definition, locale_id)
    if not hooked:
        return None
    shown = ", ".join(hooked[:5]) + (" ..." if len(hooked) > 5 else "")
    return (
        f"warning: bot {definition.name} locale {locale_id} names no code_hook; running with none, so "
        f"{shown} run as if their code hooks were off (name one in bot.yaml or with --code-hook)"
    )


def warn_once(message: str, key: tuple[str, str]) -> None:
    """Print ``message`` to stderr the first time ``key`` is seen in this process."""
    if key in _warned:
        return
    _warned.add(key)
    print(message, file=sys.stderr)
