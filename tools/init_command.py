"""``chat-lex init DIR [--from TEMPLATE-or-LexJson]``: a bot project that works at once.

Without ``--from``: a small drink-ordering bot, its Python code hook wired in bot.yaml, the
hook's unit test, passing conversation tests, labelled utterances, a README and a CI
workflow. With ``--from``: the imported bot, its code hook ``none`` until the user names one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from bot_spec.code_hook import CodeHookSpec
from bot_spec.definition import BotDefinition
from tools import init_scaffold as t
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE

_WORD = re.compile(r"[A-Za-z0-9]+")
_NO_BRACES = re.compile(r"^[^{}]+$")


def register(subparsers: Any) -> None:
    """Add ``init``."""
    parser = subparsers.add_parser(
        "init",
        help="create a bot project: spec, Python code hook and its test, conversation tests, README, CI workflow",
        description="Scaffold a chat-lex bot project in DIR (new or empty). With --from, the bot is imported from a "
        "CloudFormation template or a LexJson export and its code hook is none until you name one.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="a new or empty folder")
    parser.add_argument("--from", dest="source", type=Path, default=None, metavar="SOURCE", help="a CFN/SAM template or LexJson export")
    parser.set_defaults(func=run_init)


def names_for(directory: Path) -> tuple[str, str]:
    """A Lex bot name (CamelCase, 1-100 letters/digits) and a Python module name for the folder."""
    words = _WORD.findall(directory.resolve().name) or ["my", "bot"]
    bot = "".join(w[:1].upper() + w[1:] for w in words)[:100]
    if bot[0].isdigit():
        bot = "Bot" + bot[:97]
    module = "_".join(w.lower() for w in words)[:60] + "_hooks"
    if module[0].isdigit():
        module = "bot_" + module
    return bot, module


def _empty_folder_problem(directory: Path) -> str | None:
    if directory.exists() and not directory.is_dir():
        return f"{directory} is a file"
    if directory.is_dir() and any(directory.iterdir()):
        return f"{directory} is not empty"
    return None


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def starter_files(bot: str, module: str) -> dict[str, str]:
    """Every file of a new project, by relative path."""
    workflow = t.WORKFLOW.substitute(unit_tests=t.UNIT_TEST_STEP, evaluate_source="--data data/utterances.yaml")
    return {
        "bot/bot.yaml": t.BOT_YAML.substitute(bot_name=bot, module=module),
        "bot/intents/OrderDrink.yaml": t.ORDER_INTENT,
        "bot/intents/FallbackIntent.yaml": t.FALLBACK_INTENT,
        "bot/slot_types/DrinkSizes.yaml": t.SIZES,
        f"{module}.py": t.HOOKS.substitute(bot_name=bot, module=module),
        f"tests/test_{module}.py": t.HOOKS_TEST.substitute(module=module),
        "features/order_drink.feature": t.ORDER_FEATURE,
        "data/utterances.yaml": t.UTTERANCES,
        "README.md": t.README.substitute(bot_name=bot, module=module),
        ".github/workflows/chat-lex.yml": workflow,
    }


def _recognised_examples(bot_dir: Path, definition: BotDefinition, limit: int = 10) -> list[tuple[str, str]]:
    """(utterance, intent) pairs of the imported bot that the engine recognises as their intent."""
    from runtime.lex.engine import local_runtime_for

    locale = definition.locales[0]
    runtime, deployment = local_runtime_for(bot_dir, code_hook=CodeHookSpec("none"))
    found: list[tuple[str, str]] = []
    for n, intent in enumerate(i for i in locale.intents if not i.is_fallback):
        for text in [u for u in intent.sample_utterances if _NO_BRACES.match(u)][:3]:
            response = runtime.recognize_text(
                botId=deployment.bot_id, botAliasId=deployment.alias_id, localeId=locale.locale_id, sessionId=f"init-{n}", text=text
            )
            if ((response["sessionState"].get("intent") or {}).get("name")) == intent.name:
                found.append((text, intent.name))
                break
        if len(found) >= limit:
            break
    return found


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def imported_files(bot: str, module: str, source: Path, examples: list[tuple[str, str]]) -> dict[str, str]:
    """The files around an imported bot (its spec is written separately)."""
    utterance, intent = examples[0]
    data = "".join(f'- {{text: "{_quoted(text)}", intent: {name}}}\n' for text, name in examples)
    workflow = t.WORKFLOW.substitute(unit_tests="", evaluate_source="--data data/utterances.yaml")
    return {
        f"{module}.py": t.STARTER_HOOKS.substitute(bot_name=bot, module=module),
        "features/imported_bot.feature": t.IMPORTED_FEATURE.substitute(bot_name=bot, utterance=_quoted(utterance), intent=intent),
        "data/utterances.yaml": "# Labelled utterances for `chat-lex evaluate --data data/utterances.yaml`.\n" + data,
        "README.md": t.IMPORTED_README.substitute(bot_name=bot, module=module, source=source.name),
        ".github/workflows/chat-lex.yml": workflow,
    }


def _import(directory: Path, source: Path, module: str) -> tuple[BotDefinition, dict[str, str]] | str:
    """Import ``source`` into ``directory/bot``; the extra files, or why it cannot be used."""
    from bot_spec.formats.yaml_spec import write_spec
    from bot_spec.importer import import_bots

    bots = import_bots(source)  # SpecError -> printed by tools.cli, exit 1
    if not bots:
        return f"no Lex bot found in {source}"
    definition = bots[0]
    if len(bots) > 1:
        print(f"note: {source} holds {len(bots)} bots; this project takes the first, {definition.name}", file=sys.stderr)
    for locale in definition.locales:
        before = locale.code_hook
        hint = f" (the source names {before.describe()}: try --code-hook {before.describe()})" if before and before.kind == "lambda" else ""
        locale.code_hook = CodeHookSpec("none", note=f"imported from {source.name}; name a code hook to run your own code{hint}")
    write_spec(definition, directory / "bot")
    examples = _recognised_examples(directory / "bot", definition)
    if not examples:
        return f"no intent of {definition.name} could be recognised from its own sample utterances; is it an empty bot?"
    return definition, imported_files(definition.name, module, source, examples)


def run_init(args: argparse.Namespace) -> int:
    """Write the project, then say what to run next."""
    directory: Path = args.directory
    problem = _empty_folder_problem(directory)
    if problem is not None:
        print(f"error: {problem}; give init a new or empty folder", file=sys.stderr)
        return EXIT_USAGE
    bot, module = names_for(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if args.source is None:
        _write(directory, starter_files(bot, module))
        print(f"created {bot} in {directory}: bot/, {module}.py (the code hook, wired in bot/bot.yaml), tests/, features/, CI")
    else:
        imported = _import(directory, args.source, module)
        if isinstance(imported, str):
            print(f"error: {imported}", file=sys.stderr)
            return EXIT_INPUT_ERROR
        definition, files = imported
        _write(directory, files)
        print(f"imported {definition.name} from {args.source} into {directory}/bot")
        print(f"its code hook is none until you name one: set code_hook in {directory}/bot/bot.yaml (e.g. python: {module}:code_hook)")
    print(f"next: cd {directory} && chat-lex test features --bot-dir bot")
    return EXIT_OK
