"""The shell commands in README.md and docs/*.md: which the docs test runs, which it skips and why, and running one.

What counts as a command: every line of a fenced block tagged ``sh``, ``bash``, ``shell`` or ``zsh`` that is not
blank or a ``#`` comment (a leading ``$ `` prompt is dropped), and in ``console``/``shell-session`` blocks every
line after a ``$ `` prompt (the other lines are output). A line ending in ``\\``, ``|``, ``&&`` or ``||`` continues
on the next line, and a here-document (``<<EOF`` ... ``EOF``) belongs to the command that opens it.

The rule (``skip_reason``): a command is run unless some part of it (each side of ``|``, ``&&``, ``;``)

- runs a container engine (docker, podman, ...): the image has its own test;
- needs AWS: the ``aws`` CLI, ``chat-lex publish`` (its ``--dry-run`` still reads the bot on AWS),
  ``chat-lex deploy`` without ``--dry-run``, or an ``aws`` Lex target (``--lex-target aws``, ``--compare-targets ...aws``);
- starts a server that runs until stopped: ``chat-lex serve``, ``chat-lex lex-serve``, ``make run``, ``redis-server``,
  ``uvicorn``; or is an interactive ``chat-lex converse`` (one fed by a pipe, ``<`` or a here-document is run);
- is the test suite itself: ``make test|pytest|lint|typecheck``, ``pytest``;
- changes the shared machine or needs the network: ``make setup|clean|lock|browser|redis``, ``pip``,
  ``pip-compile``, ``apt-get``, ``sudo``, ``curl``, ``wget``, ``git clone|fetch|pull|push``;
- is a benchmark (``make bench``, ``benchmarks/*.py``): minutes of load, recorded in docs/benchmarks.md.

Everything else must exit 0, run from the docs' own folder layout in a fresh copy of the repository. A command
that is meant to fail says so with a trailing comment ending in ``exits N`` (``chat-lex validate broken  # exits 1``).
A whole block is left out by an HTML comment on the line above its fence, ``<!-- docs-test: skip: <reason> -->``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT_LANGUAGES = frozenset({"sh", "bash", "shell", "zsh"})
PROMPT_LANGUAGES = frozenset({"console", "shell-session"})
COMMAND_TIMEOUT = 120.0

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_SKIP_MARKER = re.compile(r"<!--\s*docs-test:\s*skip:\s*(?P<reason>\S.*?)\s*-->")
_EXPECTED_EXIT = re.compile(r"#.*\b(?:exits|exit code) (\d{1,3})\s*$")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_OPERATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", "|&", ";;"})
_WRAPPERS = frozenset({"env", "time", "nohup", "exec", "command", "nice"})
# Lines that only change the shell session: later commands of the same document run after them.
_SESSION_PROGRAMS = frozenset({"cd", "export", "source", ".", "unset", "pushd", "popd", "set"})

CONTAINER = "a container engine (docker/podman): the image has its own test"
AWS = "needs AWS"
SERVER = "starts a server that runs until stopped"
SUITE = "is the test suite itself, which is running this test"
MACHINE = "changes the shared machine (venv, system packages, services) or needs the network"
BENCHMARK = "a benchmark: minutes of load, recorded in docs/benchmarks.md"

_MAKE_TARGETS: dict[str, str] = {
    "run": SERVER,
    "test": SUITE,
    "pytest": SUITE,
    "lint": SUITE,
    "typecheck": SUITE,
    "setup": MACHINE,
    "clean": MACHINE,
    "lock": MACHINE,
    "browser": MACHINE,
    "redis": MACHINE,
    "bench": BENCHMARK,
}
_PROGRAMS: dict[str, str] = {
    "docker": CONTAINER,
    "podman": CONTAINER,
    "buildah": CONTAINER,
    "docker-compose": CONTAINER,
    "podman-compose": CONTAINER,
    "aws": AWS + " (the aws CLI)",
    "sam": AWS + " (the SAM CLI)",
    "cdk": AWS + " (the CDK CLI)",
    "redis-server": SERVER,
    "uvicorn": SERVER,
    "pytest": SUITE,
    "pip": MACHINE,
    "pip3": MACHINE,
    "pip-compile": MACHINE,
    "pip-sync": MACHINE,
    "apt-get": MACHINE,
    "apt": MACHINE,
    "sudo": MACHINE,
    "curl": MACHINE,
    "wget": MACHINE,
}


@dataclass(frozen=True)
class FencedBlock:
    """One fenced code block of a Markdown file."""

    doc: str  # the file, relative to the repository root
    line: int  # 1-based line of the opening fence
    language: str  # the first word of the info string, lower case ('' when untagged)
    lines: tuple[tuple[int, str], ...]  # (1-based line, text without the fence's indentation)
    skip: str | None = None  # the reason given by a docs-test skip marker above the fence


@dataclass(frozen=True)
class DocCommand:
    """One command of a document, as bash will run it."""

    doc: str
    line: int
    text: str
    skip: str | None = None
    expected_exit: int = 0
    session: bool = False  # only changes the shell session (cd, export, ...): later commands run after it

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def fenced_blocks(doc: str, text: str) -> list[FencedBlock]:
    """Every fenced block of `text`, in order (fences inside list items too)."""
    blocks: list[FencedBlock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"].strip()
        language = info.split()[0].lower() if info else ""
        previous = lines[index - 1] if index > 0 else ""
        marker = _SKIP_MARKER.search(previous)
        body: list[tuple[int, str]] = []
        start = index
        index += 1
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if closing is not None and closing["fence"].startswith(fence) and not closing["info"].strip():
                break  # the same character, at least as many times, and nothing after it
            raw = lines[index]
            strip = min(indent, len(raw) - len(raw.lstrip(" ")))
            body.append((index + 1, raw[strip:]))
            index += 1
        blocks.append(FencedBlock(doc, start + 1, language, tuple(body), marker["reason"] if marker else None))
        index += 1
    return blocks


def _continues(text: str) -> bool:
    stripped = text.rstrip()
    return stripped.endswith(("\\", "|", "&&", "||")) and not stripped.endswith("\\\\")


def commands_in(block: FencedBlock) -> list[DocCommand]:
    """The commands of a shell or console block (none for other languages)."""
    if block.language not in SCRIPT_LANGUAGES | PROMPT_LANGUAGES:
        return []
    prompted = block.language in PROMPT_LANGUAGES
    commands: list[DocCommand] = []
    lines = list(block.lines)
    index = 0
    while index < len(lines):
        number, text = lines[index]
        index += 1
        stripped = text.strip()
        if stripped.startswith("$ ") or stripped == "$":
            stripped = stripped[1:].strip()
        elif prompted:
            continue  # output shown after a command
        if not stripped or stripped.startswith("#"):
            continue
        parts = [stripped]
        while _continues(parts[-1]) and index < len(lines):
            parts.append(lines[index][1].strip())
            index += 1
        heredoc = _HEREDOC.search(" ".join(parts))
        if heredoc is not None:
            terminator = heredoc.group(2)
            while index < len(lines):
                body_line = lines[index][1]
                index += 1
                parts.append(body_line)
                if body_line.strip() == terminator:
                    break
        command = "\n".join(parts)
        first_line = parts[0]
        expected = _EXPECTED_EXIT.search(parts[-1] if heredoc is None else first_line)
        skip = block.skip if block.skip is not None else skip_reason(command)
        commands.append(
            DocCommand(
                block.doc,
                number,
                command,
                skip=skip,
                expected_exit=int(expected.group(1)) if expected else 0,
                session=skip is None and _is_session_change(command),
            )
        )
    return commands


def _tokens(command: str) -> list[str]:
    """Shell words and operators of the command's first line (a here-document's body is data, not words)."""
    head = command.split("\n", 1)[0] if _HEREDOC.search(command) else command.replace("\\\n", " ")
    lexer = shlex.shlex(head, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: bash will say so when the command runs
        return head.split()


def _segments(command: str) -> list[tuple[list[str], bool]]:
    """Each simple command as (words and redirections, whether a pipe feeds it)."""
    segments: list[tuple[list[str], bool]] = []
    current: list[str] = []
    piped = False
    for token in _tokens(command):
        if token in _OPERATORS:
            if current:
                segments.append((current, piped))
            current = []
            piped = token in ("|", "|&")
            continue
        current.append(token)
    if current:
        segments.append((current, piped))
    return segments


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program's base name and its arguments, past `VAR=value` prefixes and wrappers like `env`."""
    rest = list(words)
    while rest and (_ASSIGNMENT.match(rest[0]) or rest[0] in _WRAPPERS):
        rest.pop(0)
    if not rest:
        return "", []
    program, args = os.path.basename(rest[0]), rest[1:]
    if program.startswith("python") and args[:2] in (["-m", "tools.cli"], ["-m", "tools"]):
        return "chat-lex", args[2:]
    if program.startswith("python") and args[:2] == ["-m", "pytest"]:
        return "pytest", args[2:]
    if program.startswith("python") and args[:2] == ["-m", "pip"]:
        return "pip", args[2:]
    return program, args


