"""``chat-lex validate | lint | compile | import``: the spec commands.

Every problem is printed as ``file:line:column: severity code: message`` plus a fix;
nothing here lets a traceback reach the user. Exit codes follow ``tools.cli``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot_spec import SEED_BOT_DIR
from bot_spec.definition import BotDefinition
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats.yaml_spec import definition_from_docs, write_spec
from bot_spec.lint import has_errors, lint_spec
from bot_spec.spec_source import SpecDocuments, read_spec_folder
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE
from tools.staged_folder import staged_folder

PACKAGE_BOT_DIR = SEED_BOT_DIR
COMPILE_FORMATS = ("cloudformation", "lexjson", "api-plan", "yaml")


def default_bot_dir() -> Path:
    """``bot_spec/chatbot`` under the working directory when there is one, else the packaged seed bot."""
    local = Path("bot_spec") / "chatbot"
    return local if (local / "bot.yaml").is_file() else PACKAGE_BOT_DIR


def say(text: str, stream: TextIO | None = None) -> None:
    """Print, degrading symbols a terminal cannot encode instead of failing."""
    out = stream or sys.stdout
    try:
        print(text, file=out)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        print(text.encode(encoding, "replace").decode(encoding), file=out)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO | None = None) -> None:
    for diag in diagnostics:
        say(diag.render(), stream)


def summary(name: str, defn: BotDefinition | None, diagnostics: Sequence[Diagnostic]) -> str:
    """The one-line verdict: ``✓ ChatBot: 4 intents, 1 slot types, 1 locales — no errors``."""
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    counts = ""
    if defn is not None:
        intents = {i.name for loc in defn.locales for i in loc.intents}
        slot_types = {t.name for loc in defn.locales for t in loc.slot_types}
        counts = f"{len(intents)} intents, {len(slot_types)} slot types, {len(defn.locales)} locales — "
    warned = f", {_plural(warnings, 'warning')}" if warnings else ""
    if errors:
        return f"✗ {name}: {counts}{_plural(errors, 'error')}{warned}"
    return f"✓ {name}: {counts}no errors{warned}"


class _Checked:
    """A spec folder read, schema-checked and linted: what every command starts from."""

    def __init__(self, bot_dir: Path) -> None:
        self.bot_dir = bot_dir
        self.docs: SpecDocuments | None = None
        self.defn: BotDefinition | None = None
        self.diagnostics: list[Diagnostic] = []
        try:
            self.docs = read_spec_folder(bot_dir)
        except SpecError as exc:
            self.diagnostics = list(exc.diagnostics)
            return
        self.defn = definition_from_docs(self.docs.bot, self.docs.intents, self.docs.slot_types)
        self.diagnostics = lint_spec(self.defn, self.docs)

    @property
    def name(self) -> str:
        return self.defn.name if self.defn is not None else str(self.bot_dir)

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics)


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a bug into one plain line and exit code 1, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except SpecError:
            raise  # tools.cli prints these
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a bug in chat-lex; the person still deserves a plain message
            say(
                f"chat-lex {args.command}: internal error: {type(exc).__name__}: {exc}. This is a bug in chat-lex; please report it.",
                sys.stderr,
            )
            return EXIT_INPUT_ERROR

    return run


# ---------------------------------------------------------------- validate / lint


def cmd_validate(args: argparse.Namespace) -> int:
    """Schema and lint; errors fail, warnings do not."""
    checked = _Checked(Path(args.bot_dir))
    _print_diagnostics(checked.diagnostics, sys.stderr)
    say(summary(checked.name, checked.defn, checked.diagnostics))
    return EXIT_INPUT_ERROR if checked.failed else EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    """Every diagnostic, as text or JSON, on stdout."""
    checked = _Checked(Path(args.bot_dir))
    if args.format == "json":
        report = {
            "bot": checked.name,
            "errors": sum(d.severity == "error" for d in checked.diagnostics),
            "warnings": sum(d.severity == "warning" for d in checked.diagnostics),
            "diagnostics": [d.to_dict() for d in checked.diagnostics],
        }
        say(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_diagnostics(checked.diagnostics)
        say(summary(checked.name, checked.defn, checked.diagnostics))
    return EXIT_INPUT_ERROR if checked.failed else EXIT_OK


# ---------------------------------------------------------------- compile


def _refuse(message: str, fix: str, code: int = EXIT_INPUT_ERROR) -> int:
    say(f"error: {message}\n    fix: {fix}", sys.stderr)
    return code


def _usage(message: str, fix: str) -> int:
    """A command line that cannot work as given (exit 2); nothing was read or written."""
    return _refuse(message, fix, EXIT_USAGE)


def _unusable_path(text: str) -> str | None:
    """Why the operating system cannot take ``text`` as a path (a NUL byte, a name too long), or None."""
    if "\x00" in text:
        return "it contains a NUL byte"
    try:
        Path(text).absolute().exists()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def missing_parents(out: Path) -> list[Path]:
    """The folders above ``out`` that do not exist yet, outermost first (what writing ``out`` would create)."""
    missing: list[Path] = []
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    return missing[::-1]


def outside_project(folder: Path) -> bool:
    """Whether ``folder`` lies outside the current directory (the project compile runs in)."""
    return not folder.resolve().is_relative_to(Path.cwd().resolve())


def _check_empty_folder(out: Path, source: Path | None = None) -> str | None:
    """Why ``out`` cannot receive a spec folder, or None when it can."""
    if source is not None and out.resolve() == source.resolve():
        return f"{out} is the bot folder being compiled; writing there would overwrite it"
    if out.exists() and not out.is_dir():
        return f"{out} exists and is not a folder"
    if out.is_dir() and any(out.iterdir()):
        return f"{out} is not empty; files of another bot left there would mix with this one"
    return None


def _write_cloudformation(defn: BotDefinition, out: Path) -> str:
    from bot_spec.formats import cloudformation

    template = cloudformation.to_template(defn)
    text = json.dumps(template, indent=2, ensure_ascii=False) if out.suffix.lower() == ".json" else cloudformation.dump_template(template)
    out.write_text(text, encoding="utf-8")
    return "CloudFormation template"


def _write_lexjson(defn: BotDefinition, out: Path) -> str:
    from bot_spec.formats import lexjson

    lexjson.write_zip(defn, out)
    return "LexJson import zip"


def _write_api_plan(defn: BotDefinition, out: Path) -> str:
    from bot_spec.formats import api_plan

    calls = api_plan.build_plan(defn)
    out.write_text(json.dumps(api_plan.plan_to_json(calls), indent=2, ensure_ascii=False), encoding="utf-8")
    return f"lexv2-models API plan ({len(calls)} calls)"


def _write_yaml(defn: BotDefinition, out: Path) -> str:
    files = write_spec(defn, out)
    return f"YAML spec folder ({len(files)} files)"


WRITERS: dict[str, Callable[[BotDefinition, Path], str]] = {
    "cloudformation": _write_cloudformation,
    "lexjson": _write_lexjson,
    "api-plan": _write_api_plan,
    "yaml": _write_yaml,
}


def cmd_compile(args: argparse.Namespace) -> int:
    """Validate, then write one output format; nothing is written when there are errors.

    Missing folders above ``-o`` are created inside the current directory, each named on stderr; outside it (a typo
    such as ``-o /srv/bots/typo/x.yaml``) compile refuses unless ``--parents`` is given.
    """
    bot_dir, out = Path(args.bot_dir), Path(args.output)
    unusable = _unusable_path(args.output)
    if unusable is not None:
        return _usage(f"-o {args.output[:120]!r} cannot be a path: {unusable}", "give -o a file or folder name")
    if args.format == "yaml":
        problem = _check_empty_folder(out, bot_dir)
        if problem is not None:
            return _usage(problem, "give -o a new or empty folder")
    elif out.is_dir():
        return _usage(
            f"{out} is a folder; {args.format} output is one file", f"give -o a file name, e.g. {out / _default_name(args.format)}"
        )
    new_folders = missing_parents(out)
    if new_folders and not args.parents and outside_project(new_folders[0]):
        return _usage(
            f"{new_folders[0]} does not exist, and it is outside the current project ({Path.cwd()})",
            "check the path; create the folder first, or pass --parents to let compile create it",
        )
    checked = _Checked(bot_dir)
    _print_diagnostics(checked.diagnostics, sys.stderr)
    if checked.failed or checked.defn is None:
        say(summary(checked.name, checked.defn, checked.diagnostics) + " — nothing written")
        return EXIT_INPUT_ERROR
    try:
        for folder in new_folders:
            folder.mkdir(exist_ok=True)
            say(f"note: created folder {folder}", sys.stderr)
        what = WRITERS[args.format](checked.defn, out)
    except ImportError as exc:
        return _refuse(f"the {args.format} format is not available in this installation ({exc})", "install chat-lex completely")
    except OSError as exc:
        return _refuse(f"cannot write {out}: {exc.strerror or exc}", "check the path and its permissions")
    say(f"✓ {checked.name}: wrote the {what} to {out}")
    return EXIT_OK


def _default_name(fmt: str) -> str:
    return {"cloudformation": "bot.cfn.yaml", "lexjson": "bot-LexJson.zip", "api-plan": "bot.api-plan.json"}.get(fmt, "bot")


# ---------------------------------------------------------------- import


def _extras_report(defn: BotDefinition) -> list[str]:
    from bot_spec import importer

    report: Callable[[BotDefinition], list[str]] | None = getattr(importer, "import_report", None)
    return report(defn) if report is not None else []


def cmd_import(args: argparse.Namespace) -> int:
    """Turn an existing Lex bot (template, LexJson zip or folder) into spec folders, then validate them."""
    from bot_spec.importer import import_bots

    source, out = Path(args.path), Path(args.output)
    for given in (args.path, args.output):
        unusable = _unusable_path(given)
        if unusable is not None:
            return _usage(f"{given[:120]!r} cannot be a path: {unusable}", "give an existing source and a new or empty folder")
    if not source.exists():
        return _refuse(f"{source} does not exist", "check the path: a template, a LexJson zip or an unpacked export folder")
    problem = _check_empty_folder(out)
    if problem is not None:
        return _usage(problem, "give -o a new or empty folder")
    bots = import_bots(source)  # SpecError -> printed by tools.cli, exit 1
    if not bots:
        return _refuse(f"no Lex bot found in {source}", "point at a template with AWS::Lex::Bot, or a LexJson export")
    names = [defn.name for defn in bots]
    twice = sorted({name for name in names if names.count(name) > 1})
    if len(bots) > 1 and twice:
        return _refuse(f"cannot import {twice[0]}: two bots of that name in {source}", "rename one of the bots in the source")
    try:
        # All bots are written into a sibling folder that becomes -o only when every write
        # worked; the names were checked by import_bots and write_spec keeps files inside.
        with staged_folder(out) as stage:
            for defn in bots:
                write_spec(defn, stage if len(bots) == 1 else stage / defn.name)
    except OSError as exc:
        return _refuse(f"cannot write {out}: {exc.strerror or exc}", "check the path and its permissions")
    failed = False
    for defn in bots:
        target = out if len(bots) == 1 else out / defn.name
        checked = _Checked(target)
        _print_diagnostics(checked.diagnostics, sys.stderr)
        say(f"imported {defn.name} from {source} into {target}")
        extras = _extras_report(defn)
        if extras:
            say(f"  kept in lex_extras ({len(extras)}), written through unchanged but not modelled by chat-lex:")
            for line in extras:
                say(f"    {line}")
        for locale in defn.locales:
            if locale.code_hook is not None:
                note = f" ({locale.code_hook.note})" if locale.code_hook.note else ""
                say(f"  code hook {locale.locale_id}: {locale.code_hook.describe()}{note}")
        say("  " + summary(checked.name, checked.defn, checked.diagnostics))
        failed = failed or checked.failed
    if failed:
        say("the imported spec has errors; fix them before compiling or publishing", sys.stderr)
    return EXIT_INPUT_ERROR if failed else EXIT_OK


# ---------------------------------------------------------------- registration


def _bot_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "bot_dir", nargs="?", default=str(default_bot_dir()), metavar="BOT_DIR", help="the bot's spec folder (default: %(default)s)"
    )


def register(subparsers: Any) -> None:
    """Add validate, lint, compile and import to the ``chat-lex`` parser."""
    validate = subparsers.add_parser("validate", help="check a spec folder against the schema and the lint rules")
    _bot_dir_argument(validate)
    validate.set_defaults(func=_guarded(cmd_validate))

    lint = subparsers.add_parser("lint", help="list every lint finding of a spec folder")
    _bot_dir_argument(lint)
    lint.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    lint.set_defaults(func=_guarded(cmd_lint))

    compile_ = subparsers.add_parser(
        "compile", help="validate a spec folder, then write it as CloudFormation, LexJson, an API plan or YAML"
    )
    _bot_dir_argument(compile_)
    compile_.add_argument("--format", required=True, choices=COMPILE_FORMATS, help="what to write")
    compile_.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output file (a new or empty folder for yaml); missing folders above it are created, "
        "each named on stderr, but outside the current directory only with --parents",
    )
    compile_.add_argument(
        "--parents", action="store_true", help="create missing folders above OUT even outside the current directory (like mkdir -p)"
    )
    compile_.set_defaults(func=_guarded(cmd_compile))

    import_ = subparsers.add_parser("import", help="turn an existing Lex bot (template or LexJson export) into a spec folder")
    import_.add_argument("path", metavar="PATH", help="a CloudFormation/SAM template, a LexJson zip or an unpacked export folder")
    import_.add_argument("-o", "--output", required=True, metavar="DIR", help="a new or empty folder for the spec")
    import_.set_defaults(func=_guarded(cmd_import))
