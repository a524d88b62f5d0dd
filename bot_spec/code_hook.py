"""Which code runs as a locale's code hook: the spec's ``code_hook`` and the CLI's ``--code-hook``.

Lex keeps the code hook on the alias, one Lambda per locale; the spec keeps it on the
locale. It is always named, never implied: ``python``, ``node``, ``command``, ``lambda``
or ``none``. This module only reads and writes the choice; runtime/lex runs it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

HookKind = Literal["python", "node", "command", "lambda", "none"]
KINDS: tuple[HookKind, ...] = ("python", "node", "command", "lambda", "none")
MAX_TARGET_LENGTH = 2048
MAX_ARGV = 64

_PYTHON_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_NODE_EXPORT = re.compile(r"^[A-Za-z_$][\w$]*$")
# A Lambda function name, a partial or a full ARN (with an optional version or alias).
_LAMBDA_TARGET = re.compile(r"^(arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9$_-]{1,128})?$")

CLI_HELP = "python:MOD:FN | node:FILE[:EXPORT] | command:'CMD ARGS' | lambda:ARN | none"


class CodeHookSpecError(ValueError):
    """A code-hook choice that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class CodeHookSpec:
    """One code-hook choice.

    ``target`` is ``module:function`` (python), ``file[:export]`` (node), the ARN or name
    (lambda) or empty (none); ``argv`` is the command to start (command).
    """

    kind: HookKind
    target: str = ""
    argv: tuple[str, ...] = ()
    isolate: bool = False  # python only: run in a worker process instead of in process
    note: str | None = None  # where the choice came from (an import, say)

    def describe(self) -> str:
        """The choice as the CLI writes it."""
        if self.kind == "none":
            return "none"
        if self.kind == "command":
            return "command:" + shlex.join(self.argv)
        return f"{self.kind}:{self.target}"

    def to_doc(self) -> Any:
        """The YAML form (``code_hook:`` of a locale)."""
        if self.kind == "none" and self.note is None:
            return "none"
        doc: dict[str, Any] = {}
        if self.kind == "command":
            doc["command"] = list(self.argv)
        elif self.kind == "none":
            doc["none"] = True
        else:
            doc[self.kind] = self.target
        if self.isolate:
            doc["isolate"] = True
        if self.note is not None:
            doc["note"] = self.note
        return doc


NONE = CodeHookSpec("none")


def _check_target(kind: HookKind, target: str) -> str:
    if not target or len(target) > MAX_TARGET_LENGTH or "\x00" in target or "\n" in target:
        raise CodeHookSpecError(f"{kind} code hook: the target must be 1-{MAX_TARGET_LENGTH} characters on one line")
    if kind == "python" and not _PYTHON_TARGET.match(target):
        raise CodeHookSpecError(f"python code hook {target[:80]!r}: write package.module:function")
    if kind == "node":
        path, _, export = _split_node(target)
        if not path.endswith((".js", ".mjs", ".cjs")):
            raise CodeHookSpecError(f"node code hook {target[:80]!r}: write path/to/file.js[:export]")
        if export and not _NODE_EXPORT.match(export):
            raise CodeHookSpecError(f"node code hook {target[:80]!r}: the export {export[:40]!r} is not a JavaScript name")
    if kind == "lambda" and not _LAMBDA_TARGET.match(target):
        raise CodeHookSpecError(
            f"lambda code hook {target[:80]!r}: give a function name or an ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME"
        )
    return target


def _split_node(target: str) -> tuple[str, str, str]:
    """``file.js:export`` -> (file, ':', export); the file part may itself hold no colon after .js."""
    for suffix in (".js:", ".mjs:", ".cjs:"):
        at = target.rfind(suffix)
        if at >= 0:
            return target[: at + len(suffix) - 1], ":", target[at + len(suffix) :]
    return target, "", ""


def node_parts(spec: CodeHookSpec) -> tuple[str, str]:
    """A node hook's file and export (``handler`` when not named)."""
    path, _, export = _split_node(spec.target)
    return path, export or "handler"


def _check_argv(argv: Any) -> tuple[str, ...]:
    if not isinstance(argv, list | tuple) or not argv or len(argv) > MAX_ARGV:
        raise CodeHookSpecError(f"command code hook: give the command as a list of 1-{MAX_ARGV} strings")
    for arg in argv:
        if not isinstance(arg, str) or not arg or len(arg) > MAX_TARGET_LENGTH or "\x00" in arg:
            raise CodeHookSpecError("command code hook: every argument must be a non-empty string without NUL")
    return tuple(argv)


def parse_cli(text: str) -> CodeHookSpec:
    """The ``--code-hook`` value: ``python:MOD:FN``, ``node:FILE[:EXPORT]``, ``command:'CMD'``, ``lambda:ARN``, ``none``."""
    text = text.strip()
    if text == "none":
        return NONE
    kind, sep, rest = text.partition(":")
    if not sep or kind not in KINDS or kind == "none":
        raise CodeHookSpecError(f"--code-hook {text[:80]!r}: expected {CLI_HELP}")
    if kind == "command":
        try:
            argv = shlex.split(rest)
        except ValueError as exc:
            raise CodeHookSpecError(f"--code-hook command: cannot split {rest[:80]!r} ({exc})") from None
        return CodeHookSpec("command", argv=_check_argv(argv))
    return CodeHookSpec(kind, target=_check_target(kind, rest))


def parse_doc(node: Any, where: str = "code_hook") -> CodeHookSpec:
    """A locale's ``code_hook:`` value from YAML (``none`` or a one-kind mapping)."""
    if node == "none" or node is None:
        return NONE
    if not isinstance(node, Mapping):
        raise CodeHookSpecError(f"{where}: write `none` or one of python:, node:, command:, lambda: (got {type(node).__name__})")
    kinds = [k for k in node if k in KINDS]
    unknown = [k for k in node if k not in KINDS and k not in ("isolate", "note")]
    if len(kinds) != 1 or unknown:
        raise CodeHookSpecError(f"{where}: name exactly one of python, node, command, lambda, none (got {', '.join(map(str, node))})")
    kind: HookKind = kinds[0]
    isolate = node.get("isolate", False)
    note = node.get("note")
    if not isinstance(isolate, bool) or (isolate and kind != "python"):
        raise CodeHookSpecError(f"{where}: isolate is true or false, and only for python hooks")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise CodeHookSpecError(f"{where}: note is a string of at most 500 characters")
    value = node[kind]
    if kind == "none":
        return CodeHookSpec("none", note=note)
    if kind == "command":
        return CodeHookSpec("command", argv=_check_argv(value), note=note)
    if not isinstance(value, str):
        raise CodeHookSpecError(f"{where}.{kind}: expected a string")
    return CodeHookSpec(kind, target=_check_target(kind, value), isolate=isolate, note=note)