def _option(args: list[str], *names: str) -> str | None:
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _chat_lex_reason(args: list[str], words: list[str], piped: bool) -> str | None:
    subcommand = next((a for a in args if not a.startswith("-")), "")
    if subcommand == "publish":
        return AWS + ": chat-lex publish reads and changes the bot on AWS (its --dry-run still reads it)"
    if subcommand == "deploy" and "--dry-run" not in args:
        return AWS + ": chat-lex deploy without --dry-run changes the stacks"
    if subcommand in ("serve", "lex-serve"):
        return SERVER + f" (chat-lex {subcommand})"
    if subcommand == "converse" and not piped and not any(w.startswith("<") for w in words):
        return "an interactive session (feed it a dialogue through a pipe, < or a here-document to have it run)"
    target = _option(args, "--lex-target", "--target")
    compared = (_option(args, "--compare-targets") or "").split(",")
    if target == "aws" or "aws" in compared:
        return AWS + ": a deployed bot alias (the aws Lex target)"
    return None


def skip_reason(command: str) -> str | None:
    """Why the docs test does not run `command`, or None when it must run and exit as documented."""
    for words, piped in _segments(command):
        program, args = _program(words)
        if program == "chat-lex":
            reason = _chat_lex_reason(args, words, piped)
        elif program == "make":
            targets = [a for a in args if not a.startswith("-") and "=" not in a] or ["setup"]  # setup is the first target
            reason = next((f"{_MAKE_TARGETS[t]} (make {t})" for t in targets if t in _MAKE_TARGETS), None)
        elif program == "git" and args[:1] and args[0] in ("clone", "fetch", "pull", "push"):
            reason = MACHINE + f" (git {args[0]})"
        elif program.startswith("python") and any(a.startswith("benchmarks/") for a in args[:1]):
            reason = BENCHMARK
        else:
            reason = _PROGRAMS.get(program)
            if reason is not None:
                reason = f"{reason} ({program})" if program not in reason else reason
        if reason is not None:
            return reason
    return None


def _is_session_change(command: str) -> bool:
    segments = _segments(command)
    if len(segments) != 1 or "\n" in command:
        return False
    words = segments[0][0]
    return bool(words) and (words[0] in _SESSION_PROGRAMS or all(_ASSIGNMENT.match(w) for w in words))


def doc_files(root: Path) -> list[Path]:
    """README.md and every docs/*.md, in a stable order."""
    files = [root / "README.md"] if (root / "README.md").is_file() else []
    return files + sorted((root / "docs").glob("*.md"))


def doc_commands(root: Path) -> list[DocCommand]:
    """Every command in the project's Markdown docs, in document order."""
    commands: list[DocCommand] = []
    for path in doc_files(root):
        doc = path.relative_to(root).as_posix()
        for block in fenced_blocks(doc, path.read_text(encoding="utf-8")):
            commands.extend(commands_in(block))
    return commands


# -- running ---------------------------------------------------------------------------------------------------


def copy_checkout(root: Path, into: Path) -> Path:
    """A fresh-clone-like copy of `root` in `into`: tracked and new (not ignored) files only, plus a link to .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True, check=False
    )
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode("utf-8").split("\0") if n]
    else:  # not a git checkout: everything but what a clone would not have
        ignored = {".git", ".venv", ".venv-lock", "var", "dist", "build", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
        names = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not ignored & set(p.relative_to(root).parts)]
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = root / name
        if source.is_file():  # a tracked file deleted in the work tree is gone from a clone of the next commit too
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    venv = root / ".venv"
    if venv.is_dir():
        (into / ".venv").symlink_to(venv.resolve(), target_is_directory=True)
    return into


def command_environment(root: Path, home: Path) -> dict[str, str]:
    """The environment doc commands run in: the venv's bin first, no CHAT_LEX_* settings, no way to reach AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAT_LEX_", "AWS_", "PYTEST_"))}
    env["PATH"] = f"{(root / '.venv' / 'bin').resolve()}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(home)
    env.update(
        # Fake credentials and an endpoint nothing listens on: a command the rule wrongly keeps fails fast, offline.
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass
class Outcome:
    """How one command went."""

    ok: bool
    message: str


@dataclass
class DocWorkspace:
    """One document's copy of the repository, and the commands already run in it (a document is one shell session)."""

    directory: Path
    env: dict[str, str] = field(repr=False)
    session: list[str] = field(default_factory=list)
    done: dict[str, Outcome] = field(default_factory=dict)


def run_command(command: DocCommand, workspace: DocWorkspace, *, timeout: float = COMMAND_TIMEOUT) -> Outcome:
    """Run `command` in the workspace after the document's earlier session changes; ok when it exits as documented."""
    script = "\n".join(["set -o pipefail", *workspace.session, command.text, ""])
    try:
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=workspace.directory,
            env=workspace.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        outcome = Outcome(False, f"{command.where}: still running after {timeout:.0f} s: {command.text!r}")
    else:
        if done.returncode == command.expected_exit:
            outcome = Outcome(True, "")
        else:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
            outcome = Outcome(
                False,
                f"{command.where}: exit {done.returncode} (the doc expects {command.expected_exit}) from\n"
                f"    {command.text}\n--- its last output ---\n{tail}",
            )
    if command.session and outcome.ok:
        workspace.session.append(command.text)
    workspace.done[command.where] = outcome
    return outcome


def run_in_order(commands: list[DocCommand], target: DocCommand, workspace: DocWorkspace) -> Outcome:
    """Run `target` after every earlier runnable command of its document that has not run yet (for `-k` runs)."""
    for command in commands:
        if command.doc != target.doc or command.skip is not None or command.where in workspace.done:
            continue
        outcome = run_command(command, workspace)
        if command.where == target.where:
            failed = [w for w, o in workspace.done.items() if not o.ok and w != target.where]
            if failed and not outcome.ok:
                outcome.message += "\n(earlier commands of this document failed too: " + ", ".join(failed) + ")"
            return outcome
    return workspace.done[target.where]
